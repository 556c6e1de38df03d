// Package searchtest is the one test table every search backend passes
// (the model is gitea's internal/indexer/.../tests.TestIndexer): Chinese
// recall, abbreviations, region filtering at every level, facets,
// highlighting, pagination, ordering, deletion and un-publishing.
package searchtest

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"sunlight/search"
)

// Factory returns a fresh, empty index; the test closes it.
type Factory func(t *testing.T) search.Index

func day(y, m, d int) time.Time { return time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC) }

// Fixture is the data set every case starts from. The villages are real
// codes of 法库县 (210124) and 辽中区 (210115).
func Fixture() []search.Document {
	return []search.Document{
		{ID: "disclosure:1", Title: "大孤家子村2024年待处理事项公示", Body: "本村待处理的宅基地申请三件，已报镇政府审核。", RegionCode: "210124101201", DeptCode: "210124101201-cw", Kind: "affairs", Date: day(2024, 3, 1), URL: "/disclosures/1"},
		{ID: "disclosure:2", Title: "村道硬化项目进度公开", Body: "村道硬化在建工程，投资十二万元，预计六月完工。", RegionCode: "210124101202", DeptCode: "210124101202-cw", Kind: "project", Date: day(2025, 5, 2), Amount: 12000000, URL: "/disclosures/2"},
		{ID: "disclosure:3", Title: "2024年第四季度最低生活保障对象名单", Body: "张*三 家庭人口3人 月补助金额按标准发放。", RegionCode: "210124102201", DeptCode: "210124102201-cw", Kind: "dibao", Date: day(2024, 12, 20), URL: "/disclosures/3"},
		{ID: "disclosure:4", Title: "本月低保金发放情况", Body: "本月低保金已全部打卡发放到户。", RegionCode: "210115001002", DeptCode: "210115001002-cw", Kind: "dibao", Date: day(2025, 1, 10), URL: "/disclosures/4"},
		{ID: "fund:5", Title: "2024年特困人员供养资金", Body: "县民政局拨付特困人员供养资金，用于基本生活。", RegionCode: "210124", DeptCode: "210124-mz", Kind: "A01", Date: day(2024, 2, 1), Amount: 50000000, URL: "/funds/5"},
		{ID: "disclosure:6", Title: "五保户春节慰问", Body: "村委会走访五保户并发放慰问品。", RegionCode: "210124102201", DeptCode: "210124102201-cw", Kind: "welfare", Date: day(2025, 1, 20), URL: "/disclosures/6"},
		{ID: "disclosure:7", Title: "资金资产资源清查结果公示", Body: "对村集体资金资产资源进行了全面清查。", RegionCode: "210124101201", DeptCode: "210124101201-cw", Kind: "sanzi", Date: day(2024, 6, 30), URL: "/disclosures/7"},
		{ID: "disclosure:8", Title: "村级三资管理台账", Body: "三资台账按季度更新。", RegionCode: "210115001003", DeptCode: "210115001003-cw", Kind: "sanzi", Date: day(2025, 3, 31), URL: "/disclosures/8"},
		{ID: "fund:9", Title: "农村危房改造补助资金", Body: "对鉴定为C级、D级的农村危房实施改造补助。", RegionCode: "210124101", DeptCode: "210124-zj", Kind: "A02", Date: day(2025, 4, 1), Amount: 3000000, URL: "/funds/9"},
		{ID: "disclosure:10", Title: "危改户验收名单", Body: "今年危改户已全部验收。", RegionCode: "210124102201", DeptCode: "210124102201-cw", Kind: "project", Date: day(2025, 9, 1), URL: "/disclosures/10"},
		{ID: "disclosure:11", Title: "污水处理站运行维护公开", Body: "站点运行正常。", RegionCode: "210124102202", DeptCode: "210124102202-cw", Kind: "project", Date: day(2023, 8, 1), URL: "/disclosures/11"},
		{ID: "disclosure:12", Title: "村务监督委员会会议纪要", Body: "会议听取了群众反映的问题，并对每件提出了处理意见，限期答复。", RegionCode: "210124102202", DeptCode: "210124102202-cw", Kind: "affairs", Date: day(2025, 2, 1), URL: "/disclosures/12"},
		{ID: "category:A01", Title: "城乡居民最低生活保障金", Body: "对家庭人均收入低于当地低保标准的居民按月发放。", Kind: "A01", DeptCode: "2101-mz", Date: day(2023, 1, 1), URL: "/catalog/A01"},
	}
}

