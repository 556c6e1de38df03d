package search

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// Cache keeps results of an Index. Broad searches (低保 across a province)
// cost the engine tens of milliseconds at a million documents, and what
// people type is highly repetitive. An entry stays valid while the index
// is unchanged; once documents are added or edited it is served for at
// most TTL after it was computed (so an addition shows within TTL), and a
// deletion (an un-published or expired record) empties the cache at once,
// so nothing withdrawn is served from it. Identical searches that miss at
// the same moment are computed once.
type Cache struct {
	Index
	ttl  time.Duration
	size int
	now  func() time.Time

	mu      sync.Mutex
	entries map[Query]cacheEntry
	flight  map[Query]*call
	gen     uint64
	changed time.Time // when documents were last added or edited
	hits    uint64
	misses  uint64
	syn     *Synonyms // results are kept only while its groups stay the same
}

type cacheEntry struct {
	res      *Result
	computed time.Time
	synGen   uint64
}

type call struct {
	done chan struct{}
	res  *Result
	err  error
}

// NewCache wraps idx; ttl ≤ 0 means 10 seconds, size ≤ 0 means 4096
// entries.
func NewCache(idx Index, ttl time.Duration, size int) *Cache {
	if ttl <= 0 {
		ttl = 10 * time.Second
	}
	if size <= 0 {
		size = 4096
	}
	return &Cache{Index: idx, ttl: ttl, size: size, now: time.Now, entries: map[Query]cacheEntry{}, flight: map[Query]*call{}}
}

// Search answers from the cache when it can.
func (c *Cache) Search(ctx context.Context, q Query) (*Result, error) {
	q.Check()
	synGen := c.syn.Generation()
	c.mu.Lock()
	if e, ok := c.entries[q]; ok && e.synGen == synGen && (e.computed.After(c.changed) || c.now().Before(e.computed.Add(c.ttl))) {
		c.hits++
		c.mu.Unlock()
		return e.res, nil
	}
	c.misses++
	if f, ok := c.flight[q]; ok {
		c.mu.Unlock()
		select {
		case <-f.done:
			return f.res, f.err
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	f := &call{done: make(chan struct{})}
	c.flight[q] = f
	gen, started := c.gen, c.now()
	c.mu.Unlock()

	f.res, f.err = c.Index.Search(ctx, q)
	close(f.done)

	c.mu.Lock()
	delete(c.flight, q)
	if f.err == nil && gen == c.gen {
		if len(c.entries) >= c.size {
			c.entries = make(map[Query]cacheEntry, c.size)
		}
		c.entries[q] = cacheEntry{res: f.res, computed: started, synGen: synGen}
	}
	c.mu.Unlock()
	return f.res, f.err
}

// FollowSynonyms makes a change of syn's groups (an administrator's new
// synonym) end the cached results computed before it.
func (c *Cache) FollowSynonyms(syn *Synonyms) { c.syn = syn }

// invalidate drops every entry; results being computed are not stored.
func (c *Cache) invalidate() {
	c.mu.Lock()
	c.entries = make(map[Query]cacheEntry)
	c.gen++
	c.mu.Unlock()
}

// Put adds or replaces documents; cached results then live at most TTL.
func (c *Cache) Put(ctx context.Context, docs ...Document) error {
	err := c.Index.Put(ctx, docs...)
	c.mu.Lock()
	c.changed = c.now()
	c.mu.Unlock()
	return err
}

// Delete removes documents and empties the cache.
func (c *Cache) Delete(ctx context.Context, ids ...string) error {
	defer c.invalidate()
	return c.Index.Delete(ctx, ids...)
}

// Rebuild rebuilds the index and empties the cache.
func (c *Cache) Rebuild(ctx context.Context, fill func(put func(docs ...Document) error) error) error {
	defer c.invalidate()
	return c.Index.Rebuild(ctx, fill)
}

// Identity is the wrapped index's.
func (c *Cache) Identity() string { return Identity(c.Index) }

// Refresh lets the wrapped index pick up a rebuild made elsewhere.
func (c *Cache) Refresh() error {
	if r, ok := c.Index.(interface{ Refresh() (bool, error) }); ok {
		switched, err := r.Refresh()
		if switched {
			c.invalidate()
		}
		return err
	}
	return nil
}

// Stats reports the cache's hits and misses.
func (c *Cache) Stats() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	total := c.hits + c.misses
	if total == 0 {
		return "no searches"
	}
	return fmt.Sprintf("%d hits, %d misses (%.0f%% hits)", c.hits, c.misses, 100*float64(c.hits)/float64(total))
}
