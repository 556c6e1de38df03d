package report

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"

	"sunlight/catalog"
	"sunlight/domain"
)

// Cases nobody can take: a report whose routing found no department (a
// subject above every body of the deployment, an accusation against its
// highest supervisor) waits, status submitted with no department, in the
// queue of Service.Unassigned until a supervisor or the admin assigns it
// (Service.Assign). Meanwhile its reporter is told it awaits assignment,
// with no deadline, since nobody is bound by one.

// AwaitingAssignment is what the reporter is told while no department has
// the report.
const AwaitingAssignment = "待分派：暂未找到负责办理的单位，工作人员将尽快指定办理单位"

// EvAssignRefused records a refused attempt to assign an unassigned report.
const EvAssignRefused = "assign_refused"

// awaiting is AwaitingAssignment while r has no department, else "".
func awaiting(st Status, dept string) string {
	if st == StatusSubmitted && dept == "" {
		return AwaitingAssignment
	}
	return ""
}

// UnassignedReport is one report of the queue of cases nobody can take. It
// carries no report content (no description, photos or contact): the
// technical admin reads it too.
type UnassignedReport struct {
	ID              uint64    `json:"id"`
	TrackingNo      string    `json:"tracking_no"`
	SubjectName     string    `json:"subject_name"`
	RegionCode      string    `json:"region_code"`
	RegionName      string    `json:"region_name"`
	ProblemType     string    `json:"problem_type"`
	ProblemTypeName string    `json:"problem_type_name"`
	SubmittedAt     time.Time `json:"submitted_at"`
	// Why says why the routing found no department.
	Why string `json:"why"`
	// The accusation, if any: what Candidates keeps away from.
	accused, accusedRegion string
}

// unassignedScope is the queue of unassigned reports a may see: every one
// for the admin, its region's for a supervisor, and never one accusing
// the actor's own body. Who may use the queue at all is the policy's
// (OpAssign).
func (s *Service) unassignedScope(db *gorm.DB, a Actor) (*gorm.DB, error) {
	if err := Check(a, Case{Status: StatusSubmitted}, OpAssign); err != nil {
		return nil, err
	}
	if a.DeptCode == "" {
		return nil, domain.ErrNotFound
	}
	q := db.Where("reports.status = ? AND reports.dept_code = '' AND reports.accused_dept <> ?", StatusSubmitted, a.DeptCode)
	if a.Role == domain.RoleAdmin {
		return q, nil
	}
	if catalog.LevelOf(a.RegionCode) == 0 {
		return nil, domain.ErrNotFound
	}
	return q.Where("reports.region_code LIKE ?", escapeLike(a.RegionCode)+"%"), nil
}

// Unassigned lists one page of the reports no department has that a may
// see, the longest waiting first, and their total.
func (s *Service) Unassigned(ctx context.Context, a Actor, pg catalog.Paging) ([]UnassignedReport, int64, error) {
	q, err := s.unassignedScope(s.db.WithContext(ctx).Model(&Report{}), a)
	if err != nil {
		return nil, 0, err
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, err
	}
	pg = pg.Normalize()
	var rs []Report
	if err := q.Order("reports.submitted_at, reports.id").Offset(pg.Offset()).Limit(pg.Limit()).Find(&rs).Error; err != nil {
		return nil, 0, err
	}
	names, err := s.problems.load(ctx)
	if err != nil {
		return nil, 0, err
	}
	regions := catalog.NewRegionStore(s.db)
	out := make([]UnassignedReport, len(rs))
	for i := range rs {
		r := &rs[i]
		out[i] = UnassignedReport{ID: r.ID, TrackingNo: r.TrackingNo, SubjectName: r.SubjectName, RegionCode: r.RegionCode,
			RegionName: r.RegionCode, ProblemType: r.ProblemType, ProblemTypeName: names.name(r.SubjectKind, r.ProblemType),
			SubmittedAt: r.SubmittedAt, accused: r.AccusedDept, accusedRegion: r.AccusedRegion}
		if rg, err := regions.Get(ctx, r.RegionCode); err == nil {
			out[i].RegionName = rg.Name
		}
		out[i].Why = s.unroutedWhy(ctx, r, out[i].RegionName)
	}
	return out, total, nil
}

// unroutedWhy says why the routing found no department for r.
func (s *Service) unroutedWhy(ctx context.Context, r *Report, regionName string) string {
	if r.AccusedDept != "" {
		name := r.AccusedDept
		if d, err := s.depts.Get(ctx, r.AccusedDept); err == nil {
			name = d.Name
		}
		return "反映的是" + name + "，本系统中没有它的上级纪委监委可以受理（举报不能交给被反映单位）"
	}
	if r.RegionCode == "" {
		return "举报对象没有所属地区，按派单规则找不到办理单位"
	}
	if _, err := s.depts.SupervisorAbove(ctx, r.RegionCode, false); err == nil {
		// Routing falls back to this supervisor: the failure was passing.
		return "派单暂未成功，系统每分钟自动重试；也可以直接指定办理单位"
	}
	return "本系统中没有负责" + regionName + "的单位（也没有该地区或其上级的纪委监委）"
}