// Run runs every case against fresh indexes from newIndex.
func Run(t *testing.T, newIndex Factory) {
	cases := []struct {
		name string
		fn   func(t *testing.T, idx search.Index)
	}{
		{"TwoCharacterWordInsideLongerWord", testInfix},
		{"Abbreviations", testAbbreviations},
		{"TitleMatchesRankFirst", testRanking},
		{"RegionAtEveryLevel", testRegions},
		{"Filters", testFilters},
		{"Facets", testFacets},
		{"Highlighting", testHighlighting},
		{"Pagination", testPagination},
		{"SortByDate", testSortByDate},
		{"UpdateReplaces", testUpdate},
		{"Deletion", testDeletion},
		{"Unpublishing", testUnpublishing},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			idx := newIndex(t)
			t.Cleanup(func() { _ = idx.Close() })
			if err := idx.Put(context.Background(), Fixture()...); err != nil {
				t.Fatalf("put fixture: %v", err)
			}
			c.fn(t, idx)
		})
	}
}

func find(t *testing.T, idx search.Index, q search.Query) *search.Result {
	t.Helper()
	if q.PerPage == 0 {
		q.PerPage = search.MaxPerPage
	}
	res, err := idx.Search(context.Background(), q)
	if err != nil {
		t.Fatalf("search %+v: %v", q, err)
	}
	return res
}

func ids(res *search.Result) []string {
	out := make([]string, len(res.Hits))
	for i, h := range res.Hits {
		out[i] = h.ID
	}
	return out
}

func sorted(s []string) []string {
	c := slices.Clone(s)
	sort.Strings(c)
	return c
}

// expectSet asserts the query finds exactly want (in any order), and that
// Total agrees.
func expectSet(t *testing.T, idx search.Index, q search.Query, want ...string) *search.Result {
	t.Helper()
	res := find(t, idx, q)
	if got := sorted(ids(res)); !slices.Equal(got, sorted(want)) {
		t.Errorf("search %+v: got %v, want %v", q, got, sorted(want))
	}
	if res.Total != len(want) {
		t.Errorf("search %+v: total %d, want %d", q, res.Total, len(want))
	}
	return res
}

func testInfix(t *testing.T, idx search.Index) {
	expectSet(t, idx, search.Query{Text: "处理"}, "disclosure:1", "disclosure:11", "disclosure:12")
	expectSet(t, idx, search.Query{Text: "工程"}, "disclosure:2")
	expectSet(t, idx, search.Query{Text: "生活"}, "disclosure:3", "fund:5", "category:A01")
	expectSet(t, idx, search.Query{Text: "待处理"}, "disclosure:1")
	expectSet(t, idx, search.Query{Text: "硬化"}, "disclosure:2")
	expectSet(t, idx, search.Query{Text: "鱼塘"})
}

func testAbbreviations(t *testing.T, idx search.Index) {
	pairs := []struct {
		short, full string
		want        []string
	}{
		{"低保", "最低生活保障", []string{"disclosure:3", "disclosure:4", "category:A01"}},
		{"五保", "特困人员供养", []string{"fund:5", "disclosure:6"}},
		{"三资", "资金资产资源", []string{"disclosure:7", "disclosure:8"}},
		{"危改", "危房改造", []string{"fund:9", "disclosure:10"}},
	}
	for _, p := range pairs {
		expectSet(t, idx, search.Query{Text: p.short}, p.want...)
		expectSet(t, idx, search.Query{Text: p.full}, p.want...)
	}
	// Both terms must match: an abbreviation narrows like any word.
	expectSet(t, idx, search.Query{Text: "低保 名单"}, "disclosure:3")
}

func testRanking(t *testing.T, idx search.Index) {
	res := find(t, idx, search.Query{Text: "处理"})
	got := ids(res)
	if len(got) != 3 || got[2] != "disclosure:12" {
		t.Errorf("处理: the document with it only in its body should come last, got %v", got)
	}
	res = find(t, idx, search.Query{Text: "村道硬化项目进度公开"})
	if got := ids(res); len(got) == 0 || got[0] != "disclosure:2" {
		t.Errorf("an exact title should rank first, got %v", got)
	}
}

