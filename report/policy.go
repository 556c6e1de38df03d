package report

import (
	"context"

	"gorm.io/gorm"

	"sunlight/domain"
)

// Op is something a staff member may do on a report. Its value is the
// workbench's name for it (the last part of the action's URL).
type Op string

// Workbench operations.
const (
	OpAccept        Op = "accept"
	OpAnswer        Op = "answer"       // the answer goes straight to the reporter
	OpAnswerDraft   Op = "answer-draft" // the answer waits for the head (部门负责人审核)
	OpApproveAnswer Op = "approve-answer"
	OpSendBack      Op = "send-back"
	OpReturn        Op = "return"
	OpReject        Op = "reject"
	OpExtend        Op = "extend" // ask for an extension
	OpDecide        Op = "decide-extension"
	OpMessage       Op = "message" // to the reporter
	OpNote          Op = "note"    // internal
	OpClose         Op = "close"
	OpEscalate      Op = "escalate"
	OpReassign      Op = "reassign"
	OpReveal        Op = "reveal"
	OpPublish       Op = "publish"
	OpUnpublish     Op = "unpublish"
	OpRecordAccess  Op = "record-access"
	// OpAssign gives a report no department has its first one; it works on
	// the queue of Service.Unassigned, not the workbench, so it is not in Ops.
	OpAssign Op = "assign"
)

// Ops lists every operation, in the order the workbench offers them.
var Ops = []Op{OpAccept, OpAnswer, OpAnswerDraft, OpApproveAnswer, OpSendBack, OpReturn, OpReject, OpExtend, OpDecide,
	OpMessage, OpNote, OpClose, OpEscalate, OpReassign, OpReveal, OpPublish, OpUnpublish, OpRecordAccess}

// Publication states of a report's answer.
const (
	PubNone      = ""          // never published
	PubPublic    = "public"    // on the public side
	PubWithdrawn = "withdrawn" // published once, taken down
)

// Case is what the policy needs to know about one report: its row and,
// for the assigned department, its answering state.
type Case struct {
	Dept           string // the assigned department
	Status         Status
	Extended       bool
	ExtensionAsked bool
	Anonymous      bool
	HasContact     bool
	// The assigned department's answering; known only to its own members.
	NeedsApproval bool   // the department's answers wait for its head
	Draft         string // "" or the pending draft's state (DraftPending, DraftSentBack)
	Publication   string // PubNone, PubPublic or PubWithdrawn
}

// OpSet is a set of operations.
type OpSet map[Op]bool

// Has reports whether op is in the set.
func (as OpSet) Has(op Op) bool { return as[op] }

// Allowed returns what a may do now on a report it can see, in case c:
// every op that Check lets through. The workbench offers exactly these;
// the service enforces the same Check.
func Allowed(a Actor, c Case) OpSet {
	as := OpSet{}
	for _, op := range Ops {
		if Check(a, c, op) == nil {
			as[op] = true
		}
	}
	return as
}

// Check is the one rule of who may do what on a report the actor can see
// (visibility itself is the query's, see visible): nil, domain.ErrForbidden
// when the actor's role or department may not do op on this report, a
// *TransitionError when the workflow does not allow it from the report's
// status, a *domain.ConflictError when another rule refuses it, or domain.ErrNotFound
// when what op works on (a draft, a published answer) does not exist.
func Check(a Actor, c Case, op Op) error {
	if !permitted(a, c, op) {
		return domain.ErrForbidden
	}
	return ready(c, op)
}

// permitted: whether a's role and department allow op on c at all.
func permitted(a Actor, c Case, op Op) bool {
	// The assigned department (a supervisor body too, when the report was
	// routed to it) handles the report.
	handler := a.Role != domain.RoleAdmin && a.DeptCode != "" && a.DeptCode == c.Dept
	head := a.Role == domain.RoleHead && handler
	sup := a.Role == domain.RoleSupervisor
	switch op {
	case OpAccept, OpReturn, OpReject, OpExtend, OpMessage:
		return handler
	case OpAnswer:
		return handler && (!c.NeedsApproval || head)
	case OpAnswerDraft:
		return handler && c.NeedsApproval && !head
	case OpApproveAnswer, OpSendBack, OpPublish, OpUnpublish:
		return head
	case OpDecide, OpEscalate, OpReassign:
		return sup
	case OpClose:
		return head || sup
	case OpReveal:
		return handler || sup
	case OpNote, OpRecordAccess:
		return a.Role != domain.RoleAdmin
	case OpAssign:
		return sup || a.Role == domain.RoleAdmin
	}
	return false
}

