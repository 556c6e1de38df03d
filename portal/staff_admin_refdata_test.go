package portal

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"gorm.io/gorm"

	"sunlight/catalog"
	"sunlight/domain"
	"sunlight/internal/testdb"
	"sunlight/report"
)

const (
	pVillage = "210124101201"
	pTownGov = "210124101-gov"
	pTownJW  = "210124101-jw"
)

// adminOnly checks that staff may not open path and returns a browser
// signed in as the admin.
func adminOnly(t *testing.T, s *Server, path string) *browser {
	t.Helper()
	addStaff(t, s, "root", "2101-gov", domain.RoleAdmin)
	clerk := loggedIn(t, s, "clerk", pTownGov, domain.RoleStaff)
	clerk.get(path, http.StatusForbidden)
	admin := newBrowser(t, s)
	admin.login("root")
	return admin
}

// TestAdminRoutingPage: the admin sees the rules in Chinese, previews a
// route with the rule that matched, edits a rule through the form and the
// preview follows; bad input is a Chinese message and changes nothing.
func TestAdminRoutingPage(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		s, _ := newWorkbench(t, db)
		admin := adminOnly(t, s, "/staff/admin/routing")
		doc := admin.get("/staff/admin/routing", http.StatusOK)
		row := doc.Find(`#rules tr[data-key="village//0"]`)
		if row.Length() != 1 || row.Find("td.target").Text() != "所在乡镇政府" || !strings.Contains(row.Text(), "村(社区)") {
			t.Fatalf("village rule row: %q", row.Text())
		}
		if doc.Find(`nav.ref-nav a[aria-current="page"]`).Text() != "派单规则" {
			t.Error("the reference-data menu does not mark this page")
		}
		preview := "/staff/admin/routing?" + url.Values{"subject": {"village:" + pVillage}, "problem_type": {"land"}}.Encode()
		doc = admin.get(preview, http.StatusOK)
		ruleID := row.AttrOr("data-rule-id", "")
		if doc.Find("#preview-dept").AttrOr("data-code", "") != pTownGov || doc.Find("#preview-rule").AttrOr("data-rule-id", "") != ruleID {
			t.Fatalf("preview: %q / %q (rule %s)", doc.Find("#preview-dept").Text(), doc.Find("#preview-rule").Text(), ruleID)
		}

		rules := testdb.Count(t, db, &report.RoutingRule{})
		resp, body := admin.submit("/staff/admin/routing", "#rule-form", url.Values{"kind": {"village"}, "problem_type": {"fund_late"},
			"level": {"0"}, "target": {"supervisor"}})
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(parseDoc(t, body).Find("#form-error").Text(), "不是村(社区)的问题类型") {
			t.Errorf("bad rule: %d %q", resp.StatusCode, parseDoc(t, body).Find("#form-error").Text())
		}
		if resp, _ := admin.do(http.MethodPost, "/staff/admin/routing", url.Values{"kind": {"village"}, "problem_type": {"land"},
			"level": {"0"}, "target": {"supervisor"}}); resp.StatusCode != http.StatusForbidden {
			t.Errorf("a POST without the CSRF token: %d", resp.StatusCode)
		}
		if testdb.Count(t, db, &report.RoutingRule{}) != rules {
			t.Fatal("bad input changed the rules")
		}
		resp, _ = admin.submit("/staff/admin/routing", "#rule-form", url.Values{"kind": {"village"}, "problem_type": {"land"},
			"level": {"0"}, "target": {"supervisor"}, "note": {"土地问题交纪委"}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("save rule: %d", resp.StatusCode)
		}
		doc = admin.get(preview, http.StatusOK)
		newRule := doc.Find(`#rules tr[data-key="village/land/0"]`)
		if doc.Find("#preview-dept").AttrOr("data-code", "") != pTownJW || doc.Find("#preview-rule").AttrOr("data-rule-id", "x") != newRule.AttrOr("data-rule-id", "") ||
			!strings.Contains(doc.Find("#preview-rule").Text(), "土地问题交纪委") {
			t.Errorf("preview after the edit: %q / %q", doc.Find("#preview-dept").Text(), doc.Find("#preview-rule").Text())
		}
		if h := doc.Find(".ref-history tbody tr"); h.Length() != 1 || !strings.Contains(h.Text(), "village/land/0") || !strings.Contains(h.Text(), "root") {
			t.Errorf("history: %q", h.Text())
		}
		bad := "/staff/admin/routing?" + url.Values{"subject": {"village:999999999999"}, "problem_type": {"land"}}.Encode()
		if doc := admin.get(bad, http.StatusBadRequest); !strings.Contains(doc.Find("#preview-error").Text(), "举报对象") {
			t.Errorf("bad preview: %q", doc.Find("#preview-error").Text())
		}
	})
}

