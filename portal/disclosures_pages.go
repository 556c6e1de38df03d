package portal

import (
	"github.com/gofiber/fiber/v2"

	"sunlight/catalog"
)

type disclosurePage struct {
	Page
	D          *catalog.Disclosure
	Village    string // full name
	Crumbs     []catalog.Region
	Paragraphs []string
	Subject    string
}

// handleDisclosure shows one village disclosure while it is published;
// withdrawn or expired ones are not found.
func (s *Server) handleDisclosure(c *fiber.Ctx) error {
	ctx := c.UserContext()
	d, err := s.loadDisclosure(c)
	if err != nil {
		return err
	}
	p := disclosurePage{Page: s.page(c, d.Title), D: d, Subject: d.Subject(), Paragraphs: d.Paragraphs()}
	p.Description = d.KindName() + "：" + d.Title
	if v, err := s.regions.Get(ctx, d.VillageCode); err == nil {
		anc, err := s.regions.Ancestors(ctx, v.Code)
		if err != nil {
			return err
		}
		p.Village, p.Crumbs = catalog.FullNameOf(v, anc), append(anc, *v)
	}
	return s.render(c, "disclosures_show", &p)
}

// loadDisclosure returns the disclosure the path names while it is
// public, for its page and its API response.
func (s *Server) loadDisclosure(c *fiber.Ctx) (*catalog.Disclosure, error) {
	id, err := pathID(c)
	if err != nil {
		return nil, err
	}
	return s.disclosures.Get(c.UserContext(), id)
}
