package search

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"sunlight/domain"
)

// Change is one row of a change source: subject Subject changed; Seq orders
// the rows of one source.
type Change struct {
	Seq     uint64
	Subject string
}

// ErrGone says a subject must not be in the index (deleted, unpublished,
// expired). domain.ErrNotFound means the same.
var ErrGone = errors.New("not searchable")

// Source is where searchable records and their changes come from: the
// catalog's outbox today, published report answers later. Each source has
// its own cursor.
type Source interface {
	// Name identifies the source's cursor, e.g. "catalog".
	Name() string
	// Latest is the highest change sequence now.
	Latest(ctx context.Context) (uint64, error)
	// Changes returns up to limit changes after seq, in order.
	Changes(ctx context.Context, after uint64, limit int) ([]Change, error)
	// Load returns the subject's current document, or an error wrapping
	// ErrGone or domain.ErrNotFound when it must not be searchable.
	Load(ctx context.Context, subject string) (*Document, error)
	// All calls fn with every searchable document, in batches.
	All(ctx context.Context, fn func(docs []Document) error) error
}

// BatchLoader is a Source that loads many subjects at once: the documents
// still searchable, and the subjects that must leave the index.
type BatchLoader interface {
	LoadMany(ctx context.Context, subjects []string) (docs []Document, gone []string, err error)
}

// Expirer is a Source whose records stop being public at a time (a
// disclosure's publish_until) without a write that records a change.
type Expirer interface {
	// Expiring lists the subjects whose publication ended in (from, to].
	Expiring(ctx context.Context, from, to time.Time) ([]string, error)
}

// Cursor is how far one index (Consumer) has applied one source, and who
// holds the lease to apply it. Several portal processes sharing one index
// (Meilisearch) share its cursors; the lease makes one of them apply at a
// time and fences the position it writes.
type Cursor struct {
	ID         string    `gorm:"primaryKey;size:191"` // consumer|source
	Position   uint64    `gorm:"not null;default:0"`
	Owner      string    `gorm:"size:64;not null;default:''"`
	LeaseUntil time.Time `gorm:"not null"`
	SweptUntil time.Time `gorm:"not null"` // expiry checked up to here
	Version    uint64    `gorm:"not null;default:0"`
	UpdatedAt  time.Time `gorm:"not null"`
}

// TableName keeps the table's name explicit.
func (Cursor) TableName() string { return "search_cursors" }

// Models are the tables search owns.
func Models() []any { return []any{&Cursor{}, &SynonymGroup{}, &SynonymTerm{}} }

// Migrate creates or upgrades search's tables and seeds the synonym
// groups into empty ones.
func Migrate(ctx context.Context, db *gorm.DB) error {
	if err := db.WithContext(ctx).AutoMigrate(Models()...); err != nil {
		return fmt.Errorf("migrate search: %w", err)
	}
	if err := SeedSynonyms(ctx, db); err != nil {
		return fmt.Errorf("migrate search: synonyms: %w", err)
	}
	return nil
}

// Syncer applies the changes of its sources to an index, with retries and
// backoff, and rebuilds the index from the sources on demand.
type Syncer struct {
	DB       *gorm.DB
	Index    Index
	Sources  []Source
	Consumer string // identity of Index, see Identity
	Log      *slog.Logger
	Now      func() time.Time // nil: time.Now

	Batch      int           // changes per batch (default 500)
	Interval   time.Duration // pause when caught up (default 1s)
	Lease      time.Duration // lease length (default 30s)
	MaxBackoff time.Duration // longest pause after failures (default 30s)
	// GapGrace is how long a hole in the change sequence is waited for
	// before it is taken for a rolled-back transaction (default 5m); see
	// contiguous.
	GapGrace time.Duration

	owner string
	mu    sync.Mutex
	state SyncState
	gaps  map[string]gap // cursor id → the hole it waits at
}

// gap is a missing change sequence number and when it was first seen.
type gap struct {
	seq  uint64
	seen time.Time
}

// SyncState is what the syncer last saw, for /readyz and the search page.
type SyncState struct {
	LastError   string
	LastErrorAt time.Time
	LastSync    time.Time
	Failures    int // consecutive
	Applied     int // subjects applied since start
}

