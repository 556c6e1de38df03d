package catalog

import (
	"context"
	"errors"
	"fmt"
	"strconv"
)

// registerPublishedSubjects adds the resolvers for the published-data kinds
// (disclosure, fund, category). Unpublished or expired records resolve to
// ErrNotFound, like missing ones.
func registerPublishedSubjects(r *SubjectResolver) {
	r.extra[SubjectDisclosure] = func(ctx context.Context, id string) (*Subject, error) {
		n, err := parseID(SubjectDisclosure, id)
		if err != nil {
			return nil, err
		}
		d, err := LoadDisclosure(ctx, r.db, n)
		if err != nil {
			return nil, err
		}
		dept := d.DeptCode
		if dept == "" {
			dept = DeptCode(d.VillageCode, "cw")
		}
		return &Subject{Kind: SubjectDisclosure, ID: id, Title: d.Title, RegionCode: d.VillageCode,
			DeptCode: dept, URL: "/disclosures/" + id}, nil
	}
	r.extra[SubjectFund] = func(ctx context.Context, id string) (*Subject, error) {
		n, err := parseID(SubjectFund, id)
		if err != nil {
			return nil, err
		}
		f, err := LoadFund(ctx, r.db, n)
		if err != nil {
			return nil, err
		}
		return &Subject{Kind: SubjectFund, ID: id, Title: f.Name, RegionCode: f.RegionCode,
			DeptCode: f.DeptCode, URL: "/funds/" + id}, nil
	}
	r.extra[SubjectCategory] = func(ctx context.Context, code string) (*Subject, error) {
		c, err := LoadCategory(ctx, r.db, code)
		if err != nil {
			return nil, err
		}
		s := &Subject{Kind: SubjectCategory, ID: code, Title: c.Name, DeptCode: c.DeptCode, URL: "/catalog/" + code}
		if c.DeptCode != "" {
			if d, err := r.depts.Get(ctx, c.DeptCode); err == nil {
				s.RegionCode = d.RegionCode
			} else if !errors.Is(err, ErrNotFound) {
				return nil, err
			}
		}
		return s, nil
	}
}

// parseID reads a numeric record id; anything else names no record.
func parseID(kind, id string) (uint64, error) {
	n, err := strconv.ParseUint(id, 10, 64)
	if err != nil || n == 0 {
		return 0, fmt.Errorf("%s %q: %w", kind, id, ErrNotFound)
	}
	return n, nil
}
