package search

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/blevesearch/bleve/v2/mapping"
)

// Embedded is the default backend: a bleve index in a folder (by default
// DATA_DIR/search), no server needed. The folder holds the live index in a
// sub-folder named by the CURRENT file, itself split in shards (see
// shards); Rebuild writes a new sub-folder and switches CURRENT atomically,
// and a running Embedded picks up a switch made by another process
// (portal reindex) on Refresh.
type Embedded struct {
	dir string
	syn *Synonyms

	mu      sync.RWMutex
	set     *shards
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
	var set *shards
	if name != "" {
		set, err = openShards(filepath.Join(dir, name))
		if errors.Is(err, errOldFormat) {
			// Written by an older portal: start a new, empty index; the
			// syncer fills it whole (the identity names the format).
			_ = os.RemoveAll(filepath.Join(dir, name))
			set, err = nil, nil
		}
		if err != nil {
			return nil, err
		}
	}
	if set == nil {
		if name, err = e.create(); err != nil {
			return nil, err
		}
		if err := e.writeCurrent(name); err != nil {
			return nil, err
		}
		if set, err = openShards(filepath.Join(dir, name)); err != nil {
			return nil, err
		}
	}
	e.set, e.current = set, name
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
// folder has its own, kept in the folder, and a new index format is a new
// identity (so the syncer fills an index it has not seen whole).
func (e *Embedded) Identity() string {
	path := filepath.Join(e.dir, "ID")
	b, err := os.ReadFile(path)
	id := strings.TrimSpace(string(b))
	if err != nil || id == "" {
		id = randomID()
		_ = os.WriteFile(path, []byte(id+"\n"), 0o640)
	}
	return "embedded:" + id + "/f" + indexFormat
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

// newName names a new index folder.
func newName() string {
	return "idx-" + time.Now().UTC().Format("20060102T150405") + "-" + randomID()[:6]
}

// create makes a new, empty index folder and returns its name.
func (e *Embedded) create() (string, error) {
	name := newName()
	if err := createShards(filepath.Join(e.dir, name), shardCount()); err != nil {
		_ = os.RemoveAll(filepath.Join(e.dir, name))
		return "", err
	}
	return name, nil
}

// indexFormat names the layout indexMapping and toBleve produce. An index
// folder of another format is replaced by a new, empty one (which the
// syncer then fills whole, since the identity changes with the format).
const indexFormat = "2"

var formatKey = []byte("sunlight_format")

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

	dm := mapping.NewDocumentStaticMapping()
	dm.AddFieldMappingsAt("title", text(true))
	dm.AddFieldMappingsAt("body", text(false))
	// The filters share one field ("t=fund", "y=2024", "r=210124", and
	// "n=12", the title's length, which with the title's words finds an
	// exact title): one field per document costs less to build than five.
	dm.AddFieldMappingsAt("filter", keyword(false, false))
	dm.AddFieldMappingsAt("dept", keyword(false, true))
	// Sorting and counting read one doc value per hit and field, so the
	// date is one fixed-width term (a numeric field would carry sixteen
	// prefix terms) and the low-cardinality facets share one term
	// ("disclosure|2024|dibao").
	dm.AddFieldMappingsAt("date_key", keyword(false, true))
	dm.AddFieldMappingsAt("facet", keyword(false, true))
	// What a hit shows comes back as one stored value.
	dm.AddFieldMappingsAt("hit", storeOnly)
	// No _all field: every search names its fields.
	all := mapping.NewDocumentDisabledMapping()
	dm.AddSubDocumentMapping("_all", all)

	im := mapping.NewIndexMapping()
	im.DefaultMapping = dm
	im.DefaultAnalyzer = AnalyzerName
	im.StoreDynamic, im.IndexDynamic, im.DocValuesDynamic = false, false, false
	return im
}

// bleveDoc is what bleve indexes for a Document.
type bleveDoc struct {
	Title   string   `json:"title"`
	Body    string   `json:"body"`
	Filter  []string `json:"filter"`
	Dept    string   `json:"dept"`
	DateKey string   `json:"date_key"`
	Facet   string   `json:"facet"`
	Hit     string   `json:"hit"`
}

// Filter values: "t=TYPE", "k=KIND", "y=YEAR", "r=REGION" (the region and
// each ancestor), "n=LEN" (the title's length in characters), "m=YYYYMM"
// (the month of its date, which "newest first" walks).
func filterValue(name, value string) string { return name + "=" + value }

// storedHit is the stored "hit" value: what a result shows besides the
// title, with the first storedBodyRunes of the body for the snippet.
type storedHit struct {
	Type       string `json:"t"`
	Kind       string `json:"k,omitempty"`
	Dept       string `json:"d,omitempty"`
	Year       int    `json:"y,omitempty"`
	RegionCode string `json:"r,omitempty"`
	URL        string `json:"u,omitempty"`
	Date       int64  `json:"dt,omitempty"` // Unix seconds
	Amount     int64  `json:"a,omitempty"`
	Snippet    string `json:"s,omitempty"`
}

const dateKeyLayout = "20060102150405"

// zeroDateKey is the date_key of a document without a date (oldest).
const zeroDateKey = "00000000000000"

func facetKey(typ string, year int, kind string) string {
	return typ + "|" + yearString(year) + "|" + kind
}

func (e *Embedded) toBleve(d *Document) bleveDoc {
	h := storedHit{Type: d.Type, Kind: d.Kind, Dept: d.DeptCode, Year: d.Year, RegionCode: d.RegionCode, URL: d.URL,
		Amount: d.Amount, Snippet: prefix(d.Body, storedBodyRunes)}
	dateKey := zeroDateKey
	if !d.Date.IsZero() {
		h.Date = d.Date.Unix()
		dateKey = dateKeyOf(h.Date)
	}
	hit, _ := json.Marshal(h) // plain strings and numbers: cannot fail
	filter := make([]string, 0, 4+len(d.Regions))
	filter = append(filter, filterValue("t", d.Type), filterValue("n", strconv.Itoa(utf8.RuneCountInString(foldASCII(d.Title)))))
	if d.Kind != "" {
		filter = append(filter, filterValue("k", d.Kind))
	}
	if d.Year != 0 {
		filter = append(filter, filterValue("y", yearString(d.Year)))
	}
	for _, r := range d.Regions {
		filter = append(filter, filterValue("r", r))
	}
	if dateKey != zeroDateKey {
		filter = append(filter, filterValue("m", dateKey[:6]))
	}
	return bleveDoc{Title: d.Title, Body: d.Body, Filter: filter, Dept: d.DeptCode, DateKey: dateKey,
		Facet: facetKey(d.Type, d.Year, d.Kind), Hit: string(hit)}
}

func (e *Embedded) shards() (*shards, error) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	if e.closed || e.set == nil {
		return nil, fmt.Errorf("embedded index is closed: %w", ErrUnavailable)
	}
	return e.set, nil
}

