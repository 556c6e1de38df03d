package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"

	"gorm.io/gorm"

	"sunlight/catalog"
	"sunlight/report"
)

// holidayFlags are the flags of the holidays subcommands, and which
// subcommand each belongs to.
type holidayFlags struct {
	set         *flag.FlagSet
	dryRun      bool
	year        int
	from        string
	workingDays int
}

var holidayFlagOf = map[string]string{"dry-run": "import", "year": "list", "from": "due", "working-days": "due"}

func holidaysCommand() *command {
	f := &holidayFlags{}
	return &command{
		name: "holidays",
		summary: "holidays import FILE [--dry-run] (a year's 休/班 schedule, .csv or .xlsx, all or nothing); " +
			"holidays list [--year Y]; holidays due --from DATE --working-days N; holidays template",
		setup: func(fs *flag.FlagSet) {
			f.set = fs
			fs.BoolVar(&f.dryRun, "dry-run", false, "holidays import: check the file and report what would change, writing nothing")
			fs.IntVar(&f.year, "year", 0, "holidays list: only this year")
			fs.StringVar(&f.from, "from", "", "holidays due: the day the deadline is counted from, e.g. 2026-09-30")
			fs.IntVar(&f.workingDays, "working-days", 0, "holidays due: how many working days")
		},
		run: func(ctx context.Context, e *env, args []string) error { return runHolidays(ctx, e, f, args) },
	}
}

func runHolidays(ctx context.Context, e *env, f *holidayFlags, args []string) error {
	if len(args) == 0 {
		return &usageError{"holidays needs a subcommand: import, list, due or template"}
	}
	sub, rest := args[0], args[1:]
	var misplaced error
	f.set.Visit(func(fl *flag.Flag) {
		if owner, ok := holidayFlagOf[fl.Name]; ok && owner != sub {
			misplaced = &usageError{fmt.Sprintf("--%s belongs to holidays %s", fl.Name, owner)}
		}
	})
	if misplaced != nil {
		return misplaced
	}
	want := map[string]int{"import": 1, "list": 0, "due": 0, "template": 0}
	n, ok := want[sub]
	if !ok {
		return &usageError{fmt.Sprintf("unknown holidays subcommand %q: use import, list, due or template", sub)}
	}
	if len(rest) != n {
		return &usageError{fmt.Sprintf("holidays %s takes %d argument(s), got %q", sub, n, strings.Join(rest, " "))}
	}
	if sub == "template" {
		_, err := e.stdout.Write(report.HolidayTemplate())
		return err
	}
	return e.withDB(ctx, func(db *gorm.DB) error {
		switch sub {
		case "import":
			return holidaysImport(ctx, e, db, rest[0], f.dryRun)
		case "list":
			return holidaysList(ctx, e, db, f.year)
		}
		return holidaysDue(ctx, e, db, f.from, f.workingDays)
	})
}

func holidaysImport(ctx context.Context, e *env, db *gorm.DB, file string, dryRun bool) error {
	fh, err := os.Open(file)
	if err != nil {
		return fmt.Errorf("cannot open %s: %w", file, err)
	}
	defer fh.Close()
	res, err := report.ImportHolidays(ctx, db, file, fh, report.HolidayImportOptions{DryRun: dryRun})
	if err != nil {
		return badRows(e, file, err)
	}
	years := make([]string, len(res.Years))
	for i, y := range res.Years {
		years[i] = strconv.Itoa(y)
	}
	verb := "imported"
	if dryRun {
		verb = "dry run, nothing written: would import"
	}
	fmt.Fprintf(e.stdout, "%s %d holiday rows for %s from %s: %d new, %d changed, %d unchanged, %d removed\n",
		verb, res.Rows, strings.Join(years, ", "), res.File, res.Created, res.Updated, res.Unchanged, res.Removed)
	if !dryRun {
		fmt.Fprintf(e.stdout, "provisional deadlines recounted: %d reports\n", res.Recomputed)
	}
	return nil
}

// badRows prints every bad row of a refused import on stderr and says
// that nothing was imported; other errors pass through.
func badRows(e *env, file string, err error) error {
	var ie *catalog.ImportError
	if !errors.As(err, &ie) {
		return err
	}
	for _, r := range ie.Rows {
		fmt.Fprintln(e.stderr, r.String())
	}
	return fmt.Errorf("%s: %d bad rows, nothing imported", file, len(ie.Rows))
}

func holidaysList(ctx context.Context, e *env, db *gorm.DB, year int) error {
	hs, err := report.ListHolidays(ctx, db, year)
	if err != nil {
		return err
	}
	for _, h := range hs {
		kind := either(h.Workday, "班", "休")
		fmt.Fprintf(e.stdout, "%s\t%s\t%s\n", h.Date, kind, h.Name)
	}
	if len(hs) == 0 {
		fmt.Fprintln(e.stderr, "no holiday rows loaded")
	}
	return nil
}

// holidaysDue prints the n-th working day after the day from: the day at
// whose end (24:00 China time) the portal's deadline falls.
func holidaysDue(ctx context.Context, e *env, db *gorm.DB, from string, n int) error {
	if from == "" || n < 1 {
		return &usageError{"holidays due needs --from DATE and --working-days N (N ≥ 1)"}
	}
	d, err := catalog.ParseDate(from)
	if err != nil {
		return &usageError{err.Error()}
	}
	due, err := report.DueDay(ctx, db, d, n)
	if err != nil {
		return err
	}
	note := ""
	if due.Provisional != 0 {
		note = " " + report.ProvisionalNote(due.Provisional)
	}
	fmt.Fprintf(e.stdout, "%s%s\n", due.Day, note)
	return nil
}