// TestAdminDepartmentsPage: filter and page, add, and close — refused
// while cases are open, offered to move them (a case never to the body it
// accuses), then closed and no longer a reassignment target.
func TestAdminDepartmentsPage(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		s, _ := newWorkbench(t, db)
		a := file(t, s, "village:"+pVillage, "subsidy", "低保名单里有不符合条件的人。", "", "")
		b := file(t, s, "dept:"+pVillage+"-cw", "attitude", "村委会工作人员态度很差。", "", "")
		admin := adminOnly(t, s, "/staff/admin/departments")
		doc := admin.get("/staff/admin/departments?region=210124101", http.StatusOK)
		if n := doc.Find("#depts tbody tr").Length(); n == 0 || n > deptsPerPage || doc.Find(`#depts tr[data-code="2101-gov"]`).Length() != 0 {
			t.Fatalf("filtered list: %d rows", n)
		}
		if all := admin.get("/staff/admin/departments", http.StatusOK); all.Find("#depts tbody tr").Length() != deptsPerPage ||
			all.Find(`.pager a[href*="page=2"]`).Length() != 1 {
			t.Errorf("the whole list is not paged: %d rows", all.Find("#depts tbody tr").Length())
		}
		if got := doc.Find(`#depts tr[data-code="` + pTownGov + `"] td.num`).Text(); got != "2" {
			t.Errorf("open cases of the town: %q", got)
		}
		// Bad input: a Chinese message, no new department, no history.
		depts, changes := testdb.Count(t, db, &catalog.Department{}), testdb.Count(t, db, &catalog.RefChange{})
		resp, body := admin.submit("/staff/admin/departments", "#dept-add", url.Values{"code": {"210124-yj"}, "name": {"法库县应急管理局"}, "region": {"999999"}})
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(parseDoc(t, body).Find("#form-error").Text(), "地区代码") {
			t.Errorf("bad region: %d", resp.StatusCode)
		}
		edit := "/staff/admin/departments?code=" + pTownGov
		resp, body = admin.submit(edit, "#dept-close", nil)
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(parseDoc(t, body).Find("#form-error").Text(), "2 件") {
			t.Fatalf("close with open cases: %d %q", resp.StatusCode, parseDoc(t, body).Find("#form-error").Text())
		}
		if testdb.Count(t, db, &catalog.Department{}) != depts || testdb.Count(t, db, &catalog.RefChange{}) != changes {
			t.Fatal("bad input changed rows")
		}
		resp, _ = admin.submit("/staff/admin/departments", "#dept-add", url.Values{"code": {"210124-yj"}, "name": {"法库县应急管理局"}, "region": {"210124"}, "parent": {"210124-gov"}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("add: %d", resp.StatusCode)
		}
		// Move to the accused committee: one moved, the accusation refused.
		resp, _ = admin.submit(edit, "#dept-move-cases", url.Values{"to": {pVillage + "-cw"}})
		doc = admin.get(resp.Header.Get("Location"), http.StatusOK)
		if done := doc.Find("#done").Text(); !strings.Contains(done, "已移交 1 件") || !strings.Contains(done, b.TrackingNo) {
			t.Errorf("move to the accused: %q", done)
		}
		if got := doc.Find("#open-cases").Text(); got != "1" {
			t.Errorf("open cases left: %q", got)
		}
		resp, _ = admin.submit(edit, "#dept-move-cases", url.Values{"to": {pTownJW}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("move to the 纪委: %d", resp.StatusCode)
		}
		resp, _ = admin.submit(edit, "#dept-close", nil)
		doc = admin.get(resp.Header.Get("Location"), http.StatusOK)
		if doc.Find(`#dept-edit .state.closed`).Length() != 1 || doc.Find("#dept-reopen").Length() != 1 {
			t.Fatalf("after close: %q", doc.Find("#dept-edit").Text())
		}
		if h := doc.Find(".ref-history tbody tr"); h.Length() != 1 || !strings.Contains(h.Text(), catalog.DeptClosed) {
			t.Errorf("history: %q", h.Text())
		}
		// The closed department is offered to no supervisor for reassignment.
		sup := loggedIn(t, s, "county.jw", "210124-jw", domain.RoleSupervisor)
		page := sup.get("/staff/reports/"+strconv.FormatUint(a.ID, 10), http.StatusOK)
		if page.Find(`#reassign-dept option[value="`+pTownJW+`"]`).Length() != 1 || page.Find(`option[value="`+pTownGov+`"]`).Length() != 0 {
			t.Error("the closed department is still offered for reassignment")
		}
	})
}
