package report

import (
	"context"
	"errors"
	"strings"
	"testing"

	"gorm.io/gorm"

	"sunlight/domain"
	"sunlight/internal/testdb"
)

// scenario is a report's state for the policy table: a status and the
// facts beside it.
type scenario struct {
	status    Status
	asked     bool   // an extension request is pending
	extended  bool   // the one extension was granted
	approval  bool   // the department's answers wait for the head
	draft     string // "" or a draft's state
	published string // PubNone, PubPublic, PubWithdrawn
}

func scenarios() []scenario {
	var out []scenario
	for _, st := range Statuses {
		out = append(out, scenario{status: st})
	}
	for _, st := range []Status{StatusAccepted, StatusAnswered} {
		out = append(out, scenario{status: st, asked: true}, scenario{status: st, extended: true},
			scenario{status: st, approval: true}, scenario{status: st, approval: true, draft: DraftPending},
			scenario{status: st, approval: true, draft: DraftSentBack})
	}
	for _, st := range []Status{StatusAnswered, StatusReopened} {
		out = append(out, scenario{status: st, published: PubPublic}, scenario{status: st, published: PubWithdrawn})
	}
	return out
}

// policyActor is who tries every op: an actor and the department the
// report is assigned to for it.
type policyActor struct {
	name    string
	a       Actor
	dept    string // the report's department
	visible bool
	is      string // what the actor is to the report: "handler", "head", "supervisor", in any mix
}

// mayDo is who may do what, written out independently of permitted: the
// test fails if either drifts.
var mayDo = map[Op][]string{
	OpAccept: {"handler"}, OpAnswer: {"handler"}, OpReturn: {"handler"}, OpReject: {"handler"}, OpExtend: {"handler"},
	OpMessage: {"handler"}, OpApproveAnswer: {"head"}, OpSendBack: {"head"}, OpPublish: {"head"}, OpUnpublish: {"head"},
	OpDecide: {"supervisor"}, OpEscalate: {"supervisor"}, OpReassign: {"supervisor"}, OpClose: {"head", "supervisor"},
	OpReveal: {"handler", "supervisor"}, OpNote: {"handler", "supervisor"}, OpRecordAccess: {"handler", "supervisor"},
}

func (pa policyActor) may(op Op) bool {
	for _, who := range mayDo[op] {
		if strings.Contains(pa.is, who) {
			return true
		}
	}
	return false
}

func policyActors() []policyActor {
	sup := super(tCountyJW, tCounty)
	return []policyActor{
		{"staff of the department", staff(tTownGov), tTownGov, true, "handler"},
		{"head of the department", head(tTownGov), tTownGov, true, "handler head"},
		{"supervisor of the region", sup, tTownGov, true, "supervisor"},
		{"supervisor body assigned the report", sup, tCountyJW, true, "handler supervisor"},
		{"staff of another department", staff("210124-mz"), tTownGov, false, ""},
		{"head of another department", head(tCommittee), tTownGov, false, ""},
		{"admin", Actor{UserID: 1, DeptCode: tCountyGov, Role: domain.RoleAdmin}, tTownGov, false, ""},
	}
}

