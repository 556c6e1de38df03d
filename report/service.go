// Package report takes reports in and sees them through to closure:
// intake, receipt codes, routing, the workflow state machine, deadlines and
// escalation, notifications, tracking by receipt, and the audit chain.
//
// # Service API (for the workbench)
//
// Build one Service per process with New(db, secret, Options{}). Every
// staff call takes an Actor — who is acting: user id, department code,
// role (domain.RoleStaff, domain.RoleHead, domain.RoleSupervisor, domain.RoleAdmin) and, for a
// supervisor, the region it watches.
//
//	List(ctx, actor, Filter) ([]Summary, total, error)   the queue
//	Get(ctx, actor, id) (*Detail, error)                   one report
//	Workbench(ctx, actor, id) (*Workbench, error)          one report with what the actor may do, and its answering
//	Accept / Return / Reject / Close / Escalate            workflow actions
//	Answer(ctx, actor, id, text) (Op, error)               答复: sent, or kept as a draft when the head approves answers
//	ApproveAnswer / SendBackAnswer                         the head sends a draft out or returns it to its author
//	PublishAnswer / WithdrawAnswer                         公开答复: the head publishes a reviewed, masked answer
//	RequestExtension / DecideExtension                     延期: ask, then a supervisor approves or refuses
//	Message(ctx, actor, id, text, toReporter)              a question to the reporter, or an internal note
//	Reassign(ctx, actor, id, deptCode, reason)             supervisor moves it to another department
//	Unassigned(ctx, actor, paging) / Assign(…, id, dept, reason)  the queue of reports no department has, and 指定办理单位
//	RevealContact(ctx, actor, id, reason)                  audited look at the reporter's name and phone
//	RecordAccess(ctx, actor, id, what)                     audit a view, photo download or export
//
// Who may do what on a report the actor can see is one rule, Check (and
// Allowed, the set it lets through, which the workbench offers): every
// action above checks it in its transaction.
//
// Visibility is enforced in the query itself (see visible): staff and heads
// see their own department's reports; supervisors see their region's, and
// never one routed above them; nobody ever sees a report that accuses their
// own department; the admin role sees no report content at all. A report the
// actor may not see is domain.ErrNotFound (404), never domain.ErrForbidden, so that its
// existence does not leak; an action the actor may not take on a report it
// can see is domain.ErrForbidden (403); an illegal workflow step is a
// *TransitionError (409); a rule conflict (reassigning to the accused, a
// second extension) a *domain.ConflictError (409); bad input a
// *domain.ValidationError (400). Every action is one transaction writing
// one chained Event; concurrent writers are refused with domain.ErrBusy rather than
// overwriting each other.
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

// Actor is who performs a staff call.
type Actor struct {
	UserID   uint64
	DeptCode string
	Role     domain.Role
	// RegionCode is the region a supervisor watches (its department's
	// region); unused for other roles.
	RegionCode string
	// Name is the account's user name, kept with what it writes outside
	// the event chain (answer drafts, publications, settings).
	Name string
}

// String is how the actor is named in events.
func (a Actor) String() string { return fmt.Sprintf("user:%d", a.UserID) }

// Options tune a Service; zero values take the defaults.
type Options struct {
	Now       func() time.Time
	UploadDir string // where photos are stored; required to accept photos
	// OldSecrets are retired keys that still open what they sealed.
	OldSecrets [][]byte
	// RetryWindow is how long a retried submission gets the same receipt
	// back (default 1 hour); after it the sealed copy is wiped.
	RetryWindow time.Duration
	// BeforeCommit, if set, runs inside the intake transaction just before
	// it commits; a test hook for failure injection.
	BeforeCommit func() error
}

// Service is the reporting service.
type Service struct {
	db       *gorm.DB
	keys     *Keys
	now      func() time.Time
	subjects *catalog.SubjectResolver
	depts    *catalog.DepartmentStore
	uploads  string
	retry    time.Duration
	hook     func() error
	cal      calendarCache
	problems *ProblemTypeStore
}

