package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
	"gorm.io/gorm"

	"sunlight/catalog"
	"sunlight/report"
	"sunlight/search"
	"sunlight/staff"
)

// migrate runs every package's migrations; each package owns its tables.
func migrate(ctx context.Context, db *gorm.DB) error {
	return runSteps(ctx, db, catalog.Migrate, search.Migrate, staff.Migrate, report.Migrate)
}

// loadDemo loads the whole demo data set; every step is idempotent.
func loadDemo(ctx context.Context, db *gorm.DB) error {
	return runSteps(ctx, db, catalog.LoadDemoRegions, catalog.LoadDemoPublished, report.LoadDemo)
}

// runSteps runs each step on db in order and stops at the first error.
func runSteps(ctx context.Context, db *gorm.DB, steps ...func(context.Context, *gorm.DB) error) error {
	for _, step := range steps {
		if err := step(ctx, db); err != nil {
			return err
		}
	}
	return nil
}

// emptyDatabase reports whether nothing has been loaded yet.
func emptyDatabase(ctx context.Context, db *gorm.DB) (bool, error) {
	var n int64
	if err := db.WithContext(ctx).Model(&catalog.Region{}).Limit(1).Count(&n).Error; err != nil {
		return false, err
	}
	return n == 0, nil
}

func runMigrate(ctx context.Context, e *env, _ []string) error {
	return e.withDB(ctx, func(*gorm.DB) error {
		fmt.Fprintln(e.stdout, "schema is up to date")
		return nil
	})
}

func runDemo(ctx context.Context, e *env, _ []string) error {
	return e.withDB(ctx, func(db *gorm.DB) error {
		start := time.Now()
		if err := loadDemo(ctx, db); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "demo data loaded in %s\n", time.Since(start).Round(time.Millisecond))
		return nil
	})
}

func regionsCommand() *command {
	var dir string
	return &command{
		name:    "regions",
		summary: "regions import --dir DIR: load provinces, cities, areas, streets and villages CSV files",
		setup:   func(fs *flag.FlagSet) { fs.StringVar(&dir, "dir", "", "folder holding provinces.csv … villages.csv") },
		run: func(ctx context.Context, e *env, args []string) error {
			if len(args) == 0 || args[0] != "import" {
				return &usageError{"the only regions subcommand is: regions import --dir DIR"}
			}
			if len(args) > 1 {
				return &usageError{"unexpected arguments: " + strings.Join(args[1:], " ")}
			}
			if dir == "" {
				return &usageError{"--dir is required"}
			}
			if st, err := os.Stat(dir); err != nil || !st.IsDir() {
				return fmt.Errorf("--dir %s is not a readable folder", dir)
			}
			return e.withDB(ctx, func(db *gorm.DB) error { return importRegions(ctx, e, db, dir) })
		},
	}
}

func importRegions(ctx context.Context, e *env, db *gorm.DB, dir string) error {
	start := time.Now()
	bar := newBar(e, "写入行政区划")
	n, err := catalog.ImportRegions(ctx, db, os.DirFS(dir), func(done, total int) {
		bar.ChangeMax(total)
		_ = bar.Set(done)
	})
	_ = bar.Finish()
	if ie, ok := err.(*catalog.ImportError); ok && len(ie.Rows) > 1 {
		for _, r := range ie.Rows {
			fmt.Fprintln(e.stderr, r.String())
		}
	}
	if err != nil {
		return err
	}
	el := time.Since(start)
	fmt.Fprintf(e.stdout, "imported %d regions in %s (%.0f rows/s)\n", n, el.Round(time.Millisecond), float64(n)/el.Seconds())
	return nil
}

// newBar returns a progress bar on stderr when it is a terminal, and a
// silent one otherwise (logs and CI stay clean).
func newBar(e *env, desc string) *progressbar.ProgressBar {
	visible := false
	if f, ok := e.stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		visible = true
	}
	return progressbar.NewOptions(-1,
		progressbar.OptionSetDescription(desc),
		progressbar.OptionSetWriter(e.stderr),
		progressbar.OptionSetVisibility(visible),
		progressbar.OptionShowCount(),
		progressbar.OptionShowIts(),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionClearOnFinish(),
	)
}
