package report

import (
	"bytes"
	"context"
	"errors"
	"image"
	_ "image/jpeg" // decode what OpenPhoto returns
	_ "image/png"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"gorm.io/gorm"

	"sunlight/domain"
	"sunlight/internal/testdb"
)

// submitPhotos files an anonymous report with the given photos and returns
// its photo rows.
func submitPhotos(t *testing.T, s *Service, ups ...Upload) []Photo {
	t.Helper()
	rc, err := s.Submit(context.Background(), NewReport{Subject: "village:" + tVillage, ProblemType: "subsidy",
		Description: "照片为证，请核查。", Anonymous: true, Photos: ups})
	if err != nil {
		t.Fatal(err)
	}
	var ps []Photo
	if err := s.db.Where("report_id = ?", rc.ReportID).Order("id").Find(&ps).Error; err != nil {
		t.Fatal(err)
	}
	if len(ps) != len(ups) {
		t.Fatalf("%d photo rows for %d uploads", len(ps), len(ups))
	}
	return ps
}

// TestPhotosSealedAtRest (security note 31): the file on disk holds neither an
// image header nor any run of the image's bytes; OpenPhoto gives back
// exactly the re-encoded image with its content type.
func TestPhotosSealedAtRest(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		s, _ := setup(t, db)
		ups := []Upload{{"a.jpg", testJPEG(t, 40, 30, 0)}, {"b.png", testPNG(t, 20, 10)}}
		for i, p := range submitPhotos(t, s, ups...) {
			want, err := ProcessPhoto(ups[i].Filename, ups[i].Data)
			if err != nil {
				t.Fatal(err)
			}
			raw, err := os.ReadFile(filepath.Join(s.uploads, p.Name))
			if err != nil {
				t.Fatal(err)
			}
			if bytes.HasPrefix(raw, []byte("\xff\xd8")) || bytes.HasPrefix(raw, []byte("\x89PNG")) || !IsSealed(raw) {
				t.Errorf("%s: raw file starts % x", p.Name, raw[:8])
			}
			for j := 0; j+16 <= len(want.Data); j += 16 {
				if bytes.Contains(raw, want.Data[j:j+16]) {
					t.Fatalf("%s: raw file holds image bytes at %d", p.Name, j)
				}
			}
			img, mime, err := s.OpenPhoto(p.Name)
			if err != nil || !bytes.Equal(img, want.Data) || mime != want.Mime || mime != p.Mime {
				t.Fatalf("%s: open %v, %s (row %s), same bytes %v", p.Name, err, mime, p.Mime, bytes.Equal(img, want.Data))
			}
			if cfg, _, err := image.DecodeConfig(bytes.NewReader(img)); err != nil || cfg.Width != p.Width || cfg.Height != p.Height {
				t.Fatalf("%s: decodes as %+v %v", p.Name, cfg, err)
			}
		}
		if _, _, err := s.OpenPhoto(RandomName() + ".jpg"); !errors.Is(err, domain.ErrNotFound) {
			t.Fatalf("missing file: %v", err)
		}
		if _, _, err := s.OpenPhoto("../secret.key"); !errors.Is(err, domain.ErrNotFound) {
			t.Fatalf("foreign name: %v", err)
		}
	})
}

// TestSwappedPhotosDoNotOpen (security note 31): a file moved onto another
// photo's name does not open, in either direction; put back, both do.
func TestSwappedPhotosDoNotOpen(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		s, _ := setup(t, db)
		a := submitPhotos(t, s, Upload{"a.jpg", testJPEG(t, 16, 16, 0)})[0]
		b := submitPhotos(t, s, Upload{"b.jpg", testJPEG(t, 24, 24, 0)})[0]
		pa, pb := filepath.Join(s.uploads, a.Name), filepath.Join(s.uploads, b.Name)
		ra, _ := os.ReadFile(pa)
		rb, _ := os.ReadFile(pb)
		write := func(path string, b []byte) {
			if err := os.WriteFile(path, b, 0o640); err != nil {
				t.Fatal(err)
			}
		}
		write(pa, rb)
		write(pb, ra)
		for _, name := range []string{a.Name, b.Name} {
			if img, _, err := s.OpenPhoto(name); !errors.Is(err, ErrSealed) || img != nil {
				t.Errorf("swapped %s: %v, %d bytes", name, err, len(img))
			} else if err.Error() != "report: photo "+name+": "+ErrSealed.Error() {
				t.Errorf("error says more than the name: %v", err) // it is logged
			}
		}
		write(pa, ra)
		write(pb, rb)
		for _, name := range []string{a.Name, b.Name} {
			if _, _, err := s.OpenPhoto(name); err != nil {
				t.Errorf("restored %s: %v", name, err)
			}
		}
	})
}

