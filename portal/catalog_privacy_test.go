package portal

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"gorm.io/gorm"

	"sunlight/catalog"
	"sunlight/internal/testdb"
	"sunlight/search"
	"sunlight/search/searchtest"
)

// personalPatterns are the privacy scan: ID, mobile and bank numbers.
var personalPatterns = []*regexp.Regexp{
	regexp.MustCompile(`\d{17}[\dXx]`),
	regexp.MustCompile(`1[3-9]\d{9}`),
	regexp.MustCompile(`\d{16,19}`),
}

func asciiDigits(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '０' && r <= '９' {
			return '0' + r - '０'
		}
		return r
	}, s)
}

// publicURLs lists every public page, API response and export of the
// published fixture.
func publicURLs(t *testing.T, db *gorm.DB) []string {
	urls := []string{"/", "/catalog", "/open-data", "/regions/210124", "/regions/210124101", "/regions/210124101201", "/regions/210124101202",
		"/api/v1/catalog?per_page=200", "/api/v1/funds?per_page=200", "/api/v1/disclosures?per_page=200",
		"/api/v1/regions/210124101201", "/api/v1/departments?region=210124101&below=true"}
	for _, l := range []string{"catalog", "funds", "disbursements", "disclosures"} {
		urls = append(urls, "/open-data/"+l+".csv", "/open-data/"+l+".json")
	}
	var codes []string
	db.Model(&catalog.Category{}).Pluck("code", &codes)
	for _, c := range codes {
		urls = append(urls, "/catalog/"+c, "/api/v1/catalog/"+c)
	}
	var ids []uint64
	db.Model(&catalog.Fund{}).Pluck("id", &ids)
	for _, id := range ids {
		urls = append(urls, fmt.Sprintf("/funds/%d", id), fmt.Sprintf("/funds/%d?village=210124101201", id), fmt.Sprintf("/api/v1/funds/%d", id))
	}
	db.Model(&catalog.Disclosure{}).Pluck("id", &ids)
	for _, id := range ids {
		urls = append(urls, fmt.Sprintf("/disclosures/%d", id), fmt.Sprintf("/api/v1/disclosures/%d", id))
	}
	return urls
}

// TestNoPersonalDataPublished feeds ID, phone and bank numbers in several
// spellings, names and a detailed address through columns and free text,
// and finds none of them in any public page, API response or export.
func TestNoPersonalDataPublished(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		s := withSearch(t, publishedServer(t, db), db)
		urls := publicURLs(t, db)
		// Search and type-ahead answer from the index, which must hold the
		// masked text only: nothing personal is shown...
		for _, q := range []string{"低保", "拉马桥村", "电话", "户主"} {
			urls = append(urls, "/search?q="+url.QueryEscape(q), "/api/v1/search?per_page=50&q="+url.QueryEscape(q),
				"/api/v1/suggest?q="+url.QueryEscape(q))
		}
		if st, body := getBody(t, s, "/api/v1/search?q="+url.QueryEscape("低保")); st != http.StatusOK || strings.Contains(string(body), `"total":0,`) {
			t.Fatalf("the index holds no 低保 disclosure: %d %.200s", st, body)
		}
		// ...nor findable (the answer echoes what was typed, so only the
		// hits are looked at).
		for _, q := range []string{probeName, probePhone, probeID, probeBank} {
			st, body := getBody(t, s, "/api/v1/search?q="+url.QueryEscape(q))
			if st != http.StatusOK || !strings.Contains(string(body), `"total":0,`) {
				t.Errorf("searching %q: %d %.200s", q, st, body)
			}
			st, body = getBody(t, s, "/api/v1/suggest?q="+url.QueryEscape(q))
			if st != http.StatusOK || !strings.Contains(string(body), `"suggestions":[]`) {
				t.Errorf("type-ahead for %q: %d %.200s", q, st, body)
			}
		}
		var all bytes.Buffer
		for _, u := range urls {
			st, body := getBody(t, s, u)
			if st != http.StatusOK && st != http.StatusNotFound {
				t.Errorf("GET %s: %d", u, st)
				continue
			}
			text := asciiDigits(string(body))
			for _, p := range append(probeSpellings, probeName, probeAddr, "21012419800101123x") {
				if strings.Contains(string(body), p) || strings.Contains(text, asciiDigits(p)) {
					t.Errorf("GET %s publishes %q", u, p)
				}
			}
			for _, re := range personalPatterns {
				if m := re.FindString(text); m != "" {
					t.Errorf("GET %s holds %q (matches %s)", u, m, re)
				}
			}
			all.WriteString(text)
		}
		// The data did flow through, masked.
		for _, masked := range []string{"张*丰", "2101************34", "138****5678", "6222***********0123", "拉马桥村3组**号"} {
			if !strings.Contains(all.String(), masked) {
				t.Errorf("masked form %q appears nowhere: the probes never reached the pages", masked)
			}
		}
		// Staff keep the originals, apart from what is published.
		if n := testdb.Count(t, db, &catalog.Original{}, "value IN ?", []string{probeName, probeID, probeBank, probePhone}); n < 4 {
			t.Errorf("only %d originals kept for staff", n)
		}
	})
}

