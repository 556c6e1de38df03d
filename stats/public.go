package stats

import (
	"context"
	"strconv"
	"time"

	"gorm.io/gorm"

	"sunlight/report"
)

// MinCell is the smallest count published: a cell of 1 or 2 reports in a
// small place could point at the reporter (security note 32), so it is shown
// as "<3" and the rates built on it are withheld.
const MinCell = 3

// Cell is a published count: its value, or "<3".
type Cell struct {
	N          int  `json:"-"`
	Suppressed bool `json:"-"`
}

// String is what pages print.
func (c Cell) String() string {
	if c.Suppressed {
		return "<3"
	}
	return strconv.Itoa(c.N)
}

// MarshalJSON gives a number, or the string "<3".
func (c Cell) MarshalJSON() ([]byte, error) {
	if c.Suppressed {
		return []byte(`"<3"`), nil
	}
	return []byte(strconv.Itoa(c.N)), nil
}

func cell(n int) Cell { return Cell{N: n, Suppressed: n > 0 && n < MinCell} }

// Percent is a published rate, or withheld (null) when its base is small.
type Percent struct {
	V  float64
	OK bool
}

// String is what pages print.
func (p Percent) String() string {
	return shown(p.V, p.OK, "%")
}

// MarshalJSON gives a number with one decimal, or null.
func (p Percent) MarshalJSON() ([]byte, error) {
	return oneDecimalJSON(p.V, p.OK), nil
}

func percent(part, whole int) Percent {
	if whole < MinCell {
		return Percent{}
	}
	return Percent{V: Rate(part, whole), OK: true}
}

// PublicFigures are one department's published numbers.
type PublicFigures struct {
	Code         string  `json:"code"`
	Name         string  `json:"name"`
	Received     Cell    `json:"received"`
	OverdueNow   Cell    `json:"overdue_now"`
	AckOnTime    Percent `json:"acknowledged_on_time_pct"`
	AnswerOnTime Percent `json:"answered_on_time_pct"`
	Satisfaction Percent `json:"satisfaction_pct"`
	ReopenRate   Percent `json:"reopen_pct"`
	TooFast      Cell    `json:"too_fast"`
	// Median days are withheld with fewer than MinCell answers.
	MedianAnswerDays Days `json:"median_answer_days"`
}

// Days is a published number of days (one decimal), or withheld (null).
type Days struct {
	V  float64
	OK bool
}

// String is what pages print.
func (d Days) String() string {
	return shown(d.V, d.OK, "")
}

// MarshalJSON gives the number, or null.
func (d Days) MarshalJSON() ([]byte, error) {
	return oneDecimalJSON(d.V, d.OK), nil
}

// shown is a withheld figure's text on a page: v with one decimal and
// unit, or a dash when withheld (!ok).
func shown(v float64, ok bool, unit string) string {
	if !ok {
		return "—"
	}
	return strconv.FormatFloat(v, 'f', 1, 64) + unit
}

// oneDecimalJSON is v with one decimal, or null when withheld (!ok).
func oneDecimalJSON(v float64, ok bool) []byte {
	if !ok {
		return []byte("null")
	}
	return []byte(strconv.FormatFloat(v, 'f', 1, 64))
}

// Public is the scoreboard anyone may read.
type Public struct {
	At          time.Time       `json:"at"`
	Departments []PublicFigures `json:"departments"`
	Total       PublicFigures   `json:"total"`
	Chain       report.Head     `json:"audit_chain_head"`
}

func publish(f *Figures) PublicFigures {
	p := PublicFigures{Code: f.Key, Name: f.Name, Received: cell(f.Received), OverdueNow: cell(f.OverdueNow),
		AckOnTime: percent(f.AckOnTime, f.AckDue), AnswerOnTime: percent(f.AnsOnTime, f.AnswerDue),
		Satisfaction: percent(f.Satisfied, f.Rated), ReopenRate: percent(f.Reopened, f.Answered), TooFast: cell(f.TooFast)}
	if len(f.ansHours) >= MinCell {
		p.MedianAnswerDays = Days{V: float64(int(f.MedianAnswerHours/24*10+0.5)) / 10, OK: true}
	}
	return p
}

// ComputePublic builds the public scoreboard: every department, no report
// details, small counts suppressed, and the audit chain head.
func ComputePublic(ctx context.Context, db *gorm.DB, now time.Time) (*Public, error) {
	b, err := Compute(ctx, db, Scope{}, now)
	if err != nil {
		return nil, err
	}
	head, err := report.ChainHeadOf(ctx, db)
	if err != nil {
		return nil, err
	}
	p := &Public{At: now, Total: publish(&b.Total), Chain: head}
	for i := range b.Departments {
		p.Departments = append(p.Departments, publish(&b.Departments[i]))
	}
	return p, nil
}
