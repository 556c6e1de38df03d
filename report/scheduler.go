package report

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"gorm.io/gorm"

	"sunlight/domain"
)

// Escalation levels.
const (
	LevelNone       = 0
	LevelHandler    = 1 // overdue: the handler is reminded
	LevelHead       = 2 // the department head is told
	LevelSupervisor = 3 // the supervisor is told; 督办
)

// Pass is what one scheduler pass did.
type Pass struct {
	Dispatched int
	Escalated  int // escalation steps taken
	AutoClosed int
	TooFast    int // answers flagged 过快件
	Wiped      int // expired retry copies of receipts wiped
	Swept      int // orphaned photo files removed
	Recounted  int // provisional deadlines recounted on a newly loaded calendar
}

// Changed reports whether the pass changed anything.
func (p Pass) Changed() bool {
	return p.Dispatched+p.Escalated+p.AutoClosed+p.TooFast+p.Wiped+p.Swept+p.Recounted > 0
}

// RunOnce is one scheduler pass at time now: it dispatches reports left
// undispatched, flags overdue work and escalates it in steps (handler,
// head, supervisor), closes answers left unrated past the rating period,
// and wipes expired retry copies of receipts. Every change is a
// conditional update on the report's version, so a second pass, or a
// concurrent one in another process, changes nothing more.
func (s *Service) RunOnce(ctx context.Context, now time.Time) (Pass, error) {
	var p Pass
	now = eventTime(now)
	cal, err := LoadCalendar(ctx, s.db)
	if err != nil {
		return p, err
	}
	if p.Dispatched, err = s.dispatchStuck(ctx, now); err != nil {
		return p, err
	}
	if p.Recounted, err = s.recomputeProvisional(ctx, cal, now); err != nil {
		return p, err
	}
	if p.Escalated, err = s.escalate(ctx, cal, now); err != nil {
		return p, err
	}
	if p.TooFast, err = s.flagTooFast(ctx, cal, now); err != nil {
		return p, err
	}
	if p.AutoClosed, err = s.autoClose(ctx, cal, now); err != nil {
		return p, err
	}
	res := s.db.WithContext(ctx).Model(&Submission{}).Where("expires_at < ? AND sealed_receipt <> ''", now).Update("sealed_receipt", "")
	if res.Error != nil {
		return p, res.Error
	}
	p.Wiped = int(res.RowsAffected)
	p.Swept, err = s.sweepUploads(ctx, now)
	return p, err
}

