package portal

import (
	"errors"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"sunlight/catalog"
	"sunlight/domain"
	"sunlight/report"
	"sunlight/search"
)

// The administrator's pages for problem types, deadlines and search
// synonyms: reference data officials run themselves. Each change is
// recorded (catalog.RecordRefChange) and each page shows its history.

// refPage is what every reference-data page has: its place in the menu,
// the history of its kind, and the outcome of the last action.
type refPage struct {
	staffPage
	Sub     string // refnav's current entry
	History []catalog.RefChange
	Done    string
	Error   string
	Fields  map[string]string
}

// refHistoryRows is how many changes a page lists.
const refHistoryRows = 50

var refDone = map[string]string{
	"added": "已新增。", "renamed": "已修改名称。", "disabled": "已停用：不再供群众选择，已有举报仍显示原名称。",
	"enabled": "已启用。", "saved": "已保存：此后新计算的期限按新设置，已在办理中的举报期限不变。",
	"removed": "已删除。", "deleted": "已删除整组。",
}

// newRefPage starts a page of the kind (catalog.Ref…) with its history.
func (s *Server) newRefPage(c *fiber.Ctx, title, sub, kind string) (refPage, error) {
	p := refPage{staffPage: s.staffPage(c, title, "refdata"), Sub: sub, Done: refDone[c.Query("done")]}
	var err error
	p.History, err = catalog.RefHistory(c.UserContext(), s.cfg.DB, kind, "", refHistoryRows)
	return p, err
}

// refResult ends an action: back to the page with a message on success,
// the page again with the Chinese message and a 400 on bad input.
func (s *Server) refResult(c *fiber.Ctx, err error, path, done string, again func(p refPage) error) error {
	var ve *domain.ValidationError
	if errors.As(err, &ve) {
		p := refPage{Error: ve.Message, Fields: ve.Fields}
		c.Status(fiber.StatusBadRequest)
		return again(p)
	}
	if err != nil {
		return err
	}
	return c.Redirect(path+"?done="+done, fiber.StatusSeeOther)
}

// subjectKindNames are the subject kinds in Chinese.
var subjectKindNames = map[string]string{
	catalog.SubjectVillage: "村", catalog.SubjectDisclosure: "村务公开", catalog.SubjectRegion: "乡镇、县区",
	catalog.SubjectFund: "项目资金", catalog.SubjectCategory: "补贴项目", catalog.SubjectDept: "单位",
}

type problemKindOption struct{ Code, Name string }

type problemTypesPage struct {
	refPage
	Kinds []problemKindOption
	Types []problemTypeRow
	Form  report.ProblemType
}

type problemTypeRow struct {
	report.ProblemType
	KindName string
}

func (s *Server) renderProblemTypes(c *fiber.Ctx, r refPage, form report.ProblemType) error {
	base, err := s.newRefPage(c, "问题类型", "problem-types", catalog.RefProblemType)
	if err != nil {
		return err
	}
	base.Error, base.Fields = r.Error, r.Fields
	p := problemTypesPage{refPage: base, Form: form}
	for _, k := range report.ProblemKinds {
		p.Kinds = append(p.Kinds, problemKindOption{k, subjectKindNames[k]})
	}
	all, err := s.st.reports.ProblemTypes().All(c.UserContext())
	if err != nil {
		return err
	}
	for _, t := range all {
		p.Types = append(p.Types, problemTypeRow{ProblemType: t, KindName: subjectKindNames[t.SubjectKind]})
	}
	return s.render(c, "staff_admin_problem_types", &p)
}

func (s *Server) handleAdminProblemTypes(c *fiber.Ctx) error {
	return s.renderProblemTypes(c, refPage{}, report.ProblemType{})
}

func (s *Server) handleAdminProblemTypeAdd(c *fiber.Ctx) error {
	in := report.ProblemType{SubjectKind: c.FormValue("kind"), Code: c.FormValue("code"), Name: c.FormValue("name"),
		Description: c.FormValue("description")}
	err := s.st.reports.ProblemTypes().AddProblemType(c.UserContext(), in, me(c).Username)
	return s.refResult(c, err, "/staff/admin/problem-types", "added", func(p refPage) error { return s.renderProblemTypes(c, p, in) })
}

func (s *Server) handleAdminProblemTypeRename(c *fiber.Ctx) error {
	err := s.st.reports.ProblemTypes().RenameProblemType(c.UserContext(), c.Params("kind"), c.Params("code"),
		c.FormValue("name"), c.FormValue("description"), me(c).Username)
	return s.refResult(c, err, "/staff/admin/problem-types", "renamed", func(p refPage) error {
		return s.renderProblemTypes(c, p, report.ProblemType{})
	})
}

