package catalog

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"gorm.io/gorm"

	"sunlight/domain"
)

// Subject kinds: a report or a QR code is about one
// of these, written KIND:ID.
const (
	SubjectVillage    = "village"
	SubjectRegion     = "region"
	SubjectDisclosure = "disclosure"
	SubjectFund       = "fund"
	SubjectCategory   = "category"
	SubjectDept       = "dept"
)

// Subject is a resolved KIND:ID: what it is, where it is, who answers for it.
type Subject struct {
	Kind  string // one of the Subject* kinds
	ID    string
	Title string // e.g. "法库县三面船镇三面船村" or a disclosure's title
	// RegionCode is where the subject is (a village for a village or a
	// disclosure, the fund's region, the department's region).
	RegionCode string
	// DeptCode is the department responsible for the subject, if any
	// (the fund's or category's department, the department itself).
	DeptCode string
	URL      string // its public page
}

// String is the canonical KIND:ID form.
// SubjectOf names the record id of a kind: SubjectOf(SubjectFund, 7) is
// "fund:7".
func SubjectOf(kind string, id uint64) string { return kind + ":" + strconv.FormatUint(id, 10) }

func (s *Subject) String() string { return s.Kind + ":" + s.ID }

// ParseSubject splits KIND:ID and checks the kind and the shape of the id.
func ParseSubject(s string) (kind, id string, err error) {
	kind, id, ok := strings.Cut(strings.TrimSpace(s), ":")
	if !ok || id == "" || len(s) > 80 {
		return "", "", domain.Invalid("举报对象格式不正确", "subject", "应为 类型:编号，如 village:210124102201")
	}
	switch kind {
	case SubjectVillage:
		if LevelOf(id) != Village {
			return "", "", domain.Invalid("村（社区）代码应为12位数字", "subject", "村代码应为12位数字")
		}
	case SubjectRegion:
		if LevelOf(id) == 0 {
			return "", "", domain.Invalid("地区代码不正确", "subject", "地区代码应为2、4、6、9或12位数字")
		}
	case SubjectDisclosure, SubjectFund, SubjectCategory, SubjectDept:
	default:
		return "", "", domain.Invalid("不支持的举报对象类型", "subject", fmt.Sprintf("未知类型 %q", kind))
	}
	return kind, id, nil
}

// SubjectResolver turns KIND:ID into a Subject.
type SubjectResolver struct {
	db      *gorm.DB
	regions *RegionStore
	depts   *DepartmentStore
	// extra resolves the kinds that published data adds (disclosure, fund,
	// category); set by the stores that own those tables.
	extra map[string]func(ctx context.Context, id string) (*Subject, error)
}

// NewSubjectResolver returns a resolver on db.
func NewSubjectResolver(db *gorm.DB) *SubjectResolver {
	r := &SubjectResolver{db: db, regions: NewRegionStore(db), depts: NewDepartmentStore(db),
		extra: map[string]func(context.Context, string) (*Subject, error){}}
	registerPublishedSubjects(r)
	return r
}

// Resolve finds the subject named by s. Unknown or unpublished subjects
// give domain.ErrNotFound; malformed ones a *domain.ValidationError.
func (r *SubjectResolver) Resolve(ctx context.Context, s string) (*Subject, error) {
	kind, id, err := ParseSubject(s)
	if err != nil {
		return nil, err
	}
	switch kind {
	case SubjectVillage, SubjectRegion:
		reg, err := r.regions.Get(ctx, id)
		if err != nil {
			return nil, err
		}
		if kind == SubjectVillage && reg.Level != Village {
			return nil, fmt.Errorf("village %s: %w", id, domain.ErrNotFound)
		}
		title, err := r.FullName(ctx, reg)
		if err != nil {
			return nil, err
		}
		return &Subject{Kind: kind, ID: id, Title: title, RegionCode: id, URL: "/regions/" + id}, nil
	case SubjectDept:
		d, err := r.depts.Get(ctx, id)
		if err != nil {
			return nil, err
		}
		return &Subject{Kind: kind, ID: id, Title: d.Name, RegionCode: d.RegionCode, DeptCode: d.Code, URL: "/regions/" + d.RegionCode}, nil
	}
	if fn := r.extra[kind]; fn != nil {
		return fn(ctx, id)
	}
	return nil, fmt.Errorf("subject %s: %w", s, domain.ErrNotFound)
}

// FullName is a region's name with its county and town, e.g.
// "法库县三面船镇三面船村" — what a villager recognises.
func (r *SubjectResolver) FullName(ctx context.Context, reg *Region) (string, error) {
	anc, err := r.regions.Ancestors(ctx, reg.Code)
	if err != nil {
		return "", err
	}
	return FullNameOf(reg, anc), nil
}

// FullNameOf is FullName for a caller that has the ancestors already.
func FullNameOf(reg *Region, ancestors []Region) string {
	var b strings.Builder
	for _, a := range ancestors {
		if a.Level >= County {
			b.WriteString(a.Name)
		}
	}
	b.WriteString(reg.Name)
	return b.String()
}
