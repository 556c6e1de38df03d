package report

import "sunlight/catalog"

// ProblemType is one thing a report may be about; each subject kind offers
// a short list.
type ProblemType struct {
	Code string `json:"code"`
	Name string `json:"name"`
	// Accusation marks misconduct by someone: such a report goes to a
	// supervisor and never to the accused.
	Accusation bool `json:"accusation"`
}

var (
	ptOther = ProblemType{"other", "其他问题", false}

	villageTypes = []ProblemType{
		{"affairs", "村务、财务公开不及时或不真实", false},
		{"subsidy", "补贴、低保发放不公或被克扣", false},
		{"assets", "集体“三资”（资金资产资源）管理问题", false},
		{"project", "村里工程项目质量或招投标问题", false},
		{"land", "宅基地、土地承包问题", false},
		{"misconduct", "村干部违纪违法（吃拿卡要、优亲厚友）", true},
		{"misconduct_head", "村党组织书记、村委会主任违纪违法", true},
		{"town_misconduct", "乡镇干部违纪违法", true},
		ptOther,
	}
	regionTypes = []ProblemType{
		{"affairs", "政务公开不及时或不真实", false},
		{"subsidy", "补贴、低保发放不公或被克扣", false},
		{"project", "工程项目质量或招投标问题", false},
		{"misconduct", "干部违纪违法", true},
		{"misconduct_head", "主要负责人违纪违法", true},
		ptOther,
	}
	fundTypes = []ProblemType{
		{"fund_misuse", "资金被截留、挪用或冒领", false},
		{"fund_unfair", "发放对象不符合条件、优亲厚友", false},
		{"fund_late", "资金未按时足额发放", false},
		{"misconduct", "经办人员违纪违法", true},
		{"misconduct_head", "单位负责人违纪违法", true},
		ptOther,
	}
	deptTypes = []ProblemType{
		{"service", "办事效率低、推诿扯皮", false},
		{"attitude", "服务态度差", false},
		{"misconduct", "工作人员违纪违法", true},
		{"misconduct_head", "单位负责人违纪违法", true},
		ptOther,
	}
)

// ProblemTypes returns the problem types a report on a subject of the
// given kind may choose.
func ProblemTypes(kind string) []ProblemType {
	switch kind {
	case catalog.SubjectVillage, catalog.SubjectDisclosure:
		return villageTypes
	case catalog.SubjectRegion:
		return regionTypes
	case catalog.SubjectFund, catalog.SubjectCategory:
		return fundTypes
	case catalog.SubjectDept:
		return deptTypes
	}
	return nil
}

// ProblemTypeOf returns the named problem type of a subject kind.
func ProblemTypeOf(kind, code string) (ProblemType, bool) {
	for _, p := range ProblemTypes(kind) {
		if p.Code == code {
			return p, true
		}
	}
	return ProblemType{}, false
}

// ProblemTypeName is the Chinese name of a code, for pages.
func ProblemTypeName(kind, code string) string {
	if p, ok := ProblemTypeOf(kind, code); ok {
		return p.Name
	}
	return code
}
