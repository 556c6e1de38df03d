package report

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/simplifiedchinese"
	"gorm.io/gorm"

	"sunlight/catalog"
	"sunlight/internal/testclock"
	"sunlight/internal/testdb"
)

// fixture2027 is a plausible 2027 schedule (春节 6–12 Feb off, Sun 31 Jan
// and Sat 20 Feb worked, …) for tests only: the official 2027 schedule is
// not published yet, so none is shipped.
const fixture2027 = "testdata/holidays-2027.csv"

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, chinaTime) }

func importFile(t *testing.T, db *gorm.DB, file string, now time.Time) HolidayImport {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	res, err := ImportHolidays(context.Background(), db, file, f, HolidayImportOptions{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatalf("import %s: %v", file, err)
	}
	return res
}

// setupOn is setup with the clock at 09:30, China time, on the given day.
func setupOn(t testing.TB, db *gorm.DB, year int, month time.Month, day int) (*Service, *testclock.Clock) {
	t.Helper()
	s, clk := setup(t, db)
	clk.Set(time.Date(year, month, day, 9, 30, 0, 0, chinaTime))
	return s, clk
}

func publicEvents(t *testing.T, db *gorm.DB, id uint64, typ string) []Event {
	t.Helper()
	var es []Event
	if err := db.Where("report_id = ? AND type = ? AND public = ?", id, typ, true).Order("seq").Find(&es).Error; err != nil {
		t.Fatal(err)
	}
	return es
}

// TestShippedHolidays: the shipped 2026 file is the State Council's
// schedule, migrate loads it into an empty table, and the calendar covers
// 2026 only.
func TestShippedHolidays(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		testdb.Setup(t, db, Migrate)
		hs, err := ListHolidays(ctx, db, 2026)
		if err != nil || len(hs) != 39 {
			t.Fatalf("2026 holidays after migrate: %d, %v", len(hs), err)
		}
		if hs[3] != (Holiday{Date: "2026-01-04", Name: "元旦调休上班", Workday: true}) {
			t.Errorf("row 4 = %+v", hs[3])
		}
		cal, err := LoadCalendar(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		if !cal.Covers(2026) || cal.Covers(2027) {
			t.Errorf("covers 2026 %v, 2027 %v", cal.Covers(2026), cal.Covers(2027))
		}
		if got := cal.WorkingDay(day(2026, 9, 30), 1); got != "2026-10-08" {
			t.Errorf("1 working day after 30 Sep 2026 = %s", got)
		}
		if y, err := MissingCalendar(ctx, db, day(2026, 12, 2)); y != 2027 || err != nil {
			t.Errorf("missing on 2 Dec 2026: %d, %v", y, err)
		}
		if y, _ := MissingCalendar(ctx, db, day(2026, 11, 30)); y != 0 {
			t.Errorf("missing on 30 Nov 2026: %d (only from 1 December)", y)
		}
		if !strings.Contains(string(HolidayTemplate()), "日期,类型,名称") {
			t.Error("template has no header")
		}
	})
}

// TestHolidayImportMovesDueBeforeSpringFestival: a report filed on Mon 25
// Jan 2027, with no 2027 calendar yet, is due at the end of Mon 15 Feb on
// weekdays only, provisionally; importing the 2027 schedule (春节 6–12 Feb
// off, Sun 31 Jan worked) moves it to the end of Fri 19 Feb, with a public
// chained event, and a second import changes nothing.
func TestHolidayImportMovesDueBeforeSpringFestival(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		s, clk := setupOn(t, db, 2027, 1, 25)
		rc, r := submit(t, s, "village:"+tVillage, "subsidy")
		if !r.AnswerDueAt.Equal(day(2027, 2, 16)) || !r.DeadlineProvisional {
			t.Fatalf("before import: due %s provisional %v", r.AnswerDueAt.In(chinaTime), r.DeadlineProvisional)
		}
		tr, err := s.Lookup(ctx, rc.Receipt)
		if err != nil || !tr.Deadlines.Provisional || tr.Deadlines.Note != "（暂定：2027年节假日安排尚未导入）" {
			t.Fatalf("tracked deadlines %+v, %v", tr.Deadlines, err)
		}
		res := importFile(t, db, fixture2027, clk.Now())
		if res.Created != 37 || res.Recomputed != 1 || len(res.Years) != 1 || res.Years[0] != 2027 {
			t.Fatalf("import: %+v", res)
		}
		got := reportByID(t, s, r.ID)
		if !got.AnswerDueAt.Equal(day(2027, 2, 20)) || got.DeadlineProvisional {
			t.Fatalf("after import: due %s provisional %v", got.AnswerDueAt.In(chinaTime), got.DeadlineProvisional)
		}
		es := publicEvents(t, db, r.ID, EvDeadlineChanged)
		if len(es) != 1 || es[0].Text != "2027年节假日安排已导入，答复期限调整为2027年2月19日" || es[0].Actor != "system" {
			t.Fatalf("events %+v", es)
		}
		d, err := s.Get(ctx, staff(tTownGov), r.ID)
		if err != nil || d.Deadlines.Provisional || d.Deadlines.Note != "" {
			t.Fatalf("staff deadlines %+v, %v", d.Deadlines, err)
		}
		if n, err := VerifyChain(ctx, db); err != nil || n == 0 {
			t.Fatalf("chain: %d, %v", n, err)
		}
		again := importFile(t, db, fixture2027, clk.Now())
		if again.Created+again.Updated+again.Removed != 0 || again.Unchanged != 37 || again.Recomputed != 0 {
			t.Fatalf("re-import: %+v", again)
		}
		if es := publicEvents(t, db, r.ID, EvDeadlineChanged); len(es) != 1 {
			t.Fatalf("re-import wrote events: %d", len(es))
		}
	})
}