// Identity returns a stable name of an index for its cursors.
func Identity(idx Index) string {
	if i, ok := idx.(interface{ Identity() string }); ok {
		return i.Identity()
	}
	return fmt.Sprintf("%T", idx)
}

func (s *Syncer) init() {
	if s.owner == "" {
		s.owner = randomID()
	}
	if s.Now == nil {
		s.Now = time.Now
	}
	if s.Log == nil {
		s.Log = slog.New(slog.DiscardHandler)
	}
	if s.Batch <= 0 {
		s.Batch = 500
	}
	if s.Interval <= 0 {
		s.Interval = time.Second
	}
	if s.Lease <= 0 {
		s.Lease = 30 * time.Second
	}
	if s.MaxBackoff <= 0 {
		s.MaxBackoff = 30 * time.Second
	}
	if s.GapGrace <= 0 {
		s.GapGrace = 5 * time.Minute
	}
	if s.gaps == nil {
		s.gaps = map[string]gap{}
	}
	if s.Consumer == "" {
		s.Consumer = Identity(s.Index)
	}
}

// State returns a copy of the syncer's state.
func (s *Syncer) State() SyncState {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.state
}

func (s *Syncer) record(applied int, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		s.state.LastError, s.state.LastErrorAt = err.Error(), s.Now()
		s.state.Failures++
		return
	}
	s.state.Failures, s.state.LastSync = 0, s.Now()
	s.state.Applied += applied
}

// Run applies changes until ctx is done: it waits Interval when caught up
// and backs off exponentially (up to MaxBackoff) while the index or the
// database fails. Nothing is lost meanwhile: the cursor only moves after a
// batch was applied.
func (s *Syncer) Run(ctx context.Context) {
	s.init()
	backoff := time.Duration(0)
	for {
		n, err := s.SyncOnce(ctx)
		if ctx.Err() != nil {
			s.release(context.Background())
			return
		}
		s.record(n, err)
		wait := s.Interval
		if err != nil {
			backoff = min(max(2*backoff, s.Interval), s.MaxBackoff)
			wait = backoff
			s.Log.Warn("search sync failed; will retry", "err", err, "retry_in", wait.String())
		} else {
			backoff = 0
		}
		select {
		case <-ctx.Done():
			s.release(context.Background())
			return
		case <-time.After(wait):
		}
	}
}

// errLeaseLost says another process took over the cursor.
var errLeaseLost = errors.New("search sync lease taken over by another process")

// SyncOnce applies every pending change of every source, unless another
// process holds the lease. It returns how many subjects it applied.
func (s *Syncer) SyncOnce(ctx context.Context) (int, error) {
	s.init()
	switch r := s.Index.(type) {
	case interface{ Refresh() error }:
		if err := r.Refresh(); err != nil {
			return 0, err
		}
	case interface{ Refresh() (bool, error) }:
		if _, err := r.Refresh(); err != nil {
			return 0, err
		}
	}
	total := 0
	for _, src := range s.Sources {
		n, err := s.syncSource(ctx, src)
		total += n
		if errors.Is(err, errLeaseLost) {
			continue
		}
		if err != nil {
			return total, fmt.Errorf("%s: %w", src.Name(), err)
		}
	}
	return total, nil
}

func (s *Syncer) cursorID(src Source) string { return s.Consumer + "|" + src.Name() }

func (s *Syncer) syncSource(ctx context.Context, src Source) (int, error) {
	cur, err := s.acquire(ctx, s.cursorID(src))
	if err != nil {
		return 0, err
	}
	if cur.Position == 0 {
		latest, err := src.Latest(ctx)
		if err != nil {
			return 0, err
		}
		if latest > 0 { // a new index: build it whole rather than replay history
			return s.reindex(ctx, nil, false)
		}
	}
	total, err := s.sweep(ctx, src, cur)
	if err != nil {
		return total, err
	}
	pos := cur.Position
	for {
		changes, err := src.Changes(ctx, pos, s.Batch)
		if err != nil {
			return total, fmt.Errorf("read changes: %w", err)
		}
		read := len(changes)
		if changes = s.contiguous(s.cursorID(src), pos, changes); len(changes) == 0 {
			return total, nil
		}
		more := read == s.Batch && len(changes) == read // a full batch, no hole in it
		subjects := make([]string, 0, len(changes))
		for _, c := range changes {
			subjects = append(subjects, c.Subject)
		}
		n, err := s.apply(ctx, src, subjects)
		if err != nil {
			return total, err
		}
		total += n
		pos = changes[len(changes)-1].Seq
		if err := s.advance(ctx, s.cursorID(src), map[string]any{"position": pos}); err != nil {
			return total, err
		}
		if !more {
			return total, nil
		}
	}
}

