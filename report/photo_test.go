package report

import (
	"bytes"
	"hash/crc32"
	"image/jpeg"
	"runtime"
	"strings"
	"testing"
	"time"
)

func crc32IEEE(b []byte) uint32 { return crc32.ChecksumIEEE(b) }

func TestPhotoRejections(t *testing.T) {
	gif := []byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;/*<script>alert(1)</script>*/")
	cases := []struct {
		name string
		data []byte
		want error
	}{
		{"empty.jpg", nil, errPhotoEmpty},
		{"page.jpg", []byte("<!doctype html><html><script>alert(1)</script></html>"), errPhotoType},
		{"logo.svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>`), errPhotoType},
		{"logo.jpg", []byte(`<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>`), errPhotoType},
		{"doc.pdf", []byte("%PDF-1.4\n%âãÏÓ\n1 0 obj<<>>endobj"), errPhotoType},
		{"poly.gif", gif, errPhotoType},
		{"poly.jpg", gif, errPhotoType},
		{"photo.png", testJPEG(t, 8, 8, 0), errPhotoExt},
		{"photo.exe", testJPEG(t, 8, 8, 0), errPhotoExt},
		{"photo", testJPEG(t, 8, 8, 0), errPhotoNoExtName},
		{"cut.jpg", testJPEG(t, 64, 64, 0)[:40], errPhotoBroken},
		{"big.png", hugePNGHeader(20000, 20000), errPhotoPixels},
		{"huge.jpg", append(testJPEG(t, 8, 8, 0), make([]byte, MaxPhotoBytes)...), errPhotoTooBig},
	}
	for _, c := range cases {
		if _, err := ProcessPhoto(c.name, c.data); err != c.want {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
}

// TestPixelCapWithoutDecode: a 20000×20000 header is refused fast and
// without allocating the 1.6 GB the image would need.
func TestPixelCapWithoutDecode(t *testing.T) {
	data := hugePNGHeader(20000, 20000)
	// The best of five runs, so a busy machine's scheduling hiccup does not
	// count against the validator.
	best, least := time.Hour, uint64(1<<62)
	for i := 0; i < 5; i++ {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		start := time.Now()
		_, err := ProcessPhoto("big.png", data)
		el := time.Since(start)
		runtime.ReadMemStats(&after)
		if err != errPhotoPixels {
			t.Fatalf("err %v", err)
		}
		best, least = min(best, el), min(least, after.TotalAlloc-before.TotalAlloc)
	}
	if best > 50*time.Millisecond {
		t.Fatalf("took %s", best)
	}
	if least > 1<<20 {
		t.Fatalf("allocated %d bytes to refuse it", least)
	}
}

// TestPhotoStripsEXIFAndApplyOrientation: a JPEG with Orientation=6 (turn
// 90° clockwise) and GPS comes out upright (width and height swapped) with
// no APP1 segment and no "GPS".
func TestPhotoStripsEXIFAndApplyOrientation(t *testing.T) {
	in := testJPEG(t, 40, 20, 6)
	if !bytes.Contains(in, []byte("GPS")) || jpegOrientation(in) != 6 {
		t.Fatal("fixture lacks its EXIF")
	}
	p, err := ProcessPhoto("IMG_0001.JPG", in)
	if err != nil {
		t.Fatal(err)
	}
	if p.Width != 20 || p.Height != 40 {
		t.Fatalf("size %dx%d, want 20x40", p.Width, p.Height)
	}
	if bytes.Contains(p.Data, []byte{0xFF, 0xE1}) || bytes.Contains(p.Data, []byte("GPS")) || bytes.Contains(p.Data, []byte("Exif")) {
		t.Fatal("metadata survived")
	}
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(p.Data))
	if err != nil || cfg.Width != 20 || cfg.Height != 40 {
		t.Fatalf("stored image %v %v", cfg, err)
	}
	if p.Ext != ".jpg" || !strings.HasPrefix(p.Mime, "image/jpeg") {
		t.Fatal(p.Ext, p.Mime)
	}
	pp, err := ProcessPhoto("x.png", testPNG(t, 5, 7))
	if err != nil || pp.Ext != ".png" || pp.Width != 5 {
		t.Fatalf("png: %+v %v", pp, err)
	}
}

// FuzzProcessPhoto: the upload validator never panics, and whatever it
// accepts is a re-encoded image within the limits.
func FuzzProcessPhoto(f *testing.F) {
	f.Add("a.jpg", testJPEG(f, 8, 8, 6))
	f.Add("a.png", testPNG(f, 3, 3))
	f.Add("a.webp", tinyWebP)
	f.Add("a.png", hugePNGHeader(20000, 20000))
	f.Add("a.jpg", []byte("\xff\xd8\xff\xe1\x00\x10Exif\x00\x00MM\x00*\x00\x00\x00\x08"))
	f.Fuzz(func(t *testing.T, name string, data []byte) {
		p, err := ProcessPhoto(name, data)
		if err != nil {
			return
		}
		if p.Width*p.Height > MaxPhotoPixels || len(p.Data) == 0 || (p.Ext != ".jpg" && p.Ext != ".png") {
			t.Fatalf("accepted %+v", p)
		}
		if bytes.Contains(p.Data, []byte("Exif\x00")) {
			t.Fatal("EXIF survived")
		}
	})
}
