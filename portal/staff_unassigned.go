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

// The queue of cases nobody can take (待分派): reports the routing found
// no department for, which a supervisor (its region's) or the admin (any,
// without their content) assigns to a department.

type unassignedRow struct {
	report.UnassignedReport
	Choices []catalog.Department // where the actor may send it
	Waiting string               // how long it has waited
}

type staffUnassignedPage struct {
	staffPage
	Rows       []unassignedRow
	Total      int64
	Done       string
	Error      string
	Failed     uint64 // the row whose form was refused
	Prev, Next string
}

const unassignedPerPage = 20

// unassignedPage reads the actor's queue page with each row's choices.
func (s *Server) unassignedPage(c *fiber.Ctx) (*staffUnassignedPage, error) {
	ctx, a := c.UserContext(), actor(c)
	pg := catalog.Paging{Page: max(c.QueryInt("page", 1), 1), PerPage: unassignedPerPage}
	rows, total, err := s.st.reports.Unassigned(ctx, a, pg)
	if err != nil {
		return nil, err
	}
	choices, err := s.st.reports.Candidates(ctx, a, rows)
	if err != nil {
		return nil, err
	}
	p := &staffUnassignedPage{staffPage: s.staffPage(c, "待分派举报", "unassigned"), Total: total}
	now := s.now()
	for _, r := range rows {
		p.Rows = append(p.Rows, unassignedRow{UnassignedReport: r, Choices: choices[r.ID], Waiting: span(now.Sub(r.SubmittedAt))})
	}
	if pg.Page > 1 {
		p.Prev = "/staff/unassigned?page=" + strconv.Itoa(pg.Page-1)
	}
	if int64(pg.Page*unassignedPerPage) < total {
		p.Next = "/staff/unassigned?page=" + strconv.Itoa(pg.Page+1)
	}
	return p, nil
}

func (s *Server) handleStaffUnassigned(c *fiber.Ctx) error {
	p, err := s.unassignedPage(c)
	if err != nil {
		return err
	}
	if no := c.Query("assigned"); no != "" {
		p.Done = "受理编号 " + no + " 已指定办理单位并派出，办理时限从现在起计算。"
	}
	return s.render(c, "staff_unassigned", p)
}

// handleStaffAssign runs a row's form. A refusal (the accused, a body
// that may not take an accusation, bad input, a report no longer
// waiting) shows the queue again with the reason.
func (s *Server) handleStaffAssign(c *fiber.Ctx) error {
	id, err := reportID(c)
	if err != nil {
		return err
	}
	err = s.st.reports.Assign(c.UserContext(), actor(c), id, strings.TrimSpace(c.FormValue("dept")), c.FormValue("reason"))
	if err == nil {
		return c.Redirect("/staff/unassigned?assigned="+url.QueryEscape(c.FormValue("tracking_no")), fiber.StatusSeeOther)
	}
	he := classify(err)
	if he.Status >= 500 {
		return err
	}
	p, perr := s.unassignedPage(c)
	if perr != nil {
		return perr
	}
	p.Error, p.Failed = he.Message, id
	if errors.Is(err, domain.ErrNotFound) {
		p.Error = "这件举报不在您的待分派名单中（可能已经派出），请刷新后再看。"
	}
	c.Status(he.Status)
	return s.render(c, "staff_unassigned", p)
}

// handleAPIStaffUnassigned is the queue as a JSON list (apiListOf).
func (s *Server) handleAPIStaffUnassigned(c *fiber.Ctx) error {
	me := func(c *fiber.Ctx) (report.Actor, error) { return actor(c), nil }
	return apiListOf(c, me, s.st.reports.Unassigned, func(r report.UnassignedReport) report.UnassignedReport { return r })
}

type apiAssignIn struct {
	Dept   string `json:"dept"`
	Reason string `json:"reason"`
}

func (s *Server) handleAPIStaffAssign(c *fiber.Ctx) error {
	id, err := reportID(c)
	if err != nil {
		return err
	}
	var in apiAssignIn
	if err := c.BodyParser(&in); err != nil {
		return domain.Invalid("请求体应为 JSON：{\"dept\": 单位代码, \"reason\": 理由}")
	}
	if err := s.st.reports.Assign(c.UserContext(), actor(c), id, strings.TrimSpace(in.Dept), in.Reason); err != nil {
		return err
	}
	return c.JSON(fiber.Map{"id": id, "department_code": strings.TrimSpace(in.Dept), "result": "assigned"})
}
