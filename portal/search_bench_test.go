package portal

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"gorm.io/gorm"

	"sunlight/catalog"
	"sunlight/internal/testdb"
	"sunlight/search"
	"sunlight/search/searchtest"
)

var (
	benchDocs     = flag.Int("search.docs", 1_000_000, "disclosures to generate for BenchmarkSearch")
	benchClients  = flag.Int("search.clients", 32, "concurrent HTTP clients")
	benchDuration = flag.Duration("search.duration", 20*time.Second, "how long each load phase runs")
	benchDB       = flag.String("search.db", "sqlite", "database for the LIKE baseline: sqlite or mysql")
	benchCache    = flag.Bool("search.cache", true, "put the result cache in front of the index, as serve does")
)

// BenchmarkSearch builds an embedded index of generated village
// disclosures (from the real village list in SUNLIGHT_REGIONS_DIR), then
// measures /api/v1/search under concurrent clients against a plain
// SELECT ... LIKE '%q%' over the same rows. Run it with make bench, or:
//
//	SUNLIGHT_REGIONS_DIR=../shared/data/regions go test -run '^$' -bench BenchmarkSearch -benchtime 1x -timeout 60m ./portal/ -args -search.docs=1000000
func BenchmarkSearch(b *testing.B) {
	dir := os.Getenv("SUNLIGHT_REGIONS_DIR")
	if dir == "" {
		b.Skip("SUNLIGHT_REGIONS_DIR is not set (make bench sets it to ../shared/data/regions)")
	}
	villages, err := searchtest.LoadVillages(filepath.Join(dir, "villages.csv"))
	if err != nil {
		b.Fatal(err)
	}
	n := *benchDocs
	docs := make([]search.Document, 0, n)
	_ = searchtest.Generate(villages, n, 2026, func(d search.Document) error {
		if err := d.Normalize(); err != nil {
			return err
		}
		docs = append(docs, d)
		return nil
	})
	fmt.Printf("search bench: %d disclosures over %d real villages, GOMAXPROCS=%d\n", n, len(villages), runtime.GOMAXPROCS(0))

	idx, err := search.OpenEmbedded(filepath.Join(b.TempDir(), "search"), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer idx.Close()
	rate := buildIndex(b, idx, docs)
	b.ReportMetric(rate, "docs/s")

	db := testdb.Open(b, *benchDB)
	testdb.Setup(b, db, catalog.Migrate)
	fillBaseline(b, db, docs)

	var engine search.Index = idx
	cache := search.NewCache(idx, 0, 0)
	if *benchCache {
		engine = cache
	}
	s := newServer(b, Config{DB: db, BaseURL: "http://127.0.0.1", SecretKey: make([]byte, 32), DataDir: b.TempDir(), Search: engine})
	base := serveLoopback(b, s.App())
	mix := newQueryMix(villages, docs)
	docs = nil
	runtime.GC()

	api := runLoad(b, "GET /api/v1/search", func(client *http.Client, r *rand.Rand) error {
		return getJSON(client, base+"/api/v1/search?"+mix.pick(r).Encode())
	})
	b.ReportMetric(api.p(50), "p50_ms")
	b.ReportMetric(api.p(95), "p95_ms")
	b.ReportMetric(api.p(99), "p99_ms")
	b.ReportMetric(api.rps, "req/s")
	if *benchCache {
		fmt.Printf("result cache: %s\n", cache.Stats())
	}

	likeBase := serveLoopbackHTTP(b, likeHandler(db))
	like := runLoad(b, "LIKE baseline", func(client *http.Client, r *rand.Rand) error {
		return getJSON(client, likeBase+"/like?"+mix.pick(r).Encode())
	})
	b.ReportMetric(like.p(95), "like_p95_ms")
	b.ReportMetric(like.rps, "like_req/s")
}

// buildIndex builds the index as portal reindex does (Rebuild: one
// offline builder per shard), fed in batches as the database source feeds
// it.
func buildIndex(b *testing.B, idx *search.Embedded, docs []search.Document) float64 {
	const batch = 5000
	start, cpu0 := time.Now(), cpuTime()
	err := idx.Rebuild(context.Background(), func(put func(docs ...search.Document) error) error {
		for i := 0; i < len(docs); i += batch {
			if err := put(docs[i:min(i+batch, len(docs))]...); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	el, cpu := time.Since(start), cpuTime()-cpu0
	count, _ := idx.Count()
	rate := float64(len(docs)) / el.Seconds()
	fmt.Printf("index: %d documents in %s = %.0f docs/s (index holds %d); %.0f CPU-s used = %.0f docs per CPU-second; load average now %s\n",
		len(docs), el.Round(time.Millisecond), rate, count, cpu.Seconds(), float64(len(docs))/cpu.Seconds(), loadAvg())
	return rate
}

// benchRow is the baseline table: the same rows, searched with LIKE.
type benchRow struct {
	ID          uint64 `gorm:"primaryKey;autoIncrement:false"`
	Title       string `gorm:"size:200;not null"`
	Body        string `gorm:"type:text;not null"`
	VillageCode string `gorm:"size:12;not null;index"`
	Kind        string `gorm:"size:16;not null"`
	Year        int    `gorm:"not null"`
	PublishedAt time.Time
}

func (benchRow) TableName() string { return "bench_disclosures" }

func fillBaseline(b *testing.B, db *gorm.DB, docs []search.Document) {
	if err := db.AutoMigrate(&benchRow{}); err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	rows := make([]benchRow, 0, 1000)
	flush := func() {
		if err := db.CreateInBatches(rows, 500).Error; err != nil {
			b.Fatal(err)
		}
		rows = rows[:0]
	}
	for i, d := range docs {
		rows = append(rows, benchRow{ID: uint64(i + 1), Title: d.Title, Body: d.Body, VillageCode: d.RegionCode, Kind: d.Kind, Year: d.Year, PublishedAt: d.Date})
		if len(rows) == cap(rows) {
			flush()
		}
	}
	if len(rows) > 0 {
		flush()
	}
	fmt.Printf("baseline table: %d rows written in %s\n", len(docs), time.Since(start).Round(time.Millisecond))
}

// likeHandler answers what /api/v1/search answers (a count and a page of
// ten) with plain LIKE '%q%' over title and body.
func likeHandler(db *gorm.DB) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v := r.URL.Query()
		q := db.WithContext(r.Context()).Model(&benchRow{})
		for _, t := range search.Terms(v.Get("q")) {
			q = q.Where("(title LIKE ? OR body LIKE ?)", "%"+t+"%", "%"+t+"%")
		}
		if reg := v.Get("region"); reg != "" {
			q = q.Where("village_code LIKE ?", reg+"%")
		}
		if y := v.Get("year"); y != "" {
			q = q.Where("year = ?", y)
		}
		var total int64
		if err := q.Session(&gorm.Session{}).Count(&total).Error; err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		page, _ := strconv.Atoi(v.Get("page"))
		var rows []benchRow
		if err := q.Order("published_at DESC").Offset(max(page-1, 0) * 10).Limit(10).Find(&rows).Error; err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"total": total, "hits": rows})
	})
}

