package portal

import (
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"gorm.io/gorm"

	"sunlight/catalog"
	"sunlight/domain"
	"sunlight/internal/testdb"
	"sunlight/report"
)

const holidaysPage = "/staff/admin/holidays"

// postShown posts the form sel of an already fetched page, with its hidden
// fields (the CSRF token, the checked file's token).
func postShown(b *browser, doc *goquery.Document, sel string) (*http.Response, *goquery.Document) {
	b.t.Helper()
	f := doc.Find(sel).First()
	if f.Length() == 0 {
		b.t.Fatalf("no form %q", sel)
	}
	form := url.Values{}
	f.Find("input[type=hidden]").Each(func(_ int, in *goquery.Selection) {
		form.Set(in.AttrOr("name", ""), in.AttrOr("value", ""))
	})
	resp, body := b.do(http.MethodPost, f.AttrOr("action", ""), form)
	return resp, parseDoc(b.t, body)
}

func holidays2027(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../report/testdata/holidays-2027.csv")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestHolidaysYearView: the year view marks 国庆 days off and the
// weekend worked after it, shades weekends, says 2027 is not imported,
// offers the template, and every form carries the CSRF token.
func TestHolidaysYearView(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		s, _ := newWorkbench(t, db)
		admin := signIn(t, s, "root", "2101-gov", domain.RoleAdmin)
		doc := admin.browser.get(holidaysPage, http.StatusOK)
		day := func(date string) *goquery.Selection { return doc.Find(`#calendar td[data-date="` + date + `"]`) }
		if d := day("2026-10-01"); d.Find(".mark").Text() != "休" || !d.HasClass("off") || !strings.Contains(d.AttrOr("title", ""), "国庆节") {
			t.Errorf("2026-10-01: %q class %q title %q", d.Find(".mark").Text(), d.AttrOr("class", ""), d.AttrOr("title", ""))
		}
		if d := day("2026-10-10"); d.Find(".mark").Text() != "班" || !d.HasClass("work") {
			t.Errorf("2026-10-10: %q class %q", d.Find(".mark").Text(), d.AttrOr("class", ""))
		}
		if d := day("2026-10-17"); !d.HasClass("we") || d.Find(".mark").Length() != 0 {
			t.Errorf("Saturday 2026-10-17: class %q", d.AttrOr("class", ""))
		}
		if n := doc.Find("#calendar table.cal-month").Length(); n != 12 {
			t.Errorf("%d months", n)
		}
		if got := doc.Find("#next-missing").Text(); !strings.Contains(got, "2027年节假日安排尚未导入，期限暂按周末计算") {
			t.Errorf("next year notice: %q", got)
		}
		if doc.Find(`#years a.missing[href$="year=2027"]`).Length() != 1 || doc.Find(`#years a[aria-current=true]`).Text() != "2026" {
			t.Errorf("years: %s", doc.Find("#years").Text())
		}
		if doc.Find(`.ref-nav a[aria-current=page]`).AttrOr("href", "") != holidaysPage {
			t.Error("the reference-data menu does not mark 节假日")
		}
		if doc.Find(`#template-link[href="/staff/admin/holidays/template.csv"]`).Length() != 1 {
			t.Error("no template link")
		}
		forms := doc.Find(`form[action^="/staff/admin/holidays"]`)
		if forms.Length() != 2 {
			t.Errorf("%d forms, want the upload and the due-date checker", forms.Length())
		}
		forms.Each(func(_ int, f *goquery.Selection) {
			if f.Find("input[name=_csrf]").AttrOr("value", "") == "" {
				t.Errorf("form %s has no CSRF token", f.AttrOr("action", ""))
			}
		})
		if doc := admin.browser.get(holidaysPage+"?year=2027", http.StatusOK); doc.Find("#year-missing").Length() != 1 || doc.Find("#calendar .mark").Length() != 0 {
			t.Error("2027 is not shown as missing")
		}
		admin.browser.get(holidaysPage+"?year=19", http.StatusBadRequest)
	})
}

