package report

import (
	"context"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"sunlight/domain"
	"sunlight/internal/testdb"
)

// tinyWebP is a 1×1 lossless WebP.
var tinyWebP, _ = base64.StdEncoding.DecodeString("UklGRhoAAABXRUJQVlA4TA0AAAAvAAAAEAcQERGIiP4HAA==")

func storedNothing(t *testing.T, s *Service, db *gorm.DB, what string) {
	t.Helper()
	for _, m := range []any{&Report{}, &Event{}, &Photo{}, &Submission{}} {
		if n := testdb.Count(t, db, m); n != 0 {
			t.Errorf("%s: %T has %d rows", what, m, n)
		}
	}
	if entries, _ := os.ReadDir(s.uploads); len(entries) != 0 {
		t.Errorf("%s: %d files in the upload dir", what, len(entries))
	}
}

func TestBadInputStoresNothing(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		s, _ := setup(t, db)
		ok := NewReport{Subject: "village:" + tVillage, ProblemType: "subsidy", Description: "低保评定不公开，请核查。", Anonymous: true}
		cases := []struct {
			name  string
			edit  func(*NewReport)
			field string
		}{
			{"unknown subject", func(r *NewReport) { r.Subject = "village:210124999999" }, "subject"},
			{"malformed subject", func(r *NewReport) { r.Subject = "planet:mars" }, "subject"},
			{"no subject", func(r *NewReport) { r.Subject = "" }, "subject"},
			{"unknown type", func(r *NewReport) { r.ProblemType = "ufo" }, "problem_type"},
			{"empty description", func(r *NewReport) { r.Description = "   " }, "description"},
			{"huge description", func(r *NewReport) { r.Description = strings.Repeat("很", MaxDescription+1) }, "description"},
			{"bad utf8", func(r *NewReport) { r.Description = "abc\xff\xfe defgh" }, "description"},
			{"no phone", func(r *NewReport) { r.Anonymous = false; r.Name = "张三" }, "phone"},
			{"bad phone", func(r *NewReport) { r.Anonymous = false; r.Phone = "12345" }, "phone"},
			{"fake image", func(r *NewReport) { r.Photos = []Upload{{"a.jpg", []byte("<html>")}} }, "photos"},
			{"too many photos", func(r *NewReport) {
				for i := 0; i < MaxPhotos+1; i++ {
					r.Photos = append(r.Photos, Upload{"a.png", testPNG(t, 4, 4)})
				}
			}, "photos"},
			{"good photo then bad", func(r *NewReport) {
				r.Photos = []Upload{{"a.png", testPNG(t, 4, 4)}, {"b.jpg", hugePNGHeader(20000, 20000)}}
			}, "photos"},
			{"bad token", func(r *NewReport) { r.Token = "short" }, "token"},
			{"anonymous with a phone", func(r *NewReport) { r.Phone = "13812345678" }, "anonymous"},
		}
		for _, c := range cases {
			in := ok
			c.edit(&in)
			_, err := s.Submit(context.Background(), in)
			var ve *domain.ValidationError
			if !errors.As(err, &ve) || ve.Fields[c.field] == "" {
				t.Errorf("%s: %v, want a message on %s", c.name, err, c.field)
			}
		}
		storedNothing(t, s, db, "after bad input")
	})
}

// TestFailureBeforeCommit: if the transaction fails after the photos were
// written, there is no receipt, no row and no file left.
func TestFailureBeforeCommit(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		s, _ := setup(t, db)
		s.hook = func() error { return errors.New("injected failure") }
		_, err := s.Submit(context.Background(), NewReport{Subject: "village:" + tVillage, ProblemType: "subsidy",
			Description: "照片为证，请核查。", Anonymous: true, Photos: []Upload{{"a.jpg", testJPEG(t, 16, 16, 6)}}})
		if err == nil {
			t.Fatal("submit succeeded")
		}
		storedNothing(t, s, db, "after injected failure")
		head, _ := ChainHeadOf(context.Background(), db)
		if head.Seq != 0 {
			t.Fatalf("chain moved to %d", head.Seq)
		}
	})
}

