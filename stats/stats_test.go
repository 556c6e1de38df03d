package stats

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"sunlight/catalog"
	"sunlight/domain"
	"sunlight/internal/testdb"
	"sunlight/report"
)

const (
	deptX    = "210124101-gov"
	deptY    = "210124102-gov"
	countyJW = "210124-jw"
	townJW   = "210124101-jw"
)

var now = time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)

func at(day, hour, min int) *time.Time {
	t := time.Date(2026, 11, day, hour, min, 0, 0, time.UTC)
	return &t
}

type spec struct {
	dept, region, accused, deptRegion string
	status                            report.Status
	dispatched, ackDue, accepted      *time.Time
	answerDue, answered, closed       *time.Time
	rating                            report.Rating
	reopen                            int
	tooFast                           bool
}

// seed stores reports with known timestamps straight into the table.
func seed(t *testing.T, db *gorm.DB) []report.Report {
	t.Helper()
	testdb.Setup(t, db, catalog.Migrate, catalog.LoadDemoRegions, report.Migrate)
	specs := []spec{
		// Department X (大孤家子镇): five reports.
		{dept: deptX, region: "210124101200", status: report.StatusClosed, dispatched: at(20, 10, 0), ackDue: at(21, 10, 0),
			accepted: at(20, 12, 0), answerDue: at(5+30, 10, 0), answered: at(22, 10, 0), closed: at(23, 10, 0), rating: report.RatingSatisfied},
		{dept: deptX, region: "210124101201", status: report.StatusClosed, dispatched: at(20, 10, 0), ackDue: at(21, 10, 0),
			accepted: at(22, 10, 0), answerDue: at(25, 10, 0), answered: at(26, 10, 0), closed: at(28, 10, 0), rating: report.RatingUnsatisfied, reopen: 1},
		{dept: deptX, region: "210124101200", status: report.StatusDispatched, dispatched: at(27, 10, 0), ackDue: at(28, 10, 0), answerDue: at(40, 10, 0)},
		{dept: deptX, region: "210124101", status: report.StatusDispatched, dispatched: at(29, 10, 0), ackDue: at(31, 10, 0), answerDue: at(42, 10, 0)},
		{dept: deptX, region: "210124101200", status: report.StatusAnswered, dispatched: at(20, 10, 0), ackDue: at(21, 10, 0),
			accepted: at(20, 10, 30), answerDue: at(35, 10, 0), answered: at(20, 11, 0), tooFast: true},
		// Department Y (三面船镇): one report.
		{dept: deptY, region: "210124102200", status: report.StatusAccepted, dispatched: at(25, 10, 0), ackDue: at(26, 10, 0),
			accepted: at(25, 15, 0), answerDue: at(40, 10, 0)},
		// An accusation against X, handled by the county 纪委.
		{dept: countyJW, deptRegion: "210124", region: "210124101200", accused: deptX, status: report.StatusAccepted,
			dispatched: at(24, 10, 0), ackDue: at(25, 10, 0), accepted: at(24, 11, 0), answerDue: at(40, 10, 0)},
	}
	var out []report.Report
	for i, s := range specs {
		dr := s.deptRegion
		if dr == "" {
			dr = s.region[:9]
		}
		r := report.Report{TrackingNo: fmt.Sprintf("T%03d", i+1), Subject: "village:" + s.region, SubjectName: "村", SubjectKind: "village",
			RegionCode: s.region, ProblemType: "subsidy", Description: "=HYPERLINK(\"http://evil\") 张三 13912345678",
			ContactName: "sealed", ContactPhone: "sealed", LookupHash: fmt.Sprintf("L%d", i),
			Status: s.status, DeptCode: s.dept, DeptRegion: dr, AccusedDept: s.accused, SubmittedAt: s.dispatched.Add(-time.Minute),
			DispatchedAt: s.dispatched, AcceptedAt: s.accepted, AnsweredAt: s.answered, ClosedAt: s.closed, AckDueAt: s.ackDue,
			AnswerDueAt: s.answerDue, Rating: s.rating, ReopenCount: s.reopen, TooFast: s.tooFast, UpdatedAt: now}
		if s.answered != nil {
			r.Answer = "已答复"
		}
		if err := db.Create(&r).Error; err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}

func find(fs []Figures, key string) *Figures {
	for i := range fs {
		if fs[i].Key == key {
			return &fs[i]
		}
	}
	return nil
}

func TestDashboardFigures(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		seed(t, db)
		b, err := Compute(context.Background(), db, Scope{Viewer: countyJW, Region: "210124", Supervisor: true}, now)
		if err != nil {
			t.Fatal(err)
		}
		x := find(b.Departments, deptX)
		if x == nil {
			t.Fatalf("no figures for %s: %+v", deptX, b.Departments)
		}
		want := Figures{Key: deptX, Name: "大孤家子镇人民政府", Received: 5, AckDue: 4, AckOnTime: 2, AnswerDue: 3, AnsOnTime: 2,
			OverdueNow: 1, Answered: 3, Rated: 2, Satisfied: 1, Reopened: 1, TooFast: 1, MedianAckHours: 2, MedianAnswerHours: 48}
		x.ackHours, x.ansHours = nil, nil
		if fmt.Sprintf("%+v", *x) != fmt.Sprintf("%+v", want) {
			t.Errorf("department X:\n got %+v\nwant %+v", *x, want)
		}
		if got := x.AckRate(); got != 50 {
			t.Errorf("ack rate %v", got)
		}
		if got := fmt.Sprintf("%.1f", x.ReopenRate()); got != "33.3" {
			t.Errorf("reopen rate %s", got)
		}
		if y := find(b.Departments, deptY); y == nil || y.Received != 1 || y.AckOnTime != 1 || y.MedianAckHours != 5 {
			t.Errorf("department Y: %+v", y)
		}
		if b.Total.Received != 7 {
			t.Errorf("county total received %d, want 7 (the accusation against X included)", b.Total.Received)
		}
		if town := find(b.Towns, "210124101"); town == nil || town.Received != 6 || town.Name != "大孤家子镇" {
			t.Errorf("town 210124101: %+v", town)
		}

		// The town's own 纪委 does not see the accusation routed above it;
		// department X's head never sees the report accusing X.
		tb, err := Compute(context.Background(), db, Scope{Viewer: townJW, Region: "210124101", Supervisor: true}, now)
		if err != nil {
			t.Fatal(err)
		}
		if tb.Total.Received != 5 || find(tb.Departments, countyJW) != nil {
			t.Errorf("town 纪委 board counts %d reports, departments %+v", tb.Total.Received, tb.Departments)
		}
		hb, err := Compute(context.Background(), db, Scope{Viewer: deptX, Dept: deptX}, now)
		if err != nil {
			t.Fatal(err)
		}
		if hb.Total.Received != 5 || len(hb.Departments) != 1 {
			t.Errorf("head's board: %d reports in %d departments", hb.Total.Received, len(hb.Departments))
		}
	})
}

