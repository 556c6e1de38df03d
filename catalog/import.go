package catalog

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"path/filepath"
	"strings"
	"time"

	"gorm.io/gorm"

	"sunlight/domain"
)

// What an import file holds.
const (
	ImportCatalog       = "catalog"
	ImportFunds         = "funds"
	ImportDisbursements = "disbursements"
	ImportDisclosures   = "disclosures"
)

// ImportKinds lists the kinds Import accepts.
var ImportKinds = []string{ImportCatalog, ImportFunds, ImportDisbursements, ImportDisclosures}

// ImportOptions tune an import.
type ImportOptions struct {
	// DryRun checks the whole file, and the writes it would make, and then
	// rolls everything back: the result says what would change.
	DryRun bool
	// Progress, if set, is told how many rows are done; total is -1 while
	// the file is still being read.
	Progress Progress
	// Now is the clock for default publication dates (time.Now if nil).
	Now func() time.Time
}

// ImportResult says what an import did (or, in a dry run, would do).
type ImportResult struct {
	Kind      string
	File      string
	Rows      int // data rows read
	Created   int
	Updated   int
	Unchanged int
	DryRun    bool
}

// column is one column an import kind reads, with every header it is
// known by (Chinese and English).
type column struct {
	key      string
	names    []string
	required bool
}

// row is one data row of a file, read through the header.
type row struct {
	line int
	rec  []string
	idx  map[string]int
}

func (r row) get(key string) string {
	i, ok := r.idx[key]
	if !ok || i >= len(r.rec) {
		return ""
	}
	return strings.TrimSpace(r.rec[i])
}

// importer is one kind of import: it reads its rows and writes them in
// batches inside the import's transaction.
type importer interface {
	columns() []column
	// load reads what rows refer to (regions, departments, funds).
	load(ctx context.Context, tx *gorm.DB) error
	// parse checks one row and buffers it; problems go to errs.
	parse(r row, errs *lineErrors)
	// pending is how many rows are buffered.
	pending() int
	// flush writes the buffered rows.
	flush(ctx context.Context, tx *gorm.DB, res *ImportResult) error
	// finish checks what can only be checked once every row is read.
	finish(errs *lineErrors)
}

// lineErrors collects the bad rows of one file.
type lineErrors struct {
	file string
	rows rowErrors
}

func (e *lineErrors) add(line int, format string, args ...any) {
	e.rows.add(e.file, line, format, args...)
}

func (e *lineErrors) any() bool { return len(e.rows.rows) > 0 }

const importBatch = 1000

var errDryRun = errors.New("dry run")

// Import reads a .csv or .xlsx file of the given kind and writes it, all
// or nothing: if any row is bad nothing is written and the returned
// *ImportError lists every bad row with its line number. Rows are matched
// on their natural keys (catalog: code; funds: project code; disbursements:
// project code and ref; disclosures: village, kind, period and title), so
// importing the same file twice changes nothing. Text is masked before it
// is stored; the originals that staff need are kept as Original rows.
func Import(ctx context.Context, db *gorm.DB, kind, filename string, r io.Reader, opt ImportOptions) (ImportResult, error) {
	res := ImportResult{Kind: kind, File: filepath.Base(filename), DryRun: opt.DryRun}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	imp, err := newImporter(kind, opt.Now().UTC())
	if err != nil {
		return res, err
	}
	tr, err := openTable(filename, r)
	if err != nil {
		return res, err
	}
	defer tr.Close()
	errs := &lineErrors{file: res.File}
	err = db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tuneForBulk(tx); err != nil {
			return err
		}
		if err := imp.load(ctx, tx); err != nil {
			return err
		}
		if err := readRows(ctx, tx, tr, imp, errs, &res, opt.Progress); err != nil {
			return err
		}
		if errs.any() {
			return errs.rows.err()
		}
		if err := imp.flush(ctx, tx, &res); err != nil {
			return err
		}
		if opt.Progress != nil {
			opt.Progress(res.Rows, res.Rows)
		}
		if opt.DryRun {
			return errDryRun
		}
		return nil
	})
	if errors.Is(err, errDryRun) {
		err = nil
	}
	return res, err
}

func newImporter(kind string, now time.Time) (importer, error) {
	switch kind {
	case ImportCatalog:
		return &categoryImporter{}, nil
	case ImportFunds:
		return &fundImporter{}, nil
	case ImportDisbursements:
		return &disbursementImporter{}, nil
	case ImportDisclosures:
		return &disclosureImporter{now: now}, nil
	}
	return nil, domain.Invalid("未知的导入类型", "kind", fmt.Sprintf("应为 %s 之一", strings.Join(ImportKinds, ", ")))
}

