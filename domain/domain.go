// Package domain holds the few words every Sunlight package shares: the
// domain errors that the portal maps to HTTP statuses in one place
// (portal/errors.go), and the staff roles. It imports nothing of ours.
//
//	ErrNotFound       404: does not exist, or the caller may not see it (never told apart)
//	ErrForbidden      403: the caller may see it but not do this
//	*ValidationError  400: bad input, with per-field messages; nothing was changed
//	*ConflictError    409: the request contradicts a rule (wraps ErrConflict)
//	ErrBusy           409: the record changed under us; retry
//	ErrUnavailable    503: the database cannot be reached; nothing was stored
package domain

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// ErrNotFound: the record does not exist, is not published, or the caller
// may not see it.
var ErrNotFound = errors.New("not found")

// ErrForbidden: the caller may see the record but not do this.
var ErrForbidden = errors.New("forbidden")

// ErrConflict: the request contradicts a rule, e.g. reassigning a report
// to the department it accuses, or a second extension.
var ErrConflict = errors.New("conflict")

// ErrBusy: the record changed under us (another writer won); retry.
var ErrBusy = errors.New("changed concurrently")

// ErrUnavailable: the database cannot be reached. Nothing was stored.
var ErrUnavailable = errors.New("database unavailable")

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
	parts := make([]string, 0, len(e.Fields))
	for _, k := range slices.Sorted(maps.Keys(e.Fields)) {
		parts = append(parts, k+": "+e.Fields[k])
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

// ConflictError explains an ErrConflict to people.
type ConflictError struct{ Message string }

func (e *ConflictError) Error() string { return e.Message }

// Unwrap makes errors.Is(err, ErrConflict) true.
func (e *ConflictError) Unwrap() error { return ErrConflict }

// Conflict returns a *ConflictError with a formatted message.
func Conflict(format string, args ...any) error {
	return &ConflictError{Message: fmt.Sprintf(format, args...)}
}