// sweepUploads removes photo files that no report refers to and that are
// older than an hour: left behind when a process died between writing a
// photo and committing its report.
func (s *Service) sweepUploads(ctx context.Context, now time.Time) (int, error) {
	if s.uploads == "" {
		return 0, nil
	}
	entries, err := os.ReadDir(s.uploads)
	if errors.Is(err, os.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	var old []string
	for _, e := range entries {
		info, err := e.Info()
		if err == nil && photoNameRE.MatchString(e.Name()) && info.ModTime().Before(now.Add(-time.Hour)) {
			old = append(old, e.Name())
		}
	}
	n := 0
	for len(old) > 0 {
		batch := old[:min(len(old), 500)]
		old = old[len(batch):]
		var known []string
		if err := s.db.WithContext(ctx).Model(&Photo{}).Where("name IN ?", batch).Pluck("name", &known).Error; err != nil {
			return n, err
		}
		keep := map[string]bool{}
		for _, k := range known {
			keep[k] = true
		}
		for _, name := range batch {
			if !keep[name] && os.Remove(filepath.Join(s.uploads, name)) == nil {
				n++
			}
		}
	}
	return n, nil
}

// dispatchStuck retries the routing of reports left undispatched, walking
// all of them in id order so that ones that cannot be routed (yet) never
// block the rest.
func (s *Service) dispatchStuck(ctx context.Context, now time.Time) (int, error) {
	page := schedulerPage
	n := 0
	for after := uint64(0); ; {
		var rs []Report
		if err := s.db.WithContext(ctx).Where("id > ? AND status = ? AND submitted_at < ?", after, StatusSubmitted, now.Add(-time.Minute)).
			Order("id").Limit(page).Find(&rs).Error; err != nil {
			return n, err
		}
		for _, r := range rs {
			sub, err := s.subjects.Resolve(ctx, r.Subject)
			if err != nil {
				continue
			}
			if err := s.dispatch(ctx, r.ID, sub, r.ProblemType); err == nil {
				n++
			} else if !errors.Is(err, domain.ErrBusy) && !isTransition(err) && !errors.Is(err, domain.ErrNotFound) {
				return n, err
			}
		}
		if len(rs) < page {
			return n, nil
		}
		after = rs[len(rs)-1].ID
	}
}

func isTransition(err error) bool {
	var te *TransitionError
	return errors.As(err, &te)
}

// dueOf is the deadline a report is measured against now.
func dueOf(r *Report) *time.Time {
	switch r.Status {
	case StatusDispatched, StatusReopened:
		if r.AcceptedAt == nil {
			return r.AckDueAt
		}
		return r.AnswerDueAt
	case StatusAccepted, StatusExtended, StatusEscalated:
		return r.AnswerDueAt
	}
	return nil
}

// targetLevel is how far up an overdue report should have been told.
func targetLevel(cal *Calendar, due, now time.Time) int {
	if !now.After(due) {
		return LevelNone
	}
	// Whole working days late: the days from the deadline to yesterday.
	late := cal.WorkingDaysBetween(due.Add(-time.Nanosecond), now.AddDate(0, 0, -1))
	switch {
	case late >= cal.Setting(StageSupervisor).Days:
		return LevelSupervisor
	case late >= cal.Setting(StageRemindHead).Days:
		return LevelHead
	}
	return LevelHandler
}

// schedulerPage is how many reports the scheduler reads at a time.
var schedulerPage = 500

// escalate walks every overdue report in pages (keyset on id, so reports
// that are overdue but not yet due a further step never crowd the others
// out), and raises each to the level its lateness calls for. The SQL
// condition is dueOf's: the acknowledge deadline while the report waits to
// be accepted, the answer deadline after.
func (s *Service) escalate(ctx context.Context, cal *Calendar, now time.Time) (int, error) {
	page := schedulerPage
	waiting := []Status{StatusDispatched, StatusReopened}
	n := 0
	for after := uint64(0); ; {
		var rs []Report
		err := s.db.WithContext(ctx).
			Where("id > ? AND status IN ? AND escalation_level < ?", after,
				[]Status{StatusDispatched, StatusReopened, StatusAccepted, StatusExtended, StatusEscalated}, LevelSupervisor).
			Where(s.db.Where("status IN ? AND accepted_at IS NULL AND ack_due_at < ?", waiting, now).
				Or("NOT (status IN ? AND accepted_at IS NULL) AND answer_due_at < ?", waiting, now)).
			Order("id").Limit(page).Find(&rs).Error
		if err != nil {
			return n, err
		}
		done, err := s.escalatePage(ctx, cal, now, rs)
		n += done
		if err != nil || len(rs) < page {
			return n, err
		}
		after = rs[len(rs)-1].ID
	}
}

func (s *Service) escalatePage(ctx context.Context, cal *Calendar, now time.Time, rs []Report) (int, error) {
	n := 0
	for i := range rs {
		r := &rs[i]
		due := dueOf(r)
		if due == nil {
			continue
		}
		target := targetLevel(cal, *due, now)
		for lvl := r.EscalationLevel + 1; lvl <= target; lvl++ {
			err := s.step(ctx, r, lvl, now)
			if errors.Is(err, domain.ErrBusy) {
				break // someone else moved it; the next pass sees the new state
			}
			if err != nil {
				return n, err
			}
			n++
		}
	}
	return n, nil
}

// step raises r to escalation level lvl in one transaction with one event
// and one notification. It is conditional on r's version.
func (s *Service) step(ctx context.Context, r *Report, lvl int, now time.Time) error {
	sup := ""
	if lvl == LevelSupervisor {
		sup = supervisorOf(ctx, s, r)
	}
	return s.transact(ctx, func(tx *gorm.DB) error {
		c := change{actor: "system", evType: EvReminded, updates: map[string]any{"escalation_level": lvl, "overdue": true}}
		stage := "答复"
		if r.AcceptedAt == nil && (r.Status == StatusDispatched || r.Status == StatusReopened) {
			stage = "签收"
		}
		var dept, role, kind string
		switch lvl {
		case LevelHandler:
			c.evType, c.text = EvOverdue, "已超过"+stage+"期限，已提醒经办人"
			dept, role, kind = r.DeptCode, "staff", "overdue"
			if stage == "签收" {
				kind = "ack_overdue"
			}
		case LevelHead:
			c.text = "超期未办，已告知部门负责人"
			dept, role, kind = r.DeptCode, "head", "head"
		case LevelSupervisor:
			c.text = "严重超期，已报纪委监委督办"
			dept, role, kind = sup, "supervisor", "supervisor"
			if _, err := Next(r.Status, ActEscalate); err == nil {
				c.action, c.evType, c.public = ActEscalate, EvEscalated, true
				c.text = "超期未办结，已转入督办"
			}
		}
		if err := s.apply(tx, r, c, now); err != nil {
			return err
		}
		r.EscalationLevel = lvl
		return notify(tx, r, dept, role, kind, now)
	})
}

// flagTooFast looks at each new answer once: one given within the
// too-fast threshold of dispatch is flagged 过快件 with an event, and the
// supervisor is told, since an answer that quick is rarely a real check.
func (s *Service) flagTooFast(ctx context.Context, cal *Calendar, now time.Time) (int, error) {
	limit := time.Duration(cal.Setting(StageTooFastHours).Hours) * time.Hour
	var rs []Report
	if err := s.db.WithContext(ctx).Where("answered_at IS NOT NULL AND fast_checked = ?", false).
		Order("id").Limit(500).Find(&rs).Error; err != nil {
		return 0, err
	}
	n := 0
	for i := range rs {
		r := &rs[i]
		fast := r.DispatchedAt != nil && r.AnsweredAt.Sub(*r.DispatchedAt) < limit
		if !fast {
			if err := s.db.WithContext(ctx).Model(&Report{}).Where("id = ? AND version = ?", r.ID, r.Version).
				Update("fast_checked", true).Error; err != nil {
				return n, err
			}
			continue
		}
		sup := supervisorOf(ctx, s, r)
		err := s.transact(ctx, func(tx *gorm.DB) error {
			mins := int(r.AnsweredAt.Sub(*r.DispatchedAt).Minutes())
			c := change{evType: EvTooFast, actor: "system", text: "派单后" + strconv.Itoa(mins) + "分钟即答复，标为过快件，请核实办理是否到位",
				updates: map[string]any{"too_fast": true, "fast_checked": true}}
			if err := s.apply(tx, r, c, now); err != nil {
				return err
			}
			return notify(tx, r, sup, "supervisor", "too_fast", now)
		})
		if err = tally(&n, err); err != nil {
			return n, err
		}
	}
	return n, nil
}

func (s *Service) autoClose(ctx context.Context, cal *Calendar, now time.Time) (int, error) {
	days := cal.Setting(StageRate).Days
	var rs []Report
	if err := s.db.WithContext(ctx).Where("status = ? AND rating = '' AND answered_at < ?", StatusAnswered, now.AddDate(0, 0, -days)).
		Order("id").Limit(500).Find(&rs).Error; err != nil {
		return 0, err
	}
	n := 0
	for i := range rs {
		r := &rs[i]
		err := s.transact(ctx, func(tx *gorm.DB) error {
			return s.apply(tx, r, change{action: ActClose, evType: EvClosed, actor: "system", public: true,
				text: "答复后" + strconv.Itoa(days) + "日内未评价，按已答复办结", updates: map[string]any{"closed_at": now, "rating": RatingAuto}}, now)
		})
		if err = tally(&n, err); err != nil {
			return n, err
		}
	}
	return n, nil
}

// tally counts one scheduler write to a report: a success adds one to n;
// ErrBusy (someone else changed the report meanwhile; the next pass sees
// its new state) is passed over; any other error is returned.
func tally(n *int, err error) error {
	switch {
	case err == nil:
		*n++
	case !errors.Is(err, domain.ErrBusy):
		return err
	}
	return nil
}

// RunScheduler runs a pass every interval, and delivers queued
// notifications through sender, until ctx is done. Errors are logged and
// the loop goes on.
func (s *Service) RunScheduler(ctx context.Context, every time.Duration, sender Sender, log *slog.Logger) {
	t := time.NewTicker(every)
	defer t.Stop()
	warned := ""
	for {
		now := s.now()
		warned = s.warnMissingCalendar(ctx, now, log, warned)
		if p, err := s.RunOnce(ctx, now); err != nil && ctx.Err() == nil {
			log.Error("scheduler pass failed", "err", err)
		} else if p.Changed() {
			log.Info("scheduler pass", "dispatched", p.Dispatched, "escalated", p.Escalated, "auto_closed", p.AutoClosed, "wiped", p.Wiped, "swept", p.Swept, "recounted", p.Recounted)
		}
		if sender != nil {
			if _, err := s.Deliver(ctx, sender, now, 100); err != nil && ctx.Err() == nil {
				log.Error("notification delivery failed", "err", err)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Undispatched counts reports submitted before cutoff that no department
// has yet: the routing found no body that may take them (an accusation
// against the highest supervisor this deployment knows of). The scheduler
// dispatches them once such a body is added; until then they are counted
// on the administrator's page and in /metrics, and wait in the queue of
// Unassigned for a supervisor or the admin to assign them.
func (s *Service) Undispatched(ctx context.Context, cutoff time.Time) (int64, error) {
	var n int64
	err := s.db.WithContext(ctx).Model(&Report{}).Where("status = ? AND submitted_at < ?", StatusSubmitted, cutoff).Count(&n).Error
	return n, err
}
