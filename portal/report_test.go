package portal

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"log/slog"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"gorm.io/gorm"

	"sunlight/internal/testdb"
	"sunlight/report"
)

const testVillage = "village:210124101201"

// newReportServer is a test portal with the report tables and defaults.
func newReportServer(t testing.TB, db *gorm.DB, log *slog.Logger) *Server {
	t.Helper()
	s := newTestServer(t, db)
	ctx := context.Background()
	testdb.Setup(t, db, report.Migrate)
	if err := report.SeedDefaults(ctx, db, fixedNow.AddDate(-1, 0, 0)); err != nil {
		t.Fatal(err)
	}
	if log != nil {
		s.log = log
	}
	return s
}

func postForm(t testing.TB, s *Server, path string, form url.Values) (*http.Response, *goquery.Document) {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "text/html")
	req.Header.Set("X-Forwarded-For", "203.0.113.77")
	resp, body := do(t, s, req)
	doc, err := goquery.NewDocumentFromReader(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	return resp, doc
}

func postJSON(t testing.TB, s *Server, path, body string) (*http.Response, map[string]any) {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	resp, raw := do(t, s, req)
	var out map[string]any
	_ = json.Unmarshal(raw, &out)
	return resp, out
}

func multipartBody(t testing.TB, fields map[string]string, files map[string][]byte) (*bytes.Buffer, string) {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for k, v := range fields {
		_ = w.WriteField(k, v)
	}
	for name, data := range files {
		fw, err := w.CreateFormFile("photos", name)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = fw.Write(data)
	}
	_ = w.Close()
	return &b, w.FormDataContentType()
}

func jpegBytes(t testing.TB) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 24, 16))
	for i := range img.Pix {
		img.Pix[i] = byte(i)
	}
	img.Set(0, 0, color.White)
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func errorCode(body map[string]any) string {
	e, _ := body["error"].(map[string]any)
	c, _ := e["code"].(string)
	return c
}

