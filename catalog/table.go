package catalog

import (
	"context"
	"io"
	"path/filepath"
	"time"

	"gorm.io/gorm"
)

// Column is one column of a table file that another package imports, with
// every header it is known by (Chinese and English).
type Column struct {
	Key      string
	Names    []string
	Required bool
}

// TableRow is one data row of a table file, read through its header.
type TableRow struct {
	r    row
	errs *lineErrors
}

// Line is the row's line number in the file (the header is line 1).
func (t TableRow) Line() int { return t.r.line }

// Get is the trimmed value of a column ("" when the file lacks it).
func (t TableRow) Get(key string) string { return t.r.get(key) }

// Bad records a problem with this row; the whole file is then refused.
func (t TableRow) Bad(format string, args ...any) { t.errs.add(t.r.line, format, args...) }

// ReadTable reads a .csv (UTF-8 with or without BOM, or GB18030) or .xlsx
// file with the same rules as Import: the header is mapped to cols
// (unknown or missing columns are errors), blank rows are skipped, and
// every other row is given to fn, which checks it and calls Bad for each
// problem. It returns the number of data rows, and an *ImportError listing
// every bad row with its line number if any was bad.
func ReadTable(ctx context.Context, filename string, r io.Reader, cols []Column, fn func(TableRow)) (int, error) {
	tr, err := openTable(filename, r)
	if err != nil {
		return 0, err
	}
	defer tr.Close()
	t := &tableImporter{fn: fn}
	for _, c := range cols {
		t.cols = append(t.cols, column{key: c.Key, names: c.Names, required: c.Required})
	}
	errs := &lineErrors{file: filepath.Base(filename)}
	var res ImportResult
	if err := readRows(ctx, nil, tr, t, errs, &res, nil); err != nil {
		return res.Rows, err
	}
	return res.Rows, errs.rows.err()
}

// ParseDate reads a date the way imports do: the usual spellings
// (2026-11-24, 2026/11/24, 2026年11月24日 …) or an Excel serial day.
func ParseDate(s string) (time.Time, error) { return parseDate(s) }

// tableImporter adapts fn to the importer interface readRows drives; it
// buffers nothing, so readRows never flushes (and never uses its tx).
type tableImporter struct {
	cols []column
	fn   func(TableRow)
}

func (t *tableImporter) columns() []column                                    { return t.cols }
func (t *tableImporter) load(context.Context, *gorm.DB) error                 { return nil }
func (t *tableImporter) parse(r row, errs *lineErrors)                        { t.fn(TableRow{r: r, errs: errs}) }
func (t *tableImporter) pending() int                                         { return 0 }
func (t *tableImporter) flush(context.Context, *gorm.DB, *ImportResult) error { return nil }
func (t *tableImporter) finish(*lineErrors)                                   {}
