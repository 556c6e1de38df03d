package portal

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"sunlight/catalog"
)

type homePage struct {
	Page
	*homeFigures
}

// homeFigures are the home page's headline numbers and latest disclosures:
// the same for everyone, costly to count at national scale, so they are
// kept while no catalog change has been recorded (and for a few minutes at
// most, for the region and department counts an import changes).
type homeFigures struct {
	Counties    []catalog.Region
	Villages    int64
	Towns       int64
	DeptCount   int64
	Disclosures int64
	FundCount   int64
	FundAmount  int64
	Categories  int64
	Latest      []catalog.Disclosure
	VillageName map[string]string // village code → name, for the latest list
}

func (s *Server) handleHome(c *fiber.Ctx) error {
	ctx := c.UserContext()
	var newest uint64
	if err := s.cfg.DB.WithContext(ctx).Model(&catalog.Change{}).Select("COALESCE(MAX(id), 0)").Scan(&newest).Error; err != nil {
		return err
	}
	f, err := s.home.get(strconv.FormatUint(newest, 10), s.now(), func() (*homeFigures, error) { return s.homeFigures(c) })
	if err != nil {
		return err
	}
	p := homePage{Page: s.page(c, "阳光监督 · 基层公开与群众监督平台"), homeFigures: f}
	p.Nav = "home"
	p.Description = "公开补贴资金、项目资金和村级小微权力，群众随时查、随手报。"
	return s.render(c, "home", &p)
}

// homeFigures counts the headline numbers and reads the latest disclosures.
func (s *Server) homeFigures(c *fiber.Ctx) (*homeFigures, error) {
	ctx := c.UserContext()
	p := &homeFigures{VillageName: map[string]string{}}
	counts, err := s.regions.Count(ctx)
	if err != nil {
		return nil, err
	}
	p.Villages, p.Towns = counts[catalog.Village], counts[catalog.Town]
	for _, code := range catalog.DemoCounties {
		if r, err := s.regions.Get(ctx, code); err == nil {
			p.Counties = append(p.Counties, *r)
		}
	}
	if err := s.cfg.DB.WithContext(ctx).Model(&catalog.Department{}).Count(&p.DeptCount).Error; err != nil {
		return nil, err
	}
	if p.Disclosures, err = s.disclosures.Count(ctx, catalog.DisclosureFilter{}); err != nil {
		return nil, err
	}
	if p.FundCount, p.FundAmount, err = s.funds.Totals(ctx, catalog.FundFilter{}); err != nil {
		return nil, err
	}
	if _, p.Categories, err = s.cats.List(ctx, catalog.Paging{PerPage: 1}); err != nil {
		return nil, err
	}
	if p.Latest, err = s.disclosures.Latest(ctx, 8); err != nil {
		return nil, err
	}
	for _, d := range p.Latest {
		if _, ok := p.VillageName[d.VillageCode]; ok {
			continue
		}
		if r, err := s.regions.Get(ctx, d.VillageCode); err == nil {
			p.VillageName[d.VillageCode] = r.Name
		}
	}
	return p, nil
}