// Put adds or replaces documents.
func (e *Embedded) Put(_ context.Context, docs ...Document) error {
	set, err := e.shards()
	if err != nil {
		return err
	}
	return e.put(set, docs)
}

// put writes docs in one batch per shard, the shards in parallel.
func (e *Embedded) put(set *shards, docs []Document) error {
	bs := set.batches()
	for i := range docs {
		d := docs[i]
		if err := d.Normalize(); err != nil {
			return err
		}
		if err := forID(bs, d.ID).Index(d.ID, e.toBleve(&d)); err != nil {
			return fmt.Errorf("index %s: %w", d.ID, err)
		}
	}
	if err := set.apply(bs); err != nil {
		return fmt.Errorf("index batch: %w", err)
	}
	return nil
}

// Delete removes documents by id.
func (e *Embedded) Delete(_ context.Context, ids ...string) error {
	set, err := e.shards()
	if err != nil {
		return err
	}
	bs := set.batches()
	for _, id := range ids {
		forID(bs, id).Delete(id)
	}
	if err := set.apply(bs); err != nil {
		return fmt.Errorf("delete from index: %w", err)
	}
	return nil
}

// Ping fails once the index is closed.
func (e *Embedded) Ping(context.Context) error {
	_, err := e.shards()
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
	if e.set == nil {
		return nil
	}
	return e.set.close()
}

// Count is the number of documents in the index.
func (e *Embedded) Count() (uint64, error) {
	set, err := e.shards()
	if err != nil {
		return 0, err
	}
	return set.count()
}

// Rebuild fills a new index folder and switches to it atomically; searches
// meanwhile use the old one. A failed rebuild leaves the old index live.
func (e *Embedded) Rebuild(ctx context.Context, fill func(put func(docs ...Document) error) error) error {
	name := newName()
	path := filepath.Join(e.dir, name)
	b, err := e.newBulk(path, shardCount())
	if err != nil {
		_ = os.RemoveAll(path)
		return err
	}
	err = fill(func(docs ...Document) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		return b.put(docs)
	})
	fresh, ferr := b.finish()
	if err = errors.Join(err, ferr); err != nil && fresh != nil {
		_ = fresh.close()
	}
	if err == nil {
		if err = e.writeCurrent(name); err != nil {
			_ = fresh.close()
		}
	}
	if err != nil {
		_ = os.RemoveAll(path)
		return err
	}
	return e.switchTo(name, fresh)
}

func (e *Embedded) switchTo(name string, set *shards) error {
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return set.close()
	}
	old, oldName := e.set, e.current
	if old == nil { // a builder: leave the old folder to the portal using it
		e.current = name
		e.mu.Unlock()
		return set.close()
	}
	e.set, e.current = set, name
	e.mu.Unlock()
	// Searches that already hold the old index finish first: bleve's Close
	// waits for readers it knows of; a query racing the switch may fail
	// once and is retried by its caller.
	err := old.close()
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
	set, err := openShards(filepath.Join(e.dir, name))
	if err != nil {
		return false, err
	}
	return true, e.switchTo(name, set)
}

