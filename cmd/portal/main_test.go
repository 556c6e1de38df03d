package main

import (
	"bufio"
	"bytes"
	"context"
	"flag"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"sunlight/internal/database"
	"sunlight/internal/testdb"
)

// syncBuffer is an io.Writer safe for the server goroutine and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func envOf(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// runCmd runs the program to completion and returns its exit code and output.
func runCmd(t *testing.T, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb syncBuffer
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	code := run(ctx, args, envOf(env), &out, &errb)
	return code, out.String(), errb.String()
}

// eachDB runs fn as the subtests "sqlite" and "mysql", each with its own
// data directory (env's SUNLIGHT_DATA_DIR), warnings-only logging and, on
// mysql, a fresh database in SUNLIGHT_DB (on sqlite the default file in
// the data directory).
func eachDB(t *testing.T, fn func(t *testing.T, env map[string]string)) {
	for _, kind := range []string{"sqlite", "mysql"} {
		t.Run(kind, func(t *testing.T) {
			env := map[string]string{"SUNLIGHT_DATA_DIR": t.TempDir(), "SUNLIGHT_LOG_LEVEL": "warn"}
			if kind == "mysql" {
				env["SUNLIGHT_DB"] = testdb.MySQLURL(t)
			}
			fn(t, env)
		})
	}
}

// demo loads the demo data into env's database.
func demo(t *testing.T, env map[string]string) {
	t.Helper()
	if code, _, stderr := runCmd(t, env, "demo"); code != 0 {
		t.Fatalf("demo: %d %s", code, stderr)
	}
}

// httpGet fetches url from a running server and returns status and body.
func httpGet(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(body)
}

// TestServeEndToEnd boots the real program on a free port, on SQLite and on
// MySQL, checks the home page and /readyz, and shuts it down with a signal
// (context cancellation), expecting a clean exit.
func TestServeEndToEnd(t *testing.T) {
	eachDB(t, func(t *testing.T, env map[string]string) {
		env["SUNLIGHT_ADDR"] = "127.0.0.1:0"
		base, stop := startServer(t, env)
		if code, body := httpGet(t, base+"/readyz"); code != http.StatusOK || !strings.Contains(body, `"database":"ok"`) {
			t.Fatalf("/readyz = %d %s", code, body)
		}
		if code, body := httpGet(t, base+"/"); code != http.StatusOK || !strings.Contains(body, "法库县") {
			t.Fatalf("home page = %d, demo county missing", code)
		}
		if code := stop(); code != 0 {
			t.Fatalf("exit code after shutdown = %d, want 0", code)
		}
	})
}

// startServer runs `serve` in the background and returns its base URL and
// a function that stops it and returns the exit code.
func startServer(t *testing.T, env map[string]string) (string, func() int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	var errb syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"serve"}, envOf(env), pw, &errb)
		pw.Close()
	}()
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "Sunlight listening on ") {
				lines <- strings.TrimPrefix(sc.Text(), "Sunlight listening on ")
			}
		}
	}()
	var base string
	select {
	case base = <-lines:
	case code := <-done:
		cancel()
		t.Fatalf("serve exited with %d before listening: %s", code, errb.String())
	case <-time.After(60 * time.Second):
		cancel()
		t.Fatalf("serve did not start within 60s: %s", errb.String())
	}
	stopped := false
	stop := func() int {
		if stopped {
			return 0
		}
		stopped = true
		cancel()
		select {
		case code := <-done:
			return code
		case <-time.After(30 * time.Second):
			t.Fatal("serve did not stop within 30s of the signal")
		}
		return -1
	}
	t.Cleanup(func() { stop() })
	return base, stop
}

