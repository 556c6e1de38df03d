package report

import (
	"bytes"
	"fmt"
	"regexp"
	"strconv"
	"testing"

	"sunlight/catalog"
)

// TestPosterPDF checks the PDF's structure: every cross-reference offset
// points at its object, startxref points at the table, and the page
// carries the village name (as UCS-2 hex) and the QR squares.
func TestPosterPDF(t *testing.T) {
	sub := &catalog.Subject{Kind: catalog.SubjectVillage, ID: "210124101201", Title: "法库县大孤家子镇拉马桥村"}
	pdf, err := NewPoster(sub, "https://sunlight.example.gov.cn/q/abcdefghij", DefaultProblemTypes()[catalog.SubjectVillage], "1个工作日内签收，15个工作日内答复").PDF()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(pdf, []byte("%PDF-1.4\n")) || !bytes.HasSuffix(pdf, []byte("%%EOF\n")) {
		t.Fatal("not a PDF")
	}
	m := regexp.MustCompile(`startxref\n(\d+)\n`).FindSubmatch(pdf)
	if m == nil {
		t.Fatal("no startxref")
	}
	xref, _ := strconv.Atoi(string(m[1]))
	if !bytes.HasPrefix(pdf[xref:], []byte("xref\n0 8\n")) {
		t.Fatalf("startxref %d does not point at the table", xref)
	}
	entries := regexp.MustCompile(`(\d{10}) 00000 n `).FindAllSubmatch(pdf[xref:], -1)
	if len(entries) != 7 {
		t.Fatalf("%d xref entries", len(entries))
	}
	for i, e := range entries {
		off, _ := strconv.Atoi(string(e[1]))
		if want := fmt.Sprintf("%d 0 obj\n", i+1); !bytes.HasPrefix(pdf[off:], []byte(want)) {
			t.Fatalf("object %d not at offset %d", i+1, off)
		}
	}
	if !bytes.Contains(pdf, []byte(ucs2Hex("拉马桥村"))) || bytes.Count(pdf, []byte(" re\n")) < 200 {
		t.Fatal("village name or QR squares missing")
	}
	m2 := regexp.MustCompile(`<< /Length (\d+) >>\nstream\n`).FindSubmatchIndex(pdf)
	n, _ := strconv.Atoi(string(pdf[m2[2]:m2[3]]))
	if !bytes.HasPrefix(pdf[m2[1]+n:], []byte("\nendstream")) {
		t.Fatal("stream length wrong")
	}
}
