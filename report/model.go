package report

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// Report is one report (举报/反映). The description and photos are the
// reporter's words; the contact fields are sealed (AES-256-GCM) and the
// receipt is kept only as a keyed lookup hash. No IP
// address or other trace of the reporter's device is stored.
type Report struct {
	ID          uint64 `gorm:"primaryKey;autoIncrement"`
	TrackingNo  string `gorm:"size:20;not null;uniqueIndex"`
	Subject     string `gorm:"size:80;not null;index"`
	SubjectName string `gorm:"size:200;not null"`
	SubjectKind string `gorm:"size:16;not null"`
	// RegionCode is where the subject is; queues filter on it.
	RegionCode  string `gorm:"size:12;not null;index"`
	ProblemType string `gorm:"size:32;not null;index"`
	Description string `gorm:"type:text;not null"`
	Anonymous   bool   `gorm:"not null"`
	// Sealed contact details ("" when anonymous). See Sealer.
	ContactName  string `gorm:"type:text;not null"`
	ContactPhone string `gorm:"type:text;not null"`

	// Receipt: LookupHash = HMAC-SHA256(lookup key, digits) is all that is
	// stored of it, and finds the row.
	LookupHash string `gorm:"size:64;not null;uniqueIndex"`

	Status Status `gorm:"size:16;not null;index"`
	// DeptCode is the department that must answer; DeptRegion its region.
	DeptCode   string `gorm:"size:32;not null;default:'';index"`
	DeptRegion string `gorm:"size:12;not null;default:''"`
	// AccusedDept is the department the report accuses (never shown the
	// report); AccusedHead marks an accusation against its head.
	AccusedDept   string `gorm:"size:32;not null;default:'';index"`
	AccusedRegion string `gorm:"size:12;not null;default:''"`
	AccusedHead   bool   `gorm:"not null;default:false"`

	Answer string `gorm:"type:text;not null"`
	// Rating is the reporter's verdict on the answer.
	Rating      Rating `gorm:"size:16;not null;default:''"`
	ReopenCount int    `gorm:"not null;default:0"`

	SubmittedAt  time.Time  `gorm:"not null;index"`
	DispatchedAt *time.Time `gorm:""`
	AcceptedAt   *time.Time `gorm:""`
	AnsweredAt   *time.Time `gorm:""`
	ClosedAt     *time.Time `gorm:""`
	AckDueAt     *time.Time `gorm:"index"`
	AnswerDueAt  *time.Time `gorm:"index"`
	// DeadlineFrom is when the working-day deadlines were counted from;
	// DeadlineProvisional says the answer deadline falls in a year with no
	// holiday calendar yet (counted on weekdays only), to be recomputed when
	// that year's calendar is imported.
	DeadlineFrom        *time.Time `gorm:""`
	DeadlineProvisional bool       `gorm:"not null;default:false;index"`
	// Extended: the one extension was granted. ExtensionDays/Reason are
	// a pending request until ExtensionApproved.
	ExtensionDays      int    `gorm:"not null;default:0"`
	ExtensionReason    string `gorm:"size:500;not null;default:''"`
	ExtensionRequested bool   `gorm:"not null;default:false"`
	Extended           bool   `gorm:"not null;default:false"`
	// EscalationLevel: 0 none, 1 handler reminded, 2 head told, 3
	// supervisor told (督办). Overdue is set by the scheduler.
	EscalationLevel int  `gorm:"not null;default:0"`
	Overdue         bool `gorm:"not null;default:false;index"`
	TooFast         bool `gorm:"not null;default:false"`
	// FastChecked: the scheduler has looked at the latest answer's speed.
	FastChecked bool `gorm:"not null;default:false"`
	// Version increases with every change; updates are conditional on it,
	// so two writers (or two schedulers) can never both apply a change.
	Version   int64     `gorm:"not null;default:1"`
	UpdatedAt time.Time `gorm:"not null"`
}

// TableName is explicit.
func (Report) TableName() string { return "reports" }

