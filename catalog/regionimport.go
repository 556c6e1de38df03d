package catalog

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"
	"unicode/utf8"

	"gorm.io/gorm"
)

// RegionFiles are the files a region import reads, province level first, in
// the format of the national statistical division files (china-division).
var RegionFiles = [...]struct {
	Name   string
	Level  Level
	Parent string // the column naming the parent region
}{
	{"provinces.csv", Province, ""},
	{"cities.csv", City, "provinceCode"},
	{"areas.csv", County, "cityCode"},
	{"streets.csv", Town, "areaCode"},
	{"villages.csv", Village, "streetCode"},
}

// RowError is one bad row of an imported file.
type RowError struct {
	File   string
	Line   int
	Reason string
}

func (e RowError) String() string {
	if e.Line == 0 {
		return fmt.Sprintf("%s: %s", e.File, e.Reason)
	}
	return fmt.Sprintf("%s line %d: %s", e.File, e.Line, e.Reason)
}

// ImportError lists every bad row of an import that imported nothing.
type ImportError struct {
	Rows []RowError
}

func (e *ImportError) Error() string {
	if len(e.Rows) == 1 {
		return "nothing imported: " + e.Rows[0].String()
	}
	return fmt.Sprintf("nothing imported: %s (and %d more errors)", e.Rows[0].String(), len(e.Rows)-1)
}

const maxRowErrors = 1000

type rowErrors struct{ rows []RowError }

func (r *rowErrors) add(file string, line int, format string, args ...any) {
	if len(r.rows) < maxRowErrors {
		r.rows = append(r.rows, RowError{File: file, Line: line, Reason: fmt.Sprintf(format, args...)})
	}
}

func (r *rowErrors) err() error {
	if len(r.rows) == 0 {
		return nil
	}
	return &ImportError{Rows: r.rows}
}

// Progress is told how many of total rows are done; total may grow.
type Progress func(done, total int)

// ImportRegions loads the five region files from dir, all or nothing: every
// file is read and checked first (codes, levels, parents, duplicates), and
// only then are the rows written in one transaction. Re-importing the same
// files changes nothing. Missing files are skipped (their parents must then
// exist already), but at least one file must be present.
func ImportRegions(ctx context.Context, db *gorm.DB, dir fs.FS, progress Progress) (int, error) {
	known, err := existingParents(ctx, db)
	if err != nil {
		return 0, err
	}
	var all []Region
	var errs rowErrors
	found := 0
	for _, f := range RegionFiles {
		data, err := fs.ReadFile(dir, f.Name)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return 0, fmt.Errorf("read %s: %w", f.Name, err)
		}
		found++
		rows := parseRegionFile(data, f.Name, f.Level, f.Parent, known, &errs)
		for _, r := range rows {
			known[r.Code] = struct{}{}
		}
		all = append(all, rows...)
	}
	if found == 0 {
		return 0, &ImportError{Rows: []RowError{{File: "regions", Reason: "none of provinces.csv, cities.csv, areas.csv, streets.csv, villages.csv was found"}}}
	}
	if err := errs.err(); err != nil {
		return 0, err
	}
	return len(all), writeRegions(ctx, db, all, progress)
}

func existingParents(ctx context.Context, db *gorm.DB) (map[string]struct{}, error) {
	var codes []string
	if err := db.WithContext(ctx).Model(&Region{}).Where("level < ?", Village).Pluck("code", &codes).Error; err != nil {
		return nil, fmt.Errorf("read existing regions: %w", err)
	}
	known := make(map[string]struct{}, len(codes)+1024)
	for _, c := range codes {
		known[c] = struct{}{}
	}
	return known, nil
}