// The supervisor scope here must agree with report.Service's own rule.
func TestScopeAgreesWithReportVisibility(t *testing.T) {
	db := testdb.SQLite(t)
	seed(t, db)
	rs, err := report.New(db, make([]byte, 32), report.Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	for _, sup := range []struct{ dept, region string }{{countyJW, "210124"}, {townJW, "210124101"}, {"210115-jw", "210115"}, {"2101-jw", "2101"}} {
		sums, _, err := rs.List(context.Background(), report.Actor{UserID: 1, DeptCode: sup.dept, Role: domain.RoleSupervisor, RegionCode: sup.region}, report.Filter{PerPage: 100})
		if err != nil {
			t.Fatal(err)
		}
		rows, err := load(context.Background(), db, Scope{Viewer: sup.dept, Region: sup.region, Supervisor: true})
		if err != nil {
			t.Fatal(err)
		}
		var a, b []string
		for _, s := range sums {
			a = append(a, s.TrackingNo)
		}
		for _, r := range rows {
			b = append(b, r.TrackingNo)
		}
		sort.Strings(a)
		sort.Strings(b)
		if strings.Join(a, ",") != strings.Join(b, ",") {
			t.Errorf("supervisor %s: report service sees %v, dashboard counts %v", sup.dept, a, b)
		}
	}
}

func TestPublicSuppressesSmallCells(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		seed(t, db)
		p, err := ComputePublic(context.Background(), db, now)
		if err != nil {
			t.Fatal(err)
		}
		js, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		var got struct {
			Departments []map[string]any `json:"departments"`
			Chain       map[string]any   `json:"audit_chain_head"`
		}
		if err := json.Unmarshal(js, &got); err != nil {
			t.Fatal(err)
		}
		byCode := map[string]map[string]any{}
		for _, d := range got.Departments {
			byCode[d["code"].(string)] = d
		}
		x, y := byCode[deptX], byCode[deptY]
		checks := []struct {
			m    map[string]any
			k    string
			want any
		}{
			{x, "received", 5.0}, {x, "overdue_now", "<3"}, {x, "too_fast", "<3"}, {x, "acknowledged_on_time_pct", 50.0},
			{x, "answered_on_time_pct", 66.7}, {x, "satisfaction_pct", nil}, {x, "reopen_pct", 33.3}, {x, "median_answer_days", 2.0},
			{y, "received", "<3"}, {y, "acknowledged_on_time_pct", nil},
		}
		for _, c := range checks {
			if c.m == nil || c.m[c.k] != c.want {
				t.Errorf("%v %s = %#v, want %#v", c.m["code"], c.k, c.m[c.k], c.want)
			}
		}
		for _, leak := range []string{"13912345678", "张三", "HYPERLINK", "T001", "210124101200"} {
			if strings.Contains(string(js), leak) {
				t.Errorf("public figures contain %q", leak)
			}
		}
		if _, ok := got.Chain["hash"]; !ok && len(got.Chain) == 0 {
			t.Errorf("no audit chain head: %s", js)
		}
	})
}

