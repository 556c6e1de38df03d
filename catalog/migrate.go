package catalog

import (
	"context"
	"fmt"

	"gorm.io/gorm"
)

// Models are the tables catalog owns.
func Models() []any {
	return []any{&Region{}, &Department{}, &Change{},
		&Category{}, &Fund{}, &Disbursement{}, &Disclosure{}, &Original{}}
}

// Migrate creates or upgrades catalog's tables.
func Migrate(ctx context.Context, db *gorm.DB) error {
	if err := db.WithContext(ctx).AutoMigrate(Models()...); err != nil {
		return fmt.Errorf("migrate catalog: %w", err)
	}
	return nil
}
