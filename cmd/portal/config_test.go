package main

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBadSettingsStopTheStart: every setting is checked before anything
// starts; a bad one stops the program with exit code 2 and one line on
// stderr naming the variable. Secrets never appear in the line.
func TestBadSettingsStopTheStart(t *testing.T) {
	const mail = "SUNLIGHT_SMTP_ADDR=smtp.example.gov.cn:587 SUNLIGHT_SMTP_FROM=sunlight@example.gov.cn SUNLIGHT_SMTP_TO=ops@example.gov.cn"
	cases := []struct {
		name, env, want string
	}{
		{"smtp address without port", "SUNLIGHT_SMTP_ADDR=smtp.example.gov.cn SUNLIGHT_SMTP_FROM=a@b.cn SUNLIGHT_SMTP_TO=c@d.cn", "SUNLIGHT_SMTP_ADDR"},
		{"smtp address without host", "SUNLIGHT_SMTP_ADDR=:25 SUNLIGHT_SMTP_FROM=a@b.cn SUNLIGHT_SMTP_TO=c@d.cn", "SUNLIGHT_SMTP_ADDR"},
		{"smtp address bad port", "SUNLIGHT_SMTP_ADDR=smtp.example.gov.cn:smtpx SUNLIGHT_SMTP_FROM=a@b.cn SUNLIGHT_SMTP_TO=c@d.cn", "SUNLIGHT_SMTP_ADDR"},
		{"smtp from not an address", mail + " SUNLIGHT_SMTP_FROM=sunlight", "SUNLIGHT_SMTP_FROM"},
		{"smtp from missing", mail + " SUNLIGHT_SMTP_FROM=", "SUNLIGHT_SMTP_FROM"},
		{"smtp to missing", mail + " SUNLIGHT_SMTP_TO=", "SUNLIGHT_SMTP_TO"},
		{"smtp to not addresses", mail + " SUNLIGHT_SMTP_TO=ops@example.gov.cn,nobody", "SUNLIGHT_SMTP_TO"},
		{"smtp to without a server", "SUNLIGHT_SMTP_TO=ops@example.gov.cn", "SUNLIGHT_SMTP_TO"},
		{"smtp password without a server", "SUNLIGHT_SMTP_PASSWORD=hunter2secret", "SUNLIGHT_SMTP_PASSWORD"},
		{"webhook not absolute", "SUNLIGHT_NOTIFY_WEBHOOK=/robot/send?access_token=hunter2secret", "SUNLIGHT_NOTIFY_WEBHOOK"},
		{"webhook not http", "SUNLIGHT_NOTIFY_WEBHOOK=ftp://oapi.dingtalk.com/robot/send?access_token=hunter2secret", "SUNLIGHT_NOTIFY_WEBHOOK"},
		{"scheduler interval not a duration", "SUNLIGHT_SCHEDULER_INTERVAL=often", "SUNLIGHT_SCHEDULER_INTERVAL"},
		{"scheduler interval too short", "SUNLIGHT_SCHEDULER_INTERVAL=500ms", "SUNLIGHT_SCHEDULER_INTERVAL"},
		{"meili url not http", "SUNLIGHT_MEILI_URL=ftp://example", "SUNLIGHT_MEILI_URL"},
		{"meili url without host", "SUNLIGHT_MEILI_URL=http://", "SUNLIGHT_MEILI_URL"},
		{"meili url relative", "SUNLIGHT_MEILI_URL=localhost:7700", "SUNLIGHT_MEILI_URL"},
		{"meili index uid", "SUNLIGHT_MEILI_INDEX=sun.light", "SUNLIGHT_MEILI_INDEX"},
		{"meili index uid with space", "SUNLIGHT_MEILI_INDEX=sun_light/x", "SUNLIGHT_MEILI_INDEX"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			env := map[string]string{"SUNLIGHT_DATA_DIR": t.TempDir()}
			for _, kv := range strings.Fields(tc.env) {
				k, v, _ := strings.Cut(kv, "=")
				env[k] = v
			}
			assertConfigError(t, env, tc.want)
		})
	}
}

