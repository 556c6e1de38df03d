package catalog

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"time"

	"gorm.io/gorm"
)

// Kinds of reference data whose changes are kept as history.
const (
	RefDepartment  = "department"
	RefRoutingRule = "routing_rule"
	RefProblemType = "problem_type"
	RefDeadline    = "deadline"
	RefSynonym     = "synonym"
	RefHoliday     = "holiday"
	RefNotify      = "notify"
)

// RefChange is one change to reference data that officials run
// themselves (departments, routing rules, problem types, deadlines,
// synonyms, holidays): who made it, when, and the record before and after
// as JSON ("" for none). Rows are only ever added.
type RefChange struct {
	ID     uint64    `gorm:"primaryKey;autoIncrement"`
	Kind   string    `gorm:"size:32;not null;index:idx_ref_changes_key,priority:1"`
	Key    string    `gorm:"size:191;not null;index:idx_ref_changes_key,priority:2"`
	Action string    `gorm:"size:32;not null"` // e.g. 新增, 修改, 撤销
	Actor  string    `gorm:"size:64;not null"`
	At     time.Time `gorm:"not null;index"`
	Before string    `gorm:"type:text;not null"`
	After  string    `gorm:"type:text;not null"`
}

// TableName keeps the table's name explicit.
func (RefChange) TableName() string { return "ref_changes" }

// RecordRefChange records inside tx that actor changed the reference
// record kind/key from before to after (either may be nil).
func RecordRefChange(tx *gorm.DB, kind, key, action, actor string, before, after any, at time.Time) error {
	b, err := refJSON(before)
	if err != nil {
		return err
	}
	a, err := refJSON(after)
	if err != nil {
		return err
	}
	ch := RefChange{Kind: kind, Key: key, Action: action, Actor: actor, At: at.UTC(), Before: b, After: a}
	if err := tx.Create(&ch).Error; err != nil {
		return fmt.Errorf("record %s change: %w", kind, err)
	}
	return nil
}

func refJSON(v any) (string, error) {
	if v == nil {
		return "", nil
	}
	b, err := json.Marshal(v)
	return string(b), err
}

// FieldChange is one field of a reference record as a change left it.
type FieldChange struct {
	Field, Before, After string
}

// Changes lists the fields the change touched, in field order: for a new
// record every field it has, for a removal every field it had, for an
// edit only those whose value differs. Values are shown as JSON wrote them.
func (c RefChange) Changes() []FieldChange {
	before, after := refFields(c.Before), refFields(c.After)
	var out []FieldChange
	for _, k := range slices.Sorted(maps.Keys(mergeKeys(before, after))) {
		b, a := before[k], after[k]
		if b != a {
			out = append(out, FieldChange{Field: k, Before: b, After: a})
		}
	}
	return out
}

func mergeKeys(a, b map[string]string) map[string]bool {
	keys := make(map[string]bool, len(a)+len(b))
	for k := range a {
		keys[k] = true
	}
	for k := range b {
		keys[k] = true
	}
	return keys
}

// refFields reads a JSON object's fields as display strings; a value that
// is not an object shows whole under "".
func refFields(js string) map[string]string {
	if js == "" {
		return nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(js), &m); err != nil {
		return map[string]string{"": js}
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		var str string
		if json.Unmarshal(v, &str) == nil {
			out[k] = str
		} else {
			out[k] = string(v)
		}
	}
	return out
}

// RefHistory lists the newest changes of one kind, of one record when key
// is not "", at most limit of them.
func RefHistory(ctx context.Context, db *gorm.DB, kind, key string, limit int) ([]RefChange, error) {
	// A struct condition skips an empty Key and quotes the column for
	// each dialect ("key" is a keyword in MySQL).
	var out []RefChange
	err := db.WithContext(ctx).Where(&RefChange{Kind: kind, Key: key}).Order("id DESC").Limit(limit).Find(&out).Error
	return out, err
}
