package search

import (
	"errors"
	"fmt"
	"hash/fnv"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"sync"

	"github.com/blevesearch/bleve/v2"
)

// shards is one embedded index folder: n bleve indexes (s0, s1, …), each
// holding the documents whose id hashes to it; a search reads the
// segments of all of them. Writes to different shards run in parallel, so
// building an index uses every core.
type shards struct {
	parts []bleve.Index
}

// shardCount is how many shards a new index gets: one per core, at most 8.
var shardCount = func() int { return min(max(runtime.GOMAXPROCS(0), 1), 8) }

// builderBatch is how many documents make one segment in a bulk build;
// builderMergeMax how many segments one merge step of it takes (all of
// them, at a million documents: one pass).
var (
	builderBatch    = 2500
	builderMergeMax = 256
)

func shardDir(path string, i int) string { return filepath.Join(path, "s"+strconv.Itoa(i)) }

// shardOf picks the shard of a document id.
func shardOf(id string, n int) int {
	if n == 1 {
		return 0
	}
	h := fnv.New32a()
	_, _ = h.Write([]byte(id))
	return int(h.Sum32() % uint32(n))
}

// createShards makes an empty index folder of n shards.
func createShards(path string, n int) error {
	for i := 0; i < n; i++ {
		idx, err := bleve.New(shardDir(path, i), indexMapping())
		if err != nil {
			return fmt.Errorf("create search index: %w", err)
		}
		err = idx.SetInternal(formatKey, []byte(indexFormat))
		if cerr := idx.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("create search index: %w", err)
		}
	}
	return nil
}

// errOldFormat says an index folder was written by an older portal.
var errOldFormat = errors.New("search index of an older format")

// openShards opens the shards of an index folder, failing after a moment
// rather than waiting for ever when another process holds them.
func openShards(path string) (*shards, error) {
	var parts []bleve.Index
	fail := func(err error) (*shards, error) {
		for _, p := range parts {
			_ = p.Close()
		}
		return nil, err
	}
	for i := 0; ; i++ {
		dir := shardDir(path, i)
		if _, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) {
			break
		}
		idx, err := bleve.OpenUsing(dir, map[string]any{"bolt_timeout": "3s"})
		if err != nil {
			return fail(fmt.Errorf("open search index %s (is another portal process using the same SUNLIGHT_DATA_DIR? each needs its own, or use Meilisearch): %w", dir, err))
		}
		parts = append(parts, idx)
		if v, _ := idx.GetInternal(formatKey); string(v) != indexFormat {
			return fail(errOldFormat)
		}
	}
	if len(parts) == 0 {
		return nil, errOldFormat
	}
	return &shards{parts: parts}, nil
}

// batches returns an empty batch per shard; add to a document's batch
// with forID, then apply them.
func (s *shards) batches() []*bleve.Batch {
	bs := make([]*bleve.Batch, len(s.parts))
	for i, p := range s.parts {
		bs[i] = p.NewBatch()
	}
	return bs
}

// forID is the batch of the shard that holds id.
func forID(bs []*bleve.Batch, id string) *bleve.Batch { return bs[shardOf(id, len(bs))] }

// apply runs the non-empty batches, the shards in parallel, and returns
// their errors joined.
func (s *shards) apply(bs []*bleve.Batch) error {
	errs := make([]error, len(s.parts))
	var wg sync.WaitGroup
	for i, idx := range s.parts {
		if bs[i].Size() == 0 {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = idx.Batch(bs[i])
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

func (s *shards) close() error {
	var errs []error
	for _, p := range s.parts {
		errs = append(errs, p.Close())
	}
	return errors.Join(errs...)
}

func (s *shards) count() (uint64, error) {
	var n uint64
	for _, p := range s.parts {
		c, err := p.DocCount()
		if err != nil {
			return 0, err
		}
		n += c
	}
	return n, nil
}

// bulk writes a new index folder with bleve's offline builder, one builder
// (and goroutine) per shard: each builds its segments and merges them into
// one, which is several times faster than batches into a live index and
// leaves the index in the shape searches read fastest.
type bulk struct {
	e     *Embedded
	path  string
	feeds []chan Document
	built []bool // written by the shard's goroutine, read after wg.Wait
	seen  map[string]bool
	wg    sync.WaitGroup
	gc    int

	mu   sync.Mutex
	errs []error
}

func (b *bulk) fail(err error) {
	b.mu.Lock()
	b.errs = append(b.errs, err)
	b.mu.Unlock()
}

func (b *bulk) err() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return errors.Join(b.errs...)
}

func (e *Embedded) newBulk(path string, n int) (*bulk, error) {
	if err := os.MkdirAll(path, 0o750); err != nil {
		return nil, fmt.Errorf("search index folder: %w", err)
	}
	b := &bulk{e: e, path: path, feeds: make([]chan Document, n), built: make([]bool, n), seen: map[string]bool{}}
	// Building allocates much short-lived memory; collecting less often
	// while it runs saves a sixth of the work.
	b.gc = debug.SetGCPercent(400)
	for i := range b.feeds {
		b.feeds[i] = make(chan Document, 1024)
		b.wg.Add(1)
		go func() {
			defer b.wg.Done()
			var bld bleve.Builder
			failed := false
			for d := range b.feeds[i] {
				if failed {
					continue // drain
				}
				if bld == nil { // a builder cannot close empty: make it on the first document
					var err error
					bld, err = bleve.NewBuilder(shardDir(path, i), indexMapping(), map[string]any{
						"batchSize": builderBatch, "mergeMax": builderMergeMax, "buildPathPrefix": path})
					if err != nil {
						b.fail(fmt.Errorf("search index builder: %w", err))
						failed = true
						continue
					}
				}
				if err := bld.Index(d.ID, e.toBleve(&d)); err != nil {
					b.fail(fmt.Errorf("index %s: %w", d.ID, err))
					failed = true
				}
			}
			if bld != nil {
				if err := bld.Close(); err != nil {
					b.fail(fmt.Errorf("search index builder: %w", err))
				}
				b.built[i] = true
			}
		}()
	}
	return b, nil
}

// put hands documents to their shards' builders. A document given twice
// is indexed once (the builder cannot replace).
func (b *bulk) put(docs []Document) error {
	for _, d := range docs {
		if err := d.Normalize(); err != nil {
			return err
		}
		if b.seen[d.ID] {
			continue
		}
		b.seen[d.ID] = true
		b.feeds[shardOf(d.ID, len(b.feeds))] <- d
	}
	return b.err()
}

// finish waits for the builders to merge and close, and opens the new
// index (a shard that received no document is created empty).
func (b *bulk) finish() (*shards, error) {
	for _, f := range b.feeds {
		close(f)
	}
	b.wg.Wait()
	debug.SetGCPercent(b.gc)
	if err := b.err(); err != nil {
		return nil, err
	}
	for i, built := range b.built {
		if !built {
			idx, err := bleve.New(shardDir(b.path, i), indexMapping())
			if err != nil {
				return nil, fmt.Errorf("create search index: %w", err)
			}
			if err := idx.Close(); err != nil {
				return nil, err
			}
		}
	}
	var parts []bleve.Index
	for i := range b.built {
		idx, err := bleve.Open(shardDir(b.path, i))
		if err == nil {
			parts = append(parts, idx)
			err = idx.SetInternal(formatKey, []byte(indexFormat))
		}
		if err != nil {
			for _, p := range parts {
				_ = p.Close()
			}
			return nil, fmt.Errorf("open built search index: %w", err)
		}
	}
	return &shards{parts: parts}, nil
}