// TestReportFormFlow: a villager opens the form, files a report with a
// photo, gets the receipt once, and follows it on /track by POST.
func TestReportFormFlow(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		var logs bytes.Buffer
		s := newReportServer(t, db, slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
		doc := getPage(t, s, "/report?subject="+testVillage, http.StatusOK)
		if n := doc.Find(`form[action="/report"] input[name=problem_type]`).Length(); n < 3 {
			t.Fatalf("%d problem types on the form", n)
		}
		token := doc.Find(`input[name=submission_token]`).AttrOr("value", "")
		if len(token) < 16 {
			t.Fatalf("submission token %q", token)
		}
		body, ctype := multipartBody(t, map[string]string{"subject": testVillage, "problem_type": "subsidy",
			"description": "低保户名单里有村干部的亲属，请核查。<script>alert(1)</script>", "name": "王小二", "phone": "13812345678",
			"submission_token": token}, map[string][]byte{"p.jpg": jpegBytes(t)})
		req := httptest.NewRequest(http.MethodPost, "/report", body)
		req.Header.Set("Content-Type", ctype)
		req.Header.Set("Accept", "text/html")
		req.Header.Set("X-Forwarded-For", "203.0.113.77")
		resp, raw := do(t, s, req)
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("submit: %d %.300s", resp.StatusCode, raw)
		}
		if resp.Header.Get("Cache-Control") != "no-store" {
			t.Fatalf("receipt page cacheable: %q", resp.Header.Get("Cache-Control"))
		}
		done, _ := goquery.NewDocumentFromReader(bytes.NewReader(raw))
		receipt := strings.TrimSpace(done.Find("#receipt").Text())
		if _, err := report.NormalizeReceipt(receipt); err != nil {
			t.Fatalf("receipt %q: %v", receipt, err)
		}
		// A double tap: the same token gets the same receipt, no new report.
		body2, ctype2 := multipartBody(t, map[string]string{"subject": testVillage, "problem_type": "subsidy",
			"description": "低保户名单里有村干部的亲属，请核查。", "anonymous": "1", "submission_token": token}, nil)
		req2 := httptest.NewRequest(http.MethodPost, "/report", body2)
		req2.Header.Set("Content-Type", ctype2)
		resp2, raw2 := do(t, s, req2)
		done2, _ := goquery.NewDocumentFromReader(bytes.NewReader(raw2))
		if resp2.StatusCode != http.StatusOK || strings.TrimSpace(done2.Find("#receipt").Text()) != receipt || testdb.Count(t, db, &report.Report{}) != 1 {
			t.Fatalf("retry: %d, %d reports", resp2.StatusCode, testdb.Count(t, db, &report.Report{}))
		}

		resp, tdoc := postForm(t, s, "/track", url.Values{"receipt": {strings.ReplaceAll(receipt, " ", "")}})
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Cache-Control") != "no-store" || resp.Header.Get("Referrer-Policy") != "same-origin" {
			t.Fatalf("track: %d %v", resp.StatusCode, resp.Header)
		}
		if got := text(tdoc, "#status"); got != "已派单" {
			t.Fatalf("status %q", got)
		}
		if !strings.Contains(tdoc.Find(".report-text").Text(), "<script>") || tdoc.Find(".report-text script").Length() != 0 {
			t.Fatal("description not escaped")
		}
		if tdoc.Find("#message-form").Length() != 1 {
			t.Fatal("no way to add information")
		}
		resp, tdoc = postForm(t, s, "/track", url.Values{"receipt": {receipt}, "op": {"message"}, "text": {"是村东头第三户"}})
		if resp.StatusCode != http.StatusOK || !strings.Contains(text(tdoc, "#timeline"), "第三户") {
			t.Fatalf("message: %d %q", resp.StatusCode, text(tdoc, "#timeline"))
		}
		// Nothing identifying reached the log.
		for _, secret := range []string{"203.0.113.77", "13812345678", "王小二", receipt, strings.ReplaceAll(receipt, " ", ""), "第三户"} {
			if strings.Contains(logs.String(), secret) {
				t.Errorf("log contains %q", secret)
			}
		}
		if !strings.Contains(logs.String(), "route=/report") {
			t.Errorf("request log missing: %s", logs.String())
		}
	})
}

// TestReportFormKeepsInput: a rejected form comes back with the messages
// and what was typed.
func TestReportFormKeepsInput(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		s := newReportServer(t, db, nil)
		resp, doc := postForm(t, s, "/report", url.Values{"subject": {testVillage}, "problem_type": {"subsidy"},
			"description": {"太短"}, "name": {"李四"}, "phone": {"123"}})
		if resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("status %d", resp.StatusCode)
		}
		if doc.Find("#err-description").Length() != 1 || doc.Find("#err-phone").Length() != 1 {
			t.Fatal("messages missing")
		}
		if got := doc.Find("#description").Text(); got != "太短" {
			t.Fatalf("description not kept: %q", got)
		}
		if doc.Find("#name").AttrOr("value", "") != "李四" || doc.Find(`input[name=problem_type][value=subsidy]`).AttrOr("checked", "x") == "x" {
			t.Fatal("typed values not kept")
		}
		if testdb.Count(t, db, &report.Report{}) != 0 {
			t.Fatal("stored")
		}
	})
}

