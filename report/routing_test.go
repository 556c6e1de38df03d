package report

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"gorm.io/gorm"

	"sunlight/catalog"
	"sunlight/domain"
	"sunlight/internal/testdb"
)

// TestAccusationRouting: an accusation is never dispatched to the body it
// accuses, nor visible to that body's staff or head; it goes to the 纪委
// one level up, and one more level for the body's head.
func TestAccusationRouting(t *testing.T) {
	cases := []struct {
		subject, pt           string
		wantDept, wantAccused string
		head                  bool
		blind                 []Actor // must not see it
		sees                  []Actor // must see it
	}{
		{"village:" + tVillage, "subsidy", tTownGov, "", false, nil, []Actor{staff(tTownGov), super(tTownJW, tTown)}},
		{"village:" + tVillage, "misconduct", tTownJW, tCommittee, false,
			[]Actor{staff(tCommittee), head(tCommittee)}, []Actor{super(tTownJW, tTown), super(tCountyJW, tCounty)}},
		{"village:" + tVillage, "misconduct_head", tCountyJW, tCommittee, true,
			[]Actor{staff(tCommittee), head(tCommittee), super(tTownJW, tTown)}, []Actor{super(tCountyJW, tCounty)}},
		{"village:" + tVillage, "town_misconduct", tCountyJW, tTownGov, false,
			[]Actor{staff(tTownGov), head(tTownGov), super(tTownJW, tTown)}, []Actor{super(tCountyJW, tCounty), super(tCityJW, "2101")}},
		{"region:" + tTown, "misconduct", tCountyJW, tTownGov, false,
			[]Actor{staff(tTownGov), head(tTownGov), super(tTownJW, tTown)}, []Actor{super(tCountyJW, tCounty)}},
		{"region:" + tTown, "misconduct_head", tCityJW, tTownGov, true,
			[]Actor{staff(tTownGov), head(tTownGov), super(tTownJW, tTown), super(tCountyJW, tCounty)}, []Actor{super(tCityJW, "2101")}},
		{"dept:" + tTownGov, "service", tCountyGov, tTownGov, false,
			[]Actor{staff(tTownGov), head(tTownGov)}, []Actor{staff(tCountyGov)}},
		{"dept:210124-mz", "misconduct", tCountyJW, "210124-mz", false,
			[]Actor{staff("210124-mz"), head("210124-mz")}, []Actor{super(tCountyJW, tCounty)}},
		{"dept:210124-mz", "misconduct_head", tCityJW, "210124-mz", true,
			[]Actor{staff("210124-mz"), super(tCountyJW, tCounty)}, []Actor{super(tCityJW, "2101")}},
		{"dept:" + tCommittee, "attitude", tTownGov, tCommittee, false,
			[]Actor{staff(tCommittee)}, []Actor{staff(tTownGov)}},
	}
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		s, _ := setup(t, db)
		for _, c := range cases {
			_, r := submit(t, s, c.subject, c.pt)
			name := c.subject + "/" + c.pt
			if r.DeptCode != c.wantDept || r.AccusedDept != c.wantAccused || r.AccusedHead != c.head {
				t.Errorf("%s: routed to %q accusing %q (head %v); want %q accusing %q", name, r.DeptCode, r.AccusedDept, r.AccusedHead, c.wantDept, c.wantAccused)
			}
			if r.AccusedDept != "" && r.DeptCode == r.AccusedDept {
				t.Errorf("%s: dispatched to the accused", name)
			}
			for _, a := range c.blind {
				if _, err := s.Get(ctx, a, r.ID); !errors.Is(err, domain.ErrNotFound) {
					t.Errorf("%s: %s/%s can get it (%v)", name, a.DeptCode, a.Role, err)
				}
				list, _, err := s.List(ctx, a, Filter{PerPage: 100})
				if err != nil {
					t.Fatal(err)
				}
				for _, x := range list {
					if x.ID == r.ID {
						t.Errorf("%s: in the queue of %s/%s", name, a.DeptCode, a.Role)
					}
				}
				if err := s.Accept(ctx, a, r.ID, ""); !errors.Is(err, domain.ErrNotFound) {
					t.Errorf("%s: %s may act on it: %v", name, a.DeptCode, err)
				}
			}
			for _, a := range c.sees {
				if _, err := s.Get(ctx, a, r.ID); err != nil {
					t.Errorf("%s: %s/%s cannot see it: %v", name, a.DeptCode, a.Role, err)
				}
			}
			// Nothing was queued for the accused either.
			var n int64
			db.Model(&Notification{}).Where("report_id = ? AND dept_code = ?", r.ID, c.wantAccused).Count(&n)
			if c.wantAccused != "" && n != 0 {
				t.Errorf("%s: %d notifications to the accused", name, n)
			}
		}
	})
}

