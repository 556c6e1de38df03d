package search_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"sunlight/internal/testclock"
	"sunlight/internal/testdb"
	"sunlight/search"
	"sunlight/search/searchtest"
)

// TestMeiliShared runs the shared table against a real Meilisearch when
// SUNLIGHT_TEST_MEILI_URL points at one (with SUNLIGHT_TEST_MEILI_KEY).
func TestMeiliShared(t *testing.T) {
	u := os.Getenv("SUNLIGHT_TEST_MEILI_URL")
	if u == "" {
		t.Skip("Meilisearch contract run skipped: SUNLIGHT_TEST_MEILI_URL is not set (no Meilisearch on this machine); the fake-server tests below still run")
	}
	n := 0
	searchtest.Run(t, func(t *testing.T) search.Index {
		n++
		m, err := search.NewMeili(search.MeiliConfig{URL: u, Key: os.Getenv("SUNLIGHT_TEST_MEILI_KEY"),
			Index: fmt.Sprintf("sltest_%d_%d", time.Now().UnixNano(), n)})
		if err != nil {
			t.Fatal(err)
		}
		return m
	})
}

// fakeMeili is an in-process stand-in for the parts of the Meilisearch
// HTTP API the backend uses. It applies tasks at once and records calls.
type fakeMeili struct {
	mu       sync.Mutex
	indexes  map[string]map[string]map[string]any // uid → key → document
	settings map[string]map[string]any
	tasks    map[int64]map[string]any
	next     int64
	down     bool   // every call answers 503
	failTask string // tasks fail with this message
	swaps    [][]string
	deleted  []string
	deletes  [][]string
	searches []map[string]any
	onSearch func(uid string)
}

func newFake(t *testing.T) (*fakeMeili, *httptest.Server) {
	f := &fakeMeili{indexes: map[string]map[string]map[string]any{}, settings: map[string]map[string]any{}, tasks: map[int64]map[string]any{}}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv
}

func (f *fakeMeili) task(w http.ResponseWriter, uid, typ string, failure map[string]any) {
	f.next++
	st := map[string]any{"uid": f.next, "indexUid": uid, "type": typ, "status": "succeeded"}
	if f.failTask != "" {
		failure = map[string]any{"message": f.failTask, "code": "invalid_document_fields", "type": "invalid_request"}
	}
	if failure != nil {
		st["status"], st["error"] = "failed", failure
	}
	f.tasks[f.next] = st
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusAccepted)
	_ = json.NewEncoder(w).Encode(map[string]any{"taskUid": f.next, "indexUid": uid, "status": "enqueued", "type": typ, "enqueuedAt": time.Now()})
}

func (f *fakeMeili) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.down {
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = io.WriteString(w, `{"message":"engine is restarting","code":"unavailable","type":"system"}`)
		return
	}
	body, _ := io.ReadAll(r.Body)
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	switch {
	case r.Method == "GET" && r.URL.Path == "/health":
		_, _ = io.WriteString(w, `{"status":"available"}`)
	case r.Method == "GET" && parts[0] == "tasks":
		id, _ := strconv.ParseInt(parts[1], 10, 64)
		_ = json.NewEncoder(w).Encode(f.tasks[id])
	case r.Method == "POST" && r.URL.Path == "/indexes":
		var req struct{ UID string }
		_ = json.Unmarshal(body, &req)
		if _, ok := f.indexes[req.UID]; ok {
			f.task(w, req.UID, "indexCreation", map[string]any{"message": "index already exists", "code": "index_already_exists"})
			return
		}
		f.indexes[req.UID] = map[string]map[string]any{}
		f.task(w, req.UID, "indexCreation", nil)
	case r.Method == "POST" && r.URL.Path == "/swap-indexes":
		var req []struct{ Indexes []string }
		_ = json.Unmarshal(body, &req)
		for _, s := range req {
			a, b := s.Indexes[0], s.Indexes[1]
			f.indexes[a], f.indexes[b] = f.indexes[b], f.indexes[a]
			f.swaps = append(f.swaps, s.Indexes)
		}
		f.task(w, "", "indexSwap", nil)
	case r.Method == "DELETE" && len(parts) == 2 && parts[0] == "indexes":
		delete(f.indexes, parts[1])
		f.deleted = append(f.deleted, parts[1])
		f.task(w, parts[1], "indexDeletion", nil)
	case len(parts) >= 3 && parts[0] == "indexes":
		f.indexCall(w, r, parts[1], strings.Join(parts[2:], "/"), body)
	default:
		http.Error(w, `{"message":"unknown route","code":"not_found"}`, http.StatusNotFound)
	}
}

