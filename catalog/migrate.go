package catalog

import (
	"context"
	"fmt"
	"strings"

	"gorm.io/gorm"
)

// Models are the tables catalog owns.
func Models() []any {
	return []any{&Region{}, &Department{}, &Change{},
		&Category{}, &Fund{}, &Disbursement{}, &Disclosure{}, &Original{}, &RefChange{}}
}

// Migrate creates or upgrades catalog's tables.
func Migrate(ctx context.Context, db *gorm.DB) error {
	if err := db.WithContext(ctx).AutoMigrate(Models()...); err != nil {
		return fmt.Errorf("migrate catalog: %w", err)
	}
	return rekeyDisclosures(ctx, db)
}

// rekeyDisclosures rewrites natural keys of the first format (a bare
// hash) as village code + hash, which databases made before the change
// still hold. One row tells which format a table uses.
func rekeyDisclosures(ctx context.Context, db *gorm.DB) error {
	var first Disclosure
	err := db.WithContext(ctx).Select("id", "nkey", "village_code").Order("id").Limit(1).Find(&first).Error
	if err != nil || first.ID == 0 || strings.HasPrefix(first.NKey, first.VillageCode) {
		return err
	}
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		return eachByID(ctx, func() *gorm.DB {
			return tx.Model(&Disclosure{}).Select("id", "village_code", "kind", "period", "title")
		},
			func(d *Disclosure) uint64 { return d.ID }, func(d *Disclosure) error {
				return tx.Model(&Disclosure{}).Where("id = ?", d.ID).Update("nkey", disclosureKey(d.VillageCode, d.Kind, d.Period, d.Title)).Error
			})
	})
}
