package portal

import (
	"github.com/gofiber/fiber/v2"

	"sunlight/staff"
)

type staffHomePage struct {
	staffPage
}

// handleStaffHome is the workbench's front page: the queue for people who
// handle reports, the account list for the technical admin.
func (s *Server) handleStaffHome(c *fiber.Ctx) error {
	if me(c).Is(staff.RoleAdmin) {
		return c.Redirect("/staff/admin/accounts", fiber.StatusSeeOther)
	}
	p := staffHomePage{staffPage: s.staffPage(c, "工作台", "queue")}
	return s.render(c, "staff_home", &p)
}
