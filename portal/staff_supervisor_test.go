package portal

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"gorm.io/gorm"

	"sunlight/domain"
	"sunlight/internal/testdb"
)

// TestSupervisorActions: an extension asked by the department and
// approved by the supervisor, a 督办 mark, and a reassignment that moves
// the report out of the first department's sight.
func TestSupervisorActions(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		s, _ := newWorkbench(t, db)
		r := file(t, s, villageB, "project", "村道硬化工程偷工减料，路面已开裂。", "", "")
		clerk := signIn(t, s, "clerk.b", townB, domain.RoleStaff)
		sup := signIn(t, s, "sup.county", countyJW, domain.RoleSupervisor)
		href := r.href()

		clerk.browser.submit(href, "#accept-form", nil)
		before := text(clerk.browser.get(href, http.StatusOK), ".countdown")
		// The clerk may not decide an extension; the supervisor sees no accept button.
		if clerk.browser.get(href, http.StatusOK).Find("#decide-form").Length() != 0 {
			t.Error("the clerk is offered the extension decision")
		}
		if resp, _ := clerk.browser.submit(href, "#extend-form", url.Values{"days": {"10"}, "text": {"需委托第三方检测路面质量"}}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("extension request: %d", resp.StatusCode)
		}
		if clerk.browser.get(href, http.StatusOK).Find("#extend-form").Length() != 0 {
			t.Error("the extension form is still offered while one is pending")
		}
		doc := sup.browser.get(href, http.StatusOK)
		if doc.Find("#accept-form").Length() != 0 || doc.Find("#answer-form").Length() != 0 {
			t.Error("the supervisor is offered the department's actions")
		}
		if !strings.Contains(doc.Find("#decide-form").Text(), "需委托第三方检测路面质量") {
			t.Fatalf("no pending extension for the supervisor: %q", doc.Find("#actions").Text())
		}
		if resp, _ := sup.browser.submit(href, "#decide-form", url.Values{"approve": {"1"}, "text": {"同意"}}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("approve extension: %d", resp.StatusCode)
		}
		after := clerk.browser.get(href, http.StatusOK)
		if got := text(after, "#status"); !strings.HasPrefix(got, "已延期") {
			t.Errorf("status after the extension = %q", got)
		}
		if text(after, ".countdown") == before {
			t.Errorf("the answer deadline did not move: %q", before)
		}
		// 督办, then reassignment to the county housing bureau.
		if resp, _ := sup.browser.submit(href, "#escalate-form", url.Values{"text": {"限期答复"}}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("escalate: %d", resp.StatusCode)
		}
		if !strings.Contains(text(clerk.browser.get(href, http.StatusOK), "#status"), "督办") {
			t.Error("no 督办 mark for the department")
		}
		if resp, _ := sup.browser.submit(href, "#reassign-form", url.Values{"dept": {"210124-zj"}, "text": {"工程质量由住建局办理"}}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("reassign: %d", resp.StatusCode)
		}
		clerk.browser.get(href, http.StatusNotFound)
		zj := signIn(t, s, "clerk.zj", "210124-zj", domain.RoleStaff)
		if got := text(zj.browser.get(href, http.StatusOK), "#description"); got != r.Text {
			t.Errorf("the new department sees %q", got)
		}
	})
}
