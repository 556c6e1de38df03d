package portal

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"gorm.io/gorm"

	"sunlight/catalog"
	"sunlight/internal/testdb"
	"sunlight/search"
	"sunlight/search/searchtest"
)

// newSearchServer is a test portal with the demo regions and an embedded
// index holding the shared search fixture.
func newSearchServer(t *testing.T, db *gorm.DB) (*Server, *search.Embedded) {
	t.Helper()
	testdb.Setup(t, db, catalog.Migrate, catalog.LoadDemoRegions)
	idx := searchtest.Embedded(t, nil, searchtest.Fixture()...)
	cfg := testConfig(t, db)
	cfg.Search = idx
	return newServer(t, cfg), idx
}

func TestSearchPage(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		s, _ := newSearchServer(t, db)
		doc := getPage(t, s, "/search?q="+urlq("低保"), http.StatusOK)
		if got := doc.Find("#hits li.hit").Length(); got != 3 {
			t.Fatalf("低保: %d hits, want 3", got)
		}
		if got := text(doc, "#summary b"); got != "3" {
			t.Errorf("summary count = %q", got)
		}
		if doc.Find("#hits li.hit a mark").Length() == 0 {
			t.Error("no highlighted match in the hit titles")
		}
		if got := doc.Find(`input[name=q]`).AttrOr("value", ""); got != "低保" {
			t.Errorf("search box keeps %q", got)
		}
		typeChip := doc.Find(`#filters ul[data-group="类型"] a`).FilterFunction(func(_ int, a *goqSel) bool {
			return strings.HasPrefix(strings.TrimSpace(a.Text()), "村级公开")
		})
		if typeChip.Length() != 1 || strings.TrimSpace(typeChip.Find(".count").Text()) != "（2）" {
			t.Fatalf("type chip 村级公开 with count 2 missing: %q", typeChip.Text())
		}
		href := typeChip.AttrOr("href", "")
		if !strings.Contains(href, "type=disclosure") || !strings.Contains(href, "q=") {
			t.Errorf("chip link %q should keep the query and set the type", href)
		}

		// Following the chips: county, then town (works without JavaScript).
		doc = getPage(t, s, "/search?q="+urlq("低保")+"&region=210124", http.StatusOK)
		if got := doc.Find("#hits li.hit").Length(); got != 1 {
			t.Errorf("低保 in 法库县: %d hits, want 1", got)
		}
		if got := text(doc, "#more-filters summary"); !strings.Contains(got, "已选 1 项") {
			t.Errorf("folded filters summary = %q", got)
		}
		if got := text(doc, "#region-path b"); got != "法库县" {
			t.Errorf("region path = %q", got)
		}
		town := doc.Find(`#filters ul[data-group="地区"] a[href*="region=210124102"]`)
		if town.Length() != 1 {
			t.Fatalf("no chip for the town 210124102 under the county")
		}
		doc = getPage(t, s, town.AttrOr("href", ""), http.StatusOK)
		if got := doc.Find("#hits li.hit").AttrOr("data-id", ""); got != "disclosure:3" {
			t.Errorf("town chip finds %q", got)
		}

		// Newest first, with paging links.
		doc = getPage(t, s, "/search?sort=date&per_page=5", http.StatusOK)
		if got := doc.Find("#hits li.hit").First().AttrOr("data-id", ""); got != "disclosure:10" {
			t.Errorf("newest = %q", got)
		}
		if next := doc.Find(`a[rel=next]`).AttrOr("href", ""); !strings.Contains(next, "page=2") || !strings.Contains(next, "sort=date") {
			t.Errorf("next page link = %q", next)
		}
		doc = getPage(t, s, "/search?q="+urlq("鱼塘"), http.StatusOK)
		if doc.Find("#no-hits").Length() != 1 {
			t.Error("no 'nothing found' message")
		}
	})
}

type goqSel = goquery.Selection

func urlq(s string) string { return url.QueryEscape(s) }

func TestSearchRejectsUnknownParameters(t *testing.T) {
	s, _ := newSearchServer(t, testdb.SQLite(t))
	for _, path := range []string{
		"/api/v1/search?sort=name;drop%20table",
		`/api/v1/search?filter=village%3D%22a%22%20OR%201%3D1`,
		"/api/v1/search?region=21012x",
		"/api/v1/search?per_page=1000",
		"/api/v1/search?type=users",
		"/search?sort=name;drop%20table",
	} {
		resp, body := get(t, s, path)
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("GET %s: %d, want 400; %s", path, resp.StatusCode, body)
		}
	}
}

func TestSearchAPI(t *testing.T) {
	s, idx := newSearchServer(t, testdb.SQLite(t))
	evil := search.Document{ID: "disclosure:99", Title: `<b>x</b>低保公示`, Body: `<script>alert(1)</script>`, RegionCode: "210124101201"}
	if err := idx.Put(context.Background(), evil); err != nil {
		t.Fatal(err)
	}
	var out struct {
		Total   int `json:"total"`
		Page    int `json:"page"`
		PerPage int `json:"per_page"`
		Hits    []struct {
			ID, Type, Title, Snippet, URL string
			TitleHTML                     string `json:"title_html"`
			RegionCode                    string `json:"region_code"`
		} `json:"hits"`
		Facets map[string][]struct {
			Value, Label string
			Count        int
		} `json:"facets"`
	}
	getJSONAs(t, s, "/api/v1/search?q="+urlq("低保")+"&region=210124&per_page=1", http.StatusOK, &out)
	if out.Total != 2 || out.Page != 1 || out.PerPage != 1 || len(out.Hits) != 1 {
		t.Fatalf("total %d page %d per_page %d hits %d", out.Total, out.Page, out.PerPage, len(out.Hits))
	}
	if out.Hits[0].ID != "disclosure:99" && out.Hits[0].ID != "disclosure:3" {
		t.Errorf("hit = %+v", out.Hits[0])
	}
	types := out.Facets["type"]
	if len(types) != 1 || types[0].Value != "disclosure" || types[0].Label != "村级公开" || types[0].Count != 2 {
		t.Errorf("type facet = %+v", types)
	}
	// Only <mark> is left unescaped in highlights.
	resp, body := get(t, s, "/api/v1/search?q="+urlq("低保")+"&region=210124101201")
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `\u0026lt;b\u0026gt;x\u0026lt;/b\u0026gt;\u003cmark\u003e低保\u003c/mark\u003e`) {
		t.Errorf("escaped highlight missing: %s", body)
	}
}

func TestSearchEngineDown(t *testing.T) {
	s, idx := newSearchServer(t, testdb.SQLite(t))
	if err := idx.Close(); err != nil { // the engine stops
		t.Fatal(err)
	}
	doc := getPage(t, s, "/search?q="+urlq("低保"), http.StatusOK)
	if doc.Find("#search-down").Length() != 1 {
		t.Error("the search page does not say search is down")
	}
	if doc.Find("#hits").Length() != 0 {
		t.Error("a down engine should show no (empty) result list")
	}
	resp, body := get(t, s, "/api/v1/search?q=x")
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(body), `"search_unavailable"`) {
		t.Errorf("API while down: %d %s", resp.StatusCode, body)
	}
	var rep readyReport
	getJSONAs(t, s, "/readyz", http.StatusOK, &rep)
	if rep.Status != "degraded" || !strings.HasPrefix(rep.Checks["search"], "error") || rep.Checks["database"] != "ok" {
		t.Errorf("/readyz while search is down: %+v", rep)
	}
	getPage(t, s, "/", http.StatusOK) // other pages keep working
}
