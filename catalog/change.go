package catalog

import (
	"time"

	"gorm.io/gorm"
)

// Change is an outbox row: it says that the searchable record named by
// Subject (e.g. "disclosure:42") changed, in the same transaction as the
// change itself. The search syncer reads the record's current state, so a
// change row carries no payload, and duplicated or reordered rows are
// harmless: the index always converges to what the database holds.
type Change struct {
	ID        uint64    `gorm:"primaryKey;autoIncrement"`
	Subject   string    `gorm:"size:64;not null;index"`
	CreatedAt time.Time `gorm:"not null"`
}

// TableName keeps the outbox table's name explicit.
func (Change) TableName() string { return "catalog_changes" }

// RecordChange records, inside tx, that the given subjects changed.
func RecordChange(tx *gorm.DB, subjects ...string) error {
	if len(subjects) == 0 {
		return nil
	}
	now := tx.NowFunc()
	rows := make([]Change, len(subjects))
	for i, s := range subjects {
		rows[i] = Change{Subject: s, CreatedAt: now}
	}
	return tx.CreateInBatches(rows, 500).Error
}
