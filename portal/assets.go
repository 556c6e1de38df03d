package portal

import (
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"

	"sunlight/static"
)

func (s *Server) handleStatic(c *fiber.Ctx) error {
	a, fresh := static.Lookup(c.Params("*"))
	if a == nil {
		return fiber.ErrNotFound
	}
	if fresh {
		c.Set(fiber.HeaderCacheControl, "public, max-age=31536000, immutable")
	} else {
		c.Set(fiber.HeaderCacheControl, "public, max-age=300")
	}
	c.Set(fiber.HeaderContentType, a.ContentType)
	return c.Send(a.Body)
}

func (s *Server) handleFavicon(c *fiber.Ctx) error {
	return c.Redirect(static.URL("img/favicon.svg"), fiber.StatusMovedPermanently)
}

func (s *Server) handleRobots(c *fiber.Ctx) error {
	c.Set(fiber.HeaderContentType, fiber.MIMETextPlainCharsetUTF8)
	return c.SendString("User-agent: *\nDisallow: /staff/\nDisallow: /track\nDisallow: /report\nDisallow: /api/\n")
}

const textSizeCookie = "textsize"

// handleTextSize switches the 适老化 large-text mode with a plain form post,
// so it works without JavaScript, and returns to the page it came from.
func (s *Server) handleTextSize(c *fiber.Ctx) error {
	c.Cookie(&fiber.Cookie{
		Name: textSizeCookie, Value: map[bool]string{true: "big", false: "normal"}[c.FormValue("size") == "big"],
		Path: "/", MaxAge: 365 * 24 * 3600, HTTPOnly: true, SameSite: "Lax", Secure: c.Protocol() == "https",
	})
	return c.Redirect(localPath(c.FormValue("back")), fiber.StatusSeeOther)
}

// localPath accepts only a path on this site, so a form cannot be used to
// send people elsewhere.
func localPath(p string) string {
	u, err := url.Parse(p)
	if err != nil || p == "" || u.IsAbs() || u.Host != "" || !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.Contains(p, "\\") {
		return "/"
	}
	return u.Path
}
