package report

import (
	"context"
	"errors"
	"strings"
	"testing"

	"gorm.io/gorm"

	"sunlight/catalog"
	"sunlight/domain"
	"sunlight/internal/testdb"
)

// TestRoutePreview: the preview names the department, the accused and the
// rule that matched, and follows a rule edit exactly as intake does.
func TestRoutePreview(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		s, clk := setup(t, db)
		p, err := s.PreviewRoute(ctx, "village:"+tVillage, "land")
		if err != nil {
			t.Fatal(err)
		}
		if p.Dept == nil || p.Dept.Code != tTownGov || p.Rule == nil || p.Rule.Note != "村里的事由乡镇政府办理" || p.Accused != nil {
			t.Fatalf("preview before: %+v", p)
		}
		p, err = s.PreviewRoute(ctx, "village:"+tVillage, "misconduct_head")
		if err != nil || p.Dept.Code != tCountyJW || p.Accused == nil || p.Accused.Code != tCommittee || !p.AccusedHead {
			t.Fatalf("preview of an accusation: %+v %v", p, err)
		}
		rule := RoutingRule{SubjectKind: "village", ProblemType: "land", Target: TargetSupervisor, Note: "土地问题交纪委"}
		if err := s.SetRule(ctx, rule, "admin"); err != nil {
			t.Fatal(err)
		}
		clk.Set(t0.Add(1))
		p, err = s.PreviewRoute(ctx, "village:"+tVillage, "land")
		if err != nil || p.Dept.Code != tTownJW || p.Rule.Note != "土地问题交纪委" || p.Rule.ProblemType != "land" {
			t.Fatalf("preview after the edit: %+v %v", p, err)
		}
		_, r := submit(t, s, "village:"+tVillage, "land")
		if r.DeptCode != p.Dept.Code {
			t.Errorf("intake routed to %s, the preview said %s", r.DeptCode, p.Dept.Code)
		}
		hist, err := catalog.RefHistory(ctx, db, catalog.RefRoutingRule, "village/land/0", 10)
		if err != nil || len(hist) != 1 || hist[0].Action != "新增" || hist[0].Actor != "admin" || !strings.Contains(hist[0].After, "土地问题交纪委") {
			t.Errorf("history: %+v %v", hist, err)
		}
		if err := s.SetRule(ctx, RoutingRule{SubjectKind: "village", ProblemType: "land", Target: TargetLocalGov}, "admin"); err != nil {
			t.Fatal(err)
		}
		if hist, _ = catalog.RefHistory(ctx, db, catalog.RefRoutingRule, "village/land/0", 10); len(hist) != 2 || hist[0].Action != "修改" || hist[0].Before == "" {
			t.Errorf("second change: %+v", hist)
		}
	})
}

// TestRoutingBadInput: a bad rule or preview gives a Chinese message and
// changes nothing.
func TestRoutingBadInput(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		s, _ := setup(t, db)
		rules, changes := testdb.Count(t, db, &RoutingRule{}), testdb.Count(t, db, &catalog.RefChange{})
		for _, r := range []RoutingRule{
			{SubjectKind: "planet", Target: TargetLocalGov},
			{SubjectKind: "village", ProblemType: "fund_late", Target: TargetLocalGov},
			{SubjectKind: "village", Target: "moon"},
			{SubjectKind: "village", Target: TargetLocalGov, RegionLevel: 9},
			{SubjectKind: "village", Target: TargetLocalGov, Accused: "everyone"},
			{SubjectKind: "village", Target: TargetSupervisor, AccusedHead: true},
		} {
			err := s.SetRule(ctx, r, "admin")
			var ve *domain.ValidationError
			if !errors.As(err, &ve) || !hasHan(ve.Message) {
				t.Errorf("%+v: %v", r, err)
			}
		}
		for _, c := range [][2]string{{"village:999999999999", "land"}, {"nonsense", "land"}, {"village:" + tVillage, "fund_late"}} {
			var ve *domain.ValidationError
			if _, err := s.PreviewRoute(ctx, c[0], c[1]); !errors.As(err, &ve) || !hasHan(ve.Message) {
				t.Errorf("preview %v: %v", c, err)
			}
		}
		if testdb.Count(t, db, &RoutingRule{}) != rules || testdb.Count(t, db, &catalog.RefChange{}) != changes {
			t.Error("bad input changed rows")
		}
	})
}

func hasHan(s string) bool {
	for _, r := range s {
		if r >= 0x4e00 && r <= 0x9fff {
			return true
		}
	}
	return false
}

