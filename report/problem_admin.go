package report

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"gorm.io/gorm"

	"sunlight/catalog"
	"sunlight/domain"
)

var problemCodeRE = regexp.MustCompile(`^[a-z][a-z0-9_]{1,31}$`)

// Limits on what an administrator types for a problem type.
const (
	MaxProblemName        = 40
	MaxProblemDescription = 200
)

// ProblemTypeKey names a type in the change history: "village/subsidy".
func ProblemTypeKey(kind, code string) string { return kind + "/" + code }

// checkProblemText validates a type's name and description.
func checkProblemText(p *ProblemType) map[string]string {
	fields := map[string]string{}
	p.Name, p.Description = strings.TrimSpace(p.Name), strings.TrimSpace(p.Description)
	switch n := utf8.RuneCountInString(p.Name); {
	case n == 0:
		fields["name"] = "请填写问题类型的中文名称"
	case n > MaxProblemName:
		fields["name"] = fmt.Sprintf("名称最多%d个字，现在是%d个字", MaxProblemName, n)
	}
	if n := utf8.RuneCountInString(p.Description); n > MaxProblemDescription {
		fields["description"] = fmt.Sprintf("说明最多%d个字，现在是%d个字", MaxProblemDescription, n)
	}
	return fields
}

// AddProblemType adds a type to a subject kind.
func (s *ProblemTypeStore) AddProblemType(ctx context.Context, p ProblemType, actor string) error {
	p.Code = strings.TrimSpace(p.Code)
	fields := checkProblemText(&p)
	if !slices.Contains(ProblemKinds, p.SubjectKind) {
		fields["kind"] = "请选择举报对象的类别"
	}
	if !problemCodeRE.MatchString(p.Code) {
		fields["code"] = "代码须为2至32位小写英文字母、数字或下划线，并以字母开头，如 water_supply"
	}
	if len(fields) > 0 {
		return invalidFields(fields)
	}
	p.ID, p.Disabled = 0, false
	err := s.change(ctx, func(tx *gorm.DB) error {
		var n int64
		if err := tx.Model(&ProblemType{}).Where("subject_kind = ? AND code = ?", p.SubjectKind, p.Code).Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			return domain.Invalid("该类别已有代码为“"+p.Code+"”的问题类型", "code", "代码已被使用")
		}
		if err := tx.Create(&p).Error; err != nil {
			return err
		}
		return catalog.RecordRefChange(tx, catalog.RefProblemType, ProblemTypeKey(p.SubjectKind, p.Code), "新增", actor, nil, recordOf(p), s.Now())
	})
	return err
}

// RenameProblemType changes a type's name and description; reports keep
// their code, so they show the new name.
func (s *ProblemTypeStore) RenameProblemType(ctx context.Context, kind, code, name, description, actor string) error {
	return s.update(ctx, kind, code, actor, "修改", func(tx *gorm.DB, p *ProblemType) error {
		p.Name, p.Description = name, description
		if fields := checkProblemText(p); len(fields) > 0 {
			return invalidFields(fields)
		}
		return nil
	})
}

// SetProblemTypeDisabled stops offering a type (or offers it again). A
// type a routing rule in force names cannot be disabled: reports of it
// would lose their route.
func (s *ProblemTypeStore) SetProblemTypeDisabled(ctx context.Context, kind, code string, disabled bool, actor string) error {
	action := "启用"
	if disabled {
		action = "停用"
	}
	return s.update(ctx, kind, code, actor, action, func(tx *gorm.DB, p *ProblemType) error {
		if disabled && code == "other" {
			return domain.Invalid("“其他问题”是兜底类型，不能停用")
		}
		if disabled {
			var n int64
			if err := tx.Model(&RoutingRule{}).Where("subject_kind = ? AND problem_type = ? AND valid_to IS NULL", kind, code).
				Count(&n).Error; err != nil {
				return err
			}
			if n > 0 {
				return domain.Invalid(fmt.Sprintf("派单规则仍在使用问题类型“%s”（%s），不能停用：请先在派单规则中修改或撤销引用它的规则", p.Name, code))
			}
		}
		p.Disabled = disabled
		return nil
	})
}

// update applies edit to kind's type code and records the change.
func (s *ProblemTypeStore) update(ctx context.Context, kind, code, actor, action string, edit func(*gorm.DB, *ProblemType) error) error {
	return s.change(ctx, func(tx *gorm.DB) error {
		var p ProblemType
		err := tx.Where("subject_kind = ? AND code = ?", kind, code).Take(&p).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return domain.ErrNotFound
		}
		if err != nil {
			return err
		}
		before := p
		if err := edit(tx, &p); err != nil {
			return err
		}
		if p == before {
			return nil
		}
		if err := tx.Model(&ProblemType{}).Where("id = ?", p.ID).
			Updates(map[string]any{"name": p.Name, "description": p.Description, "disabled": p.Disabled}).Error; err != nil {
			return err
		}
		return catalog.RecordRefChange(tx, catalog.RefProblemType, ProblemTypeKey(kind, code), action, actor, recordOf(before), recordOf(p), s.Now())
	})
}

// problemRecord is a type as its change history shows it: every field
// (the API's JSON hides the kind and the disabled flag).
type problemRecord struct {
	Kind        string `json:"kind"`
	Code        string `json:"code"`
	Name        string `json:"name"`
	Description string `json:"description"`
	Accusation  bool   `json:"accusation"`
	Disabled    bool   `json:"disabled"`
}

func recordOf(p ProblemType) problemRecord {
	return problemRecord{Kind: p.SubjectKind, Code: p.Code, Name: p.Name, Description: p.Description,
		Accusation: p.Accusation, Disabled: p.Disabled}
}

// change runs fn in a transaction and drops the cache after it.
func (s *ProblemTypeStore) change(ctx context.Context, fn func(tx *gorm.DB) error) error {
	defer s.invalidate()
	return s.db.WithContext(ctx).Transaction(fn)
}

// invalidFields is a ValidationError with one message per field.
func invalidFields(fields map[string]string) error {
	var kv []string
	for _, k := range []string{"kind", "code", "name", "description", "stage", "value"} {
		if m, ok := fields[k]; ok {
			kv = append(kv, k, m)
		}
	}
	return domain.Invalid(kv[1], kv...)
}