// readRows reads the header and every row, flushing full batches as long
// as no row has been bad.
func readRows(ctx context.Context, tx *gorm.DB, tr tableReader, imp importer, errs *lineErrors, res *ImportResult, progress Progress) error {
	idx, err := readHeader(tr, imp.columns(), errs)
	if err != nil || idx == nil {
		return err
	}
	for {
		line, rec, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		var le *lineError
		if errors.As(err, &le) {
			errs.add(le.line, "%s", le.reason)
			if len(rec) == 0 && strings.HasPrefix(le.reason, "CSV") {
				// encoding/csv cannot go on after a broken quote.
				break
			}
			continue
		}
		if err != nil {
			return fmt.Errorf("read %s: %w", errs.file, err)
		}
		if blank(rec) {
			continue
		}
		res.Rows++
		imp.parse(row{line: line, rec: rec, idx: idx}, errs)
		if !errs.any() && imp.pending() >= importBatch {
			if err := imp.flush(ctx, tx, res); err != nil {
				return err
			}
		}
		if res.Rows%5000 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
			if progress != nil {
				progress(res.Rows, -1)
			}
		}
	}
	if res.Rows == 0 && !errs.any() {
		errs.add(0, "文件中没有数据行")
	}
	imp.finish(errs)
	return nil
}

func blank(rec []string) bool {
	for _, f := range rec {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

// readHeader maps the header row to column keys. Unknown headers are an
// error (a misspelt column would otherwise be dropped silently).
func readHeader(tr tableReader, cols []column, errs *lineErrors) (map[string]int, error) {
	var line int
	var rec []string
	for {
		var err error
		line, rec, err = tr.Next()
		if errors.Is(err, io.EOF) {
			errs.add(1, "文件是空的：第一行应为列名")
			return nil, nil
		}
		var le *lineError
		if errors.As(err, &le) {
			errs.add(le.line, "%s", le.reason)
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		if !blank(rec) {
			break
		}
	}
	byName := map[string]string{}
	for _, c := range cols {
		byName[normHeader(c.key)] = c.key
		for _, n := range c.names {
			byName[normHeader(n)] = c.key
		}
	}
	idx := map[string]int{}
	for i, h := range rec {
		if strings.TrimSpace(h) == "" {
			continue
		}
		key, ok := byName[normHeader(h)]
		if !ok {
			errs.add(line, "未知的列 %q（可用的列见导入说明）", strings.TrimSpace(h))
			continue
		}
		if _, dup := idx[key]; dup {
			errs.add(line, "列 %q 重复", strings.TrimSpace(h))
			continue
		}
		idx[key] = i
	}
	var missing []string
	for _, c := range cols {
		if _, ok := idx[c.key]; c.required && !ok {
			missing = append(missing, c.names[0]+"（"+c.key+"）")
		}
	}
	if len(missing) > 0 {
		errs.add(line, "缺少必需的列：%s", strings.Join(missing, "、"))
	}
	if errs.any() {
		return nil, nil
	}
	return idx, nil
}

// digest fingerprints a row's content, to tell a changed row from an
// unchanged one on re-import.
func digest(fields ...string) string {
	h := fnv.New64a()
	for _, f := range fields {
		_, _ = h.Write([]byte(f))
		_, _ = h.Write([]byte{0x1f})
	}
	return fmt.Sprintf("%016x", h.Sum64())
}

// disclosureKey is a disclosure's natural key (village, kind, period,
// title) in 32 characters: the village code, then 80 bits of a hash of the
// rest. Keys of one village sort together, so a big import touches a few
// hot index pages per village instead of random ones all over the index.
func disclosureKey(village, kind, period, title string) string {
	sum := sha256.Sum256([]byte(kind + "\x1f" + period + "\x1f" + title))
	return village + hex.EncodeToString(sum[:10])
}

// tuneForBulk lets SQLite keep a big import's statement journals in memory
// and more of its pages in cache (on this connection only); MySQL needs
// nothing.
func tuneForBulk(tx *gorm.DB) error {
	if tx.Dialector.Name() == "mysql" {
		return nil
	}
	for _, p := range []string{"PRAGMA temp_store = MEMORY", "PRAGMA cache_size = -131072"} {
		if err := tx.Exec(p).Error; err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
	}
	return nil
}

// insertBatch is how many rows one INSERT carries. The pure-Go SQLite
// driver binds parameters in time quadratic in their number, so SQLite
// gets short statements; MySQL is faster with long ones.
func insertBatch(tx *gorm.DB) int {
	if tx.Dialector.Name() == "mysql" {
		return importBatch
	}
	return 64
}

// checkLen reports a field longer than max characters.
func checkLen(errs *lineErrors, line int, name, v string, max int, required bool) bool {
	n := len([]rune(v))
	if required && n == 0 {
		errs.add(line, "%s不能为空", name)
		return false
	}
	if n > max {
		errs.add(line, "%s太长（%d 字，最多 %d 字）", name, n, max)
		return false
	}
	return true
}