func TestCSVExport(t *testing.T) {
	db := testdb.SQLite(t)
	seed(t, db)
	// A tracking number that a spreadsheet would run.
	if err := db.Model(&report.Report{}).Where("tracking_no = ?", "T001").Update("problem_type", "=cmd|' /C calc'!A0").Error; err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	n, err := WriteCSV(context.Background(), &buf, db, Scope{Viewer: townJW, Region: "210124101", Supervisor: true}, now)
	if err != nil || n != 5 {
		t.Fatalf("export: %d rows, %v", n, err)
	}
	out := strings.TrimPrefix(buf.String(), "\ufeff")
	recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 6 || strings.Join(recs[0], ",") != strings.Join(CSVHeader, ",") {
		t.Fatalf("csv header/rows: %d %v", len(recs), recs[0])
	}
	if recs[1][0] != "T001" || recs[1][2] != "'=cmd|' /C calc'!A0" {
		t.Errorf("first row: %v", recs[1])
	}
	if recs[1][7] != "2026-11-20T09:59:00Z" || recs[1][10] != "2026-11-20T12:00:00Z" || recs[1][14] != "1" {
		t.Errorf("timestamps: %v", recs[1])
	}
	for _, leak := range []string{"13912345678", "张三", "HYPERLINK", "sealed"} {
		if strings.Contains(out, leak) {
			t.Errorf("export contains %q", leak)
		}
	}
	for _, in := range []string{"=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"} {
		if got := SafeCell(in); got != "'"+in {
			t.Errorf("SafeCell(%q) = %q", in, got)
		}
	}
	if got := SafeCell("正常文本"); got != "正常文本" {
		t.Errorf("SafeCell changed plain text: %q", got)
	}
}
