package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"sunlight/report"
)

// TestNotifyCommands: a department's robot is set from stdin or a file
// (never from the command line), listed masked, tested, and cleared.
func TestNotifyCommands(t *testing.T) {
	var mu sync.Mutex
	var got []string
	robot := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			MsgType string            `json:"msgtype"`
			Text    map[string]string `json:"text"`
		}
		_ = json.NewDecoder(r.Body).Decode(&body)
		mu.Lock()
		got = append(got, body.MsgType+":"+body.Text["content"])
		mu.Unlock()
		_, _ = w.Write([]byte(`{"errcode":0,"errmsg":"ok"}`))
	}))
	defer robot.Close()
	eachDB(t, func(t *testing.T, env map[string]string) {
		dir := env["SUNLIGHT_DATA_DIR"]
		withStdin := func(in string, args ...string) (int, string, string) {
			stdin = strings.NewReader(in)
			defer func() { stdin = os.Stdin }()
			return runCmd(t, env, args...)
		}
		demo(t, env)
		const dept = "210124101-gov"
		url := robot.URL + "/robot/send?access_token=CLITOKEN4321"
		if code, _, errs := runCmd(t, env, "notify", "set", "--dept", dept, "--webhook", url); code != 2 || !strings.Contains(errs, "--webhook-file") {
			t.Errorf("inline webhook: %d %q", code, errs)
		}
		code, out, errs := withStdin(url+"\n", "notify", "set", "--dept", dept, "--webhook-file", "-", "--mail", "a@example.gov.cn")
		if code != 0 || !strings.Contains(out, dept+"\t"+strings.TrimPrefix(robot.URL, "http://")+"…4321\ta@example.gov.cn\tenabled") || strings.Contains(out+errs, "CLITOKEN") {
			t.Fatalf("set: %d %q %q", code, out, errs)
		}
		if code, _, errs := runCmd(t, env, "notify", "set", "--dept", dept, "--mail", "not a mail"); code != 1 || !strings.Contains(errs, "收件人") {
			t.Errorf("bad mail: %d %q", code, errs)
		}
		// A file works too, and leaving --mail out keeps the recipients.
		file := filepath.Join(dir, "robot-url")
		if err := os.WriteFile(file, []byte(url+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		if code, out, errs := runCmd(t, env, "notify", "set", "--dept", dept, "--webhook-file", file, "--disabled"); code != 0 || !strings.Contains(out, "a@example.gov.cn\tdisabled") {
			t.Errorf("set from a file: %d %q %q", code, out, errs)
		}
		code, out, _ = runCmd(t, env, "notify", "list")
		if code != 0 || !strings.HasPrefix(out, "# default: ") || !strings.Contains(out, dept+"\t") || strings.Contains(out, "CLITOKEN") {
			t.Errorf("list: %d %q", code, out)
		}
		mu.Lock()
		before := len(got)
		mu.Unlock()
		if code, out, errs := runCmd(t, env, "notify", "test", "--dept", dept); code != 0 || !strings.Contains(out, "test message sent") {
			t.Errorf("test: %d %q %q", code, out, errs)
		}
		mu.Lock()
		if len(got) != before+1 || got[len(got)-1] != "text:"+report.TestText {
			t.Errorf("robot got %q", got)
		}
		mu.Unlock()
		if code, _, errs := runCmd(t, env, "notify", "test", "--smtp"); code != 1 || !strings.Contains(errs, "还没有配置邮件服务器") {
			t.Errorf("test without a mail server: %d %q", code, errs)
		}
		if code, _, _ := runCmd(t, env, "notify", "clear", "--dept", dept); code != 0 {
			t.Errorf("clear: %d", code)
		}
		if code, _, _ := runCmd(t, env, "notify", "clear", "--dept", dept); code != 1 {
			t.Errorf("clear again: %d", code)
		}
	})
}