// Event is one step in a report's life. Events form one hash chain over
// all reports (Seq is global, PrevHash is the previous event's Hash).
type Event struct {
	ID        uint64    `gorm:"primaryKey;autoIncrement"`
	Seq       int64     `gorm:"not null;uniqueIndex"`
	ReportID  uint64    `gorm:"not null;index"`
	Type      string    `gorm:"size:24;not null"`
	Actor     string    `gorm:"size:64;not null"` // "reporter", "system", "user:ID"
	ActorDept string    `gorm:"size:32;not null;default:''"`
	At        time.Time `gorm:"not null"`
	Text      string    `gorm:"type:text;not null"`
	// FromStatus/ToStatus are set for transitions.
	FromStatus Status `gorm:"size:16;not null;default:''"`
	ToStatus   Status `gorm:"size:16;not null;default:''"`
	// Public events are shown to the reporter on /track.
	Public   bool   `gorm:"not null;default:false"`
	PrevHash string `gorm:"size:64;not null"`
	Hash     string `gorm:"size:64;not null"`
}

// TableName is explicit.
func (Event) TableName() string { return "report_events" }

// ChainHead is the single row holding the end of the event chain; every
// event insert updates it in the same transaction, which also serialises
// appends.
type ChainHead struct {
	ID   int    `gorm:"primaryKey;autoIncrement:false"`
	Seq  int64  `gorm:"not null"`
	Hash string `gorm:"size:64;not null"`
}

// TableName is explicit.
func (ChainHead) TableName() string { return "report_chain_head" }

// Photo is a re-encoded, metadata-free image attached to a report.
type Photo struct {
	ID       uint64    `gorm:"primaryKey;autoIncrement"`
	ReportID uint64    `gorm:"not null;index"`
	Name     string    `gorm:"size:40;not null;uniqueIndex"` // random, e.g. 26 chars + .jpg
	Mime     string    `gorm:"size:16;not null"`
	Width    int       `gorm:"not null"`
	Height   int       `gorm:"not null"`
	Size     int64     `gorm:"not null"`
	Created  time.Time `gorm:"not null"`
}

// TableName is explicit.
func (Photo) TableName() string { return "report_photos" }

// Submission makes intake idempotent: a retried submit with the same token
// gets the first one's answer. The receipt is kept sealed only for a short
// window (RetryWindow) so that a lost response can be repeated, then wiped.
type Submission struct {
	TokenHash     string    `gorm:"primaryKey;size:64"`
	ReportID      uint64    `gorm:"not null"`
	SealedReceipt string    `gorm:"type:text;not null"`
	ExpiresAt     time.Time `gorm:"not null;index"`
}

// TableName is explicit.
func (Submission) TableName() string { return "report_submissions" }

// RoutingRule maps (subject kind, problem type, region level) to how the
// responsible department is found. Rules are never edited in place: a
// change closes the old row (ValidTo) and adds a new one, so the history
// of who routed what is kept.
type RoutingRule struct {
	ID          uint64 `gorm:"primaryKey;autoIncrement"`
	SubjectKind string `gorm:"size:16;not null;index:idx_route"`
	ProblemType string `gorm:"size:32;not null;index:idx_route"` // "" matches any
	RegionLevel int    `gorm:"not null;default:0"`               // 0 matches any
	// Target: TargetTownGov, TargetRegionGov, TargetSubjectDept,
	// TargetParentDept or TargetSupervisor.
	Target string `gorm:"size:24;not null"`
	// Accused: "" (no one), AccusedCommittee, AccusedTownGov,
	// AccusedRegionGov or AccusedSubjectDept.
	Accused     string     `gorm:"size:24;not null;default:''"`
	AccusedHead bool       `gorm:"not null;default:false"`
	Note        string     `gorm:"size:200;not null;default:''"`
	ValidFrom   time.Time  `gorm:"not null"`
	ValidTo     *time.Time `gorm:"index"`
	CreatedBy   string     `gorm:"size:64;not null;default:''"`
}

// TableName is explicit.
func (RoutingRule) TableName() string { return "report_routing_rules" }

// DeadlineSetting is the limit for one stage, in working days (or calendar
// days where Calendar is set).
type DeadlineSetting struct {
	Stage    string `gorm:"primaryKey;size:24"`
	Days     int    `gorm:"not null"`
	Hours    int    `gorm:"not null;default:0"` // for thresholds under a day
	Calendar bool   `gorm:"not null;default:false"`
	Note     string `gorm:"size:200;not null;default:''"`
}