// TestHolidaysImportFromBrowser: a bad file lists its bad rows and writes
// nothing; a good 2027 file is checked (counts, changed days, nothing
// written), then imported on confirm, recounting a provisional deadline,
// with the admin in the history; importing it again changes nothing.
func TestHolidaysImportFromBrowser(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		s, clk := newWorkbench(t, db)
		clk.Set(time.Date(2026, 12, 21, 9, 30, 0, 0, china))
		file(t, s, villageB, "subsidy", "低保发放不公，请核查。", "", "")
		admin := signIn(t, s, "root", "2101-gov", domain.RoleAdmin)
		b := admin.browser
		in2027 := []any{"date LIKE ?", "2027-%"}
		history := func() int64 { return testdb.Count(t, db, &catalog.RefChange{}) }
		before := history()

		bad := "日期,类型,名称\n2027-01-01,休,元旦\n2027-01-02,放风,元旦\n2027-01-04,班,元旦调休\n"
		resp, doc := uploadTo(t, b, holidaysPage, holidaysPage+"/check", nil, "bad.csv", bad)
		if resp.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("bad file: %d", resp.StatusCode)
		}
		var lines []string
		doc.Find("#row-errors li").Each(func(_ int, li *goquery.Selection) { lines = append(lines, li.AttrOr("data-line", "")) })
		if strings.Join(lines, ",") != "3,4" || !strings.Contains(doc.Find("#row-errors").Text(), "无法识别") {
			t.Errorf("row errors on lines %v: %s", lines, doc.Find("#row-errors").Text())
		}
		if doc.Find("#confirm-form").Length() != 0 || testdb.Count(t, db, &report.Holiday{}, in2027...) != 0 || history() != before {
			t.Error("a bad file was kept or wrote something")
		}

		resp, doc = uploadTo(t, b, holidaysPage, holidaysPage+"/check", nil, "2027.csv", holidays2027(t))
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("check: %d %s", resp.StatusCode, doc.Find("main").Text())
		}
		counts := func(doc *goquery.Document) string {
			return fmt.Sprintf("%s/%s/%s/%s", text(doc, "#check-result .created"), text(doc, "#check-result .updated"),
				text(doc, "#check-result .unchanged"), text(doc, "#check-result .removed"))
		}
		if got := counts(doc); got != "37/0/0/0" || doc.Find("#changes tbody tr").Length() != 37 {
			t.Errorf("check counts %s, %d changed days", got, doc.Find("#changes tbody tr").Length())
		}
		if row := doc.Find(`#changes tr[data-date="2027-02-06"]`).Text(); !strings.Contains(row, "新增") || !strings.Contains(row, "休 春节") {
			t.Errorf("changed day 2027-02-06: %q", row)
		}
		if testdb.Count(t, db, &report.Holiday{}, in2027...) != 0 || history() != before {
			t.Fatal("the check wrote something")
		}
		other := signIn(t, s, "root2", "2101-gov", domain.RoleAdmin)
		token := doc.Find("#confirm-form input[name=token]").AttrOr("value", "")
		if resp, _ := other.browser.do(http.MethodPost, holidaysPage+"/confirm", url.Values{"_csrf": {csrfOf(other.browser, holidaysPage)}, "token": {token}}); resp.StatusCode != http.StatusNotFound {
			t.Errorf("another admin confirming: %d, want 404", resp.StatusCode)
		}

		resp, doc = postShown(b, doc, "#confirm-form")
		if resp.StatusCode != http.StatusOK || doc.Find("#done").Length() == 0 {
			t.Fatalf("confirm: %d %s", resp.StatusCode, doc.Find("main").Text())
		}
		if got := text(doc, "#recomputed"); !strings.Contains(got, "已重新计算 1 件") {
			t.Errorf("recomputed: %q", got)
		}
		if n := testdb.Count(t, db, &report.Holiday{}, in2027...); n != 37 {
			t.Errorf("2027 rows: %d", n)
		}
		if doc.Find(`#calendar td[data-date="2027-02-06"] .mark`).Text() != "休" || doc.Find("#next-missing").Length() != 0 {
			t.Error("the year view does not show the imported 2027")
		}
		if got := doc.Find(".ref-history tbody tr").First().Find("td").Eq(1).Text(); got != "root" {
			t.Errorf("history actor %q, want root", got)
		}
		if history() != before+37 {
			t.Errorf("history grew by %d", history()-before)
		}

		// The same file again: nothing to change.
		_, doc = uploadTo(t, b, holidaysPage, holidaysPage+"/check", nil, "2027.csv", holidays2027(t))
		if got := counts(doc); got != "0/0/37/0" || doc.Find("#changes").Length() != 0 {
			t.Errorf("re-check counts %s", got)
		}
		if resp, doc := postShown(b, doc, "#confirm-form"); resp.StatusCode != http.StatusOK || !strings.Contains(text(doc, "#recomputed"), "0 件") {
			t.Errorf("re-import: %d %q", resp.StatusCode, text(doc, "#recomputed"))
		}
		if history() != before+37 {
			t.Errorf("re-import recorded %d changes", history()-before-37)
		}
	})
}

