package portal

import (
	"bytes"
	"context"
	"image"
	"log/slog"
	"net/http"
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