// TestPhotoKeyRotation (security note 31): a photo sealed under the old secret
// opens after rotation (old secret kept for reading); new photos are sealed
// under the new one; without the old secret the old photo does not open.
func TestPhotoKeyRotation(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		s, c := setup(t, db)
		old := submitPhotos(t, s, Upload{"a.jpg", testJPEG(t, 16, 16, 0)})[0]
		want, _, err := s.OpenPhoto(old.Name)
		if err != nil {
			t.Fatal(err)
		}
		rotated, err := New(db, testSecret(2), Options{Now: c.Now, UploadDir: s.uploads,
			OldSecrets: [][]byte{testSecret(1)}})
		if err != nil {
			t.Fatal(err)
		}
		if got, _, err := rotated.OpenPhoto(old.Name); err != nil || !bytes.Equal(got, want) {
			t.Fatalf("old photo after rotation: %v", err)
		}
		fresh := submitPhotos(t, rotated, Upload{"b.png", testPNG(t, 4, 4)})[0]
		raw, _ := os.ReadFile(filepath.Join(s.uploads, fresh.Name))
		if !bytes.HasPrefix(raw, append([]byte("SLSEAL\x01\x08"), KeyID(testSecret(2))...)) {
			t.Fatalf("new photo not under the new key: %q", raw[:16])
		}
		if _, _, err := rotated.OpenPhoto(fresh.Name); err != nil {
			t.Fatal(err)
		}
		dropped, err := New(db, testSecret(2), Options{Now: c.Now, UploadDir: s.uploads})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := dropped.OpenPhoto(old.Name); !errors.Is(err, ErrSealed) {
			t.Fatalf("old photo without the old secret: %v", err)
		}
	})
}

// TestSealPlainPhotos: photos an earlier version stored in plain form are
// sealed in place (and do not open before); sealed ones and other files
// are left alone; a second run does nothing; a crashed run's temporary
// file is removed once it is old.
func TestSealPlainPhotos(t *testing.T) {
	s, c := setup(t, testdb.SQLite(t))
	ctx := context.Background()
	sealed := submitPhotos(t, s, Upload{"a.jpg", testJPEG(t, 16, 16, 0)})[0]
	sealedRaw, _ := os.ReadFile(filepath.Join(s.uploads, sealed.Name))
	jpg, _ := ProcessPhoto("b.jpg", testJPEG(t, 12, 8, 0))
	png, _ := ProcessPhoto("c.png", testPNG(t, 5, 7))
	plain := map[string][]byte{RandomName() + ".jpg": jpg.Data, RandomName() + ".png": png.Data}
	junk := RandomName() + ".jpg"
	files := map[string][]byte{junk: []byte("not an image"), "notes.txt": []byte("x")}
	staleTmp, freshTmp := "."+sealed.Name+".abcdefgh.sealing", "."+sealed.Name+".ijklmnop.sealing"
	files[staleTmp], files[freshTmp] = []byte("a"), []byte("b")
	for n, b := range plain {
		files[n] = b
	}
	for n, b := range files {
		if err := os.WriteFile(filepath.Join(s.uploads, n), b, 0o640); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chtimes(filepath.Join(s.uploads, staleTmp), time.Time{}, c.Now().Add(-2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	for n := range plain {
		if _, _, err := s.OpenPhoto(n); !errors.Is(err, ErrSealed) {
			t.Fatalf("plain %s opened before sealing: %v", n, err)
		}
	}
	res, err := s.SealPlainPhotos(ctx)
	if err != nil || res.Sealed != 2 || !slices.Equal(res.Unrecognised, []string{junk}) {
		t.Fatalf("sealed %+v, %v", res, err)
	}
	for n, want := range plain {
		raw, _ := os.ReadFile(filepath.Join(s.uploads, n))
		if !IsSealed(raw) || bytes.Contains(raw, want[:16]) {
			t.Errorf("%s still plain", n)
		}
		if got, _, err := s.OpenPhoto(n); err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s after sealing: %v", n, err)
		}
	}
	if raw, _ := os.ReadFile(filepath.Join(s.uploads, sealed.Name)); !bytes.Equal(raw, sealedRaw) {
		t.Error("an already sealed photo was rewritten")
	}
	for n, want := range map[string]bool{junk: true, "notes.txt": true, staleTmp: false, freshTmp: true} {
		if _, err := os.Stat(filepath.Join(s.uploads, n)); (err == nil) != want {
			t.Errorf("%s present = %v, want %v", n, err == nil, want)
		}
	}
	if res, err := s.SealPlainPhotos(ctx); err != nil || res.Sealed != 0 {
		t.Fatalf("second run: %+v, %v", res, err)
	}
}
