package main

import (
	"bufio"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"sunlight/internal/database"
	"sunlight/internal/testdb"
	"sunlight/report"
)

// benchSecret is the portal's key in the benchmark (hex of 32 bytes).
const benchSecret = "3f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0"

// BenchmarkReportIntake runs the real portal binary on SQLite and on
// MariaDB (sub-benchmarks sqlite and mariadb; the second needs
// SUNLIGHT_TEST_MYSQL_DSN and is skipped without it) and sends it reports
// from 100 concurrent submitters: first for a fixed time
// (SUNLIGHT_BENCH_SECONDS, default 20s) to measure reports/s and latency,
// then again while the server is killed with SIGKILL. Every receipt handed
// out (a 201 fully received) before the kill must be found in the database
// afterwards, with the audit chain intact. Run with
// `make bench BENCH=ReportIntake` (both), or one database with
// `go test -run '^$' -bench 'ReportIntake/sqlite' -benchtime 1x ./cmd/portal/`.
func BenchmarkReportIntake(b *testing.B) {
	dir := b.TempDir()
	bin := filepath.Join(dir, "portal")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		b.Fatalf("build: %v\n%s", err, out)
	}
	b.Run("sqlite", func(b *testing.B) {
		benchIntake(b, bin, "sqlite://"+filepath.Join(b.TempDir(), "sunlight.db"))
	})
	b.Run("mariadb", func(b *testing.B) { benchIntake(b, bin, testdb.MySQLURL(b)) })
}

// benchIntake is BenchmarkReportIntake on the database dsn.
func benchIntake(b *testing.B, bin, dsn string) {
	dir := b.TempDir()
	env := append(os.Environ(), "SUNLIGHT_DB="+dsn, "SUNLIGHT_ADDR=127.0.0.1:0", "SUNLIGHT_DATA_DIR="+dir,
		"SUNLIGHT_SECRET_KEY="+benchSecret, "SUNLIGHT_LOG_LEVEL=error",
		"SUNLIGHT_REPORT_RATE=0") // one client address plays 100 reporters
	const submitters = 100
	measure := envDuration("SUNLIGHT_BENCH_SECONDS", 20*time.Second)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		srv := startPortal(b, bin, env)
		res := flood(srv.url, submitters, measure, nil)
		srv.stop()
		b.ReportMetric(float64(len(res.ledger))/res.elapsed.Seconds(), "reports/s")
		b.ReportMetric(float64(res.pct(50).Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(res.pct(99).Microseconds())/1000, "p99-ms")
		fmt.Printf("intake: %d submitters, %d reports in %s = %.1f reports/s, p50 %s, p99 %s, %d errors\n",
			submitters, len(res.ledger), res.elapsed.Round(time.Millisecond), float64(len(res.ledger))/res.elapsed.Seconds(),
			res.pct(50).Round(time.Millisecond), res.pct(99).Round(time.Millisecond), res.errors)
		if res.errors > 0 {
			fmt.Printf("intake failures by status (0 = no response): %v\n", res.statuses)
		}

		// Crash run: SIGKILL after 10 s of load and at least 50 receipts
		// (at most 90 s in, on a busy machine).
		srv = startPortal(b, bin, env)
		killed := make(chan time.Time, 1)
		crash := flood(srv.url, submitters, 120*time.Second, func(acked func() int) {
			start, after := time.Now(), envDuration("SUNLIGHT_BENCH_KILL_AFTER", 10*time.Second)
			for time.Since(start) < after || (acked() < 50 && time.Since(start) < 90*time.Second) {
				time.Sleep(100 * time.Millisecond)
			}
			_ = srv.cmd.Process.Signal(syscall.SIGKILL)
			killed <- time.Now()
		})
		_ = srv.cmd.Wait()
		<-killed
		found, missing := checkLedger(b, dsn, crash.ledger)
		fmt.Printf("crash: %d receipts handed out before SIGKILL, %d found afterwards, %d missing; %d requests in flight or refused after the kill\n",
			len(crash.ledger), found, missing, crash.errors)
		if missing != 0 || found == 0 {
			b.Fatalf("%d of %d acknowledged receipts lost", missing, len(crash.ledger))
		}
		b.ReportMetric(float64(len(crash.ledger)), "acked-before-kill")
		b.ReportMetric(float64(missing), "lost")
	}
}

func envDuration(name string, def time.Duration) time.Duration {
	if d, err := time.ParseDuration(os.Getenv(name)); err == nil && d > 0 {
		return d
	}
	return def
}

type childPortal struct {
	cmd *exec.Cmd
	url string
}

func (c *childPortal) stop() {
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	_ = c.cmd.Wait()
}

