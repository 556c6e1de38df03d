package main

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode"

	"sunlight/internal/database"
)

// config is every setting, read from SUNLIGHT_* variables and overridden by
// the matching flags. Each one has a row in the README.
// A secret (and SUNLIGHT_DB, which may carry a password) can also be read
// from a file named by its _FILE variable; setting both is an error.
// Secrets have no inline flag, only the -file one: command lines are
// visible to every user of the machine.
type config struct {
	Addr              string
	DataDir           string
	DB                string
	DBFile            string
	BaseURL           string
	SecretKey         string
	SecretKeyFile     string
	OldSecretKeys     string
	OldSecretKeysFile string
	LogLevel          string
	LogFormat         string
	Demo              string
	TrustedProxies    string
	ShutdownGrace     time.Duration
	ReportRate        int

	// Notifications and the deadline scheduler (reporting.go).
	NotifyWebhook     string // carries the robot's token: a secret
	NotifyWebhookFile string
	SMTPAddr          string
	SMTPFrom          string
	SMTPTo            string
	SMTPUser          string
	SMTPPassword      string
	SMTPPasswordFile  string
	SchedulerInterval time.Duration

	// The search engine (reindex.go): Meilisearch when MeiliURL is set,
	// the embedded index otherwise.
	MeiliURL     string
	MeiliKey     string
	MeiliKeyFile string
	MeiliIndex   string

	// Derived and validated.
	target  database.Target
	key     []byte
	oldKeys [][]byte // SUNLIGHT_OLD_SECRET_KEYS, decoded
	level   slog.Level
	proxies []string
	smtpTo  []string // SUNLIGHT_SMTP_TO, bare addresses
}

// configError names the setting that is wrong; main prints it as one line.
type configError struct {
	Name string
	Err  error
}

func (e *configError) Error() string { return e.Name + ": " + e.Err.Error() }

func badSetting(name, format string, args ...any) error {
	return &configError{Name: name, Err: fmt.Errorf(format, args...)}
}

func defaultConfig(getenv func(string) string) (*config, error) {
	env := func(name, def string) string {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			return v
		}
		return def
	}
	c := &config{
		Addr:              env("SUNLIGHT_ADDR", "127.0.0.1:8080"),
		DataDir:           env("SUNLIGHT_DATA_DIR", "./data"),
		DB:                env("SUNLIGHT_DB", ""),
		DBFile:            env("SUNLIGHT_DB_FILE", ""),
		BaseURL:           env("SUNLIGHT_BASE_URL", ""),
		SecretKey:         env("SUNLIGHT_SECRET_KEY", ""),
		SecretKeyFile:     env("SUNLIGHT_SECRET_KEY_FILE", ""),
		OldSecretKeys:     env("SUNLIGHT_OLD_SECRET_KEYS", ""),
		OldSecretKeysFile: env("SUNLIGHT_OLD_SECRET_KEYS_FILE", ""),
		LogLevel:          env("SUNLIGHT_LOG_LEVEL", "info"),
		LogFormat:         env("SUNLIGHT_LOG_FORMAT", "text"),
		Demo:              env("SUNLIGHT_DEMO", "auto"),
		TrustedProxies:    env("SUNLIGHT_TRUSTED_PROXIES", ""),
		NotifyWebhook:     env("SUNLIGHT_NOTIFY_WEBHOOK", ""),
		NotifyWebhookFile: env("SUNLIGHT_NOTIFY_WEBHOOK_FILE", ""),
		SMTPAddr:          env("SUNLIGHT_SMTP_ADDR", ""),
		SMTPFrom:          env("SUNLIGHT_SMTP_FROM", ""),
		SMTPTo:            env("SUNLIGHT_SMTP_TO", ""),
		SMTPUser:          env("SUNLIGHT_SMTP_USER", ""),
		SMTPPassword:      env("SUNLIGHT_SMTP_PASSWORD", ""),
		SMTPPasswordFile:  env("SUNLIGHT_SMTP_PASSWORD_FILE", ""),
		MeiliURL:          env("SUNLIGHT_MEILI_URL", ""),
		MeiliKey:          env("SUNLIGHT_MEILI_KEY", ""),
		MeiliKeyFile:      env("SUNLIGHT_MEILI_KEY_FILE", ""),
		MeiliIndex:        env("SUNLIGHT_MEILI_INDEX", "sunlight"),
	}
	rate := env("SUNLIGHT_REPORT_RATE", "30")
	n, err := strconv.Atoi(rate)
	if err != nil || n < 0 {
		return nil, badSetting("SUNLIGHT_REPORT_RATE", "%q is not a whole number of reports per minute (0: no limit)", rate)
	}
	c.ReportRate = n
	duration := func(name, def, example string) (time.Duration, error) {
		v := env(name, def)
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			return 0, badSetting(name, "%q is not a duration such as %s", v, example)
		}
		return d, nil
	}
	if c.ShutdownGrace, err = duration("SUNLIGHT_SHUTDOWN_GRACE", "20s", "20s"); err != nil {
		return nil, err
	}
	if c.SchedulerInterval, err = duration("SUNLIGHT_SCHEDULER_INTERVAL", "1m", "1m"); err != nil {
		return nil, err
	}
	return c, nil
}

