package portal

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"gorm.io/gorm"

	"sunlight/catalog"
	"sunlight/domain"
	"sunlight/internal/testclock"
	"sunlight/internal/testdb"
	"sunlight/report"
	"sunlight/search"
	"sunlight/search/searchtest"
)

// refAdmin is a workbench with an administrator signed in.
func refAdmin(t *testing.T, db *gorm.DB) (*Server, *testclock.Clock, *browser) {
	t.Helper()
	s, clk := newWorkbench(t, db)
	b := loggedIn(t, s, "root", "2101-gov", domain.RoleAdmin)
	return s, clk, b
}

// rowsOf is a table's rows as JSON, to show that a refused change changed
// nothing.
func rowsOf(t *testing.T, db *gorm.DB, model any) string {
	t.Helper()
	var rows []map[string]any
	if err := db.Model(model).Order("1").Find(&rows).Error; err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(rows)
	return string(b)
}

func historyCount(t *testing.T, db *gorm.DB, kind string) int {
	t.Helper()
	hs, err := catalog.RefHistory(context.Background(), db, kind, "", 1000)
	if err != nil {
		t.Fatal(err)
	}
	return len(hs)
}

// refused checks a 400 whose page says want, and that the table is as it was.
func refused(t *testing.T, db *gorm.DB, model any, want string, post func() (*http.Response, []byte)) {
	t.Helper()
	before := rowsOf(t, db, model)
	resp, body := post()
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("status %d, want 400; %.300s", resp.StatusCode, body)
	}
	if got := strings.TrimSpace(parseDoc(t, body).Find("#form-error").Text()); !strings.Contains(got, want) {
		t.Errorf("message %q, want %q", got, want)
	}
	if after := rowsOf(t, db, model); after != before {
		t.Errorf("a refused change changed the table:\n%s\n→\n%s", before, after)
	}
}

func offeredCodes(t *testing.T, s *Server) []string {
	t.Helper()
	var out struct {
		ProblemTypes []struct{ Code string } `json:"problem_types"`
	}
	getJSONAs(t, s, "/api/v1/problem-types?subject="+testVillage, http.StatusOK, &out)
	var codes []string
	for _, p := range out.ProblemTypes {
		codes = append(codes, p.Code)
	}
	return codes
}

