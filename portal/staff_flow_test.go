package portal

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"gorm.io/gorm"

	"sunlight/domain"
	"sunlight/internal/testdb"
)

// reporterFiles fills in the public report form as a villager would and
// returns the tracking number and the receipt shown once.
func reporterFiles(t *testing.T, s *Server, subject, problem, description, name, phone string) (string, string) {
	t.Helper()
	doc := getPage(t, s, "/report?subject="+url.QueryEscape(subject), http.StatusOK)
	form := doc.Find(`form[action="/report"]`)
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	form.Find("input[type=hidden]").Each(func(_ int, in *goquery.Selection) {
		_ = mw.WriteField(in.AttrOr("name", ""), in.AttrOr("value", ""))
	})
	for k, v := range map[string]string{"problem_type": problem, "description": description, "name": name, "phone": phone} {
		_ = mw.WriteField(k, v)
	}
	_ = mw.Close()
	req := httptest.NewRequest(http.MethodPost, "/report", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Accept", "text/html")
	resp, out := do(t, s, req)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("report form: %d %.300s", resp.StatusCode, out)
	}
	done := parseDoc(t, out)
	return text(done, "#tracking-no"), text(done, "#receipt")
}

// track posts a form to /track as the reporter and returns the page.
func track(t *testing.T, s *Server, form url.Values) *goquery.Document {
	t.Helper()
	resp, doc := postForm(t, s, "/track", form)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST /track %s: %d %.300s", form.Get("op"), resp.StatusCode, doc.Text())
	}
	return doc
}

// TestAnswerReachesReporterAndRatingReturns drives both sides through the
// HTML forms: a villager files a report, the department signs for it, a
// clerk drafts the answer, the head approves it, the reporter reads it on
// /track and rates it, and the rating shows on the department's page.
func TestAnswerReachesReporterAndRatingReturns(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		s, clk := newWorkbench(t, db)
		trackingNo, receipt := reporterFiles(t, s, villageB, "subsidy", "三面船村低保名单里有村干部亲属，请核查。", "张举报", "13912345678")
		if trackingNo == "" || len(strings.ReplaceAll(receipt, " ", "")) < 16 {
			t.Fatalf("receipt page: %q %q", trackingNo, receipt)
		}

		clerk := signIn(t, s, "clerk.b", townB, domain.RoleStaff)
		head := signIn(t, s, "head.b", townB, domain.RoleHead)
		// The head wants to approve answers before they go out.
		if resp, _ := head.browser.submit("/staff/account", "#approval-form", url.Values{"on": {"1"}}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("approval setting: %d", resp.StatusCode)
		}

		// The clerk finds it in the queue and signs for it.
		q := clerk.browser.get("/staff", http.StatusOK)
		link := q.Find(`#queue a:contains("` + trackingNo + `")`)
		href, ok := link.Attr("href")
		if !ok {
			t.Fatalf("queue lacks %s: %s", trackingNo, q.Find("#queue").Text())
		}
		if cd := strings.TrimSpace(link.Closest("tr").Find(".countdown").Text()); !strings.HasPrefix(cd, "签收：剩余") {
			t.Errorf("countdown = %q", cd)
		}
		clk.Add(30 * time.Minute)
		if resp, _ := clerk.browser.submit(href, "#accept-form", nil); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("accept: %d", resp.StatusCode)
		}
		// A question to the reporter, answered through /track.
		clerk.browser.submit(href, "#message-form", url.Values{"text": {"请问是哪一户？"}})
		doc := track(t, s, url.Values{"op": {"lookup"}, "receipt": {receipt}})
		if !strings.Contains(doc.Find("#timeline").Text(), "请问是哪一户？") {
			t.Errorf("the department's question is not on /track: %q", doc.Find("#timeline").Text())
		}
		track(t, s, url.Values{"op": {"message"}, "receipt": {receipt}, "text": {"是三组王某家。"}})
		if !strings.Contains(clerk.browser.get(href, http.StatusOK).Find("#timeline").Text(), "是三组王某家。") {
			t.Error("the reporter's reply is not on the department's timeline")
		}

		// Ninety minutes later the clerk drafts the answer from a template.
		clk.Add(90 * time.Minute)
		tpl := clerk.browser.get(href+"?tpl=0", http.StatusOK)
		if !strings.Contains(tpl.Find("#answer-text").Text(), "经核实") {
			t.Errorf("template not filled in: %q", tpl.Find("#answer-text").Text())
		}
		const answer = "经核实，王某家不符合低保条件，已于11月25日停发并在村务公开栏公示。感谢您的监督。"
		resp, _ := clerk.browser.submit(href, "#answer-form", url.Values{"text": {answer}})
		if resp.StatusCode != http.StatusSeeOther || !strings.Contains(resp.Header.Get("Location"), "done=answer-draft") {
			t.Fatalf("draft: %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		// Not yet visible to the reporter.
		if doc := track(t, s, url.Values{"op": {"lookup"}, "receipt": {receipt}}); doc.Find("#answer").Length() != 0 {
			t.Error("the draft reached the reporter before approval")
		}
		// The clerk cannot approve; the head does.
		if resp, _ := clerk.browser.do(http.MethodPost, href+"/approve-answer", url.Values{"_csrf": {csrfOf(clerk.browser, href)}}); resp.StatusCode != http.StatusForbidden {
			t.Errorf("clerk approving: %d, want 403", resp.StatusCode)
		}
		head.browser.login("head.b") // two idle hours ended the head's session
		if !strings.Contains(head.browser.get(href, http.StatusOK).Find("#draft").Text(), answer) {
			t.Error("the head does not see the draft")
		}
		if resp, _ := head.browser.submit(href, "#approve-form", nil); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("approve: %d", resp.StatusCode)
		}

		// The reporter reads the answer and rates it.
		doc = track(t, s, url.Values{"op": {"lookup"}, "receipt": {receipt}})
		if got := text(doc, "#answer"); got != answer {
			t.Fatalf("reporter sees answer %q", got)
		}
		form := url.Values{"op": {"rate"}, "receipt": {receipt}, "rating": {"satisfied"}, "comment": {"处理及时"}}
		if doc.Find(`#rate-form input[name=rating][value=satisfied]`).Length() != 1 {
			t.Fatal("no rating form on /track")
		}
		track(t, s, form)

		// The rating returns to the department.
		page := clerk.browser.get(href, http.StatusOK)
		if tl := page.Find("#timeline").Text(); !strings.Contains(tl, "head.b") || !strings.Contains(tl, "clerk.b") || strings.Contains(tl, "user:") {
			t.Errorf("timeline actors: %q", tl)
		}
		if got := text(page, "#rating"); got != "满意" {
			t.Errorf("department sees rating %q", got)
		}
		if got := text(page, "#status"); !strings.HasPrefix(got, "已办结") {
			t.Errorf("status after a satisfied rating = %q", got)
		}
		// And the supervisor's figures count it.
		sup := signIn(t, s, "sup.county", countyJW, domain.RoleSupervisor)
		row := sup.browser.get("/staff/dashboard", http.StatusOK).Find(`.figtable tr[data-code="` + townB + `"]`)
		if got := strings.TrimSpace(row.Find(".satisfaction").Text()); got != "100.0%" {
			t.Errorf("dashboard satisfaction = %q", got)
		}
	})
}

func csrfOf(b *browser, path string) string {
	return b.get(path, http.StatusOK).Find("input[name=_csrf]").First().AttrOr("value", "")
}