func TestSubmitStoresSafely(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		s, _ := setup(t, db)
		rc, err := s.Submit(ctx, NewReport{Subject: "village:" + tVillage, ProblemType: "subsidy",
			Description: "低保名单里有村干部亲属。", Name: "王小二", Phone: "13812345678",
			Photos: []Upload{{"../../etc/passwd.jpg", testJPEG(t, 30, 10, 6)}, {"x.webp", tinyWebP}}})
		if err != nil {
			t.Fatal(err)
		}
		digits, err := NormalizeReceipt(rc.Receipt)
		if err != nil {
			t.Fatalf("receipt %q: %v", rc.Receipt, err)
		}
		if !regexp.MustCompile(`^\d{8}-\d{8}$`).MatchString(rc.TrackingNo) {
			t.Fatalf("tracking no %q", rc.TrackingNo)
		}
		// No plaintext phone, name or receipt anywhere in the row.
		var row map[string]any
		if err := db.Table("reports").Where("id = ?", rc.ReportID).Take(&row).Error; err != nil {
			t.Fatal(err)
		}
		for col, v := range row {
			str := toString(v)
			for _, secret := range []string{"13812345678", "王小二", digits, rc.Receipt} {
				if strings.Contains(str, secret) {
					t.Errorf("column %s holds %q in plaintext", col, secret)
				}
			}
		}
		noSecretsStored(t, db, "13812345678", "王小二", digits, rc.Receipt, "$argon2")
		// Swapping sealed phone between two reports does not open.
		rc2, err := s.Submit(ctx, NewReport{Subject: "village:" + tVillage, ProblemType: "subsidy",
			Description: "另一份举报，联系方式不同。", Name: "李四", Phone: "13900000000"})
		if err != nil {
			t.Fatal(err)
		}
		r1, r2 := reportByID(t, s, rc.ReportID), reportByID(t, s, rc2.ReportID)
		db.Model(&Report{}).Where("id = ?", r1.ID).Update("contact_phone", r2.ContactPhone)
		if _, _, err := s.RevealContact(ctx, staff(tTownGov), r1.ID, "需要电话核实"); !errors.Is(err, ErrSealed) {
			t.Fatalf("swapped ciphertext opened: %v", err)
		}
		name, phone, err := s.RevealContact(ctx, staff(tTownGov), r2.ID, "需要电话核实")
		if err != nil || name != "李四" || phone != "13900000000" {
			t.Fatalf("reveal: %q %q %v", name, phone, err)
		}
		var ev Event
		db.Where("report_id = ? AND type = ?", r2.ID, EvContactRevealed).Take(&ev)
		if ev.Text != "需要电话核实" || strings.Contains(ev.Text, "139") {
			t.Fatalf("reveal event %q", ev.Text)
		}
		// A supervisor over the region may reveal too, and it is audited;
		// staff of another department may not.
		if _, phone, err := s.RevealContact(ctx, super(tCountyJW, "210124"), r2.ID, "督办核实"); err != nil || phone != "13900000000" {
			t.Fatalf("supervisor reveal: %q %v", phone, err)
		}
		if n := testdb.Count(t, db, &Event{}, "report_id = ? AND type = ? AND text = ?", r2.ID, EvContactRevealed, "督办核实"); n != 1 {
			t.Fatalf("supervisor reveal audited %d times", n)
		}
		if _, _, err := s.RevealContact(ctx, staff("210124-mz"), r2.ID, "好奇"); err == nil {
			t.Fatal("another department revealed the contact")
		}
		// Photos: random names under the upload dir, sealed, no EXIF.
		var ps []Photo
		db.Where("report_id = ?", rc.ReportID).Order("id").Find(&ps)
		if len(ps) != 2 {
			t.Fatalf("%d photos", len(ps))
		}
		for _, p := range ps {
			if !regexp.MustCompile(`^[a-z0-9]{26}\.jpg$`).MatchString(p.Name) {
				t.Errorf("stored name %q", p.Name)
			}
			if raw, err := os.ReadFile(filepath.Join(s.uploads, p.Name)); err != nil || !IsSealed(raw) {
				t.Errorf("stored %s: %v, not sealed", p.Name, err)
			}
			b, _, err := s.OpenPhoto(p.Name)
			if err != nil || strings.Contains(string(b), "GPS") || strings.Contains(string(b), "\xff\xe1") {
				t.Errorf("stored %s: %v, metadata present", p.Name, err)
			}
		}
		if ps[0].Width != 10 || ps[0].Height != 30 {
			t.Errorf("orientation not applied: %dx%d", ps[0].Width, ps[0].Height)
		}
	})
}

func toString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case []byte:
		return string(x)
	}
	return ""
}

// TestDoubleSubmit: the same submission token sent twice at once files one
// report, and both answers carry the same receipt.
func TestDoubleSubmit(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		s, clk := setup(t, db)
		in := NewReport{Subject: "village:" + tVillage, ProblemType: "subsidy", Description: "重复提交测试，请核查。",
			Anonymous: true, Token: "tok_0123456789abcdef"}
		var wg sync.WaitGroup
		out := make([]*Receipt, 4)
		errs := make([]error, 4)
		for i := range out {
			wg.Add(1)
			go func() { defer wg.Done(); out[i], errs[i] = s.Submit(context.Background(), in) }()
		}
		wg.Wait()
		for i := range out {
			if errs[i] != nil {
				t.Fatalf("submit %d: %v", i, errs[i])
			}
			if out[i].Receipt != out[0].Receipt || out[i].TrackingNo != out[0].TrackingNo {
				t.Fatalf("different answers: %+v vs %+v", out[i], out[0])
			}
		}
		if n := testdb.Count(t, db, &Report{}); n != 1 {
			t.Fatalf("%d reports filed", n)
		}
		if _, err := s.Lookup(context.Background(), out[0].Receipt); err != nil {
			t.Fatalf("the repeated receipt does not work: %v", err)
		}
		// After the retry window the copy is wiped; a retry is told so.
		runPass(t, s, t0.Add(2*s.retry))
		clk.Set(t0.Add(2 * s.retry))
		var sub Submission
		db.Take(&sub)
		if sub.SealedReceipt != "" {
			t.Fatal("sealed receipt copy not wiped")
		}
		if _, err := s.Submit(context.Background(), in); !errors.Is(err, domain.ErrConflict) {
			t.Fatalf("late retry: %v", err)
		}
	})
}