func (f *fakeMeili) indexCall(w http.ResponseWriter, r *http.Request, uid, rest string, body []byte) {
	docs := f.indexes[uid]
	switch {
	case rest == "settings":
		var s map[string]any
		_ = json.Unmarshal(body, &s)
		f.settings[uid] = s
		f.task(w, uid, "settingsUpdate", nil)
	case rest == "documents" && r.Method == "POST":
		var in []map[string]any
		_ = json.Unmarshal(body, &in)
		if f.failTask == "" {
			for _, d := range in {
				docs[d["key"].(string)] = d
			}
		}
		f.task(w, uid, "documentAdditionOrUpdate", nil)
	case rest == "documents/delete-batch":
		var keys []string
		_ = json.Unmarshal(body, &keys)
		for _, k := range keys {
			delete(docs, k)
		}
		f.deletes = append(f.deletes, keys)
		f.task(w, uid, "documentDeletion", nil)
	case rest == "search":
		var req map[string]any
		_ = json.Unmarshal(body, &req)
		req["_uid"] = uid
		f.searches = append(f.searches, req)
		if f.onSearch != nil {
			f.onSearch(uid)
		}
		f.searchAnswer(w, req, docs)
	default:
		http.Error(w, `{"message":"unknown route","code":"not_found"}`, http.StatusNotFound)
	}
}

// searchAnswer returns every document of the index (the fake does not
// rank), with Meilisearch's own _formatted highlighting.
func (f *fakeMeili) searchAnswer(w http.ResponseWriter, req map[string]any, docs map[string]map[string]any) {
	if filter, _ := req["filter"].([]any); len(filter) > 0 && strings.Contains(fmt.Sprint(filter), "OR") {
		w.WriteHeader(http.StatusBadRequest)
		_, _ = io.WriteString(w, `{"message":"Invalid filter","code":"invalid_search_filter","type":"invalid_request"}`)
		return
	}
	keys := make([]string, 0, len(docs))
	for k := range docs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var hits []map[string]any
	facets := map[string]map[string]int{}
	for _, k := range keys {
		d := docs[k]
		h := map[string]any{}
		for kk, v := range d {
			h[kk] = v
		}
		h["_formatted"] = map[string]any{"title": strings.ReplaceAll(fmt.Sprint(d["title"]), "处理", "<mark>处理</mark>")}
		hits = append(hits, h)
		for _, name := range []string{"type", "kind", "dept", "year"} {
			if facets[name] == nil {
				facets[name] = map[string]int{}
			}
			facets[name][fmt.Sprint(d[name])]++
		}
	}
	_ = json.NewEncoder(w).Encode(map[string]any{"hits": hits, "totalHits": len(hits), "page": req["page"], "hitsPerPage": req["hitsPerPage"],
		"facetDistribution": facets, "processingTimeMs": 1, "query": req["q"]})
}

