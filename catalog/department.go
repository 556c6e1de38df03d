package catalog

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"sunlight/domain"
)

// Department kinds. A kind says what a department does; routing rules and
// the demo data refer to them.
const (
	KindGovernment = "gov"        // 人民政府 / 乡镇政府 / 街道办事处
	KindCivil      = "civil"      // 民政局
	KindAgri       = "agri"       // 农业农村局
	KindDevReform  = "devreform"  // 发展和改革局
	KindFinance    = "finance"    // 财政局
	KindHousing    = "housing"    // 住房和城乡建设局
	KindDiscipline = "discipline" // 纪委监委 / 纪委
	KindCommittee  = "committee"  // 村(居)民委员会
)

// Department is an office at a region that publishes data or answers
// reports. ParentCode is the body above it for escalation.
type Department struct {
	Code       string `gorm:"primaryKey;size:32"`
	Name       string `gorm:"size:128;not null"`
	RegionCode string `gorm:"size:12;not null;index"`
	ParentCode string `gorm:"size:32;not null;default:'';index"`
	Kind       string `gorm:"size:32;not null;index"`
	// Supervisor marks a discipline-inspection body (纪委监委) that watches
	// the departments of its region and below.
	Supervisor bool `gorm:"not null;default:false"`
	// Closed marks a department that no longer exists (撤销): it is never
	// a routing or reassignment target; its accounts and history remain.
	Closed   bool       `gorm:"not null;default:false"`
	ClosedAt *time.Time `gorm:""`
}

// Subject names the department as a report subject.
func (d *Department) Subject() string { return "dept:" + d.Code }

// DepartmentStore reads and writes departments.
type DepartmentStore struct{ db *gorm.DB }

// NewDepartmentStore returns a store on db.
func NewDepartmentStore(db *gorm.DB) *DepartmentStore { return &DepartmentStore{db: db} }

// Get returns one department.
func (s *DepartmentStore) Get(ctx context.Context, code string) (*Department, error) {
	return takeOne[Department](s.db.WithContext(ctx).Where("code = ?", code), "department "+code)
}

// List returns the departments at region (and, if below is set, at every
// region under it), ordered by code. An empty region lists all.
func (s *DepartmentStore) List(ctx context.Context, region string, below bool) ([]Department, error) {
	var ds []Department
	if err := s.inRegion(ctx, region, below).Order("code").Find(&ds).Error; err != nil {
		return nil, fmt.Errorf("list departments: %w", err)
	}
	return ds, nil
}

// Page is one page of List, by code, with the count of all.
func (s *DepartmentStore) Page(ctx context.Context, region string, below bool, pg Paging) ([]Department, int64, error) {
	q := func() *gorm.DB { return s.inRegion(ctx, region, below).Model(&Department{}) }
	return pageOf[Department](q, "code", pg, "departments")
}

func (s *DepartmentStore) inRegion(ctx context.Context, region string, below bool) *gorm.DB {
	q := s.db.WithContext(ctx)
	switch {
	case region == "":
	case below:
		q = q.Where("region_code LIKE ?", region+"%")
	default:
		q = q.Where("region_code = ?", region)
	}
	return q
}

// AtRegion returns the open department of the given kind at exactly region.
func (s *DepartmentStore) AtRegion(ctx context.Context, region, kind string) (*Department, error) {
	var d Department
	err := s.db.WithContext(ctx).Where("region_code = ? AND kind = ? AND closed = ?", region, kind, false).Order("code").Take(&d).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, fmt.Errorf("no %s department at region %s: %w", kind, region, domain.ErrNotFound)
	}
	if err != nil {
		return nil, err
	}
	return &d, nil
}

// SupervisorAbove returns the supervising body (纪委监委) responsible for
// region: the nearest one at region or above. With strictlyAbove it skips
// region itself, as an accusation against a body must go one level up.
// A closed department is never the answer.
func (s *DepartmentStore) SupervisorAbove(ctx context.Context, region string, strictlyAbove bool) (*Department, error) {
	codes := AncestorCodes(region)
	if !strictlyAbove {
		codes = append(codes, region)
	}
	for i := len(codes) - 1; i >= 0; i-- {
		var d Department
		err := s.db.WithContext(ctx).Where("region_code = ? AND supervisor = ? AND closed = ?", codes[i], true, false).Order("code").Take(&d).Error
		if err == nil {
			return &d, nil
		}
		if !errors.Is(err, gorm.ErrRecordNotFound) {
			return nil, err
		}
	}
	return nil, fmt.Errorf("no supervisor above region %s: %w", region, domain.ErrNotFound)
}

// Upsert creates or updates departments by code. It never reopens a
// closed department: that is Reopen's, with its history.
func (s *DepartmentStore) Upsert(ctx context.Context, ds []Department) error {
	if len(ds) == 0 {
		return nil
	}
	return s.db.WithContext(ctx).Omit("closed", "closed_at").Save(&ds).Error
}
