package portal

import (
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
)

// observe times every request, counts it in the metrics and writes one log
// line. The line holds the route pattern, never the client address, the
// query string or a body: reporters' routes must not leave a trace of who
// they are in the log.
func (s *Server) observe(c *fiber.Ctx) error {
	start := time.Now()
	err := c.Next()
	status := c.Response().StatusCode()
	if err != nil {
		// The error handler has not run yet; it decides the final status.
		status = statusOf(err)
	}
	route := c.Route().Path
	if status == fiber.StatusNotFound && route == "/" && c.Path() != "/" {
		route = "(unmatched)"
	}
	elapsed := time.Since(start)
	s.metrics.observe(c.Method(), route, status, elapsed)
	if route != "/healthz" && route != "/livez" && route != "/metrics" {
		s.log.Info("request", "method", c.Method(), "route", route,
			"status", status, "ms", strconv.FormatFloat(float64(elapsed.Microseconds())/1000, 'f', 1, 64))
	}
	return err
}

// contentSecurityPolicy allows only the portal's own scripts, styles and
// images; no inline script, no plugins, no framing, no foreign forms.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; " +
	"font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"

func (s *Server) securityHeaders(c *fiber.Ctx) error {
	h := &c.Response().Header
	h.Set("Content-Security-Policy", contentSecurityPolicy)
	h.Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=(), usb=()")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	return c.Next()
}
