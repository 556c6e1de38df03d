package portal

import (
	"bytes"
	"context"
	"image"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"gorm.io/gorm"

	"sunlight/domain"
	"sunlight/internal/testdb"
	"sunlight/report"
)

// TestStaffPhotoDownload (security note 31): the clerk's photo link serves the
// decrypted image with its content type and the sandbox, attachment and
// no-store headers, and records the download; the file on disk is sealed.
// Two photo files swapped on disk both answer a plain error page — neither
// image nor ciphertext — logged with the photo's name and no report data.
func TestStaffPhotoDownload(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		s, _ := newWorkbench(t, db)
		rs, dir := s.st.reports, filepath.Join(s.cfg.DataDir, "uploads")
		var logs bytes.Buffer
		s.log = slog.New(slog.NewTextHandler(&logs, nil))
		const text, name, phone = "村委会照片为证，低保名单有问题。", "张举报", "13912345678"
		var ids []string
		for range 2 {
			rc, err := rs.Submit(context.Background(), report.NewReport{Subject: testVillage, ProblemType: "subsidy",
				Description: text, Name: name, Phone: phone, Photos: []report.Upload{{Filename: "p.jpg", Data: jpegBytes(t)}}})
			if err != nil || rc.Status != report.StatusDispatched {
				t.Fatalf("submit: %v", err)
			}
			ids = append(ids, strconv.FormatUint(rc.ReportID, 10))
		}
		b := loggedIn(t, s, "clerk", "210124101-gov", domain.RoleStaff)
		var links, files []string
		for _, id := range ids {
			src, ok := b.get("/staff/reports/"+id, http.StatusOK).Find(".photos img").Attr("src")
			if !ok {
				t.Fatalf("report %s shows no photo", id)
			}
			links, files = append(links, src), append(files, filepath.Join(dir, filepath.Base(src)))
		}
		downloads := func() int64 {
			var n int64
			db.Model(&report.Event{}).Where("type = ? AND text LIKE ?", report.EvAccessed, "下载照片 %").Count(&n)
			return n
		}

		resp, body := b.do(http.MethodGet, links[0], nil)
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/jpeg" {
			t.Fatalf("download: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		for h, want := range map[string]string{"Content-Security-Policy": "sandbox; default-src 'none'",
			"Content-Disposition": `attachment; filename="` + filepath.Base(links[0]) + `"`, "Cache-Control": "private, no-store"} {
			if got := resp.Header.Get(h); got != want {
				t.Errorf("%s: %q, want %q", h, got, want)
			}
		}
		if cfg, format, err := image.DecodeConfig(bytes.NewReader(body)); err != nil || format != "jpeg" || cfg.Width != 24 {
			t.Fatalf("downloaded image: %s %+v %v", format, cfg, err)
		}
		raw, err := os.ReadFile(files[0])
		if err != nil || !report.IsSealed(raw) || bytes.Contains(raw, body[:32]) {
			t.Fatalf("file on disk is not sealed: %v", err)
		}
		if downloads() != 1 {
			t.Fatalf("%d download events", downloads())
		}

		// Swap the two files' contents: neither opens.
		raw2, _ := os.ReadFile(files[1])
		if err := os.WriteFile(files[0], raw2, 0o640); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(files[1], raw, 0o640); err != nil {
			t.Fatal(err)
		}
		for i, link := range links {
			resp, body := b.do(http.MethodGet, link, nil)
			if resp.StatusCode != http.StatusInternalServerError || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") ||
				resp.Header.Get("Content-Disposition") != "" || bytes.Contains(body, []byte("SLSEAL")) {
				t.Fatalf("swapped photo %d: %d %s %q", i, resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("Content-Disposition"))
			}
			doc := parseDoc(t, body)
			if msg := doc.Find("main").Text(); !strings.Contains(msg, "无法打开") || strings.Contains(msg, "sealed") {
				t.Errorf("swapped photo %d: page says %q", i, strings.TrimSpace(msg))
			}
			if !strings.Contains(logs.String(), filepath.Base(link)) {
				t.Errorf("swapped photo %d not logged: %s", i, logs.String())
			}
		}
		for _, secret := range []string{text, name, phone} {
			if strings.Contains(logs.String(), secret) {
				t.Errorf("log holds %q: %s", secret, logs.String())
			}
		}
	})
}

// TestCaseViewsAreChained: each opening of a case on the workbench appends
// an audited access event to the hash chain, which still verifies; the
// access events do not clutter the case's timeline, and a refused view
// leaves no trace. (The staff API and photo downloads record the same way.)
func TestCaseViewsAreChained(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		s, _ := newWorkbench(t, db)
		f := file(t, s, "village:210124101201", "subsidy", "低保名单里有已去世的人。", "", "")
		b := loggedIn(t, s, "clerk", "210124101-gov", domain.RoleStaff)
		accessed := func() int64 {
			var n int64
			db.Model(&report.Event{}).Where("report_id = ? AND type = ?", f.ID, report.EvAccessed).Count(&n)
			return n
		}
		path := f.href()
		b.get(path, http.StatusOK)
		if accessed() != 1 {
			t.Fatalf("%d access events after one view", accessed())
		}
		doc := b.get(path, http.StatusOK)
		if accessed() != 2 {
			t.Fatalf("%d access events after two views", accessed())
		}
		if n := doc.Find(`#timeline li[data-type="` + report.EvAccessed + `"]`).Length(); n != 0 {
			t.Fatalf("%d access events shown in the timeline", n)
		}
		if _, err := report.VerifyChain(context.Background(), db); err != nil {
			t.Fatalf("chain after views: %v", err)
		}
		// Someone who may not see the case leaves no trace in it.
		o := loggedIn(t, s, "other", "210124-mz", domain.RoleStaff)
		o.get(path, http.StatusNotFound)
		if accessed() != 2 {
			t.Fatalf("a refused view was recorded: %d", accessed())
		}
	})
}

// Reporter and staff text reaches the workbench escaped (security note 7).
func TestWorkbenchEscapesText(t *testing.T) {
	db := testdb.SQLite(t)
	const evil = `<script>alert(1)</script>"><img src=x onerror=alert(2)> javascript:alert(3)`
	_, r, clerk := acceptedCase(t, db, "other", "村里的事 "+evil, "", "")
	href := r.href()
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
