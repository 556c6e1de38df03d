package portal

import (
	"context"
	"time"

	"github.com/gofiber/fiber/v2"

	"sunlight/internal/database"
)

// Check is one readiness probe. A failing Required check makes /readyz
// answer 503; a failing optional one (the search engine) reports
// "degraded" while the portal keeps serving.
type Check struct {
	Name     string
	Required bool
	Probe    func(ctx context.Context) error
}

type readyReport struct {
	Status string            `json:"status"` // ok, degraded, unavailable
	Checks map[string]string `json:"checks"`
}

func (s *Server) pingDB(ctx context.Context) error { return database.Ping(ctx, s.cfg.DB) }

func (s *Server) handleLive(c *fiber.Ctx) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(map[string]string{"status": "ok"})
}

func (s *Server) handleReady(c *fiber.Ctx) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	rep := s.readiness(c.UserContext())
	status := fiber.StatusOK
	if rep.Status == "unavailable" {
		status = fiber.StatusServiceUnavailable
	}
	return c.Status(status).JSON(rep)
}

func (s *Server) readiness(ctx context.Context) readyReport {
	rep := readyReport{Status: "ok", Checks: map[string]string{}}
	if s.closing.Load() {
		rep.Status = "unavailable"
		rep.Checks["server"] = "shutting down"
		return rep
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	for _, ch := range s.checks {
		if err := ch.Probe(ctx); err != nil {
			// The cause goes to the log, not to the public: it may name
			// internal hosts and addresses.
			s.log.Warn("readiness check failed", "check", ch.Name, "err", err)
			rep.Checks[ch.Name] = "error"
			if ch.Required {
				rep.Status = "unavailable"
			} else if rep.Status == "ok" {
				rep.Status = "degraded"
			}
			continue
		}
		rep.Checks[ch.Name] = "ok"
	}
	return rep
}
