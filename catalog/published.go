package catalog

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"sunlight/domain"
)

// registerPublishedSubjects adds the resolvers for the published-data kinds
// (disclosure, fund, category). Unpublished or expired records resolve to
// domain.ErrNotFound, like missing ones.
func registerPublishedSubjects(r *SubjectResolver) {
	r.extra[SubjectDisclosure] = byNumber(SubjectDisclosure, func(ctx context.Context, n uint64) (*Subject, error) {
		d, err := LoadDisclosure(ctx, r.db, n)
		if err != nil {
			return nil, err
		}
		return &Subject{Title: d.Title, RegionCode: d.VillageCode, DeptCode: d.Dept()}, nil
	})
	r.extra[SubjectFund] = byNumber(SubjectFund, func(ctx context.Context, n uint64) (*Subject, error) {
		f, err := LoadFund(ctx, r.db, n)
		if err != nil {
			return nil, err
		}
		return &Subject{Title: f.Name, RegionCode: f.RegionCode, DeptCode: f.DeptCode}, nil
	})
	r.extra[SubjectCategory] = func(ctx context.Context, code string) (*Subject, error) {
		c, err := LoadCategory(ctx, r.db, code)
		if err != nil {
			return nil, err
		}
		s := &Subject{Kind: SubjectCategory, ID: code, Title: c.Name, DeptCode: c.DeptCode, URL: "/catalog/" + code}
		if c.DeptCode != "" {
			if d, err := r.depts.Get(ctx, c.DeptCode); err == nil {
				s.RegionCode = d.RegionCode
			} else if !errors.Is(err, domain.ErrNotFound) {
				return nil, err
			}
		}
		return s, nil
	}
}

// byNumber resolves the subjects of a kind with numeric ids ("fund:7",
// page /funds/7) with load.
func byNumber(kind string, load func(ctx context.Context, n uint64) (*Subject, error)) func(context.Context, string) (*Subject, error) {
	return func(ctx context.Context, id string) (*Subject, error) {
		n, err := parseID(kind, id)
		if err != nil {
			return nil, err
		}
		s, err := load(ctx, n)
		if err != nil {
			return nil, err
		}
		s.Kind, s.ID, s.URL = kind, id, "/"+kind+"s/"+id
		return s, nil
	}
}

// parseID reads a numeric record id; anything else names no record.
func parseID(kind, id string) (uint64, error) {
	n, err := strconv.ParseUint(id, 10, 64)
	if err != nil || n == 0 {
		return 0, fmt.Errorf("%s %q: %w", kind, id, domain.ErrNotFound)
	}
	return n, nil
}
