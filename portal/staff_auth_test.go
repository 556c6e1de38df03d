package portal

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"
	"gorm.io/gorm"

	"sunlight/domain"
	"sunlight/internal/testdb"
	"sunlight/staff"
)

func findCookie(resp *http.Response, name string) *http.Cookie {
	for _, c := range resp.Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

func TestStaffLoginCookiesAndSessions(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		s := newStaffServer(t, db)
		a := addStaff(t, s, "zhang", "210124-mz", domain.RoleStaff)

		// Signed out, the workbench sends the browser to the login page.
		b := newBrowser(t, s)
		b.https = true
		resp, _ := b.do(http.MethodGet, "/staff", nil)
		if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/staff/login") {
			t.Fatalf("signed out /staff: %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		// An attacker-chosen session id is not adopted.
		b.jar["__Host-sl_staff"] = "fixatedsessionid"
		resp, body := b.submit("/staff/login", "#login-form", url.Values{"username": {"zhang"}, "password": {testPassword}})
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/staff" {
			t.Fatalf("login: %d %s %.200s", resp.StatusCode, resp.Header.Get("Location"), body)
		}
		ck := findCookie(resp, "__Host-sl_staff")
		if ck == nil {
			t.Fatalf("no __Host-sl_staff cookie over TLS: %v", resp.Header.Values("Set-Cookie"))
		}
		if !ck.Secure || !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Path != "/" || ck.Domain != "" {
			t.Errorf("session cookie attributes: %+v", ck)
		}
		if ck.Value == "fixatedsessionid" || len(ck.Value) < 32 {
			t.Errorf("session id %q was not freshly generated", ck.Value)
		}
		doc := b.get("/staff", http.StatusOK)
		if got := text(doc, ".staff-nav .who"); !strings.Contains(got, "zhang") {
			t.Errorf("signed-in nav = %q", got)
		}
		if cc := doc.Find("html").Length(); cc != 1 {
			t.Fatal("no page")
		}

		// Logout ends the session server-side: replaying the cookie fails.
		old := b.sessionCookie()
		resp, _ = b.submit("/staff/account", `form[action="/staff/logout"]`, nil)
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("logout: %d", resp.StatusCode)
		}
		replay := newBrowser(t, s)
		replay.https = true
		replay.jar["__Host-sl_staff"] = old
		if resp, _ := replay.do(http.MethodGet, "/staff", nil); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("replayed cookie after logout: %d, want a redirect to login", resp.StatusCode)
		}

		// Disabling the account ends its sessions.
		b.login("zhang")
		old = b.sessionCookie()
		if err := s.st.store.SetDisabled(context.Background(), a.ID, true, "test"); err != nil {
			t.Fatal(err)
		}
		replay.jar["__Host-sl_staff"] = old
		if resp, _ := replay.do(http.MethodGet, "/staff/account", nil); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("cookie of a disabled account: %d, want a redirect to login", resp.StatusCode)
		}

		// Plain HTTP (development) cannot use the __Host- prefix: the
		// cookie is still HttpOnly and SameSite.
		addStaff(t, s, "plain", "210124-mz", domain.RoleStaff)
		h := newBrowser(t, s)
		resp, _ = h.submit("/staff/login", "#login-form", url.Values{"username": {"plain"}, "password": {testPassword}})
		ck = findCookie(resp, "sl_staff")
		if ck == nil || !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Secure {
			t.Errorf("plain HTTP session cookie: %+v", ck)
		}
	})
}

func TestStaffLoginThrottleAndUniformFailure(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		s := newStaffServer(t, db)
		addStaff(t, s, "li", "210124-mz", domain.RoleStaff)
		b := newBrowser(t, s)
		try := func(user, pw string) (*http.Response, string) {
			resp, body := b.submit("/staff/login", "#login-form", url.Values{"username": {user}, "password": {pw}})
			doc := parseDoc(t, body)
			return resp, doc.Find("main").Text()
		}
		r1, wrong := try("li", "wrong password")
		r2, unknown := try("nobody", "wrong password")
		if r1.StatusCode != http.StatusUnauthorized || r2.StatusCode != r1.StatusCode || wrong != unknown {
			t.Errorf("wrong password (%d) and unknown user (%d) answer differently:\n%q\n%q", r1.StatusCode, r2.StatusCode, wrong, unknown)
		}
		if !strings.Contains(wrong, "用户名或密码错误") {
			t.Errorf("failure message: %q", wrong)
		}
		for i := 0; i < staff.DefaultLimits.FailPerAccount-1; i++ {
			try("li", "wrong password")
		}
		// The account is now throttled, even for the right password and
		// even when the client claims another address.
		b.headers["X-Forwarded-For"] = "198.51.100.99"
		resp, msg := try("li", testPassword)
		if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
			t.Fatalf("after %d failures: %d (Retry-After %q)", staff.DefaultLimits.FailPerAccount, resp.StatusCode, resp.Header.Get("Retry-After"))
		}
		if !strings.Contains(msg, "登录失败次数过多") {
			t.Errorf("throttle message: %q", msg)
		}
		// Per address: spraying user names from one address is stopped, and
		// a forged X-Forwarded-For does not help without a trusted proxy.
		for i := 0; i < staff.DefaultLimits.FailPerAddress; i++ {
			b.headers["X-Forwarded-For"] = "203.0.113." + string(rune('0'+i%10))
			try("spray"+string(rune('a'+i)), "wrong password")
		}
		if resp, _ := try("fresh-user", "wrong password"); resp.StatusCode != http.StatusTooManyRequests {
			t.Errorf("address throttle: %d, want 429", resp.StatusCode)
		}
	})
}

func TestClientAddrTrustsOnlyConfiguredProxies(t *testing.T) {
	db := testdb.SQLite(t)
	// app.Test connects from 0.0.0.0; declare it a trusted proxy.
	s := newStaffServer(t, db, func(c *Config) { c.TrustedProxies = []string{"0.0.0.0/32", "10.0.0.0/8"} })
	var got string
	s.app.Get("/test/addr", func(c *fiber.Ctx) error { got = s.clientAddr(c); return nil })
	for _, c := range []struct{ xff, want string }{
		{"", "0.0.0.0"},
		{"192.0.2.7", "192.0.2.7"},
		{"6.6.6.6, 192.0.2.7", "192.0.2.7"},  // the client prepended a fake one
		{"192.0.2.7, 10.1.2.3", "192.0.2.7"}, // through a second trusted proxy
		{"2001:db8::1", "2001:db8::/64"},     // IPv6 counted per /64
		{"garbage", "0.0.0.0"},
	} {
		req, _ := http.NewRequest(http.MethodGet, "/test/addr", nil)
		if c.xff != "" {
			req.Header.Set("X-Forwarded-For", c.xff)
		}
		do(t, s, req)
		if got != c.want {
			t.Errorf("X-Forwarded-For %q: client %q, want %q", c.xff, got, c.want)
		}
	}
}
