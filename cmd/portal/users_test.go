package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func TestUsersAddAndToken(t *testing.T) {
	dir := t.TempDir()
	getenv := func(k string) string {
		if k == "SUNLIGHT_DATA_DIR" {
			return dir
		}
		return ""
	}
	runWith := func(in string, args ...string) (int, string, string) {
		stdin = strings.NewReader(in)
		var out, errb bytes.Buffer
		code := run(context.Background(), args, getenv, &out, &errb)
		return code, out.String(), errb.String()
	}
	// The departments come from the demo data.
	if code, _, errs := runWith("", "demo"); code != 0 {
		t.Fatalf("demo: %d %s", code, errs)
	}
	code, out, errs := runWith("a long password\n", "users", "add", "--username", "Zhang.San", "--dept", "210124-mz", "--role", "staff")
	if code != 0 || !strings.Contains(out, "added zhang.san (staff, 210124-mz)") {
		t.Fatalf("users add: %d %q %q", code, out, errs)
	}
	if code, _, errs := runWith("a long password\n", "users", "add", "--username", "zhang.san", "--dept", "210124-mz", "--role", "staff"); code != 1 || !strings.Contains(errs, "用户名已被使用") {
		t.Errorf("duplicate: %d %q", code, errs)
	}
	if code, _, errs := runWith("", "users", "add", "--username", "li.si", "--dept", "210124-mz", "--role", "staff"); code != 1 || !strings.Contains(errs, "no password") {
		t.Errorf("no password: %d %q", code, errs)
	}
	if code, _, _ := runWith("", "users", "add", "--username", "li.si", "--role", "staff"); code != 2 {
		t.Errorf("missing --dept: exit %d, want 2", code)
	}
	code, out, errs = runWith("", "users", "token", "--username", "zhang.san")
	if code != 0 || !strings.HasPrefix(out, "slt_") || len(strings.TrimSpace(out)) != 36 {
		t.Fatalf("users token: %d %q %q", code, out, errs)
	}
	if code, _, _ := runWith("", "users", "token", "--username", "nobody"); code != 1 {
		t.Errorf("token for unknown user: exit %d", code)
	}
	if code, out, errs := runWith("another long password\n", "users", "passwd", "--username", "zhang.san"); code != 0 || !strings.Contains(out, "password of zhang.san changed") {
		t.Errorf("users passwd: %d %q %q", code, out, errs)
	}
	if code, out, _ := runWith("", "users", "disable", "--username", "zhang.san"); code != 0 || !strings.Contains(out, "disabled") {
		t.Errorf("users disable: %d %q", code, out)
	}
	if code, out, _ := runWith("", "users", "list"); code != 0 || !strings.Contains(out, "zhang.san\tstaff\t210124-mz\tdisabled") {
		t.Errorf("users list: %d %q", code, out)
	}
}
