package report

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"testing"

	"gorm.io/gorm"

	"sunlight/domain"
	"sunlight/internal/testdb"
)

// legal is the workflow written out independently of the transitions map:
// the test fails if either drifts.
var legal = map[string]Status{
	"submitted/dispatch": StatusDispatched,
	"returned/dispatch":  StatusDispatched, "dispatched/dispatch": StatusDispatched, "accepted/dispatch": StatusDispatched,
	"extended/dispatch": StatusDispatched, "reopened/dispatch": StatusDispatched, "escalated/dispatch": StatusDispatched,
	"dispatched/accept": StatusAccepted, "reopened/accept": StatusAccepted, "escalated/accept": StatusAccepted,
	"dispatched/return": StatusReturned, "reopened/return": StatusReturned,
	"dispatched/reject": StatusRejected, "accepted/reject": StatusRejected,
	"accepted/extend": StatusExtended, "escalated/extend": StatusExtended,
	"accepted/answer": StatusAnswered, "extended/answer": StatusAnswered, "escalated/answer": StatusAnswered,
	"answered/close":      StatusClosed,
	"answered/reopen":     StatusReopened,
	"dispatched/escalate": StatusEscalated, "accepted/escalate": StatusEscalated, "extended/escalate": StatusEscalated,
	"reopened/escalate": StatusEscalated, "returned/escalate": StatusEscalated, "answered/escalate": StatusEscalated,
}

func TestStateMachineTable(t *testing.T) {
	for _, from := range Statuses {
		for _, a := range Actions {
			to, err := Next(from, a)
			want, ok := legal[string(from)+"/"+string(a)]
			var te *TransitionError
			switch {
			case ok && (err != nil || to != want):
				t.Errorf("%s --%s--> %s, %v; want %s", from, a, to, err, want)
			case !ok && !errors.As(err, &te):
				t.Errorf("%s --%s--> %s allowed; want a TransitionError", from, a, to)
			}
		}
	}
	for _, terminal := range []Status{StatusClosed, StatusRejected} {
		for _, a := range Actions {
			if _, err := Next(terminal, a); err == nil {
				t.Errorf("terminal %s allows %s", terminal, a)
			}
		}
	}
}

// force puts a report straight into a status, for the transition table.
func force(t *testing.T, s *Service, id uint64, st Status) {
	t.Helper()
	up := map[string]any{"status": st, "extension_requested": true, "extension_days": 10, "extension_reason": "需要现场核实"}
	if st == StatusAnswered {
		up["answer"] = "已核实处理"
	}
	if err := s.db.Model(&Report{}).Where("id = ?", id).Updates(up).Error; err != nil {
		t.Fatal(err)
	}
}

// doAction performs a through the service as the right actor.
func doAction(s *Service, r *Report, receipt string, a Action) error {
	ctx := context.Background()
	h := staff(r.DeptCode)
	sup := super(tCountyJW, tCounty)
	switch a {
	case ActDispatch:
		return s.Reassign(ctx, sup, r.ID, "210124-mz", "应由民政局办理")
	case ActAccept:
		return s.Accept(ctx, h, r.ID, "")
	case ActReturn:
		return s.Return(ctx, h, r.ID, "不属于本单位职责")
	case ActReject:
		return s.Reject(ctx, h, r.ID, "反映的问题已经司法程序处理")
	case ActExtend:
		return s.DecideExtension(ctx, sup, r.ID, true, "同意")
	case ActAnswer:
		return answered(s.Answer(ctx, h, r.ID, "经核查，已将不符合条件的人员移出名单。"))
	case ActClose:
		return s.Close(ctx, head(r.DeptCode), r.ID, "")
	case ActReopen:
		return s.Rate(ctx, receipt, RatingUnsatisfied, "没解决")
	case ActEscalate:
		return s.Escalate(ctx, sup, r.ID, "请加快办理")
	}
	return fmt.Errorf("no such action %s", a)
}

