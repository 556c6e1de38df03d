package portal

import (
	"bufio"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"gorm.io/gorm"

	"sunlight/domain"
	"sunlight/internal/testdb"
	"sunlight/report"
)

// testRobot stands in for a group robot on loopback and keeps the texts
// it was sent.
type testRobot struct {
	*httptest.Server
	mu    sync.Mutex
	texts []string
}

func newTestRobot(t *testing.T, reply string) *testRobot {
	r := &testRobot{}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		var body struct {
			MsgType string `json:"msgtype"`
			Text    struct {
				Content string `json:"content"`
			} `json:"text"`
		}
		if json.NewDecoder(req.Body).Decode(&body) != nil || body.MsgType != "text" {
			http.Error(w, "bad payload", http.StatusBadRequest)
			return
		}
		r.mu.Lock()
		r.texts = append(r.texts, body.Text.Content)
		r.mu.Unlock()
		_, _ = w.Write([]byte(reply))
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *testRobot) got() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.texts...)
}

// fakeSMTP accepts mail on loopback without TLS or login, and counts the
// messages.
func fakeSMTP(t *testing.T) (addr string, count func() int) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	var mu sync.Mutex
	n := 0
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				rd, say := bufio.NewReader(conn), func(s string) { _, _ = conn.Write([]byte(s + "\r\n")) }
				say("220 fake ESMTP")
				for {
					line, err := rd.ReadString('\n')
					if err != nil {
						return
					}
					switch cmd := strings.ToUpper(strings.TrimSpace(line)); {
					case strings.HasPrefix(cmd, "EHLO"), strings.HasPrefix(cmd, "HELO"):
						say("250 fake")
					case cmd == "DATA":
						say("354 go on")
						for l, err := rd.ReadString('\n'); l != ".\r\n"; l, err = rd.ReadString('\n') {
							if err != nil {
								return
							}
						}
						mu.Lock()
						n++
						mu.Unlock()
						say("250 queued")
					case cmd == "QUIT":
						say("221 bye")
						return
					default:
						say("250 ok")
					}
				}
			}()
		}
	}()
	return ln.Addr().String(), func() int { mu.Lock(); defer mu.Unlock(); return n }
}

const notifyPath = "/staff/admin/notify"

func testResult(t *testing.T, body []byte) (ok bool, text string) {
	t.Helper()
	r := parseDoc(t, body).Find("#test-result")
	if r.Length() != 1 {
		t.Fatalf("no test result on the page: %.400s", body)
	}
	return r.AttrOr("data-ok", "") == "true", r.Text()
}

func TestStaffAdminNotifyDepartmentRobot(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		s := newStaffServer(t, db)
		admin := adminOnly(t, s, notifyPath)
		doc := admin.get(notifyPath, http.StatusOK)
		if cur := doc.Find(`nav.ref-nav a[aria-current="page"]`); cur.Text() != "通知设置" {
			t.Errorf("refnav current %q", cur.Text())
		}
		forms := doc.Find(`form[method="post"][action^="/staff/admin/notify"]`)
		if forms.Length() < 2 {
			t.Errorf("%d forms", forms.Length())
		}
		forms.Each(func(_ int, f *goquery.Selection) {
			if f.Find(`input[name="_csrf"]`).AttrOr("value", "") == "" {
				t.Errorf("form %s has no CSRF token", f.AttrOr("action", ""))
			}
		})
		if !strings.Contains(doc.Find("#default-channel").Text(), "日志") || doc.Find("#smtp-form").Length() != 1 {
			t.Errorf("default channel %q", doc.Find("#default-channel").Text())
		}

		good, bad := newTestRobot(t, `{"errcode":0,"errmsg":"ok"}`), newTestRobot(t, `{"errcode":310000,"errmsg":"keywords not in content"}`)
		const dept = "210124101-gov"
		set := func(webhook string) {
			t.Helper()
			resp, body := admin.submit(notifyPath, "#dept-form", url.Values{"dept": {dept}, "webhook": {webhook}, "enabled": {"1"}})
			if resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("set robot: %d %.300s", resp.StatusCode, body)
			}
		}
		set(good.URL + "/robot/send?access_token=PORTALTOKEN4321")
		resp, body := admin.do(http.MethodGet, notifyPath+"?done=dept", nil)
		row := parseDoc(t, body).Find(`#dept-settings tr[data-dept="` + dept + `"]`)
		if resp.StatusCode != http.StatusOK || row.Find(".webhook").Text() != strings.TrimPrefix(good.URL, "http://")+"…4321" || strings.Contains(string(body), "PORTALTOKEN") {
			t.Fatalf("row %q", row.Find(".webhook").Text())
		}
		if admin.get(notifyPath+"?region=2102", http.StatusOK).Find("#dept-settings tbody tr").Length() != 0 ||
			admin.get(notifyPath+"?region=210124", http.StatusOK).Find("#dept-settings tbody tr").Length() != 1 {
			t.Error("region filter")
		}
		testSel := `#dept-settings tr[data-dept="` + dept + `"] form.test`
		_, body = admin.submit(notifyPath, testSel, nil)
		if ok, txt := testResult(t, body); !ok || len(good.got()) != 1 || good.got()[0] != report.TestText {
			t.Fatalf("test against a working robot: %v %q %q", ok, txt, good.got())
		}

		set(bad.URL + "/robot/send?access_token=PORTALTOKEN9999")
		_, body = admin.submit(notifyPath, testSel, nil)
		if ok, txt := testResult(t, body); ok || !strings.Contains(txt, "发送失败") || !strings.Contains(txt, "310000") || strings.Contains(string(body), "PORTALTOKEN") {
			t.Fatalf("test against a failing robot: %v %q", ok, txt)
		}

		// Bad input is shown with its message and changes nothing.
		history := admin.get(notifyPath, http.StatusOK).Find(".ref-history tbody tr").Length()
		resp, body = admin.submit(notifyPath, "#dept-form", url.Values{"dept": {dept}, "webhook": {"robot.example/send"}, "enabled": {"1"}})
		page := parseDoc(t, body)
		if resp.StatusCode != http.StatusBadRequest || page.Find("#form-error").Length() != 1 || !strings.Contains(page.Find("#dept-form .error").Text(), "Webhook") {
			t.Fatalf("bad robot URL: %d %q", resp.StatusCode, page.Find("#dept-form").Text())
		}
		doc = admin.get(notifyPath, http.StatusOK)
		if got := doc.Find(`#dept-settings tr[data-dept="` + dept + `"] .webhook`).Text(); !strings.HasSuffix(got, "…9999") {
			t.Errorf("after bad input the robot is %q", got)
		}
		hist := doc.Find(".ref-history tbody tr")
		if hist.Length() != history || history != 2 || !strings.Contains(hist.First().Text(), "修改") || strings.Contains(hist.Text(), "PORTALTOKEN") {
			t.Errorf("history: %d rows, %q", hist.Length(), hist.Text())
		}

		if resp, _ := admin.submit(notifyPath, `#dept-settings tr[data-dept="`+dept+`"] form.clear`, nil); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("clear: %d", resp.StatusCode)
		}
		if admin.get(notifyPath, http.StatusOK).Find("#dept-settings").Length() != 0 {
			t.Error("the row is still listed after clearing")
		}
	})
}