// TestReassignToAccusedRefused: a supervisor cannot hand an accusation to
// the accused; the attempt is refused (409) and recorded.
func TestReassignToAccusedRefused(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		s, _ := setup(t, db)
		_, r := submit(t, s, "village:"+tVillage, "misconduct")
		sup := super(tCountyJW, tCounty)
		err := s.Reassign(ctx, sup, r.ID, tCommittee, "交村委会自查")
		var ce *domain.ConflictError
		if !errors.As(err, &ce) {
			t.Fatalf("reassign to accused: %v, want domain.ConflictError", err)
		}
		got := reportByID(t, s, r.ID)
		if got.DeptCode != tTownJW {
			t.Fatalf("report moved to %s", got.DeptCode)
		}
		var ev Event
		if err := db.Where("report_id = ? AND type = ?", r.ID, EvReassignRefused).Take(&ev).Error; err != nil {
			t.Fatalf("no audit event for the refused attempt: %v", err)
		}
		if err := s.Reassign(ctx, sup, r.ID, tCountyJW, "县纪委直接办理"); err != nil {
			t.Fatal(err)
		}
		if got := reportByID(t, s, r.ID); got.DeptCode != tCountyJW || got.Status != StatusDispatched {
			t.Fatalf("after reassign: %s %s", got.DeptCode, got.Status)
		}
	})
}

func TestRoutingRuleHistory(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		s, clk := setup(t, db)
		before, err := s.Rules(ctx, t0)
		if err != nil || len(before) == 0 {
			t.Fatal(err)
		}
		err = s.SetRule(ctx, RoutingRule{SubjectKind: "village", ProblemType: "land", Target: TargetSubjectDept}, "user:1")
		if err != nil {
			t.Fatal(err)
		}
		clk.Set(t0.Add(1))
		_, r := submit(t, s, "village:"+tVillage, "land")
		if r.DeptCode != tTownGov { // subject_dept of a village falls back to the town
			t.Fatalf("routed to %s", r.DeptCode)
		}
		if all := testdb.Count(t, db, &RoutingRule{}, "subject_kind = 'village' AND problem_type = 'land'"); all != 1 {
			t.Fatalf("rule rows = %d", all)
		}
		// Replace it again: the old row is kept, closed.
		if err := s.SetRule(ctx, RoutingRule{SubjectKind: "village", ProblemType: "land", Target: TargetLocalGov}, "user:1"); err != nil {
			t.Fatal(err)
		}
		all := testdb.Count(t, db, &RoutingRule{}, "subject_kind = 'village' AND problem_type = 'land'")
		open := testdb.Count(t, db, &RoutingRule{}, "subject_kind = 'village' AND problem_type = 'land' AND valid_to IS NULL")
		if all != 2 || open != 1 {
			t.Fatalf("history: %d rows, %d open", all, open)
		}
	})
}

