package report

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"sunlight/catalog"
	"sunlight/domain"
)

// Routing targets: how a rule finds the department that must answer.
const (
	TargetLocalGov    = "local_gov"    // the town government (for a village: its town's)
	TargetSubjectDept = "subject_dept" // the fund's, category's or disclosure's department
	TargetParentDept  = "parent_dept"  // the body above the subject department
	TargetSupervisor  = "supervisor"   // the 纪委 one level above the accused
)

// Who a rule says the report accuses.
const (
	AccusedLocalBody   = "local_body"   // the village committee (village) or the region's government
	AccusedTownGov     = "town_gov"     // the town government above the subject
	AccusedSubjectDept = "subject_dept" // the subject's department
)

// Route is where a report goes and whom it accuses.
type Route struct {
	DeptCode      string
	DeptRegion    string
	AccusedDept   string
	AccusedRegion string
	AccusedHead   bool
	RuleID        uint64 // the rule that matched (0 for none)
	// Fallback: the rules named no open department, so the report goes
	// to the nearest supervisor (or the one above the accused).
	Fallback bool
}

// DefaultRules are the seeded routing rules: "小事不出村、大事不出镇" —
// village matters go to the town; fund matters to the fund's department;
// misconduct to the supervisor above the accused.
func DefaultRules() []RoutingRule {
	var out []RoutingRule
	add := func(kind, pt string, target, accused string, head bool, note string) {
		out = append(out, RoutingRule{SubjectKind: kind, ProblemType: pt, Target: target, Accused: accused, AccusedHead: head, Note: note})
	}
	for _, kind := range []string{catalog.SubjectVillage, catalog.SubjectDisclosure, catalog.SubjectRegion} {
		add(kind, "", TargetLocalGov, "", false, "村里的事由乡镇政府办理")
		add(kind, "misconduct", TargetSupervisor, AccusedLocalBody, false, "反映干部违纪：上一级纪委")
		add(kind, "misconduct_head", TargetSupervisor, AccusedLocalBody, true, "反映主要负责人：再上一级纪委")
	}
	add(catalog.SubjectVillage, "town_misconduct", TargetSupervisor, AccusedTownGov, false, "反映乡镇干部：县纪委监委")
	add(catalog.SubjectDisclosure, "town_misconduct", TargetSupervisor, AccusedTownGov, false, "反映乡镇干部：县纪委监委")
	for _, kind := range []string{catalog.SubjectFund, catalog.SubjectCategory} {
		add(kind, "", TargetSubjectDept, "", false, "资金问题由主管部门办理")
		add(kind, "misconduct", TargetSupervisor, AccusedSubjectDept, false, "")
		add(kind, "misconduct_head", TargetSupervisor, AccusedSubjectDept, true, "")
	}
	add(catalog.SubjectDept, "", TargetParentDept, AccusedSubjectDept, false, "反映某单位的，由其上级办理，不交给被反映单位")
	add(catalog.SubjectDept, "misconduct", TargetSupervisor, AccusedSubjectDept, false, "")
	add(catalog.SubjectDept, "misconduct_head", TargetSupervisor, AccusedSubjectDept, true, "")
	return out
}

// SeedRules adds the default rules when there are none. Idempotent.
func SeedRules(ctx context.Context, db *gorm.DB, at time.Time) error {
	var n int64
	if err := db.WithContext(ctx).Model(&RoutingRule{}).Count(&n).Error; err != nil || n > 0 {
		return err
	}
	rules := DefaultRules()
	for i := range rules {
		rules[i].ValidFrom = at.UTC()
		rules[i].CreatedBy = "system"
	}
	return db.WithContext(ctx).Create(&rules).Error
}

// SetRule replaces the active rule for (kind, problem type, level) by r,
// keeping the old one as history (and in the reference-data history). A
// rule naming an unknown kind, type, target or accused is refused with a
// *domain.ValidationError and changes nothing.
func (s *Service) SetRule(ctx context.Context, r RoutingRule, by string) error {
	if err := s.CheckRule(ctx, &r); err != nil {
		return err
	}
	now := s.now().UTC()
	return s.transact(ctx, func(tx *gorm.DB) error {
		var old []RoutingRule
		q := tx.Where("subject_kind = ? AND problem_type = ? AND region_level = ? AND valid_to IS NULL",
			r.SubjectKind, r.ProblemType, r.RegionLevel)
		if err := q.Find(&old).Error; err != nil {
			return err
		}
		if err := tx.Model(&RoutingRule{}).Where("subject_kind = ? AND problem_type = ? AND region_level = ? AND valid_to IS NULL",
			r.SubjectKind, r.ProblemType, r.RegionLevel).Update("valid_to", now).Error; err != nil {
			return err
		}
		r.ID, r.ValidFrom, r.ValidTo, r.CreatedBy = 0, now, nil, by
		if err := tx.Create(&r).Error; err != nil {
			return err
		}
		return recordRule(tx, old, &r, by, now)
	})
}

