package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"

	"sunlight/catalog"
)

func importCommand() *command {
	var dryRun bool
	return &command{
		name:    "import",
		summary: "import KIND FILE: load catalog, funds, disbursements or disclosures from .csv or .xlsx (all or nothing)",
		setup: func(fs *flag.FlagSet) {
			fs.BoolVar(&dryRun, "dry-run", false, "check the file and report what would change, writing nothing")
		},
		run: func(ctx context.Context, e *env, args []string) error {
			rest := args
			if len(rest) != 2 {
				return &usageError{"usage: import KIND FILE, KIND one of " + strings.Join(catalog.ImportKinds, ", ")}
			}
			kind, file := rest[0], rest[1]
			if !slices.Contains(catalog.ImportKinds, kind) {
				return &usageError{fmt.Sprintf("unknown kind %q: use one of %s", kind, strings.Join(catalog.ImportKinds, ", "))}
			}
			return e.withDB(ctx, func(db *gorm.DB) error { return importFile(ctx, e, db, kind, file, dryRun) })
		},
	}
}

func importFile(ctx context.Context, e *env, db *gorm.DB, kind, file string, dryRun bool) error {
	f, err := os.Open(file)
	if err != nil {
		return fmt.Errorf("cannot open %s: %w", file, err)
	}
	defer f.Close()
	start := time.Now()
	bar := newBar(e, "导入 "+kind)
	res, err := catalog.Import(ctx, db, kind, file, f, catalog.ImportOptions{
		DryRun: dryRun,
		Progress: func(done, total int) {
			if total >= 0 { // -1 while the file is still being read
				bar.ChangeMax(total)
			}
			_ = bar.Set(done)
		},
	})
	_ = bar.Finish()
	if err != nil {
		return badRows(e, file, err)
	}
	el := time.Since(start)
	verb := "imported"
	if dryRun {
		verb = "dry run, nothing written: would import"
	}
	fmt.Fprintf(e.stdout, "%s %d %s rows from %s in %s (%.0f rows/s): %d new, %d changed, %d unchanged\n",
		verb, res.Rows, kind, res.File, el.Round(time.Millisecond), float64(res.Rows)/el.Seconds(), res.Created, res.Updated, res.Unchanged)
	return nil
}
