// Package e2e runs the citizen's and the clerk's journey in a real browser:
// Debian's Chromium driven by playwright-core, against the real portal
// binary on a loopback port with its own temporary SQLite database.
package e2e

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

const chromium = "/usr/bin/chromium"

// need fails under CI=true and skips otherwise when a tool is missing.
func need(t *testing.T, what, path string) {
	t.Helper()
	if _, err := os.Stat(path); err == nil {
		return
	}
	if _, err := exec.LookPath(path); err == nil {
		return
	}
	msg := fmt.Sprintf("%s not found at %s (make test installs it: scripts/deps.sh)", what, path)
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// portal is a running portal binary.
type portal struct {
	bin     string
	dataDir string
	baseURL string
	env     []string
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// startPortal builds the portal and runs it until the test ends.
func startPortal(t *testing.T) *portal {
	t.Helper()
	dir := t.TempDir()
	bin := filepath.Join(dir, "portal")
	build := exec.Command("go", "build", "-o", bin, "./cmd/portal")
	build.Dir = ".."
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build portal: %v\n%s", err, out)
	}
	port := freePort(t)
	p := &portal{bin: bin, dataDir: filepath.Join(dir, "data"), baseURL: fmt.Sprintf("http://127.0.0.1:%d", port)}
	p.env = append(os.Environ(),
		"SUNLIGHT_ADDR="+fmt.Sprintf("127.0.0.1:%d", port),
		"SUNLIGHT_BASE_URL="+p.baseURL,
		"SUNLIGHT_DATA_DIR="+p.dataDir,
		"SUNLIGHT_DB=",
		"SUNLIGHT_LOG_LEVEL=warn",
	)
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, "serve")
	cmd.Env = p.env
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 20 * time.Second
	logFile, err := os.Create(filepath.Join(dir, "portal.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = logFile
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ready := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "Sunlight listening on ") {
				close(ready)
			}
		}
	}()
	t.Cleanup(func() {
		cancel()
		_ = cmd.Wait()
		logFile.Close()
		if t.Failed() {
			log, _ := os.ReadFile(logFile.Name())
			t.Logf("portal log:\n%s", log)
		}
	})
	select {
	case <-ready:
	case <-time.After(90 * time.Second):
		t.Fatal("portal did not start within 90s")
	}
	return p
}

// runNode runs one node:test file with the given environment and fails the
// test if any of its steps fail; its output is streamed to the test log.
func runNode(t *testing.T, file string, env map[string]string) {
	t.Helper()
	need(t, "Chromium", chromium)
	need(t, "Node.js", "node")
	if _, err := os.Stat("node_modules/playwright-core/package.json"); err != nil {
		msg := "e2e/node_modules is missing: run scripts/deps.sh (npm ci from the lockfile)"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", "--test", "--test-reporter=spec", "--test-concurrency=1", file)
	cmd.Env = os.Environ()
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	out, err := cmd.CombinedOutput()
	t.Logf("node %s:\n%s", file, out)
	if err != nil {
		t.Fatalf("browser test %s failed: %v", file, err)
	}
	pass := regexp.MustCompile(`(?m)^\s*[ℹ#] pass (\d+)$`).FindStringSubmatch(string(out))
	fail := regexp.MustCompile(`(?m)^\s*[ℹ#] fail (\d+)$`).FindStringSubmatch(string(out))
	if pass == nil || fail == nil || pass[1] == "0" || fail[1] != "0" {
		t.Fatalf("browser test %s did not report passing steps and no failures", file)
	}
}

func artifactsDir(t *testing.T) string {
	dir, err := filepath.Abs(filepath.Join("artifacts"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

func (p *portal) nodeEnv(t *testing.T, extra ...string) map[string]string {
	env := map[string]string{
		"BASE_URL":   p.baseURL,
		"ARTIFACTS":  artifactsDir(t),
		"CHROMIUM":   chromium,
		"PORTAL_BIN": p.bin,
	}
	for _, kv := range p.env {
		if k, v, ok := strings.Cut(kv, "="); ok && strings.HasPrefix(k, "SUNLIGHT_") {
			env[k] = v
		}
	}
	for i := 0; i+1 < len(extra); i += 2 {
		env[extra[i]] = extra[i+1]
	}
	return env
}

// TestBrowser runs, against one fresh portal: the comfort checks of the
// public pages, then the whole journey twice — the citizen with JavaScript
// and without it (the clerk always has it).
func TestBrowser(t *testing.T) {
	need(t, "Chromium", chromium)
	need(t, "zbarimg", "zbarimg")
	p := startPortal(t)
	runNode(t, "comfort.test.mjs", p.nodeEnv(t))
	runNode(t, "journey.test.mjs", p.nodeEnv(t, "CITIZEN_JS", "on"))
	runNode(t, "journey.test.mjs", p.nodeEnv(t, "CITIZEN_JS", "off"))
}

// TestAdminBrowser walks the administrator's reference-data pages against a
// fresh portal of its own (its rule and calendar changes stay out of the
// journey's way).
func TestAdminBrowser(t *testing.T) {
	need(t, "Chromium", chromium)
	p := startPortal(t)
	runNode(t, "admin.test.mjs", p.nodeEnv(t))
}