// TableName is explicit.
func (DeadlineSetting) TableName() string { return "report_deadlines" }

// Holiday is one day of the official calendar: a day off (Workday=false)
// or a weekend day that is worked (调休, Workday=true).
type Holiday struct {
	Date    string `gorm:"primaryKey;size:10"` // YYYY-MM-DD
	Name    string `gorm:"size:32;not null"`
	Workday bool   `gorm:"not null;default:false"`
}

// TableName is explicit.
func (Holiday) TableName() string { return "report_holidays" }

// Notification is an outbox row. Text never carries case content: only
// the tracking number and what to do.
type Notification struct {
	ID        uint64     `gorm:"primaryKey;autoIncrement"`
	DeptCode  string     `gorm:"size:32;not null;index"`
	Role      string     `gorm:"size:16;not null"` // staff, head, supervisor
	Kind      string     `gorm:"size:24;not null"`
	Text      string     `gorm:"size:500;not null"`
	ReportID  uint64     `gorm:"not null;index"`
	CreatedAt time.Time  `gorm:"not null"`
	SentAt    *time.Time `gorm:"index"`
	Attempts  int        `gorm:"not null;default:0"`
	// LeaseUntil lets one process claim a row for sending.
	LeaseUntil *time.Time `gorm:""`
	LastError  string     `gorm:"size:300;not null;default:''"`
}

// TableName is explicit.
func (Notification) TableName() string { return "report_notifications" }

// QRCode gives a subject its stable short token for /q/{token}.
type QRCode struct {
	Token   string    `gorm:"primaryKey;size:16"`
	Subject string    `gorm:"size:80;not null;uniqueIndex"`
	Created time.Time `gorm:"not null"`
}

// TableName is explicit.
func (QRCode) TableName() string { return "report_qr_codes" }

// Models are the tables report owns.
func Models() []any {
	return []any{&Report{}, &Event{}, &ChainHead{}, &Photo{}, &Submission{}, &RoutingRule{},
		&DeadlineSetting{}, &Holiday{}, &Notification{}, &QRCode{},
		&DeptSetting{}, &AnswerDraft{}, &PublishedAnswer{}, &ProblemType{},
		&DeptNotify{}, &SMTPSetting{}}
}

// Migrate creates or upgrades report's tables and the chain head row.
func Migrate(ctx context.Context, db *gorm.DB) error {
	db = db.WithContext(ctx)
	if err := dropArgonReceipts(db); err != nil {
		return fmt.Errorf("migrate report: %w", err)
	}
	if err := db.AutoMigrate(Models()...); err != nil {
		return fmt.Errorf("migrate report: %w", err)
	}
	var n int64
	if err := db.Model(&ChainHead{}).Where("id = 1").Count(&n).Error; err != nil {
		return fmt.Errorf("migrate report: %w", err)
	}
	if n == 0 {
		if err := db.Create(&ChainHead{ID: 1, Seq: 0, Hash: genesisHash}).Error; err != nil {
			return fmt.Errorf("migrate report: chain head: %w", err)
		}
	}
	if err := seedShippedHolidays(ctx, db); err != nil {
		return fmt.Errorf("migrate report: holidays: %w", err)
	}
	if err := SeedProblemTypes(ctx, db); err != nil {
		return fmt.Errorf("migrate report: problem types: %w", err)
	}
	return nil
}

// dropArgonReceipts drops the argon2id receipt hashes earlier versions kept
// next to the lookup hash (column reports.receipt_hash): the lookup hash,
// unchanged, alone finds every receipt they handed out. It runs before
// AutoMigrate because SQLite drops a column by rebuilding the table without
// its indexes, which AutoMigrate then creates again.
func dropArgonReceipts(db *gorm.DB) error {
	const col = "receipt_hash"
	if !db.Migrator().HasColumn(&Report{}, col) {
		return nil
	}
	if err := db.Migrator().DropColumn(&Report{}, col); err != nil {
		return fmt.Errorf("drop the argon2id receipt hashes: %w", err)
	}
	return nil
}