// stage puts report id into sc, assigned to dept.
func stage(t *testing.T, db *gorm.DB, id uint64, dept string, sc scenario) {
	t.Helper()
	up := map[string]any{"status": sc.status, "dept_code": dept, "dept_region": dept[:len(dept)-len("-gov")],
		"extension_requested": sc.asked, "extension_days": 10, "extension_reason": "需要现场核实", "extended": sc.extended,
		"answer": "已核实处理", "answered_at": t0}
	if dept == tCountyJW {
		up["dept_region"] = tCounty
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(db.Model(&Report{}).Where("id = ?", id).Updates(up).Error)
	for _, m := range []any{&DeptSetting{}, &AnswerDraft{}, &PublishedAnswer{}} {
		must(db.Where("1 = 1").Delete(m).Error)
	}
	if sc.approval {
		must(db.Create(&DeptSetting{DeptCode: dept, AnswerApproval: true, UpdatedAt: t0}).Error)
	}
	if sc.draft != "" {
		must(db.Create(&AnswerDraft{ReportID: id, DeptCode: dept, Text: "经核查，名单已更正。", AuthorID: 7, Author: "clerk",
			State: sc.draft, UpdatedAt: t0}).Error)
	}
	if sc.published != PubNone {
		must(db.Create(&PublishedAnswer{ReportID: id, DeptCode: dept, DeptName: "某单位", RegionCode: tVillage, SubjectName: "某村",
			ProblemType: "低保", Title: "关于低保的答复", Question: "低保名单有误", Answer: "已更正名单", AnsweredAt: t0,
			PublishedAt: t0, PublishedBy: "head", Withdrawn: sc.published == PubWithdrawn}).Error)
	}
}

// perform does op as a with valid input; for OpAnswer it also returns
// what Answer did (sent, or kept as a draft).
func perform(ctx context.Context, s *Service, a Actor, id uint64, op Op) (Op, error) {
	switch op {
	case OpAccept:
		return op, s.Accept(ctx, a, id, "")
	case OpAnswer:
		return s.Answer(ctx, a, id, "经核查，已将不符合条件的人员移出名单。")
	case OpApproveAnswer:
		return op, s.ApproveAnswer(ctx, a, id, "")
	case OpSendBack:
		return op, s.SendBackAnswer(ctx, a, id, "请补充核查经过")
	case OpReturn:
		return op, s.Return(ctx, a, id, "不属于本单位职责")
	case OpReject:
		return op, s.Reject(ctx, a, id, "反映的问题已经司法程序处理")
	case OpExtend:
		return op, s.RequestExtension(ctx, a, id, 5, "需要现场核实情况")
	case OpDecide:
		return op, s.DecideExtension(ctx, a, id, false, "理由不充分")
	case OpMessage:
		return op, s.Message(ctx, a, id, "请补充具体地点", true)
	case OpNote:
		return op, s.Message(ctx, a, id, "已电话联系村委会", false)
	case OpClose:
		return op, s.Close(ctx, a, id, "")
	case OpEscalate:
		return op, s.Escalate(ctx, a, id, "限期答复")
	case OpReassign:
		return op, s.Reassign(ctx, a, id, "210124-mz", "应由民政局办理")
	case OpReveal:
		_, _, err := s.RevealContact(ctx, a, id, "需电话核实具体地点")
		return op, err
	case OpPublish:
		_, err := s.PublishAnswer(ctx, a, id, "村里低保名单有不符合条件的人。", "经核查，已将不符合条件的人员移出名单。")
		return op, err
	case OpUnpublish:
		return op, s.WithdrawAnswer(ctx, a, id)
	case OpRecordAccess:
		return op, s.RecordAccess(ctx, a, id, "查看")
	}
	panic("no such op " + op)
}

// sameKind reports whether got is the same kind of refusal as want (or
// both nil): the kinds the portal turns into 403, 404 and 409.
func sameKind(got, want error) bool {
	var gt, wt *TransitionError
	var gc, wc *domain.ConflictError
	switch {
	case want == nil || got == nil:
		return want == nil && got == nil
	case errors.As(want, &wt):
		return errors.As(got, &gt)
	case errors.As(want, &wc):
		return errors.As(got, &gc)
	case errors.Is(want, domain.ErrForbidden):
		return errors.Is(got, domain.ErrForbidden)
	case errors.Is(want, domain.ErrNotFound):
		return errors.Is(got, domain.ErrNotFound)
	}
	return false
}

// TestPolicyAgreesWithService walks every actor × report state × op: the
// policy (Check on a case written out here), what the workbench offers
// (Service.Workbench, which the portal renders) and what the service does
// must agree, and a refusal must be of the kind the policy names.
func TestPolicyAgreesWithService(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		s, _ := setup(t, db)
		ctx := context.Background()
		for _, pa := range policyActors() {
			rc, err := s.Submit(ctx, NewReport{Subject: "village:" + tVillage, ProblemType: "subsidy",
				Description: "村里低保名单有不符合条件的人，请核查。", Name: "张三", Phone: "13800001111"})
			if err != nil {
				t.Fatal(err)
			}
			id := rc.ReportID
			for _, sc := range scenarios() {
				c := Case{Dept: pa.dept, Status: sc.status, Extended: sc.extended, ExtensionAsked: sc.asked, HasContact: true,
					NeedsApproval: sc.approval, Draft: sc.draft, Publication: sc.published}
				stage(t, db, id, pa.dept, sc)
				w, werr := s.Workbench(ctx, pa.a, id)
				for _, op := range Ops {
					if op == OpAnswerDraft {
						continue // the same call as OpAnswer
					}
					want := Check(pa.a, c, op)
					switch {
					case pa.a.Role == domain.RoleAdmin:
						want = domain.ErrForbidden
					case !pa.visible:
						want = domain.ErrNotFound
					}
					did, err := perform(ctx, s, pa.a, id, op)
					if err == nil { // a refusal changed nothing
						stage(t, db, id, pa.dept, sc)
					}
					if op == OpAnswer && pa.visible && pa.a.Role != domain.RoleHead && c.NeedsApproval {
						want = Check(pa.a, c, OpAnswerDraft) // kept as a draft for the head
					}
					label := pa.name + " / " + string(sc.status) + " " + describe(sc) + " / " + string(op)
					if pa.visible && errors.Is(want, domain.ErrForbidden) == pa.may(op) {
						t.Errorf("%s: the policy says %v, the role table says allowed: %v", label, want, pa.may(op))
					}
					if !sameKind(err, want) {
						t.Errorf("%s: the service says %v, the policy %v", label, err, want)
					}
					if werr != nil {
						if !sameKind(werr, want) || want == nil {
							t.Errorf("%s: the workbench says %v, the policy %v", label, werr, want)
						}
						continue
					}
					offered := w.Can.Has(op) || (op == OpAnswer && w.Can.Has(OpAnswerDraft))
					if offered != (err == nil) {
						t.Errorf("%s: the workbench offers it: %v, the service: %v", label, offered, err)
					}
					if op == OpAnswer && err == nil && !w.Can.Has(did) {
						t.Errorf("%s: the answer was handled as %s, the workbench offered %v", label, did, w.Can)
					}
				}
			}
		}
	})
}

func describe(sc scenario) string {
	s := ""
	for _, f := range []struct {
		on   bool
		name string
	}{{sc.asked, "asked"}, {sc.extended, "extended"}, {sc.approval, "approval"}, {sc.draft != "", "draft:" + sc.draft},
		{sc.published != "", "published:" + sc.published}} {
		if f.on {
			s += "[" + f.name + "]"
		}
	}
	return s
}
