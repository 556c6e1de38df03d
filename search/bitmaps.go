package search

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	index "github.com/blevesearch/bleve_index_api"
	segment "github.com/blevesearch/scorch_segment_api/v2"
)

// The embedded backend answers searches from bleve's own segments, read
// through scorch's public segment API: every term's postings are a roaring
// bitmap, so a query — all of a term's two-character words, in any of its
// synonym forms, in the title or the body, and the filters — is a few
// bitmap intersections and unions, facets are intersection counts with the
// facet terms, and "newest first" walks the date terms from the newest
// down until the page is full. bleve's searchers instead visit every hit
// (and its doc values) one by one: at a million documents a common word
// cost 60–120 ms that way, and a few milliseconds this way.

// Per segment (segments never change) the search keeps each document's
// facet term and department: counting a search's facets is then one pass
// over its hits instead of an intersection per facet term (tens of
// milliseconds for a word in a tenth of a million documents) or a read of
// each hit. A segment's maps are built on first use; maps of segments no
// longer in the index are dropped.
var termMaps struct {
	sync.Mutex
	m map[termMapKey]*termMap
}

type termMapKey struct {
	seg   segment.Segment
	field string
}

// termMap is a single-valued field of every document of a segment.
type termMap struct {
	once  sync.Once
	terms []string
	of    []uint32 // of[doc] = 1 + index in terms; 0: none
	err   error
}

// termMapOf returns seg's map of field ("facet" or "dept"); live lists the
// segments of the current snapshot.
func termMapOf(s *segView, field string, live []*segView) (*termMap, error) {
	termMaps.Lock()
	if termMaps.m == nil {
		termMaps.m = map[termMapKey]*termMap{}
	}
	key := termMapKey{s.seg, field}
	tm := termMaps.m[key]
	if tm == nil {
		if len(termMaps.m) > 4*len(live)+16 {
			keep := map[segment.Segment]bool{}
			for _, l := range live {
				keep[l.seg] = true
			}
			for k := range termMaps.m {
				if !keep[k.seg] {
					delete(termMaps.m, k)
				}
			}
		}
		tm = &termMap{}
		termMaps.m[key] = tm
	}
	termMaps.Unlock()
	tm.once.Do(func() { tm.err = tm.build(s.seg, field) })
	return tm, tm.err
}

// build reads the field's doc values in document order (each chunk of
// them is decompressed once).
func (tm *termMap) build(seg segment.Segment, field string) error {
	dv, ok := seg.(segment.DocValueVisitable)
	if !ok {
		return fmt.Errorf("search: segment %T has no doc values", seg)
	}
	n := seg.Count()
	tm.of = make([]uint32, n)
	index := map[string]uint32{}
	var st segment.DocVisitState
	var err error
	for num := uint64(0); num < n; num++ {
		st, err = dv.VisitDocValues(num, []string{field}, func(_ string, term []byte) {
			k, ok := index[string(term)]
			if !ok {
				tm.terms = append(tm.terms, string(term))
				k = uint32(len(tm.terms))
				index[string(term)] = k
			}
			tm.of[num] = k
		}, st)
		if err != nil {
			return fmt.Errorf("search: %s doc values: %w", field, err)
		}
	}
	return nil
}

// count adds, for every hit, one to its term's count.
func (tm *termMap) count(hits *roaring.Bitmap) []int {
	per := make([]int, len(tm.terms)+1)
	it := hits.ManyIterator()
	buf := make([]uint32, 256)
	for n := it.NextMany(buf); n > 0; n = it.NextMany(buf) {
		for _, num := range buf[:n] {
			per[tm.of[num]]++
		}
	}
	return per
}

// view holds one search's snapshot of every shard's segments.
type view struct {
	readers []index.IndexReader
	segs    []*segView
}

// segView is one segment of a snapshot, with the bitmaps read so far.
type segView struct {
	seg     segment.Segment
	deleted *roaring.Bitmap // may be nil
	dicts   map[string]segment.TermDictionary
	terms   map[string]*roaring.Bitmap
	months  []string        // "m=YYYYMM" terms, ascending; read on first use
	infos   map[uint32]info // stored fields read so far
}

