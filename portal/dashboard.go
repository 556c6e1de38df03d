package portal

import (
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"sunlight/domain"
	"sunlight/stats"
)

// dashboardScope is what the signed-in principal may count: a
// supervisor their region (as their queue), a head their department.
// Reports accusing the viewer's own department never count.
func dashboardScope(c *fiber.Ctx) (stats.Scope, error) {
	p := me(c)
	sc := stats.Scope{Viewer: p.DeptCode}
	if p.WatchesRegion() {
		sc.Region, sc.Supervisor = p.Dept.RegionCode, true
	} else {
		sc.Dept = p.DeptCode
	}
	var err error
	if sc.From, err = dayParam(c, "from"); err != nil {
		return sc, err
	}
	if sc.To, err = dayParam(c, "to"); err != nil {
		return sc, err
	}
	if !sc.To.IsZero() {
		sc.To = sc.To.AddDate(0, 0, 1) // inclusive
	}
	return sc, nil
}

func dayParam(c *fiber.Ctx, name string) (time.Time, error) {
	v := c.Query(name)
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.ParseInLocation("2006-01-02", v, china)
	if err != nil {
		return t, domain.Invalid("日期格式应为 2026-01-31", name, "日期格式应为 2026-01-31")
	}
	return t, nil
}

// bar is one bar of a server-drawn SVG chart.
type bar struct {
	Label string
	Value string // printed value
	Width float64
	Y     int
	None  bool
}

type chart struct {
	Title  string
	Bars   []bar
	Height int
}

const chartWidth = 300 // px for 100%

func rateChart(title string, fs []stats.Figures, rate func(*stats.Figures) float64) chart {
	ch := chart{Title: title}
	for i := range fs {
		r := rate(&fs[i])
		b := bar{Label: fs[i].Name, Y: i * 28}
		if r < 0 {
			b.Value, b.None = "无数据", true
		} else {
			b.Value, b.Width = strconv.FormatFloat(r, 'f', 1, 64)+"%", r*chartWidth/100
		}
		ch.Bars = append(ch.Bars, b)
	}
	ch.Height = len(ch.Bars)*28 + 4
	return ch
}

type dashboardPage struct {
	staffPage
	Board  *stats.Board
	From   string
	To     string
	Charts []chart
	CSV    string
	Sort   string
}

// leagueOrders are the allowed orders of the league table: worst first.
var leagueOrders = map[string]func([]stats.Figures){
	"code":    func([]stats.Figures) {},
	"overdue": byKey(func(f *stats.Figures) float64 { return -float64(f.OverdueNow) }),
	"ack":     byKey(func(f *stats.Figures) float64 { return rateOrTop(f.AckRate()) }),
	"answer":  byKey(func(f *stats.Figures) float64 { return rateOrTop(f.AnswerRate()) }),
	"satisfaction": byKey(func(f *stats.Figures) float64 {
		return rateOrTop(f.SatisfactionRate())
	}),
}

// rateOrTop puts rows without data after every real rate.
func rateOrTop(r float64) float64 {
	if r < 0 {
		return 1000
	}
	return r
}

func byKey(key func(*stats.Figures) float64) func([]stats.Figures) {
	return func(fs []stats.Figures) {
		sort.SliceStable(fs, func(i, j int) bool { return key(&fs[i]) < key(&fs[j]) })
	}
}

func (s *Server) handleStaffDashboard(c *fiber.Ctx) error {
	sc, err := dashboardScope(c)
	if err != nil {
		return err
	}
	order, ok := leagueOrders[c.Query("sort", "code")]
	if !ok {
		return domain.Invalid("不支持的排序方式", "sort", "可选 code、overdue、ack、answer、satisfaction")
	}
	b, err := stats.Compute(c.UserContext(), s.cfg.DB, sc, s.now())
	if err != nil {
		return err
	}
	order(b.Departments)
	order(b.Towns)
	p := dashboardPage{staffPage: s.staffPage(c, "督办统计", "dashboard"), Board: b, From: c.Query("from"), To: c.Query("to"),
		Sort: c.Query("sort", "code")}
	p.Charts = []chart{
		rateChart("按时签收率", b.Departments, (*stats.Figures).AckRate),
		rateChart("按时答复率", b.Departments, (*stats.Figures).AnswerRate),
		rateChart("满意率", b.Departments, (*stats.Figures).SatisfactionRate),
	}
	p.CSV = "/staff/dashboard.csv?" + string(c.Request().URI().QueryString())
	return s.render(c, "dashboard", &p)
}

// handleStaffDashboardCSV exports every report in scope with its
// timestamps; no personal data, formula-safe cells. Each export is
// recorded against the account.
func (s *Server) handleStaffDashboardCSV(c *fiber.Ctx) error {
	sc, err := dashboardScope(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="sunlight-reports-%s.csv"`, s.now().In(china).Format("20060102")))
	n, err := stats.WriteCSV(ctx, c.Response().BodyWriter(), s.cfg.DB, sc, s.now())
	if err != nil {
		return err
	}
	return s.st.store.RecordExport(ctx, me(c).ID, fmt.Sprintf("dashboard csv: %d reports, region %q dept %q", n, sc.Region, sc.Dept))
}
