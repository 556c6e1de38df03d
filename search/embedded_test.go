package search_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2"

	"sunlight/search"
	"sunlight/search/searchtest"
)

func newEmbedded(t *testing.T) search.Index {
	return openEmbedded(t, filepath.Join(t.TempDir(), "search"))
}

// openEmbedded opens the embedded index in dir.
func openEmbedded(t *testing.T, dir string) *search.Embedded {
	t.Helper()
	idx, err := search.OpenEmbedded(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	return idx
}

// TestEmbedded runs the shared table on the default backend: with one
// shard and with three, filled by live batches, and filled first by a
// rebuild (bleve's offline builder) and then changed by live batches.
func TestEmbedded(t *testing.T) {
	for _, shards := range []int{1, 3} {
		t.Run(fmt.Sprintf("shards=%d", shards), func(t *testing.T) {
			search.SetShardsForTest(t, shards)
			searchtest.Run(t, newEmbedded)
		})
	}
	t.Run("rebuilt", func(t *testing.T) {
		search.SetShardsForTest(t, 3)
		searchtest.Run(t, func(t *testing.T) search.Index { return &rebuiltFirst{Embedded: newEmbedded(t).(*search.Embedded)} })
	})
}

// rebuiltFirst fills the index with its first Put through Rebuild.
type rebuiltFirst struct {
	*search.Embedded
	filled bool
}

func (r *rebuiltFirst) Put(ctx context.Context, docs ...search.Document) error {
	if r.filled {
		return r.Embedded.Put(ctx, docs...)
	}
	r.filled = true
	return r.Rebuild(ctx, func(put func(...search.Document) error) error { return put(docs...) })
}

// A rebuild indexes a document given twice once, and an index written by
// an older portal is replaced by an empty one under a new identity (which
// the syncer then fills whole).
func TestEmbeddedRebuildAndFormat(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "search")
	search.SetShardsForTest(t, 4)
	idx := openEmbedded(t, dir)
	docs := searchtest.Fixture()
	err := idx.Rebuild(ctx, func(put func(...search.Document) error) error {
		if err := put(docs...); err != nil {
			return err
		}
		return put(docs[0], docs[1])
	})
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := idx.Count(); n != uint64(len(docs)) {
		t.Errorf("count after rebuild = %d, want %d", n, len(docs))
	}
	if res, err := idx.Search(ctx, search.Query{Text: "低保"}); err != nil || res.Total != 3 {
		t.Errorf("search after rebuild: %+v %v", res, err)
	}
	id := idx.Identity()
	if !strings.HasSuffix(id, "/f2") {
		t.Errorf("identity %q does not name the format", id)
	}
	if err := idx.Close(); err != nil {
		t.Fatal(err)
	}

	// An index of the first format: one bleve index in the folder.
	old := filepath.Join(dir, "idx-old")
	bi, err := bleve.New(old, bleve.NewIndexMapping())
	if err != nil {
		t.Fatal(err)
	}
	if err := bi.Index("disclosure:1", map[string]string{"title": "低保"}); err != nil {
		t.Fatal(err)
	}
	if err := bi.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "CURRENT"), []byte("idx-old\n"), 0o640); err != nil {
		t.Fatal(err)
	}
	idx = openEmbedded(t, dir)
	defer idx.Close()
	if n, _ := idx.Count(); n != 0 {
		t.Errorf("an old-format index was kept: %d documents", n)
	}
	if _, err := os.Stat(old); !os.IsNotExist(err) {
		t.Errorf("old index folder still there: %v", err)
	}
	if got := idx.Identity(); got != id {
		t.Errorf("identity changed within one format: %q then %q", id, got)
	}
}

// A second process opening the same folder fails clearly instead of
// hanging.
func TestEmbeddedInUse(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "search")
	a := openEmbedded(t, dir)
	defer a.Close()
	start := time.Now()
	if _, err := search.OpenEmbedded(dir, nil); err == nil || !strings.Contains(err.Error(), "another portal process") {
		t.Errorf("second open: %v", err)
	}
	if time.Since(start) > 10*time.Second {
		t.Errorf("second open took %s", time.Since(start))
	}
}

