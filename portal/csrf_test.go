package portal

import (
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"sunlight/domain"
	"sunlight/internal/testdb"
	"sunlight/staff"
)

func TestStaffCSRF(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		s := newStaffServer(t, db)
		addStaff(t, s, "wang", "210124-mz", domain.RoleStaff)
		b := newBrowser(t, s)
		b.https = true

		// The login form itself needs its token.
		resp, _ := b.do(http.MethodPost, "/staff/login", url.Values{"username": {"wang"}, "password": {testPassword}})
		if resp.StatusCode != http.StatusForbidden || b.sessionCookie() != "" {
			t.Fatalf("login without token: %d", resp.StatusCode)
		}
		b.login("wang")
		token := b.get("/staff/account", http.StatusOK).Find(`form[action="/staff/account/tokens"] input[name=_csrf]`).AttrOr("value", "")
		if token == "" {
			t.Fatal("no CSRF token on the form")
		}
		for _, c := range []struct {
			name    string
			form    url.Values
			headers map[string]string
		}{
			{"no token", url.Values{"name": {"x"}}, nil},
			{"wrong token", url.Values{"name": {"x"}, "_csrf": {token + "x"}}, nil},
			{"cross-site fetch", url.Values{"name": {"x"}, "_csrf": {token}}, map[string]string{"Sec-Fetch-Site": "cross-site"}},
			{"sibling site", url.Values{"name": {"x"}, "_csrf": {token}}, map[string]string{"Sec-Fetch-Site": "same-site"}},
			{"foreign origin", url.Values{"name": {"x"}, "_csrf": {token}}, map[string]string{"Origin": "https://evil.example"}},
		} {
			b.headers = c.headers
			resp, body := b.do(http.MethodPost, "/staff/account/tokens", c.form)
			if resp.StatusCode != http.StatusForbidden {
				t.Errorf("%s: %d, want 403", c.name, resp.StatusCode)
			}
			if strings.Contains(string(body), staff.TokenPrefix) {
				t.Errorf("%s: a token was issued", c.name)
			}
		}
		b.headers = map[string]string{"Sec-Fetch-Site": "same-origin", "Origin": "https://example.com"}
		resp, body := b.do(http.MethodPost, "/staff/account/tokens", url.Values{"name": {"x"}, "_csrf": {token}})
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), staff.TokenPrefix) {
			t.Errorf("same-origin post with the token: %d", resp.StatusCode)
		}
		// Nothing was issued by the refused posts.
		ts, _ := s.st.store.Tokens(t.Context(), accountID(t, s, "wang"))
		if len(ts) != 1 {
			t.Errorf("%d tokens issued, want 1", len(ts))
		}
	})
}

// TestStaffCSRFOverTLS is security note 21: over real HTTPS, with the portal's
// Referrer-Policy, a same-origin form post with the token succeeds, and one
// without it is refused.
func TestStaffCSRFOverTLS(t *testing.T) {
	db := testdb.SQLite(t)
	s := newStaffServer(t, db)
	addStaff(t, s, "zhou", "210124-mz", domain.RoleStaff)

	certSrv := httptest.NewUnstartedServer(nil)
	certSrv.StartTLS()
	cert := certSrv.TLS.Certificates[0]
	clientTLS := certSrv.Client().Transport.(*http.Transport).TLSClientConfig.Clone()
	certSrv.Close()

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	tln := tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})
	go func() { _ = s.app.Listener(tln) }()
	t.Cleanup(func() { _ = s.app.ShutdownWithTimeout(time.Second) })

	base := "https://" + ln.Addr().String()
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, Timeout: 10 * time.Second,
		Transport:     &http.Transport{TLSClientConfig: clientTLS},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	resp, err := client.Get(base + "/staff/login")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if rp := resp.Header.Get("Referrer-Policy"); rp != "same-origin" {
		t.Errorf("Referrer-Policy = %q", rp)
	}
	token := parseDoc(t, body).Find("#login-form input[name=_csrf]").AttrOr("value", "")
	post := func(form url.Values) *http.Response {
		req, _ := http.NewRequest(http.MethodPost, base+"/staff/login", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		// What a browser sends for a same-origin form under same-origin policy.
		req.Header.Set("Origin", base)
		req.Header.Set("Referer", base+"/staff/login")
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	if r := post(url.Values{"username": {"zhou"}, "password": {testPassword}}); r.StatusCode != http.StatusForbidden {
		t.Errorf("HTTPS post without token: %d, want 403", r.StatusCode)
	}
	r := post(url.Values{"username": {"zhou"}, "password": {testPassword}, "_csrf": {token}})
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("HTTPS post with token: %d, want 303", r.StatusCode)
	}
	ck := findCookie(r, "__Host-sl_staff")
	if ck == nil || !ck.Secure || !ck.HttpOnly {
		t.Fatalf("session cookie over TLS: %+v", ck)
	}
	resp, err = client.Get(base + "/staff/account")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("signed-in page over TLS: %d", resp.StatusCode)
	}
}
