package report

import (
	"bytes"
	"fmt"
	"strings"
	"unicode/utf16"

	qrcode "github.com/skip2/go-qrcode"

	"sunlight/catalog"
)

// QRURL is the landing URL a subject's QR code encodes.
func QRURL(baseURL, token string) string { return strings.TrimSuffix(baseURL, "/") + "/q/" + token }

// QRPNG renders url as a QR code PNG of size×size pixels, with medium
// error correction (survives a scuffed notice board) and a quiet zone.
func QRPNG(url string, size int) ([]byte, error) {
	return qrcode.Encode(url, qrcode.Medium, size)
}

// Poster is what a printed notice-board poster says.
type Poster struct {
	Title   string   // the village or subject name
	Types   []string // what can be reported
	URL     string   // the QR landing URL
	Promise string   // Calendar.Promise: how soon it is acknowledged and answered
}

// NewPoster builds the poster text for a subject, the problem types it
// offers (ProblemTypeStore.Offered) and the promise (Service.Promise).
func NewPoster(sub *catalog.Subject, url string, types []ProblemType, promise string) Poster {
	p := Poster{Title: sub.Title, URL: url, Promise: promise}
	for _, t := range types {
		p.Types = append(p.Types, t.Name)
	}
	return p
}

// Steps are the poster's "how it works" lines.
func (p Poster) Steps() []string {
	return []string{
		"用手机扫描二维码（微信、相机均可），点“我要举报”。",
		"选择问题类型，写清情况，可拍照上传，可以匿名。",
		"提交后记下28位查询码，凭它查看进度、补充情况、评价结果。",
		p.Promise + "；反映干部问题的，交上级纪委办理，不交被反映人。",
	}
}

// PDF renders the poster as a one-page A4 PDF. It is written by hand to
// stay small and pure Go: the QR code is drawn as filled squares, and the
// Chinese text uses the standard Adobe-GB1 font STSong-Light, which every
// PDF reader supplies, so no font is embedded.
func (p Poster) PDF() ([]byte, error) {
	qr, err := qrcode.New(p.URL, qrcode.Medium)
	if err != nil {
		return nil, err
	}
	bm := qr.Bitmap() // includes the quiet zone
	var c bytes.Buffer
	text := func(x, y, size float64, s string) {
		fmt.Fprintf(&c, "BT /F1 %.1f Tf %.1f %.1f Td <%s> Tj ET\n", size, x, y, ucs2Hex(s))
	}
	// A4 is 595×842 points.
	text(60, 770, 30, "阳光监督 · 扫码举报")
	text(60, 735, 20, p.Title)
	n := float64(len(bm))
	side := 300.0
	cell := side / n
	x0, y0 := (595-side)/2, 400.0
	c.WriteString("0 g\n")
	for r, row := range bm {
		for col, dark := range row {
			if dark {
				fmt.Fprintf(&c, "%.3f %.3f %.3f %.3f re\n", x0+float64(col)*cell, y0+side-float64(r+1)*cell, cell, cell)
			}
		}
	}
	c.WriteString("f\n")
	text(60, 370, 14, "可以反映的问题：")
	y := 350.0
	for _, t := range p.Types {
		text(75, y, 12, "· "+t)
		y -= 17
	}
	y -= 10
	for i, s := range p.Steps() {
		text(60, y, 11, fmt.Sprintf("%d. %s", i+1, s))
		y -= 16
	}
	text(60, 40, 9, p.URL)
	return pdfDocument(c.Bytes()), nil
}

func ucs2Hex(s string) string {
	var b strings.Builder
	for _, u := range utf16.Encode([]rune(s)) {
		fmt.Fprintf(&b, "%04X", u)
	}
	return b.String()
}

// pdfDocument wraps one page's content stream in a minimal PDF 1.4 file
// with a correct cross-reference table.
func pdfDocument(content []byte) []byte {
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(content)+0, content),
		"<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UCS2-H /DescendantFonts [6 0 R] >>",
		"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light /CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 2 >> /FontDescriptor 7 0 R /DW 1000 >>",
		"<< /Type /FontDescriptor /FontName /STSong-Light /Flags 6 /FontBBox [-25 -254 1000 880] /ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 880 /StemV 93 >>",
	}
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	offsets := make([]int, len(objs))
	for i, o := range objs {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, xref)
	return b.Bytes()
}