// Concurrent searches give exactly what the same searches give one at a
// time (stored fields are read from buffers bleve reuses).
func TestEmbeddedConcurrentSearches(t *testing.T) {
	ctx := context.Background()
	search.SetShardsForTest(t, 2)
	idx := newEmbedded(t)
	defer idx.Close()
	villages := []searchtest.Village{{Code: "210124101201", Name: "大孤家子村"}, {Code: "210124102201", Name: "王家村"},
		{Code: "210115001001", Name: "新民屯村"}, {Code: "420202001001", Name: "李家湾村"}}
	docs := generated(villages, 3000, 1)
	if err := idx.Put(ctx, docs...); err != nil {
		t.Fatal(err)
	}
	queries := []search.Query{{Text: "低保"}, {Text: "工程", Region: "2101"}, {Text: "王家村"}, {Text: "处理", Sort: search.SortDate},
		{Text: "2024 低保"}, {Region: "420202", PerPage: 50}, {Text: "村务公开", Page: 3}}
	want := make([]string, len(queries))
	for i, q := range queries {
		res, err := idx.Search(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		want[i] = fmt.Sprint(res.Total, res.Hits, res.Facets)
	}
	var wg sync.WaitGroup
	for g := 0; g < 16; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 40; i++ {
				k := (g + i) % len(queries)
				res, err := idx.Search(ctx, queries[k])
				if err != nil {
					t.Error(err)
					return
				}
				if got := fmt.Sprint(res.Total, res.Hits, res.Facets); got != want[k] {
					t.Errorf("%+v: concurrent answer differs", queries[k])
					return
				}
			}
		}()
	}
	wg.Wait()
}

// Facet counts over many hits (counted through the per-segment maps, on
// live segments and with deletions) equal counting the documents.
func TestEmbeddedFacetsAtScale(t *testing.T) {
	ctx := context.Background()
	search.SetShardsForTest(t, 2)
	idx := newEmbedded(t)
	defer idx.Close()
	villages := []searchtest.Village{{Code: "210124101201", Name: "大孤家子村"}, {Code: "210124102201", Name: "王家村"},
		{Code: "210124103202", Name: "新民屯村"}, {Code: "420202001001", Name: "李家湾村"}}
	docs := generated(villages, 4000, 3)
	for i := 0; i < len(docs); i += 500 { // several live segments
		if err := idx.Put(ctx, docs[i:i+500]...); err != nil {
			t.Fatal(err)
		}
	}
	var gone []string
	for _, d := range docs[:300] {
		gone = append(gone, d.ID)
	}
	if err := idx.Delete(ctx, gone...); err != nil {
		t.Fatal(err)
	}
	want := map[string]map[string]int{search.FacetType: {}, search.FacetYear: {}, search.FacetKind: {}, search.FacetDept: {}}
	total := 0
	for _, d := range docs[300:] {
		if !strings.HasPrefix(d.RegionCode, "210124") || !strings.Contains(d.Title+d.Body, "公开") {
			continue
		}
		total++
		want[search.FacetType][d.Type]++
		want[search.FacetYear][fmt.Sprint(d.Year)]++
		want[search.FacetKind][d.Kind]++
		want[search.FacetDept][d.DeptCode]++
	}
	res, err := idx.Search(ctx, search.Query{Text: "公开", Region: "210124", PerPage: 1})
	if err != nil {
		t.Fatal(err)
	}
	if res.Total != total || total < 500 {
		t.Fatalf("total %d, want %d (and over 500)", res.Total, total)
	}
	for name, w := range want {
		got := map[string]int{}
		for _, v := range res.Facets[name] {
			got[v.Value] = v.Count
		}
		if fmt.Sprint(got) != fmt.Sprint(w) {
			t.Errorf("facet %s = %v, want %v", name, got, w)
		}
	}
}

// Searches while rebuilds replace the index keep answering, from the old
// index or the new one.
func TestEmbeddedSearchDuringRebuild(t *testing.T) {
	ctx := context.Background()
	search.SetShardsForTest(t, 2)
	idx := newEmbedded(t).(*search.Embedded)
	defer idx.Close()
	docs := searchtest.Fixture()
	if err := idx.Put(ctx, docs...); err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var searches atomic.Int64
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				res, err := idx.Search(ctx, search.Query{Text: "低保"})
				if err != nil {
					t.Errorf("search during rebuild: %v", err)
					return
				}
				if res.Total != 3 {
					t.Errorf("search during rebuild: %d hits", res.Total)
					return
				}
				searches.Add(1)
			}
		}()
	}
	for i := 0; i < 5; i++ {
		if err := idx.Rebuild(ctx, func(put func(...search.Document) error) error { return put(docs...) }); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	wg.Wait()
	if searches.Load() == 0 {
		t.Error("no search ran during the rebuilds")
	}
}

// generated is n documents over villages (searchtest.Generate's templates).
func generated(villages []searchtest.Village, n int, seed uint64) []search.Document {
	docs := make([]search.Document, 0, n)
	_ = searchtest.Generate(villages, n, seed, func(d search.Document) error { docs = append(docs, d); return nil })
	return docs
}
