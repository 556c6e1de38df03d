package portal

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"gorm.io/gorm"

	"sunlight/domain"
	"sunlight/internal/testdb"
	"sunlight/report"
	"sunlight/staff"
)

var cheapArgon = staff.Params{Memory: 64, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}

const testPassword = "correct horse battery"

// newStaffServer is a test portal with the staff tables and cheap hashing.
func newStaffServer(t testing.TB, db *gorm.DB, cfg ...func(*Config)) *Server {
	t.Helper()
	s := newTestServer(t, db)
	if len(cfg) > 0 {
		c := s.cfg
		for _, f := range cfg {
			f(&c)
		}
		s = newServer(t, c)
	}
	testdb.Setup(t, db, staff.Migrate, report.Migrate)
	return s
}

func addStaff(t testing.TB, s *Server, user, dept string, role domain.Role) *staff.Account {
	t.Helper()
	a, err := s.st.store.AddAccount(context.Background(), staff.NewAccount{Username: user, DeptCode: dept, Role: role, Password: testPassword}, "test")
	if err != nil {
		t.Fatalf("add %s: %v", user, err)
	}
	return a
}

// loggedIn adds a staff account and returns a browser signed in as it.
func loggedIn(t testing.TB, s *Server, user, dept string, role domain.Role) *browser {
	t.Helper()
	addStaff(t, s, user, dept, role)
	b := newBrowser(t, s)
	b.login(user)
	return b
}

// accountID is the ID of user's account.
func accountID(t testing.TB, s *Server, user string) uint64 {
	t.Helper()
	a, err := s.st.store.AccountByUsername(context.Background(), user)
	if err != nil {
		t.Fatal(err)
	}
	return a.ID
}

// browser keeps cookies across requests, like a real one.
type browser struct {
	t       testing.TB
	s       *Server
	jar     map[string]string
	https   bool
	headers map[string]string
}

func newBrowser(t testing.TB, s *Server) *browser {
	return &browser{t: t, s: s, jar: map[string]string{}, headers: map[string]string{}}
}

func (b *browser) do(method, path string, form url.Values) (*http.Response, []byte) {
	b.t.Helper()
	var req *http.Request
	if form != nil {
		req = httptest.NewRequest(method, path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	} else {
		req = httptest.NewRequest(method, path, nil)
	}
	req.Header.Set("Accept", "text/html")
	if b.https {
		req.Header.Set("X-Forwarded-Proto", "https")
	}
	for k, v := range b.headers {
		req.Header.Set(k, v)
	}
	for k, v := range b.jar {
		req.AddCookie(&http.Cookie{Name: k, Value: v})
	}
	resp, body := do(b.t, b.s, req)
	for _, c := range resp.Cookies() {
		if c.MaxAge < 0 || c.Value == "" {
			delete(b.jar, c.Name)
		} else {
			b.jar[c.Name] = c.Value
		}
	}
	return resp, body
}

func (b *browser) get(path string, want int) *goquery.Document {
	b.t.Helper()
	resp, body := b.do(http.MethodGet, path, nil)
	if resp.StatusCode != want {
		b.t.Fatalf("GET %s: %d, want %d; %.300s", path, resp.StatusCode, want, body)
	}
	return parseDoc(b.t, body)
}

func parseDoc(t testing.TB, body []byte) *goquery.Document {
	t.Helper()
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(string(body)))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// submit posts a form found on the page at from (by CSS selector), with
// the page's own hidden fields (the CSRF token) plus values.
func (b *browser) submit(from, sel string, values url.Values) (*http.Response, []byte) {
	b.t.Helper()
	doc := b.get(from, http.StatusOK)
	f := doc.Find(sel).First()
	if f.Length() == 0 {
		b.t.Fatalf("no form %q on %s", sel, from)
	}
	form := url.Values{}
	f.Find("input[type=hidden]").Each(func(_ int, in *goquery.Selection) {
		form.Set(in.AttrOr("name", ""), in.AttrOr("value", ""))
	})
	for k, v := range values {
		form[k] = v
	}
	return b.do(http.MethodPost, f.AttrOr("action", from), form)
}

// login signs the browser in through the login form.
func (b *browser) login(user string) {
	b.t.Helper()
	resp, body := b.submit("/staff/login", "#login-form", url.Values{"username": {user}, "password": {testPassword}})
	if resp.StatusCode != http.StatusSeeOther {
		b.t.Fatalf("login %s: %d %.300s", user, resp.StatusCode, body)
	}
}

func (b *browser) sessionCookie() string {
	if b.https {
		return b.jar["__Host-sl_staff"]
	}
	return b.jar["sl_staff"]
}
