package main

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"sunlight/internal/database"
	"sunlight/report"
)

// TestAuditVerifyAndQR: on a demo database `audit verify` passes; after
// one event row is edited in the database it exits 1 naming that event.
// `qr` writes a PNG and a PDF poster.
func TestAuditVerifyAndQR(t *testing.T) {
	eachDB(t, func(t *testing.T, env map[string]string) {
		dir := env["SUNLIGHT_DATA_DIR"]
		env["SUNLIGHT_BASE_URL"] = "https://sunlight.example.gov.cn"
		demo(t, env)
		code, out, stderr := runCmd(t, env, "audit", "verify")
		if code != 0 || !strings.Contains(out, "audit chain intact") {
			t.Fatalf("verify on a clean chain: %d %q %q", code, out, stderr)
		}
		cp := regexp.MustCompile(`checkpoint: (\d+:[0-9a-f]{64})`).FindStringSubmatch(out)
		if cp == nil {
			t.Fatalf("no checkpoint printed: %q", out)
		}
		target, err := database.ParseTarget(env["SUNLIGHT_DB"], dir)
		if err != nil {
			t.Fatal(err)
		}
		db, err := database.Open(context.Background(), target, nil)
		if err != nil {
			t.Fatal(err)
		}
		// Cut the last event and rewrite the head row to match: only the
		// saved checkpoint catches it.
		var last, prev report.Event
		db.Order("seq DESC").Take(&last)
		db.Where("seq = ?", last.Seq-1).Take(&prev)
		db.Delete(&report.Event{}, last.ID)
		db.Model(&report.ChainHead{}).Where("id = 1").Updates(map[string]any{"seq": prev.Seq, "hash": prev.Hash})
		if code, _, stderr := runCmd(t, env, "audit", "verify"); code != 0 {
			t.Fatalf("a consistent cut passes without a checkpoint: %d %q", code, stderr)
		}
		if code, _, stderr := runCmd(t, env, "audit", "verify", "--checkpoint", cp[1]); code != 1 || !strings.Contains(stderr, "cut back") {
			t.Fatalf("verify against the checkpoint after a cut: %d %q", code, stderr)
		}
		var ev report.Event
		if err := db.Where("seq = ?", 17).Take(&ev).Error; err != nil {
			t.Fatal(err)
		}
		if err := db.Model(&report.Event{}).Where("id = ?", ev.ID).Update("text", ev.Text+"（已改）").Error; err != nil {
			t.Fatal(err)
		}
		_ = database.Close(db)
		args := []string{"audit", "verify"}
		if env["SUNLIGHT_DB"] == "" { // sqlite: the database is found from the data directory
			// Settings may follow the subcommand.
			delete(env, "SUNLIGHT_DATA_DIR")
			args = append(args, "--data-dir", dir)
		}
		code, _, stderr = runCmd(t, env, args...)
		env["SUNLIGHT_DATA_DIR"] = dir
		if code != 1 || !regexp.MustCompile(`seq 17 \(id \d+\)`).MatchString(stderr) {
			t.Fatalf("verify after an edit: exit %d, %q", code, stderr)
		}
		for _, name := range []string{"qr.png", "poster.pdf"} {
			out := filepath.Join(dir, name)
			if code, _, stderr := runCmd(t, env, "qr", "--subject", "village:210124101201", "--out", out); code != 0 {
				t.Fatalf("qr %s: %d %s", name, code, stderr)
			}
			b, err := os.ReadFile(out)
			if err != nil || len(b) < 500 {
				t.Fatalf("%s: %d bytes, %v", name, len(b), err)
			}
			if name == "poster.pdf" && (!strings.HasPrefix(string(b), "%PDF-1.4") || !strings.Contains(string(b), "STSong-Light")) {
				t.Fatal("not a PDF poster")
			}
		}
		if code, _, _ := runCmd(t, env, "qr", "--subject", "village:210124101201", "--out", filepath.Join(dir, "x.gif")); code != 2 {
			t.Fatalf("qr to .gif: exit %d, want 2", code)
		}
	})
}