// contiguous keeps the changes that follow pos without a hole. On MySQL an
// auto-increment id is handed out at insert but becomes visible only at
// commit, so a long transaction (an import) can commit ids below ones
// already read; moving the cursor past the hole would skip them for good.
// So the cursor stops at a hole until it fills, or until it has stayed
// open for GapGrace, when it is taken for a transaction that rolled back.
// (On SQLite, with one writer at a time, holes do not occur.)
func (s *Syncer) contiguous(cursor string, pos uint64, changes []Change) []Change {
	next := pos + 1
	for i, c := range changes {
		if c.Seq == next {
			next++
			continue
		}
		g, ok := s.gaps[cursor]
		if !ok || g.seq != next {
			s.gaps[cursor] = gap{seq: next, seen: s.Now()}
			return changes[:i]
		}
		if s.Now().Sub(g.seen) < s.GapGrace {
			return changes[:i]
		}
		s.Log.Warn("search: change sequence hole given up on", "cursor", cursor, "from", next, "to", c.Seq-1)
		delete(s.gaps, cursor)
		next = c.Seq + 1
	}
	return changes
}

// apply loads the current state of each subject (once per batch) and puts
// or deletes it.
func (s *Syncer) apply(ctx context.Context, src Source, subjects []string) (int, error) {
	seen := make(map[string]bool, len(subjects))
	var unique []string
	for _, sub := range subjects {
		if !seen[sub] {
			seen[sub] = true
			unique = append(unique, sub)
		}
	}
	puts, dels, err := load(ctx, src, unique)
	if err != nil {
		return 0, err
	}
	if len(puts) > 0 {
		if err := s.Index.Put(ctx, puts...); err != nil {
			return 0, err
		}
	}
	if len(dels) > 0 {
		if err := s.Index.Delete(ctx, dels...); err != nil {
			return 0, err
		}
	}
	return len(seen), nil
}

// load returns the current documents of subjects and those to delete.
func load(ctx context.Context, src Source, subjects []string) ([]Document, []string, error) {
	if bl, ok := src.(BatchLoader); ok {
		return bl.LoadMany(ctx, subjects)
	}
	var puts []Document
	var dels []string
	for _, sub := range subjects {
		d, err := src.Load(ctx, sub)
		switch {
		case errors.Is(err, ErrGone), errors.Is(err, domain.ErrNotFound):
			dels = append(dels, sub)
		case err != nil:
			return nil, nil, fmt.Errorf("load %s: %w", sub, err)
		default:
			puts = append(puts, *d)
		}
	}
	return puts, dels, nil
}

// sweep deletes what expired since the last sweep.
func (s *Syncer) sweep(ctx context.Context, src Source, cur *Cursor) (int, error) {
	ex, ok := src.(Expirer)
	if !ok {
		return 0, nil
	}
	now := s.Now()
	from := cur.SweptUntil
	if from.IsZero() {
		from = now.AddDate(-50, 0, 0)
	}
	subjects, err := ex.Expiring(ctx, from, now)
	if err != nil {
		return 0, fmt.Errorf("expired records: %w", err)
	}
	n, err := s.apply(ctx, src, subjects)
	if err != nil {
		return 0, err
	}
	return n, s.advance(ctx, s.cursorID(src), map[string]any{"swept_until": now})
}

