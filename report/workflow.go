package report

import (
	"context"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"sunlight/catalog"
)

// change is one workflow step on one report, applied in one transaction:
// the report row is updated only if nobody changed it since it was read
// (version), and exactly one chained event is written.
type change struct {
	action  Action // "" for an event that does not change the status
	evType  string
	text    string
	public  bool
	actor   string
	dept    string
	updates map[string]any
}

// apply writes c to r inside tx.
func (s *Service) apply(tx *gorm.DB, r *Report, c change, now time.Time) error {
	to := r.Status
	if c.action != "" {
		next, err := Next(r.Status, c.action)
		if err != nil {
			return err
		}
		to = next
	}
	up := map[string]any{"status": to, "version": r.Version + 1, "updated_at": now}
	for k, v := range c.updates {
		up[k] = v
	}
	res := tx.Model(&Report{}).Where("id = ? AND version = ?", r.ID, r.Version).Updates(up)
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected != 1 {
		return ErrBusy
	}
	ev := &Event{ReportID: r.ID, Type: c.evType, Actor: c.actor, ActorDept: c.dept, At: now, Text: c.text,
		Public: c.public}
	if c.action != "" {
		ev.FromStatus, ev.ToStatus = r.Status, to
	}
	if err := appendEvent(tx, ev); err != nil {
		return err
	}
	r.Status, r.Version = to, r.Version+1
	return nil
}

// act loads the report through the actor's visibility, checks the actor's
// right with allow, builds the change and applies it, all in one
// transaction.
func (s *Service) act(ctx context.Context, a Actor, id uint64, allow func(*Report) error, build func(*Report, time.Time, *Calendar) (change, error)) error {
	cal, err := s.calendar(ctx)
	if err != nil {
		return err
	}
	return s.transact(ctx, func(tx *gorm.DB) error {
		r, err := s.load(tx, a, id)
		if err != nil {
			return err
		}
		if err := allow(r); err != nil {
			return err
		}
		now := eventTime(s.now())
		c, err := build(r, now, cal)
		if err != nil {
			return err
		}
		c.actor, c.dept = a.String(), a.DeptCode
		return s.apply(tx, r, c, now)
	})
}

// handler: the assigned department's staff or head (or a supervisor body
// that was itself assigned the report).
func handler(a Actor) func(*Report) error {
	return func(r *Report) error {
		if r.DeptCode != a.DeptCode || a.Role == RoleAdmin {
			return ErrForbidden
		}
		return nil
	}
}

// handlerOrSupervisor: the assigned department's staff or head, or a
// supervisor who can see the report (load has already applied visibility:
// the region, and never a report accusing the supervisor's own body).
func handlerOrSupervisor(a Actor) func(*Report) error {
	return func(r *Report) error {
		if a.Role == RoleSupervisor {
			return nil
		}
		return handler(a)(r)
	}
}

// headOrSupervisor: the assigned department's head, or a supervisor who
// can see the report.
func headOrSupervisor(a Actor) func(*Report) error {
	return func(r *Report) error {
		if a.Role == RoleSupervisor || (a.Role == RoleHead && r.DeptCode == a.DeptCode) {
			return nil
		}
		return ErrForbidden
	}
}

func supervisor(a Actor) func(*Report) error {
	return func(*Report) error {
		if a.Role != RoleSupervisor {
			return ErrForbidden
		}
		return nil
	}
}

// text checks a staff-written text.
func text(field, label, s string, minLen, maxLen int) (string, error) {
	s = strings.TrimSpace(s)
	n := utf8.RuneCountInString(s)
	if n < minLen {
		return "", catalog.Invalid("请填写"+label, field, "请填写"+label)
	}
	if n > maxLen {
		msg := label + "不能超过" + itoa(maxLen) + "字"
		return "", catalog.Invalid(msg, field, msg)
	}
	return s, nil
}

// Accept signs for a dispatched report (签收).
func (s *Service) Accept(ctx context.Context, a Actor, id uint64, note string) error {
	note, err := text("note", "备注", note, 0, 500)
	if err != nil {
		return err
	}
	return s.act(ctx, a, id, handler(a), func(r *Report, now time.Time, _ *Calendar) (change, error) {
		if note == "" {
			note = "办理单位已签收"
		}
		return change{action: ActAccept, evType: EvAccepted, text: note, public: true,
			updates: map[string]any{"accepted_at": now, "overdue": false, "escalation_level": 0}}, nil
	})
}

// Answer gives the answer the reporter reads (答复).
func (s *Service) Answer(ctx context.Context, a Actor, id uint64, answer string) error {
	answer, err := text("answer", "答复内容", answer, 5, 5000)
	if err != nil {
		return err
	}
	return s.act(ctx, a, id, handler(a), func(r *Report, now time.Time, cal *Calendar) (change, error) {
		// The scheduler checks the answer's speed (过快件) afterwards.
		up := map[string]any{"answer": answer, "answered_at": now, "overdue": false, "rating": "", "fast_checked": false}
		return change{action: ActAnswer, evType: EvAnswered, text: answer, public: true, updates: up}, nil
	})
}