func TestBadConfiguration(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "plainfile")
	if err := os.WriteFile(file, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		env  map[string]string
		want string // the one line must name the variable and say this
	}{
		{"unknown db scheme", map[string]string{"SUNLIGHT_DB": "postgres://u@h/db"}, `SUNLIGHT_DB: unsupported database scheme "postgres"`},
		{"unreachable mysql", map[string]string{"SUNLIGHT_DB": "mysql://u:secretpw@127.0.0.1:1/db"}, "SUNLIGHT_DB: cannot reach MySQL at mysql://u@127.0.0.1:1/db"},
		{"unwritable data dir", map[string]string{"SUNLIGHT_DATA_DIR": filepath.Join(file, "sub")}, "SUNLIGHT_DATA_DIR: cannot create"},
		{"bad address", map[string]string{"SUNLIGHT_ADDR": "localhost"}, "SUNLIGHT_ADDR:"},
		{"bad base url", map[string]string{"SUNLIGHT_BASE_URL": "ftp://x"}, "SUNLIGHT_BASE_URL:"},
		{"bad log level", map[string]string{"SUNLIGHT_LOG_LEVEL": "loud"}, "SUNLIGHT_LOG_LEVEL:"},
		{"bad secret key", map[string]string{"SUNLIGHT_SECRET_KEY": "short"}, "SUNLIGHT_SECRET_KEY: the secret key must be 32 random bytes"},
		{"bad old secret key", map[string]string{"SUNLIGHT_OLD_SECRET_KEYS": strings.Repeat("ab", 32) + ",nothex"},
			"SUNLIGHT_OLD_SECRET_KEYS: key 2: the secret key must be 32 random bytes"},
		{"bad grace", map[string]string{"SUNLIGHT_SHUTDOWN_GRACE": "soon"}, "SUNLIGHT_SHUTDOWN_GRACE:"},
		{"bad proxies", map[string]string{"SUNLIGHT_TRUSTED_PROXIES": "10.0.0.1,nope"}, "SUNLIGHT_TRUSTED_PROXIES:"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			env := map[string]string{"SUNLIGHT_DATA_DIR": t.TempDir(), "SUNLIGHT_ADDR": "127.0.0.1:0"}
			for k, v := range tc.env {
				env[k] = v
			}
			code, _, stderr := runCmd(t, env, "migrate")
			if code == 0 {
				t.Fatal("exit code 0 for bad configuration")
			}
			lines := strings.Split(strings.TrimSpace(stderr), "\n")
			if len(lines) != 1 {
				t.Fatalf("want one line on stderr, got %d:\n%s", len(lines), stderr)
			}
			if !strings.Contains(lines[0], tc.want) {
				t.Fatalf("stderr %q does not contain %q", lines[0], tc.want)
			}
			if strings.Contains(stderr, "secretpw") {
				t.Fatal("the password leaked into the error")
			}
		})
	}
}

func TestUnknownCommand(t *testing.T) {
	code, _, stderr := runCmd(t, nil, "frobnicate")
	if code != 2 || !strings.Contains(stderr, `unknown command "frobnicate"`) {
		t.Fatalf("code %d stderr %q", code, stderr)
	}
}

func TestVersion(t *testing.T) {
	code, out, _ := runCmd(t, nil, "version")
	if code != 0 || !strings.HasPrefix(out, "sunlight ") {
		t.Fatalf("code %d out %q", code, out)
	}
}

func TestSecretKeyIsCreatedOnceAndKept(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"SUNLIGHT_DATA_DIR": dir}
	if code, _, stderr := runCmd(t, env, "migrate"); code != 0 {
		t.Fatalf("migrate: %s", stderr)
	}
	first, err := os.ReadFile(filepath.Join(dir, "secret.key"))
	if err != nil {
		t.Fatal(err)
	}
	st, _ := os.Stat(filepath.Join(dir, "secret.key"))
	if st.Mode().Perm() != 0o600 {
		t.Errorf("secret.key mode %v, want 0600", st.Mode().Perm())
	}
	if code, _, stderr := runCmd(t, env, "migrate"); code != 0 {
		t.Fatalf("second migrate: %s", stderr)
	}
	second, _ := os.ReadFile(filepath.Join(dir, "secret.key"))
	if !bytes.Equal(first, second) || len(bytes.TrimSpace(first)) != 64 {
		t.Fatalf("key changed or malformed: %q vs %q", first, second)
	}
}

