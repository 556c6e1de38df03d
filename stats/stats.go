// Package stats computes the figures supervisors (纪委监委) and the public
// hold departments to — league tables, the dashboard and its CSV, the
// public scoreboard: how many reports each received, how many it
// acknowledged and answered on time, how many are overdue now, how long it
// takes, how satisfied reporters are, how often answers are reopened, and
// how many answers came suspiciously fast (过快件). It only reads (the
// report package's table); it owns no tables, writes nothing and holds no
// personal data.
package stats

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"gorm.io/gorm"

	"sunlight/catalog"
	"sunlight/report"
)

// Scope says whose reports count.
type Scope struct {
	// Viewer is the department looking; reports accusing it never count,
	// and for a supervisor it bounds the region as report.Service does.
	Viewer string
	// Region limits to reports about this region and below ("" = all).
	Region string
	// Dept limits to reports assigned to one department (a head's view).
	Dept string
	// Supervisor applies the supervisor rule of report.Service.visible:
	// reports in the region, except those routed above it.
	Supervisor bool
	From, To   time.Time // submitted in [From, To); zero = unbounded
}

// row is what the figures need of a report: timestamps and outcomes, no
// text and no contact data.
type row struct {
	ID           uint64
	TrackingNo   string
	Status       report.Status
	ProblemType  string
	SubjectKind  string
	DeptCode     string
	RegionCode   string
	SubmittedAt  time.Time
	DispatchedAt *time.Time
	AcceptedAt   *time.Time
	AnsweredAt   *time.Time
	ClosedAt     *time.Time
	AckDueAt     *time.Time
	AnswerDueAt  *time.Time
	Rating       report.Rating
	ReopenCount  int
	TooFast      bool
	Overdue      bool
}

const rowColumns = "id, tracking_no, status, problem_type, subject_kind, dept_code, region_code, submitted_at, dispatched_at, " +
	"accepted_at, answered_at, closed_at, ack_due_at, answer_due_at, rating, reopen_count, too_fast, overdue"

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// load reads the rows in scope. The supervisor rule mirrors
// report.Service.visible (a test checks the two agree).
func load(ctx context.Context, db *gorm.DB, sc Scope) ([]row, error) {
	q := db.WithContext(ctx).Model(&report.Report{}).Select(rowColumns).Where("dept_code <> ''")
	if sc.Viewer != "" {
		q = q.Where("accused_dept <> ?", sc.Viewer)
	}
	if sc.Dept != "" {
		q = q.Where("dept_code = ?", sc.Dept)
	}
	if sc.Region != "" {
		like := escapeLike(sc.Region) + "%"
		if sc.Supervisor {
			q = q.Where("(dept_code = ? OR (region_code LIKE ? AND (accused_dept = '' OR dept_region LIKE ?)))", sc.Viewer, like, like)
		} else {
			q = q.Where("region_code LIKE ?", like)
		}
	}
	if !sc.From.IsZero() {
		q = q.Where("submitted_at >= ?", sc.From.UTC())
	}
	if !sc.To.IsZero() {
		q = q.Where("submitted_at < ?", sc.To.UTC())
	}
	var rows []row
	if err := q.Order("submitted_at, id").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("stats: %w", err)
	}
	return rows, nil
}

// Figures are one department's (or town's) numbers.
type Figures struct {
	Key  string `json:"code"`
	Name string `json:"name"`

	Received   int `json:"received"`
	AckDue     int `json:"acknowledge_due"` // reports whose acknowledge deadline has come, or that were acknowledged
	AckOnTime  int `json:"acknowledged_on_time"`
	AnswerDue  int `json:"answer_due"` // reports whose answer deadline has come, or that were answered
	AnsOnTime  int `json:"answered_on_time"`
	OverdueNow int `json:"overdue_now"`
	Answered   int `json:"answered"`
	Rated      int `json:"rated"`
	Satisfied  int `json:"satisfied"` // 满意 + 基本满意
	Reopened   int `json:"reopened"`
	TooFast    int `json:"too_fast"`
	// Median hours from dispatch to acknowledgement and to answer; -1
	// when nothing was acknowledged (answered) yet.
	MedianAckHours    float64 `json:"median_acknowledge_hours"`
	MedianAnswerHours float64 `json:"median_answer_hours"`

	ackHours, ansHours []float64
}

// Rate is part/whole in percent, or -1 when whole is 0.
func Rate(part, whole int) float64 {
	if whole == 0 {
		return -1
	}
	return float64(part) * 100 / float64(whole)
}

// AckRate, AnswerRate, SatisfactionRate and ReopenRate are percentages (-1: no data).
func (f *Figures) AckRate() float64          { return Rate(f.AckOnTime, f.AckDue) }
func (f *Figures) AnswerRate() float64       { return Rate(f.AnsOnTime, f.AnswerDue) }
func (f *Figures) SatisfactionRate() float64 { return Rate(f.Satisfied, f.Rated) }
func (f *Figures) ReopenRate() float64       { return Rate(f.Reopened, f.Answered) }

func onTime(done, due *time.Time) bool { return done != nil && due != nil && !done.After(*due) }

