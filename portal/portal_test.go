package portal

import (
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"gorm.io/gorm"

	"sunlight/catalog"
	"sunlight/internal/testdb"
	"sunlight/report"
	"sunlight/staff"
)

// fixedNow is the clock of page tests.
var fixedNow = time.Date(2026, 11, 24, 9, 30, 0, 0, time.UTC)

// newTestServer returns a portal on db with the catalog migrated and the
// demo regions and departments loaded.
func newTestServer(t testing.TB, db *gorm.DB) *Server {
	t.Helper()
	testdb.Setup(t, db, catalog.Migrate, catalog.LoadDemoRegions)
	return newServer(t, testConfig(t, db))
}

// testConfig is the Config test portals start from: the fixed clock, a
// zero key and a fresh data directory.
func testConfig(t testing.TB, db *gorm.DB) Config {
	return Config{DB: db, Now: func() time.Time { return fixedNow }, BaseURL: "http://sunlight.test",
		SecretKey: make([]byte, 32), DataDir: t.TempDir()}
}

// newServer is New(cfg) with the report service and the staff store built
// from cfg's database, clock, keys and data directory (as cmd/portal
// builds them, but with cheap hashing). Every test portal is built here.
func newServer(t testing.TB, cfg Config) *Server {
	t.Helper()
	rs, err := report.New(cfg.DB, cfg.SecretKey, report.Options{Now: cfg.Now,
		UploadDir: filepath.Join(cfg.DataDir, "uploads"), OldSecrets: cfg.OldSecretKeys})
	if err != nil {
		t.Fatal(err)
	}
	cfg.Reports, cfg.Staff = rs, staff.NewStore(cfg.DB, staff.Options{Now: cfg.Now, Params: cheapArgon})
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// do sends req to the app and returns the response with its body read.
func do(t testing.TB, s *Server, req *http.Request) (*http.Response, []byte) {
	t.Helper()
	resp, err := s.App().Test(req, 30_000)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	return resp, body
}

// get sends a plain GET for path and returns the response with its body read.
func get(t testing.TB, s *Server, path string) (*http.Response, []byte) {
	t.Helper()
	return do(t, s, httptest.NewRequest(http.MethodGet, path, nil))
}

// getPage fetches an HTML page, checks its status, and parses it.
func getPage(t testing.TB, s *Server, path string, wantStatus int) *goquery.Document {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	req.Header.Set("Accept", "text/html")
	resp, body := do(t, s, req)
	if resp.StatusCode != wantStatus {
		t.Fatalf("GET %s: status %d, want %d; body: %.300s", path, resp.StatusCode, wantStatus, body)
	}
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(string(body)))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// text is the trimmed text of the first element matching sel.
func text(doc *goquery.Document, sel string) string {
	return strings.TrimSpace(doc.Find(sel).First().Text())
}

func TestHomePage(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		s := newTestServer(t, db)
		doc := getPage(t, s, "/", http.StatusOK)
		if got := doc.Find("html").AttrOr("lang", ""); got != "zh-CN" {
			t.Errorf("html lang = %q, want zh-CN", got)
		}
		if got := text(doc, "main h1"); got != "阳光监督" {
			t.Errorf("h1 = %q", got)
		}
		if doc.Find(`form[role=search][action="/search"] input[name=q]`).Length() != 1 {
			t.Error("home page has no search form")
		}
		links := doc.Find("#regions a")
		if links.Length() != 2 {
			t.Fatalf("region entry points = %d, want 2", links.Length())
		}
		if href, _ := links.First().Attr("href"); href != "/regions/210124" {
			t.Errorf("first region link = %q", href)
		}
		if !strings.Contains(text(doc, ".figures"), "483") {
			t.Errorf("figures do not count the 483 demo villages: %q", text(doc, ".figures"))
		}
	})
}
