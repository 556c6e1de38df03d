package search

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/meilisearch/meilisearch-go"
)

// MeiliConfig says where the Meilisearch index lives.
type MeiliConfig struct {
	URL      string // e.g. http://127.0.0.1:7700
	Key      string // API key (master or an admin key)
	Index    string // index uid, default "sunlight"
	Synonyms *Synonyms
	// Timeout bounds each HTTP request (default 10s); TaskTimeout how long
	// a write waits for its task (default 2m).
	Timeout     time.Duration
	TaskTimeout time.Duration
}

// Meili is the Meilisearch backend. Meilisearch segments Chinese with
// jieba, which misses a word inside a longer word (待处理 vs 处理), so the
// project segments the text itself: the searchable fields hold the
// overlapping two-character words of the title and body (see Segment), and
// a query is segmented the same way. Abbreviations are matched through
// group tokens (Synonyms.Tokens / Rewrite), because a Meilisearch query
// cannot say "this or that".
type Meili struct {
	cfg    MeiliConfig
	client meilisearch.ServiceManager

	mu    sync.Mutex
	ready map[string]bool // index uids created (or found) by this process
	// pushed is, per index uid, 1 + the synonyms generation whose settings
	// were last sent (0: none yet).
	pushed map[string]uint64
}

var indexUIDPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,200}$`)

// NewMeili checks the configuration and returns the backend; it does not
// connect until first used, so a portal starts while the engine is down.
func NewMeili(cfg MeiliConfig) (*Meili, error) {
	u, err := url.Parse(cfg.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%q is not an http(s) URL such as http://127.0.0.1:7700", cfg.URL)
	}
	if cfg.Index == "" {
		cfg.Index = "sunlight"
	}
	if !indexUIDPattern.MatchString(cfg.Index) {
		return nil, fmt.Errorf("index name %q may hold only letters, digits, - and _", cfg.Index)
	}
	if cfg.Synonyms == nil {
		cfg.Synonyms = DefaultSynonyms()
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.TaskTimeout <= 0 {
		cfg.TaskTimeout = 2 * time.Minute
	}
	opts := []meilisearch.Option{meilisearch.WithCustomClient(&http.Client{Timeout: cfg.Timeout}), meilisearch.DisableRetries()}
	if cfg.Key != "" {
		opts = append(opts, meilisearch.WithAPIKey(cfg.Key))
	}
	return &Meili{cfg: cfg, client: meilisearch.New(strings.TrimSuffix(cfg.URL, "/"), opts...), ready: map[string]bool{}, pushed: map[string]uint64{}}, nil
}

// Identity names the index for the syncer's cursors: every portal using
// the same Meilisearch index shares them.
func (m *Meili) Identity() string { return "meili:" + m.cfg.URL + "/" + m.cfg.Index }

// meiliDoc is what Meilisearch stores for a Document.
type meiliDoc struct {
	Key        string   `json:"key"` // primary key: the id made safe for Meilisearch
	ID         string   `json:"id"`
	Type       string   `json:"type"`
	Title      string   `json:"title"`
	Body       string   `json:"body"`
	RegionCode string   `json:"region_code"`
	Regions    []string `json:"regions"`
	Dept       string   `json:"dept"`
	Kind       string   `json:"kind"`
	Year       int      `json:"year"`
	Date       int64    `json:"date"` // Unix seconds, for sorting
	Amount     int64    `json:"amount"`
	URL        string   `json:"url"`
	TitleSeg   string   `json:"title_seg"`
	BodySeg    string   `json:"body_seg"`
	Syn        string   `json:"syn"`
}

var displayed = []string{"id", "type", "title", "body", "region_code", "dept", "kind", "year", "date", "amount", "url"}

// meiliKey turns "disclosure:42" into the allowed "disclosure-42";
// anything else outside [A-Za-z0-9_] is written as _XX.
func meiliKey(id string) string {
	var b strings.Builder
	for i := 0; i < len(id); i++ {
		c := id[i]
		switch {
		case c == ':':
			b.WriteByte('-')
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
			b.WriteByte(c)
		default:
			fmt.Fprintf(&b, "_%02X", c)
		}
	}
	return b.String()
}

func (m *Meili) toMeili(d *Document) meiliDoc {
	var date int64
	if !d.Date.IsZero() {
		date = d.Date.Unix()
	}
	return meiliDoc{Key: meiliKey(d.ID), ID: d.ID, Type: d.Type, Title: d.Title, Body: d.Body, RegionCode: d.RegionCode,
		Regions: d.Regions, Dept: d.DeptCode, Kind: d.Kind, Year: d.Year, Date: date, Amount: d.Amount, URL: d.URL,
		TitleSeg: SegmentText(d.Title), BodySeg: SegmentText(d.Body),
		Syn: strings.Join(m.cfg.Synonyms.Tokens(d.Title+"\n"+d.Body), " ")}
}

// settings are the index settings. Synonyms hold each member against the
// others and the group token against every member: a query is rewritten
// to the token (queryText), and the token's synonyms make Meilisearch also
// match documents indexed before the group existed, which lack the token.
func (m *Meili) settings() *meilisearch.Settings {
	syn := map[string][]string{}
	for _, g := range m.cfg.Synonyms.Groups() {
		tok := groupToken(g)
		for _, a := range g {
			syn[tok] = append(syn[tok], SegmentText(a))
			for _, b := range g {
				if a != b {
					syn[SegmentText(a)] = append(syn[SegmentText(a)], SegmentText(b))
				}
			}
		}
	}
	return &meilisearch.Settings{
		// Order is rank: a match in the title beats one in the body.
		SearchableAttributes: []string{"title_seg", "syn", "body_seg"},
		DisplayedAttributes:  displayed,
		FilterableAttributes: []string{"type", "regions", "dept", "kind", "year"},
		SortableAttributes:   []string{"date"},
		RankingRules:         []string{"words", "proximity", "attribute", "exactness", "sort", "typo"},
		Synonyms:             syn,
		TypoTolerance:        &meilisearch.TypoTolerance{Enabled: false},
		Pagination:           &meilisearch.Pagination{MaxTotalHits: 100000},
		Faceting:             &meilisearch.Faceting{MaxValuesPerFacet: 100},
	}
}

// failure describes a Meilisearch error for people and marks errors of
// reaching the engine as ErrUnavailable.
func failure(op string, err error) error {
	var me *meilisearch.Error
	if errors.As(err, &me) {
		if me.StatusCode == 0 || me.StatusCode >= 500 {
			return fmt.Errorf("meilisearch %s: HTTP %d %s: %w", op, me.StatusCode, me.MeilisearchApiError.Message, errors.Join(ErrUnavailable, err))
		}
		return fmt.Errorf("meilisearch %s: HTTP %d %s (%s)", op, me.StatusCode, me.MeilisearchApiError.Message, me.MeilisearchApiError.Code)
	}
	return fmt.Errorf("meilisearch %s: %w", op, errors.Join(ErrUnavailable, err))
}

// wait waits for a task and turns a failed one into an error.
func (m *Meili) wait(ctx context.Context, op string, info *meilisearch.TaskInfo) error {
	ctx, cancel := context.WithTimeout(ctx, m.cfg.TaskTimeout)
	defer cancel()
	task, err := m.client.WaitForTaskWithContext(ctx, info.TaskUID, 50*time.Millisecond)
	if err != nil {
		return failure(op+" (waiting for task "+strconv.FormatInt(info.TaskUID, 10)+")", err)
	}
	if task.Status != meilisearch.TaskStatusSucceeded {
		return fmt.Errorf("meilisearch %s: task %d %s: %s (%s)", op, info.TaskUID, task.Status, task.Error.Message, task.Error.Code)
	}
	return nil
}

// ensure creates the index if needed and applies the settings, once and
// again after the synonyms changed.
func (m *Meili) ensure(ctx context.Context, uid string) error {
	gen := m.cfg.Synonyms.Generation() + 1
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.ready[uid] && m.pushed[uid] == gen {
		return nil
	}
	if !m.ready[uid] {
		info, err := m.client.CreateIndexWithContext(ctx, &meilisearch.IndexConfig{Uid: uid, PrimaryKey: "key"})
		if err != nil {
			return failure("create index "+uid, err)
		}
		if err := m.wait(ctx, "create index "+uid, info); err != nil && !strings.Contains(err.Error(), "index_already_exists") {
			return err
		}
	}
	info, err := m.client.Index(uid).UpdateSettingsWithContext(ctx, m.settings())
	if err != nil {
		return failure("settings of "+uid, err)
	}
	if err := m.wait(ctx, "settings of "+uid, info); err != nil {
		return err
	}
	m.ready[uid], m.pushed[uid] = true, gen
	return nil
}

// freshen sends the settings, without waiting for them, when the synonyms
// changed since they were last sent (by an administrator, here or in
// another process): a search then expands the new group as soon as
// Meilisearch has applied them.
func (m *Meili) freshen(ctx context.Context) {
	gen := m.cfg.Synonyms.Generation() + 1
	uid := m.cfg.Index
	m.mu.Lock()
	stale := m.pushed[uid] != gen
	if stale {
		m.pushed[uid] = gen
	}
	m.mu.Unlock()
	if !stale {
		return
	}
	if _, err := m.client.Index(uid).UpdateSettingsWithContext(ctx, m.settings()); err != nil {
		m.mu.Lock()
		m.pushed[uid] = 0 // try again with the next search
		m.mu.Unlock()
	}
}

// Put adds or replaces documents and waits until they are searchable.
func (m *Meili) Put(ctx context.Context, docs ...Document) error {
	info, err := m.put(ctx, m.cfg.Index, docs)
	if err != nil || info == nil {
		return err
	}
	return m.wait(ctx, "add documents", info)
}

func (m *Meili) put(ctx context.Context, uid string, docs []Document) (*meilisearch.TaskInfo, error) {
	if len(docs) == 0 {
		return nil, nil
	}
	if err := m.ensure(ctx, uid); err != nil {
		return nil, err
	}
	out := make([]meiliDoc, len(docs))
	for i := range docs {
		d := docs[i]
		if err := d.Normalize(); err != nil {
			return nil, err
		}
		out[i] = m.toMeili(&d)
	}
	pk := "key"
	info, err := m.client.Index(uid).AddDocumentsWithContext(ctx, out, &meilisearch.DocumentOptions{PrimaryKey: &pk})
	if err != nil {
		return nil, failure("add documents", err)
	}
	return info, nil
}

// Delete removes documents and waits for it.
func (m *Meili) Delete(ctx context.Context, ids ...string) error {
	if len(ids) == 0 {
		return nil
	}
	if err := m.ensure(ctx, m.cfg.Index); err != nil {
		return err
	}
	keys := make([]string, len(ids))
	for i, id := range ids {
		keys[i] = meiliKey(id)
	}
	info, err := m.client.Index(m.cfg.Index).DeleteDocumentsWithContext(ctx, keys, nil)
	if err != nil {
		return failure("delete documents", err)
	}
	return m.wait(ctx, "delete documents", info)
}

// Ping asks the engine's /health.
func (m *Meili) Ping(ctx context.Context) error {
	if _, err := m.client.HealthWithContext(ctx); err != nil {
		return failure("health", err)
	}
	return nil
}

// Close releases nothing: the client holds no resources of its own.
func (m *Meili) Close() error { return nil }

// Rebuild fills a fresh index, swaps it with the live one in one
// /swap-indexes task, and deletes the old one. Searches meanwhile use the
// live index.
func (m *Meili) Rebuild(ctx context.Context, fill func(put func(docs ...Document) error) error) error {
	tmp := m.cfg.Index + "_rebuild_" + randomID()[:8]
	if err := m.ensure(ctx, m.cfg.Index); err != nil {
		return err
	}
	var tasks []*meilisearch.TaskInfo
	err := fill(func(docs ...Document) error {
		info, err := m.put(ctx, tmp, docs)
		if info != nil {
			tasks = append(tasks, info)
		}
		return err
	})
	if err == nil && len(tasks) == 0 {
		err = m.ensure(ctx, tmp) // an empty database still gets an (empty) index
	}
	for _, t := range tasks {
		if err != nil {
			break
		}
		err = m.wait(ctx, "add documents to "+tmp, t)
	}
	if err == nil {
		var info *meilisearch.TaskInfo
		info, err = m.client.SwapIndexesWithContext(ctx, []*meilisearch.SwapIndexesParams{{Indexes: []string{m.cfg.Index, tmp}}})
		if err != nil {
			err = failure("swap indexes", err)
		} else {
			err = m.wait(ctx, "swap indexes", info)
		}
	}
	// After a swap tmp holds the old documents; after a failure, the
	// half-built ones. Either way it goes.
	if info, derr := m.client.DeleteIndexWithContext(context.WithoutCancel(ctx), tmp); derr == nil {
		_ = m.wait(context.WithoutCancel(ctx), "delete index "+tmp, info)
	}
	m.mu.Lock()
	delete(m.ready, tmp)
	m.mu.Unlock()
	return err
}

// Search runs q against the live index.
func (m *Meili) Search(ctx context.Context, q Query) (*Result, error) {
	q.Check()
	m.freshen(ctx)
	perPage := int64(q.PerPage)
	req := &meilisearch.SearchRequest{
		Filter:               m.filter(q),
		Facets:               q.facets(),
		Page:                 int64(q.Page),
		HitsPerPage:          &perPage,
		AttributesToRetrieve: displayed,
		MatchingStrategy:     meilisearch.All,
	}
	if q.Sort == SortDate {
		req.Sort = []string{"date:desc"}
	}
	res, err := m.client.Index(m.cfg.Index).SearchWithContext(ctx, m.queryText(q.Text), req)
	if err != nil {
		return nil, failure("search", err)
	}
	return m.result(q, res)
}

// queryText segments the query as documents are: each term's two-character
// words, quoted as a phrase so they must be adjacent; an abbreviation or
// full form becomes its group token.
func (m *Meili) queryText(text string) string {
	var parts []string
	for _, t := range Terms(text) {
		toks := m.cfg.Synonyms.Rewrite(t)
		switch {
		case len(toks) == 0:
		case len(toks) == 1 || strings.Contains(strings.Join(toks, " "), "syn"):
			parts = append(parts, toks...)
		default:
			parts = append(parts, `"`+strings.Join(toks, " ")+`"`)
		}
	}
	return strings.Join(parts, " ")
}

// filter builds the filter expression. Every value was checked against a
// strict pattern by ParseQuery; quoting guards the rest.
func (m *Meili) filter(q Query) []string {
	var f []string
	add := func(field, v string) {
		if v != "" {
			f = append(f, field+" = "+strconv.Quote(v))
		}
	}
	add("type", q.Type)
	add("regions", q.Region)
	add("dept", q.Dept)
	add("kind", q.Kind)
	if q.Year != 0 {
		f = append(f, "year = "+strconv.Itoa(q.Year))
	}
	return f
}

func (m *Meili) result(q Query, res *meilisearch.SearchResponse) (*Result, error) {
	terms := m.cfg.Synonyms.HighlightTerms(q.Text)
	total := res.TotalHits
	if total == 0 && res.EstimatedTotalHits > 0 {
		total = res.EstimatedTotalHits
	}
	out := &Result{Total: int(total), Hits: make([]Hit, 0, len(res.Hits)), Facets: map[string][]FacetValue{}}
	for _, h := range res.Hits {
		var md meiliDoc
		if err := h.DecodeInto(&md); err != nil {
			return nil, fmt.Errorf("meilisearch hit: %w", err)
		}
		d := Document{ID: md.ID, Type: md.Type, Title: md.Title, Body: md.Body, RegionCode: md.RegionCode, DeptCode: md.Dept,
			Kind: md.Kind, Year: md.Year, Amount: md.Amount, URL: md.URL}
		if md.Date != 0 {
			d.Date = time.Unix(md.Date, 0).UTC()
		}
		// Highlighting is ours, not Meilisearch's _formatted: the text is
		// escaped first and only <mark> is added.
		out.Hits = append(out.Hits, Hit{Document: d, TitleHTML: Highlight(d.Title, terms, 0), Snippet: Highlight(d.Body, terms, SnippetRunes)})
	}
	var dist map[string]map[string]int
	if len(res.FacetDistribution) > 0 {
		if err := json.Unmarshal(res.FacetDistribution, &dist); err != nil {
			return nil, fmt.Errorf("meilisearch facets: %w", err)
		}
	}
	for _, name := range FacetNames {
		vals := topValues(dist[name], len(dist[name]))
		if name == FacetYear { // a document without a year is stored as 0
			vals = dropValue(vals, "0")
		}
		out.Facets[name] = vals
	}
	for name, vals := range out.Facets {
		out.Facets[name] = dropValue(vals, "")
	}
	return out, nil
}

func dropValue(vals []FacetValue, v string) []FacetValue {
	out := vals[:0]
	for _, x := range vals {
		if x.Value != v {
			out = append(out, x)
		}
	}
	return out
}
