package search

import (
	"errors"
	"net/url"
	"strings"
	"testing"

	"sunlight/catalog"
	"sunlight/domain"
)

// FuzzParseQuery feeds arbitrary query strings to the filter builder: it
// must never panic; it either rejects the input with a *ValidationError
// naming fields, or returns a query whose every filter passed the
// allowlist (so nothing unchecked reaches an index's filter syntax).
func FuzzParseQuery(f *testing.F) {
	f.Add("q=低保&region=210124&type=disclosure&year=2026&page=2&per_page=20")
	f.Add("sort=name;drop table&filter=village=\"a\" OR 1=1")
	f.Add("q=%3Cb%3Ex%3C/b%3E&dept=210124-mz&kind=dibao&sort=date")
	f.Add("region=21012&page=0&per_page=100000&year=abc")
	f.Add("dept=a' OR '1'='1&kind=x\"y")
	f.Fuzz(func(t *testing.T, raw string) {
		vals, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		names := make([]string, 0, len(vals))
		for k := range vals {
			names = append(names, k)
		}
		q, err := ParseQuery(names, vals.Get)
		if err != nil {
			var ve *domain.ValidationError
			if !errors.As(err, &ve) || len(ve.Fields) == 0 {
				t.Fatalf("rejection is not a ValidationError with fields: %v", err)
			}
			return
		}
		for _, n := range names {
			if !allowedParam(n) {
				t.Fatalf("unknown parameter %q accepted", n)
			}
		}
		if q.Region != "" && catalog.LevelOf(q.Region) == 0 {
			t.Fatalf("bad region %q accepted", q.Region)
		}
		for _, v := range []string{q.Dept, q.Kind, q.Type} {
			if strings.ContainsAny(v, " '\"=;()<>") {
				t.Fatalf("filter value %q with syntax characters accepted", v)
			}
		}
		if q.Sort != SortRelevance && q.Sort != SortDate {
			t.Fatalf("sort %q accepted", q.Sort)
		}
		if q.Page < 1 || q.PerPage < 1 || q.PerPage > MaxPerPage {
			t.Fatalf("paging out of range: %+v", q)
		}
	})
}
