package portal

import (
	"fmt"
	"time"

	"sunlight/report"
)

// The year view of the holiday calendar: twelve month grids, weeks from
// Monday, each day marked 休 (day off) or 班 (weekend day worked) from the
// holiday table, weekends shaded.

type holidayMonth struct {
	Month int
	Weeks [][7]holidayCell
}

// holidayCell is one day of a month grid; Day 0 is a blank cell.
type holidayCell struct {
	Day     int
	Date    string
	Mark    string // 休, 班 or ""
	Name    string
	Weekend bool
}

// Class is the cell's CSS class: off, work, we (weekend) or "".
func (d holidayCell) Class() string {
	switch {
	case d.Mark == "休":
		return "off"
	case d.Mark == "班":
		return "work"
	case d.Weekend:
		return "we"
	}
	return ""
}

// Title is the hover text: the date, and the holiday name and mark.
func (d holidayCell) Title() string {
	if d.Mark == "" {
		return d.Date
	}
	return fmt.Sprintf("%s %s（%s）", d.Date, d.Name, holidayMarkName[d.Mark])
}

var holidayMarkName = map[string]string{"休": "放假", "班": "调休上班"}

// holidayMonths lays out the year with its holiday rows.
func holidayMonths(year int, days []report.Holiday) []holidayMonth {
	byDate := make(map[string]report.Holiday, len(days))
	for _, h := range days {
		byDate[h.Date] = h
	}
	months := make([]holidayMonth, 12)
	for m := range months {
		first := time.Date(year, time.Month(m+1), 1, 0, 0, 0, 0, time.UTC)
		months[m].Month = m + 1
		var week [7]holidayCell
		col := (int(first.Weekday()) + 6) % 7 // Monday first
		for d := first; d.Month() == first.Month(); d = d.AddDate(0, 0, 1) {
			cell := holidayCell{Day: d.Day(), Date: d.Format(time.DateOnly), Weekend: d.Weekday() == time.Saturday || d.Weekday() == time.Sunday}
			if h, ok := byDate[cell.Date]; ok {
				cell.Mark, cell.Name = holidayMark(h), h.Name
			}
			week[col] = cell
			if col++; col == 7 {
				months[m].Weeks, week, col = append(months[m].Weeks, week), [7]holidayCell{}, 0
			}
		}
		if col > 0 {
			months[m].Weeks = append(months[m].Weeks, week)
		}
	}
	return months
}

func holidayMark(h report.Holiday) string {
	if h.Workday {
		return "班"
	}
	return "休"
}

// holidayChangeRow is one day an import adds, changes or removes, as the
// confirmation page lists it.
type holidayChangeRow struct {
	Date, Action, Before, After string
}

func holidayChangeRows(res report.HolidayImport) []holidayChangeRow {
	side := func(h *report.Holiday) string {
		if h == nil {
			return ""
		}
		return holidayMark(*h) + " " + h.Name
	}
	out := make([]holidayChangeRow, len(res.Changes))
	for i, ch := range res.Changes {
		out[i] = holidayChangeRow{Date: ch.Date, Action: ch.Action, Before: side(ch.Before), After: side(ch.After)}
	}
	return out
}