// Return sends a report back as not this department's business (退单);
// a supervisor re-dispatches it.
func (s *Service) Return(ctx context.Context, a Actor, id uint64, reason string) error {
	reason, err := text("reason", "退单理由", reason, 2, 500)
	if err != nil {
		return err
	}
	return s.act(ctx, a, id, handler(a), func(r *Report, now time.Time, _ *Calendar) (change, error) {
		return change{action: ActReturn, evType: EvReturned, text: reason, public: false,
			updates: map[string]any{"ack_due_at": nil, "answer_due_at": nil, "overdue": false, "escalation_level": 0}}, nil
	})
}

// Reject declines to handle the report (不予受理), with a reason the
// reporter reads.
func (s *Service) Reject(ctx context.Context, a Actor, id uint64, reason string) error {
	reason, err := text("reason", "不予受理的理由", reason, 5, 1000)
	if err != nil {
		return err
	}
	return s.act(ctx, a, id, handler(a), func(r *Report, now time.Time, _ *Calendar) (change, error) {
		return change{action: ActReject, evType: EvRejected, text: reason, public: true,
			updates: map[string]any{"closed_at": now, "overdue": false}}, nil
	})
}

// RequestExtension asks for more time to answer (延期), once, with a
// reason the reporter will read if it is approved.
func (s *Service) RequestExtension(ctx context.Context, a Actor, id uint64, days int, reason string) error {
	reason, err := text("reason", "延期理由", reason, 5, 500)
	if err != nil {
		return err
	}
	return s.act(ctx, a, id, handler(a), func(r *Report, now time.Time, cal *Calendar) (change, error) {
		limit := cal.Setting(StageExtensionMax).Days
		switch {
		case days < 1 || days > limit:
			return change{}, catalog.Invalid("延期天数应为1到"+itoa(limit)+"天", "days", "延期最多"+itoa(limit)+"天")
		case r.Extended:
			return change{}, conflict("每件举报只能延期一次")
		case r.ExtensionRequested:
			return change{}, conflict("已经申请过延期，正在等待批准")
		case r.Status != StatusAccepted && r.Status != StatusEscalated:
			return change{}, &TransitionError{From: r.Status, Action: ActExtend}
		}
		return change{evType: EvExtensionAsked, text: reason + "（申请延期" + itoa(days) + "天）",
			updates: map[string]any{"extension_requested": true, "extension_days": days, "extension_reason": reason}}, nil
	})
}

// DecideExtension approves or refuses a pending extension request; only a
// supervisor decides. Approval moves the answer deadline and tells the
// reporter the reason.
func (s *Service) DecideExtension(ctx context.Context, a Actor, id uint64, approve bool, note string) error {
	note, err := text("note", "意见", note, 0, 500)
	if err != nil {
		return err
	}
	return s.act(ctx, a, id, supervisor(a), func(r *Report, now time.Time, _ *Calendar) (change, error) {
		if !r.ExtensionRequested {
			return change{}, conflict("没有待审批的延期申请")
		}
		if !approve {
			return change{evType: EvExtensionRefused, text: note,
				updates: map[string]any{"extension_requested": false, "extension_days": 0, "extension_reason": ""}}, nil
		}
		due := now
		if r.AnswerDueAt != nil {
			due = *r.AnswerDueAt
		}
		due = due.AddDate(0, 0, r.ExtensionDays)
		return change{action: ActExtend, evType: EvExtended, public: true,
			text: "延期" + itoa(r.ExtensionDays) + "天，理由：" + r.ExtensionReason,
			updates: map[string]any{"extension_requested": false, "extended": true, "answer_due_at": due,
				"overdue": false, "escalation_level": 0}}, nil
	})
}

// Close ends an answered report (办结) on the head's or a supervisor's
// word; reporters close by rating, the scheduler when no rating comes.
func (s *Service) Close(ctx context.Context, a Actor, id uint64, note string) error {
	note, err := text("note", "办结说明", note, 0, 500)
	if err != nil {
		return err
	}
	return s.act(ctx, a, id, headOrSupervisor(a), func(r *Report, now time.Time, _ *Calendar) (change, error) {
		if note == "" {
			note = "已办结"
		}
		return change{action: ActClose, evType: EvClosed, text: note, public: true, updates: map[string]any{"closed_at": now}}, nil
	})
}

// Escalate puts a report under supervision (督办).
func (s *Service) Escalate(ctx context.Context, a Actor, id uint64, note string) error {
	note, err := text("note", "督办意见", note, 2, 500)
	if err != nil {
		return err
	}
	return s.act(ctx, a, id, supervisor(a), func(r *Report, now time.Time, _ *Calendar) (change, error) {
		return change{action: ActEscalate, evType: EvEscalated, text: note, public: true,
			updates: map[string]any{"escalation_level": 3}}, nil
	})
}