// flags registers the settings on fs, with the environment as defaults.
func (c *config) flags(fs *flag.FlagSet) {
	fs.StringVar(&c.Addr, "addr", c.Addr, "listen address (SUNLIGHT_ADDR)")
	fs.StringVar(&c.DataDir, "data-dir", c.DataDir, "data directory (SUNLIGHT_DATA_DIR)")
	fs.StringVar(&c.DB, "db", c.DB, "database: SQLite file path or mysql://USER:PASS@HOST:PORT/DB (SUNLIGHT_DB)")
	fs.StringVar(&c.DBFile, "db-file", c.DBFile, "file holding the database setting, for a MySQL URL with a password (SUNLIGHT_DB_FILE)")
	fs.StringVar(&c.BaseURL, "base-url", c.BaseURL, "public base URL, used in QR codes (SUNLIGHT_BASE_URL)")
	fs.StringVar(&c.SecretKeyFile, "secret-key-file", c.SecretKeyFile, "file holding the 32-byte secret key (SUNLIGHT_SECRET_KEY_FILE)")
	fs.StringVar(&c.OldSecretKeysFile, "old-secret-keys-file", c.OldSecretKeysFile, "file holding retired secret keys, comma or space separated (SUNLIGHT_OLD_SECRET_KEYS_FILE)")
	fs.StringVar(&c.LogLevel, "log-level", c.LogLevel, "debug, info, warn or error (SUNLIGHT_LOG_LEVEL)")
	fs.StringVar(&c.LogFormat, "log-format", c.LogFormat, "text or json (SUNLIGHT_LOG_FORMAT)")
	fs.StringVar(&c.Demo, "demo", c.Demo, "auto: load demo data into an empty database; off: never (SUNLIGHT_DEMO)")
	fs.StringVar(&c.TrustedProxies, "trusted-proxies", c.TrustedProxies, "comma-separated proxy IPs or CIDRs whose X-Forwarded-For is trusted (SUNLIGHT_TRUSTED_PROXIES)")
	fs.IntVar(&c.ReportRate, "report-rate", c.ReportRate, "new reports a client address may file per minute, 0 for no limit (SUNLIGHT_REPORT_RATE)")
	fs.DurationVar(&c.ShutdownGrace, "shutdown-grace", c.ShutdownGrace, "how long requests in flight may finish on shutdown (SUNLIGHT_SHUTDOWN_GRACE)")
	fs.StringVar(&c.NotifyWebhookFile, "notify-webhook-file", c.NotifyWebhookFile, "file holding the DingTalk/WeCom robot URL for notifications (SUNLIGHT_NOTIFY_WEBHOOK_FILE)")
	fs.StringVar(&c.SMTPAddr, "smtp-addr", c.SMTPAddr, "mail server HOST:PORT for notifications (SUNLIGHT_SMTP_ADDR)")
	fs.StringVar(&c.SMTPFrom, "smtp-from", c.SMTPFrom, "sender address of notification mail (SUNLIGHT_SMTP_FROM)")
	fs.StringVar(&c.SMTPTo, "smtp-to", c.SMTPTo, "comma-separated recipients of notification mail (SUNLIGHT_SMTP_TO)")
	fs.StringVar(&c.SMTPUser, "smtp-user", c.SMTPUser, "mail server user name, if it asks for one (SUNLIGHT_SMTP_USER)")
	fs.StringVar(&c.SMTPPasswordFile, "smtp-password-file", c.SMTPPasswordFile, "file holding the mail server password (SUNLIGHT_SMTP_PASSWORD_FILE)")
	fs.DurationVar(&c.SchedulerInterval, "scheduler-interval", c.SchedulerInterval, "how often deadlines are checked, at least 1s (SUNLIGHT_SCHEDULER_INTERVAL)")
	fs.StringVar(&c.MeiliURL, "meili-url", c.MeiliURL, "Meilisearch URL; empty: the embedded index in DATA_DIR/search (SUNLIGHT_MEILI_URL)")
	fs.StringVar(&c.MeiliKeyFile, "meili-key-file", c.MeiliKeyFile, "file holding the Meilisearch API key (SUNLIGHT_MEILI_KEY_FILE)")
	fs.StringVar(&c.MeiliIndex, "meili-index", c.MeiliIndex, "Meilisearch index uid (SUNLIGHT_MEILI_INDEX)")
}