// TestPublishedSubjects routes reports on a fund (to its department), on a
// disclosure (to the town), and on a category with no department (to the
// top supervisor, never to nobody).
func TestPublishedSubjects(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		s, _ := setup(t, db)
		testdb.Setup(t, db, catalog.LoadDemoPublished)
		var fund catalog.Fund
		if err := db.Where("dept_code <> ''").Order("id").Take(&fund).Error; err != nil {
			t.Fatal(err)
		}
		_, r := submit(t, s, fmt.Sprintf("fund:%d", fund.ID), "fund_late")
		if r.DeptCode != fund.DeptCode || r.Status != StatusDispatched {
			t.Errorf("fund report to %q (%s), want the fund's %q", r.DeptCode, r.Status, fund.DeptCode)
		}
		_, r = submit(t, s, fmt.Sprintf("fund:%d", fund.ID), "misconduct")
		if r.AccusedDept != fund.DeptCode || r.DeptCode == fund.DeptCode {
			t.Errorf("fund misconduct to %q accusing %q", r.DeptCode, r.AccusedDept)
		}
		var disc catalog.Disclosure
		if err := db.Order("id").Take(&disc).Error; err == nil {
			sub, err := s.Subject(ctx, fmt.Sprintf("disclosure:%d", disc.ID))
			if err == nil {
				_, r = submit(t, s, sub.String(), "affairs")
				if r.DeptCode != catalog.DeptCode(disc.VillageCode[:9], "gov") {
					t.Errorf("disclosure report to %q", r.DeptCode)
				}
			}
		}
		// A category with no department still reaches someone.
		sub := &catalog.Subject{Kind: catalog.SubjectCategory, ID: "X"}
		rt, err := s.route(ctx, db, sub, "fund_late")
		if err != nil || rt.DeptCode != tCityJW {
			t.Errorf("unroutable subject: %+v %v", rt, err)
		}
	})
}

// TestAccusationAgainstTheTopNeverReachesIt: when the rules cannot place an
// accusation (nothing stands above the accused in this deployment), the
// fallback must not hand it to the accused body itself, nor to a body at
// its level; it stays undispatched and hidden from the accused.
func TestAccusationAgainstTheTopNeverReachesIt(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		s, _ := setup(t, db)
		for _, pt := range []string{"misconduct", "misconduct_head", "attitude", "service"} {
			_, r := submit(t, s, "dept:"+tCityJW, pt)
			if r.DeptCode == tCityJW {
				t.Errorf("%s: dispatched to the accused %s", pt, tCityJW)
			}
			if r.DeptCode != "" && (r.AccusedDept == "" || catalog.LevelOf(r.DeptRegion) >= catalog.LevelOf(r.AccusedRegion)) {
				t.Errorf("%s: routed to %s (%s) accusing %q", pt, r.DeptCode, r.DeptRegion, r.AccusedDept)
			}
			for _, a := range []Actor{super(tCityJW, "2101"), staff(tCityJW), head(tCityJW)} {
				if _, err := s.Get(ctx, a, r.ID); !errors.Is(err, domain.ErrNotFound) {
					t.Errorf("%s: the accused %s/%s can read it (%v)", pt, a.DeptCode, a.Role, err)
				}
			}
		}
	})
}

// TestReassignFollowsTheRoutingRules: a supervisor cannot move a case
// outside their region, nor move an accusation down below the level that
// handles it (an accusation against a village head may not go to the
// town 纪委 that stands beside the accused's town government), nor to a
// body that is not a 纪委; each refusal is a 409 and an audit event.
func TestReassignFollowsTheRoutingRules(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		s, _ := setup(t, db)
		county := super(tCountyJW, tCounty)
		refused := func(id uint64, dept, want string) {
			t.Helper()
			before := reportByID(t, s, id).DeptCode
			var ce *domain.ConflictError
			if err := s.Reassign(ctx, county, id, dept, "改派试试"); !errors.As(err, &ce) {
				t.Fatalf("reassign to %s: %v, want a conflict", dept, err)
			}
			if got := reportByID(t, s, id).DeptCode; got != before {
				t.Fatalf("refused reassign moved the case to %s", got)
			}
			if n := testdb.Count(t, db, &Event{}, "report_id = ? AND type = ? AND text LIKE ?", id, EvReassignRefused, "改派至 "+dept+" 被拒绝：%"+want+"%"); n != 1 {
				t.Fatalf("refusal to %s not audited (%d events)", dept, n)
			}
		}
		_, head := submit(t, s, "village:"+tVillage, "misconduct_head") // handled by the county 纪委
		refused(head.ID, tTownJW, "同级或上级纪委监委")
		refused(head.ID, "210124-mz", "同级或上级纪委监委")
		_, plain := submit(t, s, "village:"+tVillage, "subsidy") // handled by the town government
		refused(plain.ID, "210115-mz", "不在本辖区")
		if err := s.Reassign(ctx, county, plain.ID, "210124-mz", "涉及低保，转民政局"); err != nil {
			t.Fatalf("reassign within the region: %v", err)
		}
		if got := reportByID(t, s, plain.ID).DeptCode; got != "210124-mz" {
			t.Fatalf("after reassign: %s", got)
		}
	})
}
