package report

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"sunlight/catalog"
)

// holidayFS holds the official schedules the program ships (YYYY.csv, one
// file a year, as the State Council publishes them) and the template
// officials fill in for the next year.
//
//go:embed holidays/*.csv
var holidayFS embed.FS

var shippedYear = regexp.MustCompile(`^\d{4}\.csv$`)

// HolidayTemplate is the template of a holiday file: a UTF-8 CSV with a
// BOM, the header (日期, 类型 休/班, 名称) and example rows.
func HolidayTemplate() []byte {
	b, err := holidayFS.ReadFile("holidays/template.csv")
	if err != nil {
		panic("report: holiday template missing: " + err.Error())
	}
	return b
}

// ShippedHolidays is every schedule shipped in report/holidays, read with
// the same checks as an import.
func ShippedHolidays(ctx context.Context) ([]Holiday, error) {
	names, err := fs.Glob(holidayFS, "holidays/*.csv")
	if err != nil {
		return nil, err
	}
	var out []Holiday
	for _, n := range names {
		if !shippedYear.MatchString(filepath.Base(n)) {
			continue
		}
		b, err := holidayFS.ReadFile(n)
		if err != nil {
			return nil, err
		}
		hs, err := ParseHolidays(ctx, filepath.Base(n), bytes.NewReader(b))
		if err != nil {
			return nil, fmt.Errorf("shipped holidays %s: %w", n, err)
		}
		out = append(out, hs...)
	}
	return out, nil
}

// seedShippedHolidays loads the shipped schedules into an empty holiday
// table (a table that has rows belongs to the officials who import them).
func seedShippedHolidays(ctx context.Context, db *gorm.DB) error {
	var n int64
	if err := db.WithContext(ctx).Model(&Holiday{}).Limit(1).Count(&n).Error; err != nil || n > 0 {
		return err
	}
	hs, err := ShippedHolidays(ctx)
	if err != nil {
		return err
	}
	return SeedHolidays(ctx, db, hs)
}

var holidayColumns = []catalog.Column{
	{Key: "date", Names: []string{"日期", "date"}, Required: true},
	{Key: "type", Names: []string{"类型", "type"}, Required: true},
	{Key: "name", Names: []string{"名称", "name"}, Required: true},
}

// holidayKinds are the spellings of the type column: a day off (休) or a
// weekend day worked in exchange (班).
var holidayKinds = map[string]bool{"休": false, "放假": false, "休息": false, "off": false,
	"班": true, "上班": true, "补班": true, "调休上班": true, "work": true}

// ParseHolidays reads and checks a holiday file (.csv in UTF-8, with or
// without BOM, or GB18030; or .xlsx): every bad row is listed in the
// returned *catalog.ImportError with its line number.
func ParseHolidays(ctx context.Context, filename string, r io.Reader) ([]Holiday, error) {
	var out []Holiday
	seen := map[string]int{}
	_, err := catalog.ReadTable(ctx, filename, r, holidayColumns, func(row catalog.TableRow) {
		h, ok := parseHoliday(row)
		if !ok {
			return
		}
		if prev, dup := seen[h.Date]; dup {
			row.Bad("日期 %s 与第 %d 行重复", h.Date, prev)
			return
		}
		seen[h.Date] = row.Line()
		out = append(out, h)
	})
	if err != nil {
		return nil, err
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Date < out[j].Date })
	return out, nil
}

// parseHoliday checks one row; problems are recorded on the row.
func parseHoliday(row catalog.TableRow) (Holiday, bool) {
	ok := true
	d, err := catalog.ParseDate(row.Get("date"))
	if err != nil {
		row.Bad("%s", err.Error())
		ok = false
	} else if d.Year() < 2000 || d.Year() > 2100 {
		row.Bad("日期 %s 的年份不在 2000 到 2100 之间", d.Format(time.DateOnly))
		ok = false
	}
	kind := strings.TrimSpace(row.Get("type"))
	work, known := holidayKinds[strings.ToLower(kind)]
	switch {
	case kind == "":
		row.Bad("类型不能为空：应为 休（放假）或 班（调休上班）")
		ok = false
	case !known:
		row.Bad("类型 %q 无法识别：应为 休（放假）或 班（调休上班）", kind)
		ok = false
	case work && err == nil && d.Weekday() != time.Saturday && d.Weekday() != time.Sunday:
		row.Bad("%s 是%s，本来就是工作日，不能标为 班（班 只用于调休上班的周末）", d.Format(time.DateOnly), weekdayNames[d.Weekday()])
		ok = false
	}
	name := row.Get("name")
	if name == "" {
		row.Bad("名称不能为空（如 春节、国庆节）")
		ok = false
	} else if strings.Contains(name, "示例") {
		row.Bad("这是模板的示例行：请换成国务院办公厅通知的安排，并删去“示例”二字")
		ok = false
	} else if n := utf8.RuneCountInString(name); n > 32 {
		row.Bad("名称太长（%d 字，最多 32 字）", n)
		ok = false
	}
	return Holiday{Date: d.Format(time.DateOnly), Name: name, Workday: work}, ok
}

var weekdayNames = [...]string{"星期日", "星期一", "星期二", "星期三", "星期四", "星期五", "星期六"}

