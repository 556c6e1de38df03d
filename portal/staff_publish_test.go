package portal

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"gorm.io/gorm"

	"sunlight/catalog"
	"sunlight/domain"
	"sunlight/internal/testdb"
)

const disclosureHeader = "村代码,公开类别,标题,期间,内容,金额（元）,附件,公开日期,公开截止日期,责任单位编码,是否公开\n"

// upload posts the upload form with a file, as a browser would.
func upload(t *testing.T, b *browser, kind, name, content string) (*http.Response, *goquery.Document) {
	t.Helper()
	return uploadTo(t, b, "/staff/publish", "/staff/publish/check", url.Values{"kind": {kind}}, name, content)
}

// uploadTo posts a file and fields to action, with the CSRF token of the
// page the form is on.
func uploadTo(t *testing.T, b *browser, page, action string, fields url.Values, name, content string) (*http.Response, *goquery.Document) {
	t.Helper()
	csrf := csrfOf(b, page)
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	_ = mw.WriteField("_csrf", csrf)
	for k, vs := range fields {
		for _, v := range vs {
			_ = mw.WriteField(k, v)
		}
	}
	fw, _ := mw.CreateFormFile("file", name)
	_, _ = fw.Write([]byte(content))
	_ = mw.Close()
	req := httptest.NewRequest(http.MethodPost, action, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Accept", "text/html")
	for k, v := range b.jar {
		req.AddCookie(&http.Cookie{Name: k, Value: v})
	}
	resp, out := do(t, b.s, req)
	return resp, parseDoc(t, out)
}

func TestPublishFromBrowser(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		s, _ := newWorkbench(t, db)
		testdb.Setup(t, db, catalog.Migrate)
		admin := signIn(t, s, "data.admin", "2101-gov", domain.RoleAdmin)
		clerk := signIn(t, s, "clerk.a", townA, domain.RoleStaff)
		before := testdb.Count(t, db, &catalog.Disclosure{})

		// Two bad rows: every one is listed with its line, nothing is stored.
		bad := disclosureHeader +
			"210124101201,财务公开,拉马桥村财务公开,2026年第三季度,收入12.5万元。,98000.00,,2026-10-10,,,是\n" +
			"999999999999,财务公开,不存在的村,2026年第三季度,内容,1.00,,2026-10-10,,,是\n" +
			"210124101201,财务公开,金额不对,2026年第三季度,内容,一百元,,2026-10-10,,,是\n"
		resp, doc := upload(t, admin.browser, "disclosures", "bad.csv", bad)
		if resp.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("bad file: %d", resp.StatusCode)
		}
		var lines []string
		doc.Find("#row-errors li").Each(func(_ int, li *goquery.Selection) { lines = append(lines, li.AttrOr("data-line", "")) })
		if strings.Join(lines, ",") != "3,4" {
			t.Errorf("row errors on lines %v, want 3,4: %s", lines, doc.Find("#row-errors").Text())
		}
		if n := testdb.Count(t, db, &catalog.Disclosure{}); n != before {
			t.Errorf("a bad file stored %d rows", n-before)
		}

		// A good file is checked first (nothing stored), then published.
		good := disclosureHeader +
			"210124101201,财务公开,拉马桥村2026年第三季度财务收支公开,2026年第三季度,本季度收入12.5万元。,98000.00,,2026-10-10,,210124101-gov,是\n"
		resp, doc = upload(t, admin.browser, "disclosures", "good.csv", good)
		if resp.StatusCode != http.StatusOK || doc.Find("#check-result").Length() != 1 {
			t.Fatalf("good file: %d %s", resp.StatusCode, doc.Find("main").Text())
		}
		if n := testdb.Count(t, db, &catalog.Disclosure{}); n != before {
			t.Error("the check stored rows")
		}
		form := url.Values{}
		doc.Find("#confirm-form input").Each(func(_ int, in *goquery.Selection) { form.Set(in.AttrOr("name", ""), in.AttrOr("value", "")) })
		// Another account cannot publish the admin's checked file.
		other := signIn(t, s, "other.admin", "2101-gov", domain.RoleAdmin)
		f2 := url.Values{}
		for k, v := range form {
			f2[k] = v
		}
		f2.Set("_csrf", csrfOf(other.browser, "/staff/publish"))
		if resp, _ := other.browser.do(http.MethodPost, "/staff/publish/confirm", f2); resp.StatusCode != http.StatusNotFound {
			t.Errorf("publishing another account's file: %d", resp.StatusCode)
		}
		resp, body := admin.browser.do(http.MethodPost, "/staff/publish/confirm", form)
		if resp.StatusCode != http.StatusOK || !strings.Contains(parseDoc(t, body).Find("#done").Text(), "新增 1") {
			t.Fatalf("publish: %d %s", resp.StatusCode, parseDoc(t, body).Find("main").Text())
		}
		if n := testdb.Count(t, db, &catalog.Disclosure{}); n != before+1 {
			t.Fatalf("published %d rows, want 1", n-before)
		}
		var d catalog.Disclosure
		if err := db.Where("title = ?", "拉马桥村2026年第三季度财务收支公开").Take(&d).Error; err != nil {
			t.Fatal(err)
		}

		// Department staff publish only their own rows: another department's
		// rows, new or existing, refuse the whole file.
		b := signIn(t, s, "clerk.b", townB, domain.RoleStaff)
		foreign := disclosureHeader +
			"210124101201,财务公开,拉马桥村补充公开,2026年第三季度,补充内容。,1.00,,2026-10-10,,210124101-gov,是\n"
		resp, doc = upload(t, b.browser, "disclosures", "foreign.csv", foreign)
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(doc.Find("#row-errors").Text(), "属于其他单位") {
			t.Errorf("another department's rows: %d %s", resp.StatusCode, doc.Find("main").Text())
		}
		takeover := disclosureHeader +
			"210124101201,财务公开,拉马桥村2026年第三季度财务收支公开,2026年第三季度,改写的内容。,1.00,,2026-10-10,,210124102-gov,是\n"
		if resp, _ := upload(t, b.browser, "disclosures", "takeover.csv", takeover); resp.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("taking over another department's row: %d", resp.StatusCode)
		}
		var after catalog.Disclosure
		db.Where("id = ?", d.ID).Take(&after)
		if after.DeptCode != townA || after.Amount != d.Amount {
			t.Errorf("the refused file changed the row: %+v", after)
		}
		own := disclosureHeader +
			"210124101201,财务公开,拉马桥村2026年第四季度财务收支公开,2026年第四季度,本季度收入8万元。,80000.00,,2026-11-10,,210124101-gov,是\n"
		resp, doc = upload(t, clerk.browser, "disclosures", "own.csv", own)
		if resp.StatusCode != http.StatusOK || doc.Find("#check-result").Length() != 1 {
			t.Fatalf("own department's file: %d %s", resp.StatusCode, doc.Find("main").Text())
		}
		form = url.Values{}
		doc.Find("#confirm-form input").Each(func(_ int, in *goquery.Selection) { form.Set(in.AttrOr("name", ""), in.AttrOr("value", "")) })
		if resp, _ := clerk.browser.do(http.MethodPost, "/staff/publish/confirm", form); resp.StatusCode != http.StatusOK {
			t.Errorf("own department publishing: %d", resp.StatusCode)
		}
		if n := testdb.Count(t, db, &catalog.Disclosure{}); n != before+2 {
			t.Errorf("%d rows after the department's own file, want %d", n, before+2)
		}
		if resp, _ := b.browser.submit("/staff/publish", "#withdraw-form", url.Values{"id": {fmt.Sprint(d.ID)}, "published": {"0"}}); resp.StatusCode != http.StatusNotFound {
			t.Errorf("another department withdrawing: %d", resp.StatusCode)
		}
		// Its own department withdraws it: gone from the public side, and a
		// change is recorded for the search syncer.
		var changesBefore int64
		db.Model(&catalog.Change{}).Where("subject = ?", d.Subject()).Count(&changesBefore)
		if resp, _ := clerk.browser.submit("/staff/publish", "#withdraw-form", url.Values{"id": {fmt.Sprint(d.ID)}, "published": {"0"}}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("withdraw: %d", resp.StatusCode)
		}
		if changesAfter := testdb.Count(t, db, &catalog.Change{}, "subject = ?", d.Subject()); changesAfter != changesBefore+1 {
			t.Errorf("withdrawal recorded %d changes", changesAfter-changesBefore)
		}
		if _, err := catalog.NewDisclosureStore(db).Get(t.Context(), d.ID); err == nil {
			t.Error("the withdrawn disclosure is still public")
		}
	})
}
