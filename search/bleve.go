package search

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search/query"
)

// Embedded is the default backend: a bleve index in a folder (by default
// DATA_DIR/search), no server needed. The folder holds the live index in a
// sub-folder named by the CURRENT file; Rebuild writes a new sub-folder and
// switches CURRENT atomically, and a running Embedded picks up a switch
// made by another process (portal reindex) on Refresh.
type Embedded struct {
	dir string
	syn *Synonyms

	mu      sync.RWMutex
	idx     bleve.Index
	current string
	closed  bool
}

const currentFile = "CURRENT"

// OpenEmbedded opens (or creates) the embedded index in dir.
func OpenEmbedded(dir string, syn *Synonyms) (*Embedded, error) {
	if syn == nil {
		syn = DefaultSynonyms()
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("search index folder: %w", err)
	}
	e := &Embedded{dir: dir, syn: syn}
	name, err := e.readCurrent()
	if err != nil {
		return nil, err
	}
	if name == "" {
		if name, err = e.create(); err != nil {
			return nil, err
		}
		if err := e.writeCurrent(name); err != nil {
			return nil, err
		}
	}
	idx, err := openIndex(filepath.Join(dir, name))
	if err != nil {
		return nil, err
	}
	e.idx, e.current = idx, name
	e.removeStale()
	return e, nil
}

// removeStale deletes index folders left behind by rebuilds whose portal
// was not running to remove the index it replaced. Folders younger than an
// hour may be a rebuild in progress and stay.
func (e *Embedded) removeStale() {
	entries, err := os.ReadDir(e.dir)
	if err != nil {
		return
	}
	for _, en := range entries {
		if !en.IsDir() || !strings.HasPrefix(en.Name(), "idx-") || en.Name() == e.current {
			continue
		}
		if info, err := en.Info(); err == nil && time.Since(info.ModTime()) > time.Hour {
			_ = os.RemoveAll(filepath.Join(e.dir, en.Name()))
		}
	}
}

// NewEmbeddedBuilder returns an Embedded that only rebuilds: it does not
// open the live index, which a running portal holds, and its Rebuild
// switches CURRENT for that portal to pick up (see Refresh).
func NewEmbeddedBuilder(dir string, syn *Synonyms) (*Embedded, error) {
	if syn == nil {
		syn = DefaultSynonyms()
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("search index folder: %w", err)
	}
	return &Embedded{dir: dir, syn: syn}, nil
}

// Identity names this index for the syncer's cursor: every embedded index
// folder has its own, kept in the folder.
func (e *Embedded) Identity() string {
	path := filepath.Join(e.dir, "ID")
	if b, err := os.ReadFile(path); err == nil {
		return "embedded:" + strings.TrimSpace(string(b))
	}
	id := randomID()
	_ = os.WriteFile(path, []byte(id+"\n"), 0o640)
	return "embedded:" + id
}

func randomID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func (e *Embedded) readCurrent() (string, error) {
	b, err := os.ReadFile(filepath.Join(e.dir, currentFile))
	if errors.Is(err, os.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("search index: %w", err)
	}
	return strings.TrimSpace(string(b)), nil
}

func (e *Embedded) writeCurrent(name string) error {
	tmp := filepath.Join(e.dir, currentFile+".tmp")
	if err := os.WriteFile(tmp, []byte(name+"\n"), 0o640); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(e.dir, currentFile))
}

// openIndex opens an index folder, failing after a moment rather than
// waiting for ever when another process holds it.
func openIndex(path string) (bleve.Index, error) {
	idx, err := bleve.OpenUsing(path, map[string]any{"bolt_timeout": "3s"})
	if err != nil {
		return nil, fmt.Errorf("open search index %s (is another portal process using the same SUNLIGHT_DATA_DIR? each needs its own, or use Meilisearch): %w", path, err)
	}
	return idx, nil
}

// create makes a new, empty index folder and returns its name.
func (e *Embedded) create() (string, error) {
	name := "idx-" + time.Now().UTC().Format("20060102T150405") + "-" + randomID()[:6]
	idx, err := bleve.New(filepath.Join(e.dir, name), indexMapping())
	if err != nil {
		return "", fmt.Errorf("create search index: %w", err)
	}
	return name, idx.Close()
}

