// Package search makes everything Sunlight publishes findable: one Document
// shape, the Index interface with an embedded backend (bleve, the default)
// and a Meilisearch backend, Chinese-aware text handling shared by both, and
// the syncer that keeps the index true to the database.
//
// The database is the source of truth. Writes record changes (catalog's
// catalog_changes outbox) in the same transaction; the Syncer reads them,
// loads each subject's current state and applies it, so duplicated or
// reordered change rows are harmless.
package search

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"slices"
	"strings"
	"time"

	"sunlight/catalog"
)

// Document types.
const (
	TypeDisclosure = "disclosure"
	TypeFund       = "fund"
	TypeCategory   = "category"
	TypeAnswer     = "answer" // a published report answer (公开答复)
)

// TypeNames are the Chinese labels of the document types.
var TypeNames = map[string]string{
	TypeDisclosure: "村级公开",
	TypeFund:       "项目资金",
	TypeCategory:   "补贴目录",
	TypeAnswer:     "公开答复",
}

// Document is the one shape of everything searchable.
type Document struct {
	ID         string    `json:"id"`   // "type:id", e.g. "disclosure:42"
	Type       string    `json:"type"` // one of the Type* constants
	Title      string    `json:"title"`
	Body       string    `json:"body"`
	RegionCode string    `json:"region_code"`
	Regions    []string  `json:"regions"` // RegionCode and all its ancestors
	DeptCode   string    `json:"dept"`
	Kind       string    `json:"kind"` // catalog category code or disclosure kind
	Year       int       `json:"year"`
	Date       time.Time `json:"date"`
	Amount     int64     `json:"amount"` // fen
	URL        string    `json:"url"`
}

// Normalize fills the derived fields (Regions from RegionCode, Type from
// the ID) and checks the document is usable.
func (d *Document) Normalize() error {
	typ, _, ok := strings.Cut(d.ID, ":")
	if !ok || typ == "" || len(d.ID) > 80 {
		return errors.New("search: document id must be TYPE:ID, got " + d.ID)
	}
	if d.Type == "" {
		d.Type = typ
	}
	if d.Type != typ {
		return errors.New("search: document " + d.ID + " has type " + d.Type)
	}
	if d.RegionCode != "" {
		d.Regions = append(catalog.AncestorCodes(d.RegionCode), d.RegionCode)
	} else {
		d.Regions = nil
	}
	if d.Year == 0 && !d.Date.IsZero() {
		d.Year = d.Date.Year()
	}
	return nil
}

// Sort orders.
const (
	SortRelevance = "relevance"
	SortDate      = "date" // newest first
)

// MaxPerPage caps a page of hits.
const MaxPerPage = 50

// Query is one search: text, filters, order and page.
type Query struct {
	Text    string
	Type    string
	Region  string // any level: a county finds all its villages' documents
	Dept    string
	Kind    string
	Year    int
	Sort    string // SortRelevance (default) or SortDate
	Page    int    // from 1
	PerPage int
}

// Offset is the number of hits before the page.
func (q *Query) Offset() int { return (q.Page - 1) * q.PerPage }

// Hit is one found document with its highlighted title and snippet; only
// <mark> is unescaped in them.
type Hit struct {
	Document
	TitleHTML template.HTML `json:"-"`
	Snippet   template.HTML `json:"-"`
}

// FacetValue is one value of a facet and how many hits have it.
type FacetValue struct {
	Value string `json:"value"`
	Count int    `json:"count"`
}

// Facet names.
const (
	FacetType = "type"
	FacetDept = "dept"
	FacetKind = "kind"
	FacetYear = "year"
)

// FacetNames lists the facets a search returns. The department facet is
// counted only once the search is narrowed to a county or below (or to a
// department): across a province it would have a value per village
// committee and cost more than the search itself; it is empty otherwise.
var FacetNames = []string{FacetType, FacetKind, FacetDept, FacetYear}

// facets are the facets worth counting for q.
func (q *Query) facets() []string {
	if len(q.Region) >= 6 || q.Dept != "" {
		return FacetNames
	}
	return []string{FacetType, FacetKind, FacetYear}
}

// topValues lists a facet's n most frequent values, most frequent first
// (ties by value).
func topValues(m map[string]int, n int) []FacetValue {
	vals := make([]FacetValue, 0, len(m))
	for v, c := range m {
		vals = append(vals, FacetValue{Value: v, Count: c})
	}
	slices.SortFunc(vals, func(a, b FacetValue) int {
		if a.Count != b.Count {
			return b.Count - a.Count
		}
		return strings.Compare(a.Value, b.Value)
	})
	return vals[:min(len(vals), n)]
}

// Result is a page of hits with the total and the facet counts over all
// hits.
type Result struct {
	Total  int
	Hits   []Hit
	Facets map[string][]FacetValue
}

// Index is a search engine holding Documents.
type Index interface {
	// Put adds or replaces documents.
	Put(ctx context.Context, docs ...Document) error
	// Delete removes documents by id; unknown ids are not an error.
	Delete(ctx context.Context, ids ...string) error
	// Search runs a checked query (see ParseQuery / Query.Check).
	Search(ctx context.Context, q Query) (*Result, error)
	// Rebuild builds a fresh index from fill and swaps it in atomically:
	// searches during the rebuild see the old index.
	Rebuild(ctx context.Context, fill func(put func(docs ...Document) error) error) error
	// Ping says whether the engine answers.
	Ping(ctx context.Context) error
	Close() error
}

// ErrUnavailable wraps errors of an engine that cannot be reached.
var ErrUnavailable = errors.New("search engine unavailable")

// Unavailable returns an Index that fails every call with err (wrapped in
// ErrUnavailable): what the portal runs with when its engine cannot be
// opened, so that /readyz and the search page say so.
func Unavailable(err error) Index { return unavailable{fmt.Errorf("%w: %w", ErrUnavailable, err)} }

type unavailable struct{ err error }

func (u unavailable) Put(context.Context, ...Document) error         { return u.err }
func (u unavailable) Delete(context.Context, ...string) error        { return u.err }
func (u unavailable) Search(context.Context, Query) (*Result, error) { return nil, u.err }
func (u unavailable) Ping(context.Context) error                     { return u.err }
func (u unavailable) Close() error                                   { return nil }
func (u unavailable) Rebuild(context.Context, func(func(...Document) error) error) error {
	return u.err
}
