package report

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"sunlight/catalog"
	"sunlight/domain"
)

// Named is a code with its Chinese name, for forms and listings.
type Named struct{ Code, Name string }

// SubjectKinds are the kinds a rule (and a report) may be about.
var SubjectKinds = []Named{
	{catalog.SubjectVillage, "村(社区)"}, {catalog.SubjectRegion, "地区"}, {catalog.SubjectDisclosure, "公开事项"},
	{catalog.SubjectFund, "惠民资金"}, {catalog.SubjectCategory, "资金类别"}, {catalog.SubjectDept, "单位"},
}

// Targets are how a rule finds the department that answers.
var Targets = []Named{
	{TargetLocalGov, "所在乡镇政府"}, {TargetSubjectDept, "主管部门"},
	{TargetParentDept, "被反映单位的上级"}, {TargetSupervisor, "上一级纪委监委"},
}

// AccusedKinds are whom a rule says the report accuses ("" for no one).
var AccusedKinds = []Named{
	{"", "无（不是反映违纪）"}, {AccusedLocalBody, "村委会或当地政府"},
	{AccusedTownGov, "乡镇政府"}, {AccusedSubjectDept, "被反映的单位"},
}

func nameOf(list []Named, code string) (string, bool) {
	for _, n := range list {
		if n.Code == code {
			return n.Name, true
		}
	}
	return code, false
}

// SubjectKindName, TargetName and AccusedName are the Chinese names.
func SubjectKindName(code string) string { n, _ := nameOf(SubjectKinds, code); return n }

// TargetName is a target in Chinese.
func TargetName(code string) string { n, _ := nameOf(Targets, code); return n }

// AccusedName is an accused kind in Chinese.
func AccusedName(code string) string { n, _ := nameOf(AccusedKinds, code); return n }

// RuleKey names a rule's slot in the reference-data history.
func RuleKey(r *RoutingRule) string {
	return fmt.Sprintf("%s/%s/%d", r.SubjectKind, r.ProblemType, r.RegionLevel)
}

// CheckRule validates a rule before SetRule stores it: a known subject
// kind, a problem type of that kind ("" for any), a region level 0–5, a
// known target and accused; the head flag only with an accused.
func (s *Service) CheckRule(ctx context.Context, r *RoutingRule) error {
	r.SubjectKind, r.ProblemType = strings.TrimSpace(r.SubjectKind), strings.TrimSpace(r.ProblemType)
	r.Target, r.Accused, r.Note = strings.TrimSpace(r.Target), strings.TrimSpace(r.Accused), strings.TrimSpace(r.Note)
	if _, ok := nameOf(SubjectKinds, r.SubjectKind); !ok {
		return domain.Invalid("未知的举报对象类别“"+r.SubjectKind+"”", "kind", "请选择举报对象类别")
	}
	_, ok, err := s.problems.Of(ctx, r.SubjectKind, r.ProblemType)
	if err != nil {
		return err
	}
	if r.ProblemType != "" && !ok {
		msg := fmt.Sprintf("“%s”不是%s的问题类型", r.ProblemType, SubjectKindName(r.SubjectKind))
		return domain.Invalid(msg, "problem_type", msg)
	}
	if r.RegionLevel < 0 || r.RegionLevel > int(catalog.Village) {
		return domain.Invalid("地区层级应为0（不限）至5（村）", "level", "地区层级不正确")
	}
	if _, ok := nameOf(Targets, r.Target); !ok {
		return domain.Invalid("未知的办理单位规则“"+r.Target+"”", "target", "请选择办理单位")
	}
	if _, ok := nameOf(AccusedKinds, r.Accused); !ok {
		return domain.Invalid("未知的被反映对象“"+r.Accused+"”", "accused", "请选择被反映对象")
	}
	if r.AccusedHead && r.Accused == "" {
		return domain.Invalid("反映主要负责人时须选择被反映对象", "accused", "请选择被反映对象")
	}
	if utf8.RuneCountInString(r.Note) > 200 {
		return domain.Invalid("说明不能超过200字", "note", "说明不能超过200字")
	}
	return nil
}

// recordRule writes a rule change into the reference-data history.
func recordRule(tx *gorm.DB, old []RoutingRule, r *RoutingRule, by string, at time.Time) error {
	var before any
	action := "新增"
	if len(old) > 0 {
		before, action = &old[0], "修改"
	}
	return catalog.RecordRefChange(tx, catalog.RefRoutingRule, RuleKey(r), action, by, before, r, at)
}

// RoutePreview is where a report would go now, and why.
type RoutePreview struct {
	Subject     *catalog.Subject
	ProblemType ProblemType
	Rule        *RoutingRule // the rule that matched; nil for none
	Dept        *catalog.Department
	Accused     *catalog.Department
	AccusedHead bool
	// Fallback: the rule named no open department, so the nearest
	// supervisor takes it; Stuck: nobody may, it would wait undispatched.
	Fallback bool
	Stuck    string
}

// PreviewRoute says where a report on subject of problem type pt would be
// dispatched now, by the very routing that intake uses, without filing
// anything.
func (s *Service) PreviewRoute(ctx context.Context, subject, pt string) (*RoutePreview, error) {
	sub, err := s.subjects.Resolve(ctx, strings.TrimSpace(subject))
	var ve *domain.ValidationError
	switch {
	case errors.As(err, &ve):
		return nil, domain.Invalid("举报对象不正确："+ve.Message, "subject", ve.Message)
	case errors.Is(err, domain.ErrNotFound):
		return nil, domain.Invalid("没有找到这个举报对象："+subject, "subject", "举报对象不存在")
	case err != nil:
		return nil, err
	}
	p, ok, err := s.problems.Of(ctx, sub.Kind, strings.TrimSpace(pt))
	if err != nil {
		return nil, err
	}
	if !ok {
		msg := fmt.Sprintf("“%s”不是%s的问题类型", pt, SubjectKindName(sub.Kind))
		return nil, domain.Invalid(msg, "problem_type", msg)
	}
	out := &RoutePreview{Subject: sub, ProblemType: p}
	rt, err := s.route(ctx, s.db.WithContext(ctx), sub, p.Code)
	if err != nil && !errors.Is(err, domain.ErrNotFound) {
		return nil, err
	}
	if err != nil {
		out.Stuck = "没有可以受理的单位，举报将等待派发"
	}
	return out, s.explain(ctx, out, rt)
}

func (s *Service) explain(ctx context.Context, out *RoutePreview, rt *Route) error {
	if rt == nil {
		return nil
	}
	out.Fallback, out.AccusedHead = rt.Fallback, rt.AccusedHead
	if rt.RuleID != 0 {
		var r RoutingRule
		if err := s.db.WithContext(ctx).Where("id = ?", rt.RuleID).Take(&r).Error; err != nil {
			return err
		}
		out.Rule = &r
	}
	var err error
	if rt.DeptCode != "" && out.Stuck == "" {
		if out.Dept, err = s.depts.Get(ctx, rt.DeptCode); err != nil {
			return err
		}
	}
	if rt.AccusedDept != "" {
		out.Accused, err = s.depts.Get(ctx, rt.AccusedDept)
	}
	return err
}
