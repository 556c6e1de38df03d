package portal

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"sunlight/catalog"
	"sunlight/domain"
)

const deptsPerPage = 50

type deptRow struct {
	catalog.Department
	KindName string
	Open     int64 // open cases it must answer
}

type deptAdminPage struct {
	refEditBase
	Region      string
	Rows        []deptRow
	Total       int64
	Prev, Next  string
	Kinds       []struct{ Code, Name string }
	Form        catalog.Department // the add form, as typed
	Edit        *deptRow           // the department opened with ?code=
	Suggestions []catalog.Department
	MoveTo      string
}

var deptDone = map[string]string{
	"added": "单位已新增。", "renamed": "单位已改名。", "moved": "上级单位已调整。", "supervisor": "纪委监委标记已修改。",
	"closed": "单位已撤销：不再接收新的举报，其账号仍可查看历史。", "reopened": "单位已恢复。",
}

// deptAction runs one change on the department code; done is the query
// naming the outcome for the page (a deptDone key, or the cases moved).
type deptAction func(s *Server, c *fiber.Ctx, code string) (done url.Values, err error)

func doneQuery(key string) url.Values { return url.Values{"done": {key}} }

var deptActions = map[string]deptAction{
	"rename": func(s *Server, c *fiber.Ctx, code string) (url.Values, error) {
		return doneQuery("renamed"), s.depts.Rename(c.UserContext(), code, c.FormValue("name"), me(c).Username, s.now())
	},
	"move": func(s *Server, c *fiber.Ctx, code string) (url.Values, error) {
		return doneQuery("moved"), s.depts.Move(c.UserContext(), code, c.FormValue("parent"), me(c).Username, s.now())
	},
	"supervisor": func(s *Server, c *fiber.Ctx, code string) (url.Values, error) {
		on := c.FormValue("supervisor") == "1"
		return doneQuery("supervisor"), s.depts.SetSupervisor(c.UserContext(), code, on, me(c).Username, s.now())
	},
	"close": func(s *Server, c *fiber.Ctx, code string) (url.Values, error) {
		return doneQuery("closed"), s.st.reports.CloseDepartment(c.UserContext(), code, me(c).Username)
	},
	"reopen": func(s *Server, c *fiber.Ctx, code string) (url.Values, error) {
		return doneQuery("reopened"), s.depts.Reopen(c.UserContext(), code, me(c).Username, s.now())
	},
	"move-cases": func(s *Server, c *fiber.Ctx, code string) (url.Values, error) {
		res, err := s.st.reports.MoveCases(c.UserContext(), code, c.FormValue("to"), actor(c).String())
		if err != nil {
			return nil, err
		}
		return url.Values{"done": {"cases"}, "moved": {strconv.Itoa(res.Moved)}, "refused": {strings.Join(res.Refused, ",")}}, nil
	},
}

func (s *Server) handleAdminDepts(c *fiber.Ctx) error {
	p := s.deptPage(c)
	p.Done = deptDone[c.Query("done")]
	if c.Query("done") == "cases" {
		p.Done = casesMoved(c.Query("moved"), c.Query("refused"))
	}
	return s.renderDepts(c, p, c.Query("code"), fiber.StatusOK)
}

func (s *Server) deptPage(c *fiber.Ctx) *deptAdminPage {
	return &deptAdminPage{refEditBase: s.refEditBase(c, "单位管理", "departments"), Region: strings.TrimSpace(c.Query("region"))}
}

func (s *Server) handleAdminDeptAdd(c *fiber.Ctx) error {
	d := catalog.Department{Code: c.FormValue("code"), Name: c.FormValue("name"), RegionCode: c.FormValue("region"),
		ParentCode: c.FormValue("parent"), Kind: c.FormValue("kind"), Supervisor: c.FormValue("supervisor") == "1"}
	added, err := s.depts.Add(c.UserContext(), d, me(c).Username, s.now())
	if err != nil {
		p := s.deptPage(c)
		p.Form = d
		return s.deptFailed(c, p, "", err)
	}
	return c.Redirect("/staff/admin/departments?done=added&code="+url.QueryEscape(added.Code), fiber.StatusSeeOther)
}

func (s *Server) handleAdminDeptAction(c *fiber.Ctx) error {
	act, ok := deptActions[c.Params("action")]
	if !ok {
		return domain.ErrNotFound
	}
	code := c.Params("code")
	done, err := act(s, c, code)
	if err != nil {
		p := s.deptPage(c)
		p.MoveTo = c.FormValue("to")
		return s.deptFailed(c, p, code, err)
	}
	done.Set("code", code)
	return c.Redirect("/staff/admin/departments?"+done.Encode(), fiber.StatusSeeOther)
}

