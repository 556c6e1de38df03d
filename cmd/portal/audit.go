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
	var checkpoint string
	return &command{
		name:    "audit",
		summary: "audit verify [--checkpoint SEQ:HASH]: check the report event hash chain; exits non-zero naming the first bad event",
		setup: func(fs *flag.FlagSet) {
			fs.StringVar(&checkpoint, "checkpoint", "", "a chain head noted earlier (SEQ:HASH, as printed or shown on /stats) the chain must still pass through")
		},
		run: func(ctx context.Context, e *env, args []string) error {
			if len(args) == 0 || args[0] != "verify" {
				return &usageError{"the only audit subcommand is: audit verify"}
			}
			if len(args) > 1 {
				return &usageError{"unexpected arguments: " + strings.Join(args[1:], " ")}
			}
			return e.withDB(ctx, func(db *gorm.DB) error {
				n, err := report.VerifyChain(ctx, db)
				if err != nil {
					return err
				}
				if checkpoint != "" {
					var cp report.Head
					seq, hash, ok := strings.Cut(checkpoint, ":")
					if _, err := fmt.Sscan(seq, &cp.Seq); err != nil || !ok || len(hash) != 64 {
						return &usageError{"--checkpoint must be SEQ:HASH (64 hex digits)"}
					}
					cp.Hash = hash
					if err := report.CheckCheckpoint(ctx, db, cp); err != nil {
						return err
					}
				}
				head, err := report.ChainHeadOf(ctx, db)
				if err != nil {
					return err
				}
				fmt.Fprintf(e.stdout, "audit chain intact: %d events, head seq %d hash %s\n", n, head.Seq, head.Hash)
				fmt.Fprintf(e.stdout, "checkpoint: %d:%s\n", head.Seq, head.Hash)
				return nil
			})
		},
	}
}