// startPortal runs the binary and waits for /readyz.
func startPortal(b *testing.B, bin string, env []string) *childPortal {
	b.Helper()
	cmd := exec.Command(bin, "serve")
	cmd.Env = env
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	lines := bufio.NewScanner(out)
	addr := ""
	for lines.Scan() {
		if a, ok := strings.CutPrefix(lines.Text(), "Sunlight listening on "); ok {
			addr = a
			break
		}
	}
	go func() { _, _ = io.Copy(io.Discard, out) }()
	if addr == "" {
		_ = cmd.Process.Kill()
		b.Fatal("portal did not start")
	}
	for i := 0; i < 100; i++ {
		if resp, err := http.Get(addr + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return &childPortal{cmd: cmd, url: addr}
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	_ = cmd.Process.Kill()
	b.Fatal("portal not ready")
	return nil
}

type acked struct {
	Receipt    string `json:"receipt"`
	TrackingNo string `json:"tracking_no"`
}

type floodResult struct {
	ledger    []acked
	latencies []time.Duration
	errors    int
	statuses  map[int]int // failed requests by status (0: no response)
	elapsed   time.Duration
}

func (r *floodResult) pct(p int) time.Duration {
	if len(r.latencies) == 0 {
		return 0
	}
	sort.Slice(r.latencies, func(i, j int) bool { return r.latencies[i] < r.latencies[j] })
	return r.latencies[(len(r.latencies)-1)*p/100]
}

var benchVillages = []string{"210124101201", "210124101202", "210115002001", "210124102201", "210115001002"}

// flood runs n submitters for d (or until the server dies, when during
// is set: it runs alongside and kills the server).
func flood(base string, n int, d time.Duration, during func(acked func() int)) *floodResult {
	res := &floodResult{statuses: map[int]int{}}
	var mu sync.Mutex
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: n}}
	start := time.Now()
	var wg sync.WaitGroup
	if during != nil {
		acked := func() int { mu.Lock(); defer mu.Unlock(); return len(res.ledger) }
		go func() { during(acked); time.Sleep(500 * time.Millisecond); cancel() }()
	}
	for w := 0; w < n; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := 0; ctx.Err() == nil; k++ {
				body := fmt.Sprintf(`{"subject":"village:%s","problem_type":"subsidy","description":"压力测试第%d-%d件：低保评定不公开。","anonymous":true,"submission_token":"bench-%03d-%08d-xxxxxxxx"}`,
					benchVillages[(w+k)%len(benchVillages)], w, k, w, k)
				t0 := time.Now()
				resp, err := client.Post(base+"/api/v1/reports", "application/json", strings.NewReader(body))
				if err != nil {
					mu.Lock()
					res.errors++
					res.statuses[0]++
					mu.Unlock()
					if during != nil {
						time.Sleep(50 * time.Millisecond)
					}
					continue
				}
				raw, rerr := io.ReadAll(resp.Body)
				resp.Body.Close()
				var a acked
				ok := rerr == nil && resp.StatusCode == http.StatusCreated && json.Unmarshal(raw, &a) == nil && a.Receipt != ""
				mu.Lock()
				if ok {
					res.ledger = append(res.ledger, a)
					res.latencies = append(res.latencies, time.Since(t0))
				} else {
					res.errors++
					res.statuses[resp.StatusCode]++
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	res.elapsed = time.Since(start)
	return res
}

// checkLedger looks every acknowledged receipt up in the database, as a
// reporter would, and verifies the audit chain.
func checkLedger(b *testing.B, dsn string, ledger []acked) (found, missing int) {
	b.Helper()
	target, err := database.ParseTarget(dsn, "")
	if err != nil {
		b.Fatal(err)
	}
	db, err := database.Open(context.Background(), target, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer database.Close(db)
	keyBytes, err := hex.DecodeString(benchSecret)
	if err != nil {
		b.Fatal(err)
	}
	svc, err := report.New(db, keyBytes, report.Options{})
	if err != nil {
		b.Fatal(err)
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	work := make(chan acked)
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for a := range work {
				t, err := svc.Lookup(context.Background(), a.Receipt)
				mu.Lock()
				if err == nil && t.TrackingNo == a.TrackingNo {
					found++
				} else {
					missing++
					b.Errorf("receipt for %s not found after the kill: %v", a.TrackingNo, err)
				}
				mu.Unlock()
			}
		}()
	}
	for _, a := range ledger {
		work <- a
	}
	close(work)
	wg.Wait()
	if n, err := report.VerifyChain(context.Background(), db); err != nil {
		b.Fatalf("audit chain after the kill (%d events): %v", n, err)
	}
	return found, missing
}
