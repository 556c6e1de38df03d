package portal

import (
	"context"
	"strconv"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"sunlight/internal/testdb"
	"sunlight/report"
)

// testClock is a clock tests move by hand.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// newWorkbench is a portal with the staff and report tables, the default
// routing rules and deadlines, cheap hashing, and a clock the test moves.
func newWorkbench(t testing.TB, db *gorm.DB) (*Server, *testClock) {
	t.Helper()
	clk := &testClock{t: fixedNow}
	s := newStaffServer(t, db, func(c *Config) { c.Now = clk.now })
	ctx := context.Background()
	if err := report.SeedRules(ctx, db, fixedNow.Add(-24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	testdb.Setup(t, db, report.SeedDeadlines)
	return s, clk
}

type filed struct {
	ID         uint64
	TrackingNo string
	Receipt    string
	Text       string
}

// href is the report's page on the workbench.
func (f filed) href() string { return "/staff/reports/" + strconv.FormatUint(f.ID, 10) }

// file submits a report as a reporter would, through the report service.
func file(t testing.TB, s *Server, subject, problem, text, name, phone string) filed {
	t.Helper()
	in := report.NewReport{Subject: subject, ProblemType: problem, Description: text, Anonymous: name == "", Name: name, Phone: phone}
	rc, err := s.st.reports.Submit(context.Background(), in)
	if err != nil {
		t.Fatalf("submit %s/%s: %v", subject, problem, err)
	}
	if rc.Status != report.StatusDispatched {
		t.Fatalf("report on %s was not dispatched: %s", subject, rc.Status)
	}
	return filed{ID: rc.ReportID, TrackingNo: rc.TrackingNo, Receipt: rc.Receipt, Text: text}
}
