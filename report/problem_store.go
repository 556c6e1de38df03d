package report

import (
	"context"
	"slices"
	"sync"
	"time"

	"gorm.io/gorm"

	"sunlight/catalog"
)

// ProblemTypeStore reads the problem types through a small cache. The
// cache holds while no change has been recorded (catalog.RefStamp), so a
// change made by any process shows on the next read; it is reloaded at
// least every few minutes anyway.
type ProblemTypeStore struct {
	db  *gorm.DB
	Now func() time.Time

	mu     sync.Mutex
	byKind problemNames // every type, disabled ones too, in page order
	stamp  uint64
	loaded time.Time
}

// problemCacheMax is the longest the cache is kept without a reload.
const problemCacheMax = 5 * time.Minute

// NewProblemTypeStore returns a store on db.
func NewProblemTypeStore(db *gorm.DB) *ProblemTypeStore {
	return &ProblemTypeStore{db: db, Now: time.Now}
}

// SeedProblemTypes fills an empty table with DefaultProblemTypes.
// Idempotent: a table with rows is left alone.
func SeedProblemTypes(ctx context.Context, db *gorm.DB) error {
	var n int64
	if err := db.WithContext(ctx).Model(&ProblemType{}).Count(&n).Error; err != nil || n > 0 {
		return err
	}
	defaults := DefaultProblemTypes()
	var rows []ProblemType
	for _, k := range ProblemKinds {
		rows = append(rows, defaults[k]...)
	}
	return db.WithContext(ctx).Create(&rows).Error
}

// load returns every type by kind, from the cache when no change was
// recorded since it was filled.
func (s *ProblemTypeStore) load(ctx context.Context) (problemNames, error) {
	stamp, err := catalog.RefStamp(ctx, s.db, catalog.RefProblemType)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.byKind != nil && stamp == s.stamp && s.Now().Sub(s.loaded) < problemCacheMax {
		return s.byKind, nil
	}
	var rows []ProblemType
	if err := s.db.WithContext(ctx).Order("id").Find(&rows).Error; err != nil {
		return nil, err
	}
	by := problemNames{}
	for _, r := range rows {
		by[r.SubjectKind] = append(by[r.SubjectKind], r)
	}
	for _, list := range by {
		// "其他问题" stays last, after types added later.
		slices.SortStableFunc(list, func(a, b ProblemType) int { return boolInt(a.Code == "other") - boolInt(b.Code == "other") })
	}
	s.byKind, s.stamp, s.loaded = by, stamp, s.Now()
	return by, nil
}

// invalidate drops the cache after a change made through this store.
func (s *ProblemTypeStore) invalidate() {
	s.mu.Lock()
	s.byKind = nil
	s.mu.Unlock()
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Offered returns the types a report on a subject of kind may choose.
func (s *ProblemTypeStore) Offered(ctx context.Context, kind string) ([]ProblemType, error) {
	by, err := s.load(ctx)
	if err != nil {
		return nil, err
	}
	var out []ProblemType
	for _, p := range by[kind] {
		if !p.Disabled {
			out = append(out, p)
		}
	}
	return out, nil
}

// Of returns kind's type code, disabled or not.
func (s *ProblemTypeStore) Of(ctx context.Context, kind, code string) (ProblemType, bool, error) {
	by, err := s.load(ctx)
	if err != nil {
		return ProblemType{}, false, err
	}
	for _, p := range by[kind] {
		if p.Code == code {
			return p, true, nil
		}
	}
	return ProblemType{}, false, nil
}

// Name is the Chinese name of a code, for pages: a disabled type keeps
// its name; an unknown code (or a failed read) shows as itself.
func (s *ProblemTypeStore) Name(ctx context.Context, kind, code string) string {
	by, err := s.load(ctx)
	if err != nil {
		return code
	}
	return by.name(kind, code)
}

// problemNames are the problem types by subject kind.
type problemNames map[string][]ProblemType

// name is a code's Chinese name, or the code when it is unknown.
func (n problemNames) name(kind, code string) string {
	for _, p := range n[kind] {
		if p.Code == code {
			return p.Name
		}
	}
	return code
}

// All returns every type of every kind, disabled ones too, kinds in
// ProblemKinds order.
func (s *ProblemTypeStore) All(ctx context.Context) ([]ProblemType, error) {
	by, err := s.load(ctx)
	if err != nil {
		return nil, err
	}
	var out []ProblemType
	for _, k := range ProblemKinds {
		out = append(out, by[k]...)
	}
	return out, nil
}

// Codes returns each code any subject kind offers, once, with the name
// of its first kind — for a queue filter.
func (s *ProblemTypeStore) Codes(ctx context.Context) ([]ProblemType, error) {
	all, err := s.All(ctx)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var out []ProblemType
	for _, p := range all {
		if !seen[p.Code] {
			seen[p.Code] = true
			out = append(out, p)
		}
	}
	return out, nil
}

// ProblemTypes is the service's problem type store.
func (s *Service) ProblemTypes() *ProblemTypeStore { return s.problems }
