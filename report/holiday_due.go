package report

import (
	"context"
	"time"

	"gorm.io/gorm"

	"sunlight/domain"
)

// MaxDueWorkingDays bounds the working days DueDay counts.
const MaxDueWorkingDays = 366

// Due is the answer of DueDay: the day a deadline closes (at its end,
// 24:00 China time), and the year whose missing holiday calendar makes it
// provisional, or 0.
type Due struct {
	From        string
	WorkingDays int
	Day         string
	Provisional int
}

// DueDay is the n-th working day after the day from (its year, month and
// day; the zone is ignored) on the loaded calendar: the day a deadline of
// n working days counted from then closes, as the portal computes it.
func DueDay(ctx context.Context, db *gorm.DB, from time.Time, n int) (Due, error) {
	if n < 1 || n > MaxDueWorkingDays {
		return Due{}, domain.Invalid("工作日数应在 1 到 366 之间", "working_days", "请填写 1 到 366 之间的整数")
	}
	cal, err := LoadCalendar(ctx, db)
	if err != nil {
		return Due{}, err
	}
	start := time.Date(from.Year(), from.Month(), from.Day(), 12, 0, 0, 0, chinaTime)
	d := Due{From: start.Format(time.DateOnly), WorkingDays: n, Day: cal.WorkingDay(start, n)}
	if year := atoi(d.Day[:4]); !cal.Covers(year) {
		d.Provisional = year
	}
	return d, nil
}
