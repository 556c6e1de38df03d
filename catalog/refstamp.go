package catalog

import (
	"context"

	"gorm.io/gorm"
)

// RefStamp is the id of the newest recorded change of the given kinds (0
// for none). Every change is recorded in its own transaction, so caches of
// reference data compare stamps to notice a change made by any process.
func RefStamp(ctx context.Context, db *gorm.DB, kinds ...string) (uint64, error) {
	var id *uint64
	err := db.WithContext(ctx).Model(&RefChange{}).Where("kind IN ?", kinds).Select("MAX(id)").Scan(&id).Error
	if err != nil || id == nil {
		return 0, err
	}
	return *id, nil
}
