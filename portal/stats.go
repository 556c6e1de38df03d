package portal

import (
	"github.com/gofiber/fiber/v2"

	"sunlight/report"
	"sunlight/stats"
)

// The public scoreboard: how each department answers, with no personal
// data, small counts shown as "<3", and the audit chain head so anyone can
// check later that no event was rewritten.

type statsPage struct {
	Page
	Board *stats.Public
}

// publicStats computes the scoreboard again only when the audit chain has
// moved (every step of every report is an event) or after five minutes
// (overdue counts change with time alone).
func (s *Server) publicStats(c *fiber.Ctx) (*stats.Public, error) {
	ctx := c.UserContext()
	head, err := report.ChainHeadOf(ctx, s.cfg.DB)
	if err != nil {
		return nil, err
	}
	return s.stats.get(head.Hash, s.now(), func() (*stats.Public, error) {
		return stats.ComputePublic(ctx, s.cfg.DB, s.now())
	})
}

func (s *Server) handleStats(c *fiber.Ctx) error {
	b, err := s.publicStats(c)
	if err != nil {
		return err
	}
	p := statsPage{Page: s.page(c, "办理情况"), Board: b}
	p.Nav = "stats"
	p.Description = "各单位收到的群众举报、按时签收和答复情况、满意率，每日更新。"
	c.Set(fiber.HeaderCacheControl, "public, max-age=300")
	return s.render(c, "stats", &p)
}

func (s *Server) handleAPIStats(c *fiber.Ctx) error {
	b, err := s.publicStats(c)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "public, max-age=300")
	return c.JSON(b)
}