func TestAdminProblemTypes(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		s, _, admin := refAdmin(t, db)
		const page = "/staff/admin/problem-types"
		clerk := loggedIn(t, s, "clerk", "210124-mz", domain.RoleStaff)
		clerk.get(page, http.StatusForbidden)

		doc := admin.get(page, http.StatusOK)
		if doc.Find(`.ref-nav a[aria-current="page"][href="`+page+`"]`).Length() != 1 {
			t.Error("the menu does not mark this page")
		}
		if doc.Find(`#problem-types tr[data-kind="village"][data-code="land"]`).Length() != 1 {
			t.Fatal("seeded type missing")
		}
		old := file(t, s, testVillage, "land", "宅基地被占用，请核查处理。", "", "")

		// Add a type; it is offered before 其他问题.
		resp, _ := admin.submit(page, "#add-problem-type", url.Values{"kind": {"village"}, "code": {"water_supply"},
			"name": {"饮水安全问题"}, "description": {"自来水、水井"}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("add: %d", resp.StatusCode)
		}
		codes := offeredCodes(t, s)
		if len(codes) < 2 || codes[len(codes)-2] != "water_supply" || codes[len(codes)-1] != "other" {
			t.Errorf("offered %v", codes)
		}
		form := getPage(t, s, "/report?subject="+testVillage, http.StatusOK)
		if !strings.Contains(form.Find(`label.choice:has(input[value="water_supply"])`).Text(), "自来水、水井") {
			t.Error("the report form does not offer the new type with its description")
		}

		// Bad input: the form again with the Chinese message, nothing written.
		refused(t, db, &report.ProblemType{}, "代码须为", func() (*http.Response, []byte) {
			return admin.submit(page, "#add-problem-type", url.Values{"kind": {"village"}, "code": {"Bad Code"}, "name": {"某问题"}})
		})
		refused(t, db, &report.ProblemType{}, "已有代码", func() (*http.Response, []byte) {
			return admin.submit(page, "#add-problem-type", url.Values{"kind": {"village"}, "code": {"land"}, "name": {"重复"}})
		})
		row := func(kind, code, form string) string {
			return `#problem-types tr[data-kind="` + kind + `"][data-code="` + code + `"] form.` + form
		}
		// A type a routing rule names cannot be disabled.
		refused(t, db, &report.ProblemType{}, "派单规则仍在使用", func() (*http.Response, []byte) {
			return admin.submit(page, row("village", "misconduct", "toggle"), nil)
		})

		// Rename, then disable: no longer offered, the old report keeps the name.
		if resp, _ := admin.submit(page, row("village", "land", "rename"), url.Values{"name": {"宅基地、承包地问题"}}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("rename: %d", resp.StatusCode)
		}
		if resp, _ := admin.submit(page, row("village", "land", "toggle"), nil); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("disable: %d", resp.StatusCode)
		}
		for _, c := range offeredCodes(t, s) {
			if c == "land" {
				t.Error("a disabled type is still offered")
			}
		}
		_, tdoc := postForm(t, s, "/track", url.Values{"receipt": {old.Receipt}})
		if !strings.Contains(tdoc.Find("#tracked").Text(), "问题类型：宅基地、承包地问题") {
			t.Errorf("old report: %q", tdoc.Find("#tracked p").Text())
		}
		if _, err := s.st.reports.Submit(context.Background(), report.NewReport{Subject: testVillage, ProblemType: "land",
			Description: "宅基地问题再次反映。", Anonymous: true}); err == nil {
			t.Error("a report of a disabled type was taken")
		}

		doc = admin.get(page, http.StatusOK)
		if got := strings.TrimSpace(doc.Find(`#problem-types tr[data-code="land"][data-kind="village"] .state`).Text()); got != "已停用" {
			t.Errorf("state %q", got)
		}
		if n := doc.Find(".ref-history tbody tr").Length(); n != 3 || historyCount(t, db, catalog.RefProblemType) != 3 {
			t.Errorf("%d history rows shown, want 3 (add, rename, disable)", n)
		}
	})
}

func TestAdminDeadlines(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		s, _, admin := refAdmin(t, db)
		const page = "/staff/admin/deadlines"
		doc := admin.get(page, http.StatusOK)
		if doc.Find(`#scope`).Length() != 1 || doc.Find(`#deadlines tr[data-stage="answer"] input[name=value]`).AttrOr("value", "") != "15" {
			t.Fatal("deadlines page incomplete")
		}
		before := file(t, s, testVillage, "subsidy", "低保评定不公开，请核查。", "", "")
		sel := func(stage string) string { return `#deadlines tr[data-stage="` + stage + `"] form` }
		refused(t, db, &report.DeadlineSetting{}, "须在1至60工作日之间", func() (*http.Response, []byte) {
			return admin.submit(page, sel("answer"), url.Values{"value": {"0"}})
		})
		refused(t, db, &report.DeadlineSetting{}, "整数", func() (*http.Response, []byte) {
			return admin.submit(page, sel("answer"), url.Values{"value": {"十"}})
		})
		refused(t, db, &report.DeadlineSetting{}, "须晚于告知部门负责人", func() (*http.Response, []byte) {
			return admin.submit(page, sel("escalate_super"), url.Values{"value": {"2"}})
		})
		if resp, _ := admin.submit(page, sel("answer"), url.Values{"value": {"5"}}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("set: %d", resp.StatusCode)
		}
		after := file(t, s, testVillage, "subsidy", "低保评定仍不公开，请核查。", "", "")
		due := func(f filed) string {
			var r report.Report
			if err := db.First(&r, f.ID).Error; err != nil {
				t.Fatal(err)
			}
			return r.AnswerDueAt.Format("2006-01-02")
		}
		// Filed on Tue 2026-11-24: 15 working days → Tue 12-15; 5 → Tue 12-01.
		if due(before) != "2026-12-15" || due(after) != "2026-12-01" {
			t.Errorf("answer due before %s, after %s", due(before), due(after))
		}
		doc = admin.get(page+"?done=saved", http.StatusOK)
		if !strings.Contains(doc.Find("#done").Text(), "新计算") || doc.Find(".ref-history tbody tr").Length() != 1 {
			t.Error("saved message or history row missing")
		}
	})
}