func testRegions(t *testing.T, idx search.Index) {
	expectSet(t, idx, search.Query{Region: "210124"}, "disclosure:1", "disclosure:2", "disclosure:3", "fund:5",
		"disclosure:6", "disclosure:7", "fund:9", "disclosure:10", "disclosure:11", "disclosure:12")
	expectSet(t, idx, search.Query{Region: "210124101"}, "disclosure:1", "disclosure:2", "disclosure:7", "fund:9")
	expectSet(t, idx, search.Query{Region: "210124101201"}, "disclosure:1", "disclosure:7")
	expectSet(t, idx, search.Query{Region: "210115"}, "disclosure:4", "disclosure:8")
	expectSet(t, idx, search.Query{Region: "21"}, "disclosure:1", "disclosure:2", "disclosure:3", "disclosure:4", "fund:5",
		"disclosure:6", "disclosure:7", "disclosure:8", "fund:9", "disclosure:10", "disclosure:11", "disclosure:12")
	// Text and region together.
	expectSet(t, idx, search.Query{Text: "低保", Region: "210124"}, "disclosure:3")
	expectSet(t, idx, search.Query{Text: "低保", Region: "210115001"}, "disclosure:4")
}

func testFilters(t *testing.T, idx search.Index) {
	expectSet(t, idx, search.Query{Type: "fund"}, "fund:5", "fund:9")
	expectSet(t, idx, search.Query{Kind: "dibao"}, "disclosure:3", "disclosure:4")
	expectSet(t, idx, search.Query{Dept: "210124-zj"}, "fund:9")
	expectSet(t, idx, search.Query{Year: 2023}, "disclosure:11", "category:A01")
	expectSet(t, idx, search.Query{Text: "资金", Type: "fund", Year: 2024}, "fund:5")
}

func facet(res *search.Result, name string) map[string]int {
	out := map[string]int{}
	for _, v := range res.Facets[name] {
		out[v.Value] = v.Count
	}
	return out
}

func testFacets(t *testing.T, idx search.Index) {
	res := find(t, idx, search.Query{Region: "210124", PerPage: 1})
	want := map[string]map[string]int{
		search.FacetType: {"disclosure": 8, "fund": 2},
		search.FacetYear: {"2023": 1, "2024": 4, "2025": 5},
		search.FacetKind: {"affairs": 2, "project": 3, "dibao": 1, "A01": 1, "welfare": 1, "sanzi": 1, "A02": 1},
	}
	for name, w := range want {
		if got := facet(res, name); fmt.Sprint(got) != fmt.Sprint(w) {
			t.Errorf("facet %s = %v, want %v", name, got, w)
		}
	}
	if got := facet(res, search.FacetDept); got["210124102201-cw"] != 3 || got["210124-mz"] != 1 {
		t.Errorf("facet dept = %v", got)
	}
	// Facets count every hit, not only the page, and follow the text.
	res = find(t, idx, search.Query{Text: "低保", PerPage: 1})
	if got := facet(res, search.FacetType); fmt.Sprint(got) != fmt.Sprint(map[string]int{"disclosure": 2, "category": 1}) {
		t.Errorf("facet type for 低保 = %v", got)
	}
}

