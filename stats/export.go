package stats

import (
	"context"
	"encoding/csv"
	"io"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
)

// CSVHeader names the export's columns: every report's timestamps and
// outcome, in the FixMyStreet tradition, and nothing about the reporter.
var CSVHeader = []string{"tracking_no", "status", "problem_type", "subject_kind", "department", "region_code", "town_code",
	"submitted_at", "dispatched_at", "acknowledge_due_at", "acknowledged_at", "answer_due_at", "answered_at", "closed_at",
	"acknowledged_on_time", "answered_on_time", "overdue_now", "too_fast", "rating", "reopen_count"}

// WriteCSV writes every report in scope as one CSV row (UTF-8 with a BOM,
// so that Excel reads the Chinese). Cells that a spreadsheet would run as
// a formula are neutralised.
func WriteCSV(ctx context.Context, w io.Writer, db *gorm.DB, sc Scope, now time.Time) (int, error) {
	rows, err := load(ctx, db, sc)
	if err != nil {
		return 0, err
	}
	if _, err := io.WriteString(w, "\ufeff"); err != nil {
		return 0, err
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(CSVHeader); err != nil {
		return 0, err
	}
	for i := range rows {
		r := &rows[i]
		rec := []string{r.TrackingNo, string(r.Status), r.ProblemType, r.SubjectKind, r.DeptCode, r.RegionCode, townCode(r.RegionCode),
			ts(&r.SubmittedAt), ts(r.DispatchedAt), ts(r.AckDueAt), ts(r.AcceptedAt), ts(r.AnswerDueAt), ts(r.AnsweredAt), ts(r.ClosedAt),
			yes(onTime(r.AcceptedAt, r.AckDueAt)), yes(onTime(r.AnsweredAt, r.AnswerDueAt)), yes(overdueNow(r, now)), yes(r.TooFast),
			string(r.Rating), strconv.Itoa(r.ReopenCount)}
		for j := range rec {
			rec[j] = SafeCell(rec[j])
		}
		if err := cw.Write(rec); err != nil {
			return i, err
		}
	}
	cw.Flush()
	return len(rows), cw.Error()
}

func ts(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func yes(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

// SafeCell neutralises a value a spreadsheet would treat as a formula
// (=, +, -, @, tab, carriage return at the start) by prefixing a quote.
func SafeCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