// TestProvisionalAcrossTheYear: a report dispatched on Mon 21 Dec 2026 is
// due in 2027, provisionally, and says so to staff and reporter; the
// scheduler recounts it once the 2027 calendar is there (元旦 off: end of
// Tue 12 Jan instead of Mon 11 Jan). A provisional deadline that has
// already passed, and a report no longer open, are left alone.
func TestProvisionalAcrossTheYear(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		s, clk := setupOn(t, db, 2026, 12, 21)
		_, r := submit(t, s, "village:"+tVillage, "subsidy")
		_, closed := submit(t, s, "village:"+tVillage, "subsidy")
		if err := s.Reject(ctx, staff(tTownGov), closed.ID, "不属于本单位受理范围的事项"); err != nil {
			t.Fatal(err)
		}
		if !r.AnswerDueAt.Equal(day(2027, 1, 12)) || !r.DeadlineProvisional || ProvisionalYear(r) != 2027 {
			t.Fatalf("due %s provisional %v", r.AnswerDueAt.In(chinaTime), r.DeadlineProvisional)
		}
		d, err := s.Get(ctx, staff(tTownGov), r.ID)
		if err != nil || !d.Deadlines.Provisional || d.Deadlines.ProvisionalYear != 2027 {
			t.Fatalf("staff deadlines %+v, %v", d.Deadlines, err)
		}
		// The calendar arrives behind the scheduler's back (another
		// process): the next pass recounts.
		f, err := os.ReadFile(fixture2027)
		if err != nil {
			t.Fatal(err)
		}
		hs, err := ParseHolidays(ctx, "2027.csv", strings.NewReader(string(f)))
		if err != nil {
			t.Fatal(err)
		}
		if err := SeedHolidays(ctx, db, hs); err != nil {
			t.Fatal(err)
		}
		if p := runPass(t, s, clk.Now()); p.Recounted != 1 {
			t.Fatalf("pass recounted %d", p.Recounted)
		}
		got := reportByID(t, s, r.ID)
		if !got.AnswerDueAt.Equal(day(2027, 1, 13)) || !got.AckDueAt.Equal(day(2026, 12, 23)) || got.DeadlineProvisional {
			t.Fatalf("after: due %s ack %s provisional %v", got.AnswerDueAt.In(chinaTime), got.AckDueAt.In(chinaTime), got.DeadlineProvisional)
		}
		if es := publicEvents(t, db, r.ID, EvDeadlineChanged); len(es) != 1 || !strings.Contains(es[0].Text, "调整为2027年1月12日") {
			t.Fatalf("events %+v", es)
		}
		if es := publicEvents(t, db, closed.ID, EvDeadlineChanged); len(es) != 0 {
			t.Fatalf("a closed report was recounted")
		}
		if p := runPass(t, s, clk.Now()); p.Recounted != 0 {
			t.Fatal("a second pass recounted again")
		}
	})
}

// TestProvisionalPassedIsLeftAlone: a provisional deadline that passed
// before the calendar came stays as it was.
func TestProvisionalPassedIsLeftAlone(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		s, _ := setupOn(t, db, 2027, 1, 4)
		_, r := submit(t, s, "village:"+tVillage, "subsidy")
		res := importFile(t, db, fixture2027, time.Date(2027, 2, 1, 9, 0, 0, 0, chinaTime))
		if res.Recomputed != 0 {
			t.Fatalf("recounted a passed deadline: %+v", res)
		}
		if got := reportByID(t, s, r.ID); !got.AnswerDueAt.Equal(*r.AnswerDueAt) || !got.DeadlineProvisional {
			t.Fatalf("changed: %s %v", got.AnswerDueAt.In(chinaTime), got.DeadlineProvisional)
		}
	})
}