// TestReportAPIBadInput: every kind of bad input is a clear 4xx and
// stores nothing.
func TestReportAPIBadInput(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		s := newReportServer(t, db, nil)
		good := `{"subject":"` + testVillage + `","problem_type":"subsidy","description":"低保评定不公开，请核查。","anonymous":true}`
		cases := []struct {
			name, body string
			status     int
			code       string
		}{
			{"malformed", `{"subject":`, 400, "invalid_json"},
			{"not an object", `[1,2]`, 400, "invalid_json"},
			{"two objects", good + good, 400, "invalid_json"},
			{"empty", ``, 400, "invalid_json"},
			{"unknown subject", strings.Replace(good, "210124101201", "210124101999", 1), 400, "invalid"},
			{"bad subject kind", strings.Replace(good, "village:", "planet:", 1), 400, "invalid"},
			{"empty description", strings.Replace(good, "低保评定不公开，请核查。", "", 1), 400, "invalid"},
			{"huge description", strings.Replace(good, "低保评定不公开，请核查。", strings.Repeat("很", 3001), 1), 400, "invalid"},
			{"wrong type", strings.Replace(good, `"anonymous":true`, `"anonymous":"yes"`, 1), 400, "invalid_json"},
		}
		for _, c := range cases {
			resp, body := postJSON(t, s, "/api/v1/reports", c.body)
			if resp.StatusCode != c.status || errorCode(body) != c.code {
				t.Errorf("%s: %d %v", c.name, resp.StatusCode, body)
			}
			if e, _ := body["error"].(map[string]any); e == nil || e["message"] == "" {
				t.Errorf("%s: no message", c.name)
			}
		}
		// Fake and oversized images, as multipart.
		for name, data := range map[string][]byte{
			"fake.jpg": []byte("<html><body>not a photo</body></html>"),
			"doc.png":  []byte("%PDF-1.4 fake"),
			"zero.jpg": {},
		} {
			body, ctype := multipartBody(t, map[string]string{"subject": testVillage, "problem_type": "subsidy",
				"description": "照片为证，请核查处理。", "anonymous": "1"}, map[string][]byte{name: data})
			req := httptest.NewRequest(http.MethodPost, "/api/v1/reports", body)
			req.Header.Set("Content-Type", ctype)
			resp, raw := do(t, s, req)
			if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(raw), "photos") {
				t.Errorf("%s: %d %s", name, resp.StatusCode, raw)
			}
		}
		if got := postOverLimit(t, s); got != http.StatusRequestEntityTooLarge {
			t.Errorf("21 MiB body: %d, want 413", got)
		}
		if testdb.Count(t, db, &report.Report{}) != 0 {
			t.Fatalf("%d reports stored from bad input", testdb.Count(t, db, &report.Report{}))
		}
		if entries, _ := os.ReadDir(filepath.Join(s.cfg.DataDir, "uploads")); len(entries) != 0 {
			t.Fatalf("%d files left in uploads", len(entries))
		}

		// Wrong, guessed and malformed receipts tell nothing.
		resp, out := postJSON(t, s, "/api/v1/reports", good)
		if resp.StatusCode != http.StatusCreated || out["tracking_no"] == "" || out["status"] != "dispatched" {
			t.Fatalf("good report: %d %v", resp.StatusCode, out)
		}
		receipt, _ := out["receipt"].(string)
		for _, bad := range []string{report.FormatReceipt(report.NewReceipt()), "0000 0000 0000 0000 0000 0000 0000", "12"} {
			resp, body := postJSON(t, s, "/api/v1/reports/lookup", `{"receipt":"`+bad+`"}`)
			if resp.StatusCode/100 != 4 || strings.Contains(string(must(json.Marshal(body))), "tracking_no") {
				t.Errorf("lookup %q: %d %v", bad, resp.StatusCode, body)
			}
		}
		resp, body2 := postJSON(t, s, "/api/v1/reports/lookup", `{"receipt":"`+receipt+`"}`)
		if resp.StatusCode != http.StatusOK || body2["tracking_no"] != out["tracking_no"] || resp.Header.Get("Cache-Control") != "no-store" {
			t.Fatalf("lookup: %d %v", resp.StatusCode, body2)
		}
		// Rating before an answer is an illegal transition: 409.
		resp, body2 = postJSON(t, s, "/api/v1/reports/lookup/rating", `{"receipt":"`+receipt+`","rating":"satisfied"}`)
		if resp.StatusCode != http.StatusConflict || errorCode(body2) != "conflict" {
			t.Fatalf("early rating: %d %v", resp.StatusCode, body2)
		}
		resp, body2 = postJSON(t, s, "/api/v1/reports/lookup/messages", `{"receipt":"`+receipt+`","text":"补充：涉及三户"}`)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("message: %d %v", resp.StatusCode, body2)
		}
	})
}

