package portal

import (
	"github.com/gofiber/fiber/v2"

	"sunlight/catalog"
)

type homePage struct {
	Page
	Counties    []catalog.Region
	Villages    int64
	Towns       int64
	DeptCount   int
	Disclosures int64
	FundCount   int64
	FundAmount  int64
	Categories  int64
	Latest      []catalog.Disclosure
	VillageName map[string]string // village code → name, for the latest list
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
	if err := s.homeFigures(c, &p); err != nil {
		return err
	}
	return s.render(c, "home", &p)
}

// homeFigures adds the headline numbers and the latest disclosures.
func (s *Server) homeFigures(c *fiber.Ctx, p *homePage) error {
	ctx := c.UserContext()
	st := s.published()
	var err error
	if p.Disclosures, err = st.disclosures.Count(ctx, catalog.DisclosureFilter{}); err != nil {
		return err
	}
	if p.FundCount, p.FundAmount, err = st.funds.Totals(ctx, catalog.FundFilter{}); err != nil {
		return err
	}
	if _, p.Categories, err = st.cats.List(ctx, catalog.Paging{PerPage: 1}); err != nil {
		return err
	}
	if p.Latest, err = st.disclosures.Latest(ctx, 8); err != nil {
		return err
	}
	p.VillageName = map[string]string{}
	for _, d := range p.Latest {
		if _, ok := p.VillageName[d.VillageCode]; ok {
			continue
		}
		if r, err := s.regions.Get(ctx, d.VillageCode); err == nil {
			p.VillageName[d.VillageCode] = r.Name
		}
	}
	return nil
}
