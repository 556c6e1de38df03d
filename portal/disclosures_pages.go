package portal

import (
	"strconv"
	"strings"

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
	id, err := strconv.ParseUint(c.Params("id"), 10, 64)
	if err != nil || id == 0 {
		return fiber.ErrNotFound
	}
	d, err := s.disclosures.Get(ctx, id)
	if err != nil {
		return err
	}
	p := disclosurePage{Page: s.page(c, d.Title), D: d, Subject: d.Subject(), Paragraphs: splitLines(d.Body)}
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

// splitLines breaks text into its non-empty lines, for paragraphs.
func splitLines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}