// HolidayImportOptions tune ImportHolidays.
type HolidayImportOptions struct {
	// DryRun checks the file and counts what would change, writing nothing.
	DryRun bool
	// Now is the clock deadlines are recomputed at (time.Now if nil).
	Now func() time.Time
	// Actor is who the reference-data history (catalog.RefChange) names
	// for each day added, changed or removed ("cli" if empty).
	Actor string
}

// HolidayImport says what an import did (or, in a dry run, would do).
type HolidayImport struct {
	File      string
	Rows      int
	Years     []int
	Created   int
	Updated   int
	Unchanged int
	// Removed counts the days of the file's years that the file no
	// longer lists.
	Removed int
	// Recomputed counts the open reports whose provisional deadlines were
	// recomputed on the new calendar.
	Recomputed int
	DryRun     bool
	// Changes lists the days added, changed or removed, in date order.
	Changes []HolidayChange
}

// HolidayChange is one day an import adds (Before nil), changes or
// removes (After nil).
type HolidayChange struct {
	Date   string
	Action string // 新增, 修改, 删除: the action the history records
	Before *Holiday
	After  *Holiday
}

var errHolidayDryRun = errors.New("dry run")

// ImportHolidays reads a holiday file and makes it the schedule of every
// year it names, all or nothing and in one transaction: a bad row imports
// nothing, and the returned *catalog.ImportError lists every bad row.
// Days of those years that the file does not list are removed, so a
// corrected file replaces the year; importing the same file again changes
// nothing. Afterwards the provisional deadlines of open reports that fall
// in a newly covered year are recomputed (RecomputeProvisional).
func ImportHolidays(ctx context.Context, db *gorm.DB, filename string, r io.Reader, opt HolidayImportOptions) (HolidayImport, error) {
	res := HolidayImport{File: filepath.Base(filename), DryRun: opt.DryRun}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Actor == "" {
		opt.Actor = "cli"
	}
	hs, err := ParseHolidays(ctx, filename, r)
	if err != nil {
		return res, err
	}
	res.Rows = len(hs)
	err = db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := writeHolidays(tx, hs, &res, opt.Actor, opt.Now()); err != nil {
			return err
		}
		if opt.DryRun {
			return errHolidayDryRun
		}
		return nil
	})
	if opt.DryRun && errors.Is(err, errHolidayDryRun) {
		return res, nil
	}
	if err != nil {
		return res, err
	}
	res.Recomputed, err = RecomputeProvisional(ctx, db, opt.Now())
	return res, err
}

// writeHolidays makes hs the schedule of the years it names, recording
// each day added, changed or removed in the reference-data history.
func writeHolidays(tx *gorm.DB, hs []Holiday, res *HolidayImport, actor string, now time.Time) error {
	record := func(action, date string, before, after *Holiday) error {
		res.Changes = append(res.Changes, HolidayChange{Date: date, Action: action, Before: before, After: after})
		return catalog.RecordRefChange(tx, catalog.RefHoliday, date, action, actor, refValue(before), refValue(after), now)
	}
	byYear := map[string][]Holiday{}
	for _, h := range hs {
		byYear[h.Date[:4]] = append(byYear[h.Date[:4]], h)
	}
	years := make([]string, 0, len(byYear))
	for y := range byYear {
		years = append(years, y)
	}
	sort.Strings(years)
	for _, y := range years {
		res.Years = append(res.Years, atoi(y))
		var old []Holiday
		if err := yearOf(tx, atoi(y)).Find(&old).Error; err != nil {
			return err
		}
		have := make(map[string]Holiday, len(old))
		for _, h := range old {
			have[h.Date] = h
		}
		for _, h := range byYear[y] {
			prev, ok := have[h.Date]
			delete(have, h.Date)
			var err error
			switch {
			case !ok:
				res.Created++
				if err = tx.Create(&h).Error; err == nil {
					err = record("新增", h.Date, nil, &h)
				}
			case prev != h:
				res.Updated++
				err = tx.Model(&Holiday{}).Where("date = ?", h.Date).Updates(map[string]any{"name": h.Name, "workday": h.Workday}).Error
				if err == nil {
					err = record("修改", h.Date, &prev, &h)
				}
			default:
				res.Unchanged++
			}
			if err != nil {
				return err
			}
		}
		for d, prev := range have {
			res.Removed++
			if err := tx.Where("date = ?", d).Delete(&Holiday{}).Error; err != nil {
				return err
			}
			if err := record("删除", d, &prev, nil); err != nil {
				return err
			}
		}
	}
	sort.SliceStable(res.Changes, func(i, j int) bool { return res.Changes[i].Date < res.Changes[j].Date })
	return nil
}

// refValue is what the history stores for a day: nil (no record) when
// there is none.
func refValue(h *Holiday) any {
	if h == nil {
		return nil
	}
	return *h
}

// ListHolidays returns the holiday table in date order, of one year when
// year is not 0.
func ListHolidays(ctx context.Context, db *gorm.DB, year int) ([]Holiday, error) {
	q := db.WithContext(ctx).Order("date")
	if year != 0 {
		q = yearOf(q, year)
	}
	var hs []Holiday
	return hs, q.Find(&hs).Error
}

// yearOf narrows a query on the holiday table to one year.
func yearOf(q *gorm.DB, year int) *gorm.DB {
	return q.Where("date BETWEEN ? AND ?", fmt.Sprintf("%04d-01-01", year), fmt.Sprintf("%04d-12-31", year))
}

func atoi(s string) int {
	n := 0
	for _, c := range s {
		n = n*10 + int(c-'0')
	}
	return n
}
