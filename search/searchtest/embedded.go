package searchtest

import (
	"context"
	"path/filepath"
	"testing"

	"sunlight/search"
)

// Embedded is a fresh embedded index in a temporary directory, with syn's
// synonyms (nil: none) and holding docs, closed when the test ends.
func Embedded(t testing.TB, syn *search.Synonyms, docs ...search.Document) *search.Embedded {
	t.Helper()
	idx, err := search.OpenEmbedded(filepath.Join(t.TempDir(), "search"), syn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = idx.Close() })
	if len(docs) > 0 {
		if err := idx.Put(context.Background(), docs...); err != nil {
			t.Fatal(err)
		}
	}
	return idx
}