// validate checks every setting, derives the parsed forms, and makes sure
// the data directory exists and is writable.
func (c *config) validate() error {
	host, port, err := net.SplitHostPort(c.Addr)
	if err != nil {
		return badSetting("SUNLIGHT_ADDR", "%q is not HOST:PORT (e.g. 127.0.0.1:8080)", c.Addr)
	}
	if _, err := net.LookupPort("tcp", port); err != nil {
		return badSetting("SUNLIGHT_ADDR", "%q has no valid port", c.Addr)
	}
	if c.BaseURL == "" {
		if host == "" || host == "0.0.0.0" || host == "::" {
			host = "127.0.0.1"
		}
		c.BaseURL = "http://" + net.JoinHostPort(host, port)
	}
	u, err := url.Parse(c.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
		return badSetting("SUNLIGHT_BASE_URL", "%q must be an absolute http(s) URL with no path, e.g. https://sunlight.example.gov.cn", c.BaseURL)
	}
	c.BaseURL = strings.TrimSuffix(c.BaseURL, "/")
	switch c.LogLevel {
	case "debug":
		c.level = slog.LevelDebug
	case "info":
		c.level = slog.LevelInfo
	case "warn":
		c.level = slog.LevelWarn
	case "error":
		c.level = slog.LevelError
	default:
		return badSetting("SUNLIGHT_LOG_LEVEL", "%q is not one of debug, info, warn, error", c.LogLevel)
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		return badSetting("SUNLIGHT_LOG_FORMAT", "%q is not text or json", c.LogFormat)
	}
	if c.Demo != "auto" && c.Demo != "off" {
		return badSetting("SUNLIGHT_DEMO", "%q is not auto or off", c.Demo)
	}
	if err := c.parseProxies(); err != nil {
		return err
	}
	if err := c.loadSecrets(); err != nil {
		return err
	}
	if err := c.validateNotify(); err != nil {
		return err
	}
	if err := c.validateMeili(); err != nil {
		return err
	}
	if err := checkWritableDir(c.DataDir); err != nil {
		return badSetting("SUNLIGHT_DATA_DIR", "%v", err)
	}
	if c.target, err = database.ParseTarget(c.DB, c.DataDir); err != nil {
		return badSetting("SUNLIGHT_DB", "%v", err)
	}
	return c.loadKey()
}

func (c *config) parseProxies() error {
	for _, p := range strings.Split(c.TrustedProxies, ",") {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		if _, err := netip.ParsePrefix(p); err != nil {
			if _, err := netip.ParseAddr(p); err != nil {
				return badSetting("SUNLIGHT_TRUSTED_PROXIES", "%q is not an IP address or CIDR", p)
			}
		}
		c.proxies = append(c.proxies, p)
	}
	return nil
}

func checkWritableDir(dir string) error {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return fmt.Errorf("cannot create %s: %v", dir, rootErr(err))
	}
	f, err := os.CreateTemp(dir, ".write-test-*")
	if err != nil {
		return fmt.Errorf("%s is not writable: %v", dir, rootErr(err))
	}
	name := f.Name()
	_ = f.Close()
	return os.Remove(name)
}

func rootErr(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// loadKey reads the 32-byte secret key from SUNLIGHT_SECRET_KEY, from
// SUNLIGHT_SECRET_KEY_FILE, or from DATA_DIR/secret.key, which it creates
// on first start. Several processes must share one key: set it explicitly
// when running more than one.
func (c *config) loadKey() error {
	name, raw := "SUNLIGHT_SECRET_KEY", c.SecretKey
	switch {
	case c.SecretKeyFile != "":
		name = "SUNLIGHT_SECRET_KEY_FILE"
	case raw == "":
		name = "SUNLIGHT_DATA_DIR"
		path := filepath.Join(c.DataDir, "secret.key")
		b, err := os.ReadFile(path)
		switch {
		case errors.Is(err, os.ErrNotExist):
			key := make([]byte, 32)
			if _, err := rand.Read(key); err != nil {
				return err
			}
			raw = hex.EncodeToString(key)
			if err := os.WriteFile(path, []byte(raw+"\n"), 0o600); err != nil {
				return badSetting(name, "cannot create %s: %v", path, rootErr(err))
			}
		case err != nil:
			return badSetting(name, "cannot read %s: %v", path, rootErr(err))
		default:
			raw = strings.TrimSpace(string(b))
		}
	}
	key, err := decodeKey(raw)
	if err != nil {
		return badSetting(name, "%v", err)
	}
	c.key = key
	for i, f := range strings.FieldsFunc(c.OldSecretKeys, func(r rune) bool { return r == ',' || unicode.IsSpace(r) }) {
		old, err := decodeKey(f)
		if err != nil {
			return badSetting("SUNLIGHT_OLD_SECRET_KEYS", "key %d: %v", i+1, err)
		}
		c.oldKeys = append(c.oldKeys, old)
	}
	return nil
}

func decodeKey(s string) ([]byte, error) {
	if b, err := hex.DecodeString(s); err == nil && len(b) == 32 {
		return b, nil
	}
	if b, err := base64.StdEncoding.DecodeString(s); err == nil && len(b) == 32 {
		return b, nil
	}
	return nil, errors.New("the secret key must be 32 random bytes written as 64 hex digits or base64 (e.g. openssl rand -hex 32)")
}
