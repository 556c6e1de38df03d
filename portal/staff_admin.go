package portal

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"sunlight/domain"
	"sunlight/staff"
)

type adminAccountRow struct {
	staff.Account
	DeptName     string
	ActiveTokens int
}

type staffAdminPage struct {
	staffPage
	Accounts []adminAccountRow
	Roles    []domain.Role
	Done     string
	Error    string
	Fields   map[string]string
	Form     staff.NewAccount
	// Undispatched counts reports that have waited over an hour for a
	// body this deployment lacks (see report.Service.Undispatched).
	Undispatched int64
	// MissingHolidays is next year, from 1 December while its holiday
	// calendar is not imported.
	MissingHolidays int
}

var adminDone = map[string]string{
	"created": "账号已创建。", "disabled": "账号已停用，其登录已全部失效。", "enabled": "账号已启用。",
	"password": "密码已重置，该账号的登录已全部失效。", "revoked": "该账号的全部 API 令牌已吊销。",
}

func (s *Server) handleStaffAdminAccounts(c *fiber.Ctx) error {
	p := staffAdminPage{staffPage: s.staffPage(c, "账号管理", "admin"), Done: adminDone[c.Query("done")]}
	return s.renderAdmin(c, &p, fiber.StatusOK)
}

func (s *Server) renderAdmin(c *fiber.Ctx, p *staffAdminPage, status int) error {
	ctx := c.UserContext()
	as, err := s.st.store.Accounts(ctx)
	if err != nil {
		return err
	}
	p.Roles = domain.Roles
	if p.Undispatched, err = s.st.reports.Undispatched(ctx, s.now().Add(-time.Hour)); err != nil {
		return err
	}
	if p.MissingHolidays, err = s.missingHolidays(ctx); err != nil {
		return err
	}
	for _, a := range as {
		row := adminAccountRow{Account: a}
		if d, err := s.depts.Get(ctx, a.DeptCode); err == nil {
			row.DeptName = d.Name
		}
		if row.ActiveTokens, err = s.activeTokens(ctx, a.ID); err != nil {
			return err
		}
		p.Accounts = append(p.Accounts, row)
	}
	c.Status(status)
	return s.render(c, "staff_admin", p)
}

func (s *Server) activeTokens(ctx context.Context, id uint64) (int, error) {
	ts, err := s.st.store.Tokens(ctx, id)
	n := 0
	for _, t := range ts {
		if t.RevokedAt == nil {
			n++
		}
	}
	return n, err
}

func (s *Server) handleStaffAdminCreate(c *fiber.Ctx) error {
	n := staff.NewAccount{Username: c.FormValue("username"), DisplayName: c.FormValue("name"),
		DeptCode: c.FormValue("dept"), Role: domain.Role(c.FormValue("role")), Password: c.FormValue("password")}
	_, err := s.st.store.AddAccount(c.UserContext(), n, me(c).Username)
	var ve *domain.ValidationError
	if errors.As(err, &ve) {
		n.Password = ""
		p := staffAdminPage{staffPage: s.staffPage(c, "账号管理", "admin"), Error: ve.Message, Fields: ve.Fields, Form: n}
		return s.renderAdmin(c, &p, fiber.StatusBadRequest)
	}
	if err != nil {
		return err
	}
	return c.Redirect("/staff/admin/accounts?done=created", fiber.StatusSeeOther)
}

// accountParam reads :id; an unknown account is a 404.
func (s *Server) accountParam(c *fiber.Ctx) (*staff.Account, error) {
	id, err := strconv.ParseUint(c.Params("id"), 10, 64)
	if err != nil {
		return nil, domain.ErrNotFound
	}
	return s.st.store.Account(c.UserContext(), id)
}

func (s *Server) handleStaffAdminDisable(c *fiber.Ctx) error {
	a, err := s.accountParam(c)
	if err != nil {
		return err
	}
	disable := c.FormValue("disabled") == "1"
	if disable && a.ID == me(c).ID {
		return domain.Invalid("不能停用自己的账号")
	}
	if err := s.st.store.SetDisabled(c.UserContext(), a.ID, disable, me(c).Username); err != nil {
		return err
	}
	done := "enabled"
	if disable {
		done = "disabled"
	}
	return c.Redirect("/staff/admin/accounts?done="+done, fiber.StatusSeeOther)
}

func (s *Server) handleStaffAdminPassword(c *fiber.Ctx) error {
	a, err := s.accountParam(c)
	if err != nil {
		return err
	}
	if err := s.st.store.SetPassword(c.UserContext(), a.ID, c.FormValue("password"), me(c).Username); err != nil {
		return err
	}
	return c.Redirect("/staff/admin/accounts?done=password", fiber.StatusSeeOther)
}

func (s *Server) handleStaffAdminRevoke(c *fiber.Ctx) error {
	a, err := s.accountParam(c)
	if err != nil {
		return err
	}
	if _, err := s.st.store.RevokeAllTokens(c.UserContext(), a.ID, me(c).Username); err != nil {
		return err
	}
	return c.Redirect("/staff/admin/accounts?done=revoked", fiber.StatusSeeOther)
}
