package search_test

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sunlight/search"
	"sunlight/search/searchtest"
)

func newEmbedded(t *testing.T) search.Index {
	idx, err := search.OpenEmbedded(filepath.Join(t.TempDir(), "search"), nil)
	if err != nil {
		t.Fatal(err)
	}
	return idx
}

// TestEmbedded runs the shared table on the default backend.
func TestEmbedded(t *testing.T) { searchtest.Run(t, newEmbedded) }

// A second process opening the same folder fails clearly instead of
// hanging.
func TestEmbeddedInUse(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "search")
	a, err := search.OpenEmbedded(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	start := time.Now()
	if _, err := search.OpenEmbedded(dir, nil); err == nil || !strings.Contains(err.Error(), "another portal process") {
		t.Errorf("second open: %v", err)
	}
	if time.Since(start) > 10*time.Second {
		t.Errorf("second open took %s", time.Since(start))
	}
}
