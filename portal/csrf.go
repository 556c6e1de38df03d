package portal

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"

	"github.com/gofiber/fiber/v2"
)

// CSRF protection for the staff forms. A form carries a token derived
// (HMAC with the portal's secret key) from the session secret, or, on the
// login form, from a random cookie set with the form; a POST is refused
// unless the token matches, and also when the browser says it comes from
// another site (Sec-Fetch-Site: cross-site / same-site) or its Origin is not
// ours. No Referer is needed, so Referrer-Policy cannot break it.

const csrfField = "_csrf"

var errCSRF = &httpError{Status: fiber.StatusForbidden, Code: "csrf", Message: "表单已过期或来源不明，请刷新页面后重试"}

func (s *Server) csrfToken(purpose, secret string) string {
	mac := hmac.New(sha256.New, s.cfg.SecretKey)
	mac.Write([]byte("sunlight csrf\x00" + purpose + "\x00" + secret))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// sessionCSRF is the token forms of a signed-in page carry.
func (s *Server) sessionCSRF(c *fiber.Ctx) string {
	secret, _ := c.Locals(sessionKey).(string)
	return s.csrfToken("session", secret)
}

func safeMethod(m string) bool {
	return m == fiber.MethodGet || m == fiber.MethodHead || m == fiber.MethodOptions
}

// sameOrigin refuses requests a browser marks as coming from elsewhere.
func (s *Server) sameOrigin(c *fiber.Ctx) bool {
	switch c.Get("Sec-Fetch-Site") {
	case "", "same-origin", "none":
	default:
		return false
	}
	o := c.Get(fiber.HeaderOrigin)
	return o == "" || o == s.cfg.BaseURL || o == c.BaseURL()
}

func (s *Server) checkCSRF(c *fiber.Ctx, purpose, secret string) error {
	if !s.sameOrigin(c) || secret == "" {
		return errCSRF
	}
	got := c.FormValue(csrfField)
	if got == "" {
		got = c.Get("X-CSRF-Token")
	}
	if !hmac.Equal([]byte(got), []byte(s.csrfToken(purpose, secret))) {
		return errCSRF
	}
	return nil
}

// csrfProtect guards every state-changing request of a signed-in browser.
func (s *Server) csrfProtect(c *fiber.Ctx) error {
	if safeMethod(c.Method()) {
		return c.Next()
	}
	secret, _ := c.Locals(sessionKey).(string)
	if err := s.checkCSRF(c, "session", secret); err != nil {
		return err
	}
	return c.Next()
}

// loginCSRF guards the login form (login CSRF would sign a victim in as
// the attacker).
func (s *Server) loginCSRF(c *fiber.Ctx) error {
	if safeMethod(c.Method()) {
		return c.Next()
	}
	if err := s.checkCSRF(c, "login", c.Cookies(s.cookieName(c, loginCookie))); err != nil {
		return err
	}
	return c.Next()
}
