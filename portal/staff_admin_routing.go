package portal

import (
	"context"
	"errors"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"sunlight/catalog"
	"sunlight/domain"
	"sunlight/report"
)

// refEditBase is what the admin's reference-data pages share: the menu
// (Sub), the change history, and a form's outcome.
type refEditBase struct {
	staffPage
	Sub     string
	History []catalog.RefChange
	Done    string
	Error   string
	Fields  map[string]string
}

func (s *Server) refEditBase(c *fiber.Ctx, title, sub string) refEditBase {
	return refEditBase{staffPage: s.staffPage(c, title, "refdata"), Sub: sub}
}

// refHistoryLimit is how many changes a page shows.
const refHistoryLimit = 50

type ruleRow struct {
	report.RoutingRule
	KindName, TypeName, LevelName, TargetName, AccusedName string
}

type kindTypes struct {
	Kind  report.Named
	Types []report.ProblemType
}

type routingAdminPage struct {
	refEditBase
	Rules   []ruleRow
	Kinds   []kindTypes
	Targets []report.Named
	Accused []report.Named
	Levels  []report.Named
	Form    report.RoutingRule
	// The preview: what was asked and where it would go.
	PreviewSubject, PreviewType string
	Preview                     *report.RoutePreview
	PreviewError                string
}

var routingDone = map[string]string{"saved": "派单规则已保存，新的举报按新规则派发。"}

func levelName(l int) string {
	if l == 0 {
		return "不限"
	}
	return catalog.Level(l).Name()
}

func (s *Server) handleAdminRouting(c *fiber.Ctx) error {
	p := routingAdminPage{refEditBase: s.refEditBase(c, "派单规则", "routing"),
		PreviewSubject: c.Query("subject"), PreviewType: c.Query("problem_type")}
	p.Done = routingDone[c.Query("done")]
	p.Form.SubjectKind = catalog.SubjectVillage
	status := fiber.StatusOK
	if p.PreviewSubject != "" || p.PreviewType != "" {
		pv, err := s.st.reports.PreviewRoute(c.UserContext(), p.PreviewSubject, p.PreviewType)
		var ve *domain.ValidationError
		if errors.As(err, &ve) {
			p.PreviewError, status = ve.Message, fiber.StatusBadRequest
		} else if err != nil {
			return err
		}
		p.Preview = pv
	}
	return s.renderRouting(c, &p, status)
}

func (s *Server) handleAdminRoutingSet(c *fiber.Ctx) error {
	level, _ := strconv.Atoi(c.FormValue("level", "0"))
	r := report.RoutingRule{SubjectKind: c.FormValue("kind"), ProblemType: c.FormValue("problem_type"), RegionLevel: level,
		Target: c.FormValue("target"), Accused: c.FormValue("accused"), AccusedHead: c.FormValue("head") == "1",
		Note: c.FormValue("note")}
	if c.FormValue("level") != "" && strconv.Itoa(level) != c.FormValue("level") {
		r.RegionLevel = -1 // not a number: CheckRule says so
	}
	err := s.st.reports.SetRule(c.UserContext(), r, me(c).Username)
	var ve *domain.ValidationError
	if errors.As(err, &ve) {
		p := routingAdminPage{refEditBase: s.refEditBase(c, "派单规则", "routing"), Form: r}
		p.Error, p.Fields = ve.Message, ve.Fields
		return s.renderRouting(c, &p, fiber.StatusBadRequest)
	}
	if err != nil {
		return err
	}
	return c.Redirect("/staff/admin/routing?done=saved", fiber.StatusSeeOther)
}

func (s *Server) renderRouting(c *fiber.Ctx, p *routingAdminPage, status int) error {
	ctx := c.UserContext()
	rules, err := s.st.reports.Rules(ctx, s.now())
	if err != nil {
		return err
	}
	types := s.st.reports.ProblemTypes()
	for _, r := range rules {
		p.Rules = append(p.Rules, ruleRow{RoutingRule: r, KindName: report.SubjectKindName(r.SubjectKind),
			TypeName: ruleTypeName(ctx, types, r.SubjectKind, r.ProblemType), LevelName: levelName(r.RegionLevel),
			TargetName: report.TargetName(r.Target), AccusedName: report.AccusedName(r.Accused)})
	}
	for _, k := range report.SubjectKinds {
		offered, err := types.Offered(ctx, k.Code)
		if err != nil {
			return err
		}
		p.Kinds = append(p.Kinds, kindTypes{Kind: k, Types: offered})
	}
	p.Targets, p.Accused = report.Targets, report.AccusedKinds
	for l := 0; l <= int(catalog.Village); l++ {
		p.Levels = append(p.Levels, report.Named{Code: strconv.Itoa(l), Name: levelName(l)})
	}
	if p.History, err = catalog.RefHistory(ctx, s.cfg.DB, catalog.RefRoutingRule, "", refHistoryLimit); err != nil {
		return err
	}
	c.Status(status)
	return s.render(c, "staff_admin_routing", p)
}

func ruleTypeName(ctx context.Context, types *report.ProblemTypeStore, kind, pt string) string {
	if pt == "" {
		return "其他（未单列的问题类型）"
	}
	return types.Name(ctx, kind, pt)
}