func indexMapping() mapping.IndexMapping {
	// No term vectors: a term is matched as all of its two-character
	// words (which a phrase nearly always is in Chinese), and highlighting
	// is done on the stored text; positions would double the index.
	text := func(store bool) *mapping.FieldMapping {
		f := mapping.NewTextFieldMapping()
		f.Analyzer = AnalyzerName
		f.Store = store
		f.IncludeTermVectors = false
		f.IncludeInAll = false
		return f
	}
	keyword := func(store, docValues bool) *mapping.FieldMapping {
		f := mapping.NewKeywordFieldMapping()
		f.Store, f.DocValues, f.IncludeInAll, f.IncludeTermVectors = store, docValues, false, false
		return f
	}
	storeOnly := mapping.NewKeywordFieldMapping()
	storeOnly.Index, storeOnly.IncludeInAll, storeOnly.DocValues, storeOnly.IncludeTermVectors = false, false, false, false
	date := mapping.NewDateTimeFieldMapping()
	date.IncludeInAll = false
	amount := mapping.NewNumericFieldMapping()
	amount.Index, amount.IncludeInAll, amount.DocValues = false, false, false

	dm := mapping.NewDocumentStaticMapping()
	dm.AddFieldMappingsAt("title", text(true))
	dm.AddFieldMappingsAt("body", text(false))
	dm.AddFieldMappingsAt("snippet", storeOnly)
	dm.AddFieldMappingsAt("title_exact", keyword(false, false))
	for _, f := range []string{"type", "kind", "year"} {
		dm.AddFieldMappingsAt(f, keyword(true, false))
	}
	dm.AddFieldMappingsAt("dept", keyword(true, true))
	// The low-cardinality facets share one field ("type=fund", "year=2024"):
	// counting reads one column of doc values per hit instead of three.
	dm.AddFieldMappingsAt("facets", keyword(false, true))
	dm.AddFieldMappingsAt("regions", keyword(false, false))
	dm.AddFieldMappingsAt("region_code", storeOnly)
	dm.AddFieldMappingsAt("url", storeOnly)
	dm.AddFieldMappingsAt("date", date)
	dm.AddFieldMappingsAt("amount", amount)

	im := mapping.NewIndexMapping()
	im.DefaultMapping = dm
	im.DefaultAnalyzer = AnalyzerName
	im.StoreDynamic, im.IndexDynamic, im.DocValuesDynamic = false, false, false
	return im
}

// bleveDoc is what bleve indexes for a Document.
type bleveDoc struct {
	Title      string    `json:"title"`
	Body       string    `json:"body"`
	Snippet    string    `json:"snippet"`
	TitleExact string    `json:"title_exact"`
	Facets     []string  `json:"facets"`
	Type       string    `json:"type"`
	Kind       string    `json:"kind"`
	Dept       string    `json:"dept"`
	Year       string    `json:"year"`
	Regions    []string  `json:"regions"`
	RegionCode string    `json:"region_code"`
	URL        string    `json:"url"`
	Date       time.Time `json:"date"`
	Amount     float64   `json:"amount"`
}

func (e *Embedded) toBleve(d *Document) bleveDoc {
	year := ""
	if d.Year != 0 {
		year = strconv.Itoa(d.Year)
	}
	facets := []string{FacetType + "=" + d.Type, FacetYear + "=" + year}
	if d.Kind != "" {
		facets = append(facets, FacetKind+"="+d.Kind)
	}
	return bleveDoc{Facets: facets, Title: d.Title, Body: d.Body, Snippet: prefix(d.Body, storedBodyRunes), TitleExact: foldASCII(d.Title), Type: d.Type, Kind: d.Kind, Dept: d.DeptCode, Year: year, Regions: d.Regions, RegionCode: d.RegionCode,
		URL: d.URL, Date: d.Date.UTC(), Amount: float64(d.Amount)}
}

func (e *Embedded) index() (bleve.Index, error) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	if e.closed || e.idx == nil {
		return nil, fmt.Errorf("embedded index is closed: %w", ErrUnavailable)
	}
	return e.idx, nil
}

