package portal

import (
	"context"
	"strconv"
	"testing"
	"time"

	"gorm.io/gorm"

	"sunlight/domain"
	"sunlight/internal/testclock"
	"sunlight/internal/testdb"
	"sunlight/report"
)

// newWorkbench is a portal with the staff and report tables, the default
// routing rules and deadlines, cheap hashing, and a clock the test moves.
func newWorkbench(t testing.TB, db *gorm.DB) (*Server, *testclock.Clock) {
	t.Helper()
	clk := testclock.At(fixedNow)
	s := newStaffServer(t, db, func(c *Config) { c.Now = clk.Now })
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

// acceptedCase is a workbench with a report on village B that clerk.b of
// town B has accepted through the case page, and clerk.b signed in.
func acceptedCase(t *testing.T, db *gorm.DB, problem, text, name, phone string) (*Server, filed, principalUnderTest) {
	t.Helper()
	s, _ := newWorkbench(t, db)
	r := file(t, s, villageB, problem, text, name, phone)
	clerk := signIn(t, s, "clerk.b", townB, domain.RoleStaff)
	clerk.browser.submit(r.href(), "#accept-form", nil)
	return s, r, clerk
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
