package main

import (
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"os"
	"regexp"
	"strings"
	"time"
)

// loadSecrets reads every secret given as a file (SUNLIGHT_X_FILE) into
// its setting; a secret given both ways is an error.
func (c *config) loadSecrets() error {
	for _, s := range []struct {
		name  string
		value *string
		file  string
	}{
		{"SUNLIGHT_DB", &c.DB, c.DBFile},
		{"SUNLIGHT_SECRET_KEY", &c.SecretKey, c.SecretKeyFile},
		{"SUNLIGHT_OLD_SECRET_KEYS", &c.OldSecretKeys, c.OldSecretKeysFile},
		{"SUNLIGHT_NOTIFY_WEBHOOK", &c.NotifyWebhook, c.NotifyWebhookFile},
		{"SUNLIGHT_SMTP_PASSWORD", &c.SMTPPassword, c.SMTPPasswordFile},
		{"SUNLIGHT_MEILI_KEY", &c.MeiliKey, c.MeiliKeyFile},
	} {
		switch {
		case *s.value != "" && s.file != "":
			return badSetting(s.name, "set either %s or %s_FILE, not both", s.name, s.name)
		case s.file != "":
			v, err := readSecretFile(s.file)
			if err != nil {
				return badSetting(s.name+"_FILE", "%v", err)
			}
			*s.value = v
		}
	}
	return nil
}

func readSecretFile(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("cannot read %s: %v", path, rootErr(err))
	}
	return strings.TrimSpace(string(b)), nil
}

// validateNotify checks where notifications go: a robot webhook, or mail
// (a server, a sender and at least one recipient), and how often the
// scheduler runs. The webhook URL carries a token: errors never show it.
func (c *config) validateNotify() error {
	if c.SchedulerInterval < time.Second {
		return badSetting("SUNLIGHT_SCHEDULER_INTERVAL", "%s is too short: at least 1s, e.g. 1m", c.SchedulerInterval)
	}
	if c.NotifyWebhook != "" && !absoluteHTTP(c.NotifyWebhook) {
		return badSetting("SUNLIGHT_NOTIFY_WEBHOOK", "the value is not an absolute http(s) URL")
	}
	if c.SMTPAddr == "" {
		for _, s := range [][2]string{{"SUNLIGHT_SMTP_FROM", c.SMTPFrom}, {"SUNLIGHT_SMTP_TO", c.SMTPTo},
			{"SUNLIGHT_SMTP_USER", c.SMTPUser}, {"SUNLIGHT_SMTP_PASSWORD", c.SMTPPassword}} {
			if s[1] != "" {
				return badSetting(s[0], "is set but SUNLIGHT_SMTP_ADDR is not")
			}
		}
		return nil
	}
	host, port, err := net.SplitHostPort(c.SMTPAddr)
	if err == nil && host != "" {
		_, err = net.LookupPort("tcp", port)
	}
	if err != nil || host == "" {
		return badSetting("SUNLIGHT_SMTP_ADDR", "%q is not HOST:PORT (e.g. smtp.example.gov.cn:587)", c.SMTPAddr)
	}
	from, err := mail.ParseAddress(c.SMTPFrom)
	if err != nil {
		return badSetting("SUNLIGHT_SMTP_FROM", "%q is not a mail address (e.g. sunlight@example.gov.cn)", c.SMTPFrom)
	}
	c.SMTPFrom = from.Address
	if c.SMTPTo == "" {
		return badSetting("SUNLIGHT_SMTP_TO", "is required when SUNLIGHT_SMTP_ADDR is set")
	}
	to, err := mail.ParseAddressList(c.SMTPTo)
	if err != nil {
		return badSetting("SUNLIGHT_SMTP_TO", "%q is not a comma-separated list of mail addresses", c.SMTPTo)
	}
	c.smtpTo = nil
	for _, a := range to {
		c.smtpTo = append(c.smtpTo, a.Address)
	}
	return nil
}

// meiliIndexUID is what Meilisearch accepts as an index uid.
var meiliIndexUID = regexp.MustCompile(`^[A-Za-z0-9_-]{1,400}$`)

func (c *config) validateMeili() error {
	if c.MeiliURL != "" && !absoluteHTTP(c.MeiliURL) {
		return badSetting("SUNLIGHT_MEILI_URL", "%q is not an absolute http(s) URL with a host, e.g. http://127.0.0.1:7700", c.MeiliURL)
	}
	if !meiliIndexUID.MatchString(c.MeiliIndex) {
		return badSetting("SUNLIGHT_MEILI_INDEX", "%q is not an index uid: letters, digits, - and _ only", c.MeiliIndex)
	}
	return nil
}

func absoluteHTTP(raw string) bool {
	u, err := url.Parse(raw)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" && u.Hostname() != ""
}
