package portal

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"gorm.io/gorm"

	"sunlight/domain"
	"sunlight/internal/testdb"
	"sunlight/report"
)

// The demo departments used by the access tests.
const (
	townA    = "210124101-gov" // 大孤家子镇人民政府 (department A)
	townB    = "210124102-gov" // 三面船镇人民政府 (department B)
	villageA = "village:210124101200"
	villageB = "village:210124102200"
	countyJW = "210124-jw" // 法库县纪委监委
	otherJW  = "210115-jw" // 辽中区纪委监委: another county
	townAJW  = "210124101-jw"
)

var workbenchActions = []string{"accept", "answer", "approve-answer", "send-back", "return", "reject", "extend",
	"decide-extension", "message", "note", "close", "escalate", "reassign", "reveal", "publish", "unpublish"}

// actionForm is a plausible, valid input for every action, so that a
// refusal can only come from the access rules.
func actionForm() url.Values {
	return url.Values{"text": {"经核实，情况属实，已整改完毕。"}, "question": {"反映低保发放不公的问题。"}, "days": {"10"}, "approve": {"1"}, "dept": {townA}}
}

// assertNoAccess requests every staff route and API for the report as the
// signed-in browser b (and its API token) and expects 403 or 404, with
// nothing of the report in any answer.
func assertNoAccess(t *testing.T, s *Server, db *gorm.DB, who string, b *browser, token string, r filed) {
	t.Helper()
	before := testdb.Count(t, db, &report.Event{}, "report_id = ?", r.ID)
	secrets := []string{r.TrackingNo, r.Text, "13912345678", "张举报"}
	check := func(route string, status int, body []byte) {
		t.Helper()
		if status != http.StatusForbidden && status != http.StatusNotFound {
			t.Errorf("%s: %s answered %d, want 403/404", who, route, status)
		}
		for _, sec := range secrets {
			if strings.Contains(string(body), sec) {
				t.Errorf("%s: %s leaks %q", who, route, sec)
			}
		}
	}
	id := fmt.Sprint(r.ID)
	csrf := b.get("/staff/account", http.StatusOK).Find("input[name=_csrf]").AttrOr("value", "")
	for _, path := range []string{"/staff/reports/" + id, "/staff/reports/" + id + "/photos/aaaaaaaaaaaaaaaaaaaaaaaaaa.jpg",
		"/staff/reports/" + id + "?tpl=0"} {
		resp, body := b.do(http.MethodGet, path, nil)
		check("GET "+path, resp.StatusCode, body)
	}
	for _, act := range workbenchActions {
		form := actionForm()
		form.Set("_csrf", csrf)
		resp, body := b.do(http.MethodPost, "/staff/reports/"+id+"/"+act, form)
		check("POST /staff/reports/ID/"+act, resp.StatusCode, body)
	}
	// Lists show nothing of it.
	for _, path := range []string{"/staff", "/staff?status=all", "/staff?status=all&overdue=1", "/staff/dashboard", "/staff/dashboard.csv"} {
		resp, body := b.do(http.MethodGet, path, nil)
		if resp.StatusCode == http.StatusOK {
			for _, sec := range secrets {
				if strings.Contains(string(body), sec) {
					t.Errorf("%s: %s lists the report", who, path)
				}
			}
		}
	}
	api := func(method, path, body string) (int, []byte) {
		req := httptest.NewRequest(method, path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		resp, b := do(t, s, req)
		return resp.StatusCode, b
	}
	st, body := api(http.MethodGet, "/api/v1/staff/reports/"+id, "")
	check("GET /api/v1/staff/reports/ID", st, body)
	for _, act := range workbenchActions {
		st, body := api(http.MethodPost, "/api/v1/staff/reports/"+id+"/"+act, `{"text":"经核实，情况属实，已整改完毕。","days":10,"approve":true,"dept":"`+townA+`"}`)
		check("POST /api/v1/staff/reports/ID/"+act, st, body)
	}
	st, body = api(http.MethodGet, "/api/v1/staff/reports?status=all&per_page=100", "")
	if st != http.StatusOK && st != http.StatusForbidden {
		t.Errorf("%s: API list answered %d", who, st)
	}
	for _, sec := range secrets {
		if strings.Contains(string(body), sec) {
			t.Errorf("%s: API list leaks %q", who, sec)
		}
	}
	if after := testdb.Count(t, db, &report.Event{}, "report_id = ?", r.ID); after != before {
		t.Errorf("%s: the report gained %d events", who, after-before)
	}
}

type principalUnderTest struct {
	name    string
	browser *browser
	token   string
}

func signIn(t *testing.T, s *Server, user, dept string, role domain.Role) principalUnderTest {
	t.Helper()
	b := loggedIn(t, s, user, dept, role)
	tok, _, err := s.st.store.IssueToken(context.Background(), accountID(t, s, user), "test", "test")
	if err != nil {
		t.Fatal(err)
	}
	return principalUnderTest{name: user + " (" + string(role) + " of " + dept + ")", browser: b, token: tok}
}

func TestStaffAccessIsolation(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		s, _ := newWorkbench(t, db)
		// A report for department B, with a named reporter.
		rB := file(t, s, villageB, "subsidy", "三面船村低保发放不公，要求核查名单。", "张举报", "13912345678")
		// Reports accusing department A (the town government) and the county 纪委.
		accA := file(t, s, villageA, "town_misconduct", "大孤家子镇干部收取好处费，优亲厚友。", "张举报", "13912345678")
		accJW := file(t, s, "dept:"+countyJW, "service", "县纪委监委对反映的问题推诿不办。", "", "")

		staffA := signIn(t, s, "staff.a", townA, domain.RoleStaff)
		headA := signIn(t, s, "head.a", townA, domain.RoleHead)
		supOther := signIn(t, s, "sup.lz", otherJW, domain.RoleSupervisor)
		supTown := signIn(t, s, "sup.town", townAJW, domain.RoleSupervisor)
		supCounty := signIn(t, s, "sup.county", countyJW, domain.RoleSupervisor)
		adminP := signIn(t, s, "tech.admin", "2101-gov", domain.RoleAdmin)

		for _, c := range []struct {
			p principalUnderTest
			r filed
		}{
			{staffA, rB}, {headA, rB}, {staffA, accA}, {headA, accA},
			{supOther, rB}, {supOther, accA},
			{supTown, accA},    // routed above the town's 纪委: not theirs
			{supCounty, accJW}, // accuses the county 纪委 itself
			{adminP, rB},       // the technical admin reads no report content
		} {
			assertNoAccess(t, s, db, c.p.name, c.p.browser, c.p.token, c.r)
		}

		// Positive controls: the rules do not just refuse everyone.
		staffB := signIn(t, s, "staff.b", townB, domain.RoleStaff)
		doc := staffB.browser.get(rB.href(), http.StatusOK)
		if got := text(doc, "#description"); got != rB.Text {
			t.Errorf("department B sees %q", got)
		}
		if !strings.Contains(staffB.browser.get("/staff", http.StatusOK).Find("#queue").Text(), rB.TrackingNo) {
			t.Error("department B's queue lacks its report")
		}
		supCounty.browser.get(accA.href(), http.StatusOK)
		// Contact details appear nowhere but the audited reveal.
		if strings.Contains(doc.Text(), "13912345678") {
			t.Error("the report page shows the phone without a reveal")
		}
		code, got, body := apiCall(t, s, staffB.token, http.MethodGet, fmt.Sprintf("/api/v1/staff/reports/%d", rB.ID), "")
		if code != http.StatusOK || got["tracking_no"] != rB.TrackingNo {
			t.Fatalf("API detail for department B: %d %.200s", code, body)
		}
		if strings.Contains(body, "13912345678") || strings.Contains(body, "张举报") {
			t.Error("the API detail carries contact data")
		}
		// A supervisor may not hand a report to the body it accuses (409).
		resp, _ := supCounty.browser.submit(accA.href(), "#reassign-form", url.Values{"dept": {townA}, "text": {"改派测试"}})
		if resp.StatusCode != http.StatusConflict {
			t.Errorf("reassigning to the accused: %d, want 409", resp.StatusCode)
		}
		if refused := testdb.Count(t, db, &report.Event{}, "report_id = ? AND type = ?", accA.ID, report.EvReassignRefused); refused != 1 {
			t.Errorf("the refused reassignment left %d audit events, want 1", refused)
		}
		// The same through the API.
		st, _, _ := apiCall(t, s, supCounty.token, http.MethodPost, fmt.Sprintf("/api/v1/staff/reports/%d/reassign", accA.ID), `{"dept":"`+townA+`","text":"改派测试"}`)
		if st != http.StatusConflict {
			t.Errorf("API reassigning to the accused: %d, want 409", st)
		}
	})
}
