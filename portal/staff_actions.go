package portal

import (
	"context"
	"errors"
	"strings"

	"github.com/gofiber/fiber/v2"

	"sunlight/catalog"
	"sunlight/report"
	"sunlight/staff"
	"sunlight/supervision"
)

// actionInput is what any workbench action may take; each action reads
// only its own fields, so extra fields change nothing (no mass assignment).
type actionInput struct {
	Text     string `json:"text"`
	Question string `json:"question"` // publish only
	Days     int    `json:"days"`
	Approve  bool   `json:"approve"`
	Dept     string `json:"dept"`
}

// actionResult is what an action hands back beyond success.
type actionResult struct {
	Done    string    // key of actionDone
	Contact *revealed // reveal only
}

// runAction performs one workbench action for the signed-in principal.
// Who may do what on which report is decided by the report service (and,
// for answer approval, by the department's setting); the HTML form and
// the JSON API both come through here.
func (s *Server) runAction(c *fiber.Ctx, id uint64, action string, in actionInput) (*actionResult, error) {
	ctx := c.UserContext()
	a, p, rs := actor(c), me(c), s.st.reports
	res := &actionResult{Done: action}
	var err error
	switch action {
	case "accept":
		err = rs.Accept(ctx, a, id, in.Text)
	case "answer":
		res.Done, err = s.answer(ctx, a, p, id, in.Text)
	case "approve-answer":
		err = s.approveAnswer(ctx, a, p, id, in.Text)
	case "send-back":
		err = s.sendBack(ctx, a, p, id, in.Text)
	case "return":
		err = rs.Return(ctx, a, id, in.Text)
	case "reject":
		err = rs.Reject(ctx, a, id, in.Text)
	case "extend":
		err = rs.RequestExtension(ctx, a, id, in.Days, in.Text)
	case "decide-extension":
		err = rs.DecideExtension(ctx, a, id, in.Approve, in.Text)
	case "message":
		err = rs.Message(ctx, a, id, in.Text, true)
	case "note":
		err = rs.Message(ctx, a, id, in.Text, false)
	case "close":
		err = rs.Close(ctx, a, id, in.Text)
	case "escalate":
		err = rs.Escalate(ctx, a, id, in.Text)
	case "reassign":
		err = rs.Reassign(ctx, a, id, strings.TrimSpace(in.Dept), in.Text)
	case "publish":
		err = s.publishAnswer(ctx, a, p, id, in)
	case "unpublish":
		err = s.unpublishAnswer(ctx, a, p, id)
	case "reveal":
		var name, phone string
		name, phone, err = rs.RevealContact(ctx, a, id, in.Text)
		res.Contact = &revealed{Name: name, Phone: phone}
	default:
		return nil, catalog.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	return res, nil
}

// answer sends the answer, or, when the department wants its head to
// approve answers and the author is not the head, keeps it as a draft.
func (s *Server) answer(ctx context.Context, a report.Actor, p *staff.Principal, id uint64, text string) (string, error) {
	need, err := s.st.store.NeedsApproval(ctx, p.DeptCode)
	if err != nil {
		return "", err
	}
	if !need || p.Is(staff.RoleHead) {
		if err := s.st.reports.Answer(ctx, a, id, text); err != nil {
			return "", err
		}
		return "answer", s.st.store.DeleteDraft(ctx, id, p.DeptCode)
	}
	d, err := s.st.reports.Get(ctx, a, id)
	if err != nil {
		return "", err
	}
	if !allowedActions(p, d).Answer {
		if _, err := report.Next(d.Status, report.ActAnswer); err != nil {
			return "", err
		}
		return "", report.ErrForbidden
	}
	return "answer-draft", s.st.store.SaveDraft(ctx, id, p, text)
}

// approveAnswer is the head sending a draft out, possibly edited.
func (s *Server) approveAnswer(ctx context.Context, a report.Actor, p *staff.Principal, id uint64, text string) error {
	if !p.Is(staff.RoleHead) {
		return report.ErrForbidden
	}
	if _, err := s.st.reports.Get(ctx, a, id); err != nil {
		return err
	}
	d, err := s.st.store.Draft(ctx, id, p.DeptCode)
	if err != nil {
		return err
	}
	if strings.TrimSpace(text) == "" {
		text = d.Text
	}
	if err := s.st.reports.Answer(ctx, a, id, text); err != nil {
		return err
	}
	return s.st.store.DeleteDraft(ctx, id, p.DeptCode)
}

func (s *Server) sendBack(ctx context.Context, a report.Actor, p *staff.Principal, id uint64, comment string) error {
	if !p.Is(staff.RoleHead) {
		return report.ErrForbidden
	}
	if _, err := s.st.reports.Get(ctx, a, id); err != nil {
		return err
	}
	return s.st.store.SendBack(ctx, id, p.DeptCode, comment)
}

// approvalView is the pending draft as the report page shows it.
type approvalView struct {
	Required bool
	Draft    *staff.AnswerDraft
}

func (s *Server) approvalView(c *fiber.Ctx, d *report.Detail) (*approvalView, error) {
	p := me(c)
	if d.DepartmentCode != p.DeptCode {
		return nil, nil
	}
	ctx := c.UserContext()
	need, err := s.st.store.NeedsApproval(ctx, p.DeptCode)
	if err != nil {
		return nil, err
	}
	v := &approvalView{Required: need}
	v.Draft, err = s.st.store.Draft(ctx, d.ID, p.DeptCode)
	if errors.Is(err, catalog.ErrNotFound) {
		err = nil
	}
	return v, err
}

func formInput(c *fiber.Ctx) actionInput {
	in := actionInput{Text: c.FormValue("text"), Question: c.FormValue("question"), Dept: c.FormValue("dept"), Approve: c.FormValue("approve") == "1"}
	in.Days = formInt(c.FormValue("days"))
	return in
}

func formInt(s string) int {
	n := 0
	for _, r := range strings.TrimSpace(s) {
		if r < '0' || r > '9' || n > 1e6 {
			return -1
		}
		n = n*10 + int(r-'0')
	}
	return n
}

// handleStaffAction runs a workbench form. Bad input shows the page again
// with the message next to what was typed; a revealed contact is shown on
// this response only, never stored in a URL.
func (s *Server) handleStaffAction(c *fiber.Ctx) error {
	id, err := reportID(c)
	if err != nil {
		return err
	}
	action := c.Params("action")
	in := formInput(c)
	res, err := s.runAction(c, id, action, in)
	var ve *catalog.ValidationError
	if errors.As(err, &ve) {
		p, perr := s.reportPage(c, id)
		if perr != nil {
			return perr
		}
		p.Error, p.Fields = ve.Message, ve.Fields
		if action == "answer" || action == "approve-answer" {
			p.Draft = in.Text
		}
		if action == "publish" {
			p.PubQuestion, p.PubAnswer = in.Question, in.Text
		}
		c.Status(fiber.StatusBadRequest)
		return s.render(c, "staff_report", p)
	}
	if err != nil {
		return err
	}
	if res.Contact != nil {
		p, err := s.reportPage(c, id)
		if err != nil {
			return err
		}
		p.Contact = res.Contact
		return s.render(c, "staff_report", p)
	}
	return c.Redirect("/staff/reports/"+c.Params("id")+"?done="+res.Done, fiber.StatusSeeOther)
}

// canPublish: the head of the department that answered, once answered.
func canPublish(p *staff.Principal, d *report.Detail) bool {
	return p.Is(staff.RoleHead) && d.DepartmentCode == p.DeptCode &&
		(d.Status == report.StatusAnswered || d.Status == report.StatusClosed)
}

// publishAnswer publishes the report's answer (公开答复) as the head
// reviewed it, masked, without the reporter.
func (s *Server) publishAnswer(ctx context.Context, a report.Actor, p *staff.Principal, id uint64, in actionInput) error {
	d, err := s.st.reports.Get(ctx, a, id)
	if err != nil {
		return err
	}
	if !canPublish(p, d) {
		if d.DepartmentCode == p.DeptCode && p.Is(staff.RoleHead) {
			return &report.ConflictError{Message: "只有已答复或已办结的举报可以公开答复"}
		}
		return report.ErrForbidden
	}
	_, err = supervision.Publish(ctx, s.cfg.DB, supervision.Publication{Report: d, DeptName: p.Dept.Name,
		Question: in.Question, Answer: in.Text, By: p.Username}, s.now())
	return err
}

func (s *Server) unpublishAnswer(ctx context.Context, a report.Actor, p *staff.Principal, id uint64) error {
	d, err := s.st.reports.Get(ctx, a, id)
	if err != nil {
		return err
	}
	if !p.Is(staff.RoleHead) || d.DepartmentCode != p.DeptCode {
		return report.ErrForbidden
	}
	return supervision.Withdraw(ctx, s.cfg.DB, id, p.DeptCode)
}