// ready: whether c's state allows op.
func ready(c Case, op Op) error {
	switch op {
	case OpAccept:
		return step(c.Status, ActAccept)
	case OpAnswer, OpAnswerDraft:
		return step(c.Status, ActAnswer)
	case OpApproveAnswer:
		if err := pendingDraft(c); err != nil {
			return err
		}
		return step(c.Status, ActAnswer)
	case OpSendBack:
		return pendingDraft(c)
	case OpReturn:
		return step(c.Status, ActReturn)
	case OpReject:
		return step(c.Status, ActReject)
	case OpExtend:
		return extendable(c)
	case OpDecide:
		if !c.ExtensionAsked {
			return domain.Conflict("没有待审批的延期申请")
		}
	case OpMessage:
		if !c.Status.Open() {
			return domain.Conflict("已办结的举报不能再留言")
		}
	case OpClose:
		return step(c.Status, ActClose)
	case OpEscalate:
		return step(c.Status, ActEscalate)
	case OpReassign:
		return step(c.Status, ActDispatch)
	case OpReveal:
		if c.Anonymous {
			return domain.Conflict("匿名举报没有联系方式")
		}
		if !c.HasContact {
			return domain.Conflict("举报人没有留下联系方式")
		}
	case OpPublish:
		if c.Status != StatusAnswered && c.Status != StatusClosed {
			return domain.Conflict("只有已答复或已办结的举报可以公开答复")
		}
	case OpUnpublish:
		return published(c)
	case OpAssign:
		if c.Status != StatusSubmitted || c.Dept != "" {
			return domain.Conflict("这件举报已经有办理单位")
		}
	}
	return nil
}

func step(st Status, a Action) error {
	_, err := Next(st, a)
	return err
}

func extendable(c Case) error {
	switch {
	case c.Extended:
		return domain.Conflict("每件举报只能延期一次")
	case c.ExtensionAsked:
		return domain.Conflict("已经申请过延期，正在等待批准")
	case c.Status != StatusAccepted && c.Status != StatusEscalated:
		return &TransitionError{From: c.Status, Action: ActExtend}
	}
	return nil
}

func pendingDraft(c Case) error {
	switch c.Draft {
	case "":
		return domain.ErrNotFound
	case DraftSentBack:
		return domain.Conflict("答复已退回经办人修改，等待重新提交")
	}
	return nil
}

func published(c Case) error {
	switch c.Publication {
	case PubNone:
		return domain.ErrNotFound
	case PubWithdrawn:
		return domain.Conflict("公开答复已经撤回")
	}
	return nil
}

// answersOps are the operations whose rule needs the department's
// answering state.
var answersOps = map[Op]bool{OpAnswer: true, OpAnswerDraft: true, OpApproveAnswer: true, OpSendBack: true,
	OpPublish: true, OpUnpublish: true}

// within runs fn on report id, read through a's visibility, once Check
// allows op, all in one transaction.
func (s *Service) within(ctx context.Context, a Actor, id uint64, op Op, fn func(tx *gorm.DB, r *Report) error) error {
	return s.transact(ctx, func(tx *gorm.DB) error {
		r, err := s.load(tx, a, id)
		if err != nil {
			return err
		}
		c := caseOf(r)
		if answersOps[op] && a.DeptCode == r.DeptCode {
			if err := (&Workbench{}).answering(tx, r, &c); err != nil {
				return err
			}
		}
		if err := Check(a, c, op); err != nil {
			return err
		}
		return fn(tx, r)
	})
}

// caseOf is the policy's view of r; the answering facts are filled in by
// Service.situation.
func caseOf(r *Report) Case {
	return Case{Dept: r.DeptCode, Status: r.Status, Extended: r.Extended, ExtensionAsked: r.ExtensionRequested,
		Anonymous: r.Anonymous, HasContact: r.ContactName != "" || r.ContactPhone != ""}
}
