package portal

import (
	"context"
	"net/http"
	"testing"

	"gorm.io/gorm"

	"sunlight/domain"
	"sunlight/internal/testdb"
	"sunlight/report"
)

// TestCaseViewsAreChained: each opening of a case on the workbench appends
// an audited access event to the hash chain, which still verifies; the
// access events do not clutter the case's timeline, and a refused view
// leaves no trace. (The staff API and photo downloads record the same way.)
func TestCaseViewsAreChained(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		s, _ := newWorkbench(t, db)
		f := file(t, s, "village:210124101201", "subsidy", "低保名单里有已去世的人。", "", "")
		b := loggedIn(t, s, "clerk", "210124101-gov", domain.RoleStaff)
		accessed := func() int64 {
			var n int64
			db.Model(&report.Event{}).Where("report_id = ? AND type = ?", f.ID, report.EvAccessed).Count(&n)
			return n
		}
		path := f.href()
		b.get(path, http.StatusOK)
		if accessed() != 1 {
			t.Fatalf("%d access events after one view", accessed())
		}
		doc := b.get(path, http.StatusOK)
		if accessed() != 2 {
			t.Fatalf("%d access events after two views", accessed())
		}
		if n := doc.Find(`#timeline li[data-type="` + report.EvAccessed + `"]`).Length(); n != 0 {
			t.Fatalf("%d access events shown in the timeline", n)
		}
		if _, err := report.VerifyChain(context.Background(), db); err != nil {
			t.Fatalf("chain after views: %v", err)
		}
		// Someone who may not see the case leaves no trace in it.
		o := loggedIn(t, s, "other", "210124-mz", domain.RoleStaff)
		o.get(path, http.StatusNotFound)
		if accessed() != 2 {
			t.Fatalf("a refused view was recorded: %d", accessed())
		}
	})
}