// Rules returns the rules in force at t.
func (s *Service) Rules(ctx context.Context, t time.Time) ([]RoutingRule, error) {
	var rs []RoutingRule
	err := s.db.WithContext(ctx).Where("valid_from <= ? AND (valid_to IS NULL OR valid_to > ?)", t.UTC(), t.UTC()).
		Order("subject_kind, problem_type, region_level").Find(&rs).Error
	return rs, err
}

// rule picks the most specific rule in force for the subject and type.
func (s *Service) rule(ctx context.Context, db *gorm.DB, sub *catalog.Subject, pt string) (*RoutingRule, error) {
	now := s.now().UTC()
	var rs []RoutingRule
	err := db.WithContext(ctx).Where("subject_kind = ? AND (problem_type = ? OR problem_type = '') AND valid_from <= ? AND (valid_to IS NULL OR valid_to > ?)",
		sub.Kind, pt, now, now).Find(&rs).Error
	if err != nil {
		return nil, err
	}
	level := int(catalog.LevelOf(sub.RegionCode))
	var best *RoutingRule
	score := -1
	for i := range rs {
		r := &rs[i]
		if r.RegionLevel != 0 && r.RegionLevel != level {
			continue
		}
		sc := 0
		if r.ProblemType != "" {
			sc += 2
		}
		if r.RegionLevel != 0 {
			sc++
		}
		if sc > score {
			best, score = r, sc
		}
	}
	if best == nil {
		return nil, fmt.Errorf("no routing rule for %s/%s: %w", sub.Kind, pt, domain.ErrNotFound)
	}
	return best, nil
}

// route finds the department for a report on sub of problem type pt. When
// the rules find no department (a subject with no region or department),
// the report goes to the nearest supervisor, or the top one, so that no
// report is left with nobody to answer it.
//
// An accusation is different: once the rules have named the accused, the
// fallback may only be a supervisor strictly above the accused (one more
// level for its head); if there is none, the report stays undispatched
// rather than reach the accused or a body at its level, and the returned
// route (with the error) still names the accused.
func (s *Service) route(ctx context.Context, db *gorm.DB, sub *catalog.Subject, pt string) (*Route, error) {
	rt, err := s.routeByRule(ctx, db, sub, pt)
	if err == nil || !errors.Is(err, domain.ErrNotFound) {
		return rt, err
	}
	if rt != nil && rt.AccusedDept != "" {
		return s.routeAboveAccused(ctx, db, rt)
	}
	var d catalog.Department
	q := db.WithContext(ctx).Where("supervisor = ? AND closed = ?", true, false).Order("LENGTH(region_code), code") // the top one
	if sub.RegionCode != "" {
		// The nearest one at or above the subject.
		q = db.WithContext(ctx).Where("supervisor = ? AND closed = ? AND region_code IN ?", true, false,
			append(catalog.AncestorCodes(sub.RegionCode), sub.RegionCode)).Order("LENGTH(region_code) DESC, code")
	}
	if err := q.Take(&d).Error; err != nil {
		return nil, fmt.Errorf("no department for %s and no supervisor: %w", sub, domain.ErrNotFound)
	}
	out := &Route{DeptCode: d.Code, DeptRegion: d.RegionCode, Fallback: true}
	if rt != nil {
		out.RuleID = rt.RuleID // the rule matched, but named no (open) department
	}
	return out, nil
}

// routeAboveAccused sends an accusation the rules could not place to the
// nearest supervisor strictly above the accused's region — two levels up
// when the accused is the body's head.
func (s *Service) routeAboveAccused(ctx context.Context, db *gorm.DB, rt *Route) (*Route, error) {
	region := catalog.ParentOf(rt.AccusedRegion)
	if rt.AccusedHead {
		region = catalog.ParentOf(region)
	}
	if region == "" {
		return rt, fmt.Errorf("no supervisor above the accused %s: %w", rt.AccusedDept, domain.ErrNotFound)
	}
	d, err := catalog.NewDepartmentStore(db).SupervisorAbove(ctx, region, false)
	if err != nil {
		return rt, fmt.Errorf("no supervisor above the accused %s: %w", rt.AccusedDept, err)
	}
	if d.Code == rt.AccusedDept {
		return rt, fmt.Errorf("only the accused %s could take it: %w", rt.AccusedDept, domain.ErrNotFound)
	}
	out := *rt
	out.DeptCode, out.DeptRegion, out.Fallback = d.Code, d.RegionCode, true
	return &out, nil
}

