package report

import (
	"context"
	"errors"
	"strings"
	"testing"

	"gorm.io/gorm"

	"sunlight/domain"
	"sunlight/internal/testdb"
)

// TestDueDay: the due day skips the 国庆 days off and is provisional in a
// year without a calendar; a nonsensical count is refused in Chinese.
func TestDueDay(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		setup(t, db)
		if d, err := DueDay(ctx, db, day(2026, 9, 30), 1); err != nil || d.Day != "2026-10-08" || d.Provisional != 0 {
			t.Errorf("2026-09-30 + 1: %+v, %v", d, err)
		}
		if d, err := DueDay(ctx, db, day(2026, 12, 31), 1); err != nil || d.Day != "2027-01-01" || d.Provisional != 2027 {
			t.Errorf("2026-12-31 + 1 without 2027: %+v, %v", d, err)
		}
		var ve *domain.ValidationError
		if _, err := DueDay(ctx, db, day(2026, 9, 30), 0); !errors.As(err, &ve) || !strings.Contains(ve.Message, "工作日数") {
			t.Errorf("0 working days: %v", err)
		}
	})
}

// TestHolidayImportListsChanges: a dry run lists each day it would add,
// change or remove, in date order.
func TestHolidayImportListsChanges(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		setup(t, db)
		v1 := "日期,类型,名称\n2027-01-01,休,元旦\n2027-01-02,休,元旦\n"
		if _, err := ImportHolidays(ctx, db, "2027.csv", strings.NewReader(v1), HolidayImportOptions{}); err != nil {
			t.Fatal(err)
		}
		v2 := "日期,类型,名称\n2027-01-03,休,元旦\n2027-01-01,休,元旦节\n"
		res, err := ImportHolidays(ctx, db, "2027.csv", strings.NewReader(v2), HolidayImportOptions{DryRun: true})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, c := range res.Changes {
			got = append(got, c.Date+" "+c.Action)
		}
		if s := strings.Join(got, ", "); s != "2027-01-01 修改, 2027-01-02 删除, 2027-01-03 新增" {
			t.Errorf("changes: %s", s)
		}
		if c := res.Changes[0]; c.Before == nil || c.Before.Name != "元旦" || c.After == nil || c.After.Name != "元旦节" {
			t.Errorf("change of 2027-01-01: %+v", c)
		}
	})
}
