package report

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"testing"
)

// testJPEG is a w×h JPEG; with orientation > 0 it carries an EXIF APP1
// segment holding that Orientation and a GPS IFD.
func testJPEG(t testing.TB, w, h, orientation int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.RGBA{uint8(x * 255 / w), uint8(y * 255 / h), 90, 255})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, nil); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	if orientation == 0 {
		return b
	}
	app1 := exifSegment(orientation)
	out := append([]byte{}, b[:2]...)
	out = append(out, app1...)
	return append(out, b[2:]...)
}

// exifSegment builds APP1 "Exif" with IFD0 {Orientation, GPSInfo} and a
// GPS IFD {GPSLatitudeRef "N"}, big-endian, plus the text "GPS" inside.
func exifSegment(orientation int) []byte {
	var t bytes.Buffer
	be := binary.BigEndian
	t.WriteString("MM")
	_ = binary.Write(&t, be, uint16(42))
	_ = binary.Write(&t, be, uint32(8))
	// IFD0 at 8: 2 entries.
	_ = binary.Write(&t, be, uint16(2))
	_ = binary.Write(&t, be, uint16(0x0112)) // Orientation
	_ = binary.Write(&t, be, uint16(3))      // SHORT
	_ = binary.Write(&t, be, uint32(1))
	_ = binary.Write(&t, be, uint16(orientation))
	_ = binary.Write(&t, be, uint16(0))
	_ = binary.Write(&t, be, uint16(0x8825)) // GPSInfo IFD pointer
	_ = binary.Write(&t, be, uint16(4))      // LONG
	_ = binary.Write(&t, be, uint32(1))
	_ = binary.Write(&t, be, uint32(8+2+2*12+4))
	_ = binary.Write(&t, be, uint32(0)) // next IFD
	// GPS IFD: 1 entry.
	_ = binary.Write(&t, be, uint16(1))
	_ = binary.Write(&t, be, uint16(0x0001)) // GPSLatitudeRef
	_ = binary.Write(&t, be, uint16(2))      // ASCII
	_ = binary.Write(&t, be, uint32(2))
	t.WriteString("N\x00\x00\x00")
	_ = binary.Write(&t, be, uint32(0))
	t.WriteString("GPS 41.5N 123.4E")
	payload := append([]byte("Exif\x00\x00"), t.Bytes()...)
	seg := []byte{0xFF, 0xE1, 0, 0}
	be.PutUint16(seg[2:], uint16(len(payload)+2))
	return append(seg, payload...)
}

func testPNG(t testing.TB, w, h int) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewGray(image.Rect(0, 0, w, h))); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// hugePNGHeader is a valid PNG signature and IHDR for a w×h image with no
// image data: decoding the header is all it allows.
func hugePNGHeader(w, h uint32) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 2 // 8-bit RGB
	_ = binary.Write(&b, binary.BigEndian, uint32(13))
	b.WriteString("IHDR")
	b.Write(ihdr)
	crc := crc32IEEE(append([]byte("IHDR"), ihdr...))
	_ = binary.Write(&b, binary.BigEndian, crc)
	return b.Bytes()
}