// deptFailed shows the page again with a validation error (400) and
// passes any other error on.
func (s *Server) deptFailed(c *fiber.Ctx, p *deptAdminPage, code string, err error) error {
	var ve *domain.ValidationError
	if !errors.As(err, &ve) {
		return err
	}
	p.Error, p.Fields = ve.Message, ve.Fields
	return s.renderDepts(c, p, code, fiber.StatusBadRequest)
}

func (s *Server) renderDepts(c *fiber.Ctx, p *deptAdminPage, code string, status int) error {
	ctx := c.UserContext()
	page, _ := strconv.Atoi(c.Query("page", "1"))
	pg := catalog.Paging{Page: page, PerPage: deptsPerPage}.Normalize()
	ds, total, err := s.depts.Page(ctx, p.Region, true, pg)
	if err != nil {
		return err
	}
	if p.Rows, err = s.deptRows(c, ds); err != nil {
		return err
	}
	p.Total, p.Kinds = total, catalog.DeptKinds
	if int64(pg.Page*pg.PerPage) < total {
		p.Next = deptsURL(p.Region, pg.Page+1)
	}
	if pg.Page > 1 {
		p.Prev = deptsURL(p.Region, pg.Page-1)
	}
	if err := s.deptEdit(c, p, code); err != nil {
		return err
	}
	key := ""
	if p.Edit != nil {
		key = p.Edit.Code
	}
	if p.History, err = catalog.RefHistory(ctx, s.cfg.DB, catalog.RefDepartment, key, refHistoryLimit); err != nil {
		return err
	}
	c.Status(status)
	return s.render(c, "staff_admin_departments", p)
}

func (s *Server) deptRows(c *fiber.Ctx, ds []catalog.Department) ([]deptRow, error) {
	codes := make([]string, len(ds))
	for i, d := range ds {
		codes[i] = d.Code
	}
	open, err := s.st.reports.OpenCasesOf(c.UserContext(), codes)
	rows := make([]deptRow, len(ds))
	for i, d := range ds {
		rows[i] = deptRow{Department: d, KindName: catalog.DeptKindName(d.Kind), Open: open[d.Code]}
	}
	return rows, err
}

// deptEdit fills the panel of the department opened with ?code=, with
// open departments nearby as suggestions for taking over its cases.
func (s *Server) deptEdit(c *fiber.Ctx, p *deptAdminPage, code string) error {
	if code == "" {
		return nil
	}
	ctx := c.UserContext()
	d, err := s.depts.Get(ctx, code)
	if errors.Is(err, domain.ErrNotFound) {
		p.Error = "没有这个单位：" + code
		return nil
	}
	if err != nil {
		return err
	}
	rows, err := s.deptRows(c, []catalog.Department{*d})
	if err != nil {
		return err
	}
	p.Edit = &rows[0]
	for _, region := range []string{d.RegionCode, catalog.ParentOf(d.RegionCode)} {
		ds, err := s.depts.List(ctx, region, false)
		if err != nil {
			return err
		}
		for _, o := range catalog.OpenDepartments(ds) {
			if o.Code != d.Code && len(p.Suggestions) < 100 {
				p.Suggestions = append(p.Suggestions, o)
			}
		}
	}
	return nil
}

var trackingNoRE = regexp.MustCompile(`^\d{8}-\d{8}$`)

// casesMoved says what move-cases did, from its redirect's query (only
// numbers and tracking numbers are taken from it).
func casesMoved(moved, refused string) string {
	n, _ := strconv.Atoi(moved)
	done := fmt.Sprintf("已移交 %d 件举报。", n)
	var nos []string
	for _, no := range strings.Split(refused, ",") {
		if trackingNoRE.MatchString(no) {
			nos = append(nos, no)
		}
	}
	if len(nos) > 0 {
		done += fmt.Sprintf("%d 件不能交给该单位（它是被反映单位，或反映违纪的须由纪委监委办理），未移交：%s。已记录在案，请另选接收单位。",
			len(nos), strings.Join(nos, "、"))
	}
	return done
}

func deptsURL(region string, page int) string {
	v := url.Values{"page": {strconv.Itoa(page)}}
	if region != "" {
		v.Set("region", region)
	}
	return "/staff/admin/departments?" + v.Encode()
}
