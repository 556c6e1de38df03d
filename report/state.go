package report

import (
	"fmt"
)

// Status is where a report is in its workflow.
type Status string

// The workflow, in the 12345-hotline tradition.
const (
	StatusSubmitted  Status = "submitted"  // 已提交
	StatusDispatched Status = "dispatched" // 已派单
	StatusAccepted   Status = "accepted"   // 已签收
	StatusExtended   Status = "extended"   // 已延期 (accepted, with approved extra time)
	StatusAnswered   Status = "answered"   // 已答复
	StatusClosed     Status = "closed"     // 已办结
	StatusReturned   Status = "returned"   // 已退单 (waiting to be re-dispatched)
	StatusReopened   Status = "reopened"   // 重办
	StatusRejected   Status = "rejected"   // 不予受理
	StatusEscalated  Status = "escalated"  // 督办
)

// Statuses lists every status, in workflow order.
var Statuses = []Status{StatusSubmitted, StatusDispatched, StatusAccepted, StatusExtended, StatusAnswered,
	StatusClosed, StatusReturned, StatusReopened, StatusRejected, StatusEscalated}

var statusNames = map[Status]string{
	StatusSubmitted: "已提交", StatusDispatched: "已派单", StatusAccepted: "已签收", StatusExtended: "已延期",
	StatusAnswered: "已答复", StatusClosed: "已办结", StatusReturned: "已退单", StatusReopened: "重办",
	StatusRejected: "不予受理", StatusEscalated: "督办",
}

// Name is the status in Chinese.
func (s Status) Name() string {
	if n, ok := statusNames[s]; ok {
		return n
	}
	return string(s)
}

// Valid reports whether s is a known status.
func (s Status) Valid() bool { _, ok := statusNames[s]; return ok }

// Open reports whether the report still waits for someone to act.
func (s Status) Open() bool { return s != StatusClosed && s != StatusRejected }

// Action is a workflow step that changes a report's status.
type Action string

// Actions of the state machine.
const (
	ActDispatch Action = "dispatch" // route (or re-route) to a department
	ActAccept   Action = "accept"   // 签收
	ActReturn   Action = "return"   // 退单: wrong department
	ActReject   Action = "reject"   // 不予受理
	ActExtend   Action = "extend"   // approved extension
	ActAnswer   Action = "answer"   // 答复
	ActClose    Action = "close"    // 办结
	ActReopen   Action = "reopen"   // 重办
	ActEscalate Action = "escalate" // 督办
)

// Actions lists every action.
var Actions = []Action{ActDispatch, ActAccept, ActReturn, ActReject, ActExtend, ActAnswer, ActClose, ActReopen, ActEscalate}

type edge struct {
	from []Status
	to   Status
}

// transitions is the whole state machine: an action is legal only from
// the listed statuses.
var transitions = map[Action]edge{
	ActDispatch: {[]Status{StatusSubmitted, StatusReturned, StatusDispatched, StatusAccepted, StatusExtended, StatusReopened, StatusEscalated}, StatusDispatched},
	ActAccept:   {[]Status{StatusDispatched, StatusReopened, StatusEscalated}, StatusAccepted},
	ActReturn:   {[]Status{StatusDispatched, StatusReopened}, StatusReturned},
	ActReject:   {[]Status{StatusDispatched, StatusAccepted}, StatusRejected},
	ActExtend:   {[]Status{StatusAccepted, StatusEscalated}, StatusExtended},
	ActAnswer:   {[]Status{StatusAccepted, StatusExtended, StatusEscalated}, StatusAnswered},
	ActClose:    {[]Status{StatusAnswered}, StatusClosed},
	ActReopen:   {[]Status{StatusAnswered}, StatusReopened},
	ActEscalate: {[]Status{StatusDispatched, StatusAccepted, StatusExtended, StatusReopened, StatusReturned, StatusAnswered}, StatusEscalated},
}

// Next returns the status action leads to from from, or a
// *TransitionError when the workflow does not allow it.
func Next(from Status, a Action) (Status, error) {
	e, ok := transitions[a]
	if !ok {
		return "", &TransitionError{From: from, Action: a}
	}
	for _, f := range e.from {
		if f == from {
			return e.to, nil
		}
	}
	return "", &TransitionError{From: from, Action: a}
}

// TransitionError is an illegal workflow step; the portal answers 409.
type TransitionError struct {
	From   Status
	Action Action
}

func (e *TransitionError) Error() string {
	return fmt.Sprintf("状态为“%s”的举报不能执行“%s”", e.From.Name(), actionNames[e.Action])
}

var actionNames = map[Action]string{
	ActDispatch: "派单", ActAccept: "签收", ActReturn: "退单", ActReject: "不予受理", ActExtend: "延期",
	ActAnswer: "答复", ActClose: "办结", ActReopen: "重办", ActEscalate: "督办",
}
