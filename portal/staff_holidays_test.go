package portal

import (
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"sunlight/domain"
	"sunlight/internal/testdb"
	"sunlight/report"
)

// TestProvisionalDeadlinePages: in December, with no 2027 calendar, a
// deadline in 2027 is marked provisional on the staff report page, in the
// staff API and on /track, and the admin's page and /metrics say the
// calendar is missing; once it is imported the deadline is recounted, the
// reporter reads why, and the warnings go.
func TestProvisionalDeadlinePages(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		s, clk := newWorkbench(t, db)
		clk.Set(time.Date(2026, 12, 21, 9, 30, 0, 0, china))
		r := file(t, s, villageB, "subsidy", "低保发放不公，请核查。", "", "")
		clerk := signIn(t, s, "clerk.b", townB, domain.RoleStaff)
		admin := loggedIn(t, s, "root", "2101-gov", domain.RoleAdmin)
		page := r.href()
		const note = "暂定：2027年节假日安排尚未导入"
		if got := clerk.browser.get(page, http.StatusOK).Find("#deadline-provisional").Text(); !strings.Contains(got, note) {
			t.Errorf("staff page: %q", got)
		}
		_, m, raw := apiCall(t, s, clerk.token, http.MethodGet, "/api/v1/staff/reports/"+fmt.Sprint(r.ID), "")
		if dl, _ := m["deadlines"].(map[string]any); dl["provisional"] != true || dl["provisional_year"] != 2027.0 {
			t.Errorf("API deadlines: %s", raw)
		}
		track := func() string {
			_, doc := postForm(t, s, "/track", url.Values{"receipt": {r.Receipt}})
			return doc.Find("#deadline-provisional").Text() + "|" + doc.Find("#timeline").Text()
		}
		if got := track(); !strings.Contains(got, note) {
			t.Errorf("/track: %q", got)
		}
		if got := admin.get("/staff/admin/accounts", http.StatusOK).Find("#holidays-missing").Text(); !strings.Contains(got, "2027年节假日安排尚未导入") {
			t.Errorf("admin notice: %q", got)
		}
		if resp, body := admin.do(http.MethodGet, "/staff/admin/holidays/template.csv", nil); resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "日期,类型,名称") {
			t.Errorf("template: %d %q", resp.StatusCode, body)
		}
		metric := func() string {
			_, body := get(t, s, "/metrics")
			return string(body)
		}
		if !strings.Contains(metric(), "\nsunlight_holiday_calendar_missing{year=\"2027\"} 1\n") {
			t.Error("/metrics lacks sunlight_holiday_calendar_missing{year=\"2027\"} 1")
		}

		f, err := os.Open("../report/testdata/holidays-2027.csv")
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if res, err := report.ImportHolidays(t.Context(), db, "2027.csv", f, report.HolidayImportOptions{Now: clk.Now}); err != nil || res.Recomputed != 1 {
			t.Fatalf("import: %+v, %v", res, err)
		}
		if clerk.browser.get(page, http.StatusOK).Find("#deadline-provisional").Length() != 0 {
			t.Error("staff page still provisional")
		}
		if got := track(); strings.Contains(got, note) || !strings.Contains(got, "2027年节假日安排已导入，答复期限调整为2027年1月12日") {
			t.Errorf("/track after import: %q", got)
		}
		if admin.get("/staff/admin/accounts", http.StatusOK).Find("#holidays-missing").Length() != 0 {
			t.Error("admin notice after import")
		}
		if !strings.Contains(metric(), "\nsunlight_holiday_calendar_missing{year=\"2027\"} 0\n") {
			t.Error("/metrics still says the calendar is missing")
		}
	})
}
