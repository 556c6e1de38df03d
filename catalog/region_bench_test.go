package catalog

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"sunlight/internal/testdb"
)

// regionsDir is the national region files: SUNLIGHT_REGIONS_DIR (make bench
// sets it) or ../shared/data/regions beside the repository.
func regionsDir(b *testing.B) string {
	dir := os.Getenv("SUNLIGHT_REGIONS_DIR")
	if dir == "" {
		dir = filepath.Join("..", "..", "shared", "data", "regions")
	}
	if _, err := os.Stat(filepath.Join(dir, "villages.csv")); err != nil {
		b.Fatalf("national region files not found in %s (set SUNLIGHT_REGIONS_DIR): %v", dir, err)
	}
	return dir
}

// BenchmarkImportRegions imports the whole national tree (31 provinces …
// 620,573 villages) into a fresh database and reports rows/s and the peak
// Go heap during the import. Run with `make bench BENCH=ImportRegions`.
func BenchmarkImportRegions(b *testing.B) {
	dir := regionsDir(b)
	for _, kind := range []string{"sqlite", "mysql"} {
		b.Run(kind, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				db := testdb.Open(b, kind)
				testdb.Setup(b, db, Migrate)
				runtime.GC()
				stop, peak := samplePeakHeap()
				b.StartTimer()
				start := time.Now()
				n, err := ImportRegions(context.Background(), db, os.DirFS(dir), nil)
				elapsed := time.Since(start)
				b.StopTimer()
				stop()
				if err != nil {
					b.Fatal(err)
				}
				var count int64
				db.Model(&Region{}).Count(&count)
				if count != int64(n) || n < 665_000 {
					b.Fatalf("imported %d rows, table holds %d", n, count)
				}
				b.ReportMetric(float64(n)/elapsed.Seconds(), "rows/s")
				b.ReportMetric(elapsed.Seconds(), "s/import")
				b.ReportMetric(float64(peak())/(1<<20), "peak-heap-MiB")
				b.ReportMetric(float64(maxRSS())/(1<<10), "maxrss-MiB")
				b.StartTimer()
			}
		})
	}
}

// samplePeakHeap samples the live heap every 5 ms until stopped.
func samplePeakHeap() (stop func(), peak func() uint64) {
	var max atomic.Uint64
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > max.Load() {
				max.Store(ms.HeapInuse)
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() { close(done); <-finished }, max.Load
}

// maxRSS is the process's peak resident set in KiB (Linux).
func maxRSS() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Maxrss
}
