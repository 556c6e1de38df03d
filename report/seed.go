package report

import (
	"context"
	"time"

	"gorm.io/gorm"
)

// SeedDefaults adds the default routing rules, deadline settings and the
// shipped holiday calendars (report/holidays) where they are missing.
// Idempotent.
func SeedDefaults(ctx context.Context, db *gorm.DB, at time.Time) error {
	if err := SeedRules(ctx, db, at); err != nil {
		return err
	}
	if err := SeedDeadlines(ctx, db); err != nil {
		return err
	}
	hs, err := ShippedHolidays(ctx)
	if err != nil {
		return err
	}
	return SeedHolidays(ctx, db, hs)
}
