package staff

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"sunlight/catalog"
)

// DeptSetting holds a department's workbench settings.
type DeptSetting struct {
	DeptCode string `gorm:"primaryKey;size:32"`
	// AnswerApproval: a staff member's answer waits for the head's
	// approval before the reporter sees it.
	AnswerApproval bool `gorm:"not null;default:false"`
	UpdatedAt      time.Time
	UpdatedBy      string `gorm:"size:64;not null;default:''"`
}

// TableName keeps the table's name explicit.
func (DeptSetting) TableName() string { return "staff_dept_settings" }

// Draft states.
const (
	DraftPending  = "pending"   // waiting for the head
	DraftSentBack = "sent_back" // the head asked for changes
)

// AnswerDraft is a staff member's answer waiting for the head. It is the
// department's working copy: the reporter sees nothing until the head
// approves and the report service records the answer.
type AnswerDraft struct {
	ReportID  uint64 `gorm:"primaryKey;autoIncrement:false"`
	DeptCode  string `gorm:"size:32;not null;index"`
	Text      string `gorm:"type:text;not null"`
	AuthorID  uint64 `gorm:"not null"`
	Author    string `gorm:"size:64;not null"`
	State     string `gorm:"size:16;not null"`
	Comment   string `gorm:"size:500;not null;default:''"`
	UpdatedAt time.Time
}

// TableName keeps the table's name explicit.
func (AnswerDraft) TableName() string { return "staff_answer_drafts" }

// NeedsApproval reports whether answers by staff of dept wait for the head.
func (s *Store) NeedsApproval(ctx context.Context, dept string) (bool, error) {
	var ds DeptSetting
	err := s.db.WithContext(ctx).Where("dept_code = ?", dept).Take(&ds).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return false, nil
	}
	return ds.AnswerApproval, err
}

// SetApproval turns head approval of answers on or off for dept.
func (s *Store) SetApproval(ctx context.Context, dept string, on bool, by string) error {
	ds := DeptSetting{DeptCode: dept, AnswerApproval: on, UpdatedAt: s.now().UTC(), UpdatedBy: trimTo(by, 64)}
	return s.db.WithContext(ctx).Clauses(clause.OnConflict{UpdateAll: true}).Create(&ds).Error
}

// SaveDraft stores (or replaces) the pending answer of a report.
func (s *Store) SaveDraft(ctx context.Context, reportID uint64, p *Principal, text string) error {
	text = strings.TrimSpace(text)
	if n := utf8.RuneCountInString(text); n < 5 || n > 5000 {
		return catalog.Invalid("答复内容应为5到5000字", "text", "答复内容应为5到5000字")
	}
	d := AnswerDraft{ReportID: reportID, DeptCode: p.DeptCode, Text: text, AuthorID: p.ID, Author: p.Username,
		State: DraftPending, UpdatedAt: s.now().UTC()}
	return s.db.WithContext(ctx).Clauses(clause.OnConflict{UpdateAll: true}).Create(&d).Error
}

// Draft returns the report's draft answer of dept, or ErrNotFound.
func (s *Store) Draft(ctx context.Context, reportID uint64, dept string) (*AnswerDraft, error) {
	var d AnswerDraft
	err := s.db.WithContext(ctx).Where("report_id = ? AND dept_code = ?", reportID, dept).Take(&d).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, fmt.Errorf("draft %d: %w", reportID, catalog.ErrNotFound)
	}
	return &d, err
}

// SendBack returns a pending draft to its author with the head's comment.
func (s *Store) SendBack(ctx context.Context, reportID uint64, dept, comment string) error {
	comment = strings.TrimSpace(comment)
	if comment == "" || utf8.RuneCountInString(comment) > 500 {
		return catalog.Invalid("请填写退回意见（500字以内）", "text", "请填写退回意见")
	}
	res := s.db.WithContext(ctx).Model(&AnswerDraft{}).Where("report_id = ? AND dept_code = ? AND state = ?", reportID, dept, DraftPending).
		Updates(map[string]any{"state": DraftSentBack, "comment": comment, "updated_at": s.now().UTC()})
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("draft %d: %w", reportID, catalog.ErrNotFound)
	}
	return nil
}

// DeleteDraft removes a report's draft once the answer has gone out.
func (s *Store) DeleteDraft(ctx context.Context, reportID uint64, dept string) error {
	return s.db.WithContext(ctx).Where("report_id = ? AND dept_code = ?", reportID, dept).Delete(&AnswerDraft{}).Error
}
