package main

import (
	"context"
	"flag"
	"fmt"
	"strings"

	"gorm.io/gorm"

	"sunlight/report"
)

func auditCommand() *command {
	return &command{
		name:    "audit",
		summary: "audit verify: check the report event hash chain; exits non-zero naming the first bad event",
		run: func(ctx context.Context, e *env, args []string) error {
			if len(args) == 0 || args[0] != "verify" {
				return &usageError{"the only audit subcommand is: audit verify"}
			}
			// Accept the settings after the subcommand too: audit verify --db X.
			if len(args) > 1 {
				fs := flag.NewFlagSet("audit verify", flag.ContinueOnError)
				fs.SetOutput(e.stderr)
				e.cfg.flags(fs)
				if err := fs.Parse(args[1:]); err != nil {
					return &usageError{err.Error()}
				}
				if fs.NArg() > 0 {
					return &usageError{"unexpected arguments: " + strings.Join(fs.Args(), " ")}
				}
				if err := e.cfg.validate(); err != nil {
					return err
				}
			}
			return e.withDB(ctx, func(db *gorm.DB) error {
				n, err := report.VerifyChain(ctx, db)
				if err != nil {
					return err
				}
				head, err := report.ChainHeadOf(ctx, db)
				if err != nil {
					return err
				}
				fmt.Fprintf(e.stdout, "audit chain intact: %d events, head seq %d hash %s\n", n, head.Seq, head.Hash)
				return nil
			})
		},
	}
}