func serveLoopback(b *testing.B, app interface{ Listener(net.Listener) error }) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	go func() { _ = app.Listener(ln) }()
	b.Cleanup(func() { _ = ln.Close() })
	return "http://" + ln.Addr().String()
}

func serveLoopbackHTTP(b *testing.B, h http.Handler) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	b.Cleanup(func() { _ = srv.Close() })
	return "http://" + ln.Addr().String()
}

// queryMix is what people type: common subjects and abbreviations, a
// village's own name, sometimes narrowed to a county or town, a year or a
// type, sometimes newest first or the next page.
type queryMix struct {
	terms    []string
	weights  []int
	villages []search.Document
	total    int
}

func newQueryMix(villages []searchtest.Village, docs []search.Document) *queryMix {
	m := &queryMix{}
	for _, tw := range []struct {
		t string
		w int
	}{{"低保", 10}, {"最低生活保障", 3}, {"危房改造", 5}, {"危改", 2}, {"工程", 6}, {"在建工程", 3}, {"三资", 4},
		{"五保", 2}, {"特困人员供养", 2}, {"宅基地", 4}, {"鱼塘", 3}, {"处理", 3}, {"惠农补贴", 3}, {"四议两公开", 2},
		{"2024 低保", 3}, {"村道硬化", 3}, {"财务公开", 3}, {"@village", 10}} {
		m.terms = append(m.terms, tw.t)
		m.weights = append(m.weights, tw.w)
		m.total += tw.w
	}
	r := rand.New(rand.NewPCG(7, 7))
	for i := 0; i < 2000; i++ { // villages that have documents, with their codes
		m.villages = append(m.villages, docs[r.IntN(len(docs))])
	}
	_ = villages
	return m
}