// TestEveryTransition tries every action from every status through the
// service: legal ones land where the workflow says and write one event;
// illegal ones are a *TransitionError and change nothing.
func TestEveryTransition(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		s, _ := setup(t, db)
		for _, from := range Statuses {
			for _, a := range Actions {
				rc, r := submit(t, s, "village:"+tVillage, "subsidy")
				force(t, s, r.ID, from)
				r = reportByID(t, s, r.ID)
				events := testdb.Count(t, db.Where("report_id = ?", r.ID), &Event{})
				err := doAction(s, r, rc.Receipt, a)
				after := reportByID(t, s, r.ID)
				want, ok := legal[string(from)+"/"+string(a)]
				var te *TransitionError
				switch {
				case ok && err != nil:
					t.Errorf("%s --%s-->: %v", from, a, err)
				case ok && after.Status != want:
					t.Errorf("%s --%s--> %s, want %s", from, a, after.Status, want)
				case ok && testdb.Count(t, db.Where("report_id = ?", r.ID), &Event{}) != events+1:
					t.Errorf("%s --%s--> wrote %d events, want 1", from, a, testdb.Count(t, db.Where("report_id = ?", r.ID), &Event{})-events)
				case !ok && !errors.As(err, &te):
					t.Errorf("%s --%s--> got %v (status %s), want a TransitionError", from, a, err, after.Status)
				case !ok && (after.Status != from || after.Version != r.Version):
					t.Errorf("illegal %s --%s-- changed the report to %s", from, a, after.Status)
				}
			}
		}
		if n, err := VerifyChain(context.Background(), db); err != nil || n == 0 {
			t.Fatalf("chain after the table: %d events, %v", n, err)
		}
	})
}

// TestLifecycle walks a report through accept, extension, answer, an
// unsatisfied rating (reopen), a second one (escalate) and a satisfied one.
func TestLifecycle(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		s, clk := setup(t, db)
		rc, r := submit(t, s, "village:"+tVillage, "subsidy")
		if r.Status != StatusDispatched || r.DeptCode != tTownGov || rc.Status != StatusDispatched {
			t.Fatalf("after submit: %s to %q", r.Status, r.DeptCode)
		}
		h, sup := staff(tTownGov), super(tCountyJW, tCounty)
		must := func(err error) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
		}
		must(s.Accept(ctx, h, r.ID, ""))
		must(s.RequestExtension(ctx, h, r.ID, 20, "需要到县里调取档案核实"))
		if err := s.RequestExtension(ctx, h, r.ID, 5, "再申请一次"); !errors.Is(err, domain.ErrConflict) {
			t.Fatalf("second request: %v", err)
		}
		if err := s.DecideExtension(ctx, head(tTownGov), r.ID, true, ""); !errors.Is(err, domain.ErrForbidden) {
			t.Fatalf("head approving: %v, want domain.ErrForbidden (a supervisor approves)", err)
		}
		before := reportByID(t, s, r.ID).AnswerDueAt
		must(s.DecideExtension(ctx, sup, r.ID, true, "同意"))
		got := reportByID(t, s, r.ID)
		if got.Status != StatusExtended || got.AnswerDueAt.Sub(*before).Hours() != 20*24 {
			t.Fatalf("extension: %s, due %v → %v", got.Status, before, got.AnswerDueAt)
		}
		if err := s.RequestExtension(ctx, h, r.ID, 5, "还要再延期五天"); !errors.Is(err, domain.ErrConflict) {
			t.Fatalf("extension after extension: %v, want conflict (one extension only)", err)
		}
		tr, err := s.Lookup(ctx, rc.Receipt)
		must(err)
		if !hasEvent(tr.Timeline, EvExtended, "需要到县里调取档案核实") {
			t.Fatalf("reporter does not see the extension reason: %+v", tr.Timeline)
		}
		clk.Set(t0.AddDate(0, 0, 3))
		must(answered(s.Answer(ctx, h, r.ID, "经核查，已将不符合条件的人员移出名单。")))
		must(s.Rate(ctx, rc.Receipt, RatingUnsatisfied, "还有人没移出"))
		if got := reportByID(t, s, r.ID); got.Status != StatusReopened || got.ReopenCount != 1 {
			t.Fatalf("unsatisfied once: %s, reopen %d", got.Status, got.ReopenCount)
		}
		must(s.Accept(ctx, h, r.ID, ""))
		must(answered(s.Answer(ctx, h, r.ID, "已全部移出，并公示。")))
		must(s.Rate(ctx, rc.Receipt, RatingUnsatisfied, "仍不满意"))
		if got := reportByID(t, s, r.ID); got.Status != StatusEscalated {
			t.Fatalf("unsatisfied twice: %s, want escalated", got.Status)
		}
		if n := testdb.Count(t, db, &Notification{}, "report_id = ? AND kind = 'unsatisfied' AND dept_code = ?", r.ID, tCountyJW); n != 1 {
			t.Fatalf("supervisor notifications = %d", n)
		}
		must(answered(s.Answer(ctx, h, r.ID, "县纪委督办后重新核查，已处理。")))
		must(s.Rate(ctx, rc.Receipt, RatingSatisfied, ""))
		if got := reportByID(t, s, r.ID); got.Status != StatusClosed || got.Rating != RatingSatisfied {
			t.Fatalf("satisfied: %s %s", got.Status, got.Rating)
		}
		if err := s.Rate(ctx, rc.Receipt, RatingSatisfied, ""); !isTransition(err) {
			t.Fatalf("rating a closed report: %v", err)
		}
		if _, err := VerifyChain(ctx, db); err != nil {
			t.Fatal(err)
		}
	})
}

