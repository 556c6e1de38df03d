package portal

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"gorm.io/gorm"

	"sunlight/catalog"
	"sunlight/internal/testdb"
)

func TestRegionDrillDown(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		s := publishedServer(t, db)
		county := getPage(t, s, "/regions/210124", http.StatusOK)
		if got := text(county, "main h1"); got != "法库县" {
			t.Errorf("county h1 = %q", got)
		}
		towns := county.Find("#children a")
		var n int64
		db.Model(&catalog.Region{}).Where("parent_code = ?", "210124").Count(&n)
		if int64(towns.Length()) != n || n == 0 {
			t.Fatalf("county lists %d towns, want %d", towns.Length(), n)
		}
		if got := county.Find(`#children a[href="/regions/210124101"]`).Text(); got != "大孤家子镇" {
			t.Errorf("town link text = %q", got)
		}
		if got := reportSubject(t, county); got != "region:210124" {
			t.Errorf("county report subject = %q", got)
		}
		if county.Find("#funds li").Length() != 2 || !strings.Contains(text(county, "#fund-totals"), "105,000.00") {
			t.Errorf("county funds: %d, totals %q", county.Find("#funds li").Length(), text(county, "#fund-totals"))
		}

		town := getPage(t, s, "/regions/210124101", http.StatusOK)
		village := town.Find(`#children a[href="/regions/210124101201"]`)
		if village.Length() != 1 {
			t.Fatal("town page does not link its village")
		}
		if got := village.Parent().Find(".muted").Text(); got != "3条公开" {
			t.Errorf("village disclosure count = %q, want 3 (withdrawn and expired ones not counted)", got)
		}
		crumbs := town.Find("nav.crumbs a")
		if crumbs.Last().AttrOr("href", "") != "/regions/210124" {
			t.Errorf("town crumbs end at %q", crumbs.Last().AttrOr("href", ""))
		}

		v := getPage(t, s, "/regions/210124101201", http.StatusOK)
		if got := text(v, "main h1"); got != "法库县大孤家子镇拉马桥村委会" {
			t.Errorf("village h1 = %q", got)
		}
		var kinds []string
		v.Find("section.kind h3").Each(func(_ int, h *goquery.Selection) { kinds = append(kinds, h.Text()) })
		if strings.Join(kinds, ",") != "财务公开,低保名单,四议两公开" {
			t.Errorf("village kinds = %v", kinds)
		}
		item := v.Find("#kind-dibao li")
		if item.Find("a").Text() != "拉马桥村2026年10月低保对象公示" || !strings.Contains(item.Find(".muted").Text(), "2026年10月") {
			t.Errorf("dibao item = %q", item.Text())
		}
		if v.Find(`a[href^="/disclosures/"]`).FilterFunction(func(_ int, a *goquery.Selection) bool {
			return strings.Contains(a.Text(), "撤回") || strings.Contains(a.Text(), "过期")
		}).Length() != 0 {
			t.Error("withdrawn or expired disclosure listed")
		}
		if got := reportSubject(t, v); got != "village:210124101201" {
			t.Errorf("village report subject = %q", got)
		}
		rows := v.Find("#village-funds tbody tr")
		if rows.Length() != 2 {
			t.Fatalf("village funds rows = %d", rows.Length())
		}
		getPage(t, s, "/regions/999999", http.StatusNotFound)
		getPage(t, s, "/regions/abc", http.StatusNotFound)
	})
}

func TestCatalogPages(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		s := publishedServer(t, db)
		doc := getPage(t, s, "/catalog", http.StatusOK)
		majors := doc.Find("#catalog-tree details.major")
		if majors.Length() != 2 {
			t.Fatalf("majors = %d", majors.Length())
		}
		if got := majors.First().Find(`a[href="/catalog/0101"]`).Text(); got != "城乡最低生活保障金" {
			t.Errorf("first minor = %q", got)
		}
		if majors.First().Find(".tag").First().Text() != "省级" {
			t.Errorf("level tag = %q", majors.First().Find(".tag").First().Text())
		}
		e := getPage(t, s, "/catalog/0101", http.StatusOK)
		if text(e, "main h1") != "城乡最低生活保障金" || text(e, "#entry td.policy") != "辽民发〔2021〕12号" ||
			text(e, "#entry td.eligibility") != "人均收入低于低保标准" || text(e, "#entry td.dept") != "法库县民政局" {
			t.Errorf("entry: h1 %q policy %q eligibility %q dept %q", text(e, "main h1"), text(e, "#entry td.policy"),
				text(e, "#entry td.eligibility"), text(e, "#entry td.dept"))
		}
		if e.Find(`nav.crumbs a[href="/catalog/01"]`).Length() != 1 {
			t.Error("entry crumbs do not link the major category")
		}
		if e.Find(`#funds a`).Length() != 1 {
			t.Errorf("entry lists %d funds, want 1", e.Find("#funds a").Length())
		}
		if got := reportSubject(t, e); got != "category:0101" {
			t.Errorf("report subject = %q", got)
		}
		major := getPage(t, s, "/catalog/01", http.StatusOK)
		if major.Find("#children li").Length() != 2 {
			t.Errorf("major lists %d minors", major.Find("#children li").Length())
		}
		getPage(t, s, "/catalog/99", http.StatusNotFound)
	})
}

