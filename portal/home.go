package portal

import (
	"github.com/gofiber/fiber/v2"

	"sunlight/catalog"
)

type homePage struct {
	Page
	Counties  []catalog.Region
	Villages  int64
	Towns     int64
	DeptCount int
}

func (s *Server) handleHome(c *fiber.Ctx) error {
	ctx := c.UserContext()
	counts, err := s.regions.Count(ctx)
	if err != nil {
		return err
	}
	var counties []catalog.Region
	for _, code := range catalog.DemoCounties {
		r, err := s.regions.Get(ctx, code)
		if err == nil {
			counties = append(counties, *r)
		}
	}
	depts, err := s.depts.List(ctx, "", false)
	if err != nil {
		return err
	}
	p := homePage{Page: s.page(c, "阳光监督 · 基层公开与群众监督平台"), Counties: counties,
		Villages: counts[catalog.Village], Towns: counts[catalog.Town], DeptCount: len(depts)}
	p.Nav = "home"
	p.Description = "公开补贴资金、项目资金和村级小微权力，群众随时查、随手报。"
	return s.render(c, "home", &p)
}
