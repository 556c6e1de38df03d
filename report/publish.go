package report

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"sunlight/catalog"
	"sunlight/domain"
)

// PublishedAnswer is an answered report a department chose to publish
// (公开答复): the question and the answer as reviewed by the department,
// masked, with nothing of the reporter. It is searchable as
// "answer:ID" while not withdrawn.
type PublishedAnswer struct {
	ID          uint64    `gorm:"primaryKey;autoIncrement"`
	ReportID    uint64    `gorm:"not null;uniqueIndex"`
	DeptCode    string    `gorm:"size:32;not null;index"`
	DeptName    string    `gorm:"size:128;not null"`
	RegionCode  string    `gorm:"size:12;not null;index"`
	SubjectName string    `gorm:"size:200;not null"`
	ProblemType string    `gorm:"size:64;not null"` // its Chinese name
	Title       string    `gorm:"size:255;not null"`
	Question    string    `gorm:"type:text;not null"`
	Answer      string    `gorm:"type:text;not null"`
	AnsweredAt  time.Time `gorm:"not null"`
	PublishedAt time.Time `gorm:"not null;index"`
	PublishedBy string    `gorm:"size:64;not null"`
	Withdrawn   bool      `gorm:"not null;default:false"`
}

// TableName keeps the table's name explicit.
func (PublishedAnswer) TableName() string { return "published_answers" }

// AnswerSubjectKind names published answers in the change outbox and the
// index.
const AnswerSubjectKind = "answer"

// Subject is the answer's name in the change outbox ("answer:ID").
func (a *PublishedAnswer) Subject() string {
	return AnswerSubjectKind + ":" + strconv.FormatUint(a.ID, 10)
}

// URL is its public page.
func (a *PublishedAnswer) URL() string { return "/answers/" + strconv.FormatUint(a.ID, 10) }

func reviewed(field, label, s string, maxLen int) (string, error) {
	s = catalog.MaskText(strings.TrimSpace(s))
	if n := utf8.RuneCountInString(s); n < 5 || n > maxLen {
		msg := fmt.Sprintf("%s应为5到%d字", label, maxLen)
		return "", domain.Invalid(msg, field, msg)
	}
	return s, nil
}

// PublishAnswer publishes (or updates) the answer of an answered report
// as the head reviewed it. The texts are masked (ID, phone and bank
// numbers, addresses, labelled names) once more before they are stored;
// the change is recorded for the search syncer in the same transaction.
func (s *Service) PublishAnswer(ctx context.Context, a Actor, id uint64, question, answer string) (*PublishedAnswer, error) {
	var pa PublishedAnswer
	err := s.within(ctx, a, id, OpPublish, func(tx *gorm.DB, r *Report) error {
		q, err := reviewed("question", "公开的问题", question, 3000)
		if err != nil {
			return err
		}
		ans, err := reviewed("text", "公开的答复", answer, 5000)
		if err != nil {
			return err
		}
		var dept catalog.Department
		if err := tx.Where("code = ?", r.DeptCode).Take(&dept).Error; err != nil {
			return err
		}
		now := s.now()
		answered := now
		if r.AnsweredAt != nil {
			answered = *r.AnsweredAt
		}
		pt := s.problems.Name(ctx, r.SubjectKind, r.ProblemType)
		pa = PublishedAnswer{ReportID: r.ID, DeptCode: r.DeptCode, DeptName: dept.Name, RegionCode: r.RegionCode,
			SubjectName: r.SubjectName, ProblemType: pt, Title: "关于" + r.SubjectName + "“" + pt + "”的答复",
			Question: q, Answer: ans, AnsweredAt: answered.UTC(), PublishedAt: now.UTC(), PublishedBy: a.Name}
		return savePublication(tx, &pa)
	})
	if err != nil {
		return nil, err
	}
	return &pa, nil
}

func savePublication(tx *gorm.DB, pa *PublishedAnswer) error {
	if err := tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "report_id"}},
		DoUpdates: clause.AssignmentColumns([]string{"dept_name", "title", "question", "answer", "answered_at", "published_at", "published_by", "withdrawn"})}).
		Create(pa).Error; err != nil {
		return fmt.Errorf("publish answer: %w", err)
	}
	if err := tx.Where("report_id = ?", pa.ReportID).Take(pa).Error; err != nil {
		return fmt.Errorf("publish answer: %w", err)
	}
	return catalog.RecordChange(tx, pa.Subject())
}

// WithdrawAnswer takes a report's published answer off the public side
// (pages and, through the recorded change, the search index).
func (s *Service) WithdrawAnswer(ctx context.Context, a Actor, id uint64) error {
	return s.within(ctx, a, id, OpUnpublish, func(tx *gorm.DB, r *Report) error {
		pa, err := publicationOf(tx, r)
		if err != nil {
			return err
		}
		if err := tx.Model(pa).Update("withdrawn", true).Error; err != nil {
			return err
		}
		return catalog.RecordChange(tx, pa.Subject())
	})
}

// publicationOf returns the assigned department's published answer of r
// (withdrawn or not), or domain.ErrNotFound.
func publicationOf(db *gorm.DB, r *Report) (*PublishedAnswer, error) {
	return assignedRow[PublishedAnswer](db, r, "published answer of report")
}

// AnswerOf returns the published answer of a report (withdrawn or not).
func AnswerOf(ctx context.Context, db *gorm.DB, reportID uint64) (*PublishedAnswer, error) {
	var a PublishedAnswer
	err := db.WithContext(ctx).Where("report_id = ?", reportID).Take(&a).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, fmt.Errorf("published answer of report %d: %w", reportID, domain.ErrNotFound)
	}
	return &a, err
}

// PublicAnswers keeps the published answers the public may see (not
// withdrawn): the one place that rule is written, for pages, the API and
// the search source.
func PublicAnswers(q *gorm.DB) *gorm.DB { return q.Where("withdrawn = ?", false) }

// LoadAnswer returns a published answer while it is public; withdrawn or
// unknown ones are domain.ErrNotFound (for pages and the search syncer).
func LoadAnswer(ctx context.Context, db *gorm.DB, id uint64) (*PublishedAnswer, error) {
	var a PublishedAnswer
	err := db.WithContext(ctx).Scopes(PublicAnswers).Where("id = ?", id).Take(&a).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, fmt.Errorf("answer %d: %w", id, domain.ErrNotFound)
	}
	return &a, err
}

// Answers lists the newest public answers, optionally under a region.
func Answers(ctx context.Context, db *gorm.DB, region string, limit int) ([]PublishedAnswer, error) {
	q := db.WithContext(ctx).Scopes(PublicAnswers)
	if region != "" {
		q = q.Where("region_code LIKE ?", escapeLike(region)+"%")
	}
	var as []PublishedAnswer
	err := q.Order("published_at DESC, id DESC").Limit(limit).Find(&as).Error
	return as, err
}

// AllAnswers calls fn with every public answer in id order, in batches
// (for a search reindex).
func AllAnswers(ctx context.Context, db *gorm.DB, fn func([]PublishedAnswer) error) error {
	var last uint64
	for {
		var as []PublishedAnswer
		if err := db.WithContext(ctx).Scopes(PublicAnswers).Where("id > ?", last).Order("id").Limit(1000).Find(&as).Error; err != nil {
			return err
		}
		if len(as) == 0 {
			return nil
		}
		if err := fn(as); err != nil {
			return err
		}
		last = as[len(as)-1].ID
	}
}