// Candidates are, for each row, the departments a may assign it to: open
// (not 撤销), in a supervisor's region (any for the admin), never the accused, and for
// an accusation only a 纪委监委 at or above the accused's level — the
// rule Assign enforces.
func (s *Service) Candidates(ctx context.Context, a Actor, rows []UnassignedReport) (map[uint64][]catalog.Department, error) {
	ds, err := s.depts.List(ctx, assignArea(a), true)
	if err != nil {
		return nil, err
	}
	out := make(map[uint64][]catalog.Department, len(rows))
	for _, row := range rows {
		r := &Report{AccusedDept: row.accused, AccusedRegion: row.accusedRegion}
		for i := range ds {
			if why, _ := assignRefusal(a, r, &ds[i]); why == "" && !ds[i].Closed {
				out[row.ID] = append(out[row.ID], ds[i])
			}
		}
	}
	return out, nil
}

// assignArea is where a may send a report: its region for a supervisor,
// anywhere ("") for the admin.
func assignArea(a Actor) string {
	if a.Role == domain.RoleAdmin {
		return ""
	}
	return a.RegionCode
}

// assignRefusal is reassignRefusal for a report no department has yet,
// within the actor's area.
func assignRefusal(a Actor, r *Report, target *catalog.Department) (why, msg string) {
	a.RegionCode = assignArea(a)
	return reassignRefusal(a, r, target)
}

// targetDept is the department a report is to be sent to, checked.
func (s *Service) targetDept(ctx context.Context, code string) (*catalog.Department, error) {
	if code == "" {
		return nil, domain.Invalid("请选择办理单位", "dept", "请选择办理单位")
	}
	d, err := s.depts.Get(ctx, code)
	switch {
	case errors.Is(err, domain.ErrNotFound):
		return nil, domain.Invalid("没有这个单位", "dept", "单位代码不存在")
	case err == nil && d.Closed:
		return nil, domain.Invalid("该单位已撤销，不能接收举报", "dept", "该单位已撤销")
	}
	return d, err
}

// Assign sends an unassigned report to dept (指定办理单位), with deadlines
// counted from now as routing would set them. Who may is the policy's
// (OpAssign: a supervisor in its region, or the admin); the accused, and
// for an accusation any body that is not a 纪委监委 at or above the
// accused's level, is refused with a *domain.ConflictError, and the refused
// attempt is itself recorded. The reporter reads "已指定由…办理"; the
// reason stays internal.
func (s *Service) Assign(ctx context.Context, a Actor, id uint64, dept, reason string) error {
	reason, target, err := s.moveInput(ctx, "指定理由", dept, reason)
	if err != nil {
		return err
	}
	cal, err := s.calendar(ctx)
	if err != nil {
		return err
	}
	var refused error
	err = s.transact(ctx, func(tx *gorm.DB) error {
		refused = nil
		r, err := s.loadUnassigned(tx, a, id)
		if err != nil {
			return err
		}
		if err := Check(a, caseOf(r), OpAssign); err != nil {
			return err
		}
		now := eventTime(s.now())
		who := change{actor: a.String(), dept: a.DeptCode}
		if why, msg := assignRefusal(a, r, target); why != "" {
			refused = domain.Conflict("%s", msg)
			who.evType, who.text = EvAssignRefused, "指定由 "+target.Code+" 办理被拒绝："+why
			return s.apply(tx, r, who, now)
		}
		up := map[string]any{"dept_code": target.Code, "dept_region": target.RegionCode, "dispatched_at": now}
		cal.setDeadlines(up, now, true)
		sent := who
		sent.action, sent.evType, sent.public, sent.text, sent.updates = ActDispatch, EvDispatched, true, "已指定由"+target.Name+"办理", up
		if err := s.apply(tx, r, sent, now); err != nil {
			return err
		}
		who.evType, who.text = EvNote, "指定由"+target.Name+"办理，理由："+reason
		if err := s.apply(tx, r, who, now); err != nil {
			return err
		}
		return notify(tx, r, target.Code, "staff", "new", now)
	})
	if err != nil {
		return err
	}
	return refused
}

// loadUnassigned reads one report of a's unassigned queue.
func (s *Service) loadUnassigned(tx *gorm.DB, a Actor, id uint64) (*Report, error) {
	q, err := s.unassignedScope(tx.Model(&Report{}), a)
	if err != nil {
		return nil, err
	}
	return takeReport(q, id)
}