// withSearch is s with an embedded index rebuilt from the database, as
// portal reindex builds it.
func withSearch(t *testing.T, s *Server, db *gorm.DB) *Server {
	t.Helper()
	idx := searchtest.Embedded(t, nil)
	src := search.NewCatalogSource(db)
	src.Now = func() time.Time { return fixedNow }
	err := idx.Rebuild(t.Context(), func(put func(...search.Document) error) error {
		return src.All(t.Context(), func(docs []search.Document) error { return put(docs...) })
	})
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := idx.Count(); n == 0 {
		t.Fatal("nothing indexed")
	}
	cfg := s.cfg
	cfg.Search = idx
	s2, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s2
}

func gzipSize(t testing.TB, b []byte) int {
	var buf bytes.Buffer
	w, _ := gzip.NewWriterLevel(&buf, gzip.DefaultCompression)
	if _, err := w.Write(b); err != nil {
		t.Fatal(err)
	}
	_ = w.Close()
	return buf.Len()
}

// TestPageWeight: the heaviest demo village page and fund page weigh under
// 30 KB compressed with their CSS and JavaScript, and carry their content
// in the HTML (no script needed).
func TestPageWeight(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		s := newTestServer(t, db)
		testdb.Setup(t, db, catalog.LoadDemoPublished)
		var village struct {
			VillageCode string
			N           int
		}
		db.Model(&catalog.Disclosure{}).Select("village_code, COUNT(*) AS n").Group("village_code").Order("n DESC, village_code").Limit(1).Scan(&village)
		var fund struct {
			FundID uint64
			N      int
		}
		db.Model(&catalog.Disbursement{}).Select("fund_id, COUNT(*) AS n").Group("fund_id").Order("n DESC, fund_id").Limit(1).Scan(&fund)
		for _, c := range []struct{ path, content string }{
			{"/regions/" + village.VillageCode, "section.kind li a[href^='/disclosures/']"},
			{fmt.Sprintf("/funds/%d", fund.FundID), "#by-village tbody tr"},
		} {
			st, html := getBody(t, s, c.path)
			if st != http.StatusOK {
				t.Fatalf("GET %s: %d", c.path, st)
			}
			doc, err := goquery.NewDocumentFromReader(bytes.NewReader(html))
			if err != nil {
				t.Fatal(err)
			}
			if doc.Find(c.content).Length() == 0 {
				t.Errorf("%s: no %s in the HTML", c.path, c.content)
			}
			total := gzipSize(t, html)
			assets := doc.Find(`link[rel=stylesheet]`).Map(func(_ int, l *goquery.Selection) string { return l.AttrOr("href", "") })
			assets = append(assets, doc.Find("script[src]").Map(func(_ int, l *goquery.Selection) string { return l.AttrOr("src", "") })...)
			for _, a := range assets {
				st, body := getBody(t, s, a)
				if st != http.StatusOK {
					t.Fatalf("GET %s: %d", a, st)
				}
				total += gzipSize(t, body)
			}
			t.Logf("%s: %d bytes HTML, %d bytes compressed with %d assets", c.path, len(html), total, len(assets))
			if total >= 30*1024 {
				t.Errorf("%s weighs %d bytes compressed, over 30 KB", c.path, total)
			}
		}
	})
}

// TestSearchAndPagesAgreeOnWhatIsPublic: every disclosure, fund and
// catalog entry of the fixture (with withdrawn, expired and unpublished
// rows) is in the search source exactly when its page and its API
// response exist.
func TestSearchAndPagesAgreeOnWhatIsPublic(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		s := publishedServer(t, db)
		db.Model(&catalog.Fund{}).Where("code = ?", "F-GL").Update("published", false)
		db.Model(&catalog.Category{}).Where("code = ?", "0102").Update("published", false)
		src := &search.CatalogSource{DB: db, Now: func() time.Time { return fixedNow }}
		indexed := map[string]bool{}
		if err := src.All(context.Background(), func(docs []search.Document) error {
			for _, d := range docs {
				indexed[d.ID] = true
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		pages := map[string][]string{}
		var ids []uint64
		db.Model(&catalog.Disclosure{}).Pluck("id", &ids)
		for _, id := range ids {
			pages[fmt.Sprintf("disclosure:%d", id)] = []string{fmt.Sprintf("/disclosures/%d", id), fmt.Sprintf("/api/v1/disclosures/%d", id)}
		}
		db.Model(&catalog.Fund{}).Pluck("id", &ids)
		for _, id := range ids {
			pages[fmt.Sprintf("fund:%d", id)] = []string{fmt.Sprintf("/funds/%d", id), fmt.Sprintf("/api/v1/funds/%d", id)}
		}
		var codes []string
		db.Model(&catalog.Category{}).Pluck("code", &codes)
		for _, c := range codes {
			pages["category:"+c] = []string{"/catalog/" + c, "/api/v1/catalog/" + c}
		}
		hidden := 0
		for subject, urls := range pages {
			_, err := src.Load(context.Background(), subject)
			if loaded := err == nil; loaded != indexed[subject] || (err != nil && !search.IsGone(err)) {
				t.Errorf("%s: in the source's list %v, Load says %v", subject, indexed[subject], err)
			}
			for _, u := range urls {
				if status, _ := getBody(t, s, u); (status == http.StatusOK) != indexed[subject] {
					t.Errorf("%s: GET %s = %d, indexed %v", subject, u, status, indexed[subject])
				}
			}
			if !indexed[subject] {
				hidden++
			}
		}
		if hidden != 4 { // withdrawn and expired disclosures, a fund, a catalog entry
			t.Errorf("%d subjects hidden, want 4", hidden)
		}
	})
}
