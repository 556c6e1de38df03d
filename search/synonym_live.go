package search

import (
	"context"
	"sync"
	"time"

	"sunlight/catalog"
)

// SynonymRecheck is how often live synonyms ask the database whether
// another process changed the groups (one indexed query).
const SynonymRecheck = 5 * time.Second

// liveSource keeps a Synonyms in step with the stored groups: every
// SynonymRecheck it compares the newest recorded change (catalog.RefStamp)
// with the one it loaded, and reloads when they differ.
type liveSource struct {
	st    *SynonymStore
	every time.Duration

	mu      sync.Mutex
	checked time.Time
	stamp   uint64
}

// Live returns the synonyms searches should use: the stored groups plus
// Extra, kept up to date. A change made through this store shows at once;
// one made by another process within SynonymRecheck. Both backends expand
// a query with the groups of the moment, so a new group needs no reindex
// to find documents (see Meili for what a reindex still adds there).
func (st *SynonymStore) Live(ctx context.Context) (*Synonyms, error) {
	every := st.Recheck
	if every == 0 {
		every = SynonymRecheck
	}
	syn := &Synonyms{live: &liveSource{st: st, every: every}}
	if err := syn.live.load(ctx, syn); err != nil {
		return nil, err
	}
	st.live = syn
	return syn, nil
}

// load reads the stamp and the groups and sets them.
func (l *liveSource) load(ctx context.Context, s *Synonyms) error {
	stamp, err := catalog.RefStamp(ctx, l.st.db, catalog.RefSynonym)
	if err != nil {
		return err
	}
	sets, err := l.st.Groups(ctx)
	if err != nil {
		return err
	}
	groups := make([][]string, 0, len(sets)+len(l.st.Extra))
	for _, g := range sets {
		groups = append(groups, g.Terms)
	}
	s.Set(append(groups, l.st.Extra...))
	l.stamp, l.checked = stamp, time.Now()
	return nil
}

// refresh reloads when the recheck interval has passed and the stamp
// moved. A failed read keeps the groups it has.
func (l *liveSource) refresh(s *Synonyms) {
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if time.Since(l.checked) < l.every {
		return
	}
	l.checked = time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	stamp, err := catalog.RefStamp(ctx, l.st.db, catalog.RefSynonym)
	if err != nil || stamp == l.stamp {
		return
	}
	_ = l.load(ctx, s)
}

// force reloads now, after a change made through the store.
func (l *liveSource) force(s *Synonyms) {
	l.mu.Lock()
	defer l.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := l.load(ctx, s); err != nil {
		l.checked = time.Time{} // try again on the next search
	}
}