// New returns a service on db with keys derived from secret.
func New(db *gorm.DB, secret []byte, o Options) (*Service, error) {
	keys, err := NewKeys(secret, o.OldSecrets...)
	if err != nil {
		return nil, err
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.RetryWindow == 0 {
		o.RetryWindow = time.Hour
	}
	s := &Service{db: db, keys: keys, now: o.Now, subjects: catalog.NewSubjectResolver(db),
		depts: catalog.NewDepartmentStore(db), uploads: o.UploadDir, retry: o.RetryWindow, hook: o.BeforeCommit,
		problems: NewProblemTypeStore(db)}
	s.problems.Now = o.Now
	return s, nil
}

// Keys exposes the key ring (for the audit and key-rotation tooling).
func (s *Service) Keys() *Keys { return s.keys }

// Filter narrows a queue.
type Filter struct {
	Status      []Status
	ProblemType string
	Region      string // region code prefix
	Overdue     bool
	Page        int // 1-based
	PerPage     int // default 20, at most 100
}

// Summary is one row of a queue. It carries no contact data.
type Summary struct {
	ID              uint64     `json:"id"`
	TrackingNo      string     `json:"tracking_no"`
	Status          Status     `json:"status"`
	StatusName      string     `json:"status_name"`
	Subject         string     `json:"subject"`
	SubjectName     string     `json:"subject_name"`
	ProblemType     string     `json:"problem_type"`
	ProblemTypeName string     `json:"problem_type_name"`
	DepartmentCode  string     `json:"department_code"`
	RegionCode      string     `json:"region_code"`
	SubmittedAt     time.Time  `json:"submitted_at"`
	AckDueAt        *time.Time `json:"ack_due_at,omitempty"`
	AnswerDueAt     *time.Time `json:"answer_due_at,omitempty"`
	Overdue         bool       `json:"overdue"`
	TooFast         bool       `json:"too_fast"`
	EscalationLevel int        `json:"escalation_level"`
	ExtensionAsked  bool       `json:"extension_requested"`
}

// Detail is one report as staff see it: everything but the contact data,
// which only RevealContact returns.
type Detail struct {
	Summary
	Description     string      `json:"description"`
	Anonymous       bool        `json:"anonymous"`
	HasContact      bool        `json:"has_contact"`
	Answer          string      `json:"answer"`
	Rating          Rating      `json:"rating,omitempty"`
	ReopenCount     int         `json:"reopen_count"`
	Extended        bool        `json:"extended"`
	ExtensionDays   int         `json:"extension_days,omitempty"`
	ExtensionReason string      `json:"extension_reason,omitempty"`
	Deadlines       Deadlines   `json:"deadlines"`
	Photos          []PhotoView `json:"photos"`
	Events          []EventView `json:"events"`
}

// Deadlines of a report. Provisional ones fall in ProvisionalYear, whose
// holiday calendar is not loaded yet: they were counted on weekdays only
// and will be recounted when it is.
type Deadlines struct {
	Acknowledge     *time.Time `json:"acknowledge,omitempty"`
	Answer          *time.Time `json:"answer,omitempty"`
	Provisional     bool       `json:"provisional"`
	ProvisionalYear int        `json:"provisional_year,omitempty"`
	// Note is what pages show after a provisional deadline ("" if firm).
	Note string `json:"provisional_note,omitempty"`
}

// deadlinesOf are a report's deadlines as pages and the API show them.
func deadlinesOf(r *Report) Deadlines {
	y := ProvisionalYear(r)
	return Deadlines{Acknowledge: r.AckDueAt, Answer: r.AnswerDueAt, Provisional: y != 0, ProvisionalYear: y, Note: ProvisionalNote(y)}
}

// PhotoView names a stored photo.
type PhotoView struct {
	Name   string `json:"name"`
	Width  int    `json:"width"`
	Height int    `json:"height"`
}

// EventView is one event on a timeline.
type EventView struct {
	Seq      int64     `json:"seq"`
	Type     string    `json:"type"`
	TypeName string    `json:"type_name"`
	Actor    string    `json:"actor"`
	At       time.Time `json:"at"`
	Text     string    `json:"text"`
	Status   Status    `json:"status,omitempty"`
}

// visible scopes a query on reports to what actor may see. It is the one
// place the rule lives: every staff read and action goes through it.
func (s *Service) visible(db *gorm.DB, a Actor) (*gorm.DB, error) {
	if a.DeptCode == "" {
		return nil, domain.ErrNotFound
	}
	switch a.Role {
	case domain.RoleStaff, domain.RoleHead:
		return db.Where("reports.dept_code = ? AND reports.accused_dept <> ?", a.DeptCode, a.DeptCode), nil
	case domain.RoleSupervisor:
		if catalog.LevelOf(a.RegionCode) == 0 {
			return nil, domain.ErrNotFound
		}
		like := escapeLike(a.RegionCode) + "%"
		return db.Where("reports.accused_dept <> ? AND (reports.dept_code = ? OR (reports.region_code LIKE ? AND (reports.accused_dept = '' OR reports.dept_region LIKE ?)))",
			a.DeptCode, a.DeptCode, like, like), nil
	case domain.RoleAdmin:
		return nil, domain.ErrForbidden
	}
	return nil, domain.ErrNotFound
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// List returns one page of the actor's queue, newest first, and the total.
func (s *Service) List(ctx context.Context, a Actor, f Filter) ([]Summary, int64, error) {
	q, err := s.visible(s.db.WithContext(ctx).Model(&Report{}), a)
	if err != nil {
		return nil, 0, err
	}
	if len(f.Status) > 0 {
		for _, st := range f.Status {
			if !st.Valid() {
				return nil, 0, domain.Invalid("未知的状态", "status", string(st))
			}
		}
		q = q.Where("reports.status IN ?", f.Status)
	}
	if f.ProblemType != "" {
		q = q.Where("reports.problem_type = ?", f.ProblemType)
	}
	if f.Region != "" {
		if catalog.LevelOf(f.Region) == 0 {
			return nil, 0, domain.Invalid("地区代码不正确", "region", f.Region)
		}
		q = q.Where("reports.region_code LIKE ?", escapeLike(f.Region)+"%")
	}
	if f.Overdue {
		q = q.Where("reports.overdue = ?", true)
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, err
	}
	per := f.PerPage
	if per <= 0 {
		per = 20
	}
	per = min(per, 100)
	page := max(f.Page, 1)
	var rs []Report
	if err := q.Order("reports.submitted_at DESC, reports.id DESC").Limit(per).Offset((page - 1) * per).Find(&rs).Error; err != nil {
		return nil, 0, err
	}
	names, err := s.problems.load(ctx)
	if err != nil {
		return nil, 0, err
	}
	out := make([]Summary, len(rs))
	for i := range rs {
		out[i] = summaryOf(&rs[i], names)
	}
	return out, total, nil
}

func summaryOf(r *Report, names problemNames) Summary {
	return Summary{ID: r.ID, TrackingNo: r.TrackingNo, Status: r.Status, StatusName: r.Status.Name(), Subject: r.Subject,
		SubjectName: r.SubjectName, ProblemType: r.ProblemType, ProblemTypeName: names.name(r.SubjectKind, r.ProblemType),
		DepartmentCode: r.DeptCode, RegionCode: r.RegionCode, SubmittedAt: r.SubmittedAt, AckDueAt: r.AckDueAt,
		AnswerDueAt: r.AnswerDueAt, Overdue: r.Overdue, TooFast: r.TooFast, EscalationLevel: r.EscalationLevel,
		ExtensionAsked: r.ExtensionRequested}
}

// Get returns one report the actor may see, with its events and photos.
func (s *Service) Get(ctx context.Context, a Actor, id uint64) (*Detail, error) {
	r, err := s.load(s.db.WithContext(ctx), a, id)
	if err != nil {
		return nil, err
	}
	return s.detail(ctx, r)
}

// detail is r as staff see it, with its events and photos.
func (s *Service) detail(ctx context.Context, r *Report) (*Detail, error) {
	names, err := s.problems.load(ctx)
	if err != nil {
		return nil, err
	}
	d := &Detail{Summary: summaryOf(r, names), Description: r.Description, Anonymous: r.Anonymous,
		HasContact: r.ContactName != "" || r.ContactPhone != "", Answer: r.Answer, Rating: r.Rating,
		ReopenCount: r.ReopenCount, Extended: r.Extended, ExtensionDays: r.ExtensionDays, ExtensionReason: r.ExtensionReason,
		Deadlines: deadlinesOf(r)}
	if d.Events, err = s.events(ctx, r.ID, false); err != nil {
		return nil, err
	}
	if d.Photos, err = s.photos(ctx, r.ID); err != nil {
		return nil, err
	}
	return d, nil
}

// load reads one report through the visibility rule.
func (s *Service) load(db *gorm.DB, a Actor, id uint64) (*Report, error) {
	q, err := s.visible(db.Model(&Report{}), a)
	if err != nil {
		return nil, err
	}
	return takeReport(q, id)
}

// takeReport reads report id from q, a query already narrowed to what the
// actor may see: a miss is domain.ErrNotFound, whether the report does not
// exist or is out of sight.
func takeReport(q *gorm.DB, id uint64) (*Report, error) {
	var r Report
	err := q.Where("reports.id = ?", id).Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, fmt.Errorf("report %d: %w", id, domain.ErrNotFound)
	}
	if err != nil {
		return nil, err
	}
	return &r, nil
}

func (s *Service) events(ctx context.Context, id uint64, publicOnly bool) ([]EventView, error) {
	q := s.db.WithContext(ctx).Where("report_id = ?", id)
	if publicOnly {
		q = q.Where("public = ?", true)
	}
	var es []Event
	if err := q.Order("seq").Find(&es).Error; err != nil {
		return nil, err
	}
	out := make([]EventView, len(es))
	for i, e := range es {
		actor := e.Actor
		if publicOnly && strings.HasPrefix(actor, "user:") {
			actor = "办理单位"
		}
		out[i] = EventView{Seq: e.Seq, Type: e.Type, TypeName: eventNames[e.Type], Actor: actor, At: e.At, Text: e.Text, Status: e.ToStatus}
	}
	return out, nil
}

func (s *Service) photos(ctx context.Context, id uint64) ([]PhotoView, error) {
	var ps []Photo
	if err := s.db.WithContext(ctx).Where("report_id = ?", id).Order("id").Find(&ps).Error; err != nil {
		return nil, err
	}
	out := make([]PhotoView, len(ps))
	for i, p := range ps {
		out[i] = PhotoView{Name: p.Name, Width: p.Width, Height: p.Height}
	}
	return out, nil
}

var eventNames = map[string]string{
	EvSubmitted: "提交", EvDispatched: "派单", EvAccepted: "签收", EvReturned: "退单", EvRejected: "不予受理",
	EvExtensionAsked: "申请延期", EvExtended: "延期", EvExtensionRefused: "延期未获批准", EvAnswered: "答复",
	EvClosed: "办结", EvReopened: "重办", EvEscalated: "督办", EvReporterMessage: "举报人补充",
	EvStaffMessage: "办理单位留言", EvNote: "内部备注", EvRated: "评价", EvReminded: "超期提醒",
	EvOverdue: "超期", EvTooFast: "过快件", EvReassignRefused: "改派被拒绝", EvContactRevealed: "查看联系方式", EvAccessed: "访问记录",
	EvDeadlineChanged: "期限调整", EvAssignRefused: "指定办理单位被拒绝",
}

// Event types.
const (
	EvSubmitted        = "submitted"
	EvDispatched       = "dispatched"
	EvAccepted         = "accepted"
	EvReturned         = "returned"
	EvRejected         = "rejected"
	EvExtensionAsked   = "extension_requested"
	EvExtended         = "extended"
	EvExtensionRefused = "extension_refused"
	EvAnswered         = "answered"
	EvClosed           = "closed"
	EvReopened         = "reopened"
	EvEscalated        = "escalated"
	EvReporterMessage  = "reporter_message"
	EvStaffMessage     = "staff_message"
	EvNote             = "note"
	EvRated            = "rated"
	EvReminded         = "reminded"
	EvOverdue          = "overdue"
	EvTooFast          = "too_fast"
	EvReassignRefused  = "reassign_refused"
	EvContactRevealed  = "contact_revealed"
	EvAccessed         = "accessed"
	EvDeadlineChanged  = "deadline_changed"
)
