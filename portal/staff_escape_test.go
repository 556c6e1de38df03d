package portal

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"sunlight/domain"
	"sunlight/internal/testdb"
)

// Reporter and staff text reaches the workbench escaped (security note 7).
func TestWorkbenchEscapesText(t *testing.T) {
	db := testdb.SQLite(t)
	s, _ := newWorkbench(t, db)
	const evil = `<script>alert(1)</script>"><img src=x onerror=alert(2)> javascript:alert(3)`
	r := file(t, s, villageB, "other", "村里的事 "+evil, "", "")
	clerk := signIn(t, s, "clerk.b", townB, domain.RoleStaff)
	href := r.href()
	clerk.browser.submit(href, "#accept-form", nil)
	clerk.browser.submit(href, "#note-form", url.Values{"text": {"备注 " + evil}})
	for _, path := range []string{href, "/staff"} {
		resp, body := clerk.browser.do(http.MethodGet, path, nil)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d", path, resp.StatusCode)
		}
		page := string(body)
		for _, raw := range []string{"<script>alert(1)", "<img src=x onerror", `"><img`} {
			if strings.Contains(page, raw) {
				t.Errorf("%s contains unescaped %q", path, raw)
			}
		}
	}
	doc := clerk.browser.get(href, http.StatusOK)
	if !strings.Contains(text(doc, "#description"), "<script>alert(1)</script>") {
		t.Errorf("the text is not shown as text: %q", text(doc, "#description"))
	}
	if doc.Find("#description script, #timeline script, #description img, #timeline img").Length() != 0 {
		t.Error("reporter or staff text became markup")
	}
}