func TestStaffAdminNotifyMailServer(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		s := newStaffServer(t, db)
		admin := loggedIn(t, s, "root", "2101-gov", domain.RoleAdmin)
		resp, body := admin.submit(notifyPath, "#smtp-form", url.Values{"addr": {"no port here"}, "from": {"sunlight@example.gov.cn"}})
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(parseDoc(t, body).Find("#form-error").Text(), "主机:端口") {
			t.Fatalf("bad address: %d", resp.StatusCode)
		}
		addr, count := fakeSMTP(t)
		resp, _ = admin.submit(notifyPath, "#smtp-form", url.Values{"addr": {addr}, "from": {"sunlight@example.gov.cn"}, "to": {"office@example.gov.cn"}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("save: %d", resp.StatusCode)
		}
		doc := admin.get(notifyPath, http.StatusOK)
		if doc.Find("#smtp-addr").AttrOr("value", "") != addr || !strings.Contains(doc.Find("#default-channel").Text(), "office@example.gov.cn") {
			t.Errorf("saved server not shown: %q", doc.Find("#default-channel").Text())
		}
		_, body = admin.submit(notifyPath, "#smtp-test", nil)
		if ok, txt := testResult(t, body); !ok || count() != 1 {
			t.Fatalf("test mail: %v %q, %d sent", ok, txt, count())
		}

		// The environment's server is shown read-only and cannot be changed.
		s.cfg.Notifier = s.st.reports.Notifier(report.NotifyDefaults{SMTP: &report.SMTPServer{Addr: "127.0.0.1:1", From: "ops@example.gov.cn", To: []string{"ops@example.gov.cn"}}})
		doc = admin.get(notifyPath, http.StatusOK)
		if !strings.Contains(doc.Find("#smtp-env").Text(), "由环境变量设置") || doc.Find("#smtp-form").Length() != 0 || !strings.Contains(doc.Find("#smtp-current").Text(), "127.0.0.1:1") {
			t.Fatalf("environment's server: %q", doc.Find("#smtp").Text())
		}
		tok := doc.Find(`#smtp-test input[name="_csrf"]`).AttrOr("value", "")
		if resp, _ := admin.do(http.MethodPost, notifyPath+"/smtp", url.Values{"_csrf": {tok}, "addr": {addr}, "from": {"a@example.gov.cn"}}); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("changing the environment's server: %d", resp.StatusCode)
		}
		_, body = admin.submit(notifyPath, "#smtp-test", nil)
		if ok, txt := testResult(t, body); ok || !strings.Contains(txt, "连接被拒绝") {
			t.Errorf("test against a closed port: %v %q", ok, txt)
		}
	})
}