// acquire takes or renews the lease on a cursor row, creating it first.
func (s *Syncer) acquire(ctx context.Context, id string) (*Cursor, error) {
	db := s.DB.WithContext(ctx)
	now := s.Now()
	row := Cursor{ID: id, UpdatedAt: now, LeaseUntil: time.Unix(0, 0).UTC(), SweptUntil: time.Unix(0, 0).UTC()}
	if err := db.Clauses(clause.OnConflict{DoNothing: true}).Create(&row).Error; err != nil {
		return nil, fmt.Errorf("search cursor: %w", err)
	}
	res := db.Model(&Cursor{}).Where("id = ? AND (owner = ? OR lease_until < ?)", id, s.owner, now).
		Updates(map[string]any{"owner": s.owner, "lease_until": now.Add(s.Lease), "version": gorm.Expr("version + 1"), "updated_at": now})
	if res.Error != nil {
		return nil, fmt.Errorf("search cursor lease: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return nil, errLeaseLost
	}
	var cur Cursor
	if err := db.Where("id = ?", id).Take(&cur).Error; err != nil {
		return nil, fmt.Errorf("search cursor: %w", err)
	}
	if cur.SweptUntil.Unix() <= 0 {
		cur.SweptUntil = time.Time{}
	}
	return &cur, nil
}

// advance writes to the cursor only while this syncer holds its lease.
func (s *Syncer) advance(ctx context.Context, id string, set map[string]any) error {
	now := s.Now()
	set["lease_until"], set["version"], set["updated_at"] = now.Add(s.Lease), gorm.Expr("version + 1"), now
	res := s.DB.WithContext(ctx).Model(&Cursor{}).Where("id = ? AND owner = ?", id, s.owner).Updates(set)
	if res.Error != nil {
		return fmt.Errorf("search cursor: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return errLeaseLost
	}
	return nil
}

// release lets another process take over at once.
func (s *Syncer) release(ctx context.Context) {
	for _, src := range s.Sources {
		s.DB.WithContext(ctx).Model(&Cursor{}).Where("id = ? AND owner = ?", s.cursorID(src), s.owner).
			Update("lease_until", time.Unix(0, 0).UTC())
	}
}

// Reindex rebuilds the whole index from the sources and swaps it in. The
// cursors are then set to where the sources stood before the rebuild read
// them, so changes made during the rebuild are applied again afterwards:
// applying is idempotent, losing one is not. progress, if set, is told how
// many documents are done.
func (s *Syncer) Reindex(ctx context.Context, progress func(done int)) (int, error) {
	s.init()
	return s.reindex(ctx, progress, true)
}

func (s *Syncer) reindex(ctx context.Context, progress func(done int), release bool) (int, error) {
	marks := make([]uint64, len(s.Sources))
	for i, src := range s.Sources {
		m, err := src.Latest(ctx)
		if err != nil {
			return 0, err
		}
		marks[i] = m
	}
	done := 0
	err := s.Index.Rebuild(ctx, func(put func(docs ...Document) error) error {
		for _, src := range s.Sources {
			err := src.All(ctx, func(docs []Document) error {
				if err := put(docs...); err != nil {
					return err
				}
				done += len(docs)
				if progress != nil {
					progress(done)
				}
				return nil
			})
			if err != nil {
				return fmt.Errorf("%s: %w", src.Name(), err)
			}
		}
		// Take the cursors before the swap so that a syncer elsewhere can
		// no longer move them past what the new index holds.
		return s.steal(ctx)
	})
	if err != nil {
		return done, err
	}
	for i, src := range s.Sources {
		if err := s.advance(ctx, s.cursorID(src), map[string]any{"position": marks[i]}); err != nil {
			return done, err
		}
	}
	if release {
		s.release(ctx)
	}
	return done, nil
}

// steal takes the lease of every cursor regardless of its holder; that
// holder's next write is refused.
func (s *Syncer) steal(ctx context.Context) error {
	now := s.Now()
	for _, src := range s.Sources {
		id := s.cursorID(src)
		row := Cursor{ID: id, UpdatedAt: now, LeaseUntil: time.Unix(0, 0).UTC(), SweptUntil: time.Unix(0, 0).UTC()}
		if err := s.DB.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&row).Error; err != nil {
			return err
		}
		if err := s.DB.WithContext(ctx).Model(&Cursor{}).Where("id = ?", id).
			Updates(map[string]any{"owner": s.owner, "lease_until": now.Add(s.Lease), "version": gorm.Expr("version + 1")}).Error; err != nil {
			return fmt.Errorf("search cursor: %w", err)
		}
	}
	return nil
}
