package catalog

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"sunlight/domain"
)

// DeptKinds are the department kinds with their Chinese names, in the
// order a form offers them.
var DeptKinds = []struct{ Code, Name string }{
	{KindGovernment, "人民政府/乡镇政府"}, {KindCommittee, "村(居)民委员会"}, {KindDiscipline, "纪委监委"},
	{KindCivil, "民政局"}, {KindAgri, "农业农村局"}, {KindDevReform, "发展和改革局"},
	{KindFinance, "财政局"}, {KindHousing, "住房和城乡建设局"}, {"", "其他"},
}

// DeptKindName is a kind in Chinese (the code itself if unknown).
func DeptKindName(code string) string {
	for _, k := range DeptKinds {
		if k.Code == code {
			return k.Name
		}
	}
	return code
}

var deptCodeRE = regexp.MustCompile(`^[0-9A-Za-z][0-9A-Za-z_-]{1,31}$`)

// Department actions as the change history names them.
const (
	DeptAdded      = "新增"
	DeptRenamed    = "改名"
	DeptMoved      = "调整上级"
	DeptSupervisor = "设置纪委监委"
	DeptClosed     = "撤销"
	DeptReopened   = "恢复"
)

// Add creates a department, checking its code, name, region, kind and
// parent, and records the change.
func (s *DepartmentStore) Add(ctx context.Context, d Department, by string, at time.Time) (*Department, error) {
	d.Code, d.Name = strings.TrimSpace(d.Code), strings.TrimSpace(d.Name)
	d.RegionCode, d.ParentCode = strings.TrimSpace(d.RegionCode), strings.TrimSpace(d.ParentCode)
	d.Closed, d.ClosedAt = false, nil
	if d.Supervisor && d.Kind == "" {
		d.Kind = KindDiscipline
	}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := checkNewDept(tx, &d); err != nil {
			return err
		}
		if err := tx.Create(&d).Error; err != nil {
			return fmt.Errorf("add department: %w", err)
		}
		return RecordRefChange(tx, RefDepartment, d.Code, DeptAdded, by, nil, &d, at)
	})
	if err != nil {
		return nil, err
	}
	return &d, nil
}

func checkNewDept(tx *gorm.DB, d *Department) error {
	if !deptCodeRE.MatchString(d.Code) {
		return domain.Invalid("单位代码只能由2至32位字母、数字、“-”或“_”组成", "code", "单位代码格式不正确")
	}
	var n int64
	if err := tx.Model(&Department{}).Where("code = ?", d.Code).Count(&n).Error; err != nil {
		return err
	}
	if n > 0 {
		return domain.Invalid("单位代码 "+d.Code+" 已被使用", "code", "单位代码已被使用")
	}
	if err := checkDeptName(d.Name); err != nil {
		return err
	}
	if err := checkRegion(tx, d.RegionCode); err != nil {
		return err
	}
	if DeptKindName(d.Kind) == d.Kind && d.Kind != "" {
		return domain.Invalid("未知的单位类别 "+d.Kind, "kind", "未知的单位类别")
	}
	if d.ParentCode == "" {
		return nil
	}
	return checkParent(tx, d.Code, d.ParentCode)
}

func checkDeptName(name string) error {
	if n := utf8.RuneCountInString(name); n < 2 || n > 64 {
		return domain.Invalid("单位名称应为2至64个字", "name", "单位名称应为2至64个字")
	}
	return nil
}

func checkRegion(tx *gorm.DB, code string) error {
	var n int64
	if err := tx.Model(&Region{}).Where("code = ?", code).Count(&n).Error; err != nil {
		return err
	}
	if n == 0 {
		return domain.Invalid("没有这个地区代码："+code, "region", "地区代码不存在")
	}
	return nil
}