func newFakeMeili(t *testing.T) (*fakeMeili, *search.Meili) {
	f, srv := newFake(t)
	m, err := search.NewMeili(search.MeiliConfig{URL: srv.URL, Key: "test-key", Index: "sunlight", Timeout: 2 * time.Second, TaskTimeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return f, m
}

func TestMeiliSettingsAndDocuments(t *testing.T) {
	f, m := newFakeMeili(t)
	ctx := context.Background()
	if err := m.Put(ctx, searchtest.Fixture()...); err != nil {
		t.Fatal(err)
	}
	s := f.settings["sunlight"]
	if got := fmt.Sprint(s["searchableAttributes"]); got != "[title_seg syn body_seg]" {
		t.Errorf("searchable = %s", got)
	}
	for _, name := range []string{"type", "regions", "dept", "kind", "year"} {
		if !slices.Contains(s["filterableAttributes"].([]any), any(name)) {
			t.Errorf("%s is not filterable: %v", name, s["filterableAttributes"])
		}
	}
	if fmt.Sprint(s["sortableAttributes"]) != "[date]" {
		t.Errorf("sortable = %v", s["sortableAttributes"])
	}
	if syn, _ := s["synonyms"].(map[string]any); len(syn) == 0 || syn["低保"] == nil {
		t.Errorf("synonyms not set: %v", s["synonyms"])
	}
	docs := f.indexes["sunlight"]
	if len(docs) != len(searchtest.Fixture()) {
		t.Fatalf("%d documents stored", len(docs))
	}
	d1 := docs["disclosure-1"]
	if d1 == nil || !strings.Contains(d1["title_seg"].(string), " 处理 ") || !strings.Contains(d1["body_seg"].(string), "待处 处理") {
		t.Errorf("own segmentation missing: %v", d1)
	}
	if fmt.Sprint(d1["regions"]) != "[21 2101 210124 210124101 210124101201]" {
		t.Errorf("regions = %v", d1["regions"])
	}
	// An abbreviation and its full form carry the same group token.
	short, full := docs["disclosure-4"]["syn"], docs["disclosure-3"]["syn"]
	if short == "" || short != full {
		t.Errorf("低保 doc syn %q, 最低生活保障 doc syn %q", short, full)
	}
	if err := m.Delete(ctx, "disclosure:1", "category:A01"); err != nil {
		t.Fatal(err)
	}
	if docs["disclosure-1"] != nil || fmt.Sprint(f.deletes) != "[[disclosure-1 category-A01]]" {
		t.Errorf("delete: %v", f.deletes)
	}
}

func TestMeiliQuery(t *testing.T) {
	f, m := newFakeMeili(t)
	_, err := m.Search(context.Background(), search.Query{Text: "待处理 最低生活保障名单", Region: "210124", Type: "disclosure", Year: 2024, Sort: search.SortDate, Page: 2, PerPage: 5})
	if err != nil {
		t.Fatal(err)
	}
	req := f.searches[0]
	q := req["q"].(string)
	if !strings.HasPrefix(q, `"待处 处理" syn`) || !strings.HasSuffix(q, " 名单") {
		t.Errorf("q = %q", q)
	}
	if got := fmt.Sprint(req["filter"]); got != `[type = "disclosure" regions = "210124" year = 2024]` {
		t.Errorf("filter = %s", got)
	}
	if fmt.Sprint(req["sort"]) != "[date:desc]" || req["matchingStrategy"] != "all" || req["page"] != 2.0 || req["hitsPerPage"] != 5.0 {
		t.Errorf("request = %v", req)
	}
	// The abbreviation is searched by the same token as its full form.
	_, _ = m.Search(context.Background(), search.Query{Text: "低保"})
	if got := f.searches[1]["q"]; !strings.HasPrefix(q[strings.Index(q, "syn"):], got.(string)) {
		t.Errorf("低保 → %q, full form → %q", got, q)
	}
}

// security note 8: a title holding markup comes back escaped; only <mark> is
// left as HTML, whatever Meilisearch's own _formatted says.
func TestMeiliEscapesHighlights(t *testing.T) {
	_, m := newFakeMeili(t)
	ctx := context.Background()
	evil := search.Document{ID: "disclosure:9", Title: `<b>x</b>污水处理`, Body: `<img src=x onerror=alert(1)>待处理`, RegionCode: "210124101201"}
	if err := m.Put(ctx, evil); err != nil {
		t.Fatal(err)
	}
	res, err := m.Search(ctx, search.Query{Text: "处理"})
	if err != nil {
		t.Fatal(err)
	}
	h := res.Hits[0]
	if got := string(h.TitleHTML); got != "&lt;b&gt;x&lt;/b&gt;污水<mark>处理</mark>" {
		t.Errorf("title = %q", got)
	}
	for _, s := range []string{string(h.TitleHTML), string(h.Snippet)} {
		if rest := strings.NewReplacer("<mark>", "", "</mark>", "").Replace(s); strings.ContainsAny(rest, "<>") {
			t.Errorf("unescaped markup: %q", s)
		}
	}
	if res.Total != 1 || res.Facets["type"][0] != (search.FacetValue{Value: "disclosure", Count: 1}) {
		t.Errorf("total %d facets %v", res.Total, res.Facets)
	}
}

func TestMeiliFailures(t *testing.T) {
	f, m := newFakeMeili(t)
	ctx := context.Background()
	f.down = true
	for name, err := range map[string]error{
		"ping":   m.Ping(ctx),
		"put":    m.Put(ctx, searchtest.Fixture()[0]),
		"delete": m.Delete(ctx, "disclosure:1"),
	} {
		if !errors.Is(err, search.ErrUnavailable) || !strings.Contains(err.Error(), "503") {
			t.Errorf("%s while down: %v", name, err)
		}
	}
	if _, err := m.Search(ctx, search.Query{Text: "x"}); !errors.Is(err, search.ErrUnavailable) {
		t.Errorf("search while down: %v", err)
	}
	f.down = false
	f.failTask = "document has an invalid field"
	err := m.Put(ctx, searchtest.Fixture()[0])
	if err == nil || !strings.Contains(err.Error(), "failed: document has an invalid field (invalid_document_fields)") {
		t.Errorf("failed task: %v", err)
	}
	f.failTask = ""
	_, err = m.Search(ctx, search.Query{Text: "x", Type: "x OR 1=1"})
	if err == nil || errors.Is(err, search.ErrUnavailable) || !strings.Contains(err.Error(), "Invalid filter") {
		t.Errorf("a 400 is reported as the request's fault, not an outage: %v", err)
	}
	if _, err := search.NewMeili(search.MeiliConfig{URL: "ftp://x"}); err == nil {
		t.Error("a bad URL is accepted")
	}
	if _, err := search.NewMeili(search.MeiliConfig{URL: "http://x", Index: "a b"}); err == nil {
		t.Error("a bad index name is accepted")
	}
}

// security note 43: a rebuild fills a new index and swaps it in with
// /swap-indexes; searches during the rebuild see the old index.
func TestMeiliRebuildSwaps(t *testing.T) {
	f, m := newFakeMeili(t)
	ctx := context.Background()
	old := searchtest.Fixture()[:3]
	if err := m.Put(ctx, old...); err != nil {
		t.Fatal(err)
	}
	var during *search.Result
	err := m.Rebuild(ctx, func(put func(...search.Document) error) error {
		if err := put(searchtest.Fixture()[5:8]...); err != nil {
			return err
		}
		var err error
		during, err = m.Search(ctx, search.Query{})
		if err != nil {
			return err
		}
		return put(searchtest.Fixture()[8:10]...)
	})
	if err != nil {
		t.Fatal(err)
	}
	if during.Total != 3 || during.Hits[0].ID != "disclosure:1" {
		t.Errorf("a search during the rebuild saw %d documents, want the old 3", during.Total)
	}
	if len(f.swaps) != 1 || f.swaps[0][0] != "sunlight" || !strings.HasPrefix(f.swaps[0][1], "sunlight_rebuild_") {
		t.Fatalf("swaps = %v", f.swaps)
	}
	if !slices.Equal(f.deleted, []string{f.swaps[0][1]}) {
		t.Errorf("the old index (now under the temporary name) is not deleted: %v", f.deleted)
	}
	if len(f.indexes["sunlight"]) != 5 || f.indexes["sunlight"]["disclosure-1"] != nil {
		t.Errorf("live index after the swap has %d documents", len(f.indexes["sunlight"]))
	}
	if f.settings[f.swaps[0][1]] == nil {
		t.Error("the new index got no settings before it went live")
	}
	// A failed rebuild leaves the live index alone and cleans up.
	f.failTask = "disk full"
	err = m.Rebuild(ctx, func(put func(...search.Document) error) error { return put(searchtest.Fixture()...) })
	if err == nil || len(f.swaps) != 1 || len(f.indexes["sunlight"]) != 5 || len(f.deleted) != 2 {
		t.Errorf("failed rebuild: err %v, swaps %v, live %d, deleted %v", err, f.swaps, len(f.indexes["sunlight"]), f.deleted)
	}
}

// security notes 27 and 41 through the fake: an expired record gets a delete
// task within one cycle; while the engine is down the syncer keeps the
// backlog, and once it is back the index equals the database.
func TestMeiliSyncOutageAndExpiry(t *testing.T) {
	f, m := newFakeMeili(t)
	ctx := context.Background()
	db := testdb.SQLite(t)
	testdb.Setup(t, db, search.Migrate)
	clk := testclock.At(t0)
	src := searchtest.NewMemorySource(searchtest.Fixture()...)
	src.Now = clk.Now
	src.Expires["disclosure:3"] = t0.Add(time.Hour)
	s := &search.Syncer{DB: db, Index: m, Sources: []search.Source{src}, Now: clk.Now}
	if _, err := s.SyncOnce(ctx); err != nil {
		t.Fatal(err)
	}
	f.down = true
	src.Unpublish("disclosure:1", "disclosure:2")
	src.Set(search.Document{ID: "disclosure:50", Title: "新增公示", RegionCode: "210124101201"})
	if _, err := s.SyncOnce(ctx); !errors.Is(err, search.ErrUnavailable) {
		t.Fatalf("sync while down: %v", err)
	}
	f.mu.Lock()
	f.down = false
	f.mu.Unlock()
	clk.Add(2 * time.Hour)
	if _, err := s.SyncOnce(ctx); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for k := range f.indexes["sunlight"] {
		keys = append(keys, strings.Replace(k, "-", ":", 1))
	}
	slices.Sort(keys)
	if want := src.IDs(); !slices.Equal(keys, want) {
		t.Errorf("Meilisearch holds %v, the source %v", keys, want)
	}
	if !slices.ContainsFunc(f.deletes, func(k []string) bool { return slices.Contains(k, "disclosure-3") }) {
		t.Errorf("no delete task for the expired disclosure: %v", f.deletes)
	}
}

// TestMeiliFollowsNewSynonyms: once a group is added while the portal
// runs, the next search sends the settings again — the group token
// expanding to every member, so documents indexed before the group (which
// lack the token) are found — and the query carries the group's token.
func TestMeiliFollowsNewSynonyms(t *testing.T) {
	f, srv := newFake(t)
	syn := search.DefaultSynonyms()
	m, err := search.NewMeili(search.MeiliConfig{URL: srv.URL, Index: "sunlight", Synonyms: syn, Timeout: 2 * time.Second, TaskTimeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := m.Put(ctx, searchtest.Fixture()...); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Search(ctx, search.Query{Text: "光伏"}); err != nil {
		t.Fatal(err)
	}
	if q := f.searches[0]["q"]; q != "光伏" {
		t.Errorf("before the group: q = %q", q)
	}
	syn.Set(append(syn.Groups(), []string{"光伏", "太阳能发电"}))
	if _, err := m.Search(ctx, search.Query{Text: "光伏"}); err != nil {
		t.Fatal(err)
	}
	q, _ := f.searches[1]["q"].(string)
	if !strings.HasPrefix(q, "syn") {
		t.Fatalf("after the group: q = %q, want the group token", q)
	}
	f.mu.Lock()
	got, _ := f.settings["sunlight"]["synonyms"].(map[string]any)
	f.mu.Unlock()
	if fmt.Sprint(got[q]) != "[光伏 太阳 阳能 能发 发电]" || fmt.Sprint(got["光伏"]) != "[太阳 阳能 能发 发电]" {
		t.Errorf("synonyms sent: %s → %v, 光伏 → %v", q, got[q], got["光伏"])
	}
	// A document put from now on carries the token too.
	if err := m.Put(ctx, search.Document{ID: "disclosure:77", Type: search.TypeDisclosure, Title: "太阳能发电站收益公开", RegionCode: "210124101201", URL: "/d/77"}); err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if tok := f.indexes["sunlight"]["disclosure-77"]["syn"]; tok != q {
		t.Errorf("new document's syn = %v, want %s", tok, q)
	}
}
