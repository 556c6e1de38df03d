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
)

// TestDashboardAndScoreboard drives reports through the workbench forms
// with a moving clock and reads the figures back from the supervisor's
// dashboard, its CSV export and the public scoreboard.
func TestDashboardAndScoreboard(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		s, clk := newWorkbench(t, db)
		handler := signIn(t, s, "clerk.b", townB, domain.RoleStaff)
		sup := signIn(t, s, "sup.county", countyJW, domain.RoleSupervisor)
		outsider := signIn(t, s, "sup.lz", otherJW, domain.RoleSupervisor)

		r1 := file(t, s, villageB, "subsidy", "=HYPERLINK(\"http://x\") 低保名单有问题", "张举报", "13912345678")
		r2 := file(t, s, villageB, "affairs", "村务公开栏三个月没有更新。", "", "")
		r3 := file(t, s, villageB, "assets", "集体鱼塘承包费去向不明。", "", "")
		// r1: accepted after 1 hour, answered after 2 hours.
		clk.Add(time.Hour)
		handler.browser.submit(r1.href(), "#accept-form", nil)
		clk.Add(time.Hour)
		resp, _ := handler.browser.submit(r1.href(), "#answer-form", url.Values{"text": {"经核实，名单已重新公示，感谢监督。"}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("answer: %d", resp.StatusCode)
		}
		// r2: accepted after 2 hours; r3 never: ten days later it is overdue.
		handler.browser.submit(r2.href(), "#accept-form", nil)
		clk.Add(10 * 24 * time.Hour)
		_ = r3
		// Sessions have long expired: sign in again.
		for _, p := range []principalUnderTest{handler, sup, outsider} {
			p.browser.login(strings.Fields(p.name)[0])
		}

		doc := sup.browser.get("/staff/dashboard", http.StatusOK)
		row := doc.Find(`.figtable tr[data-code="` + townB + `"]`).First()
		if row.Length() == 0 {
			t.Fatalf("no row for %s: %s", townB, doc.Find(".figtable").Text())
		}
		cellText := func(sel string) string { return strings.TrimSpace(row.Find(sel).Text()) }
		if got := cellText(".received"); got != "3" {
			t.Errorf("received = %q", got)
		}
		if got := cellText(".ack"); got != "2/3 66.7%" {
			t.Errorf("acknowledged on time = %q", got)
		}
		if got := cellText(".overdue"); got != "1" {
			t.Errorf("overdue now = %q", got)
		}
		sup.browser.get("/staff/dashboard?sort=name%3Bdrop+table", http.StatusBadRequest)
		if got := sup.browser.get("/staff/dashboard?sort=overdue", http.StatusOK).Find(".figtable").First().Find("tbody tr").First().AttrOr("data-code", ""); got != townB {
			t.Errorf("league table by overdue starts with %q", got)
		}
		if doc.Find(".chart svg rect").Length() == 0 {
			t.Error("no chart drawn")
		}
		// The export: one row per report, timestamps, no personal data.
		resp, body := sup.browser.do(http.MethodGet, "/staff/dashboard.csv", nil)
		csvText := string(body)
		if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") ||
			!strings.Contains(resp.Header.Get("Content-Disposition"), "attachment") {
			t.Fatalf("csv: %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		if n := strings.Count(csvText, "\n"); n != 4 {
			t.Errorf("csv has %d lines, want header + 3", n)
		}
		for _, leak := range []string{"张举报", "13912345678", "HYPERLINK", "低保名单"} {
			if strings.Contains(csvText, leak) {
				t.Errorf("csv contains %q", leak)
			}
		}
		// Another county's supervisor counts none of it; staff have no dashboard.
		odoc := outsider.browser.get("/staff/dashboard", http.StatusOK)
		if odoc.Find(`.figtable tr[data-code="`+townB+`"]`).Length() != 0 {
			t.Error("an outside supervisor sees department B's figures")
		}
		resp, body = outsider.browser.do(http.MethodGet, "/staff/dashboard.csv", nil)
		if resp.StatusCode != http.StatusOK || strings.Contains(string(body), r1.TrackingNo) {
			t.Error("an outside supervisor's export lists department B's report")
		}
		handler.browser.get("/staff/dashboard", http.StatusForbidden)
		if resp, _ := handler.browser.do(http.MethodGet, "/staff/dashboard.csv", nil); resp.StatusCode != http.StatusForbidden {
			t.Errorf("staff export: %d", resp.StatusCode)
		}

		// The public scoreboard: 3 reports shown, the 1 overdue as "<3".
		pub := getPage(t, s, "/stats", http.StatusOK)
		prow := pub.Find(`#scoreboard tr[data-code="` + townB + `"]`)
		if got := strings.TrimSpace(prow.Find(".received").Text()); got != "3" {
			t.Errorf("public received = %q", got)
		}
		if got := strings.TrimSpace(prow.Find(".overdue").Text()); got != "<3" {
			t.Errorf("public overdue = %q, want <3", got)
		}
		if !strings.Contains(text(pub, "#chain-head"), "#") {
			t.Errorf("no chain head: %q", text(pub, "#chain-head"))
		}
		for _, leak := range []string{"张举报", "13912345678", r1.TrackingNo, "低保名单"} {
			if strings.Contains(pub.Text(), leak) {
				t.Errorf("/stats contains %q", leak)
			}
		}
		var api struct {
			Departments []struct {
				Code       string `json:"code"`
				Received   any    `json:"received"`
				OverdueNow any    `json:"overdue_now"`
			} `json:"departments"`
			Chain struct {
				Seq  int64  `json:"seq"`
				Hash string `json:"hash"`
			} `json:"audit_chain_head"`
		}
		getJSONAs(t, s, "/api/v1/stats", http.StatusOK, &api)
		if len(api.Departments) != 1 || api.Departments[0].Received != 3.0 || api.Departments[0].OverdueNow != "<3" || api.Chain.Seq == 0 || len(api.Chain.Hash) != 64 {
			t.Errorf("/api/v1/stats = %+v", api)
		}
	})
}
