package portal

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"sunlight/domain"
	"sunlight/internal/testdb"
	"sunlight/report"
)

func TestStaffAdminManagesAccounts(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		s := newStaffServer(t, db)
		addStaff(t, s, "root", "2101-gov", domain.RoleAdmin)

		// Staff may not reach the admin page or its actions.
		clerk := loggedIn(t, s, "clerk", "210124-mz", domain.RoleStaff)
		clerk.get("/staff/admin/accounts", http.StatusForbidden)
		tok := clerk.get("/staff/account", http.StatusOK).Find("input[name=_csrf]").AttrOr("value", "")
		if resp, _ := clerk.do(http.MethodPost, "/staff/admin/accounts", url.Values{"_csrf": {tok}, "username": {"evil"},
			"dept": {"210124-mz"}, "role": {"admin"}, "password": {testPassword}}); resp.StatusCode != http.StatusForbidden {
			t.Errorf("staff creating an account: %d", resp.StatusCode)
		}

		admin := newBrowser(t, s)
		admin.login("root")
		if resp, _ := admin.do(http.MethodGet, "/staff", nil); resp.Header.Get("Location") != "/staff/admin/accounts" {
			t.Errorf("admin home: %d → %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		// A bad form is shown again with the field's message.
		resp, body := admin.submit("/staff/admin/accounts", "#create-account", url.Values{"username": {"new.head"}, "dept": {"nope"}, "role": {"head"}, "password": {testPassword}})
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(parseDoc(t, body).Find("#create-account").Text(), "部门") {
			t.Errorf("bad dept: %d", resp.StatusCode)
		}
		resp, _ = admin.submit("/staff/admin/accounts", "#create-account", url.Values{"username": {"new.head"}, "name": {"赵主任"}, "dept": {"210124-mz"}, "role": {"head"}, "password": {testPassword}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("create: %d", resp.StatusCode)
		}
		doc := admin.get("/staff/admin/accounts?done=created", http.StatusOK)
		row := doc.Find(`#accounts tr[data-username="new.head"]`)
		if row.Length() != 1 || !strings.Contains(row.Text(), "部门负责人") {
			t.Fatalf("new account row: %q", row.Text())
		}
		head := newBrowser(t, s)
		head.login("new.head")

		// Revoke tokens, reset password, disable: each through its form.
		id := accountID(t, s, "new.head")
		if _, _, err := s.st.store.IssueToken(t.Context(), id, "script", "test"); err != nil {
			t.Fatal(err)
		}
		sel := func(action string) string {
			return `#accounts tr[data-username="new.head"] form[action$="/` + action + `"]`
		}
		if resp, _ := admin.submit("/staff/admin/accounts", sel("revoke-tokens"), nil); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("revoke: %d", resp.StatusCode)
		}
		if n, _ := s.activeTokens(t.Context(), id); n != 0 {
			t.Errorf("%d tokens still active", n)
		}
		if resp, _ := admin.submit("/staff/admin/accounts", sel("password"), url.Values{"password": {"a whole new password"}}); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("reset: %d", resp.StatusCode)
		}
		if resp, _ := head.do(http.MethodGet, "/staff/account", nil); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("session after password reset: %d, want redirect to login", resp.StatusCode)
		}
		if resp, _ := admin.submit("/staff/admin/accounts", sel("disable"), nil); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("disable: %d", resp.StatusCode)
		}
		doc = admin.get("/staff/admin/accounts", http.StatusOK)
		if got := strings.TrimSpace(doc.Find(`#accounts tr[data-username="new.head"] .state`).Text()); got != "已停用" {
			t.Errorf("state after disable = %q", got)
		}
		evs, _ := s.st.store.Events(t.Context(), id)
		if len(evs) < 4 || evs[0].By != "root" {
			t.Errorf("account events: %+v", evs)
		}
	})
}

// A report no department in the deployment may take is counted — never
// shown — on the administrator's page and in /metrics, so that someone
// adds the missing body.
func TestUndispatchedReportsAreCounted(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		s := newStaffServer(t, db)
		admin := loggedIn(t, s, "root", "2101-gov", domain.RoleAdmin)
		if doc := admin.get("/staff/admin/accounts", http.StatusOK); doc.Find("#undispatched").Length() != 0 {
			t.Error("a notice with nothing undispatched")
		}
		resp, out := postJSON(t, s, "/api/v1/reports",
			`{"subject":"`+testVillage+`","problem_type":"subsidy","description":"村干部优亲厚友，低保评定不公。","anonymous":true}`)
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("report: %d %v", resp.StatusCode, out)
		}
		// As the routing leaves an accusation against the top body.
		if err := db.Model(&report.Report{}).Where("tracking_no = ?", out["tracking_no"]).
			Updates(map[string]any{"status": report.StatusSubmitted, "dept_code": "", "submitted_at": fixedNow.Add(-2 * time.Hour)}).Error; err != nil {
			t.Fatal(err)
		}
		doc := admin.get("/staff/admin/accounts", http.StatusOK)
		if n := strings.TrimSpace(doc.Find("#undispatched b").Text()); n != "1" {
			t.Errorf("undispatched notice says %q", n)
		}
		if strings.Contains(doc.Text(), "优亲厚友") {
			t.Error("the administrator's page shows the report's text")
		}
		_, body := get(t, s, "/metrics")
		if !strings.Contains(string(body), "\nsunlight_reports_undispatched 1\n") {
			t.Errorf("/metrics lacks sunlight_reports_undispatched 1")
		}
	})
}
