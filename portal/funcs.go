package portal

import (
	"fmt"
	"html/template"
	"strconv"
	"strings"
	"time"

	"sunlight/static"
)

// funcs are the functions every template may call, defined here and
// nowhere else.
var funcs = template.FuncMap{
	"static": static.URL,
	"money":  formatYuan,
	"date":   func(t time.Time) string { return t.Format("2006-01-02") },
	"num":    formatInt,
	"pct":    formatPercent,
	"hours":  formatHours,
	"stamp":  stamp,
	"stampp": func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return stamp(*t)
	},
}

// formatYuan renders an amount in fen (1/100 yuan) as yuan with thousands
// separators: 1234567 → "12,345.67".
func formatYuan(fen int64) string {
	neg := fen < 0
	if neg {
		fen = -fen
	}
	s := formatInt(fen/100) + "." + fmt.Sprintf("%02d", fen%100)
	if neg {
		return "-" + s
	}
	return s
}

func formatInt(n int64) string {
	s := strconv.FormatInt(n, 10)
	start := 0
	if n < 0 {
		start = 1
	}
	var b strings.Builder
	b.WriteString(s[:start])
	digits := s[start:]
	for i, r := range digits {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// formatPercent is part of whole in percent with one decimal, "—" for
// nothing of nothing.
func formatPercent(part, whole int) string {
	if whole == 0 {
		return "—"
	}
	return strconv.FormatFloat(float64(part)*100/float64(whole), 'f', 1, 64) + "%"
}

// formatHours is a duration in hours, in days from two days on; "—" for
// none (negative).
func formatHours(h float64) string {
	switch {
	case h < 0:
		return "—"
	case h < 48:
		return strconv.FormatFloat(h, 'f', 1, 64) + "小时"
	}
	return strconv.FormatFloat(h/24, 'f', 1, 64) + "天"
}

// stamp is a moment to the minute in China's time.
func stamp(t time.Time) string { return t.In(china).Format("2006-01-02 15:04") }
