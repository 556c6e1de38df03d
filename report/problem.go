package report

import "sunlight/catalog"

// ProblemType is one thing a report on a subject of some kind may be
// about. The types are data (the report_problem_types table, seeded from
// DefaultProblemTypes), read through ProblemTypeStore.
type ProblemType struct {
	ID          uint64 `gorm:"primaryKey;autoIncrement" json:"-"`
	SubjectKind string `gorm:"size:16;not null;uniqueIndex:idx_problem_kind_code,priority:1" json:"-"`
	Code        string `gorm:"size:32;not null;uniqueIndex:idx_problem_kind_code,priority:2" json:"code"`
	Name        string `gorm:"size:100;not null" json:"name"`
	// Accusation marks misconduct by someone: such a report goes to a
	// supervisor and never to the accused.
	Accusation  bool   `gorm:"not null;default:false" json:"accusation"`
	Description string `gorm:"size:500;not null;default:''" json:"description,omitempty"`
	// Disabled types are no longer offered; reports that carry one keep
	// its name.
	Disabled bool `gorm:"not null;default:false" json:"-"`
}

// TableName is explicit.
func (ProblemType) TableName() string { return "report_problem_types" }

var (
	ptOther = ProblemType{Code: "other", Name: "其他问题"}

	villageTypes = []ProblemType{
		{Code: "affairs", Name: "村务、财务公开不及时或不真实"},
		{Code: "subsidy", Name: "补贴、低保发放不公或被克扣"},
		{Code: "assets", Name: "集体“三资”（资金资产资源）管理问题"},
		{Code: "project", Name: "村里工程项目质量或招投标问题"},
		{Code: "land", Name: "宅基地、土地承包问题"},
		{Code: "misconduct", Name: "村干部违纪违法（吃拿卡要、优亲厚友）", Accusation: true},
		{Code: "misconduct_head", Name: "村党组织书记、村委会主任违纪违法", Accusation: true},
		{Code: "town_misconduct", Name: "乡镇干部违纪违法", Accusation: true},
		ptOther,
	}
	regionTypes = []ProblemType{
		{Code: "affairs", Name: "政务公开不及时或不真实"},
		{Code: "subsidy", Name: "补贴、低保发放不公或被克扣"},
		{Code: "project", Name: "工程项目质量或招投标问题"},
		{Code: "misconduct", Name: "干部违纪违法", Accusation: true},
		{Code: "misconduct_head", Name: "主要负责人违纪违法", Accusation: true},
		ptOther,
	}
	fundTypes = []ProblemType{
		{Code: "fund_misuse", Name: "资金被截留、挪用或冒领"},
		{Code: "fund_unfair", Name: "发放对象不符合条件、优亲厚友"},
		{Code: "fund_late", Name: "资金未按时足额发放"},
		{Code: "misconduct", Name: "经办人员违纪违法", Accusation: true},
		{Code: "misconduct_head", Name: "单位负责人违纪违法", Accusation: true},
		ptOther,
	}
	deptTypes = []ProblemType{
		{Code: "service", Name: "办事效率低、推诿扯皮"},
		{Code: "attitude", Name: "服务态度差"},
		{Code: "misconduct", Name: "工作人员违纪违法", Accusation: true},
		{Code: "misconduct_head", Name: "单位负责人违纪违法", Accusation: true},
		ptOther,
	}
)

// DefaultProblemTypes are the types seeded into an empty table, by
// subject kind.
func DefaultProblemTypes() map[string][]ProblemType {
	out := map[string][]ProblemType{}
	add := func(list []ProblemType, kinds ...string) {
		for _, k := range kinds {
			for _, p := range list {
				p.SubjectKind = k
				out[k] = append(out[k], p)
			}
		}
	}
	add(villageTypes, catalog.SubjectVillage, catalog.SubjectDisclosure)
	add(regionTypes, catalog.SubjectRegion)
	add(fundTypes, catalog.SubjectFund, catalog.SubjectCategory)
	add(deptTypes, catalog.SubjectDept)
	return out
}

// ProblemKinds are the subject kinds reports may be about, in the order
// pages list them.
var ProblemKinds = []string{catalog.SubjectVillage, catalog.SubjectDisclosure, catalog.SubjectRegion,
	catalog.SubjectFund, catalog.SubjectCategory, catalog.SubjectDept}
