package portal

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"gorm.io/gorm"

	"sunlight/domain"
	"sunlight/internal/testdb"
	"sunlight/report"
)

func apiCall(t *testing.T, s *Server, token, method, path, body string) (int, map[string]any, string) {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, raw := do(t, s, req)
	var m map[string]any
	_ = json.Unmarshal(raw, &m)
	return resp.StatusCode, m, string(raw)
}

func TestStaffJSONAPI(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		s, _ := newWorkbench(t, db)
		r := file(t, s, villageB, "subsidy", "低保发放不公，请核查。", "张举报", "13912345678")
		clerk := signIn(t, s, "clerk.b", townB, domain.RoleStaff)
		adminP := signIn(t, s, "tech.admin", "2101-gov", domain.RoleAdmin)
		base := fmt.Sprintf("/api/v1/staff/reports/%d", r.ID)

		// No token, a wrong one, or a session cookie: 401.
		if st, m, _ := apiCall(t, s, "", http.MethodGet, base, ""); st != http.StatusUnauthorized || m["error"] == nil {
			t.Errorf("no token: %d %v", st, m)
		}
		if st, _, _ := apiCall(t, s, "slt_notarealtoken", http.MethodGet, base, ""); st != http.StatusUnauthorized {
			t.Errorf("bad token: %d", st)
		}
		req := httptest.NewRequest(http.MethodGet, base, nil)
		req.AddCookie(&http.Cookie{Name: "sl_staff", Value: clerk.browser.sessionCookie()})
		if resp, _ := do(t, s, req); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("session cookie on the API: %d", resp.StatusCode)
		}
		// The admin reads no report content.
		if st, _, _ := apiCall(t, s, adminP.token, http.MethodGet, "/api/v1/staff/reports", ""); st != http.StatusForbidden {
			t.Errorf("admin list: %d", st)
		}

		st, m, raw := apiCall(t, s, clerk.token, http.MethodGet, "/api/v1/staff/reports?status=dispatched", "")
		if st != http.StatusOK || m["total"] != 1.0 || !strings.Contains(raw, r.TrackingNo) {
			t.Fatalf("list: %d %s", st, raw)
		}
		st, m, raw = apiCall(t, s, clerk.token, http.MethodGet, base, "")
		if st != http.StatusOK {
			t.Fatalf("detail: %d", st)
		}
		for _, k := range []string{"id", "tracking_no", "status", "subject", "problem_type", "department_code", "deadlines", "events", "actions"} {
			if _, ok := m[k]; !ok {
				t.Errorf("detail lacks %q: %s", k, raw)
			}
		}
		for _, leak := range []string{"13912345678", "张举报"} {
			if strings.Contains(raw, leak) {
				t.Errorf("detail carries %q", leak)
			}
		}
		if st, m, raw = apiCall(t, s, clerk.token, http.MethodPost, base+"/accept", ""); st != http.StatusOK || m["status"] != "accepted" {
			t.Fatalf("accept: %d %s", st, raw)
		}
		// An illegal step is 409; a bad input 400 with the field.
		if st, _, _ := apiCall(t, s, clerk.token, http.MethodPost, base+"/accept", ""); st != http.StatusConflict {
			t.Errorf("accepting twice: %d", st)
		}
		if st, m, _ := apiCall(t, s, clerk.token, http.MethodPost, base+"/answer", `{"text":"短"}`); st != http.StatusBadRequest || m["error"].(map[string]any)["fields"] == nil {
			t.Errorf("short answer: %d %v", st, m)
		}
		// Extra fields change nothing (no mass assignment).
		st, m, raw = apiCall(t, s, clerk.token, http.MethodPost, base+"/answer",
			`{"text":"经核实，已重新公示低保名单。","status":"closed","department_code":"`+townA+`","assigned_dept_id":5,"dept_code":"`+townA+`"}`)
		if st != http.StatusOK || m["status"] != "answered" || m["department_code"] != townB {
			t.Errorf("answer with extra fields: %d %s", st, raw)
		}

		// The audited reveal: the handler gets the contact, the audit event
		// holds the reason and no contact data.
		st, m, raw = apiCall(t, s, clerk.token, http.MethodPost, base+"/reveal", `{"text":"电话核实具体户"}`)
		if st != http.StatusOK || m["name"] != "张举报" || m["phone"] != "13912345678" {
			t.Fatalf("reveal: %d %s", st, raw)
		}
		var ev report.Event
		if err := db.Where("report_id = ? AND type = ?", r.ID, report.EvContactRevealed).Take(&ev).Error; err != nil {
			t.Fatalf("no audit event for the reveal: %v", err)
		}
		if ev.Text != "电话核实具体户" || strings.Contains(ev.Text, "139") || ev.Actor == "" || ev.Hash == "" {
			t.Errorf("reveal event: %+v", ev)
		}
		if st, _, _ := apiCall(t, s, clerk.token, http.MethodPost, base+"/reveal", `{}`); st != http.StatusBadRequest {
			t.Errorf("reveal without a reason: %d", st)
		}

		// A revoked token stops working at once.
		a, _ := s.st.store.AccountByUsername(t.Context(), "clerk.b")
		if _, err := s.st.store.RevokeAllTokens(t.Context(), a.ID, "test"); err != nil {
			t.Fatal(err)
		}
		if st, _, _ := apiCall(t, s, clerk.token, http.MethodGet, base, ""); st != http.StatusUnauthorized {
			t.Errorf("revoked token: %d", st)
		}
	})
}
