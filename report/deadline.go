package report

import (
	"context"
	"fmt"
	"sync"
	"time"

	"gorm.io/gorm"

	"sunlight/catalog"
)

// Stages with a deadline setting.
const (
	StageAcknowledge   = "acknowledge"    // 签收: working days after dispatch
	StageAnswer        = "answer"         // 答复: working days after dispatch (or reopening)
	StageExtensionMax  = "extension_max"  // the one extension: at most this many calendar days
	StageRate          = "rate"           // no rating within these calendar days closes as answered
	StageRemindHead    = "escalate_head"  // working days overdue before the head is told
	StageSupervisor    = "escalate_super" // working days overdue before the supervisor is told (督办)
	StageTooFastHours  = "too_fast"       // an answer within Hours of dispatch is flagged 过快件
	StageSubmissionTTL = "submission_ttl" // hours a retry may fetch the same receipt (informational)
)

// DefaultDeadlines follow the 信访工作条例 tradition.
func DefaultDeadlines() []DeadlineSetting {
	return []DeadlineSetting{
		{Stage: StageAcknowledge, Days: 1, Note: "派单后1个工作日内签收"},
		{Stage: StageAnswer, Days: 15, Note: "派单后15个工作日内答复"},
		{Stage: StageExtensionMax, Days: 30, Calendar: true, Note: "延期一次，最长30日，须督办部门批准"},
		{Stage: StageRate, Days: 7, Calendar: true, Note: "答复后7日内未评价的按已答复办结"},
		{Stage: StageRemindHead, Days: 2, Note: "超期2个工作日告知部门负责人"},
		{Stage: StageSupervisor, Days: 5, Note: "超期5个工作日报纪委监委督办"},
		{Stage: StageTooFastHours, Hours: 2, Note: "派单后2小时内即答复的标为过快件"},
	}
}

// SeedDeadlines adds the default settings that are missing. Idempotent.
func SeedDeadlines(ctx context.Context, db *gorm.DB) error {
	return seedMissing(ctx, db, "stage", DefaultDeadlines(), func(d *DeadlineSetting) any { return d.Stage })
}

// seedMissing creates each of rows (a copy: rows keep their zero IDs)
// whose key, the column's value, is not stored yet.
func seedMissing[T any](ctx context.Context, db *gorm.DB, column string, rows []T, key func(*T) any) error {
	for _, row := range rows {
		var n int64
		if err := db.WithContext(ctx).Model(new(T)).Where(column+" = ?", key(&row)).Count(&n).Error; err != nil {
			return err
		}
		if n == 0 {
			if err := db.WithContext(ctx).Create(&row).Error; err != nil {
				return err
			}
		}
	}
	return nil
}

// chinaTime is the zone working days are counted in (UTC+8, no DST).
var chinaTime = time.FixedZone("CST", 8*3600)

// Calendar counts working days with the holiday table and the deadline
// settings.
type Calendar struct {
	days     map[string]Holiday
	settings map[string]DeadlineSetting
	// years are the years with holiday rows: the years the calendar covers.
	years map[int]bool
}

// IsWorkday reports whether the day containing t (China time) is worked.
func (c *Calendar) IsWorkday(t time.Time) bool {
	t = t.In(chinaTime)
	if h, ok := c.days[t.Format("2006-01-02")]; ok {
		return h.Workday
	}
	wd := t.Weekday()
	return wd != time.Saturday && wd != time.Sunday
}

// AddWorkingDays is the end (24:00 China time) of the n-th working day
// after the day of t.
func (c *Calendar) AddWorkingDays(t time.Time, n int) time.Time {
	d := t.In(chinaTime)
	d = time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, chinaTime)
	for n > 0 {
		d = d.AddDate(0, 0, 1)
		if c.IsWorkday(d) {
			n--
		}
	}
	return d.AddDate(0, 0, 1).UTC()
}

