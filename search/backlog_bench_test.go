package search_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sort"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"sunlight/catalog"
	"sunlight/internal/testdb"
	"sunlight/search"
)

// BenchmarkSearchDuringBacklog (security note 50): 10,000 catalog changes wait
// in the outbox; while the syncer drains them, 8 clients keep searching.
// It reports how long the drain took and the search latency meanwhile.
func BenchmarkSearchDuringBacklog(b *testing.B) {
	ctx := context.Background()
	db := testdb.SQLite(b)
	testdb.Setup(b, db, catalog.Migrate, search.Migrate)
	idx, err := search.OpenEmbedded(filepath.Join(b.TempDir(), "search"), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer idx.Close()
	s := &search.Syncer{DB: db, Index: idx, Sources: []search.Source{search.NewCatalogSource(db)}}
	// A first record so that the index is bootstrapped before the backlog.
	seed := func(from, to int) {
		err := db.Transaction(func(tx *gorm.DB) error {
			var subjects []string
			rows := make([]catalog.Disclosure, 0, to-from)
			for i := from; i < to; i++ {
				d := disclosure(uint64(i), fmt.Sprintf("2101241012%02d", i%20+1), catalog.DisclosureDibao,
					fmt.Sprintf("第%d期最低生活保障对象名单", i), "本季度低保金已发放到户，待处理申请两件。")
				rows = append(rows, *d)
				subjects = append(subjects, d.Subject())
			}
			if err := tx.CreateInBatches(rows, 500).Error; err != nil {
				return err
			}
			return catalog.RecordChange(tx, subjects...)
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	seed(1, 1001)
	if _, err := s.SyncOnce(ctx); err != nil {
		b.Fatal(err)
	}
	seed(1001, 11001) // the backlog: 10,000 changes

	var lat []time.Duration
	var mu sync.Mutex
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for c := 0; c < 8; c++ {
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			queries := []string{"低保", "最低生活保障", "处理", "名单"}
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				t := time.Now()
				if _, err := idx.Search(ctx, search.Query{Text: queries[(i+c)%len(queries)], Region: "210124"}); err != nil {
					b.Error(err)
					return
				}
				mu.Lock()
				lat = append(lat, time.Since(t))
				mu.Unlock()
			}
		}(c)
	}
	start := time.Now()
	n, err := s.SyncOnce(ctx)
	drain := time.Since(start)
	close(stop)
	wg.Wait()
	if err != nil || n != 10000 {
		b.Fatalf("applied %d, err %v", n, err)
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	p := func(q int) float64 { return float64(lat[min(len(lat)-1, len(lat)*q/100)].Microseconds()) / 1000 }
	fmt.Printf("backlog: 10000 changes drained in %s (%.0f/s); %d searches meanwhile, p50 %.1f ms, p95 %.1f ms, p99 %.1f ms\n",
		drain.Round(time.Millisecond), 10000/drain.Seconds(), len(lat), p(50), p(95), p(99))
	b.ReportMetric(10000/drain.Seconds(), "changes/s")
	b.ReportMetric(p(95), "search_p95_ms")
}