// Message writes to the reporter (a follow-up question, shown on /track)
// when toReporter is set, or an internal note otherwise.
func (s *Service) Message(ctx context.Context, a Actor, id uint64, msg string, toReporter bool) error {
	msg, err := text("text", "留言内容", msg, 1, 2000)
	if err != nil {
		return err
	}
	allow := func(r *Report) error {
		if toReporter {
			return handler(a)(r)
		}
		return nil
	}
	return s.act(ctx, a, id, allow, func(r *Report, now time.Time, _ *Calendar) (change, error) {
		if toReporter {
			if !r.Status.Open() {
				return change{}, conflict("已办结的举报不能再留言")
			}
			return change{evType: EvStaffMessage, text: msg, public: true}, nil
		}
		return change{evType: EvNote, text: msg}, nil
	})
}

// Reassign moves a report to another department (改派/派单). Only a
// supervisor may; a department the report accuses is refused with a
// *ConflictError, and the refused attempt is itself recorded.
func (s *Service) Reassign(ctx context.Context, a Actor, id uint64, dept, reason string) error {
	reason, err := text("reason", "改派理由", reason, 2, 500)
	if err != nil {
		return err
	}
	target, err := s.depts.Get(ctx, dept)
	if errors.Is(err, catalog.ErrNotFound) {
		return catalog.Invalid("没有这个单位", "dept", "单位代码不存在")
	}
	if err != nil {
		return err
	}
	var refused error
	err = s.act(ctx, a, id, supervisor(a), func(r *Report, now time.Time, cal *Calendar) (change, error) {
		if why, msg := reassignRefusal(a, r, target); why != "" {
			refused = conflict("%s", msg)
			return change{evType: EvReassignRefused, text: "改派至 " + target.Code + " 被拒绝：" + why}, nil
		}
		up := map[string]any{"dept_code": target.Code, "dept_region": target.RegionCode, "dispatched_at": now,
			"accepted_at": nil, "overdue": false, "escalation_level": 0}
		cal.setDeadlines(up, now, true)
		return change{action: ActDispatch, evType: EvDispatched, text: "改派至" + target.Name + "：" + reason, public: true,
			updates: up}, nil
	})
	if err != nil {
		return err
	}
	return refused
}

// reassignRefusal says why moving r to target is not allowed, or "": never
// to the accused body; never outside the supervisor's own region; and an
// accusation only to a 纪委监委 at the level of the body now handling it or
// above (so an accusation against a head cannot be moved down to the
// accused's own level, 纪检监察机关处理检举控告工作规则 Art. 15).
func reassignRefusal(a Actor, r *Report, target *catalog.Department) (why, msg string) {
	switch {
	case r.AccusedDept != "" && target.Code == r.AccusedDept:
		return "该单位是被反映单位", "不能把举报交给被反映的单位办理"
	case !strings.HasPrefix(target.RegionCode, a.RegionCode):
		return "不在本辖区", "只能改派给本辖区内的单位"
	case r.AccusedDept != "" && (!target.Supervisor || !strings.HasPrefix(r.DeptRegion, target.RegionCode)):
		return "反映违纪的举报只能由同级或上级纪委监委办理", "反映违纪违法的举报只能交给同级或上级纪委监委办理"
	}
	return "", ""
}

// RevealContact returns the reporter's name and phone to the assigned
// handler, writing an audit event with the reason (and no contact data).
func (s *Service) RevealContact(ctx context.Context, a Actor, id uint64, reason string) (name, phone string, err error) {
	reason, err = text("reason", "查看理由", reason, 2, 200)
	if err != nil {
		return "", "", err
	}
	var sealedName, sealedPhone string
	err = s.act(ctx, a, id, handlerOrSupervisor(a), func(r *Report, now time.Time, _ *Calendar) (change, error) {
		if r.Anonymous {
			return change{}, conflict("匿名举报没有联系方式")
		}
		sealedName, sealedPhone = r.ContactName, r.ContactPhone
		return change{evType: EvContactRevealed, text: reason}, nil
	})
	if err != nil {
		return "", "", err
	}
	if name, err = s.keys.Open(sealedName, contactAAD(id, "name")); err != nil {
		return "", "", err
	}
	if phone, err = s.keys.Open(sealedPhone, contactAAD(id, "phone")); err != nil {
		return "", "", err
	}
	return name, phone, nil
}

// RecordAccess writes an audit event that actor looked at the report
// (what: "查看", "下载照片 NAME", "导出" …), for SECURITY 35's trail of every
// view and download. It needs the same visibility as Get.
func (s *Service) RecordAccess(ctx context.Context, a Actor, id uint64, what string) error {
	what, err := text("what", "访问说明", what, 1, 200)
	if err != nil {
		return err
	}
	allow := func(*Report) error { return nil }
	return s.act(ctx, a, id, allow, func(*Report, time.Time, *Calendar) (change, error) {
		return change{evType: EvAccessed, text: what}, nil
	})
}

func contactAAD(id uint64, field string) string { return "report/" + itoa(int(id)) + "/" + field }