func (m *queryMix) pick(r *rand.Rand) url.Values {
	v := url.Values{}
	x := r.IntN(m.total)
	term := m.terms[len(m.terms)-1]
	for i, w := range m.weights {
		if x < w {
			term = m.terms[i]
			break
		}
		x -= w
	}
	d := m.villages[r.IntN(len(m.villages))]
	if term == "@village" {
		term = trimVillage(d.Title)
	}
	v.Set("q", term)
	switch p := r.IntN(100); {
	case p < 15:
		v.Set("region", d.RegionCode[:6]) // a county
	case p < 25:
		v.Set("region", d.RegionCode[:9]) // a town
	case p < 30:
		v.Set("region", d.RegionCode[:4])
	}
	if r.IntN(10) == 0 {
		v.Set("year", strconv.Itoa(2019+r.IntN(7)))
	}
	if r.IntN(10) == 0 {
		v.Set("sort", "date")
	}
	if r.IntN(10) == 0 {
		v.Set("page", "2")
	}
	return v
}

// trimVillage cuts a generated title down to the village's name.
func trimVillage(title string) string {
	rs := []rune(title)
	for i, c := range rs {
		if c >= '0' && c <= '9' || c == '集' || c == '关' {
			return string(rs[:i])
		}
	}
	return string(rs[:min(4, len(rs))])
}

type loadResult struct {
	lat []time.Duration
	rps float64
}

func (l loadResult) p(q int) float64 {
	if len(l.lat) == 0 {
		return 0
	}
	i := min(len(l.lat)-1, len(l.lat)*q/100)
	return float64(l.lat[i].Microseconds()) / 1000
}

// runLoad runs the clients against loopback for the configured time (and
// at most 200,000 requests), closed-loop, and prints the figures.
func runLoad(b *testing.B, name string, do func(*http.Client, *rand.Rand) error) loadResult {
	client := &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: *benchClients}}
	deadline := time.Now().Add(*benchDuration)
	var mu sync.Mutex
	var all []time.Duration
	var errs, count atomic.Int64
	var firstErr atomic.Value
	var wg sync.WaitGroup
	start, cpu0 := time.Now(), cpuTime()
	for c := 0; c < *benchClients; c++ {
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(c), 42))
			var mine []time.Duration
			for time.Now().Before(deadline) && count.Add(1) <= 200_000 {
				t := time.Now()
				if err := do(client, r); err != nil {
					if errs.Add(1) == 1 {
						firstErr.Store(err.Error())
					}
					continue
				}
				mine = append(mine, time.Since(t))
			}
			mu.Lock()
			all = append(all, mine...)
			mu.Unlock()
		}(c)
	}
	wg.Wait()
	el, cpu := time.Since(start), cpuTime()-cpu0
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	res := loadResult{lat: all, rps: float64(len(all)) / el.Seconds()}
	fmt.Printf("%s: %d clients, %d requests in %s, %.0f req/s, p50 %.1f ms, p95 %.1f ms, p99 %.1f ms, errors %d; %.1f ms CPU per request (clients included); load average %s\n",
		name, *benchClients, len(all), el.Round(time.Millisecond), res.rps, res.p(50), res.p(95), res.p(99), errs.Load(),
		float64(cpu.Milliseconds())/float64(max(len(all), 1)), loadAvg())
	if e, ok := firstErr.Load().(string); ok {
		fmt.Printf("first error: %s\n", e)
	}
	// Failed requests (timeouts under overload) are part of the result,
	// printed above, not a failure of the benchmark.
	return res
}

func getJSON(client *http.Client, u string) error {
	resp, err := client.Get(u)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", u, resp.Status)
	}
	return nil
}

// cpuTime is the CPU time this process has used (user + system).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// loadAvg is the machine's 1-minute load average: the machine is shared,
// and the figures mean little without it.
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return "unknown"
	}
	return f[0]
}