// errSwitched says the index was closed (replaced by a rebuild) between
// taking it and reading it; the search takes the new one.
var errSwitched = errors.New("search: index switched")

func openView(set *shards) (*view, error) {
	v := &view{}
	for _, p := range set.parts {
		adv, err := p.Advanced()
		if err != nil {
			v.close()
			return nil, fmt.Errorf("search: %w", err)
		}
		r, err := adv.Reader()
		if err != nil {
			v.close()
			return nil, fmt.Errorf("search: %w", err)
		}
		snap, ok := r.(*scorch.IndexSnapshot)
		if ok && snap == nil { // closed: a rebuild switched indexes under us
			v.close()
			return nil, errSwitched
		}
		v.readers = append(v.readers, r)
		if !ok {
			v.close()
			return nil, fmt.Errorf("search: unexpected index reader %T", r)
		}
		for _, ss := range snap.Segments() {
			v.segs = append(v.segs, &segView{seg: ss.Segment(), deleted: ss.Deleted(),
				dicts: map[string]segment.TermDictionary{}, terms: map[string]*roaring.Bitmap{}})
		}
	}
	return v, nil
}

func (v *view) close() {
	for _, r := range v.readers {
		_ = r.Close()
	}
}

func (s *segView) dict(field string) (segment.TermDictionary, error) {
	if d, ok := s.dicts[field]; ok {
		return d, nil
	}
	d, err := s.seg.Dictionary(field)
	if err != nil {
		return nil, fmt.Errorf("search: dictionary %s: %w", field, err)
	}
	s.dicts[field] = d
	return d, nil
}

// term is the set of live documents holding term in field. The bitmap may
// be the segment's own: never modify it.
func (s *segView) term(field, term string) (*roaring.Bitmap, error) {
	key := field + "\x00" + term
	if bm, ok := s.terms[key]; ok {
		return bm, nil
	}
	d, err := s.dict(field)
	if err != nil {
		return nil, err
	}
	bm := roaring.New()
	if d != nil {
		pl, err := d.PostingsList([]byte(term), s.deleted, nil)
		if err != nil {
			return nil, fmt.Errorf("search: postings %s: %w", field, err)
		}
		it := pl.Iterator(false, false, false, nil)
		if o, ok := it.(segment.OptimizablePostingsIterator); ok {
			if n, one := o.DocNum1Hit(); one {
				bm.Add(uint32(n))
			} else if a := o.ActualBitmap(); a != nil {
				bm = a
			}
		} else {
			for p, err := it.Next(); p != nil; p, err = it.Next() {
				if err != nil {
					return nil, fmt.Errorf("search: postings %s: %w", field, err)
				}
				bm.Add(uint32(p.Number()))
			}
		}
	}
	s.terms[key] = bm
	return bm, nil
}

// live is every live document of the segment.
func (s *segView) live() *roaring.Bitmap {
	bm := roaring.New()
	bm.AddRange(0, s.seg.Count())
	if s.deleted != nil {
		bm.AndNot(s.deleted)
	}
	return bm
}

// words is the set of documents of base (nil: all) whose field holds
// every word of text as the analyzer cuts it (nothing when it has none).
func (s *segView) words(field, text string, base *roaring.Bitmap) (*roaring.Bitmap, error) {
	var bms []*roaring.Bitmap
	if base != nil {
		bms = append(bms, base)
	}
	seen := map[string]bool{}
	words := 0
	for _, tok := range (bigramAnalyzer{}).Analyze([]byte(text)) {
		t := string(tok.Term)
		if seen[t] {
			continue
		}
		seen[t] = true
		words++
		bm, err := s.term(field, t)
		if err != nil {
			return nil, err
		}
		if bm.IsEmpty() {
			return bm, nil
		}
		bms = append(bms, bm)
	}
	if words == 0 {
		return roaring.New(), nil
	}
	return and(bms), nil
}