// WorkingDaysBetween counts the working days after from's day up to and
// including to's day.
func (c *Calendar) WorkingDaysBetween(from, to time.Time) int {
	a := from.In(chinaTime)
	a = time.Date(a.Year(), a.Month(), a.Day(), 0, 0, 0, 0, chinaTime)
	b := to.In(chinaTime)
	n := 0
	for d := a.AddDate(0, 0, 1); !d.After(b); d = d.AddDate(0, 0, 1) {
		if c.IsWorkday(d) {
			n++
		}
	}
	return n
}

// Setting returns a stage's setting, falling back to the default.
func (c *Calendar) Setting(stage string) DeadlineSetting {
	if s, ok := c.settings[stage]; ok {
		return s
	}
	for _, d := range DefaultDeadlines() {
		if d.Stage == stage {
			return d
		}
	}
	return DeadlineSetting{Stage: stage}
}

// Promise is what a reporter is promised, in the settings of the moment:
// "1个工作日内签收，15个工作日内答复" — the done page and the poster say it,
// and the deadlines themselves are counted with the same settings.
func (c *Calendar) Promise() string {
	return fmt.Sprintf("%d个工作日内签收，%d个工作日内答复", c.Setting(StageAcknowledge).Days, c.Setting(StageAnswer).Days)
}

// Promise is the calendar's Promise as the deadline settings stand now.
func (s *Service) Promise(ctx context.Context) (string, error) {
	cal, err := s.calendar(ctx)
	if err != nil {
		return "", err
	}
	return cal.Promise(), nil
}

// Due is when a stage that started at t ends.
func (c *Calendar) Due(stage string, t time.Time) time.Time {
	st := c.Setting(stage)
	if st.Calendar {
		return t.AddDate(0, 0, st.Days).UTC()
	}
	return c.AddWorkingDays(t, st.Days)
}

type calendarCache struct {
	mu     sync.Mutex
	cal    *Calendar
	loaded time.Time
	stamp  uint64 // catalog.RefStamp of deadlines and holidays when loaded
}

// calendar loads the holiday table and the settings, cached for a minute
// or until a change to either is recorded (by any process).
func (s *Service) calendar(ctx context.Context) (*Calendar, error) {
	stamp, err := catalog.RefStamp(ctx, s.db, catalog.RefDeadline, catalog.RefHoliday)
	if err != nil {
		return nil, err
	}
	cc := &s.cal
	cc.mu.Lock()
	defer cc.mu.Unlock()
	if cc.cal != nil && cc.stamp == stamp && time.Since(cc.loaded) < time.Minute {
		return cc.cal, nil
	}
	cal, err := LoadCalendar(ctx, s.db)
	if err != nil {
		return nil, err
	}
	cc.cal, cc.loaded, cc.stamp = cal, time.Now(), stamp
	return cal, nil
}

// ReloadCalendar drops the cached calendar, after settings or holidays
// changed.
func (s *Service) ReloadCalendar() {
	s.cal.mu.Lock()
	s.cal.cal = nil
	s.cal.mu.Unlock()
}

// LoadCalendar reads the holidays and deadline settings.
func LoadCalendar(ctx context.Context, db *gorm.DB) (*Calendar, error) {
	var hs []Holiday
	if err := db.WithContext(ctx).Find(&hs).Error; err != nil {
		return nil, err
	}
	var ss []DeadlineSetting
	if err := db.WithContext(ctx).Find(&ss).Error; err != nil {
		return nil, err
	}
	c := &Calendar{days: make(map[string]Holiday, len(hs)), settings: make(map[string]DeadlineSetting, len(ss)), years: map[int]bool{}}
	for _, h := range hs {
		c.days[h.Date] = h
		c.years[atoi(h.Date[:4])] = true
	}
	for _, st := range ss {
		c.settings[st.Stage] = st
	}
	return c, nil
}

// SeedHolidays adds the given days that are missing. Idempotent.
func SeedHolidays(ctx context.Context, db *gorm.DB, hs []Holiday) error {
	return seedMissing(ctx, db, "date", hs, func(h *Holiday) any { return h.Date })
}
