package portal

import (
	"errors"
	"net/url"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"sunlight/catalog"
	"sunlight/domain"
	"sunlight/report"
)

// The administrator's notification settings (/staff/admin/notify): each
// department's own group robot or mail recipients, the mail server unless
// the environment sets it, and a test message for each.

type notifyDeptForm struct {
	Dept    string
	Mail    string
	Enabled bool
}

type notifyResult struct {
	OK   bool
	Text string
}

type staffNotifyPage struct {
	staffPage
	Sub      string
	Rows     []report.DeptNotifyView
	Total    int64
	Region   string
	Prev     string
	Next     string
	Default  string
	SMTP     report.SMTPView
	Done     string
	Error    string
	Fields   map[string]string
	Result   *notifyResult
	Form     notifyDeptForm
	SMTPForm report.SMTPInput // never the password
	History  []catalog.RefChange
}

const notifyPerPage = 50

var notifyDone = map[string]string{
	"dept": "单位的通知渠道已保存。", "dept-cleared": "已清除该单位的通知渠道，其通知改发默认渠道。",
	"smtp": "邮件服务器设置已保存。", "smtp-cleared": "已清除保存的邮件服务器设置。",
}

func (s *Server) notifyPage(c *fiber.Ctx) *staffNotifyPage {
	p := &staffNotifyPage{staffPage: s.staffPage(c, "通知设置", "refdata"), Sub: "notify", Form: notifyDeptForm{Enabled: true}}
	p.Region = strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, c.Query("region"))
	return p
}

func (s *Server) handleStaffAdminNotify(c *fiber.Ctx) error {
	p := s.notifyPage(c)
	p.Done = notifyDone[c.Query("done")]
	if code := c.Query("edit"); code != "" {
		if v, err := s.cfg.Notifier.DeptChannel(c.UserContext(), code); err == nil {
			p.Form = notifyDeptForm{Dept: v.DeptCode, Mail: strings.Join(v.Mail, ", "), Enabled: v.Enabled}
		}
	}
	return s.renderNotify(c, p, fiber.StatusOK)
}

func (s *Server) renderNotify(c *fiber.Ctx, p *staffNotifyPage, status int) error {
	ctx, n := c.UserContext(), s.cfg.Notifier
	page := max(1, c.QueryInt("page", 1))
	var err error
	if p.Rows, p.Total, err = n.DeptChannels(ctx, p.Region, catalog.Paging{Page: page, PerPage: notifyPerPage}); err != nil {
		return err
	}
	link := func(pg int) string {
		return "/staff/admin/notify?" + url.Values{"region": {p.Region}, "page": {strconv.Itoa(pg)}}.Encode()
	}
	if page > 1 {
		p.Prev = link(page - 1)
	}
	if int64(page*notifyPerPage) < p.Total {
		p.Next = link(page + 1)
	}
	if p.SMTP, err = n.SMTP(ctx); err != nil {
		return err
	}
	if p.SMTPForm.Addr == "" && !p.SMTP.FromEnv {
		p.SMTPForm = report.SMTPInput{Addr: p.SMTP.Addr, From: p.SMTP.From, User: p.SMTP.User, To: strings.Join(p.SMTP.To, ", ")}
	}
	if p.Default, err = n.DefaultChannel(ctx); err != nil {
		return err
	}
	if p.History, err = catalog.RefHistory(ctx, s.cfg.DB, catalog.RefNotify, "", 20); err != nil {
		return err
	}
	c.Status(status)
	return s.render(c, "staff_admin_notify", p)
}

// notifyOutcome renders the page again with a validation error, or
// redirects to it with done; other errors go to the error page.
func (s *Server) notifyOutcome(c *fiber.Ctx, p *staffNotifyPage, err error, done string) error {
	var ve *domain.ValidationError
	if errors.As(err, &ve) {
		p.Error, p.Fields = ve.Message, ve.Fields
		return s.renderNotify(c, p, fiber.StatusBadRequest)
	}
	if err != nil {
		return err
	}
	return c.Redirect("/staff/admin/notify?done="+done, fiber.StatusSeeOther)
}

func (s *Server) handleStaffAdminNotifyDept(c *fiber.Ctx) error {
	in := report.DeptNotifyInput{DeptCode: c.FormValue("dept"), Webhook: c.FormValue("webhook"),
		ClearWebhook: c.FormValue("clear_webhook") == "1", Mail: c.FormValue("mail"), Enabled: c.FormValue("enabled") == "1"}
	err := s.cfg.Notifier.SetDept(c.UserContext(), in, me(c).Username)
	p := s.notifyPage(c)
	p.Form = notifyDeptForm{Dept: in.DeptCode, Mail: in.Mail, Enabled: in.Enabled}
	return s.notifyOutcome(c, p, err, "dept")
}

func (s *Server) handleStaffAdminNotifyDeptClear(c *fiber.Ctx) error {
	err := s.cfg.Notifier.ClearDept(c.UserContext(), c.FormValue("dept"), me(c).Username)
	return s.notifyOutcome(c, s.notifyPage(c), err, "dept-cleared")
}

func (s *Server) handleStaffAdminNotifySMTP(c *fiber.Ctx) error {
	in := report.SMTPInput{Addr: c.FormValue("addr"), From: c.FormValue("from"), User: c.FormValue("user"),
		Password: c.FormValue("password"), To: c.FormValue("to")}
	err := s.cfg.Notifier.SetSMTP(c.UserContext(), in, me(c).Username)
	p := s.notifyPage(c)
	in.Password = ""
	p.SMTPForm = in
	return s.notifyOutcome(c, p, err, "smtp")
}

func (s *Server) handleStaffAdminNotifySMTPClear(c *fiber.Ctx) error {
	err := s.cfg.Notifier.ClearSMTP(c.UserContext(), me(c).Username)
	return s.notifyOutcome(c, s.notifyPage(c), err, "smtp-cleared")
}

// handleStaffAdminNotifyTest sends a test message now, to a department's
// channel (form field dept) or to the mail server's default recipients,
// and shows the outcome on the page.
func (s *Server) handleStaffAdminNotifyTest(c *fiber.Ctx) error {
	n, dept := s.cfg.Notifier, c.FormValue("dept")
	var err error
	target := "邮件服务器的默认收件人"
	switch c.Params("what") {
	case "depts":
		target = "单位 " + dept
		err = n.TestDept(c.UserContext(), dept)
	case "smtp":
		err = n.TestSMTP(c.UserContext())
	default:
		return domain.ErrNotFound
	}
	p := s.notifyPage(c)
	var ve *domain.ValidationError
	var se *report.SendError
	switch {
	case err == nil:
		p.Result = &notifyResult{OK: true, Text: "测试消息已发送到" + target + "，请确认是否收到。"}
	case errors.As(err, &ve):
		p.Result = &notifyResult{Text: "无法发送测试消息：" + ve.Message}
	case errors.As(err, &se):
		p.Result = &notifyResult{Text: "发往" + target + "的测试消息发送失败：" + se.Reason}
	default:
		return err
	}
	return s.renderNotify(c, p, fiber.StatusOK)
}
