package supervision

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
	"sunlight/report"
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

// SubjectKind names published answers in the change outbox and the index.
const SubjectKind = "answer"

// Subject is the answer's name in the change outbox ("answer:ID").
func (a *PublishedAnswer) Subject() string { return SubjectKind + ":" + strconv.FormatUint(a.ID, 10) }

// URL is its public page.
func (a *PublishedAnswer) URL() string { return "/answers/" + strconv.FormatUint(a.ID, 10) }

// Models are the tables supervision owns.
func Models() []any { return []any{&PublishedAnswer{}} }

// Migrate creates or upgrades supervision's tables.
func Migrate(ctx context.Context, db *gorm.DB) error {
	if err := db.WithContext(ctx).AutoMigrate(Models()...); err != nil {
		return fmt.Errorf("migrate supervision: %w", err)
	}
	return nil
}

// Publication is what a department publishes: the report as it saw it
// and the texts it reviewed.
type Publication struct {
	Report   *report.Detail
	DeptName string
	Question string
	Answer   string
	By       string
}

func reviewed(field, label, s string, maxLen int) (string, error) {
	s = catalog.MaskText(strings.TrimSpace(s))
	if n := utf8.RuneCountInString(s); n < 5 || n > maxLen {
		msg := fmt.Sprintf("%s应为5到%d字", label, maxLen)
		return "", catalog.Invalid(msg, field, msg)
	}
	return s, nil
}

// Publish publishes (or updates) the answer of an answered report. The
// texts are masked (ID, phone and bank numbers, addresses, labelled
// names) once more before they are stored; the change is recorded for the
// search syncer in the same transaction.
func Publish(ctx context.Context, db *gorm.DB, p Publication, now time.Time) (*PublishedAnswer, error) {
	d := p.Report
	if d.Status != report.StatusAnswered && d.Status != report.StatusClosed {
		return nil, &report.ConflictError{Message: "只有已答复或已办结的举报可以公开答复"}
	}
	q, err := reviewed("question", "公开的问题", p.Question, 3000)
	if err != nil {
		return nil, err
	}
	ans, err := reviewed("text", "公开的答复", p.Answer, 5000)
	if err != nil {
		return nil, err
	}
	answered := now
	for _, e := range d.Events {
		if e.Type == report.EvAnswered {
			answered = e.At
		}
	}
	a := PublishedAnswer{ReportID: d.ID, DeptCode: d.DepartmentCode, DeptName: p.DeptName, RegionCode: d.RegionCode,
		SubjectName: d.SubjectName, ProblemType: d.ProblemTypeName, Title: "关于" + d.SubjectName + "“" + d.ProblemTypeName + "”的答复",
		Question: q, Answer: ans, AnsweredAt: answered.UTC(), PublishedAt: now.UTC(), PublishedBy: p.By}
	err = db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "report_id"}},
			DoUpdates: clause.AssignmentColumns([]string{"dept_name", "title", "question", "answer", "answered_at", "published_at", "published_by", "withdrawn"})}).
			Create(&a).Error; err != nil {
			return err
		}
		if err := tx.Where("report_id = ?", d.ID).Take(&a).Error; err != nil {
			return err
		}
		return catalog.RecordChange(tx, a.Subject())
	})
	if err != nil {
		return nil, fmt.Errorf("publish answer: %w", err)
	}
	return &a, nil
}

// Withdraw takes a report's published answer off the public side (pages
// and, through the recorded change, the search index).
func Withdraw(ctx context.Context, db *gorm.DB, reportID uint64, dept string) error {
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var a PublishedAnswer
		err := tx.Where("report_id = ? AND dept_code = ?", reportID, dept).Take(&a).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return fmt.Errorf("published answer of report %d: %w", reportID, catalog.ErrNotFound)
		}
		if err != nil {
			return err
		}
		if err := tx.Model(&a).Update("withdrawn", true).Error; err != nil {
			return err
		}
		return catalog.RecordChange(tx, a.Subject())
	})
}

// AnswerOf returns the published answer of a report (withdrawn or not),
// for the department's own page.
func AnswerOf(ctx context.Context, db *gorm.DB, reportID uint64) (*PublishedAnswer, error) {
	var a PublishedAnswer
	err := db.WithContext(ctx).Where("report_id = ?", reportID).Take(&a).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, catalog.ErrNotFound
	}
	return &a, err
}

// LoadAnswer returns a published answer while it is public; withdrawn or
// unknown ones are catalog.ErrNotFound (for pages and the search syncer).
func LoadAnswer(ctx context.Context, db *gorm.DB, id uint64) (*PublishedAnswer, error) {
	var a PublishedAnswer
	err := db.WithContext(ctx).Where("id = ? AND withdrawn = ?", id, false).Take(&a).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, fmt.Errorf("answer %d: %w", id, catalog.ErrNotFound)
	}
	return &a, err
}

// Answers lists the newest public answers, optionally under a region.
func Answers(ctx context.Context, db *gorm.DB, region string, limit int) ([]PublishedAnswer, error) {
	q := db.WithContext(ctx).Where("withdrawn = ?", false)
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
		if err := db.WithContext(ctx).Where("id > ? AND withdrawn = ?", last, false).Order("id").Limit(1000).Find(&as).Error; err != nil {
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