// Put adds or replaces documents.
func (e *Embedded) Put(_ context.Context, docs ...Document) error {
	idx, err := e.index()
	if err != nil {
		return err
	}
	return e.put(idx, docs)
}

func (e *Embedded) put(idx bleve.Index, docs []Document) error {
	b := idx.NewBatch()
	for i := range docs {
		d := docs[i]
		if err := d.Normalize(); err != nil {
			return err
		}
		if err := b.Index(d.ID, e.toBleve(&d)); err != nil {
			return fmt.Errorf("index %s: %w", d.ID, err)
		}
	}
	if err := idx.Batch(b); err != nil {
		return fmt.Errorf("index batch: %w", err)
	}
	return nil
}

// Delete removes documents by id.
func (e *Embedded) Delete(_ context.Context, ids ...string) error {
	idx, err := e.index()
	if err != nil {
		return err
	}
	b := idx.NewBatch()
	for _, id := range ids {
		b.Delete(id)
	}
	if err := idx.Batch(b); err != nil {
		return fmt.Errorf("delete from index: %w", err)
	}
	return nil
}

// Ping fails once the index is closed.
func (e *Embedded) Ping(context.Context) error {
	_, err := e.index()
	return err
}

// Close closes the index.
func (e *Embedded) Close() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return nil
	}
	e.closed = true
	if e.idx == nil {
		return nil
	}
	return e.idx.Close()
}

// Count is the number of documents in the index.
func (e *Embedded) Count() (uint64, error) {
	idx, err := e.index()
	if err != nil {
		return 0, err
	}
	return idx.DocCount()
}

// Rebuild fills a new index folder and switches to it atomically; searches
// meanwhile use the old one. A failed rebuild leaves the old index live.
func (e *Embedded) Rebuild(ctx context.Context, fill func(put func(docs ...Document) error) error) error {
	name, err := e.create()
	if err != nil {
		return err
	}
	path := filepath.Join(e.dir, name)
	fresh, err := openIndex(path)
	if err != nil {
		return err
	}
	err = fill(func(docs ...Document) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		return e.put(fresh, docs)
	})
	if err == nil {
		err = e.writeCurrent(name)
	}
	if err != nil {
		_ = fresh.Close()
		_ = os.RemoveAll(path)
		return err
	}
	return e.switchTo(name, fresh)
}

func (e *Embedded) switchTo(name string, idx bleve.Index) error {
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return idx.Close()
	}
	old, oldName := e.idx, e.current
	if old == nil { // a builder: leave the old folder to the portal using it
		e.current = name
		e.mu.Unlock()
		return idx.Close()
	}
	e.idx, e.current = idx, name
	e.mu.Unlock()
	// Searches that already hold the old index finish first: bleve's Close
	// waits for readers it knows of; a query racing the switch may fail
	// once and is retried by its caller.
	err := old.Close()
	_ = os.RemoveAll(filepath.Join(e.dir, oldName))
	return err
}

// Refresh switches to the index named by CURRENT if another process (the
// reindex command) has built a new one, and says whether it did.
func (e *Embedded) Refresh() (bool, error) {
	name, err := e.readCurrent()
	if err != nil || name == "" {
		return false, err
	}
	e.mu.RLock()
	same := name == e.current || e.closed
	e.mu.RUnlock()
	if same {
		return false, nil
	}
	idx, err := openIndex(filepath.Join(e.dir, name))
	if err != nil {
		return false, err
	}
	return true, e.switchTo(name, idx)
}

