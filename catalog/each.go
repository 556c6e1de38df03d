package catalog

import (
	"context"
	"fmt"

	"gorm.io/gorm"
)

// eachBatch is how many rows an export reads at a time.
const eachBatch = 1000

// eachByID walks the rows of q in id order, a batch at a time, so that an
// export of millions of rows holds one batch in memory.
func eachByID[T any](ctx context.Context, q func() *gorm.DB, id func(*T) uint64, fn func(*T) error) error {
	var after uint64
	for {
		var rows []T
		if err := q().WithContext(ctx).Where("id > ?", after).Order("id").Limit(eachBatch).Find(&rows).Error; err != nil {
			return fmt.Errorf("export: %w", err)
		}
		for i := range rows {
			if err := fn(&rows[i]); err != nil {
				return err
			}
		}
		if len(rows) < eachBatch {
			return nil
		}
		after = id(&rows[len(rows)-1])
	}
}

// Each calls fn for every published category, in code order.
func (s *CategoryStore) Each(ctx context.Context, fn func(*Category) error) error {
	var all []Category
	if err := s.db.WithContext(ctx).Scopes(PublicCategories).Order("code").Find(&all).Error; err != nil {
		return fmt.Errorf("export catalog: %w", err)
	}
	for i := range all {
		if err := fn(&all[i]); err != nil {
			return err
		}
	}
	return nil
}

// Each calls fn for every published fund matching f, in id order.
func (s *FundStore) Each(ctx context.Context, f FundFilter, fn func(*Fund) error) error {
	return eachByID(ctx, func() *gorm.DB { return s.filtered(context.Background(), f) }, func(f *Fund) uint64 { return f.ID }, fn)
}

// EachDisbursement calls fn for every payment of a published fund made in
// a village under region ("" for all), in id order.
func (s *FundStore) EachDisbursement(ctx context.Context, region string, fn func(*Disbursement) error) error {
	q := func() *gorm.DB {
		q := s.db.Model(&Disbursement{}).Where("fund_id IN (?)", s.db.Model(&Fund{}).Scopes(PublicFunds).Select("id"))
		if region != "" {
			q = q.Where("village_code LIKE ?", region+"%")
		}
		return q
	}
	return eachByID(ctx, q, func(d *Disbursement) uint64 { return d.ID }, fn)
}

// Each calls fn for every visible disclosure matching f, in id order.
func (s *DisclosureStore) Each(ctx context.Context, f DisclosureFilter, fn func(*Disclosure) error) error {
	return eachByID(ctx, func() *gorm.DB { return s.visible(context.Background(), f) }, func(d *Disclosure) uint64 { return d.ID }, fn)
}