// TestHolidaysDueForm: the checker computes what `portal holidays due`
// does, and refuses a bad date in Chinese.
func TestHolidaysDueForm(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		s, _ := newWorkbench(t, db)
		admin := signIn(t, s, "root", "2101-gov", domain.RoleAdmin)
		resp, body := admin.browser.submit(holidaysPage, "#due-form", url.Values{"from": {"2026-09-30"}, "days": {"1"}})
		if doc := parseDoc(t, body); resp.StatusCode != http.StatusOK || text(doc, "#due-day") != "2026-10-08" || doc.Find("#due-provisional").Length() != 0 {
			t.Errorf("2026-09-30 + 1: %d %q", resp.StatusCode, text(doc, "#due-result"))
		}
		_, body = admin.browser.submit(holidaysPage, "#due-form", url.Values{"from": {"2026-12-31"}, "days": {"1"}})
		if doc := parseDoc(t, body); text(doc, "#due-day") != "2027-01-01" || !strings.Contains(text(doc, "#due-provisional"), "2027年") {
			t.Errorf("2026-12-31 + 1: %q", text(doc, "#due-result"))
		}
		resp, body = admin.browser.submit(holidaysPage, "#due-form", url.Values{"from": {"九月底"}, "days": {"1"}})
		if doc := parseDoc(t, body); resp.StatusCode != http.StatusBadRequest || !strings.Contains(text(doc, "#due-error"), "无法识别") {
			t.Errorf("bad date: %d %q", resp.StatusCode, text(doc, "#due-error"))
		}
	})
}

// TestHolidaysPageGuards: only the admin reaches the page, a POST
// without the CSRF token is refused and writes nothing, and a confirmation
// imports only the file that was checked.
func TestHolidaysPageGuards(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		s, _ := newWorkbench(t, db)
		admin := signIn(t, s, "root", "2101-gov", domain.RoleAdmin)
		dept := map[domain.Role]string{domain.RoleStaff: townB, domain.RoleHead: townB, domain.RoleSupervisor: countyJW}
		for role, code := range dept {
			p := signIn(t, s, "u-"+string(role), code, role)
			for _, r := range []struct{ method, path string }{{http.MethodGet, holidaysPage}, {http.MethodPost, holidaysPage + "/due"}, {http.MethodPost, holidaysPage + "/confirm"}} {
				form := url.Values{"_csrf": {csrfOf(p.browser, "/staff/account")}, "from": {"2026-09-30"}, "days": {"1"}}
				if r.method == http.MethodGet {
					form = nil
				}
				if resp, _ := p.browser.do(r.method, r.path, form); resp.StatusCode != http.StatusForbidden && resp.StatusCode != http.StatusNotFound {
					t.Errorf("%s %s %s: %d, want 403/404", role, r.method, r.path, resp.StatusCode)
				}
			}
		}
		if resp, _ := admin.browser.do(http.MethodPost, holidaysPage+"/due", url.Values{"from": {"2026-09-30"}, "days": {"1"}}); resp.StatusCode != http.StatusForbidden {
			t.Errorf("due without CSRF: %d, want 403", resp.StatusCode)
		}
		_, doc := uploadTo(t, admin.browser, holidaysPage, holidaysPage+"/check", nil, "2027.csv", holidays2027(t))
		form := url.Values{"token": {doc.Find("#confirm-form input[name=token]").AttrOr("value", "")}}
		if resp, _ := admin.browser.do(http.MethodPost, holidaysPage+"/confirm", form); resp.StatusCode != http.StatusForbidden {
			t.Errorf("confirm without CSRF: %d, want 403", resp.StatusCode)
		}
		if n := testdb.Count(t, db, &report.Holiday{}, "date LIKE ?", "2027-%"); n != 0 {
			t.Errorf("a refused confirm imported %d days", n)
		}

		// The confirmation imports the checked file, never one sent with it.
		resp, _ := uploadTo(t, admin.browser, holidaysPage, holidaysPage+"/confirm", form, "other.csv", "日期,类型,名称\n2027-01-01,休,元旦\n")
		if n := testdb.Count(t, db, &report.Holiday{}, "date LIKE ?", "2027-%"); resp.StatusCode != http.StatusOK || n != 37 {
			t.Errorf("confirm with another file: %d, %d days of 2027 imported, want the checked 37", resp.StatusCode, n)
		}
	})
}

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
