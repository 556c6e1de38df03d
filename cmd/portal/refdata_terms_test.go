package main

import (
	"strings"
	"testing"
)

// TestRefdataTermsCommands scripts problem types, deadlines and synonyms
// through the CLI on both databases: each change goes through the same
// checks as the pages, and a refused one exits 1 with the Chinese reason.
func TestRefdataTermsCommands(t *testing.T) {
	eachDB(t, func(t *testing.T, env map[string]string) {
		ok := func(want string, args ...string) string {
			t.Helper()
			code, out, errs := runCmd(t, env, args...)
			if code != 0 || !strings.Contains(out, want) {
				t.Fatalf("%v: exit %d, out %q, err %q; want %q", args, code, out, errs, want)
			}
			return out
		}
		fails := func(code int, want string, args ...string) {
			t.Helper()
			if got, out, errs := runCmd(t, env, args...); got != code || !strings.Contains(errs, want) {
				t.Errorf("%v: exit %d, out %q, err %q; want %d and %q", args, got, out, errs, code, want)
			}
		}
		ok("village\tland\t宅基地、土地承包问题\toffered", "problem-types", "list", "--kind", "village")
		ok("done", "problem-types", "add", "--kind", "village", "--code", "water_supply", "--name", "饮水安全问题")
		ok("done", "problem-types", "rename", "--kind", "village", "--code", "water_supply", "--name", "饮水问题")
		ok("done", "problem-types", "disable", "--kind", "village", "--code", "water_supply")
		ok("village\twater_supply\t饮水问题\tdisabled", "problem-types", "list")
		fails(1, "代码须为", "problem-types", "add", "--kind", "village", "--code", "X", "--name", "某")
		fails(2, "--kind and --code are required", "problem-types", "disable", "--kind", "village")
		fails(2, "unknown problem-types subcommand", "problem-types", "drop")

		ok("answer\t15\t工作日", "deadlines", "list")
		ok("answer\t10\t工作日", "deadlines", "set", "--stage", "answer", "--days", "10")
		ok("too_fast\t3\t小时", "deadlines", "set", "--stage", "too_fast", "--hours", "3")
		fails(1, "须在1至60工作日之间", "deadlines", "set", "--stage", "answer", "--days", "99")
		fails(2, "use --hours", "deadlines", "set", "--stage", "too_fast", "--days", "3")

		out := ok("低保 = 最低生活保障", "synonyms", "list")
		n := strings.Count(out, "\n")
		out = ok("五保户 = 特困供养", "synonyms", "add", "--terms", "五保户,特困供养")
		if strings.Count(out, "\n") != n+1 {
			t.Errorf("groups after add:\n%s", out)
		}
		fails(1, "已在第", "synonyms", "add", "--terms", "五保，低保")
		var id string
		for _, l := range strings.Split(out, "\n") {
			if strings.HasSuffix(l, "五保户 = 特困供养") {
				id, _, _ = strings.Cut(l, "\t")
			}
		}
		ok("五保户 = 特困供养 = 分散供养", "synonyms", "add", "--group", id, "--terms", "分散供养")
		ok("五保户 = 分散供养", "synonyms", "remove", "--group", id, "--term", "特困供养")
		if out := ok("低保", "synonyms", "remove", "--group", id); strings.Contains(out, "五保户") {
			t.Errorf("group %s still listed:\n%s", id, out)
		}
		fails(2, "--group is required", "synonyms", "remove")
	})
}