// and intersects bitmaps, the smallest first (cheapest).
func and(bms []*roaring.Bitmap) *roaring.Bitmap {
	slices.SortFunc(bms, func(a, b *roaring.Bitmap) int { return cmp.Compare(a.GetCardinality(), b.GetCardinality()) })
	return roaring.FastAnd(bms...)
}

// filters is the set of documents q's filters let through (nil: no filter).
func (s *segView) filters(q Query) (*roaring.Bitmap, error) {
	var bms []*roaring.Bitmap
	for _, f := range [...]struct{ field, value string }{
		{"filter", filterValue("t", q.Type)}, {"filter", filterValue("k", q.Kind)}, {"filter", filterValue("r", q.Region)},
		{"filter", filterValue("y", yearString(q.Year))}, {"dept", q.Dept},
	} {
		if f.value == "" || f.value[len(f.value)-1] == '=' {
			continue
		}
		bm, err := s.term(f.field, f.value)
		if err != nil {
			return nil, err
		}
		bms = append(bms, bm)
	}
	if len(bms) == 0 {
		return nil, nil
	}
	return roaring.FastAnd(bms...), nil
}

// match finds, within base (nil: every live document), the documents
// with every term of q's text in the title or the body (all) and those
// with every term in the title (title), each term in any synonym form.
// Without text, both are base.
func (s *segView) match(e *Embedded, q Query, base *roaring.Bitmap) (all, title *roaring.Bitmap, err error) {
	terms := Terms(q.Text)
	if base == nil && len(terms) == 0 {
		bm := s.live()
		return bm, bm, nil
	}
	if len(terms) == 0 {
		return base, base, nil
	}
	var inAny, inTitle []*roaring.Bitmap
	for _, t := range terms {
		var titles, bodies []*roaring.Bitmap
		for _, form := range e.syn.Expand(t) {
			tb, err := s.words("title", form, base)
			if err != nil {
				return nil, nil, err
			}
			bb, err := s.words("body", form, base)
			if err != nil {
				return nil, nil, err
			}
			titles, bodies = append(titles, tb), append(bodies, bb)
		}
		tt := roaring.FastOr(titles...)
		inTitle = append(inTitle, tt)
		inAny = append(inAny, roaring.FastOr(append(bodies, tt)...))
	}
	return and(inAny), and(inTitle), nil
}

// info is what a search needs of one hit, read from its stored fields.
type info struct {
	id, title string
	hit       storedHit
	date      string // as date_key
}

// stored reads a document's stored fields.
func (s *segView) stored(num uint32) (info, error) {
	var in info
	var raw []byte
	err := s.seg.VisitStoredFields(uint64(num), func(field string, _ byte, value []byte, _ []uint64) bool {
		switch field {
		case "_id":
			in.id = string(value)
		case "title":
			in.title = string(value)
		case "hit":
			raw = append(raw[:0], value...) // value is only valid during the call
		}
		return true
	})
	if err != nil {
		return in, fmt.Errorf("search: stored fields: %w", err)
	}
	if err := json.Unmarshal(raw, &in.hit); err != nil {
		return in, fmt.Errorf("search: stored hit %s: %w", in.id, err)
	}
	in.date = dateKeyOf(in.hit.Date)
	return in, nil
}

// dateKeyOf is the date_key of a stored Unix time (0: no date).
func dateKeyOf(unix int64) string {
	if unix == 0 {
		return zeroDateKey
	}
	return time.Unix(unix, 0).UTC().Format(dateKeyLayout)
}

// small reads the stored fields of every document of bm, once per search.
func (s *segView) small(bm *roaring.Bitmap) (map[uint32]info, error) {
	if s.infos == nil {
		s.infos = map[uint32]info{}
	}
	it := bm.Iterator()
	for it.HasNext() {
		num := it.Next()
		if _, ok := s.infos[num]; ok {
			continue
		}
		in, err := s.stored(num)
		if err != nil {
			return nil, err
		}
		s.infos[num] = in
	}
	return s.infos, nil
}

