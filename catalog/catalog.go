// Package catalog holds what Sunlight publishes: the region tree, the
// departments, the subsidy catalog, project funds with their disbursements
// and village disclosures, together with their import and masking.
//
// It knows nothing of the web or of the search engine: a write that changes
// searchable data records a Change row in the same transaction, and the
// search syncer reads those rows.
package catalog

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// ErrNotFound is returned when a requested record does not exist (or is not
// published).
var ErrNotFound = errors.New("not found")

// ValidationError reports bad input: a message for people, and per-field
// messages where they apply. Nothing was changed when one is returned.
type ValidationError struct {
	Message string
	Fields  map[string]string
}

func (e *ValidationError) Error() string {
	if len(e.Fields) == 0 {
		return e.Message
	}
	keys := make([]string, 0, len(e.Fields))
	for k := range e.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + ": " + e.Fields[k]
	}
	return fmt.Sprintf("%s (%s)", e.Message, strings.Join(parts, "; "))
}

// Invalid returns a *ValidationError with a message and optional field
// messages given as key, value pairs.
func Invalid(msg string, kv ...string) *ValidationError {
	e := &ValidationError{Message: msg}
	if len(kv) > 0 {
		e.Fields = make(map[string]string, len(kv)/2)
		for i := 0; i+1 < len(kv); i += 2 {
			e.Fields[kv[i]] = kv[i+1]
		}
	}
	return e
}
