package report

import (
	"math"
	"strings"
	"testing"
)

func TestReceiptShape(t *testing.T) {
	if bits := receiptRandomDigits * math.Log2(10); bits < 80 {
		t.Fatalf("receipts carry %.1f random bits, security note 30 asks for 80", bits)
	}
	counts := make([]int, 10)
	seen := map[string]bool{}
	const n = 2000
	for i := 0; i < n; i++ {
		r := NewReceipt()
		if len(r) != ReceiptLen || strings.Trim(r, "0123456789") != "" {
			t.Fatalf("receipt %q", r)
		}
		if seen[r] {
			t.Fatalf("duplicate receipt %s", r)
		}
		seen[r] = true
		got, err := NormalizeReceipt(FormatReceipt(r))
		if err != nil || got != r {
			t.Fatalf("round trip %s: %q %v", r, got, err)
		}
		for _, c := range r[:receiptRandomDigits] {
			counts[c-'0']++
		}
	}
	// Each digit should appear ≈ n·27/10 = 5400 times; a chi-square
	// with 9 degrees of freedom over 33.7 happens with p < 0.0001.
	exp := float64(n*receiptRandomDigits) / 10
	chi := 0.0
	for _, c := range counts {
		d := float64(c) - exp
		chi += d * d / exp
	}
	if chi > 33.7 {
		t.Fatalf("digit distribution skewed: chi²=%.1f counts=%v", chi, counts)
	}
}

func TestNormalizeReceipt(t *testing.T) {
	r := NewReceipt()
	fw := strings.Map(func(c rune) rune { return c - '0' + '０' }, r)
	swapped := []byte(r)
	for i := 0; i+1 < len(swapped); i++ {
		if swapped[i] != swapped[i+1] {
			swapped[i], swapped[i+1] = swapped[i+1], swapped[i]
			break
		}
	}
	typo := []byte(r)
	typo[5] = '0' + (typo[5]-'0'+1)%10
	cases := []struct {
		in string
		ok bool
	}{
		{r, true},
		{FormatReceipt(r), true},
		{strings.ReplaceAll(FormatReceipt(r), " ", "-"), true},
		{"  " + strings.ReplaceAll(FormatReceipt(r), " ", "\u3000") + " ", true},
		{fw, true},
		{r[:27], false},
		{r + "1", false},
		{string(swapped), false},
		{string(typo), false},
		{"", false},
		{"abcd", false},
		{r[:10] + "x" + r[10:], false},
		{strings.Repeat("1", 300), false},
	}
	for _, c := range cases {
		got, err := NormalizeReceipt(c.in)
		if c.ok && (err != nil || got != r) {
			t.Errorf("%q: %q, %v", c.in, got, err)
		}
		if !c.ok && err == nil {
			t.Errorf("%q accepted as %q", c.in, got)
		}
	}
}

func FuzzNormalizeReceipt(f *testing.F) {
	r := NewReceipt()
	for _, s := range []string{r, FormatReceipt(r), "", "１２３４", "1234-5678", "\xff\xfe", strings.Repeat("9", 28)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := NormalizeReceipt(s)
		if err != nil {
			return
		}
		if len(d) != ReceiptLen || dammDigit(d) != 0 {
			t.Fatalf("%q normalised to invalid %q", s, d)
		}
		again, err := NormalizeReceipt(d)
		if err != nil || again != d {
			t.Fatalf("not idempotent: %q → %q → %q, %v", s, d, again, err)
		}
		if again2, err := NormalizeReceipt(FormatReceipt(d)); err != nil || again2 != d {
			t.Fatalf("formatted form does not normalise back: %q", d)
		}
	})
}

func TestSealing(t *testing.T) {
	old, _ := NewKeys(testSecret(1))
	sealed, err := old.Seal("13812345678", "report/1/phone")
	if err != nil || strings.Contains(sealed, "1381234") {
		t.Fatalf("sealed %q %v", sealed, err)
	}
	if _, err := old.Open(sealed, "report/2/phone"); err == nil {
		t.Fatal("opened with another record's AAD")
	}
	if _, err := old.Open(sealed, "report/1/name"); err == nil {
		t.Fatal("opened as another field")
	}
	rotated, _ := NewKeys(testSecret(2), testSecret(1))
	if pt, err := rotated.Open(sealed, "report/1/phone"); err != nil || pt != "13812345678" {
		t.Fatalf("rotated key cannot open old data: %q %v", pt, err)
	}
	fresh, _ := rotated.Seal("x", "a")
	if !strings.HasPrefix(fresh, KeyID(testSecret(2))+":") {
		t.Fatalf("new data not sealed with the current key: %s", fresh)
	}
	if _, err := old.Open(fresh, "a"); err == nil {
		t.Fatal("old ring opened data of a key it does not hold")
	}
}