// amountOf reads "12,345.67" as fen.
func amountOf(t testing.TB, s string) int64 {
	t.Helper()
	s = strings.TrimSuffix(strings.ReplaceAll(strings.TrimSpace(s), ",", ""), "元")
	whole, frac, _ := strings.Cut(s, ".")
	w, err1 := strconv.ParseInt(whole, 10, 64)
	f, err2 := strconv.ParseInt(frac, 10, 64)
	if err1 != nil || err2 != nil {
		t.Fatalf("not an amount: %q", s)
	}
	return w*100 + f
}

func TestFundPageMoneyTrail(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		s := publishedServer(t, db)
		id := idOf(t, db, &catalog.Fund{}, "code = ?", "F-DB")
		doc := getPage(t, s, fmt.Sprintf("/funds/%d", id), http.StatusOK)
		if text(doc, "main h1") != "大孤家子镇2026年10月低保金" {
			t.Errorf("h1 = %q", text(doc, "main h1"))
		}
		for _, sel := range []string{"#trail li.source", "#trail li.dept", "#trail li.project", "#trail li.paid"} {
			if doc.Find(sel).Length() != 1 {
				t.Errorf("money trail lacks %s", sel)
			}
		}
		if !strings.Contains(text(doc, "#trail li.dept"), "法库县民政局") || doc.Find(`#trail a[href="/catalog/0101"]`).Length() != 1 {
			t.Errorf("dept step = %q", text(doc, "#trail li.dept"))
		}
		var sum int64
		rows := doc.Find("#by-village tbody tr")
		rows.Each(func(_ int, tr *goquery.Selection) { sum += amountOf(t, tr.Find("td.num").Last().Text()) })
		total := amountOf(t, text(doc, "#total"))
		paid := amountOf(t, text(doc, "#paid"))
		remaining := amountOf(t, text(doc, "#remaining"))
		if rows.Length() != 2 || sum != total || total != paid || paid != 58000+116000+87050 || paid+remaining != 500000 {
			t.Errorf("villages %d, sum %d, total %d, paid %d, remaining %d", rows.Length(), sum, total, paid, remaining)
		}
		// Each village's payments add up to its subtotal.
		doc.Find("section.village").Each(func(_ int, sec *goquery.Selection) {
			var rs int64
			sec.Find("tbody tr").Each(func(_ int, tr *goquery.Selection) { rs += amountOf(t, tr.Find("td.num").Text()) })
			if sub := amountOf(t, sec.Find("tfoot th.num").Text()); sub != rs {
				t.Errorf("village %s: rows add to %d, subtotal %d", sec.AttrOr("id", ""), rs, sub)
			}
		})
		recipients := doc.Find("table.payments tbody td:first-child").Map(func(_ int, td *goquery.Selection) string { return td.Text() })
		if strings.Join(recipients, ",") != "张*丰,李*,王*" {
			t.Errorf("recipients = %v", recipients)
		}
		if got := reportSubject(t, doc); got != fmt.Sprintf("fund:%d", id) {
			t.Errorf("report subject = %q", got)
		}
		one := getPage(t, s, fmt.Sprintf("/funds/%d?village=210124101202", id), http.StatusOK)
		if one.Find("table.payments tbody tr").Length() != 1 {
			t.Errorf("village filter shows %d rows", one.Find("table.payments tbody tr").Length())
		}
		getPage(t, s, fmt.Sprintf("/funds/%d?village=210124101299", id), http.StatusNotFound)
		getPage(t, s, "/funds/999999", http.StatusNotFound)
		getPage(t, s, "/funds/x", http.StatusNotFound)
	})
}

