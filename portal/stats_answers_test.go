package portal

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"gorm.io/gorm"

	"sunlight/catalog"
	"sunlight/domain"
	"sunlight/internal/testdb"
	"sunlight/report"
)

func TestPublishedAnswers(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		s, r, clerk := acceptedCase(t, db, "subsidy", "户主：王大明，身份证210124198001011234，电话13912345678，低保被冒领。", "张举报", "13800001111")
		head := signIn(t, s, "head.b", townB, domain.RoleHead)
		href := r.href()
		// Not answered yet: nothing to publish.
		if head.browser.get(href, http.StatusOK).Find("#publish-form").Length() != 0 {
			t.Error("publish form before the answer")
		}
		clerk.browser.submit(href, "#answer-form", url.Values{"text": {"经核实，已停发并追回，联系电话13912345678的当事人已约谈。"}})

		// Staff cannot publish; the head can, and the form starts masked.
		if clerk.browser.get(href, http.StatusOK).Find("#publish-form").Length() != 0 {
			t.Error("staff are offered the publish form")
		}
		if resp, _ := clerk.browser.do(http.MethodPost, href+"/publish", url.Values{"_csrf": {csrfOf(clerk.browser, href)},
			"question": {"问题内容足够长"}, "text": {"答复内容足够长"}}); resp.StatusCode != http.StatusForbidden {
			t.Errorf("staff publishing: %d", resp.StatusCode)
		}
		doc := head.browser.get(href, http.StatusOK)
		q := doc.Find("#pub-question").Text()
		if strings.Contains(q, "13912345678") || strings.Contains(q, "210124198001011234") || strings.Contains(q, "王大明") {
			t.Errorf("the publish form is not masked: %q", q)
		}
		resp, _ := head.browser.submit(href, "#publish-form", url.Values{"question": {q + " 13700001234"}, "text": {doc.Find("#pub-answer").Text()}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("publish: %d", resp.StatusCode)
		}
		a, err := report.AnswerOf(t.Context(), db, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if changes := testdb.Count(t, db, &catalog.Change{}, "subject = ?", a.Subject()); changes != 1 {
			t.Errorf("%d changes recorded for %s, want 1", changes, a.Subject())
		}
		pub := getPage(t, s, a.URL(), http.StatusOK)
		page := pub.Find("main").Text()
		for _, leak := range []string{"13912345678", "13700001234", "210124198001011234", "王大明", "张举报", "13800001111", r.TrackingNo} {
			if strings.Contains(page, leak) {
				t.Errorf("public answer page shows %q", leak)
			}
		}
		if !strings.Contains(text(pub, "#answer"), "已停发并追回") {
			t.Errorf("answer text: %q", text(pub, "#answer"))
		}
		if !strings.Contains(getPage(t, s, "/answers", http.StatusOK).Find("#answers").Text(), a.Title) {
			t.Error("the answer is not listed")
		}
		// Withdrawn: gone from the pages, and the change is recorded.
		if resp, _ := head.browser.submit(href, "#unpublish-form", nil); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("unpublish: %d", resp.StatusCode)
		}
		getPage(t, s, a.URL(), http.StatusNotFound)
		if changes := testdb.Count(t, db, &catalog.Change{}, "subject = ?", a.Subject()); changes != 2 {
			t.Errorf("withdrawal recorded no change (%d)", changes)
		}
	})
}
