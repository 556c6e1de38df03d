package report

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"sunlight/catalog"
	"sunlight/domain"
	"sunlight/internal/testdb"
)

const (
	tProvince = "21"
	tCity     = "2101"
	tCityGov  = "2101-gov"
)

func admin() Actor {
	return Actor{UserID: 1, DeptCode: tCountyGov, Role: domain.RoleAdmin, RegionCode: tCounty}
}

// queueIDs lists the ids in a's unassigned queue.
func queueIDs(t *testing.T, s *Service, a Actor) map[uint64]UnassignedReport {
	t.Helper()
	rows, total, err := s.Unassigned(context.Background(), a, catalog.Paging{})
	if err != nil {
		t.Fatalf("unassigned queue of %s/%s: %v", a.DeptCode, a.Role, err)
	}
	if int(total) != len(rows) {
		t.Fatalf("total %d, %d rows", total, len(rows))
	}
	out := map[uint64]UnassignedReport{}
	for _, r := range rows {
		out[r.ID] = r
	}
	return out
}

// TestCasesNobodyCanTakeWaitInTheQueue: a province-level subject and an
// accusation against the top supervisor find no department; they wait in
// the admin's queue, without content, and the reporter is told so with no
// deadline. The accused never sees it; neither does a supervisor elsewhere.
func TestCasesNobodyCanTakeWaitInTheQueue(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		s, _ := setup(t, db)
		ctx := context.Background()
		prov, p := submit(t, s, "region:"+tProvince, "affairs")
		_, top := submit(t, s, "dept:"+tCityJW, "misconduct")
		for _, r := range []*Report{p, top} {
			if r.Status != StatusSubmitted || r.DeptCode != "" {
				t.Fatalf("%s routed to %q (%s)", r.Subject, r.DeptCode, r.Status)
			}
		}
		if prov.Awaiting != AwaitingAssignment {
			t.Errorf("receipt says %q", prov.Awaiting)
		}
		tr, err := s.Lookup(ctx, prov.Receipt)
		if err != nil {
			t.Fatal(err)
		}
		if tr.Awaiting != AwaitingAssignment || tr.Deadlines.Acknowledge != nil || tr.Deadlines.Answer != nil {
			t.Errorf("track: awaiting %q, deadlines %+v", tr.Awaiting, tr.Deadlines)
		}
		q := queueIDs(t, s, admin())
		row, ok := q[p.ID]
		if !ok || q[top.ID].ID == 0 {
			t.Fatalf("admin's queue: %+v", q)
		}
		if row.RegionName != "辽宁省" || row.ProblemTypeName != "政务公开不及时或不真实" || row.SubjectName == "" ||
			!strings.Contains(row.Why, "辽宁省") {
			t.Errorf("row: %+v", row)
		}
		if !strings.Contains(q[top.ID].Why, "沈阳市纪委监委") {
			t.Errorf("why: %q", q[top.ID].Why)
		}
		js, _ := json.Marshal(q)
		if strings.Contains(string(js), "低保名单") {
			t.Errorf("the admin's queue carries the description: %s", js)
		}
		if _, ok := queueIDs(t, s, super(tCityJW, tCity))[top.ID]; ok {
			t.Error("the accused supervisor sees the accusation against it")
		}
		if n := len(queueIDs(t, s, super(tCountyJW, tCounty))); n != 0 {
			t.Errorf("a county supervisor sees %d province/city cases", n)
		}
		// A report whose dispatch failed in passing waits too, said so.
		_, v := submit(t, s, "village:"+tVillage, "subsidy")
		if err := db.Model(&Report{}).Where("id = ?", v.ID).Updates(map[string]any{"status": StatusSubmitted, "dept_code": ""}).Error; err != nil {
			t.Fatal(err)
		}
		if why := queueIDs(t, s, super(tCountyJW, tCounty))[v.ID].Why; !strings.Contains(why, "自动重试") {
			t.Errorf("a passing failure: %q", why)
		}
		for _, a := range []Actor{staff(tTownGov), head(tTownGov)} {
			if _, _, err := s.Unassigned(ctx, a, catalog.Paging{}); !errors.Is(err, domain.ErrForbidden) {
				t.Errorf("%s: %v", a.Role, err)
			}
		}
	})
}

