package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestImportCommand runs `portal import` on a good file, again (a no-op),
// and on a file with bad rows, which imports nothing and lists every one.
func TestImportCommand(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"SUNLIGHT_DB": filepath.Join(dir, "sunlight.db"), "SUNLIGHT_DATA_DIR": dir, "SUNLIGHT_LOG_LEVEL": "warn"}
	if code, _, errOut := runCmd(t, env, "regions", "import", "--dir", filepath.Join("..", "..", "catalog", "seed")); code != 0 {
		t.Fatalf("regions import: exit %d: %s", code, errOut)
	}
	good := filepath.Join(dir, "disclosures.csv")
	data := "村代码,公开类别,标题,期间,内容\n" +
		"210124101201,财务公开,拉马桥村三季度财务公开,2026年第三季度,收入12.5万元\n" +
		"210124101202,低保,大岭村10月低保公示,2026年10月,户主：张三丰，电话13812345678\n"
	if err := os.WriteFile(good, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCmd(t, env, "import", "disclosures", good)
	if code != 0 || !strings.Contains(out, "imported 2 disclosures rows") || !strings.Contains(out, "2 new") {
		t.Fatalf("import: exit %d, out %q, err %q", code, out, errOut)
	}
	code, out, _ = runCmd(t, env, "import", "disclosures", good)
	if code != 0 || !strings.Contains(out, "0 new, 0 changed, 2 unchanged") {
		t.Errorf("re-import: exit %d, out %q", code, out)
	}
	code, out, _ = runCmd(t, env, "import", "--dry-run", "disclosures", good)
	if code != 0 || !strings.Contains(out, "dry run") {
		t.Errorf("dry run: exit %d, out %q", code, out)
	}
	bad := filepath.Join(dir, "bad.csv")
	data += "999999999999,财务公开,不存在的村,2026年,内容\n" + "210124101201,八卦,标题,2026年,内容\n"
	if err := os.WriteFile(bad, []byte(strings.Replace(data, "三季度财务公开", "三季度财务公开（更正）", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut = runCmd(t, env, "import", "disclosures", bad)
	if code != 1 || !strings.Contains(errOut, "bad.csv line 4:") || !strings.Contains(errOut, "bad.csv line 5:") || !strings.Contains(errOut, "2 bad rows, nothing imported") {
		t.Errorf("bad file: exit %d, out %q, err %q", code, out, errOut)
	}
	code, out, _ = runCmd(t, env, "import", "disclosures", good)
	if code != 0 || !strings.Contains(out, "2 unchanged") {
		t.Errorf("the bad file changed something: %q", out)
	}
	if code, _, errOut := runCmd(t, env, "import", "people", good); code != 2 || !strings.Contains(errOut, "unknown kind") {
		t.Errorf("unknown kind: exit %d, %q", code, errOut)
	}
}
