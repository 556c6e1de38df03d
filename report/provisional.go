package report

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"time"

	"gorm.io/gorm"
)

// Covers reports whether the calendar has the holiday schedule of a year
// (a year with holiday rows). Days of a year it does not cover are counted
// on weekdays only, and deadlines that fall there are provisional.
func (c *Calendar) Covers(year int) bool { return c.years[year] }

// dayOf is the China-time day a deadline (the end of a day) closes.
func dayOf(due time.Time) time.Time { return due.Add(-time.Nanosecond).In(chinaTime) }

// WorkingDay is the n-th working day after the day of t: the day whose
// end is AddWorkingDays(t, n), as YYYY-MM-DD.
func (c *Calendar) WorkingDay(t time.Time, n int) string {
	return dayOf(c.AddWorkingDays(t, n)).Format(time.DateOnly)
}

// provisional reports whether a stage's deadline was counted into a year
// the calendar does not cover.
func (c *Calendar) provisional(stage string, due time.Time) bool {
	return !c.Setting(stage).Calendar && !c.Covers(dayOf(due).Year())
}

// setDeadlines puts into up a report's deadlines counted from now: the
// answer deadline, the acknowledge deadline too when ack, where they were
// counted from, and whether they are provisional.
func (c *Calendar) setDeadlines(up map[string]any, now time.Time, ack bool) {
	ans := c.Due(StageAnswer, now)
	up["answer_due_at"], up["deadline_from"] = ans, now
	prov := c.provisional(StageAnswer, ans)
	if ack {
		due := c.Due(StageAcknowledge, now)
		up["ack_due_at"] = due
		prov = prov || c.provisional(StageAcknowledge, due)
	}
	up["deadline_provisional"] = prov
}

// without is the calendar as it was before a year's schedule was loaded.
func (c *Calendar) without(year int) *Calendar {
	old := &Calendar{days: maps.Clone(c.days), settings: c.settings, years: maps.Clone(c.years)}
	prefix := fmt.Sprintf("%04d-", year)
	for d := range old.days {
		if d[:5] == prefix {
			delete(old.days, d)
		}
	}
	delete(old.years, year)
	return old
}

// answerBase is the working-day answer deadline, before an approved
// extension's calendar days were added.
func answerBase(r *Report) time.Time {
	if r.Extended {
		return r.AnswerDueAt.AddDate(0, 0, -r.ExtensionDays)
	}
	return *r.AnswerDueAt
}

// ProvisionalYear is the year whose missing calendar makes the report's
// deadlines provisional, or 0.
func ProvisionalYear(r *Report) int {
	if !r.DeadlineProvisional || r.AnswerDueAt == nil {
		return 0
	}
	return dayOf(answerBase(r)).Year()
}

// ProvisionalNote is what pages add to a provisional deadline.
func ProvisionalNote(year int) string {
	if year == 0 {
		return ""
	}
	return fmt.Sprintf("（暂定：%d年节假日安排尚未导入）", year)
}

// recount moves a deadline counted on old to the same number of working
// days on c.
func (c *Calendar) recount(old *Calendar, from, due time.Time) time.Time {
	return c.AddWorkingDays(from, old.WorkingDaysBetween(from, due.Add(-time.Nanosecond)))
}

// redo is the change that recounts r's provisional deadlines on c, now
// that c covers year.
func (c *Calendar) redo(r *Report, year int, now time.Time) change {
	old := c.without(year)
	from := *r.DeadlineFrom
	base := c.recount(old, from, answerBase(r))
	ans := base
	if r.Extended {
		ans = ans.AddDate(0, 0, r.ExtensionDays)
	}
	up := map[string]any{"answer_due_at": ans, "deadline_provisional": c.provisional(StageAnswer, base)}
	if r.AckDueAt != nil && r.AcceptedAt == nil && r.AckDueAt.After(now) {
		up["ack_due_at"] = c.recount(old, from, *r.AckDueAt)
	}
	day := dayOf(ans).Format("2006年1月2日")
	text := fmt.Sprintf("%d年节假日安排已导入，答复期限调整为%s", year, day)
	if ans.Equal(*r.AnswerDueAt) {
		text = fmt.Sprintf("%d年节假日安排已导入，答复期限不变，仍为%s", year, day)
	}
	return change{evType: EvDeadlineChanged, actor: "system", public: true, text: text, updates: up}
}

// RecomputeProvisional recounts, on the holiday calendar now in db, the
// provisional deadlines of open reports that have not yet passed and
// whose year the calendar now covers: each report changes in its own
// transaction with one public, chained event. It returns how many
// reports changed. The scheduler does the same on every pass, so a
// recount cut short is finished there.
func RecomputeProvisional(ctx context.Context, db *gorm.DB, now time.Time) (int, error) {
	cal, err := LoadCalendar(ctx, db)
	if err != nil {
		return 0, err
	}
	// Recounting needs neither keys nor a clock of its own.
	s := &Service{db: db, now: func() time.Time { return now }}
	return s.recomputeProvisional(ctx, cal, eventTime(now))
}

func (s *Service) recomputeProvisional(ctx context.Context, cal *Calendar, now time.Time) (int, error) {
	open := []Status{StatusDispatched, StatusReopened, StatusAccepted, StatusExtended, StatusEscalated}
	n := 0
	for after := uint64(0); ; {
		var rs []Report
		if err := s.db.WithContext(ctx).Where("id > ? AND status IN ? AND deadline_provisional = ? AND deadline_from IS NOT NULL AND answer_due_at > ?",
			after, open, true, now).Order("id").Limit(schedulerPage).Find(&rs).Error; err != nil {
			return n, err
		}
		for i := range rs {
			r := &rs[i]
			year := ProvisionalYear(r)
			if !cal.Covers(year) {
				continue
			}
			err := s.transact(ctx, func(tx *gorm.DB) error { return s.apply(tx, r, cal.redo(r, year, now), now) })
			if err = tally(&n, err); err != nil {
				return n, err
			}
		}
		if len(rs) < schedulerPage {
			return n, nil
		}
		after = rs[len(rs)-1].ID
	}
}

// MissingCalendar is the next year when its holiday calendar is not loaded
// and it is December already (China time), or 0.
func MissingCalendar(ctx context.Context, db *gorm.DB, now time.Time) (int, error) {
	t := now.In(chinaTime)
	if t.Month() != time.December {
		return 0, nil
	}
	next := t.Year() + 1
	var n int64
	if err := yearOf(db.WithContext(ctx).Model(&Holiday{}), next).Limit(1).Count(&n).Error; err != nil {
		return 0, err
	}
	if n > 0 {
		return 0, nil
	}
	return next, nil
}

// warnMissingCalendar logs, once a day (China time), that next year's
// holiday calendar is missing; last is the day it last did, and the day
// it did now is returned.
func (s *Service) warnMissingCalendar(ctx context.Context, now time.Time, log *slog.Logger, last string) string {
	today := now.In(chinaTime).Format(time.DateOnly)
	if today == last {
		return last
	}
	year, err := MissingCalendar(ctx, s.db, now)
	if err != nil {
		return last // tried again on the next pass
	}
	if year != 0 {
		log.Warn("next year's holiday calendar is not loaded: deadlines in it are counted on weekdays only and marked provisional; import it with 'portal holidays import FILE'", "year", year)
	}
	return today
}
