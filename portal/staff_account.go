package portal

import (
	"errors"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"sunlight/domain"
	"sunlight/staff"
)

type staffAccountPage struct {
	staffPage
	Tokens   []staff.APIToken
	NewToken string
	Done     string
	Error    string
	Approval bool // the department's answers wait for the head
}

func (s *Server) handleStaffAccount(c *fiber.Ctx) error {
	p := staffAccountPage{staffPage: s.staffPage(c, "我的账号", "account")}
	switch c.Query("done") {
	case "revoked":
		p.Done = "令牌已吊销。"
	case "approval":
		p.Done = "已更新本部门的答复审核设置。"
	}
	return s.renderAccount(c, &p, fiber.StatusOK)
}

func (s *Server) renderAccount(c *fiber.Ctx, p *staffAccountPage, status int) error {
	ts, err := s.st.store.Tokens(c.UserContext(), me(c).ID)
	if err != nil {
		return err
	}
	p.Tokens = ts
	if p.Approval, err = s.st.reports.NeedsApproval(c.UserContext(), me(c).DeptCode); err != nil {
		return err
	}
	c.Status(status)
	return s.render(c, "staff_account", p)
}

// handleStaffTokenIssue shows a new personal API token once.
func (s *Server) handleStaffTokenIssue(c *fiber.Ctx) error {
	tok, _, err := s.st.store.IssueToken(c.UserContext(), me(c).ID, c.FormValue("name"), me(c).Username)
	if err != nil {
		return err
	}
	p := staffAccountPage{staffPage: s.staffPage(c, "我的账号", "account"), NewToken: tok}
	return s.renderAccount(c, &p, fiber.StatusOK)
}

func (s *Server) handleStaffTokenRevoke(c *fiber.Ctx) error {
	id, err := strconv.ParseUint(c.Params("id"), 10, 64)
	if err != nil {
		return domain.ErrNotFound
	}
	// Only the holder's own tokens match: the account id is part of the query.
	if err := s.st.store.RevokeToken(c.UserContext(), me(c).ID, id, me(c).Username); err != nil {
		return err
	}
	return c.Redirect("/staff/account?done=revoked", fiber.StatusSeeOther)
}

func (s *Server) handleStaffPasswordChange(c *fiber.Ctx) error {
	err := s.st.store.ChangePassword(c.UserContext(), me(c).ID, c.FormValue("current"), c.FormValue("password"))
	var ve *domain.ValidationError
	if errors.As(err, &ve) {
		p := staffAccountPage{staffPage: s.staffPage(c, "我的账号", "account"), Error: ve.Message}
		return s.renderAccount(c, &p, fiber.StatusBadRequest)
	}
	if err != nil {
		return err
	}
	s.setCookie(c, sessionCookie, "", -1)
	return c.Redirect("/staff/login", fiber.StatusSeeOther)
}

// handleStaffApproval lets a head decide whether the department's answers
// wait for their approval.
func (s *Server) handleStaffApproval(c *fiber.Ctx) error {
	if err := s.st.reports.SetApproval(c.UserContext(), actor(c), c.FormValue("on") == "1"); err != nil {
		return err
	}
	return c.Redirect("/staff/account?done=approval", fiber.StatusSeeOther)
}
