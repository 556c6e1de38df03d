package portal

import (
	"errors"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"sunlight/domain"
	"sunlight/report"
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
// Who may do what on which report is decided by the report service's
// policy (report.Check); the HTML form and the JSON API both come through
// here.
func (s *Server) runAction(c *fiber.Ctx, id uint64, action string, in actionInput) (*actionResult, error) {
	ctx := c.UserContext()
	a, rs := actor(c), s.st.reports
	res := &actionResult{Done: action}
	var err error
	switch report.Op(action) {
	case report.OpAccept:
		err = rs.Accept(ctx, a, id, in.Text)
	case report.OpAnswer:
		var op report.Op
		op, err = rs.Answer(ctx, a, id, in.Text)
		res.Done = string(op)
	case report.OpApproveAnswer:
		err = rs.ApproveAnswer(ctx, a, id, in.Text)
	case report.OpSendBack:
		err = rs.SendBackAnswer(ctx, a, id, in.Text)
	case report.OpReturn:
		err = rs.Return(ctx, a, id, in.Text)
	case report.OpReject:
		err = rs.Reject(ctx, a, id, in.Text)
	case report.OpExtend:
		err = rs.RequestExtension(ctx, a, id, in.Days, in.Text)
	case report.OpDecide:
		err = rs.DecideExtension(ctx, a, id, in.Approve, in.Text)
	case report.OpMessage:
		err = rs.Message(ctx, a, id, in.Text, true)
	case report.OpNote:
		err = rs.Message(ctx, a, id, in.Text, false)
	case report.OpClose:
		err = rs.Close(ctx, a, id, in.Text)
	case report.OpEscalate:
		err = rs.Escalate(ctx, a, id, in.Text)
	case report.OpReassign:
		err = rs.Reassign(ctx, a, id, strings.TrimSpace(in.Dept), in.Text)
	case report.OpPublish:
		_, err = rs.PublishAnswer(ctx, a, id, in.Question, in.Text)
	case report.OpUnpublish:
		err = rs.WithdrawAnswer(ctx, a, id)
	case report.OpReveal:
		var name, phone string
		name, phone, err = rs.RevealContact(ctx, a, id, in.Text)
		res.Contact = &revealed{Name: name, Phone: phone}
	default:
		return nil, domain.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	return res, nil
}

func formInput(c *fiber.Ctx) actionInput {
	in := actionInput{Text: c.FormValue("text"), Question: c.FormValue("question"), Dept: c.FormValue("dept"), Approve: c.FormValue("approve") == "1"}
	in.Days = formInt(c.FormValue("days"))
	return in
}

// formInt reads a count from a form field: "" is 0, anything but a
// plain non-negative number is -1 (invalid).
func formInt(s string) int {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0
	}
	if s[0] == '+' || s[0] == '-' {
		return -1
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return -1
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
	var ve *domain.ValidationError
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
