package portal

import (
	"errors"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"sunlight/domain"
	"sunlight/report"
	"sunlight/staff"
)

// staffDeps is what the staff side of the portal needs; reports is the
// process's one report service, which the reporter-facing handlers use too.
type staffDeps struct {
	store   *staff.Store
	reports *report.Service
	proxies []netip.Prefix // SUNLIGHT_TRUSTED_PROXIES, parsed
}

func newStaffDeps(cfg Config) *staffDeps {
	d := &staffDeps{store: cfg.Staff, reports: cfg.Reports}
	for _, p := range cfg.TrustedProxies {
		if pfx, err := netip.ParsePrefix(p); err == nil {
			d.proxies = append(d.proxies, pfx.Masked())
		} else if a, err := netip.ParseAddr(p); err == nil {
			d.proxies = append(d.proxies, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
		}
	}
	return d
}

const (
	sessionCookie = "sl_staff" // "__Host-" is prepended over TLS
	loginCookie   = "sl_login" // the login form's CSRF secret
	principalKey  = "staff.principal"
	sessionKey    = "staff.session"
)

// secure reports whether the request reached us over TLS (directly, or
// through a trusted proxy that says so) or the portal's public URL is https.
func (s *Server) secure(c *fiber.Ctx) bool {
	return c.Protocol() == "https" || strings.HasPrefix(s.cfg.BaseURL, "https://")
}

// cookieName gives the __Host- prefixed name over TLS: the browser then
// insists on Secure, Path=/ and no Domain, so no sibling host can plant it.
func (s *Server) cookieName(c *fiber.Ctx, base string) string {
	if s.secure(c) {
		return "__Host-" + base
	}
	return base
}

func (s *Server) setCookie(c *fiber.Ctx, base, value string, maxAge time.Duration) {
	ck := &fiber.Cookie{Name: s.cookieName(c, base), Value: value, Path: "/", HTTPOnly: true,
		Secure: s.secure(c), SameSite: fiber.CookieSameSiteLaxMode}
	if maxAge > 0 {
		ck.MaxAge = int(maxAge / time.Second)
	} else if maxAge < 0 {
		ck.MaxAge = -1
		ck.Expires = time.Unix(0, 0)
	}
	c.Cookie(ck)
}

// clientAddr is the address the throttle counts: the peer, or, when the
// peer is a trusted proxy, the nearest untrusted address in
// X-Forwarded-For (read from the right, so a client cannot prepend a fake
// one). IPv6 clients are counted per /64.
func (s *Server) clientAddr(c *fiber.Ctx) string {
	peer, ok := netip.AddrFromSlice(c.Context().RemoteIP())
	if !ok {
		return "unknown"
	}
	addr := peer.Unmap()
	if s.st.trusted(addr) {
		parts := strings.Split(c.Get(fiber.HeaderXForwardedFor), ",")
		for i := len(parts) - 1; i >= 0; i-- {
			a, err := netip.ParseAddr(strings.TrimSpace(parts[i]))
			if err != nil {
				break
			}
			addr = a.Unmap()
			if !s.st.trusted(addr) {
				break
			}
		}
	}
	if addr.Is6() {
		p, _ := addr.Prefix(64)
		return p.String()
	}
	return addr.String()
}

func (d *staffDeps) trusted(a netip.Addr) bool {
	for _, p := range d.proxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// me is the signed-in principal; guards make sure there is one.
func me(c *fiber.Ctx) *staff.Principal {
	p, _ := c.Locals(principalKey).(*staff.Principal)
	return p
}

// staffSession signs the request in from its session cookie, or sends the
// browser to the login page. Staff pages are never cached.
func (s *Server) staffSession(c *fiber.Ctx) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	secret := c.Cookies(s.cookieName(c, sessionCookie))
	p, err := s.st.store.SessionPrincipal(c.UserContext(), secret)
	if errors.Is(err, staff.ErrUnauthenticated) {
		if secret != "" {
			s.setCookie(c, sessionCookie, "", -1)
		}
		if c.Method() == fiber.MethodGet {
			return c.Redirect("/staff/login?next="+url.QueryEscape(c.OriginalURL()), fiber.StatusSeeOther)
		}
		return errorf(fiber.StatusUnauthorized, "unauthorized", "登录已失效，请重新登录")
	}
	if err != nil {
		return err
	}
	c.Locals(principalKey, p)
	c.Locals(sessionKey, secret)
	return c.Next()
}

// staffBearer signs an API request in from its Authorization: Bearer
// token. Cookies are not accepted on the API, so it needs no CSRF token.
func (s *Server) staffBearer(c *fiber.Ctx) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	h := c.Get(fiber.HeaderAuthorization)
	tok, ok := strings.CutPrefix(h, "Bearer ")
	if !ok {
		c.Set(fiber.HeaderWWWAuthenticate, `Bearer realm="sunlight"`)
		return errorf(fiber.StatusUnauthorized, "unauthorized", "需要 Authorization: Bearer 令牌")
	}
	p, err := s.st.store.TokenPrincipal(c.UserContext(), strings.TrimSpace(tok))
	if errors.Is(err, staff.ErrUnauthenticated) {
		c.Set(fiber.HeaderWWWAuthenticate, `Bearer realm="sunlight", error="invalid_token"`)
		return errorf(fiber.StatusUnauthorized, "unauthorized", "令牌无效或已被吊销")
	}
	if err != nil {
		return err
	}
	c.Locals(principalKey, p)
	return c.Next()
}

// allow is the role guard routes attach: only the listed roles pass.
func (s *Server) allow(roles ...domain.Role) fiber.Handler {
	return func(c *fiber.Ctx) error {
		p := me(c)
		if p == nil || !p.Is(roles...) {
			return errorf(fiber.StatusForbidden, "forbidden", "您没有权限查看此内容")
		}
		return c.Next()
	}
}

// throttled turns a login refusal into 429 with Retry-After.
func throttled(c *fiber.Ctx, te *staff.ThrottledError) error {
	c.Set(fiber.HeaderRetryAfter, strconv.Itoa(int(te.RetryAfter.Seconds()+0.999)))
	return errorf(fiber.StatusTooManyRequests, "rate_limited", "登录失败次数过多，请 %d 分钟后再试", int(te.RetryAfter.Minutes())+1)
}