func testHighlighting(t *testing.T, idx search.Index) {
	res := find(t, idx, search.Query{Text: "处理", Region: "210124101201"})
	h := hit(t, res, "disclosure:1")
	if got := string(h.TitleHTML); got != "大孤家子村2024年待<mark>处理</mark>事项公示" {
		t.Errorf("title = %q", got)
	}
	if !strings.Contains(string(h.Snippet), "待<mark>处理</mark>的宅基地") {
		t.Errorf("snippet = %q", h.Snippet)
	}
	res = find(t, idx, search.Query{Text: "低保", Kind: "dibao", Region: "210124"})
	if got := string(hit(t, res, "disclosure:3").TitleHTML); !strings.Contains(got, "<mark>最低生活保障</mark>") {
		t.Errorf("an abbreviation should highlight its full form: %q", got)
	}
	evil := search.Document{ID: "disclosure:99", Title: `<b>x</b><script>alert(1)</script>污水处理`, Body: `"><img src=x onerror=alert(1)> 处理`,
		RegionCode: "210124101201", Date: day(2025, 1, 1)}
	if err := idx.Put(context.Background(), evil); err != nil {
		t.Fatal(err)
	}
	h = hit(t, find(t, idx, search.Query{Text: "处理", Region: "210124101201"}), "disclosure:99")
	for _, s := range []string{string(h.TitleHTML), string(h.Snippet)} {
		rest := strings.NewReplacer("<mark>", "", "</mark>", "").Replace(s)
		if strings.ContainsAny(rest, "<>\"") {
			t.Errorf("only <mark> may be unescaped: %q", s)
		}
	}
	if got := string(h.TitleHTML); got != "&lt;b&gt;x&lt;/b&gt;&lt;script&gt;alert(1)&lt;/script&gt;污水<mark>处理</mark>" {
		t.Errorf("escaped title = %q", got)
	}
}

func hit(t *testing.T, res *search.Result, id string) search.Hit {
	t.Helper()
	for _, h := range res.Hits {
		if h.ID == id {
			return h
		}
	}
	t.Fatalf("%s not among %v", id, ids(res))
	return search.Hit{}
}

func testPagination(t *testing.T, idx search.Index) {
	var seen []string
	for page := 1; page <= 4; page++ {
		res := find(t, idx, search.Query{Region: "210124", Sort: search.SortDate, Page: page, PerPage: 3})
		if res.Total != 10 {
			t.Errorf("page %d: total %d, want 10", page, res.Total)
		}
		wantLen := 3
		if page == 4 {
			wantLen = 1
		}
		if len(res.Hits) != wantLen {
			t.Errorf("page %d has %d hits, want %d", page, len(res.Hits), wantLen)
		}
		seen = append(seen, ids(res)...)
	}
	if len(sorted(seen)) != 10 || len(slices.Compact(sorted(seen))) != 10 {
		t.Errorf("pages overlap or miss documents: %v", seen)
	}
}

func testSortByDate(t *testing.T, idx search.Index) {
	res := find(t, idx, search.Query{Sort: search.SortDate})
	if len(res.Hits) != 13 {
		t.Fatalf("all documents: %d hits", len(res.Hits))
	}
	for i := 1; i < len(res.Hits); i++ {
		if res.Hits[i].Date.After(res.Hits[i-1].Date) {
			t.Errorf("not newest first at %d: %v after %v", i, res.Hits[i].Date, res.Hits[i-1].Date)
		}
	}
	if res.Hits[0].ID != "disclosure:10" {
		t.Errorf("newest = %s", res.Hits[0].ID)
	}
	// Stored fields come back whole.
	h := hit(t, find(t, idx, search.Query{Text: "硬化"}), "disclosure:2")
	if h.Amount != 12000000 || h.URL != "/disclosures/2" || h.RegionCode != "210124101202" || h.Year != 2025 || h.Type != "disclosure" || h.Kind != "project" {
		t.Errorf("stored fields: %+v", h.Document)
	}
}

func testUpdate(t *testing.T, idx search.Index) {
	d := Fixture()[1]
	d.Title = "村道硬化项目竣工验收"
	if err := idx.Put(context.Background(), d); err != nil {
		t.Fatal(err)
	}
	expectSet(t, idx, search.Query{Text: "进度公开"})
	res := expectSet(t, idx, search.Query{Text: "竣工"}, "disclosure:2")
	if res.Hits[0].Title != d.Title {
		t.Errorf("title = %q", res.Hits[0].Title)
	}
	expectSet(t, idx, search.Query{Text: "硬化"}, "disclosure:2")
}

func testDeletion(t *testing.T, idx search.Index) {
	if err := idx.Delete(context.Background(), "disclosure:3", "disclosure:404"); err != nil {
		t.Fatal(err)
	}
	expectSet(t, idx, search.Query{Text: "低保"}, "disclosure:4", "category:A01")
	expectSet(t, idx, search.Query{Region: "210124102201"}, "disclosure:6", "disclosure:10")
}