// Search runs q on the segments' bitmaps (see bitmaps.go). Relevance is
// an order of tiers, each newest first: titles that are exactly what was
// typed, then titles holding every term, then the rest.
func (e *Embedded) Search(_ context.Context, q Query) (*Result, error) {
	q.Check()
	var v *view
	for try := 0; ; try++ {
		set, err := e.shards()
		if err != nil {
			return nil, err
		}
		v, err = openView(set)
		if errors.Is(err, errSwitched) && try < 3 {
			continue
		}
		if err != nil {
			return nil, err
		}
		break
	}
	defer v.close()

	n := len(v.segs)
	all, title, exact := make([]*roaring.Bitmap, n), make([]*roaring.Bitmap, n), make([]*roaring.Bitmap, n)
	tiered := q.Sort == SortRelevance && q.Text != ""
	length := filterValue("n", strconv.Itoa(utf8.RuneCountInString(foldASCII(q.Text))))
	out := &Result{Facets: map[string][]FacetValue{}}
	counts := map[string]map[string]int{}
	for _, name := range FacetNames {
		counts[name] = map[string]int{}
	}
	for i, s := range v.segs {
		base, err := s.filters(q)
		if err != nil {
			return nil, err
		}
		if all[i], title[i], err = s.match(e, q, base); err != nil {
			return nil, err
		}
		out.Total += int(all[i].GetCardinality())
		if err := s.count(v.segs, q, all[i], counts); err != nil {
			return nil, err
		}
		if !tiered || all[i].IsEmpty() {
			continue
		}
		// An exact title: every word of the text in the title, and no more
		// characters than the text.
		lb, err := s.term("filter", length)
		if err != nil {
			return nil, err
		}
		if exact[i], err = s.words("title", q.Text, roaring.And(title[i], lb)); err != nil {
			return nil, err
		}
		// Each tier without the ones before it.
		all[i] = roaring.AndNot(all[i], title[i])
		title[i] = roaring.AndNot(title[i], exact[i])
	}
	for name, m := range counts {
		out.Facets[name] = topValues(m, 20)
	}

	need := min(q.Offset()+q.PerPage, out.Total)
	var order []cand
	tiers := [][]*roaring.Bitmap{all}
	if tiered {
		tiers = [][]*roaring.Bitmap{exact, title, all}
	}
	for _, tier := range tiers {
		if len(order) >= need {
			break
		}
		got, err := v.newest(tier, need-len(order))
		if err != nil {
			return nil, err
		}
		order = append(order, got...)
	}
	out.Hits = []Hit{}
	if q.Offset() >= len(order) {
		return out, nil
	}
	terms := e.syn.HighlightTerms(q.Text)
	for _, c := range order[q.Offset():] {
		in, err := v.segs[c.seg].stored(c.num)
		if err != nil {
			return nil, err
		}
		sh := in.hit
		d := Document{ID: in.id, Type: sh.Type, Title: in.title, Body: sh.Snippet, RegionCode: sh.RegionCode, DeptCode: sh.Dept,
			Kind: sh.Kind, Year: sh.Year, URL: sh.URL, Amount: sh.Amount}
		if sh.Date != 0 {
			d.Date = time.Unix(sh.Date, 0).UTC()
		}
		out.Hits = append(out.Hits, Hit{Document: d, TitleHTML: Highlight(d.Title, terms, 0), Snippet: Highlight(d.Body, terms, SnippetRunes)})
	}
	return out, nil
}

// count adds one segment's hits to the facet counts: a few hits are read
// one by one, more are counted through the segment's term maps.
func (s *segView) count(live []*segView, q Query, hits *roaring.Bitmap, counts map[string]map[string]int) error {
	if hits.IsEmpty() {
		return nil
	}
	wantDept := slices.Contains(q.facets(), FacetDept)
	add := func(name, value string, n int) {
		if value != "" && value != "0" && n > 0 {
			counts[name][value] += n
		}
	}
	if hits.GetCardinality() <= smallSet {
		infos, err := s.small(hits)
		if err != nil {
			return err
		}
		it := hits.Iterator()
		for it.HasNext() {
			h := infos[it.Next()].hit
			add(FacetType, h.Type, 1)
			add(FacetYear, strconv.Itoa(h.Year), 1)
			add(FacetKind, h.Kind, 1)
			if wantDept {
				add(FacetDept, h.Dept, 1)
			}
		}
		return nil
	}
	fm, err := termMapOf(s, "facet", live)
	if err != nil {
		return err
	}
	for k, c := range fm.count(hits)[1:] {
		if parts := strings.SplitN(fm.terms[k], "|", 3); len(parts) == 3 {
			add(FacetType, parts[0], c)
			add(FacetYear, parts[1], c)
			add(FacetKind, parts[2], c)
		}
	}
	if wantDept {
		dm, err := termMapOf(s, FacetDept, live)
		if err != nil {
			return err
		}
		for k, c := range dm.count(hits)[1:] {
			add(FacetDept, dm.terms[k], c)
		}
	}
	return nil
}

func yearString(y int) string {
	if y == 0 {
		return ""
	}
	return strconv.Itoa(y)
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