func (s *Server) handleAdminProblemTypeDisable(c *fiber.Ctx) error {
	disable := c.FormValue("disabled") == "1"
	err := s.st.reports.ProblemTypes().SetProblemTypeDisabled(c.UserContext(), c.Params("kind"), c.Params("code"), disable, me(c).Username)
	done := "enabled"
	if disable {
		done = "disabled"
	}
	return s.refResult(c, err, "/staff/admin/problem-types", done, func(p refPage) error {
		return s.renderProblemTypes(c, p, report.ProblemType{})
	})
}

type deadlinesPage struct {
	refPage
	Settings []report.DeadlineSetting
	Limits   map[string]report.DeadlineLimit
	Stage    string // the stage the error is about
}

func (s *Server) renderDeadlines(c *fiber.Ctx, r refPage, stage string) error {
	base, err := s.newRefPage(c, "办理时限", "deadlines", catalog.RefDeadline)
	if err != nil {
		return err
	}
	base.Error, base.Fields = r.Error, r.Fields
	p := deadlinesPage{refPage: base, Limits: report.DeadlineLimits, Stage: stage}
	if p.Settings, err = s.st.reports.Deadlines(c.UserContext()); err != nil {
		return err
	}
	return s.render(c, "staff_admin_deadlines", &p)
}

func (s *Server) handleAdminDeadlines(c *fiber.Ctx) error { return s.renderDeadlines(c, refPage{}, "") }

func (s *Server) handleAdminDeadlineSet(c *fiber.Ctx) error {
	stage := c.Params("stage")
	n, err := strconv.Atoi(c.FormValue("value"))
	if err != nil {
		err = domain.Invalid("请填写一个整数", "value", "请填写一个整数")
	} else {
		err = s.st.reports.SetDeadline(c.UserContext(), stage, n, me(c).Username)
	}
	return s.refResult(c, err, "/staff/admin/deadlines", "saved", func(p refPage) error { return s.renderDeadlines(c, p, stage) })
}

type synonymsPage struct {
	refPage
	Groups []search.SynonymSet
	Terms  string // what was typed into the new group's field
	Group  uint64 // the group the error is about
}

func (s *Server) renderSynonyms(c *fiber.Ctx, r refPage, terms string, group uint64) error {
	base, err := s.newRefPage(c, "搜索同义词", "synonyms", catalog.RefSynonym)
	if err != nil {
		return err
	}
	base.Error, base.Fields = r.Error, r.Fields
	p := synonymsPage{refPage: base, Terms: terms, Group: group}
	if p.Groups, err = s.cfg.Synonyms.Groups(c.UserContext()); err != nil {
		return err
	}
	return s.render(c, "staff_admin_synonyms", &p)
}

func (s *Server) handleAdminSynonyms(c *fiber.Ctx) error {
	return s.renderSynonyms(c, refPage{}, "", 0)
}

func (s *Server) handleAdminSynonymAdd(c *fiber.Ctx) error {
	terms := c.FormValue("terms")
	_, err := s.cfg.Synonyms.AddGroup(c.UserContext(), search.ParseTerms(terms), me(c).Username)
	return s.refResult(c, err, "/staff/admin/synonyms", "added", func(p refPage) error { return s.renderSynonyms(c, p, terms, 0) })
}

// synonymAction runs an action on the group :id.
func (s *Server) synonymAction(c *fiber.Ctx, done string, act func(id uint64, actor string) error) error {
	id, err := strconv.ParseUint(c.Params("id"), 10, 64)
	if err != nil {
		return domain.ErrNotFound
	}
	err = act(id, me(c).Username)
	return s.refResult(c, err, "/staff/admin/synonyms", done, func(p refPage) error { return s.renderSynonyms(c, p, "", id) })
}

func (s *Server) handleAdminSynonymTermAdd(c *fiber.Ctx) error {
	return s.synonymAction(c, "added", func(id uint64, actor string) error {
		return s.cfg.Synonyms.AddTerm(c.UserContext(), id, c.FormValue("term"), actor)
	})
}

func (s *Server) handleAdminSynonymTermRemove(c *fiber.Ctx) error {
	return s.synonymAction(c, "removed", func(id uint64, actor string) error {
		return s.cfg.Synonyms.RemoveTerm(c.UserContext(), id, c.FormValue("term"), actor)
	})
}

func (s *Server) handleAdminSynonymDelete(c *fiber.Ctx) error {
	return s.synonymAction(c, "deleted", func(id uint64, actor string) error {
		return s.cfg.Synonyms.DeleteGroup(c.UserContext(), id, actor)
	})
}
