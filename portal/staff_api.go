package portal

import (
	"github.com/gofiber/fiber/v2"

	"sunlight/domain"
	"sunlight/report"
)

// The staff JSON API: the same queue, report and actions as the
// workbench, for a personal token (Authorization: Bearer).

type apiStaffReports struct {
	Total   int64            `json:"total"`
	Page    int              `json:"page"`
	PerPage int              `json:"per_page"`
	Reports []report.Summary `json:"reports"`
}

func (s *Server) handleAPIStaffReports(c *fiber.Ctx) error {
	_, f, err := s.parseQueueFilter(c)
	if err != nil {
		return err
	}
	f.PerPage = min(max(c.QueryInt("per_page", 20), 1), 100)
	sums, total, err := s.st.reports.List(c.UserContext(), actor(c), f)
	if err != nil {
		return err
	}
	if sums == nil {
		sums = []report.Summary{}
	}
	return c.JSON(apiStaffReports{Total: total, Page: f.Page, PerPage: f.PerPage, Reports: sums})
}

type apiStaffReport struct {
	*report.Detail
	Actions []string `json:"actions"`
	Result  string   `json:"result,omitempty"`
}

// apiActions are the actions a report's JSON lists, in order.
var apiActions = []report.Op{report.OpAccept, report.OpAnswer, report.OpReturn, report.OpReject, report.OpExtend,
	report.OpDecide, report.OpMessage, report.OpNote, report.OpClose, report.OpEscalate, report.OpReassign,
	report.OpReveal, report.OpPublish}

// actionNames lists what the policy allows; "answer" stands for sending
// and for submitting a draft to the head alike.
func actionNames(can report.OpSet) []string {
	out := []string{}
	for _, op := range apiActions {
		if can.Has(op) || (op == report.OpAnswer && can.Has(report.OpAnswerDraft)) {
			out = append(out, string(op))
		}
	}
	return out
}

func (s *Server) apiReport(c *fiber.Ctx, id uint64, result string) error {
	w, err := s.st.reports.Workbench(c.UserContext(), actor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(apiStaffReport{Detail: w.Detail, Actions: actionNames(w.Can), Result: result})
}

func (s *Server) handleAPIStaffReport(c *fiber.Ctx) error {
	id, err := reportID(c)
	if err != nil {
		return err
	}
	if err := s.st.reports.RecordAccess(c.UserContext(), actor(c), id, "查看（接口）"); err != nil {
		return err
	}
	return s.apiReport(c, id, "")
}

type apiContact struct {
	Name  string `json:"name"`
	Phone string `json:"phone"`
}

func (s *Server) handleAPIStaffAction(c *fiber.Ctx) error {
	id, err := reportID(c)
	if err != nil {
		return err
	}
	var in actionInput
	if len(c.Body()) > 0 {
		if err := c.BodyParser(&in); err != nil {
			return domain.Invalid("请求体应为 JSON：{\"text\": ..., \"days\": ..., \"approve\": ..., \"dept\": ...}")
		}
	}
	res, err := s.runAction(c, id, c.Params("action"), in)
	if err != nil {
		return err
	}
	if res.Contact != nil {
		return c.JSON(apiContact{Name: res.Contact.Name, Phone: res.Contact.Phone})
	}
	return s.apiReport(c, id, res.Done)
}
