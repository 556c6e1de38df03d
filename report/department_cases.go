package report

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"sunlight/catalog"
	"sunlight/domain"
)

// openStatuses are the statuses of a case still in a department's hands.
var openStatuses = []Status{StatusDispatched, StatusAccepted, StatusExtended, StatusAnswered, StatusReturned,
	StatusReopened, StatusEscalated}

// OpenCases counts the open cases a department must answer.
func (s *Service) OpenCases(ctx context.Context, dept string) (int64, error) {
	return openCases(s.db.WithContext(ctx), dept)
}

func openCases(db *gorm.DB, dept string) (int64, error) {
	var n int64
	err := db.Model(&Report{}).Where("dept_code = ? AND status IN ?", dept, openStatuses).Count(&n).Error
	return n, err
}

// CloseDepartment closes (撤销) a department: from then on it is never a
// routing or reassignment target. A department with open cases is refused
// with a *domain.ValidationError naming how many: move them first
// (MoveCases).
func (s *Service) CloseDepartment(ctx context.Context, code, by string) error {
	now := s.now()
	return s.transact(ctx, func(tx *gorm.DB) error {
		n, err := openCases(tx, strings.TrimSpace(code))
		if err != nil {
			return err
		}
		if n > 0 {
			return domain.Invalid(fmt.Sprintf("该单位还有 %d 件未办结的举报，请先把它们移交给其他单位，再撤销", n))
		}
		return catalog.CloseDepartment(tx, code, by, now)
	})
}

// MoveResult is what MoveCases did.
type MoveResult struct {
	Moved int
	// Refused lists the tracking numbers of cases that may not go to the
	// target (it is the body they accuse): each refusal is an event.
	Refused []string
}

// MoveCases hands every open case of department from to department to,
// each through the reassignment rules (never to a department the case
// accuses, an accusation only to a 纪委监委 high enough) as one chained
// event by by; the new department is notified.
func (s *Service) MoveCases(ctx context.Context, from, to, by string) (*MoveResult, error) {
	from, to = strings.TrimSpace(from), strings.TrimSpace(to)
	target, err := s.moveTarget(ctx, from, to)
	if err != nil {
		return nil, err
	}
	cal, err := s.calendar(ctx)
	if err != nil {
		return nil, err
	}
	var ids []uint64
	if err := s.db.WithContext(ctx).Model(&Report{}).Where("dept_code = ? AND status IN ?", from, openStatuses).
		Order("id").Pluck("id", &ids).Error; err != nil {
		return nil, err
	}
	res := &MoveResult{}
	for _, id := range ids {
		if err := s.moveCase(ctx, id, from, target, by, cal, res); err != nil {
			return res, err
		}
	}
	return res, nil
}

func (s *Service) moveTarget(ctx context.Context, from, to string) (*catalog.Department, error) {
	if _, err := s.depts.Get(ctx, from); errors.Is(err, domain.ErrNotFound) {
		return nil, domain.Invalid("没有这个单位："+from, "from", "单位代码不存在")
	} else if err != nil {
		return nil, err
	}
	target, err := s.depts.Get(ctx, to)
	switch {
	case errors.Is(err, domain.ErrNotFound):
		return nil, domain.Invalid("没有这个接收单位："+to, "to", "单位代码不存在")
	case err != nil:
		return nil, err
	case to == from:
		return nil, domain.Invalid("接收单位不能是本单位", "to", "接收单位不能是本单位")
	case target.Closed:
		return nil, domain.Invalid("接收单位 "+target.Name+" 已撤销", "to", "接收单位已撤销")
	}
	return target, nil
}

func (s *Service) moveCase(ctx context.Context, id uint64, from string, target *catalog.Department, by string, cal *Calendar, res *MoveResult) error {
	return s.transact(ctx, func(tx *gorm.DB) error {
		var r Report
		if err := tx.Where("id = ?", id).Take(&r).Error; err != nil {
			return err
		}
		if r.DeptCode != from || !r.Status.Open() {
			return nil // moved or finished meanwhile
		}
		now := eventTime(s.now())
		c, refused := reassignChange(Actor{Role: domain.RoleAdmin}, &r, target, "原办理单位撤销，移交办理", now, cal)
		if _, err := Next(r.Status, ActDispatch); err != nil && refused == nil {
			// Answered, waiting for the reporter: it keeps its status and
			// answer; a reopening goes to the new department.
			c = change{evType: EvDispatched, text: c.text, public: true,
				updates: map[string]any{"dept_code": target.Code, "dept_region": target.RegionCode}}
		}
		c.actor = by
		if err := s.apply(tx, &r, c, now); err != nil {
			return err
		}
		if refused != nil {
			res.Refused = append(res.Refused, r.TrackingNo)
			return nil
		}
		res.Moved++
		return notify(tx, &r, target.Code, "staff", "new", now)
	})
}

// reassignChange is the change that moves r to target for a, or — when
// the rules forbid it (reassignRefusal) — the recorded refusal and the
// error to return.
func reassignChange(a Actor, r *Report, target *catalog.Department, reason string, now time.Time, cal *Calendar) (change, error) {
	if why, msg := reassignRefusal(a, r, target); why != "" {
		return change{evType: EvReassignRefused, text: "改派至 " + target.Code + " 被拒绝：" + why}, domain.Conflict("%s", msg)
	}
	up := notOverdue(map[string]any{"dept_code": target.Code, "dept_region": target.RegionCode, "dispatched_at": now,
		"accepted_at": nil})
	cal.setDeadlines(up, now, true)
	return change{action: ActDispatch, evType: EvDispatched, text: "改派至" + target.Name + "：" + reason, public: true,
		updates: up}, nil
}

// OpenCasesOf counts the open cases of each of codes (absent: none).
func (s *Service) OpenCasesOf(ctx context.Context, codes []string) (map[string]int64, error) {
	var rows []struct {
		DeptCode string
		N        int64
	}
	out := map[string]int64{}
	if len(codes) == 0 {
		return out, nil
	}
	err := s.db.WithContext(ctx).Model(&Report{}).Select("dept_code, COUNT(*) AS n").
		Where("dept_code IN ? AND status IN ?", codes, openStatuses).Group("dept_code").Scan(&rows).Error
	for _, r := range rows {
		out[r.DeptCode] = r.N
	}
	return out, err
}