// postOverLimit sends a 21 MiB multipart body to a real listener (the
// in-process app.Test refuses it before the server can answer) and
// returns the status.
func postOverLimit(t *testing.T, s *Server) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = s.app.Listener(ln) }()
	defer func() { _ = s.app.Shutdown() }()
	// Announce 21 MiB and send only the headers: the server must refuse
	// on the announced length, before it reads (or buffers) the body.
	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprintf(conn, "POST /api/v1/reports HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=b\r\nContent-Length: %d\r\n\r\n--b\r\n", 21<<20)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	return resp.StatusCode
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}

// TestLookupRateLimited: receipt guessing is slowed down with 429s.
func TestLookupRateLimited(t *testing.T) {
	s := newReportServer(t, testdb.SQLite(t), nil)
	var last int
	for i := 0; i < 25; i++ {
		resp, _ := postJSON(t, s, "/api/v1/reports/lookup", `{"receipt":"12"}`)
		last = resp.StatusCode
	}
	if last != http.StatusTooManyRequests {
		t.Fatalf("25th lookup: %d, want 429", last)
	}
}

// TestQRCode: the PNG decodes, with a real decoder, to exactly the landing
// URL; the token is stable; the landing page has the report form one tap
// away; the poster names the village and what can be reported.
func TestQRCode(t *testing.T) {
	zbar, err := exec.LookPath("zbarimg")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("zbarimg is missing: CI must decode the QR code (scripts/deps.sh installs zbar-tools)")
		}
		t.Skip("zbarimg not installed (make test installs zbar-tools)")
	}
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		s := newReportServer(t, db, nil)
		resp, png := get(t, s, "/qr/"+testVillage+".png")
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/png" {
			t.Fatalf("png: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		path := filepath.Join(t.TempDir(), "qr.png")
		if err := os.WriteFile(path, png, 0o600); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(zbar, "--raw", "-q", path).Output()
		if err != nil {
			t.Fatalf("zbarimg: %v", err)
		}
		got := strings.TrimSpace(string(out))
		var token string
		if err := db.Model(&report.QRCode{}).Where("subject = ?", testVillage).Pluck("token", &token).Error; err != nil {
			t.Fatal(err)
		}
		if want := "http://sunlight.test/q/" + token; got != want || len(token) != 10 {
			t.Fatalf("decoded %q, want %q", got, want)
		}
		_, png2 := get(t, s, "/qr/"+testVillage+".png")
		if !bytes.Equal(png, png2) {
			t.Fatal("token not stable")
		}
		doc := getPage(t, s, "/q/"+token, http.StatusOK)
		href, _ := url.Parse(doc.Find("#report-link").AttrOr("href", ""))
		if href == nil || href.Path != "/report" || href.Query().Get("subject") != testVillage {
			t.Fatalf("report link %q", href)
		}
		if !strings.Contains(text(doc, "h1"), "拉马桥") {
			t.Fatalf("landing title %q", text(doc, "h1"))
		}
		getPage(t, s, "/q/aaaaaaaaaa", http.StatusNotFound)
		getPage(t, s, "/q/..%2f..%2fetc", http.StatusNotFound)
		poster := getPage(t, s, "/qr/"+testVillage+"/poster", http.StatusOK)
		if !strings.Contains(text(poster, "#poster-title"), "拉马桥") || poster.Find("#poster-types li").Length() < 3 ||
			poster.Find("#poster-qr").AttrOr("src", "") != "/qr/"+testVillage+".png" || poster.Find("#poster-steps li").Length() == 0 {
			t.Fatal("poster incomplete")
		}
		getPage(t, s, "/qr/village:210124101999/poster", http.StatusNotFound)
		resp, _ = get(t, s, "/api/v1/problem-types?subject="+testVillage)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("problem types: %d", resp.StatusCode)
		}
		resp, raw := get(t, s, "/api/v1/problem-types?subject=nope")
		if resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("problem types of nonsense: %d %s", resp.StatusCode, raw)
		}
	})
}