// months are the segment's publication months ("m=202403" filter terms),
// ascending; read on first use.
func (s *segView) monthTerms() ([]string, error) {
	if s.months != nil {
		return s.months, nil
	}
	d, err := s.dict("filter")
	if err != nil {
		return nil, err
	}
	s.months = []string{}
	if d == nil {
		return s.months, nil
	}
	it := d.AutomatonIterator(nil, []byte("m="), []byte("m>"))
	for {
		de, err := it.Next()
		if err != nil {
			return nil, fmt.Errorf("search: month terms: %w", err)
		}
		if de == nil {
			return s.months, nil
		}
		s.months = append(s.months, de.Term)
	}
}

// days are the date_key terms of one month ("202403"), ascending.
func (s *segView) days(month string) ([]string, error) {
	d, err := s.dict("date_key")
	if err != nil || d == nil {
		return nil, err
	}
	end := []byte(month)
	end[len(end)-1]++
	var out []string
	it := d.AutomatonIterator(nil, []byte(month), end)
	for {
		de, err := it.Next()
		if err != nil {
			return nil, fmt.Errorf("search: date terms: %w", err)
		}
		if de == nil {
			return out, nil
		}
		out = append(out, de.Term)
	}
}

// cand is a hit's place in date order.
type cand struct {
	date string
	seg  int
	num  uint32
}

// smallSet is the size up to which a segment's hits are read one by one
// (stored fields: a few microseconds each); larger sets are counted and
// ordered on bitmaps.
const smallSet = 64

// newest returns the first n hits of bms (one bitmap per segment), newest
// first; ties keep index order. A large set walks the months from the
// newest down (one intersection count each), and the days of a month
// that has hits, until it has n.
func (v *view) newest(bms []*roaring.Bitmap, n int) ([]cand, error) {
	var out []cand
	for i, s := range v.segs {
		bm := bms[i]
		if bm == nil || bm.IsEmpty() {
			continue
		}
		if bm.GetCardinality() <= smallSet {
			infos, err := s.small(bm)
			if err != nil {
				return nil, err
			}
			it := bm.Iterator()
			for it.HasNext() {
				num := it.Next()
				out = append(out, cand{infos[num].date, i, num})
			}
			continue
		}
		got, err := s.walk(bm, n, func(date string, num uint32) { out = append(out, cand{date, i, num}) })
		if err != nil {
			return nil, err
		}
		if got < n { // documents without a month (no date)
			zero, err := s.term("date_key", zeroDateKey)
			if err != nil {
				return nil, err
			}
			it := roaring.And(bm, zero).Iterator()
			for ; it.HasNext() && got < n; got++ {
				out = append(out, cand{zeroDateKey, i, it.Next()})
			}
		}
	}
	slices.SortFunc(out, func(a, b cand) int {
		if c := cmp.Compare(b.date, a.date); c != 0 {
			return c
		}
		if c := cmp.Compare(a.seg, b.seg); c != 0 {
			return c
		}
		return cmp.Compare(a.num, b.num)
	})
	return out[:min(n, len(out))], nil
}

// walk emits bm's newest documents, up to n, and says how many.
func (s *segView) walk(bm *roaring.Bitmap, n int, emit func(date string, num uint32)) (int, error) {
	months, err := s.monthTerms()
	if err != nil {
		return 0, err
	}
	got := 0
	for m := len(months) - 1; m >= 0 && got < n; m-- {
		mb, err := s.term("filter", months[m])
		if err != nil {
			return 0, err
		}
		if !bm.Intersects(mb) {
			continue
		}
		days, err := s.days(strings.TrimPrefix(months[m], "m="))
		if err != nil {
			return 0, err
		}
		for d := len(days) - 1; d >= 0 && got < n; d-- {
			day, err := s.term("date_key", days[d])
			if err != nil {
				return 0, err
			}
			it := roaring.And(bm, day).Iterator()
			for ; it.HasNext() && got < n; got++ {
				emit(days[d], it.Next())
			}
		}
	}
	return got, nil
}
