package report

import (
	"context"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"sunlight/domain"
)

// Rating is the reporter's verdict on an answer.
type Rating string

// Ratings.
const (
	RatingSatisfied   Rating = "satisfied"   // 满意
	RatingBasically   Rating = "basically"   // 基本满意
	RatingUnsatisfied Rating = "unsatisfied" // 不满意
	RatingNone        Rating = ""            // not rated
	RatingAuto        Rating = "auto_closed" // no rating in time
)

// Name is the rating in Chinese.
func (r Rating) Name() string {
	switch r {
	case RatingSatisfied:
		return "满意"
	case RatingBasically:
		return "基本满意"
	case RatingUnsatisfied:
		return "不满意"
	case RatingAuto:
		return "逾期未评价"
	}
	return ""
}

// MaxReopen is how often 不满意 reopens a report; after that it escalates.
const MaxReopen = 1

// Tracked is a report as its reporter may see it: no department-internal
// notes, no staff identities, no contact details.
type Tracked struct {
	TrackingNo      string      `json:"tracking_no"`
	Status          Status      `json:"status"`
	StatusName      string      `json:"status_name"`
	SubjectName     string      `json:"subject_name"`
	ProblemTypeName string      `json:"problem_type"`
	Description     string      `json:"description"`
	SubmittedAt     time.Time   `json:"submitted_at"`
	Answer          string      `json:"answer,omitempty"`
	AnsweredAt      *time.Time  `json:"answered_at,omitempty"`
	Rating          Rating      `json:"rating,omitempty"`
	RatingName      string      `json:"rating_name,omitempty"`
	Deadlines       Deadlines   `json:"deadlines"`
	CanRate         bool        `json:"can_rate"`
	CanMessage      bool        `json:"can_message"`
	Timeline        []EventView `json:"timeline"`
	Awaiting        string      `json:"awaiting_assignment,omitempty"` // AwaitingAssignment while no department has it
}

// findByReceipt finds the report a receipt belongs to by its lookup hash
// under each key (one indexed query); a wrong receipt gives
// domain.ErrNotFound. Right or wrong, a lookup costs the same HMACs and
// one index probe, so its timing says nothing useful: the lookup key is
// secret, and a hit or miss is what the answer tells anyway.
func (s *Service) findByReceipt(ctx context.Context, db *gorm.DB, receipt string) (*Report, error) {
	digits, err := NormalizeReceipt(receipt)
	if err != nil {
		return nil, err
	}
	var r Report
	err = db.WithContext(ctx).Where("lookup_hash IN ?", s.keys.lookupHashes(digits)).Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, domain.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	return &r, nil
}

// Lookup returns the report a receipt belongs to, as its reporter sees it.
func (s *Service) Lookup(ctx context.Context, receipt string) (*Tracked, error) {
	r, err := s.findByReceipt(ctx, s.db, receipt)
	if err != nil {
		return nil, unavailable(err)
	}
	t := &Tracked{TrackingNo: r.TrackingNo, Status: r.Status, StatusName: r.Status.Name(), SubjectName: r.SubjectName,
		ProblemTypeName: s.problems.Name(ctx, r.SubjectKind, r.ProblemType), Description: r.Description,
		SubmittedAt: r.SubmittedAt, Rating: r.Rating, RatingName: r.Rating.Name(),
		Deadlines: deadlinesOf(r),
		CanRate:   r.Status == StatusAnswered && r.Rating == RatingNone, CanMessage: r.Status.Open(),
		Awaiting: awaiting(r.Status, r.DeptCode)}
	if r.Status == StatusAnswered || r.Status == StatusClosed || r.Status == StatusReopened {
		t.Answer, t.AnsweredAt = r.Answer, r.AnsweredAt
	}
	if r.AcceptedAt != nil {
		t.Deadlines.Acknowledge = nil
	}
	if t.Timeline, err = s.events(ctx, r.ID, true); err != nil {
		return nil, err
	}
	return t, nil
}

// AddInfo lets the reporter add information or answer the department's
// question, by receipt (two-way even when anonymous).
func (s *Service) AddInfo(ctx context.Context, receipt, msg string) error {
	msg = strings.TrimSpace(msg)
	switch n := utf8.RuneCountInString(msg); {
	case n == 0:
		return domain.Invalid("请填写要补充的内容", "text", "请填写要补充的内容")
	case n > 2000:
		return domain.Invalid("补充内容最多2000字", "text", "补充内容最多2000字")
	}
	r, err := s.findByReceipt(ctx, s.db, receipt)
	if err != nil {
		return err
	}
	if !r.Status.Open() {
		return domain.Conflict("这件举报已经办结，不能再补充；如有新问题请重新反映")
	}
	return s.transact(ctx, func(tx *gorm.DB) error {
		if err := tx.Where("id = ?", r.ID).Take(r).Error; err != nil {
			return err
		}
		now := eventTime(s.now())
		return s.apply(tx, r, change{evType: EvReporterMessage, actor: "reporter", text: msg, public: true}, now)
	})
}

// Rate records the reporter's verdict on the answer. 满意/基本满意 closes
// the report; 不满意 reopens it once (new answer deadline), and escalates
// it to the supervisor after that.
func (s *Service) Rate(ctx context.Context, receipt string, rating Rating, comment string) error {
	if rating != RatingSatisfied && rating != RatingBasically && rating != RatingUnsatisfied {
		return domain.Invalid("请选择满意、基本满意或不满意", "rating", "请选择评价")
	}
	comment = strings.TrimSpace(comment)
	if utf8.RuneCountInString(comment) > 1000 {
		return domain.Invalid("评价说明最多1000字", "comment", "评价说明最多1000字")
	}
	r, err := s.findByReceipt(ctx, s.db, receipt)
	if err != nil {
		return err
	}
	cal, err := s.calendar(ctx)
	if err != nil {
		return err
	}
	return s.transact(ctx, func(tx *gorm.DB) error {
		if err := tx.Where("id = ?", r.ID).Take(r).Error; err != nil {
			return err
		}
		if r.Status != StatusAnswered {
			act := ActClose
			if rating == RatingUnsatisfied {
				act = ActReopen
			}
			return &TransitionError{From: r.Status, Action: act}
		}
		if r.Rating != RatingNone {
			return domain.Conflict("这次答复已经评价过了")
		}
		now := eventTime(s.now())
		text := "评价：" + rating.Name()
		if comment != "" {
			text += "。" + comment
		}
		c := change{evType: EvRated, actor: "reporter", text: text, public: true,
			updates: map[string]any{"rating": rating}}
		switch {
		case rating != RatingUnsatisfied:
			c.action = ActClose
			c.updates["closed_at"] = now
		case r.ReopenCount < MaxReopen:
			c.action = ActReopen
			c.updates["reopen_count"] = r.ReopenCount + 1
			cal.setDeadlines(c.updates, now, true)
			c.updates["accepted_at"] = nil
			c.updates["escalation_level"] = 0
			c.updates["overdue"] = false
		default:
			c.action = ActEscalate
			c.updates["escalation_level"] = 3
			cal.setDeadlines(c.updates, now, false)
		}
		if err := s.apply(tx, r, c, now); err != nil {
			return err
		}
		if c.action == ActEscalate {
			return notify(tx, r, supervisorOf(ctx, s, r), "supervisor", "unsatisfied", now)
		}
		return nil
	})
}
