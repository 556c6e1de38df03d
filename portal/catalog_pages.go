package portal

import (
	"context"

	"github.com/gofiber/fiber/v2"

	"sunlight/catalog"
)

type catalogIndexPage struct {
	Page
	Tree   []catalog.CategoryNode
	Minors int
}

// handleCatalog shows the subsidy catalog tree: each major category opens
// (with <details>, no script) on its minor ones.
func (s *Server) handleCatalog(c *fiber.Ctx) error {
	tree, err := s.cats.Tree(c.UserContext())
	if err != nil {
		return err
	}
	p := catalogIndexPage{Page: s.page(c, "惠民惠农补贴资金目录"), Tree: tree}
	p.Nav = "catalog"
	p.Description = "补贴资金目录清单：政策依据、补贴标准、申领条件、发放渠道和主管部门"
	for _, n := range tree {
		p.Minors += len(n.Children)
	}
	return s.render(c, "catalog_index", &p)
}

type catalogEntryPage struct {
	Page
	Entry      catalog.Category
	Parent     *catalog.Category
	Children   []catalog.Category
	Department *catalog.Department
	Funds      []catalog.Fund
	FundCount  int64
	Subject    string
}

// handleCatalogEntry shows one catalog entry: a major category with its
// minor ones, or a minor one with its policy, standard, eligibility and
// the funds that pay it.
func (s *Server) handleCatalogEntry(c *fiber.Ctx) error {
	ctx := c.UserContext()
	e, kids, err := s.loadCategory(ctx, c.Params("code"))
	if err != nil {
		return err
	}
	p := catalogEntryPage{Page: s.page(c, e.Name), Entry: *e, Children: kids, Subject: e.Subject()}
	p.Nav = "catalog"
	p.Description = e.Name + "：" + e.Standard
	if e.ParentCode != "" {
		if p.Parent, err = s.cats.Get(ctx, e.ParentCode); err != nil {
			return err
		}
	}
	if d, err := s.depts.Get(ctx, e.DeptCode); err == nil {
		p.Department = d
	}
	if p.Funds, p.FundCount, err = s.funds.ByCategory(ctx, e.Code, catalog.Paging{PerPage: 20}); err != nil {
		return err
	}
	return s.render(c, "catalog_show", &p)
}

// loadCategory returns a published catalog entry and its published minor
// entries, for its page and its API response.
func (s *Server) loadCategory(ctx context.Context, code string) (*catalog.Category, []catalog.Category, error) {
	e, err := s.cats.Get(ctx, code)
	if err != nil {
		return nil, nil, err
	}
	kids, err := s.cats.Children(ctx, e.Code)
	if err != nil {
		return nil, nil, err
	}
	return e, kids, nil
}