func TestDisclosurePage(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		s := publishedServer(t, db)
		id := idOf(t, db, &catalog.Disclosure{}, "kind = ?", catalog.DisclosureFinance)
		doc := getPage(t, s, fmt.Sprintf("/disclosures/%d", id), http.StatusOK)
		if text(doc, "main h1") != "拉马桥村2026年第三季度财务收支公开" || text(doc, "#meta td.period") != "2026年第三季度" ||
			text(doc, "#meta td.amount") != "98,000.00元" || doc.Find("#body p").Length() != 2 {
			t.Errorf("h1 %q period %q amount %q paragraphs %d", text(doc, "main h1"), text(doc, "#meta td.period"),
				text(doc, "#meta td.amount"), doc.Find("#body p").Length())
		}
		if doc.Find(`nav.crumbs a[href="/regions/210124101201"]`).Length() != 1 {
			t.Error("crumbs do not link the village")
		}
		if got := reportSubject(t, doc); got != fmt.Sprintf("disclosure:%d", id) {
			t.Errorf("report subject = %q", got)
		}
		// User text is escaped, never markup.
		x := idOf(t, db, &catalog.Disclosure{}, "kind = ?", catalog.DisclosureDecision)
		xdoc := getPage(t, s, fmt.Sprintf("/disclosures/%d", x), http.StatusOK)
		if xdoc.Find("main script").Length() != 0 || !strings.Contains(text(xdoc, "#body"), "<script>") {
			t.Error("disclosure body not escaped")
		}
		for _, title := range []string{"已撤回的宅基地公示", "已过期的工程公示"} {
			hidden := idOf(t, db, &catalog.Disclosure{}, "title = ?", title)
			getPage(t, s, fmt.Sprintf("/disclosures/%d", hidden), http.StatusNotFound)
			if st, _ := getBody(t, s, fmt.Sprintf("/api/v1/disclosures/%d", hidden)); st != http.StatusNotFound {
				t.Errorf("%s: API status %d", title, st)
			}
		}
	})
}

func TestHomePageFigures(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		s := publishedServer(t, db)
		doc := getPage(t, s, "/", http.StatusOK)
		latest := doc.Find("#latest li")
		if latest.Length() != 4 {
			t.Fatalf("latest disclosures = %d, want the 4 visible ones", latest.Length())
		}
		if got := latest.First().Find("a").Text(); got != "拉马桥村2026年第三季度财务收支公开" {
			t.Errorf("newest = %q", got)
		}
		figures := text(doc, ".figures")
		for _, want := range []string{"4条村级公开", "2个项目", "105,000.00", "5项补贴目录"} {
			if !strings.Contains(strings.Join(strings.Fields(figures), ""), want) {
				t.Errorf("figures %q lack %q", figures, want)
			}
		}
	})
}

// TestFundPageLargeTrail: a fund with more payments than a phone page
// should hold lists village totals that link to each village's payments.
func TestFundPageLargeTrail(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		s := publishedServer(t, db)
		rows := [][]string{{"项目编号", "明细编号", "领取人", "金额", "发放日期", "村代码"}}
		for i := 0; i < maxTrailRows+1; i++ {
			rows = append(rows, []string{"F-GL", fmt.Sprintf("X%03d", i), "法库县宏达建筑工程有限公司", "1", "2026-09-01",
				[]string{"210124101201", "210124101202"}[i%2]})
		}
		importCSV(t, db, catalog.ImportDisbursements, rows)
		id := idOf(t, db, &catalog.Fund{}, "code = ?", "F-GL")
		doc := getPage(t, s, fmt.Sprintf("/funds/%d", id), http.StatusOK)
		if doc.Find("section.village").Length() != 0 {
			t.Error("a large trail lists every payment inline")
		}
		links := doc.Find(`#by-village a[href*="?village="]`)
		if links.Length() != 2 {
			t.Fatalf("village links = %d", links.Length())
		}
		if got := text(doc, "#total"); got != "70,301.00" {
			t.Errorf("total = %q", got)
		}
		one := getPage(t, s, links.Last().AttrOr("href", ""), http.StatusOK)
		if n := one.Find("table.payments tbody tr").Length(); n != 150 {
			t.Errorf("one village shows %d payments, want 150", n)
		}
	})
}
