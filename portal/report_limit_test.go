package portal

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"gorm.io/gorm"

	"sunlight/internal/testdb"
	"sunlight/report"
)

// TestSubmissionAndLookupLimitsIgnoreForgedForwarding: the per-client caps
// on new reports and receipt lookups key on the peer address; a client
// behind a trusted proxy cannot reset them by prepending invented
// addresses to X-Forwarded-For (the proxy appends the real one last).
func TestSubmissionAndLookupLimitsIgnoreForgedForwarding(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		newReportServer(t, db, nil) // migrations and routing defaults
		cfg := testConfig(t, db)
		cfg.ReportsPerMinute = 2
		cfg.TrustedProxies = []string{"0.0.0.0"} // app.Test's peer plays the proxy
		s := newServer(t, cfg)
		post := func(path, body, xff string) int {
			req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("X-Forwarded-For", xff)
			resp, _ := do(t, s, req)
			return resp.StatusCode
		}
		body := `{"subject":"` + testVillage + `","problem_type":"subsidy","description":"低保名单里有已去世的人，请核查。","anonymous":true}`
		var codes []int
		for i := 0; i < 3; i++ {
			codes = append(codes, post("/api/v1/reports", body, "10.0.0."+string(rune('1'+i))+", 198.51.100.7"))
		}
		if codes[0] != http.StatusCreated || codes[1] != http.StatusCreated || codes[2] != http.StatusTooManyRequests {
			t.Fatalf("statuses %v, want 201 201 429", codes)
		}
		if n := testdb.Count(t, db, &report.Report{}); n != 2 {
			t.Fatalf("%d reports stored, want 2", n)
		}
		limited := 0
		for i := 0; i < 25; i++ {
			if post("/api/v1/reports/lookup", `{"receipt":"1234 5678 9012 3456 7890 1234 5678"}`, "10.9.8."+string(rune('0'+i%10))+", 198.51.100.8") == http.StatusTooManyRequests {
				limited++
			}
		}
		if limited != 5 {
			t.Fatalf("%d of 25 lookups were limited, want 5 (20 a minute per client)", limited)
		}
	})
}