// TestHolidayImportBadRow: one bad row imports nothing and is named with
// its line; every kind of bad row is explained in Chinese.
func TestHolidayImportBadRow(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		s, clk := setupOn(t, db, 2026, 12, 21)
		_, r := submit(t, s, "village:"+tVillage, "subsidy")
		good, err := os.ReadFile(fixture2027)
		if err != nil {
			t.Fatal(err)
		}
		bad := strings.Replace(string(good), "2027-02-08,休,春节", "2027-02-30,休,春节", 1)
		_, err = ImportHolidays(ctx, db, "2027.csv", strings.NewReader(bad), HolidayImportOptions{Now: clk.Now})
		var ie *catalog.ImportError
		if !errors.As(err, &ie) || len(ie.Rows) != 1 || ie.Rows[0].Line != 8 || !strings.Contains(ie.Rows[0].Reason, "2027-02-30") {
			t.Fatalf("err %v", err)
		}
		if hs, _ := ListHolidays(ctx, db, 2027); len(hs) != 0 {
			t.Fatalf("%d rows written", len(hs))
		}
		if got := reportByID(t, s, r.ID); !got.DeadlineProvisional || got.Version != r.Version {
			t.Fatal("the report changed")
		}
		cases := map[string]string{
			"2027-01-01,休,元旦\n2027-01-01,休,元旦\n": "与第 2 行重复",
			"2027-01-09,假,周末\n":                  "类型 \"假\" 无法识别",
			"2027-01-05,班,春节\n":                  "本来就是工作日",
			"2027-01-09,休,\n":                    "名称不能为空",
			"2027-01-01,休,元旦（示例）\n":              "示例行",
		}
		for rows, want := range cases {
			_, err := ImportHolidays(ctx, db, "x.csv", strings.NewReader("日期,类型,名称\n"+rows), HolidayImportOptions{DryRun: true})
			if !errors.As(err, &ie) || !strings.Contains(ie.Rows[len(ie.Rows)-1].Reason, want) {
				t.Errorf("%q: %v, want %q", rows, err, want)
			}
		}
	})
}

// TestHolidayImportReplacesTheYear: a corrected file is the year's whole
// schedule (a day it drops is removed); a dry run writes nothing; a
// GB18030 file reads like UTF-8; every day added, changed or removed is in
// the reference-data history.
func TestHolidayImportReplacesTheYear(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		setup(t, db)
		dir := t.TempDir()
		v1 := filepath.Join(dir, "2027.csv")
		gb, err := simplifiedchinese.GB18030.NewEncoder().String("日期,类型,名称\n2027-01-01,休,元旦\n2027-01-02,休,元旦\n")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(v1, []byte(gb), 0o600); err != nil {
			t.Fatal(err)
		}
		importFile(t, db, v1, day(2026, 12, 2))
		v2 := "日期,类型,名称\n2027-01-01,休,元旦节\n2027-01-03,休,元旦\n"
		res, err := ImportHolidays(ctx, db, "2027.csv", strings.NewReader(v2), HolidayImportOptions{DryRun: true})
		if err != nil || res.Created != 1 || res.Updated != 1 || res.Removed != 1 {
			t.Fatalf("dry run %+v, %v", res, err)
		}
		if hs, _ := ListHolidays(ctx, db, 2027); len(hs) != 2 || hs[0].Name != "元旦" {
			t.Fatalf("dry run wrote: %+v", hs)
		}
		if _, err := ImportHolidays(ctx, db, "2027.csv", strings.NewReader(v2), HolidayImportOptions{}); err != nil {
			t.Fatal(err)
		}
		hs, _ := ListHolidays(ctx, db, 2027)
		if len(hs) != 2 || hs[0].Name != "元旦节" || hs[1].Date != "2027-01-03" {
			t.Fatalf("after: %+v", hs)
		}
		hist, err := catalog.RefHistory(ctx, db, catalog.RefHoliday, "", 10)
		if err != nil || len(hist) != 5 || hist[0].Actor != "cli" {
			t.Fatalf("history: %+v, %v", hist, err)
		}
		var acts []string
		for _, h := range hist {
			acts = append(acts, h.Key+" "+h.Action)
		}
		if got := strings.Join(acts, ", "); !strings.Contains(got, "2027-01-02 删除") || !strings.Contains(got, "2027-01-01 修改") || !strings.Contains(got, "2027-01-03 新增") {
			t.Errorf("history: %s", got)
		}
		if hs, _ := ListHolidays(ctx, db, 2026); len(hs) != 39 {
			t.Fatalf("2026 touched: %d rows", len(hs))
		}
	})
}

// TestMissingCalendarIsLoggedOnceADay: from 1 December the scheduler warns
// once a day while next year's calendar is missing.
func TestMissingCalendarIsLoggedOnceADay(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		s, _ := setup(t, db)
		var buf strings.Builder
		log := slog.New(slog.NewTextHandler(&buf, nil))
		last := ""
		for _, now := range []time.Time{day(2026, 11, 30).Add(10 * time.Hour), day(2026, 12, 1).Add(9 * time.Hour),
			day(2026, 12, 1).Add(15 * time.Hour), day(2026, 12, 2).Add(9 * time.Hour)} {
			last = s.warnMissingCalendar(context.Background(), now, log, last)
		}
		if n := strings.Count(buf.String(), "year=2027"); n != 2 {
			t.Fatalf("%d warnings, want 2 (1 and 2 December): %s", n, buf.String())
		}
	})
}