// add counts one report as of now.
func (f *Figures) add(r *row, now time.Time) {
	f.Received++
	if r.AcceptedAt != nil || (r.AckDueAt != nil && now.After(*r.AckDueAt)) {
		f.AckDue++
		if onTime(r.AcceptedAt, r.AckDueAt) {
			f.AckOnTime++
		}
	}
	if r.AnsweredAt != nil || (r.AnswerDueAt != nil && now.After(*r.AnswerDueAt)) {
		f.AnswerDue++
		if onTime(r.AnsweredAt, r.AnswerDueAt) {
			f.AnsOnTime++
		}
	}
	if overdueNow(r, now) {
		f.OverdueNow++
	}
	if r.AnsweredAt != nil {
		f.Answered++
		if r.ReopenCount > 0 {
			f.Reopened++
		}
	}
	switch r.Rating {
	case report.RatingSatisfied, report.RatingBasically:
		f.Rated++
		f.Satisfied++
	case report.RatingUnsatisfied:
		f.Rated++
	}
	if r.TooFast {
		f.TooFast++
	}
	if r.DispatchedAt != nil && r.AcceptedAt != nil {
		f.ackHours = append(f.ackHours, r.AcceptedAt.Sub(*r.DispatchedAt).Hours())
	}
	if r.DispatchedAt != nil && r.AnsweredAt != nil {
		f.ansHours = append(f.ansHours, r.AnsweredAt.Sub(*r.DispatchedAt).Hours())
	}
}

// overdueNow: still waiting for a step whose deadline has passed.
func overdueNow(r *row, now time.Time) bool {
	if !r.Status.Open() {
		return false
	}
	switch r.Status {
	case report.StatusDispatched, report.StatusReopened:
		return r.Overdue || (r.AckDueAt != nil && now.After(*r.AckDueAt))
	case report.StatusAccepted, report.StatusExtended, report.StatusEscalated:
		return r.Overdue || (r.AnswerDueAt != nil && now.After(*r.AnswerDueAt))
	}
	return r.Overdue
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return -1
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

func (f *Figures) finish() {
	f.MedianAckHours, f.MedianAnswerHours = median(f.ackHours), median(f.ansHours)
}

// Board is the dashboard: figures per department and per town, and in total.
type Board struct {
	Scope       Scope     `json:"-"`
	At          time.Time `json:"at"`
	Departments []Figures `json:"departments"`
	Towns       []Figures `json:"towns,omitempty"`
	Total       Figures   `json:"total"`
}

// Compute builds the board for sc as of now.
func Compute(ctx context.Context, db *gorm.DB, sc Scope, now time.Time) (*Board, error) {
	rows, err := load(ctx, db, sc)
	if err != nil {
		return nil, err
	}
	b := &Board{Scope: sc, At: now, Total: Figures{Key: "total", Name: "合计"}}
	depts, towns := map[string]*Figures{}, map[string]*Figures{}
	for i := range rows {
		r := &rows[i]
		b.Total.add(r, now)
		group(depts, r.DeptCode).add(r, now)
		if t := townCode(r.RegionCode); t != "" {
			group(towns, t).add(r, now)
		}
	}
	b.Total.finish()
	if b.Departments, err = named(ctx, db, depts, deptNames); err != nil {
		return nil, err
	}
	if b.Towns, err = named(ctx, db, towns, regionNames); err != nil {
		return nil, err
	}
	return b, nil
}

func group(m map[string]*Figures, key string) *Figures {
	f := m[key]
	if f == nil {
		f = &Figures{Key: key}
		m[key] = f
	}
	return f
}

// townCode is the town (乡镇) a region code lies in, or "" above town level.
func townCode(region string) string {
	if catalog.LevelOf(region) >= catalog.Town {
		return region[:9]
	}
	return ""
}

func named(ctx context.Context, db *gorm.DB, m map[string]*Figures, names func(context.Context, *gorm.DB, []string) (map[string]string, error)) ([]Figures, error) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	nm, err := names(ctx, db, keys)
	if err != nil {
		return nil, err
	}
	out := make([]Figures, 0, len(keys))
	for _, k := range keys {
		f := m[k]
		f.Name = nm[k]
		if f.Name == "" {
			f.Name = k
		}
		f.finish()
		out = append(out, *f)
	}
	return out, nil
}

func deptNames(ctx context.Context, db *gorm.DB, codes []string) (map[string]string, error) {
	return pluckNames(ctx, db.Model(&catalog.Department{}), codes)
}

func regionNames(ctx context.Context, db *gorm.DB, codes []string) (map[string]string, error) {
	return pluckNames(ctx, db.Model(&catalog.Region{}), codes)
}

func pluckNames(ctx context.Context, q *gorm.DB, codes []string) (map[string]string, error) {
	out := map[string]string{}
	for start := 0; start < len(codes); start += 500 {
		var rs []struct{ Code, Name string }
		if err := q.WithContext(ctx).Select("code, name").Where("code IN ?", codes[start:min(start+500, len(codes))]).Find(&rs).Error; err != nil {
			return nil, err
		}
		for _, r := range rs {
			out[r.Code] = r.Name
		}
	}
	return out, nil
}
