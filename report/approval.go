package report

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"sunlight/domain"
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

// TableName keeps the table's name (from when staff owned it).
func (DeptSetting) TableName() string { return "staff_dept_settings" }

// Draft states.
const (
	DraftPending  = "pending"   // waiting for the head
	DraftSentBack = "sent_back" // the head asked for changes
)

// AnswerDraft is a staff member's answer waiting for the head. It is the
// department's working copy: the reporter sees nothing until the head
// approves it and it is recorded as the answer.
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

// TableName keeps the table's name (from when staff owned it).
func (AnswerDraft) TableName() string { return "staff_answer_drafts" }

// NeedsApproval reports whether answers by staff of dept wait for the head.
func (s *Service) NeedsApproval(ctx context.Context, dept string) (bool, error) {
	return needsApproval(s.db.WithContext(ctx), dept)
}

func needsApproval(db *gorm.DB, dept string) (bool, error) {
	var ds DeptSetting
	err := db.Where("dept_code = ?", dept).Take(&ds).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return false, nil
	}
	return ds.AnswerApproval, err
}

// SetApproval turns head approval of answers on or off for the head's
// own department.
func (s *Service) SetApproval(ctx context.Context, a Actor, on bool) error {
	if a.Role != domain.RoleHead || a.DeptCode == "" {
		return domain.ErrForbidden
	}
	ds := DeptSetting{DeptCode: a.DeptCode, AnswerApproval: on, UpdatedAt: s.now().UTC(), UpdatedBy: a.Name}
	return s.db.WithContext(ctx).Clauses(clause.OnConflict{UpdateAll: true}).Create(&ds).Error
}

// Answer gives the answer the reporter reads (答复), or, when the
// department wants its head to approve answers and the author is not the
// head, keeps it as a draft for the head. It returns which happened
// (OpAnswer or OpAnswerDraft).
func (s *Service) Answer(ctx context.Context, a Actor, id uint64, answer string) (Op, error) {
	op := OpAnswer
	if a.Role != domain.RoleHead {
		need, err := s.NeedsApproval(ctx, a.DeptCode)
		if err != nil {
			return "", err
		}
		if need {
			op = OpAnswerDraft
		}
	}
	if op == OpAnswerDraft {
		return op, s.saveDraft(ctx, a, id, answer)
	}
	answer, err := text("answer", "答复内容", answer, 5, 5000)
	if err != nil {
		return "", err
	}
	return op, s.within(ctx, a, id, OpAnswer, func(tx *gorm.DB, r *Report) error {
		return s.answer(tx, a, r, answer)
	})
}

// answer records the answer on r and drops the department's draft.
func (s *Service) answer(tx *gorm.DB, a Actor, r *Report, answer string) error {
	now := eventTime(s.now())
	// The scheduler checks the answer's speed (过快件) afterwards.
	up := map[string]any{"answer": answer, "answered_at": now, "overdue": false, "rating": "", "fast_checked": false}
	c := change{action: ActAnswer, evType: EvAnswered, text: answer, public: true, actor: a.String(), dept: a.DeptCode, updates: up}
	if err := s.apply(tx, r, c, now); err != nil {
		return err
	}
	return tx.Where("report_id = ? AND dept_code = ?", r.ID, r.DeptCode).Delete(&AnswerDraft{}).Error
}

// saveDraft stores (or replaces) the pending answer of a report.
func (s *Service) saveDraft(ctx context.Context, a Actor, id uint64, answer string) error {
	answer = strings.TrimSpace(answer)
	if n := utf8.RuneCountInString(answer); n < 5 || n > 5000 {
		return domain.Invalid("答复内容应为5到5000字", "text", "答复内容应为5到5000字")
	}
	return s.within(ctx, a, id, OpAnswerDraft, func(tx *gorm.DB, r *Report) error {
		d := AnswerDraft{ReportID: r.ID, DeptCode: r.DeptCode, Text: answer, AuthorID: a.UserID, Author: a.Name,
			State: DraftPending, UpdatedAt: s.now().UTC()}
		return tx.Clauses(clause.OnConflict{UpdateAll: true}).Create(&d).Error
	})
}

// ApproveAnswer is the head sending a pending draft out, as written or
// edited (an empty text keeps the draft's).
func (s *Service) ApproveAnswer(ctx context.Context, a Actor, id uint64, answer string) error {
	return s.within(ctx, a, id, OpApproveAnswer, func(tx *gorm.DB, r *Report) error {
		if strings.TrimSpace(answer) == "" {
			d, err := draftOf(tx, r)
			if err != nil {
				return err
			}
			answer = d.Text
		}
		answer, err := text("answer", "答复内容", answer, 5, 5000)
		if err != nil {
			return err
		}
		return s.answer(tx, a, r, answer)
	})
}

// SendBackAnswer returns a pending draft to its author with the head's
// comment.
func (s *Service) SendBackAnswer(ctx context.Context, a Actor, id uint64, comment string) error {
	comment = strings.TrimSpace(comment)
	if comment == "" || utf8.RuneCountInString(comment) > 500 {
		return domain.Invalid("请填写退回意见（500字以内）", "text", "请填写退回意见")
	}
	return s.within(ctx, a, id, OpSendBack, func(tx *gorm.DB, r *Report) error {
		return tx.Model(&AnswerDraft{}).Where("report_id = ? AND dept_code = ?", r.ID, r.DeptCode).
			Updates(map[string]any{"state": DraftSentBack, "comment": comment, "updated_at": s.now().UTC()}).Error
	})
}

// draftOf returns the assigned department's draft answer of r, or
// domain.ErrNotFound.
func draftOf(db *gorm.DB, r *Report) (*AnswerDraft, error) {
	return assignedRow[AnswerDraft](db, r, "draft")
}

// assignedRow returns the row of T that r's assigned department keeps
// for r, or domain.ErrNotFound naming what.
func assignedRow[T any](db *gorm.DB, r *Report, what string) (*T, error) {
	var row T
	err := db.Where("report_id = ? AND dept_code = ?", r.ID, r.DeptCode).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, fmt.Errorf("%s %d: %w", what, r.ID, domain.ErrNotFound)
	}
	return &row, err
}