// synonymAdmin is a workbench whose embedded index follows the live
// synonym store, with one document found only by a synonym nobody has
// added yet.
func synonymAdmin(t *testing.T, db *gorm.DB) (*Server, *browser) {
	t.Helper()
	ctx := context.Background()
	s, _ := newWorkbench(t, db)
	testdb.Setup(t, db, search.Migrate)
	store := search.NewSynonymStore(db)
	syn, err := store.Live(ctx)
	if err != nil {
		t.Fatal(err)
	}
	idx := searchtest.Embedded(t, syn, search.Document{ID: "disclosure:900", Type: search.TypeDisclosure, Title: "村集体太阳能发电站收益公开",
		Body: "本村太阳能发电站2026年收益分配情况。", RegionCode: "210124101201", URL: "/disclosures/900"})
	cache := search.NewCache(idx, 0, 0)
	cache.FollowSynonyms(syn)
	s.cfg.Search, s.cfg.Synonyms = cache, store
	b := loggedIn(t, s, "root", "2101-gov", domain.RoleAdmin)
	return s, b
}

func hits(t *testing.T, s *Server, q string) *goquery.Selection {
	t.Helper()
	return getPage(t, s, "/search?q="+url.QueryEscape(q), http.StatusOK).Find("#hits li.hit")
}

func TestAdminSynonymsTakeEffectAtOnce(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		s, admin := synonymAdmin(t, db)
		const page = "/staff/admin/synonyms"
		if hits(t, s, "光伏").Length() != 0 {
			t.Fatal("found before the synonym exists")
		}
		doc := admin.get(page, http.StatusOK)
		if doc.Find(`#synonyms td.terms:contains("最低生活保障")`).Length() != 1 {
			t.Fatal("the shipped groups are not listed")
		}
		resp, _ := admin.submit(page, "#add-group", url.Values{"terms": {"光伏，太阳能发电"}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("add: %d", resp.StatusCode)
		}
		// The same server, no rebuild: the new synonym finds the document.
		if h := hits(t, s, "光伏"); h.Length() != 1 || !strings.Contains(h.Find("mark").Text(), "太阳能发电") {
			t.Errorf("光伏 after adding the group: %d hits", h.Length())
		}

		refused(t, db, &search.SynonymTerm{}, "已在第", func() (*http.Response, []byte) {
			return admin.submit(page, "#add-group", url.Values{"terms": {"低保，低保户"}})
		})
		refused(t, db, &search.SynonymTerm{}, "须为2至20个字", func() (*http.Response, []byte) {
			return admin.submit(page, "#add-group", url.Values{"terms": {"光，光明"}})
		})
		doc = admin.get(page, http.StatusOK)
		id := doc.Find(`#synonyms tr:has(td.terms:contains("光伏"))`).AttrOr("data-group", "")
		group := `#synonyms tr[data-group="` + id + `"] `
		refused(t, db, &search.SynonymTerm{}, "至少要有两个词", func() (*http.Response, []byte) {
			return admin.submit(page, group+"form.term", nil)
		})
		if resp, _ := admin.submit(page, group+"form.add-term", url.Values{"term": {"光伏发电"}}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("add term: %d", resp.StatusCode)
		}
		if resp, _ := admin.submit(page, group+"form.term:has(input[value=\"光伏\"])", nil); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("remove term: %d", resp.StatusCode)
		}
		if hits(t, s, "光伏").Length() != 0 || hits(t, s, "光伏发电").Length() != 1 {
			t.Error("a removed synonym still finds, or the added one does not")
		}
		if resp, _ := admin.submit(page, group+"form.delete", nil); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("delete: %d", resp.StatusCode)
		}
		doc = admin.get(page, http.StatusOK)
		if doc.Find(group).Length() != 0 || doc.Find(".ref-history tbody tr").Length() != 4 || historyCount(t, db, catalog.RefSynonym) != 4 {
			t.Errorf("after delete: %d history rows", doc.Find(".ref-history tbody tr").Length())
		}
	})
}