func hasEvent(es []EventView, typ, contains string) bool {
	for _, e := range es {
		if e.Type == typ && (contains == "" || containsStr(e.Text, contains)) {
			return true
		}
	}
	return false
}

func containsStr(s, sub string) bool {
	return len(sub) == 0 || (len(s) >= len(sub) && indexOf(s, sub) >= 0)
}

func indexOf(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return i
		}
	}
	return -1
}

func TestPermissions(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		s, _ := setup(t, db)
		_, r := submit(t, s, "village:"+tVillage, "subsidy")
		other := staff("210124102-gov")
		if _, err := s.Get(ctx, other, r.ID); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("other department Get: %v, want not found", err)
		}
		if err := s.Accept(ctx, other, r.ID, ""); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("other department Accept: %v, want not found", err)
		}
		if _, err := s.Get(ctx, Actor{UserID: 1, DeptCode: tCountyGov, Role: domain.RoleAdmin}, r.ID); !errors.Is(err, domain.ErrForbidden) {
			t.Errorf("admin Get: %v, want forbidden", err)
		}
		if _, _, err := s.List(ctx, Actor{UserID: 1, DeptCode: tCountyGov, Role: domain.RoleAdmin}, Filter{}); !errors.Is(err, domain.ErrForbidden) {
			t.Errorf("admin List: %v, want forbidden", err)
		}
		if err := s.Escalate(ctx, head(tTownGov), r.ID, "自己督办"); !errors.Is(err, domain.ErrForbidden) {
			t.Errorf("head escalating: %v", err)
		}
		d, err := s.Get(ctx, staff(tTownGov), r.ID)
		if err != nil || d.TrackingNo != r.TrackingNo {
			t.Fatalf("handler Get: %v", err)
		}
		if err := s.RecordAccess(ctx, staff(tTownGov), r.ID, "查看"); err != nil {
			t.Fatal(err)
		}
		if err := s.RecordAccess(ctx, other, r.ID, "查看"); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("other department's access recorded: %v", err)
		}
		d, _ = s.Get(ctx, staff(tTownGov), r.ID)
		if !hasEvent(d.Events, EvAccessed, "查看") {
			t.Error("access not in the trail")
		}
		list, total, err := s.List(ctx, super(tTownJW, tTown), Filter{Status: []Status{StatusDispatched}})
		if err != nil || total != 1 || len(list) != 1 {
			t.Fatalf("town supervisor queue: %d %v", total, err)
		}
		if _, _, err := s.List(ctx, staff(tTownGov), Filter{Status: []Status{"bogus"}}); err == nil {
			t.Fatal("unknown status filter accepted")
		}
	})
}

func TestStatusNamesComplete(t *testing.T) {
	var names []string
	for _, st := range Statuses {
		if st.Name() == string(st) {
			t.Errorf("status %s has no Chinese name", st)
		}
		names = append(names, st.Name())
	}
	sort.Strings(names)
	for i := 1; i < len(names); i++ {
		if names[i] == names[i-1] {
			t.Errorf("duplicate status name %s", names[i])
		}
	}
}
