package main

import (
	"strings"
	"testing"
)

// TestRoutingAndDeptsCommands: list, preview and set rules; add a
// department, refuse bad input, refuse closing one with open cases, move
// them and close it — on SQLite and on MySQL.
func TestRoutingAndDeptsCommands(t *testing.T) {
	eachDB(t, func(t *testing.T, env map[string]string) {
		demo(t, env)
		expect := func(want int, contains string, args ...string) string {
			t.Helper()
			code, out, stderr := runCmd(t, env, args...)
			if code != want || !strings.Contains(out+stderr, contains) {
				t.Errorf("%v: exit %d, want %d with %q\nout: %s\nerr: %s", args, code, want, contains, out, stderr)
			}
			return out
		}
		expect(0, "village//0\tlocal_gov", "routing", "list")
		preview := []string{"routing", "preview", "--subject", "village:210124101201", "--problem-type", "land"}
		expect(0, "dept\t210124101-gov", preview...)
		expect(1, "不是村(社区)的问题类型", "routing", "set", "--kind", "village", "--problem-type", "fund_late", "--target", "supervisor")
		expect(2, "unknown routing subcommand", "routing", "drop")
		expect(0, "rule village/land/0 set", "routing", "set", "--kind", "village", "--problem-type", "land", "--target", "supervisor", "--note", "土地问题交纪委", "--by", "alice")
		if out := expect(0, "dept\t210124101-jw", preview...); !strings.Contains(out, "土地问题交纪委") {
			t.Errorf("preview does not name the new rule: %q", out)
		}

		expect(1, "地区代码", "depts", "add", "--code", "210124-yj", "--name", "法库县应急管理局", "--region", "999999")
		expect(0, "add 210124-yj: done", "depts", "add", "--code", "210124-yj", "--name", "法库县应急管理局", "--region", "210124", "--parent", "210124-gov")
		expect(0, "rename 210124-yj: done", "depts", "rename", "--code", "210124-yj", "--name", "法库县应急局")
		expect(1, "循环", "depts", "move", "--code", "210124-gov", "--parent", "210124-yj")
		expect(0, "supervisor 210124-yj: done", "depts", "supervisor", "--code", "210124-yj", "--off")
		expect(0, "210124-yj\t法库县应急局\t210124\t210124-gov", "depts", "list", "--region", "210124")
		expect(1, "件未办结的举报", "depts", "close", "--code", "210124002-gov")
		expect(1, "接收单位不能是本单位", "depts", "move-cases", "--from", "210124002-gov", "--to", "210124002-gov")
		expect(0, "moved ", "depts", "move-cases", "--from", "210124002-gov", "--to", "210124002-jw")
		expect(0, "close 210124002-gov: done", "depts", "close", "--code", "210124002-gov")
		expect(0, "210124002-gov\t龙山街道办事处\t210124002\t210124-gov\tgov\tfalse\tclosed\t0", "depts", "list", "--region", "210124002")
		expect(1, "已撤销", "depts", "move-cases", "--from", "210124002-jw", "--to", "210124002-gov")
		expect(0, "reopen 210124002-gov: done", "depts", "reopen", "--code", "210124002-gov")
		expect(2, "--code (or --from) is required", "depts", "close")
	})
}