// TestAssign: a supervisor assigns a case in its region; deadlines count
// from then as routing sets them, the reporter reads who handles it, and
// the department is told. The accused, a body below the accused's level
// and an outside supervisor are refused; each refusal is recorded.
func TestAssign(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		s, clk := setup(t, db)
		ctx := context.Background()
		rc, r := submit(t, s, "region:"+tCity, "misconduct_head") // no supervisor above the city
		if r.DeptCode != "" || r.AccusedDept != tCityGov {
			t.Fatalf("routed to %q accusing %q", r.DeptCode, r.AccusedDept)
		}
		city := super(tCityJW, tCity)
		if _, ok := queueIDs(t, s, city)[r.ID]; !ok {
			t.Fatal("the city supervisor does not see the case")
		}
		outside := super(tCountyJW, tCounty)
		if err := s.Assign(ctx, outside, r.ID, tCountyJW, "我来办"); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("a supervisor of another region: %v", err)
		}
		if err := s.Assign(ctx, staff(tCityJW), r.ID, tCityJW, "我来办"); !errors.Is(err, domain.ErrForbidden) {
			t.Errorf("staff: %v", err)
		}
		refused := func(a Actor, dept, want string) {
			t.Helper()
			var ce *domain.ConflictError
			if err := s.Assign(ctx, a, r.ID, dept, "试试"); !errors.As(err, &ce) {
				t.Fatalf("assign to %s: %v, want a conflict", dept, err)
			}
			var n int64
			db.Model(&Event{}).Where("report_id = ? AND type = ? AND text LIKE ?", r.ID, EvAssignRefused, "%"+dept+"%"+want+"%").Count(&n)
			if n != 1 || reportByID(t, s, r.ID).DeptCode != "" {
				t.Fatalf("refusal to %s: %d events", dept, n)
			}
		}
		refused(city, tCityGov, "被反映单位")
		refused(admin(), tCountyJW, "同级或上级纪委监委")
		refused(admin(), "210124-mz", "同级或上级纪委监委")
		if err := s.Assign(ctx, city, r.ID, "", "无"); err == nil {
			t.Error("no department chosen")
		}
		clk.Set(t0.AddDate(0, 0, 3)) // Friday
		if err := s.Assign(ctx, city, r.ID, tCityJW, "本级纪委监委直接办理"); err != nil {
			t.Fatalf("assign: %v", err)
		}
		got := reportByID(t, s, r.ID)
		cal, _ := LoadCalendar(ctx, db)
		want := map[string]any{}
		cal.setDeadlines(want, eventTime(clk.Now()), true)
		if got.Status != StatusDispatched || got.DeptCode != tCityJW || got.DeptRegion != tCity ||
			got.AckDueAt == nil || !got.AckDueAt.Equal(want["ack_due_at"].(time.Time)) ||
			got.AnswerDueAt == nil || !got.AnswerDueAt.Equal(want["answer_due_at"].(time.Time)) {
			t.Fatalf("after assign: %+v", got)
		}
		tr, err := s.Lookup(ctx, rc.Receipt)
		if err != nil {
			t.Fatal(err)
		}
		if tr.Awaiting != "" || tr.Deadlines.Answer == nil || !strings.Contains(tr.Timeline[len(tr.Timeline)-1].Text, "已指定由沈阳市纪委监委办理") {
			t.Errorf("track after assign: %+v", tr)
		}
		var n int64
		db.Model(&Notification{}).Where("report_id = ? AND dept_code = ?", r.ID, tCityJW).Count(&n)
		if n != 1 {
			t.Errorf("%d notifications", n)
		}
		if err := s.Assign(ctx, city, r.ID, tCityJW, "再来一次"); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("assigning an assigned case: %v", err)
		}
		if _, err := VerifyChain(ctx, db); err != nil {
			t.Error(err)
		}
	})
}

// TestAssignPolicy: only a supervisor or the admin may assign, and only a
// report with no department.
func TestAssignPolicy(t *testing.T) {
	open := Case{Status: StatusSubmitted}
	for _, a := range []Actor{super(tCountyJW, tCounty), admin()} {
		if err := Check(a, open, OpAssign); err != nil {
			t.Errorf("%s: %v", a.Role, err)
		}
		var ce *domain.ConflictError
		if err := Check(a, Case{Status: StatusDispatched, Dept: tTownGov}, OpAssign); !errors.As(err, &ce) {
			t.Errorf("%s on a dispatched case: %v", a.Role, err)
		}
	}
	for _, a := range []Actor{staff(tTownGov), head(tTownGov)} {
		if err := Check(a, open, OpAssign); !errors.Is(err, domain.ErrForbidden) {
			t.Errorf("%s: %v", a.Role, err)
		}
	}
}

// TestAssignNeverToAClosedDepartment: a department closed (撤销) is not
// offered and cannot be chosen.
func TestAssignNeverToAClosedDepartment(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		s, _ := setup(t, db)
		ctx := context.Background()
		_, p := submit(t, s, "region:"+tProvince, "affairs")
		const closed = "210124-mz"
		if err := s.CloseDepartment(ctx, closed, "test"); err != nil {
			t.Fatal(err)
		}
		rows, _, err := s.Unassigned(ctx, admin(), catalog.Paging{})
		if err != nil {
			t.Fatal(err)
		}
		choices, err := s.Candidates(ctx, admin(), rows)
		if err != nil {
			t.Fatal(err)
		}
		offered := map[string]bool{}
		for _, d := range choices[p.ID] {
			offered[d.Code] = true
		}
		if offered[closed] || !offered["210124-ny"] {
			t.Errorf("offered: closed %v, open %v", offered[closed], offered["210124-ny"])
		}
		var ve *domain.ValidationError
		if err := s.Assign(ctx, admin(), p.ID, closed, "交民政局"); !errors.As(err, &ve) {
			t.Errorf("assign to a closed department: %v", err)
		}
		if reportByID(t, s, p.ID).DeptCode != "" {
			t.Error("assigned to a closed department")
		}
	})
}