// routeByRule applies the routing rules. The result never names the
// accused department as the handler. When it fails after the accused is
// known, it still returns the route with the accused filled in, so that
// the caller's fallback can keep away from it.
func (s *Service) routeByRule(ctx context.Context, db *gorm.DB, sub *catalog.Subject, pt string) (*Route, error) {
	r, err := s.rule(ctx, db, sub, pt)
	if err != nil {
		return nil, err
	}
	depts := catalog.NewDepartmentStore(db)
	out := &Route{RuleID: r.ID, AccusedHead: r.AccusedHead}
	if r.Accused != "" {
		acc, err := s.accused(ctx, depts, sub, r.Accused)
		if err != nil {
			return nil, err
		}
		out.AccusedDept, out.AccusedRegion = acc.Code, acc.RegionCode
	}
	var target *catalog.Department
	switch r.Target {
	case TargetLocalGov:
		target, err = depts.AtRegion(ctx, townOf(sub.RegionCode), catalog.KindGovernment)
	case TargetSubjectDept:
		target, err = subjectDept(ctx, depts, sub)
	case TargetParentDept:
		var d *catalog.Department
		if d, err = subjectDept(ctx, depts, sub); err == nil {
			target, err = depts.Get(ctx, d.ParentCode)
		}
	case TargetSupervisor:
		target, err = s.supervisorFor(ctx, depts, out, sub)
	default:
		err = fmt.Errorf("routing rule %d: unknown target %q", r.ID, r.Target)
	}
	if err == nil && target.Closed {
		err = fmt.Errorf("routing rule %d: department %s is closed: %w", r.ID, target.Code, domain.ErrNotFound)
	}
	if err != nil {
		return out, err
	}
	// Never to the accused: if a rule would send it there, it goes to the
	// supervisor above instead.
	if out.AccusedDept != "" && target.Code == out.AccusedDept {
		if target, err = depts.SupervisorAbove(ctx, target.RegionCode, true); err != nil {
			return out, err
		}
	}
	out.DeptCode, out.DeptRegion = target.Code, target.RegionCode
	return out, nil
}

func (s *Service) accused(ctx context.Context, depts *catalog.DepartmentStore, sub *catalog.Subject, who string) (*catalog.Department, error) {
	switch who {
	case AccusedLocalBody:
		if catalog.LevelOf(sub.RegionCode) == catalog.Village {
			return depts.AtRegion(ctx, sub.RegionCode, catalog.KindCommittee)
		}
		return depts.AtRegion(ctx, sub.RegionCode, catalog.KindGovernment)
	case AccusedTownGov:
		return depts.AtRegion(ctx, townOf(sub.RegionCode), catalog.KindGovernment)
	case AccusedSubjectDept:
		return subjectDept(ctx, depts, sub)
	}
	return nil, fmt.Errorf("unknown accused %q", who)
}

// supervisorFor is the 纪委 one level above the accused: above the region
// when the accused is the region's own body (village committee, town or
// county government), the region's own 纪委 for one of its bureaus; and one
// more level up when the accusation is against the body's head (纪检监察机关
// 处理检举控告工作规则 Art. 15).
func (s *Service) supervisorFor(ctx context.Context, depts *catalog.DepartmentStore, rt *Route, sub *catalog.Subject) (*catalog.Department, error) {
	if rt.AccusedDept == "" {
		return depts.SupervisorAbove(ctx, sub.RegionCode, false)
	}
	acc, err := depts.Get(ctx, rt.AccusedDept)
	if err != nil {
		return nil, err
	}
	region := acc.RegionCode
	strictly := acc.Kind == catalog.KindGovernment || acc.Kind == catalog.KindCommittee || acc.Supervisor
	if rt.AccusedHead {
		if strictly {
			region = catalog.ParentOf(region)
		}
		strictly = true
	}
	if region == "" {
		return nil, fmt.Errorf("no supervisor above %s: %w", acc.Code, domain.ErrNotFound)
	}
	return depts.SupervisorAbove(ctx, region, strictly)
}

func subjectDept(ctx context.Context, depts *catalog.DepartmentStore, sub *catalog.Subject) (*catalog.Department, error) {
	if sub.DeptCode == "" {
		// A subject with no department (a disclosure) is the local body's.
		return depts.AtRegion(ctx, townOf(sub.RegionCode), catalog.KindGovernment)
	}
	return depts.Get(ctx, sub.DeptCode)
}

// townOf is the town a region lies in (itself if it is a town or above).
func townOf(code string) string {
	if catalog.LevelOf(code) == catalog.Village {
		return catalog.ParentOf(code)
	}
	return code
}
