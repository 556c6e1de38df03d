package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestHolidaysCommand: on the shipped 2026 calendar the day after 30 Sep
// that closes a 1-working-day deadline is 8 Oct; a 2027 file imports (a
// bad one imports nothing and names its line), re-imports as a no-op, and
// lists; without it a 2027 deadline is marked provisional.
func TestHolidaysCommand(t *testing.T) {
	eachDB(t, func(t *testing.T, env map[string]string) {
		dir := env["SUNLIGHT_DATA_DIR"]
		code, out, errOut := runCmd(t, env, "holidays", "due", "--from", "2026-09-30", "--working-days", "1")
		if code != 0 || out != "2026-10-08\n" {
			t.Fatalf("due: exit %d, out %q, err %q", code, out, errOut)
		}
		if _, out, _ := runCmd(t, env, "holidays", "due", "--from", "2026-12-30", "--working-days", "3"); out != "2027-01-04 （暂定：2027年节假日安排尚未导入）\n" {
			t.Errorf("provisional due: %q", out)
		}
		file := filepath.Join(dir, "2027.csv")
		rows := "日期,类型,名称\n2027-01-01,休,元旦\n2027-01-02,休,元旦\n2027-01-03,休,元旦\n"
		if err := os.WriteFile(file, []byte(strings.Replace(rows, "01-02,休", "01-02,假", 1)), 0o600); err != nil {
			t.Fatal(err)
		}
		code, _, errOut = runCmd(t, env, "holidays", "import", file)
		if code != 1 || !strings.Contains(errOut, "2027.csv line 3: 类型 \"假\" 无法识别") || !strings.Contains(errOut, "1 bad rows, nothing imported") {
			t.Fatalf("bad file: exit %d, err %q", code, errOut)
		}
		if err := os.WriteFile(file, []byte(rows), 0o600); err != nil {
			t.Fatal(err)
		}
		if code, out, _ := runCmd(t, env, "holidays", "import", file, "--dry-run"); code != 0 || !strings.Contains(out, "dry run") {
			t.Fatalf("dry run: exit %d, %q", code, out)
		}
		if code, out, _ := runCmd(t, env, "holidays", "import", file); code != 0 || !strings.Contains(out, "3 holiday rows for 2027") || !strings.Contains(out, "3 new, 0 changed, 0 unchanged") {
			t.Fatalf("import: exit %d, %q", code, out)
		}
		if _, out, _ := runCmd(t, env, "holidays", "import", file); !strings.Contains(out, "0 new, 0 changed, 3 unchanged, 0 removed") {
			t.Errorf("re-import: %q", out)
		}
		if _, out, _ := runCmd(t, env, "holidays", "list", "--year", "2027"); out != "2027-01-01\t休\t元旦\n2027-01-02\t休\t元旦\n2027-01-03\t休\t元旦\n" {
			t.Errorf("list: %q", out)
		}
		if _, out, _ := runCmd(t, env, "holidays", "due", "--from", "2026-12-30", "--working-days", "3"); out != "2027-01-05\n" {
			t.Errorf("due on 2027: %q", out)
		}
		if code, _, errOut := runCmd(t, env, "holidays", "list", "--dry-run"); code != 2 || !strings.Contains(errOut, "belongs to holidays import") {
			t.Errorf("misplaced flag: exit %d, %q", code, errOut)
		}
		if code, out, _ := runCmd(t, env, "holidays", "template"); code != 0 || !strings.HasPrefix(out, "\ufeff日期,类型,名称\n") {
			t.Errorf("template: %q", out)
		}
	})
}
