package main

import (
	"bytes"
	"encoding/hex"
	"image"
	"image/jpeg"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"sunlight/report"
)

// TestServeSealsPlainPhotos: a photo an earlier version stored in plain
// form is sealed in place by the time serve listens, under the configured
// key and bound to its name.
func TestServeSealsPlainPhotos(t *testing.T) {
	data := t.TempDir()
	uploads := filepath.Join(data, "uploads")
	if err := os.MkdirAll(uploads, 0o750); err != nil {
		t.Fatal(err)
	}
	var plain bytes.Buffer
	if err := jpeg.Encode(&plain, image.NewGray(image.Rect(0, 0, 8, 8)), nil); err != nil {
		t.Fatal(err)
	}
	name := report.RandomName() + ".jpg"
	if err := os.WriteFile(filepath.Join(uploads, name), plain.Bytes(), 0o640); err != nil {
		t.Fatal(err)
	}
	key := bytes.Repeat([]byte{7}, 32)
	base, stop := startServer(t, map[string]string{"SUNLIGHT_ADDR": "127.0.0.1:0", "SUNLIGHT_DATA_DIR": data,
		"SUNLIGHT_LOG_LEVEL": "warn", "SUNLIGHT_SECRET_KEY": hex.EncodeToString(key)})
	raw, err := os.ReadFile(filepath.Join(uploads, name))
	if err != nil || !report.IsSealed(raw) {
		t.Fatalf("photo not sealed at start: %v", err)
	}
	keys, _ := report.NewKeys(key)
	if got, err := keys.OpenBytes(raw, "report-photo/"+name); err != nil || !bytes.Equal(got, plain.Bytes()) {
		t.Fatalf("sealed photo does not open to the original: %v", err)
	}
	// A request first: stopping serve the instant it listens can hang
	// (fasthttp shut down before it serves; seen in this test, not fixed here).
	if resp, err := http.Get(base + "/readyz"); err != nil || resp.Body.Close() != nil {
		t.Fatal(err)
	}
	if code := stop(); code != 0 {
		t.Fatalf("exit code %d", code)
	}
}