// TestCloseDepartment: closing a department with open cases is refused
// with their number; moving them (a case never to the body it accuses:
// refused and recorded) lets the close go through, and from then on the
// department is no routing target.
func TestCloseDepartment(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		s, _ := setup(t, db)
		_, a := submit(t, s, "village:"+tVillage, "subsidy")
		_, b := submit(t, s, "dept:"+tCommittee, "attitude") // to the town, accusing the committee
		if a.DeptCode != tTownGov || b.DeptCode != tTownGov || b.AccusedDept != tCommittee {
			t.Fatalf("fixtures: %s, %s accusing %s", a.DeptCode, b.DeptCode, b.AccusedDept)
		}
		var ve *domain.ValidationError
		if err := s.CloseDepartment(ctx, tTownGov, "admin"); !errors.As(err, &ve) || !strings.Contains(ve.Message, "2 件") {
			t.Fatalf("close with open cases: %v", err)
		}
		res, err := s.MoveCases(ctx, tTownGov, tCommittee, "admin")
		if err != nil || res.Moved != 1 || len(res.Refused) != 1 || res.Refused[0] != b.TrackingNo {
			t.Fatalf("move to the accused: %+v %v", res, err)
		}
		if got := reportByID(t, s, b.ID); got.DeptCode != tTownGov {
			t.Errorf("the accusation went to %s", got.DeptCode)
		}
		if refusals := testdb.Count(t, db, &Event{}, "report_id = ? AND type = ?", b.ID, EvReassignRefused); refusals != 1 {
			t.Errorf("refusal events: %d", refusals)
		}
		if got := reportByID(t, s, a.ID); got.DeptCode != tCommittee || got.Status != StatusDispatched {
			t.Errorf("moved case: %s %s", got.DeptCode, got.Status)
		}
		if err := s.CloseDepartment(ctx, tTownGov, "admin"); !errors.As(err, &ve) || !strings.Contains(ve.Message, "1 件") {
			t.Fatalf("close with one open case: %v", err)
		}
		if res, err = s.MoveCases(ctx, tTownGov, tTownJW, "admin"); err != nil || res.Moved != 1 || len(res.Refused) != 0 {
			t.Fatalf("move to the 纪委: %+v %v", res, err)
		}
		if err := s.CloseDepartment(ctx, tTownGov, "admin"); err != nil {
			t.Fatal(err)
		}
		if _, err := VerifyChain(ctx, db); err != nil {
			t.Errorf("chain: %v", err)
		}
		// Closed: no routing target, no reassignment, nothing moved to it.
		p, err := s.PreviewRoute(ctx, "village:"+tVillage, "subsidy")
		if err != nil || p.Dept.Code == tTownGov || !p.Fallback || p.Rule == nil {
			t.Errorf("preview after close: %+v %v", p, err)
		}
		if _, c := submit(t, s, "village:"+tVillage, "land"); c.DeptCode == tTownGov {
			t.Error("a new report went to the closed department")
		}
		if err := s.Reassign(ctx, super(tCountyJW, tCounty), a.ID, tTownGov, "退回乡镇"); !errors.As(err, &ve) {
			t.Errorf("reassign to a closed department: %v", err)
		}
		if _, err := s.MoveCases(ctx, tCommittee, tTownGov, "admin"); !errors.As(err, &ve) {
			t.Errorf("move to a closed department: %v", err)
		}
		hist, _ := catalog.RefHistory(ctx, db, catalog.RefDepartment, tTownGov, 10)
		if len(hist) != 1 || hist[0].Action != catalog.DeptClosed {
			t.Errorf("history: %+v", hist)
		}
	})
}

// TestMoveAnsweredCase: an answered case waiting for the reporter keeps
// its status and answer and only changes department, so that a reopening
// reaches the new one.
func TestMoveAnsweredCase(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		s, _ := setup(t, db)
		_, r := submit(t, s, "village:"+tVillage, "subsidy")
		if err := s.Accept(ctx, staff(tTownGov), r.ID, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Answer(ctx, staff(tTownGov), r.ID, "已核查，不符合条件的人员已取消低保。"); err != nil {
			t.Fatal(err)
		}
		if res, err := s.MoveCases(ctx, tTownGov, tTownJW, "cli"); err != nil || res.Moved != 1 {
			t.Fatalf("move: %+v %v", res, err)
		}
		got := reportByID(t, s, r.ID)
		if got.DeptCode != tTownJW || got.Status != StatusAnswered || got.Answer == "" {
			t.Errorf("after the move: %s %s %q", got.DeptCode, got.Status, got.Answer)
		}
		var ev Event
		if err := db.Where("report_id = ?", r.ID).Order("seq DESC").Take(&ev).Error; err != nil || ev.Actor != "cli" || ev.Type != EvDispatched {
			t.Errorf("last event: %+v %v", ev, err)
		}
	})
}
