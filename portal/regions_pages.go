package portal

import (
	"context"

	"github.com/gofiber/fiber/v2"

	"sunlight/catalog"
)

type regionChild struct {
	catalog.Region
	Disclosures int64
}

type regionPage struct {
	Page
	Region      catalog.Region
	FullName    string
	Crumbs      []catalog.Region
	ChildLevel  string
	Children    []regionChild
	Groups      []catalog.KindGroup   // a village's disclosures by kind
	VillageFund []catalog.VillageFund // funds that paid in a village
	Funds       []catalog.Fund        // funds of a county or town
	FundCount   int64
	FundAmount  int64
	MoreFunds   bool
	Disclosures int64
	Subject     string
}

func (p *regionPage) IsVillage() bool { return p.Region.Level == catalog.Village }

// handleRegion is the drill-down page: county → towns → villages, and a
// village's disclosures by kind and period and the funds paid there.
func (s *Server) handleRegion(c *fiber.Ctx) error {
	ctx := c.UserContext()
	code := c.Params("code")
	r, anc, err := s.loadRegion(ctx, code)
	if err != nil {
		return err
	}
	full := catalog.FullNameOf(r, anc)
	p := regionPage{Page: s.page(c, full), Region: *r, FullName: full, Crumbs: anc, Subject: "region:" + code}
	p.Description = full + "的村级公开、项目资金和补贴发放情况"
	if r.Level == catalog.Village {
		p.Subject = "village:" + code
		if p.Groups, err = s.disclosures.ByKind(ctx, code); err != nil {
			return err
		}
		for _, g := range p.Groups {
			p.Disclosures += int64(len(g.Items))
		}
		if p.VillageFund, err = s.funds.ForVillage(ctx, code); err != nil {
			return err
		}
		return s.render(c, "regions_show", &p)
	}
	if err := s.regionChildren(c, &p); err != nil {
		return err
	}
	filter := catalog.FundFilter{Region: code}
	if p.Funds, _, err = s.funds.List(ctx, filter, catalog.Paging{PerPage: 20}); err != nil {
		return err
	}
	if p.FundCount, p.FundAmount, err = s.funds.Totals(ctx, filter); err != nil {
		return err
	}
	p.MoreFunds = p.FundCount > int64(len(p.Funds))
	return s.render(c, "regions_show", &p)
}

// loadRegion returns a region with its ancestors, for its page and its
// API response.
func (s *Server) loadRegion(ctx context.Context, code string) (*catalog.Region, []catalog.Region, error) {
	r, err := s.regions.Get(ctx, code)
	if err != nil {
		return nil, nil, err
	}
	anc, err := s.regions.Ancestors(ctx, code)
	if err != nil {
		return nil, nil, err
	}
	return r, anc, nil
}

func (s *Server) regionChildren(c *fiber.Ctx, p *regionPage) error {
	ctx := c.UserContext()
	kids, err := s.regions.Children(ctx, p.Region.Code)
	if err != nil {
		return err
	}
	counts, err := s.disclosures.CountByChild(ctx, p.Region.Code)
	if err != nil {
		return err
	}
	p.ChildLevel = (p.Region.Level + 1).Name()
	for _, k := range kids {
		p.Children = append(p.Children, regionChild{Region: k, Disclosures: counts[k.Code]})
		p.Disclosures += counts[k.Code]
	}
	return nil
}
