package staff

import (
	"context"
	"time"

	"gorm.io/gorm"
)

// AccountEvent records who changed an account, and how: creation,
// disabling, password resets, token issue and revocation. It never holds a
// password or a token.
type AccountEvent struct {
	ID        uint64    `gorm:"primaryKey;autoIncrement"`
	AccountID uint64    `gorm:"not null;index"`
	Action    string    `gorm:"size:32;not null"`
	By        string    `gorm:"size:64;not null"` // the acting user name, or "cli"
	Detail    string    `gorm:"size:255;not null;default:''"`
	At        time.Time `gorm:"not null"`
}

// TableName keeps the table's name explicit.
func (AccountEvent) TableName() string { return "staff_account_events" }

// Account event actions.
const (
	EventCreated       = "created"
	EventDisabled      = "disabled"
	EventEnabled       = "enabled"
	EventPasswordReset = "password_reset"
	EventTokenIssued   = "token_issued"
	EventTokenRevoked  = "token_revoked"
)

func (s *Store) event(tx *gorm.DB, accountID uint64, action, by, detail string) error {
	return tx.Create(&AccountEvent{AccountID: accountID, Action: action, By: trimTo(by, 64), Detail: trimTo(detail, 255), At: s.now().UTC()}).Error
}

// Events lists an account's events, newest first.
func (s *Store) Events(ctx context.Context, accountID uint64) ([]AccountEvent, error) {
	var es []AccountEvent
	err := s.db.WithContext(ctx).Where("account_id = ?", accountID).Order("id DESC").Limit(100).Find(&es).Error
	return es, err
}

// EventExport records that the account exported report data.
const EventExport = "export"

// RecordExport notes an export of report data by the account.
func (s *Store) RecordExport(ctx context.Context, accountID uint64, detail string) error {
	return s.event(s.db.WithContext(ctx), accountID, EventExport, "self", detail)
}

// EventPublish records that the account published or withdrew data.
const EventPublish = "publish"

// RecordPublish notes a publication change by the account.
func (s *Store) RecordPublish(ctx context.Context, accountID uint64, detail string) error {
	return s.event(s.db.WithContext(ctx), accountID, EventPublish, "self", detail)
}