func TestRegionsImportCommand(t *testing.T) {
	data := t.TempDir()
	env := map[string]string{"SUNLIGHT_DATA_DIR": data, "SUNLIGHT_DEMO": "off"}
	good := t.TempDir()
	files := map[string]string{
		"provinces.csv": "code,name\n21,\"辽宁省\"\n",
		"cities.csv":    "code,name,provinceCode\n2101,\"沈阳市\",21\n",
		"areas.csv":     "code,name,cityCode,provinceCode\n210124,\"法库县\",2101,21\n",
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(good, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	code, out, stderr := runCmd(t, env, "regions", "import", "--dir", good)
	if code != 0 || !strings.Contains(out, "imported 3 regions") {
		t.Fatalf("good import: code %d out %q err %q", code, out, stderr)
	}

	bad := t.TempDir()
	for name, body := range files {
		if name == "areas.csv" {
			body += "210199,\"不存在的市下的县\",2199,21\n"
		}
		if err := os.WriteFile(filepath.Join(bad, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	// A second, otherwise good, county in the bad folder must not land either.
	if err := os.WriteFile(filepath.Join(bad, "streets.csv"), []byte("code,name,areaCode,provinceCode,cityCode\n210124102,\"三面船镇\",210124,21,2101\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, stderr = runCmd(t, env, "regions", "import", "--dir", bad)
	if code == 0 {
		t.Fatal("malformed region file imported with exit 0")
	}
	lines := strings.Split(strings.TrimSpace(stderr), "\n")
	if len(lines) != 1 || !strings.Contains(lines[0], "areas.csv line 3") || !strings.Contains(lines[0], "nothing imported") {
		t.Fatalf("stderr = %q", stderr)
	}
	// Nothing from the bad folder landed: the good town in it is absent.
	db, err := database.Open(context.Background(), database.Target{Kind: database.SQLite, Path: filepath.Join(data, "sunlight.db")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var n int64
	db.Table("regions").Where("code IN ?", []string{"210124102", "210199"}).Count(&n)
	database.Close(db)
	if n != 0 {
		t.Fatalf("%d rows of the malformed import landed", n)
	}

	if code, _, stderr := runCmd(t, env, "regions", "import"); code != 2 || !strings.Contains(stderr, "--dir is required") {
		t.Fatalf("missing --dir: %d %q", code, stderr)
	}
	if code, _, stderr := runCmd(t, env, "regions", "import", "--dir", filepath.Join(data, "nope")); code != 1 || !strings.Contains(stderr, "is not a readable folder") {
		t.Fatalf("missing folder: %d %q", code, stderr)
	}
}

func TestSettingsAfterTheSubcommand(t *testing.T) {
	data := t.TempDir()
	// The data dir given after the subcommand is the one used: the default
	// ./data is never created.
	code, out, stderr := runCmd(t, map[string]string{}, "audit", "verify", "--data-dir", data)
	if code != 0 {
		t.Fatalf("audit verify: %d %s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(data, "sunlight.db")); err != nil {
		t.Fatalf("database not in --data-dir: %v (out %q)", err, out)
	}
	if _, err := os.Stat("data"); err == nil {
		t.Fatal("./data was created although --data-dir came after the subcommand")
	}
	flags, rest := splitFlags(newTestFlagSet(), []string{"users", "add", "--username", "u", "--db=x.db", "--demo", "off", "-v", "--", "--data-dir"})
	if strings.Join(flags, " ") != "--db=x.db --demo off" || strings.Join(rest, " ") != "users add --username u -v --data-dir" {
		t.Fatalf("flags %q rest %q", flags, rest)
	}
}

func newTestFlagSet() *flag.FlagSet {
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	c, _ := defaultConfig(func(string) string { return "" })
	c.flags(fs)
	return fs
}

// TestSettingsBeforeTheCommand: `portal --data-dir D audit verify` runs
// audit verify with D (it used to start the server, taking "audit verify"
// for stray words).
func TestSettingsBeforeTheCommand(t *testing.T) {
	data := t.TempDir()
	code, out, stderr := runCmd(t, map[string]string{}, "--data-dir", data, "--demo", "off", "audit", "verify")
	if code != 0 || !strings.Contains(out, "audit chain intact") {
		t.Fatalf("--data-dir D audit verify: %d %q %q", code, out, stderr)
	}
	if _, err := os.Stat(filepath.Join(data, "sunlight.db")); err != nil {
		t.Fatalf("database not in --data-dir: %v", err)
	}
	// A command that takes no words refuses a stray one instead of
	// ignoring it (a mistyped `portal serve migrate` does not serve).
	for _, args := range [][]string{{"serve", "migrate"}, {"migrate", "now"}, {"--data-dir", data, "demo", "x"}} {
		if code, _, stderr := runCmd(t, map[string]string{"SUNLIGHT_DATA_DIR": data}, args...); code != 2 || !strings.Contains(stderr, "unexpected argument") {
			t.Errorf("%q: exit %d, %q", args, code, stderr)
		}
	}
	for _, c := range []struct {
		args []string
		name string
		rest string
	}{
		{[]string{"--db", "x.db", "users", "add", "--username", "u"}, "users", "--db x.db add --username u"},
		{[]string{"--demo=off", "migrate"}, "migrate", "--demo=off"},
		{[]string{"--addr", "127.0.0.1:0"}, "serve", "--addr 127.0.0.1:0"},
		{[]string{}, "serve", ""},
		{[]string{"-h"}, "serve", "-h"},
		{[]string{"--", "migrate"}, "serve", "-- migrate"},
	} {
		name, rest := commandWord(c.args)
		if name != c.name || strings.Join(rest, " ") != c.rest {
			t.Errorf("commandWord(%q) = %q, %q; want %q, %q", c.args, name, rest, c.name, c.rest)
		}
	}
}
