package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"time"

	"sunlight/portal"
)

func serveCommand() *command {
	return &command{
		name:    "serve",
		bare:    true,
		summary: "migrate, load the demo data into an empty database, and serve (default)",
		setup:   func(*flag.FlagSet) {},
		run:     runServe,
	}
}

func runServe(ctx context.Context, e *env, _ []string) error {
	// The database closes last, after the server has drained.
	return e.withServices(ctx, func(svc *services) error { return serve(ctx, e, svc) })
}

func serve(ctx context.Context, e *env, svc *services) error {
	db := svc.db
	if err := sealPlainPhotos(ctx, e, svc.reports); err != nil {
		return err
	}
	if e.cfg.Demo == "auto" {
		empty, err := emptyDatabase(ctx, db)
		if err != nil {
			return err
		}
		if empty {
			start := time.Now()
			if err := loadDemo(ctx, db); err != nil {
				return fmt.Errorf("load demo data: %w", err)
			}
			e.log.Info("demo data loaded into the empty database", "took", time.Since(start).Round(time.Millisecond).String())
		}
	}
	idx, synonyms, stopSearch, err := startSearch(ctx, e, db)
	if err != nil {
		return err
	}
	// The syncer stops (after its batch) once the server has drained.
	defer stopSearch()
	stopScheduler := startReportScheduler(ctx, e, svc)
	// Deferred after stopSearch, so it runs first: the deadline scheduler
	// finishes its pass once the server has drained.
	defer stopScheduler()
	srv, err := portal.New(portal.Config{
		DB: db, Log: e.log, BaseURL: e.cfg.BaseURL, Version: version, TrustedProxies: e.cfg.proxies,
		SecretKey: e.cfg.key, OldSecretKeys: e.cfg.oldKeys, DataDir: e.cfg.DataDir, ReportsPerMinute: e.cfg.ReportRate, Search: idx,
		Reports: svc.reports, Staff: svc.staff, Notifier: svc.notify,
		Synonyms: synonyms,
	})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", e.cfg.Addr)
	if err != nil {
		return &configError{Name: "SUNLIGHT_ADDR", Err: err}
	}
	fmt.Fprintf(e.stdout, "Sunlight listening on http://%s\n", ln.Addr())
	e.log.Info("serving", "addr", ln.Addr().String(), "db", e.cfg.target.Display)
	if err := srv.Serve(ctx, ln, e.cfg.ShutdownGrace); err != nil {
		return err
	}
	e.log.Info("stopped")
	return nil
}
