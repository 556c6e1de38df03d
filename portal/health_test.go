package portal

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"sunlight/internal/testdb"
)

// TestReadiness: the database is required, an optional check only
// degrades, shutting down turns /readyz 503 at once, and failure causes
// (which may name internal hosts) stay out of the public answer.
func TestReadiness(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		s := newTestServer(t, db)
		ready := func() (int, string) {
			resp, body := get(t, s, "/readyz")
			return resp.StatusCode, string(body)
		}
		if code, body := ready(); code != http.StatusOK || !strings.Contains(body, `"status":"ok"`) {
			t.Fatalf("healthy: %d %s", code, body)
		}
		s.AddCheck(Check{Name: "engine", Probe: func(context.Context) error { return errors.New("dial tcp 10.1.2.3:7700: refused") }})
		code, body := ready()
		if code != http.StatusOK || !strings.Contains(body, `"status":"degraded"`) || strings.Contains(body, "10.1.2.3") {
			t.Fatalf("optional check down: %d %s", code, body)
		}
		s.AddCheck(Check{Name: "vault", Required: true, Probe: func(context.Context) error { return errors.New("boom") }})
		if code, body := ready(); code != http.StatusServiceUnavailable || !strings.Contains(body, `"status":"unavailable"`) {
			t.Fatalf("required check down: %d %s", code, body)
		}
		s.closing.Store(true)
		if code, body := ready(); code != http.StatusServiceUnavailable || !strings.Contains(body, "shutting down") {
			t.Fatalf("closing: %d %s", code, body)
		}
		if resp, _ := get(t, s, "/healthz"); resp.StatusCode != http.StatusOK {
			t.Fatalf("/healthz while closing = %d", resp.StatusCode)
		}
	})
}

// TestMetricsAndSecurityHeaders: /metrics speaks the Prometheus text
// format with request counts by route pattern, and every response carries
// the security headers.
func TestMetricsAndSecurityHeaders(t *testing.T) {
	s := newTestServer(t, testdb.SQLite(t))
	for _, p := range []string{"/", "/regions/210124", "/no-such-page"} {
		resp, _ := get(t, s, p)
		for h, want := range map[string]string{
			"Content-Security-Policy":   "object-src 'none'",
			"Strict-Transport-Security": "max-age=31536000",
			"X-Content-Type-Options":    "nosniff",
			"Referrer-Policy":           "same-origin",
			"Permissions-Policy":        "geolocation=()",
		} {
			if !strings.Contains(resp.Header.Get(h), want) {
				t.Errorf("%s: %s = %q, want it to contain %q", p, h, resp.Header.Get(h), want)
			}
		}
	}
	resp, body := get(t, s, "/metrics")
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
		t.Fatalf("/metrics: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	for _, want := range []string{
		`sunlight_http_requests_total{method="GET",route="/regions/:code",status="200"} 1`,
		`sunlight_http_request_duration_seconds_bucket{method="GET",route="/",le=`,
		"go_goroutines ",
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}

// A stop that comes at once — before the server has accepted anything —
// still ends Serve, repeatedly (it once hung: the shutdown found no
// listener yet and the accept loop started after it).
func TestServeStopsAtOnce(t *testing.T) {
	db := testdb.SQLite(t)
	for i := 0; i < 20; i++ {
		s := newTestServer(t, db)
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		done := make(chan error, 1)
		go func() { done <- s.Serve(ctx, ln, time.Second) }()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("serve %d: %v", i, err)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("serve %d did not stop", i)
		}
	}
}