// checkParent refuses a parent that is missing, closed, the department
// itself or one of its own subordinates (a loop).
func checkParent(tx *gorm.DB, code, parent string) error {
	seen := map[string]bool{code: true}
	for p := parent; p != ""; {
		if seen[p] {
			return domain.Invalid("上级单位不能是本单位或其下级单位", "parent", "上级单位会形成循环")
		}
		seen[p] = true
		var d Department
		err := tx.Where("code = ?", p).Take(&d).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return domain.Invalid("没有这个上级单位："+p, "parent", "上级单位不存在")
		}
		if err != nil {
			return err
		}
		if p == parent && d.Closed {
			return domain.Invalid("上级单位 "+d.Name+" 已撤销", "parent", "上级单位已撤销")
		}
		p = d.ParentCode
	}
	return nil
}

// Rename gives a department a new name.
func (s *DepartmentStore) Rename(ctx context.Context, code, name, by string, at time.Time) error {
	name = strings.TrimSpace(name)
	return s.change(ctx, code, DeptRenamed, by, at, func(_ *gorm.DB, d *Department) error {
		if err := checkDeptName(name); err != nil {
			return err
		}
		d.Name = name
		return nil
	})
}

// Move puts a department under another parent ("" for none).
func (s *DepartmentStore) Move(ctx context.Context, code, parent, by string, at time.Time) error {
	parent = strings.TrimSpace(parent)
	return s.change(ctx, code, DeptMoved, by, at, func(tx *gorm.DB, d *Department) error {
		if parent != "" {
			if err := checkParent(tx, d.Code, parent); err != nil {
				return err
			}
		}
		d.ParentCode = parent
		return nil
	})
}

// SetSupervisor marks or unmarks a department as a 纪委监委.
func (s *DepartmentStore) SetSupervisor(ctx context.Context, code string, on bool, by string, at time.Time) error {
	return s.change(ctx, code, DeptSupervisor, by, at, func(_ *gorm.DB, d *Department) error {
		d.Supervisor = on
		return nil
	})
}

// Reopen undoes Close.
func (s *DepartmentStore) Reopen(ctx context.Context, code, by string, at time.Time) error {
	return s.change(ctx, code, DeptReopened, by, at, func(_ *gorm.DB, d *Department) error {
		if !d.Closed {
			return domain.Invalid(d.Name + "没有撤销，无需恢复")
		}
		d.Closed, d.ClosedAt = false, nil
		return nil
	})
}

// CloseDepartment marks code closed inside tx. The caller (the report
// service, which knows about cases) checks first that it has none open.
func CloseDepartment(tx *gorm.DB, code, by string, at time.Time) error {
	return changeDept(tx, code, DeptClosed, by, at, func(_ *gorm.DB, d *Department) error {
		if d.Closed {
			return domain.Invalid(d.Name + "已经撤销")
		}
		t := at.UTC()
		d.Closed, d.ClosedAt = true, &t
		return nil
	})
}

// change applies fn to one department in a transaction and records the
// change; fn returns a *domain.ValidationError to change nothing.
func (s *DepartmentStore) change(ctx context.Context, code, action, by string, at time.Time, fn func(*gorm.DB, *Department) error) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		return changeDept(tx, code, action, by, at, fn)
	})
}

func changeDept(tx *gorm.DB, code, action, by string, at time.Time, fn func(*gorm.DB, *Department) error) error {
	var d Department
	err := tx.Where("code = ?", strings.TrimSpace(code)).Take(&d).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return domain.Invalid("没有这个单位："+code, "code", "单位代码不存在")
	}
	if err != nil {
		return err
	}
	before := d
	if err := fn(tx, &d); err != nil {
		return err
	}
	if err := tx.Select("*").Updates(&d).Error; err != nil {
		return fmt.Errorf("update department %s: %w", d.Code, err)
	}
	return RecordRefChange(tx, RefDepartment, d.Code, action, by, &before, &d, at)
}

// OpenDepartments drops the closed ones, for lists of targets.
func OpenDepartments(ds []Department) []Department {
	out := ds[:0:0]
	for _, d := range ds {
		if !d.Closed {
			out = append(out, d)
		}
	}
	return out
}
