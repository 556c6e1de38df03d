package portal

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"strings"

	"github.com/gofiber/fiber/v2"

	"sunlight/staff"
)

// staffPage is what every signed-in staff page carries.
type staffPage struct {
	Page
	Me   *staff.Principal
	CSRF string
	// Section names the current workbench menu entry.
	Section string
}

func (s *Server) staffPage(c *fiber.Ctx, title, section string) staffPage {
	p := staffPage{Page: s.page(c, title), Me: me(c), CSRF: s.sessionCSRF(c), Section: section}
	p.Nav = "staff"
	return p
}

type staffLoginPage struct {
	Page
	CSRF  string
	Next  string
	Error string
}

func randomToken() string {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// safeNext keeps the after-login redirect on the workbench.
func safeNext(next string) string {
	if strings.HasPrefix(next, "/staff") && !strings.HasPrefix(next, "/staff/login") &&
		!strings.ContainsAny(next, "\\\r\n") && !strings.HasPrefix(next, "//") {
		return next
	}
	return "/staff"
}

func (s *Server) handleStaffLoginForm(c *fiber.Ctx) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	if secret := c.Cookies(s.cookieName(c, sessionCookie)); secret != "" {
		if _, err := s.st.store.SessionPrincipal(c.UserContext(), secret); err == nil {
			return c.Redirect(safeNext(c.Query("next")), fiber.StatusSeeOther)
		}
	}
	return s.renderLogin(c, fiber.StatusOK, "")
}

// renderLogin shows the login form with a fresh login CSRF cookie when
// there is none yet.
func (s *Server) renderLogin(c *fiber.Ctx, status int, msg string) error {
	secret := c.Cookies(s.cookieName(c, loginCookie))
	if secret == "" || len(secret) > 64 {
		secret = randomToken()
		s.setCookie(c, loginCookie, secret, 0)
	}
	p := staffLoginPage{Page: s.page(c, "工作人员登录"), CSRF: s.csrfToken("login", secret),
		Next: safeNext(c.Query("next", c.FormValue("next"))), Error: msg}
	p.Nav = "staff"
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Status(status)
	return s.render(c, "staff_login", &p)
}

func (s *Server) handleStaffLogin(c *fiber.Ctx) error {
	old := c.Cookies(s.cookieName(c, sessionCookie))
	secret, _, err := s.st.store.Login(c.UserContext(), c.FormValue("username"), c.FormValue("password"), s.clientAddr(c), old)
	var te *staff.ThrottledError
	switch {
	case errors.As(err, &te):
		he := throttled(c, te).(*httpError)
		return s.renderLogin(c, he.Status, he.Message)
	case errors.Is(err, staff.ErrBadCredentials):
		return s.renderLogin(c, fiber.StatusUnauthorized, staff.ErrBadCredentials.Error())
	case err != nil:
		return err
	}
	// A browser-session cookie; the server ends it after its lifetime anyway.
	s.setCookie(c, sessionCookie, secret, 0)
	s.setCookie(c, loginCookie, "", -1)
	return c.Redirect(safeNext(c.FormValue("next")), fiber.StatusSeeOther)
}

func (s *Server) handleStaffLogout(c *fiber.Ctx) error {
	secret, _ := c.Locals(sessionKey).(string)
	if err := s.st.store.Logout(c.UserContext(), secret); err != nil {
		return err
	}
	s.setCookie(c, sessionCookie, "", -1)
	return c.Redirect("/staff/login", fiber.StatusSeeOther)
}