func parseRegionFile(data []byte, file string, level Level, parentCol string, known map[string]struct{}, errs *rowErrors) []Region {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if !utf8.Valid(data) {
		errs.add(file, 0, "not UTF-8 text")
		return nil
	}
	r := csv.NewReader(bufio.NewReaderSize(bytes.NewReader(data), 1<<16))
	r.ReuseRecord = true
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if err != nil {
		errs.add(file, 1, "cannot read the header row: %v", err)
		return nil
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.TrimSpace(h)] = i
	}
	iCode, okCode := col["code"]
	iName, okName := col["name"]
	iParent, okParent := col[parentCol]
	if !okCode || !okName || (parentCol != "" && !okParent) {
		want := "code,name"
		if parentCol != "" {
			want += "," + parentCol
		}
		errs.add(file, 1, "header must have the columns %s, found %q", want, strings.Join(header, ","))
		return nil
	}
	seen := make(map[string]int)
	rows := make([]Region, 0, bytes.Count(data, []byte{'\n'}))
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			// A broken quote can swallow the rest of the file: report it at
			// the line the parser names and stop reading this file.
			line := 0
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				line = pe.StartLine
			}
			errs.add(file, line, "%v", err)
			return nil
		}
		line, _ := r.FieldPos(0)
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		if len(rec) != len(header) {
			errs.add(file, line, "has %d fields, the header has %d", len(rec), len(header))
			continue
		}
		code, name := strings.TrimSpace(rec[iCode]), strings.TrimSpace(rec[iName])
		if LevelOf(code) != level {
			errs.add(file, line, "code %q is not a %d-digit %s code", code, codeLengths[level], level.Name())
			continue
		}
		if name == "" || utf8.RuneCountInString(name) > 64 {
			errs.add(file, line, "name must be 1 to 64 characters")
			continue
		}
		if prev, dup := seen[code]; dup {
			errs.add(file, line, "code %s appears again (first on line %d)", code, prev)
			continue
		}
		seen[code] = line
		parent := ""
		if level > Province {
			parent = strings.TrimSpace(rec[iParent])
			if parent != ParentOf(code) {
				errs.add(file, line, "%s %q does not match code %s", parentCol, parent, code)
				continue
			}
			if _, ok := known[parent]; !ok {
				errs.add(file, line, "parent region %s does not exist", parent)
				continue
			}
		}
		rows = append(rows, Region{Code: code, Name: strings.Clone(name), Level: level, ParentCode: parent})
	}
	return rows
}

// writeRegions upserts rows in one transaction through a prepared
// multi-row statement. gorm's Create is avoided here on purpose: building
// statements by reflection, and binding thousands of parameters at once in
// the SQLite driver (which is quadratic in the parameter count), made the
// national import several times slower.
func writeRegions(ctx context.Context, db *gorm.DB, rows []Region, progress Progress) error {
	batch := 64 // SQLite: binding is quadratic in parameters, parsing is per statement
	if db.Dialector.Name() == "mysql" {
		batch = 1000 // MySQL: fewer round trips
	}
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		pool := tx.Statement.ConnPool
		full, err := pool.PrepareContext(ctx, regionUpsertSQL(db.Dialector.Name(), batch))
		if err != nil {
			return fmt.Errorf("write regions: %w", err)
		}
		defer full.Close()
		args := make([]any, 0, 4*batch)
		for i := 0; i < len(rows); i += batch {
			end := min(i+batch, len(rows))
			args = args[:0]
			for _, r := range rows[i:end] {
				args = append(args, r.Code, r.Name, int(r.Level), r.ParentCode)
			}
			if end-i == batch {
				_, err = full.ExecContext(ctx, args...)
			} else {
				_, err = pool.ExecContext(ctx, regionUpsertSQL(db.Dialector.Name(), end-i), args...)
			}
			if err != nil {
				return fmt.Errorf("write regions: %w", err)
			}
			if progress != nil && (end == len(rows) || (i/batch)%64 == 0) {
				progress(end, len(rows))
			}
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		return nil
	})
}

func regionUpsertSQL(dialect string, n int) string {
	var b strings.Builder
	b.Grow(80 + n*10 + 120)
	b.WriteString("INSERT INTO regions (code, name, level, parent_code) VALUES ")
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString("(?,?,?,?)")
	}
	if dialect == "mysql" {
		b.WriteString(" ON DUPLICATE KEY UPDATE name = VALUES(name), level = VALUES(level), parent_code = VALUES(parent_code)")
	} else {
		b.WriteString(" ON CONFLICT(code) DO UPDATE SET name = excluded.name, level = excluded.level, parent_code = excluded.parent_code")
	}
	return b.String()
}