// Search runs q.
func (e *Embedded) Search(ctx context.Context, q Query) (*Result, error) {
	q.Check()
	idx, err := e.index()
	if err != nil {
		return nil, err
	}
	req := bleve.NewSearchRequestOptions(e.buildQuery(q), q.PerPage, q.Offset(), false)
	req.Fields = []string{"title", "snippet", "type", "kind", "dept", "year", "region_code", "url", "date", "amount"}
	if q.Sort == SortDate {
		req.SortBy([]string{"-date", "-_score", "_id"})
	} else {
		req.SortBy([]string{"-_score"}) // a tie-break would read every hit's date
	}
	req.AddFacet("facets", bleve.NewFacetRequest("facets", 500))
	if slices.Contains(q.facets(), FacetDept) {
		req.AddFacet(FacetDept, bleve.NewFacetRequest(FacetDept, 20))
	}
	res, err := idx.SearchInContext(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	return e.result(q, res), nil
}

func (e *Embedded) buildQuery(q Query) query.Query {
	var must []query.Query
	// Each term must match in the title (ranked higher) or the body, in
	// any of its synonym forms; a form matches when all its two-character
	// words are there.
	for _, t := range Terms(q.Text) {
		var any []query.Query
		for _, form := range e.syn.Expand(t) {
			for _, f := range [...]struct {
				name  string
				boost float64
			}{{"title", 4}, {"body", 1}} {
				m := query.NewMatchQuery(form)
				m.SetField(f.name)
				m.SetOperator(query.MatchQueryOperatorAnd)
				m.SetBoost(f.boost)
				any = append(any, m)
			}
		}
		must = append(must, query.NewDisjunctionQuery(any))
	}
	for _, f := range [...]struct{ field, value string }{
		{"type", q.Type}, {"kind", q.Kind}, {"dept", q.Dept}, {"regions", q.Region}, {"year", yearString(q.Year)},
	} {
		if f.value == "" {
			continue
		}
		tq := query.NewTermQuery(f.value)
		tq.SetField(f.field)
		tq.SetBoost(0.001)
		must = append(must, tq)
	}
	if len(must) == 0 {
		return query.NewMatchAllQuery()
	}
	if q.Text == "" {
		return query.NewConjunctionQuery(must)
	}
	// A title that is exactly what was typed comes first.
	exact := query.NewTermQuery(foldASCII(q.Text))
	exact.SetField("title_exact")
	exact.SetBoost(20)
	return query.NewBooleanQuery(must, []query.Query{exact}, nil)
}

func yearString(y int) string {
	if y == 0 {
		return ""
	}
	return strconv.Itoa(y)
}

func (e *Embedded) result(q Query, res *bleve.SearchResult) *Result {
	terms := e.syn.HighlightTerms(q.Text)
	out := &Result{Total: int(res.Total), Hits: make([]Hit, 0, len(res.Hits)), Facets: map[string][]FacetValue{}}
	for _, h := range res.Hits {
		str := func(k string) string { s, _ := h.Fields[k].(string); return s }
		d := Document{ID: h.ID, Type: str("type"), Title: str("title"), Body: str("snippet"), RegionCode: str("region_code"),
			DeptCode: str("dept"), Kind: str("kind"), URL: str("url")}
		d.Year, _ = strconv.Atoi(str("year"))
		if t, err := time.Parse(time.RFC3339, str("date")); err == nil {
			d.Date = t
		}
		if a, ok := h.Fields["amount"].(float64); ok {
			d.Amount = int64(a)
		}
		out.Hits = append(out.Hits, Hit{Document: d, TitleHTML: Highlight(d.Title, terms, 0), Snippet: Highlight(d.Body, terms, SnippetRunes)})
	}
	for _, name := range FacetNames {
		out.Facets[name] = []FacetValue{}
	}
	for field, fr := range res.Facets {
		if fr == nil || fr.Terms == nil {
			continue
		}
		for _, t := range fr.Terms.Terms() {
			name, value := field, t.Term
			if field == "facets" {
				name, value, _ = strings.Cut(t.Term, "=")
			}
			if value != "" && len(out.Facets[name]) < 20 {
				out.Facets[name] = append(out.Facets[name], FacetValue{Value: value, Count: t.Count})
			}
		}
	}
	return out
}

// SnippetRunes is about how long a snippet is.
const SnippetRunes = 80

// storedBodyRunes is how much of a body the embedded index keeps for
// snippets (hits carry this prefix as their Body).
const storedBodyRunes = 400

func prefix(s string, n int) string {
	for i := range s {
		if n == 0 {
			return s[:i]
		}
		n--
	}
	return s
}
