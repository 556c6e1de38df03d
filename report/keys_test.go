package report

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"
)

// TestSealBytes: sealed bytes open only with the same additional data and
// an untouched header and body, and a rotated ring still opens them.
func TestSealBytes(t *testing.T) {
	old, _ := NewKeys(testSecret(1))
	plain := testJPEG(t, 8, 8, 0)
	sealed, err := old.SealBytes(plain, "report-photo/a.jpg")
	if err != nil {
		t.Fatal(err)
	}
	if !IsSealed(sealed) || bytes.Contains(sealed, plain[:16]) {
		t.Fatalf("not sealed: % x", sealed[:16])
	}
	if got, err := old.OpenBytes(sealed, "report-photo/a.jpg"); err != nil || !bytes.Equal(got, plain) {
		t.Fatalf("open: %v", err)
	}
	bad := map[string][]byte{"plain image": plain, "empty": nil, "cut short": sealed[:20]}
	for i, what := range map[int]string{6: "version", 8: "key id", 20: "nonce", len(sealed) - 1: "tag"} {
		b := slices.Clone(sealed)
		b[i] ^= 1
		bad["changed "+what] = b
	}
	for what, b := range bad {
		if _, err := old.OpenBytes(b, "report-photo/a.jpg"); !errors.Is(err, ErrSealed) {
			t.Errorf("%s: %v, want ErrSealed", what, err)
		}
	}
	if _, err := old.OpenBytes(sealed, "report-photo/b.jpg"); !errors.Is(err, ErrSealed) {
		t.Fatalf("opened under another name: %v", err)
	}
	rotated, _ := NewKeys(testSecret(2), testSecret(1))
	if got, err := rotated.OpenBytes(sealed, "report-photo/a.jpg"); err != nil || !bytes.Equal(got, plain) {
		t.Fatalf("rotated ring cannot open the old key's bytes: %v", err)
	}
	fresh, _ := rotated.SealBytes(plain, "x")
	if !bytes.HasPrefix(fresh, append([]byte("SLSEAL\x01\x08"), KeyID(testSecret(2))...)) {
		t.Fatalf("new bytes not sealed with the current key: %q", fresh[:16])
	}
	if _, err := old.OpenBytes(fresh, "x"); !errors.Is(err, ErrSealed) || !strings.Contains(err.Error(), KeyID(testSecret(2))) {
		t.Fatalf("old ring on the new key's bytes: %v", err)
	}
}