// TestReportDatabaseDown: with the database gone, a submission is a 503
// with no receipt.
func TestReportDatabaseDown(t *testing.T) {
	db := testdb.SQLite(t)
	s := newReportServer(t, db, nil)
	sqlDB, _ := db.DB()
	_ = sqlDB.Close()
	resp, body := postJSON(t, s, "/api/v1/reports", `{"subject":"`+testVillage+`","problem_type":"subsidy","description":"数据库停机时提交。","anonymous":true}`)
	if resp.StatusCode != http.StatusServiceUnavailable || errorCode(body) != "unavailable" || body["receipt"] != nil {
		t.Fatalf("%d %v", resp.StatusCode, body)
	}
}

// TestReportNoMassAssignmentNoXSS: extra JSON fields cannot set a status
// or a department; hostile text is escaped on every reporter page.
func TestReportNoMassAssignmentNoXSS(t *testing.T) {
	db := testdb.SQLite(t)
	s := newReportServer(t, db, nil)
	evil := `\"><img src=x onerror=alert(1)><script>alert(2)</script>javascript:alert(3)`
	resp, out := postJSON(t, s, "/api/v1/reports", `{"subject":"`+testVillage+`","problem_type":"subsidy","description":"`+evil+`",
		"anonymous":true,"status":"closed","dept_code":"210124101201-cw","accused_dept":"","tracking_no":"1"}`)
	if resp.StatusCode != http.StatusCreated || out["status"] != "dispatched" || out["tracking_no"] == "1" {
		t.Fatalf("%d %v", resp.StatusCode, out)
	}
	var r report.Report
	db.Take(&r)
	if r.DeptCode != "210124101-gov" || r.Status != report.StatusDispatched {
		t.Fatalf("mass assignment: %s %s", r.DeptCode, r.Status)
	}
	_, doc := postForm(t, s, "/track", url.Values{"receipt": {out["receipt"].(string)}})
	if doc.Find("img[onerror], #tracked script").Length() != 0 || !strings.Contains(doc.Find(".report-text").Text(), "onerror=alert(1)") {
		t.Fatal("description not escaped on /track")
	}
	_, doc = postForm(t, s, "/report", url.Values{"subject": {testVillage}, "problem_type": {"subsidy"},
		"description": {`"><img src=x onerror=alert(1)>`}, "phone": {`"><script>x</script>`}})
	if doc.Find("main img[onerror], main script").Length() != 0 || doc.Find("#phone").AttrOr("value", "") != `"><script>x</script>` {
		t.Fatal("typed input not escaped on the form")
	}
}

// TestPromiseFollowsTheSettings: the done page and the poster promise what
// the deadline settings say, not a figure written into a template.
func TestPromiseFollowsTheSettings(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		s := newReportServer(t, db, nil)
		if err := s.st.reports.SetDeadline(context.Background(), report.StageAnswer, 10, "test"); err != nil {
			t.Fatal(err)
		}
		body, ctype := multipartBody(t, map[string]string{"subject": testVillage, "problem_type": "subsidy",
			"description": "低保名单与实际发放不一致，请核查。", "anonymous": "1"}, nil)
		req := httptest.NewRequest(http.MethodPost, "/report", body)
		req.Header.Set("Content-Type", ctype)
		resp, raw := do(t, s, req)
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("submit: %d %.300s", resp.StatusCode, raw)
		}
		done, _ := goquery.NewDocumentFromReader(bytes.NewReader(raw))
		if got := strings.TrimSpace(done.Find("#deadlines").Text()); got != "办理时限：1个工作日内签收，10个工作日内答复。" {
			t.Errorf("done page promises %q", got)
		}
		poster := getPage(t, s, "/qr/"+testVillage+"/poster", http.StatusOK)
		if got := poster.Find("#poster-steps li").Last().Text(); !strings.HasPrefix(got, "1个工作日内签收，10个工作日内答复；") {
			t.Errorf("poster promises %q", got)
		}
	})
}