func TestLookupByReceipt(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		s, _ := setup(t, db)
		rc, r := submit(t, s, "village:"+tVillage, "subsidy")
		if err := s.Message(ctx, staff(tTownGov), r.ID, "请问具体是哪一户？", true); err != nil {
			t.Fatal(err)
		}
		if err := s.Message(ctx, staff(tTownGov), r.ID, "内部：先查台账", false); err != nil {
			t.Fatal(err)
		}
		tr, err := s.Lookup(ctx, strings.ReplaceAll(rc.Receipt, " ", "-"))
		if err != nil {
			t.Fatal(err)
		}
		if tr.TrackingNo != r.TrackingNo || tr.Status != StatusDispatched || !hasEvent(tr.Timeline, EvStaffMessage, "哪一户") {
			t.Fatalf("tracked %+v", tr)
		}
		if hasEvent(tr.Timeline, EvNote, "") {
			t.Fatal("internal note shown to the reporter")
		}
		for _, e := range tr.Timeline {
			if strings.HasPrefix(e.Actor, "user:") {
				t.Fatalf("staff identity shown: %s", e.Actor)
			}
		}
		if err := s.AddInfo(ctx, rc.Receipt, "是村东头第三户。"); err != nil {
			t.Fatal(err)
		}
		d, _ := s.Get(ctx, staff(tTownGov), r.ID)
		if !hasEvent(d.Events, EvReporterMessage, "第三户") {
			t.Fatal("reporter's answer not in the staff timeline")
		}
		// Wrong and guessed receipts tell nothing.
		other := NewReceipt()
		for _, bad := range []string{other, FormatReceipt(other), "1234", ""} {
			if _, err := s.Lookup(ctx, bad); err == nil {
				t.Fatalf("lookup %q succeeded", bad)
			}
		}
		if _, err := s.Lookup(ctx, other); !errors.Is(err, domain.ErrNotFound) {
			t.Fatalf("well-formed wrong receipt: %v", err)
		}
	})
}

// TestSweepOrphanPhotos: a photo file whose report never committed (the
// process died in between) is removed by the scheduler after an hour;
// photos of real reports stay.
func TestSweepOrphanPhotos(t *testing.T) {
	s, _ := setup(t, testdb.SQLite(t))
	rc, err := s.Submit(context.Background(), NewReport{Subject: "village:" + tVillage, ProblemType: "subsidy",
		Description: "照片为证，请核查。", Anonymous: true, Photos: []Upload{{"a.png", testPNG(t, 4, 4)}}})
	if err != nil {
		t.Fatal(err)
	}
	orphan := filepath.Join(s.uploads, RandomName()+".jpg")
	if err := os.WriteFile(orphan, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	if p := runPass(t, s, time.Now()); p.Swept != 0 {
		t.Fatal("swept a fresh file")
	}
	if p := runPass(t, s, time.Now().Add(2*time.Hour)); p.Swept != 1 {
		t.Fatalf("swept %d", p.Swept)
	}
	if _, err := os.Stat(orphan); !os.IsNotExist(err) {
		t.Fatal("orphan still there")
	}
	var name string
	s.db.Model(&Photo{}).Where("report_id = ?", rc.ReportID).Pluck("name", &name)
	if _, err := os.Stat(filepath.Join(s.uploads, name)); err != nil {
		t.Fatalf("real photo removed: %v", err)
	}
}

// TestDatabaseDown: with the database unreachable a submission fails with
// domain.ErrUnavailable and no receipt.
func TestDatabaseDown(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		s, _ := setup(t, db)
		sqlDB, err := db.DB()
		if err != nil {
			t.Fatal(err)
		}
		_ = sqlDB.Close()
		rc, err := s.Submit(context.Background(), NewReport{Subject: "village:" + tVillage, ProblemType: "subsidy",
			Description: "数据库停机时提交。", Anonymous: true})
		if !errors.Is(err, domain.ErrUnavailable) || rc != nil {
			t.Fatalf("submit with the database down: %v, %v", rc, err)
		}
	})
}
