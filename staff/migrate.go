package staff

import (
	"context"
	"fmt"

	"gorm.io/gorm"
)

// Models are the tables staff owns.
func Models() []any {
	return []any{&Account{}, &Session{}, &APIToken{}, &loginFailure{}, &AccountEvent{}}
}

// Migrate creates or upgrades staff's tables.
func Migrate(ctx context.Context, db *gorm.DB) error {
	if err := db.WithContext(ctx).AutoMigrate(Models()...); err != nil {
		return fmt.Errorf("migrate staff: %w", err)
	}
	return nil
}
