package portal

import (
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"sunlight/domain"
	"sunlight/report"
)

// actor is the signed-in principal as the report service knows it.
func actor(c *fiber.Ctx) report.Actor {
	p := me(c)
	return report.Actor{UserID: p.ID, DeptCode: p.DeptCode, Role: p.Role, RegionCode: p.Dept.RegionCode,
		Name: p.Username}
}

// queueFilter is the queue's query string, checked.
type queueFilter struct {
	Status  string
	Type    string
	Region  string
	Overdue bool
	Page    int
}

func (s *Server) parseQueueFilter(c *fiber.Ctx) (queueFilter, report.Filter, error) {
	q := queueFilter{Status: c.Query("status", "open"), Type: c.Query("type"), Region: c.Query("region"),
		Overdue: c.Query("overdue") == "1" || c.Query("overdue") == "true", Page: c.QueryInt("page", 1)}
	f := report.Filter{ProblemType: q.Type, Region: q.Region, Overdue: q.Overdue, Page: max(q.Page, 1), PerPage: 100}
	switch q.Status {
	case "open":
		for _, st := range report.Statuses {
			if st.Open() {
				f.Status = append(f.Status, st)
			}
		}
	case "all", "":
	default:
		st := report.Status(q.Status)
		if !st.Valid() {
			return q, f, domain.Invalid("未知的状态", "status", q.Status)
		}
		f.Status = []report.Status{st}
	}
	if q.Type != "" {
		types, err := s.st.reports.ProblemTypes().Codes(c.UserContext())
		if err != nil {
			return q, f, err
		}
		if !slices.ContainsFunc(types, func(p report.ProblemType) bool { return p.Code == q.Type }) {
			return q, f, domain.Invalid("未知的问题类型", "type", q.Type)
		}
	}
	return q, f, nil
}

// queueRow is a queue line with its countdown.
type queueRow struct {
	report.Summary
	Due       *time.Time
	DueLabel  string // 签收 or 答复
	Countdown string
	Late      bool
}

// dueOf is the deadline that matters now: acknowledging until the report
// is accepted, then answering.
func dueOf(s report.Summary) (*time.Time, string) {
	switch s.Status {
	case report.StatusDispatched, report.StatusReopened:
		return s.AckDueAt, "签收"
	case report.StatusAccepted, report.StatusExtended, report.StatusEscalated:
		return s.AnswerDueAt, "答复"
	}
	return nil, ""
}

// countdown says how long is left, or how long it is overdue.
func countdown(now time.Time, due time.Time) (string, bool) {
	d := due.Sub(now)
	if d < 0 {
		return "超期" + span(-d), true
	}
	return "剩余" + span(d), false
}

// span is a duration in days and hours, or minutes.
func span(d time.Duration) string {
	days, hours := int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour)
	switch {
	case days > 0:
		return fmt.Sprintf("%d天%d小时", days, hours)
	case hours > 0:
		return fmt.Sprintf("%d小时", hours)
	}
	return fmt.Sprintf("%d分钟", int(d/time.Minute))
}

// sortQueue puts overdue reports first, then the nearest deadline, then
// reports with no running deadline, oldest first.
func sortQueue(rows []queueRow) {
	sort.SliceStable(rows, func(i, j int) bool {
		a, b := rows[i], rows[j]
		if a.Late != b.Late {
			return a.Late
		}
		if (a.Due == nil) != (b.Due == nil) {
			return a.Due != nil
		}
		if a.Due != nil && !a.Due.Equal(*b.Due) {
			return a.Due.Before(*b.Due)
		}
		return a.SubmittedAt.Before(b.SubmittedAt)
	})
}

func (s *Server) queueRows(sums []report.Summary) []queueRow {
	now := s.now()
	rows := make([]queueRow, len(sums))
	for i, sm := range sums {
		rows[i] = queueRow{Summary: sm}
		rows[i].Due, rows[i].DueLabel = dueOf(sm)
		if rows[i].Due != nil {
			rows[i].Countdown, rows[i].Late = countdown(now, *rows[i].Due)
		}
		rows[i].Late = rows[i].Late || sm.Overdue
	}
	sortQueue(rows)
	return rows
}

type staffQueuePage struct {
	staffPage
	Filter   queueFilter
	Rows     []queueRow
	Total    int64
	Statuses []report.Status
	Types    []report.ProblemType
	Next     string
	Prev     string
}

// handleStaffHome is the workbench's front page: the queue for people who
// handle reports, the account list for the technical admin.
func (s *Server) handleStaffHome(c *fiber.Ctx) error {
	if !me(c).ReadsReports() {
		return c.Redirect("/staff/admin/accounts", fiber.StatusSeeOther)
	}
	qf, f, err := s.parseQueueFilter(c)
	if err != nil {
		return err
	}
	sums, total, err := s.st.reports.List(c.UserContext(), actor(c), f)
	if err != nil {
		return err
	}
	if sums, err = s.withOverdue(c, f, sums, total); err != nil {
		return err
	}
	types, err := s.st.reports.ProblemTypes().Codes(c.UserContext())
	if err != nil {
		return err
	}
	p := staffQueuePage{staffPage: s.staffPage(c, "待办举报", "queue"), Filter: qf, Rows: s.queueRows(sums), Total: total,
		Statuses: report.Statuses, Types: types}
	if int64(f.Page*f.PerPage) < total {
		p.Next = qf.url(f.Page + 1)
	}
	if f.Page > 1 {
		p.Prev = qf.url(f.Page - 1)
	}
	return s.render(c, "staff_queue", &p)
}

func (q queueFilter) url(page int) string {
	v := url.Values{"status": {q.Status}, "page": {strconv.Itoa(page)}}
	if q.Type != "" {
		v.Set("type", q.Type)
	}
	if q.Region != "" {
		v.Set("region", q.Region)
	}
	if q.Overdue {
		v.Set("overdue", "1")
	}
	return "/staff?" + v.Encode()
}

// withOverdue makes sure the first page of a long queue shows the overdue
// reports, wherever they fall in submission order.
func (s *Server) withOverdue(c *fiber.Ctx, f report.Filter, sums []report.Summary, total int64) ([]report.Summary, error) {
	if f.Page != 1 || f.Overdue || total <= int64(len(sums)) {
		return sums, nil
	}
	f.Overdue = true
	late, _, err := s.st.reports.List(c.UserContext(), actor(c), f)
	if err != nil {
		return nil, err
	}
	seen := make(map[uint64]bool, len(sums))
	for _, sm := range sums {
		seen[sm.ID] = true
	}
	for _, sm := range late {
		if !seen[sm.ID] {
			sums = append(sums, sm)
		}
	}
	return sums, nil
}
