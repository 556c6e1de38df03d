package main

import (
	"context"
	"fmt"
	"net/smtp"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"gorm.io/gorm"

	"sunlight/report"
)

// Notifications go to a DingTalk/WeCom group robot when
// SUNLIGHT_NOTIFY_WEBHOOK is set, by mail when SUNLIGHT_SMTP_ADDR is set
// (with SUNLIGHT_SMTP_FROM, SUNLIGHT_SMTP_TO, and optional
// SUNLIGHT_SMTP_USER / SUNLIGHT_SMTP_PASSWORD), and to the log otherwise.
// SUNLIGHT_SCHEDULER_INTERVAL (default 1m) sets how often deadlines are
// checked.
const (
	envNotifyWebhook     = "SUNLIGHT_NOTIFY_WEBHOOK"
	envSMTPAddr          = "SUNLIGHT_SMTP_ADDR"
	envSMTPFrom          = "SUNLIGHT_SMTP_FROM"
	envSMTPTo            = "SUNLIGHT_SMTP_TO"
	envSMTPUser          = "SUNLIGHT_SMTP_USER"
	envSMTPPassword      = "SUNLIGHT_SMTP_PASSWORD"
	envSchedulerInterval = "SUNLIGHT_SCHEDULER_INTERVAL"
)

func (e *env) notificationSender() report.Sender {
	if u := strings.TrimSpace(e.getenv(envNotifyWebhook)); u != "" {
		return report.WebhookSender{URL: u}
	}
	if addr := strings.TrimSpace(e.getenv(envSMTPAddr)); addr != "" {
		var auth smtp.Auth
		if user := e.getenv(envSMTPUser); user != "" {
			host, _, _ := strings.Cut(addr, ":")
			auth = smtp.PlainAuth("", user, e.getenv(envSMTPPassword), host)
		}
		to := strings.Split(e.getenv(envSMTPTo), ",")
		return report.SMTPSender{Addr: addr, Auth: auth, From: e.getenv(envSMTPFrom),
			Recipients: func(string, string) []string { return to }}
	}
	return report.LogSender{Log: e.log}
}

// startReportScheduler runs the deadline scheduler and the notification
// outbox in the background; the returned stop waits for the current pass.
// Two processes may run it at once: every change is conditional.
func startReportScheduler(ctx context.Context, e *env, db *gorm.DB) (func(), error) {
	every := time.Minute
	if v := strings.TrimSpace(e.getenv(envSchedulerInterval)); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < time.Second {
			return nil, badSetting(envSchedulerInterval, "%q is not a duration of at least 1s, e.g. 1m", v)
		}
		every = d
	}
	svc, err := report.New(db, e.cfg.key, report.Options{UploadDir: filepath.Join(e.cfg.DataDir, "uploads"), OldSecrets: e.cfg.oldKeys})
	if err != nil {
		return nil, err
	}
	// The loop outlives the signal until the server has drained.
	sctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		svc.RunScheduler(sctx, every, e.notificationSender(), e.log)
	}()
	return func() { cancel(); wg.Wait() }, nil
}

// sealPlainPhotos seals the photos earlier versions stored in plain form,
// before anything is served: the staff workbench opens sealed photos only.
// A file it cannot read stops the start (SECURITY 31 would not hold).
func sealPlainPhotos(ctx context.Context, e *env, db *gorm.DB) error {
	svc, err := report.New(db, e.cfg.key, report.Options{UploadDir: filepath.Join(e.cfg.DataDir, "uploads"), OldSecrets: e.cfg.oldKeys})
	if err != nil {
		return err
	}
	res, err := svc.SealPlainPhotos(ctx)
	if err != nil {
		return fmt.Errorf("seal stored photos: %w", err)
	}
	if res.Sealed > 0 {
		e.log.Info("sealed photos an earlier version stored in plain form", "count", res.Sealed)
	}
	if n := len(res.Unrecognised); n > 0 {
		e.log.Warn("photo files that are neither sealed nor an image were left alone and will not open",
			"count", n, "names", strings.Join(res.Unrecognised[:min(n, 20)], " "))
	}
	return nil
}
