package portal

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"sunlight/catalog"
)

// maxTrailRows is how many payments a fund page lists inline; beyond it the
// page shows the village totals and each village's payments on their own
// page (?village=CODE), so the page stays light on a phone.
const maxTrailRows = 300

type fundPage struct {
	Page
	Trail   *catalog.FundTrail
	Village *catalog.VillageTotal // when one village's payments are shown
	Inline  bool                  // every payment is listed on the page
	Subject string
}

// loadFund returns the money trail of the published fund the path names,
// for its page and its API response.
func (s *Server) loadFund(c *fiber.Ctx) (*catalog.FundTrail, error) {
	id, err := pathID(c)
	if err != nil {
		return nil, err
	}
	return s.funds.Trail(c.UserContext(), id)
}

// pathID reads the record id of the path; anything else names no record.
func pathID(c *fiber.Ctx) (uint64, error) {
	id, err := strconv.ParseUint(c.Params("id"), 10, 64)
	if err != nil || id == 0 {
		return 0, fiber.ErrNotFound
	}
	return id, nil
}

// handleFund shows a fund's money trail: source → department → project →
// payments by village, with totals that add up.
func (s *Server) handleFund(c *fiber.Ctx) error {
	t, err := s.loadFund(c)
	if err != nil {
		return err
	}
	p := fundPage{Page: s.page(c, t.Fund.Name), Trail: t, Inline: t.Count <= maxTrailRows, Subject: t.Fund.Subject()}
	p.Description = t.Fund.Name + "：资金来源、主管部门和发放明细"
	if v := c.Query("village"); v != "" {
		for i := range t.Villages {
			if t.Villages[i].VillageCode == v {
				p.Village = &t.Villages[i]
			}
		}
		if p.Village == nil {
			return fiber.ErrNotFound
		}
	}
	return s.render(c, "funds_show", &p)
}
