package report

import (
	"context"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"sunlight/catalog"
	"sunlight/domain"
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
		return domain.ErrBusy
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
// right to op (Check), builds the change and applies it, all in one
// transaction.
func (s *Service) act(ctx context.Context, a Actor, id uint64, op Op, build func(*Report, time.Time, *Calendar) (change, error)) error {
	cal, err := s.calendar(ctx)
	if err != nil {
		return err
	}
	return s.within(ctx, a, id, op, func(tx *gorm.DB, r *Report) error {
		now := eventTime(s.now())
		c, err := build(r, now, cal)
		if err != nil {
			return err
		}
		c.actor, c.dept = a.String(), a.DeptCode
		return s.apply(tx, r, c, now)
	})
}

// notOverdue is the reset of the overdue marks when a report gets a fresh
// start (signed for, moved, given more time), merged with more updates.
func notOverdue(more map[string]any) map[string]any {
	up := map[string]any{"overdue": false, "escalation_level": LevelNone}
	for k, v := range more {
		up[k] = v
	}
	return up
}

// text checks a staff-written text.
func text(field, label, s string, minLen, maxLen int) (string, error) {
	s = strings.TrimSpace(s)
	n := utf8.RuneCountInString(s)
	if n < minLen {
		return "", domain.Invalid("请填写"+label, field, "请填写"+label)
	}
	if n > maxLen {
		msg := label + "不能超过" + strconv.Itoa(maxLen) + "字"
		return "", domain.Invalid(msg, field, msg)
	}
	return s, nil
}

// Accept signs for a dispatched report (签收).
func (s *Service) Accept(ctx context.Context, a Actor, id uint64, note string) error {
	note, err := text("note", "备注", note, 0, 500)
	if err != nil {
		return err
	}
	return s.act(ctx, a, id, OpAccept, func(r *Report, now time.Time, _ *Calendar) (change, error) {
		if note == "" {
			note = "办理单位已签收"
		}
		return change{action: ActAccept, evType: EvAccepted, text: note, public: true,
			updates: notOverdue(map[string]any{"accepted_at": now})}, nil
	})
}

// Return sends a report back as not this department's business (退单);
// a supervisor re-dispatches it.
func (s *Service) Return(ctx context.Context, a Actor, id uint64, reason string) error {
	reason, err := text("reason", "退单理由", reason, 2, 500)
	if err != nil {
		return err
	}
	return s.act(ctx, a, id, OpReturn, func(r *Report, now time.Time, _ *Calendar) (change, error) {
		return change{action: ActReturn, evType: EvReturned, text: reason, public: false,
			updates: notOverdue(map[string]any{"ack_due_at": nil, "answer_due_at": nil})}, nil
	})
}

// Reject declines to handle the report (不予受理), with a reason the
// reporter reads.
func (s *Service) Reject(ctx context.Context, a Actor, id uint64, reason string) error {
	reason, err := text("reason", "不予受理的理由", reason, 5, 1000)
	if err != nil {
		return err
	}
	return s.act(ctx, a, id, OpReject, func(r *Report, now time.Time, _ *Calendar) (change, error) {
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
	cal, err := s.calendar(ctx)
	if err != nil {
		return err
	}
	if limit := cal.Setting(StageExtensionMax).Days; days < 1 || days > limit {
		return domain.Invalid("延期天数应为1到"+strconv.Itoa(limit)+"天", "days", "延期最多"+strconv.Itoa(limit)+"天")
	}
	return s.act(ctx, a, id, OpExtend, func(r *Report, now time.Time, _ *Calendar) (change, error) {
		return change{evType: EvExtensionAsked, text: reason + "（申请延期" + strconv.Itoa(days) + "天）",
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
	return s.act(ctx, a, id, OpDecide, func(r *Report, now time.Time, _ *Calendar) (change, error) {
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
			text:    "延期" + strconv.Itoa(r.ExtensionDays) + "天，理由：" + r.ExtensionReason,
			updates: notOverdue(map[string]any{"extension_requested": false, "extended": true, "answer_due_at": due})}, nil
	})
}

// Close ends an answered report (办结) on the head's or a supervisor's
// word; reporters close by rating, the scheduler when no rating comes.
func (s *Service) Close(ctx context.Context, a Actor, id uint64, note string) error {
	note, err := text("note", "办结说明", note, 0, 500)
	if err != nil {
		return err
	}
	return s.act(ctx, a, id, OpClose, func(r *Report, now time.Time, _ *Calendar) (change, error) {
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
	return s.act(ctx, a, id, OpEscalate, func(r *Report, now time.Time, _ *Calendar) (change, error) {
		return change{action: ActEscalate, evType: EvEscalated, text: note, public: true,
			updates: map[string]any{"escalation_level": LevelSupervisor}}, nil
	})
}

// Message writes to the reporter (a follow-up question, shown on /track)
// when toReporter is set, or an internal note otherwise.
func (s *Service) Message(ctx context.Context, a Actor, id uint64, msg string, toReporter bool) error {
	msg, err := text("text", "留言内容", msg, 1, 2000)
	if err != nil {
		return err
	}
	op := OpNote
	if toReporter {
		op = OpMessage
	}
	return s.act(ctx, a, id, op, func(r *Report, now time.Time, _ *Calendar) (change, error) {
		if toReporter {
			return change{evType: EvStaffMessage, text: msg, public: true}, nil
		}
		return change{evType: EvNote, text: msg}, nil
	})
}

// moveInput checks what moving a report to a department takes: a reason
// (label names it on the form) and an open department.
func (s *Service) moveInput(ctx context.Context, label, dept, reason string) (string, *catalog.Department, error) {
	reason, err := text("reason", label, reason, 2, 500)
	if err != nil {
		return "", nil, err
	}
	target, err := s.targetDept(ctx, dept)
	return reason, target, err
}

// Reassign moves a report to another department (改派/派单). Only a
// supervisor may; a department the report accuses is refused with a
// *domain.ConflictError, and the refused attempt is itself recorded.
func (s *Service) Reassign(ctx context.Context, a Actor, id uint64, dept, reason string) error {
	reason, target, err := s.moveInput(ctx, "改派理由", dept, reason)
	if err != nil {
		return err
	}
	var refused error
	err = s.act(ctx, a, id, OpReassign, func(r *Report, now time.Time, cal *Calendar) (change, error) {
		var c change
		c, refused = reassignChange(a, r, target, reason, now, cal)
		return c, nil
	})
	if err != nil {
		return err
	}
	return refused
}

// reassignRefusal says why moving r to target is not allowed, or "": never
// to the accused body; never outside the supervisor's own region (a's
// RegionCode; "" is anywhere); and an accusation only to a 纪委监委 at the
// level of the body now handling it or above (so an accusation against a
// head cannot be moved down to the accused's own level, 纪检监察机关处理检举
// 控告工作规则 Art. 15) — at or above the accused's level while nobody
// handles it.
func reassignRefusal(a Actor, r *Report, target *catalog.Department) (why, msg string) {
	level := r.DeptRegion
	if r.DeptCode == "" {
		level = r.AccusedRegion
	}
	switch {
	case r.AccusedDept != "" && target.Code == r.AccusedDept:
		return "该单位是被反映单位", "不能把举报交给被反映的单位办理"
	case !strings.HasPrefix(target.RegionCode, a.RegionCode):
		return "不在本辖区", "只能交给本辖区内的单位办理"
	case r.AccusedDept != "" && (!target.Supervisor || !strings.HasPrefix(level, target.RegionCode)):
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
	err = s.act(ctx, a, id, OpReveal, func(r *Report, now time.Time, _ *Calendar) (change, error) {
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
// (what: "查看", "下载照片 NAME", "导出" …), for security note 35's trail of every
// view and download. It needs the same visibility as Get.
func (s *Service) RecordAccess(ctx context.Context, a Actor, id uint64, what string) error {
	what, err := text("what", "访问说明", what, 1, 200)
	if err != nil {
		return err
	}
	return s.act(ctx, a, id, OpRecordAccess, func(*Report, time.Time, *Calendar) (change, error) {
		return change{evType: EvAccessed, text: what}, nil
	})
}

func contactAAD(id uint64, field string) string {
	return "report/" + strconv.FormatUint(id, 10) + "/" + field
}
