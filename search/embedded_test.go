package search_test

import (
	"path/filepath"
	"testing"

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
