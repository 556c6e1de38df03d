package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"

	"gorm.io/gorm"

	"sunlight/report"
	"sunlight/staff"
)

// services are the domain services a command runs with, each built once
// from the configuration and the database and shared by everything in the
// process: the portal, the deadline scheduler, the photo sealing pass, qr,
// users and notify.
type services struct {
	db      *gorm.DB
	reports *report.Service
	staff   *staff.Store
	notify  *report.Notifier
}

func (e *env) newServices(db *gorm.DB) (*services, error) {
	reports, err := report.New(db, e.cfg.key, report.Options{UploadDir: filepath.Join(e.cfg.DataDir, "uploads"), OldSecrets: e.cfg.oldKeys})
	if err != nil {
		return nil, err
	}
	return &services{db: db, reports: reports, staff: staff.NewStore(db, staff.Options{}), notify: reports.Notifier(e.notifyDefaults())}, nil
}

// withServices is withDB with the services built on the database.
func (e *env) withServices(ctx context.Context, fn func(*services) error) error {
	return e.withDB(ctx, func(db *gorm.DB) error {
		svc, err := e.newServices(db)
		if err != nil {
			return err
		}
		return fn(svc)
	})
}

// notifyDefaults are the environment's notification settings: the
// deployment's robot (SUNLIGHT_NOTIFY_WEBHOOK) and mail server
// (SUNLIGHT_SMTP_*). A department's own robot or recipients, set in the
// workbench or with `portal notify`, come first; a mail server stored in
// the workbench is used only while SUNLIGHT_SMTP_ADDR is not set; with
// nothing at all notices go to the log.
func (e *env) notifyDefaults() report.NotifyDefaults {
	c := e.cfg
	d := report.NotifyDefaults{Webhook: c.NotifyWebhook, Log: e.log}
	if c.SMTPAddr != "" {
		d.SMTP = &report.SMTPServer{Addr: c.SMTPAddr, From: c.SMTPFrom, User: c.SMTPUser, Password: c.SMTPPassword, To: c.smtpTo}
	}
	return d
}

// startReportScheduler runs the deadline scheduler and the notification
// outbox in the background every SUNLIGHT_SCHEDULER_INTERVAL; the returned
// stop waits for the current pass. Two processes may run it at once: every
// change is conditional.
func startReportScheduler(ctx context.Context, e *env, svc *services) func() {
	// The loop outlives the signal until the server has drained.
	sctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		svc.reports.RunScheduler(sctx, e.cfg.SchedulerInterval, svc.notify, e.log)
	}()
	return func() { cancel(); wg.Wait() }
}

// sealPlainPhotos seals the photos earlier versions stored in plain form,
// before anything is served: the staff workbench opens sealed photos only.
// A file it cannot read stops the start (security note 31 would not hold).
func sealPlainPhotos(ctx context.Context, e *env, svc *report.Service) error {
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
