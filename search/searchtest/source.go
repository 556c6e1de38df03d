package searchtest

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	"sunlight/internal/testdb"
	"sunlight/search"
)

// MemorySource is an in-memory change source: a map of published
// documents and an append-only change log, like catalog's outbox.
type MemorySource struct {
	mu      sync.Mutex
	docs    map[string]search.Document
	changes []search.Change
	// Expires, when set for a subject, ends its publication at that time.
	Expires map[string]time.Time
	Now     func() time.Time
}

// NewMemorySource returns a source holding docs, each with a change row.
func NewMemorySource(docs ...search.Document) *MemorySource {
	m := &MemorySource{docs: map[string]search.Document{}, Expires: map[string]time.Time{}, Now: time.Now}
	m.Set(docs...)
	return m
}

// Set publishes or replaces docs and records their changes.
func (m *MemorySource) Set(docs ...search.Document) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, d := range docs {
		m.docs[d.ID] = d
		m.changes = append(m.changes, search.Change{Seq: uint64(len(m.changes) + 1), Subject: d.ID})
	}
}

// Unpublish removes subjects and records their changes.
func (m *MemorySource) Unpublish(ids ...string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, id := range ids {
		delete(m.docs, id)
		m.changes = append(m.changes, search.Change{Seq: uint64(len(m.changes) + 1), Subject: id})
	}
}

// Name implements search.Source.
func (m *MemorySource) Name() string { return "memory" }

// Latest implements search.Source.
func (m *MemorySource) Latest(context.Context) (uint64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return uint64(len(m.changes)), nil
}

// Changes implements search.Source.
func (m *MemorySource) Changes(_ context.Context, after uint64, limit int) ([]search.Change, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if after >= uint64(len(m.changes)) {
		return nil, nil
	}
	end := min(int(after)+limit, len(m.changes))
	return append([]search.Change(nil), m.changes[after:end]...), nil
}

func (m *MemorySource) live(id string) (search.Document, bool) {
	d, ok := m.docs[id]
	if exp, has := m.Expires[id]; ok && has && !m.Now().Before(exp) {
		return d, false
	}
	return d, ok
}

// Load implements search.Source.
func (m *MemorySource) Load(_ context.Context, subject string) (*search.Document, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	d, ok := m.live(subject)
	if !ok {
		return nil, fmt.Errorf("%s: %w", subject, search.ErrGone)
	}
	return &d, nil
}

// All implements search.Source.
func (m *MemorySource) All(_ context.Context, fn func([]search.Document) error) error {
	m.mu.Lock()
	var out []search.Document
	for id := range m.docs {
		if d, ok := m.live(id); ok {
			out = append(out, d)
		}
	}
	m.mu.Unlock()
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	for len(out) > 0 {
		n := min(len(out), 4)
		if err := fn(out[:n]); err != nil {
			return err
		}
		out = out[n:]
	}
	return nil
}

// Expiring implements search.Expirer.
func (m *MemorySource) Expiring(_ context.Context, from, to time.Time) ([]string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []string
	for id, t := range m.Expires {
		if t.After(from) && !t.After(to) {
			out = append(out, id)
		}
	}
	sort.Strings(out)
	return out, nil
}

// IDs returns the ids of the documents that should be searchable.
func (m *MemorySource) IDs() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []string
	for id := range m.docs {
		if _, ok := m.live(id); ok {
			out = append(out, id)
		}
	}
	sort.Strings(out)
	return out
}

// testUnpublishing runs the syncer over idx: a record that is
// unpublished, or whose publication expires, leaves the index within one
// sync cycle.
func testUnpublishing(t *testing.T, idx search.Index) {
	ctx := context.Background()
	db := testdb.SQLite(t)
	if err := search.Migrate(ctx, db); err != nil {
		t.Fatal(err)
	}
	now := day(2025, 6, 1)
	src := NewMemorySource(Fixture()...)
	src.Now = func() time.Time { return now }
	s := &search.Syncer{DB: db, Index: idx, Sources: []search.Source{src}, Consumer: "test", Now: src.Now, Batch: 5}
	if _, err := s.SyncOnce(ctx); err != nil {
		t.Fatal(err)
	}
	expectSet(t, idx, search.Query{Text: "低保"}, "disclosure:3", "disclosure:4", "category:A01")

	src.Unpublish("disclosure:4")
	src.Expires["disclosure:3"] = day(2025, 6, 2)
	if _, err := s.SyncOnce(ctx); err != nil {
		t.Fatal(err)
	}
	expectSet(t, idx, search.Query{Text: "低保"}, "disclosure:3", "category:A01")

	now = day(2025, 6, 3) // disclosure:3's publication has ended; no change row says so
	if _, err := s.SyncOnce(ctx); err != nil {
		t.Fatal(err)
	}
	expectSet(t, idx, search.Query{Text: "低保"}, "category:A01")
	expectSet(t, idx, search.Query{Kind: "dibao"})
}
