package main

import (
	"context"
	"fmt"

	"gorm.io/gorm"

	"sunlight/report"
)

func auditCommand() *command {
	return &command{
		name:    "audit",
		summary: "audit verify: check the report event hash chain; exits non-zero naming the first bad event",
		run: func(ctx context.Context, e *env, args []string) error {
			if len(args) != 1 || args[0] != "verify" {
				return &usageError{"the only audit subcommand is: audit verify"}
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