// assertConfigError runs serve with env and expects exit code 2 and one
// line on stderr naming the variable want, with no secret in it.
func assertConfigError(t *testing.T, env map[string]string, want string, args ...string) {
	t.Helper()
	code, _, stderr := runCmd(t, env, append([]string{"serve"}, args...)...)
	if code != 2 {
		t.Fatalf("exit code %d, want 2; stderr: %s", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(stderr), "\n")
	if len(lines) != 1 || !strings.HasPrefix(lines[0], "portal: "+want+":") {
		t.Fatalf("want one line naming %s, got:\n%s", want, stderr)
	}
	if strings.Contains(stderr, "hunter2secret") {
		t.Fatalf("a secret leaked into the error: %s", stderr)
	}
}

// TestSecretFiles: each secret can be read from the file its _FILE
// variable (or -file flag) names; a file that cannot be read, or a secret
// set both ways, stops the start naming the variable.
func TestSecretFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(content+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	key := strings.Repeat("ab", 32)
	secrets := []struct {
		name, flag, value string
		extra             map[string]string // what else the secret needs
	}{
		{"SUNLIGHT_SECRET_KEY", "secret-key-file", key, nil},
		{"SUNLIGHT_OLD_SECRET_KEYS", "old-secret-keys-file", strings.Repeat("cd", 32), nil},
		{"SUNLIGHT_DB", "db-file", filepath.Join(dir, "file.db"), nil},
		{"SUNLIGHT_SMTP_PASSWORD", "smtp-password-file", "hunter2secret", map[string]string{"SUNLIGHT_SMTP_ADDR": "127.0.0.1:1",
			"SUNLIGHT_SMTP_FROM": "sunlight@example.gov.cn", "SUNLIGHT_SMTP_TO": "ops@example.gov.cn", "SUNLIGHT_SMTP_USER": "sunlight"}},
		{"SUNLIGHT_MEILI_KEY", "meili-key-file", "hunter2secret", map[string]string{"SUNLIGHT_MEILI_URL": "http://127.0.0.1:1"}},
		{"SUNLIGHT_NOTIFY_WEBHOOK", "notify-webhook-file", "https://oapi.dingtalk.com/robot/send?access_token=hunter2secret", nil},
	}
	for _, s := range secrets {
		t.Run(s.name, func(t *testing.T) {
			file := write(strings.ToLower(s.name), s.value)
			base := func() map[string]string {
				env := map[string]string{"SUNLIGHT_DATA_DIR": t.TempDir()}
				for k, v := range s.extra {
					env[k] = v
				}
				return env
			}
			env := base()
			env[s.name+"_FILE"] = file
			c := loadConfig(t, env)
			if got := secretOf(c, s.name); got != s.value {
				t.Fatalf("%s from its file: %q, want %q", s.name, got, s.value)
			}
			env = base()
			c = loadConfig(t, env, "--"+s.flag, file)
			if got := secretOf(c, s.name); got != s.value {
				t.Fatalf("%s from --%s: %q, want %q", s.name, s.flag, got, s.value)
			}
			env = base()
			env[s.name], env[s.name+"_FILE"] = s.value, file
			assertConfigError(t, env, s.name)
			env = base()
			env[s.name+"_FILE"] = filepath.Join(dir, "missing")
			assertConfigError(t, env, s.name+"_FILE")
		})
	}
}

// loadConfig reads the environment, parses the flags and validates, as
// run does.
func loadConfig(t *testing.T, env map[string]string, args ...string) *config {
	t.Helper()
	c, err := defaultConfig(envOf(env))
	if err != nil {
		t.Fatal(err)
	}
	fs := flag.NewFlagSet("portal", flag.ContinueOnError)
	c.flags(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	if err := c.validate(); err != nil {
		t.Fatal(err)
	}
	return c
}

func secretOf(c *config, name string) string {
	return map[string]string{"SUNLIGHT_SECRET_KEY": c.SecretKey, "SUNLIGHT_OLD_SECRET_KEYS": c.OldSecretKeys, "SUNLIGHT_DB": c.DB,
		"SUNLIGHT_SMTP_PASSWORD": c.SMTPPassword, "SUNLIGHT_MEILI_KEY": c.MeiliKey, "SUNLIGHT_NOTIFY_WEBHOOK": c.NotifyWebhook}[name]
}
