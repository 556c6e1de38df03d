package search_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"sunlight/domain"
	"sunlight/search"
)

func TestSegment(t *testing.T) {
	for in, want := range map[string]string{
		"待处理":          "待处 处理",
		"在建工程":         "在建 建工 工程",
		"2024年低保":      "2024 年低 低保",
		"ＡＢＣ村，三资":      "abc 村 三资",
		"鱼":            "鱼",
		"C级D级危房":       "c 级 d 级危 危房",
		"  ":           "",
		"最低生活保障(低保)名单": "最低 低生 生活 活保 保障 低保 名单",
	} {
		if got := search.SegmentText(in); got != want {
			t.Errorf("Segment(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestHighlightSnippet(t *testing.T) {
	body := strings.Repeat("前文", 60) + "<村>待处理事项" + strings.Repeat("后文", 60)
	got := string(search.Highlight(body, []string{"处理"}, 20))
	if !strings.HasPrefix(got, "…") || !strings.HasSuffix(got, "…") || !strings.Contains(got, "&lt;村&gt;待<mark>处理</mark>事项") {
		t.Errorf("snippet = %q", got)
	}
	if n := len([]rune(strings.NewReplacer("<mark>", "", "</mark>", "", "&lt;", "<", "&gt;", ">").Replace(got))); n > 24 {
		t.Errorf("snippet has %d characters", n)
	}
	if got := string(search.Highlight("Apply 低保 APPLY", []string{"apply"}, 0)); got != "<mark>Apply</mark> 低保 <mark>APPLY</mark>" {
		t.Errorf("case-insensitive ASCII: %q", got)
	}
	if got := string(search.Highlight("最低生活保障", []string{"最低生活保障", "生活"}, 0)); got != "<mark>最低生活保障</mark>" {
		t.Errorf("overlapping terms: %q", got)
	}
}

func TestSynonyms(t *testing.T) {
	s := search.DefaultSynonyms()
	for _, pair := range [][2]string{{"低保", "最低生活保障"}, {"五保", "特困人员供养"}, {"三资", "资金资产资源"}, {"危改", "危房改造"}} {
		if got := s.Expand(pair[0]); fmt.Sprint(got) != fmt.Sprint([]string{pair[0], pair[1]}) {
			t.Errorf("Expand(%s) = %v", pair[0], got)
		}
		if got := s.Expand(pair[1]); fmt.Sprint(got) != fmt.Sprint([]string{pair[1], pair[0]}) {
			t.Errorf("Expand(%s) = %v", pair[1], got)
		}
		a, b := s.Rewrite(pair[0]), s.Rewrite(pair[1])
		if len(a) != 1 || fmt.Sprint(a) != fmt.Sprint(b) {
			t.Errorf("Rewrite %v vs %v", a, b)
		}
	}
	if got := s.Expand("低保名单"); fmt.Sprint(got) != "[低保名单 最低生活保障名单]" {
		t.Errorf("Expand inside a term: %v", got)
	}
	if got := s.Rewrite("2024低保名单"); len(got) != 3 || got[0] != "2024" || got[2] != "名单" {
		t.Errorf("Rewrite = %v", got)
	}
	if _, err := search.ParseSynonyms(strings.NewReader("# ok\n鱼塘 = 坑塘水面\n单独一个\n")); err == nil || !strings.Contains(err.Error(), "line 3") {
		t.Errorf("a one-term group: %v", err)
	}
	extra, err := search.ParseSynonyms(strings.NewReader("鱼塘 = 坑塘水面, 养殖水面\n"))
	if err != nil || fmt.Sprint(extra.Groups()) != "[[鱼塘 坑塘水面 养殖水面]]" {
		t.Errorf("groups = %v, %v", extra.Groups(), err)
	}
}

func TestParseQuery(t *testing.T) {
	get := func(m map[string]string) (names []string, fn func(string) string) {
		for k := range m {
			names = append(names, k)
		}
		return names, func(k string) string { return m[k] }
	}
	q, err := search.ParseQuery(get(map[string]string{"q": " 低保 ", "region": "210124", "year": "2024", "page": "2", "per_page": "20", "sort": "date", "type": "fund", "dept": "210124-mz", "kind": "A01"}))
	if err != nil || q.Text != "低保" || q.Region != "210124" || q.Year != 2024 || q.Page != 2 || q.PerPage != 20 || q.Sort != "date" || q.Type != "fund" {
		t.Fatalf("%+v %v", q, err)
	}
	for _, bad := range []map[string]string{
		{"sort": "name;drop table"},
		{"filter": `village="a" OR 1=1`},
		{"region": "2101x4"},
		{"dept": `a" OR "1`},
		{"kind": "a b"},
		{"year": "20x4"},
		{"page": "0"},
		{"per_page": "51"},
		{"type": "staff"},
		{"q": strings.Repeat("长", 101)},
	} {
		_, err := search.ParseQuery(get(bad))
		var ve *domain.ValidationError
		if !errors.As(err, &ve) || len(ve.Fields) != 1 {
			t.Errorf("%v: err = %v, want one field error", bad, err)
		}
	}
}

// The embedded index's analyzer and Segment agree token for token.
func TestAnalyzerMatchesSegment(t *testing.T) {
	for _, in := range []string{"待处理", "2024年低保ＡＢＣ名单", "C级D级危房改造", "鱼", "a,b；  最低生活保障(低保)", ""} {
		toks := search.AnalyzeForTest(in)
		if got, want := strings.Join(toks, " "), search.SegmentText(in); got != want {
			t.Errorf("%q: analyzer %q, Segment %q", in, got, want)
		}
	}
}
