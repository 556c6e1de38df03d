package search

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"sunlight/catalog"
	"sunlight/domain"
)

// QueryParams are the only parameters a search accepts; anything else is
// rejected rather than ignored, so a filter or sort that cannot be honoured
// never silently returns something else.
var QueryParams = []string{"q", "type", "region", "dept", "kind", "year", "sort", "page", "per_page"}

// DefaultPerPage is the page size when none is asked for.
const DefaultPerPage = 10

var (
	deptPattern = regexp.MustCompile(`^[0-9A-Za-z][0-9A-Za-z_-]{0,31}$`)
	kindPattern = regexp.MustCompile(`^[0-9A-Za-z][0-9A-Za-z_.-]{0,31}$`)
)

// ParseQuery builds a Query from request parameters: get returns a
// parameter's value, names lists every parameter present. Bad values and
// unknown parameters give a *domain.ValidationError naming each field.
func ParseQuery(names []string, get func(string) string) (Query, error) {
	fields := map[string]string{}
	for _, n := range names {
		if !allowedParam(n) {
			fields[n] = "不支持的参数"
		}
	}
	q := Query{Text: strings.TrimSpace(get("q")), Type: get("type"), Region: get("region"), Dept: get("dept"),
		Kind: get("kind"), Sort: get("sort"), Page: 1, PerPage: DefaultPerPage}
	if utf8.RuneCountInString(q.Text) > 100 || !utf8.ValidString(q.Text) {
		fields["q"] = "关键词不能超过100个字"
	}
	if q.Type != "" && TypeNames[q.Type] == "" {
		fields["type"] = "类型应为 disclosure、fund、category 或 answer"
	}
	if q.Region != "" && catalog.LevelOf(q.Region) == 0 {
		fields["region"] = "地区代码应为2、4、6、9或12位数字"
	}
	if q.Dept != "" && !deptPattern.MatchString(q.Dept) {
		fields["dept"] = "部门代码格式不正确"
	}
	if q.Kind != "" && !kindPattern.MatchString(q.Kind) {
		fields["kind"] = "类别代码格式不正确"
	}
	switch q.Sort {
	case "":
		q.Sort = SortRelevance
	case SortRelevance, SortDate:
	default:
		fields["sort"] = "排序只能是 relevance 或 date"
	}
	intParam(get, "year", 1949, 2100, &q.Year, fields)
	intParam(get, "page", 1, 1000, &q.Page, fields)
	intParam(get, "per_page", 1, MaxPerPage, &q.PerPage, fields)
	if len(fields) > 0 {
		e := domain.Invalid("搜索条件有误")
		e.Fields = fields
		return Query{}, e
	}
	return q, nil
}

func allowedParam(n string) bool {
	for _, p := range QueryParams {
		if p == n {
			return true
		}
	}
	return false
}

func intParam(get func(string) string, name string, lo, hi int, dst *int, fields map[string]string) {
	v := get(name)
	if v == "" {
		return
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		fields[name] = fmt.Sprintf("应为 %d 到 %d 之间的整数", lo, hi)
		return
	}
	*dst = n
}

// Check normalises a Query built in code (not from a request): it fills
// defaults and clamps the page.
func (q *Query) Check() {
	if q.Page < 1 {
		q.Page = 1
	}
	if q.PerPage < 1 {
		q.PerPage = DefaultPerPage
	}
	if q.PerPage > MaxPerPage {
		q.PerPage = MaxPerPage
	}
	if q.Sort != SortDate {
		q.Sort = SortRelevance
	}
	q.Text = strings.TrimSpace(q.Text)
}
