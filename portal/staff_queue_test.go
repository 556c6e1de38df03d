package portal

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"sunlight/domain"
	"sunlight/internal/testdb"
)

func TestCountdown(t *testing.T) {
	now := fixedNow
	for _, c := range []struct {
		due  time.Duration
		want string
		late bool
	}{
		{50 * time.Hour, "剩余2天2小时", false},
		{3*time.Hour + 10*time.Minute, "剩余3小时", false},
		{20 * time.Minute, "剩余20分钟", false},
		{-26 * time.Hour, "超期1天2小时", true},
	} {
		got, late := countdown(now, now.Add(c.due))
		if got != c.want || late != c.late {
			t.Errorf("countdown(%s) = %q %v, want %q %v", c.due, got, late, c.want, c.late)
		}
	}
}

func TestQueueOverdueFirstAndFilters(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		s, clk := newWorkbench(t, db)
		old := file(t, s, villageB, "subsidy", "三面船村低保问题，早就反映过。", "", "")
		clk.Add(30 * 24 * time.Hour) // the first report's deadlines pass
		fresh := file(t, s, villageB, "affairs", "村务公开栏没有更新。", "", "")
		clerk := signIn(t, s, "clerk.b", townB, domain.RoleStaff)

		doc := clerk.browser.get("/staff", http.StatusOK)
		rows := doc.Find("#queue tbody tr")
		if rows.Length() != 2 {
			t.Fatalf("queue has %d rows", rows.Length())
		}
		first := rows.First()
		if !strings.Contains(first.Text(), old.TrackingNo) || !first.HasClass("late") ||
			!strings.HasPrefix(strings.TrimSpace(first.Find(".countdown").Text()), "签收：超期") {
			t.Errorf("first row is not the overdue report: %q", first.Text())
		}
		if !strings.Contains(rows.Eq(1).Text(), fresh.TrackingNo) || rows.Eq(1).HasClass("late") {
			t.Errorf("second row: %q", rows.Eq(1).Text())
		}
		// Filters: by problem type, and a bad status is a 400.
		only := clerk.browser.get("/staff?type=affairs", http.StatusOK).Find("#queue tbody tr")
		if only.Length() != 1 || !strings.Contains(only.Text(), fresh.TrackingNo) {
			t.Errorf("type filter: %q", only.Text())
		}
		if got := clerk.browser.get("/staff?region=210124101", http.StatusOK).Find("#queue tbody tr td a").Length(); got != 0 {
			t.Errorf("region filter outside the reports: %d rows", got)
		}
		clerk.browser.get("/staff?status=nonsense", http.StatusBadRequest)
		sel := clerk.browser.get("/staff?status=dispatched", http.StatusOK).Find(`#f-status option[selected]`)
		if sel.AttrOr("value", "") != "dispatched" {
			t.Errorf("status filter not kept: %q", sel.AttrOr("value", ""))
		}
	})
}
