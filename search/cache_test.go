package search_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"sunlight/search"
	"sunlight/search/searchtest"
)

type countingIndex struct {
	search.Index
	searches atomic.Int64
	slow     chan struct{}
}

func (c *countingIndex) Search(ctx context.Context, q search.Query) (*search.Result, error) {
	c.searches.Add(1)
	if c.slow != nil {
		<-c.slow
	}
	return c.Index.Search(ctx, q)
}

func TestCache(t *testing.T) {
	ctx := context.Background()
	emb := searchtest.Embedded(t, nil, searchtest.Fixture()...)
	inner := &countingIndex{Index: emb}
	c := search.NewCache(inner, time.Hour, 10)
	q := search.Query{Text: "低保"}
	for i := 0; i < 3; i++ {
		res, err := c.Search(ctx, q)
		if err != nil || res.Total != 3 {
			t.Fatalf("total %v err %v", res, err)
		}
	}
	if n := inner.searches.Load(); n != 1 {
		t.Errorf("engine asked %d times for one query", n)
	}
	// A deletion is never served stale from the cache.
	if err := c.Delete(ctx, "disclosure:3"); err != nil {
		t.Fatal(err)
	}
	if res, _ := c.Search(ctx, q); res.Total != 2 {
		t.Errorf("after deletion the cache answered %d hits", res.Total)
	}
	// Concurrent identical misses are computed once.
	inner.searches.Store(0)
	inner.slow = make(chan struct{})
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if res, err := c.Search(ctx, search.Query{Text: "工程"}); err != nil || res.Total != 1 {
				t.Errorf("concurrent search: %v %v", res, err)
			}
		}()
	}
	time.Sleep(50 * time.Millisecond)
	close(inner.slow)
	wg.Wait()
	if n := inner.searches.Load(); n != 1 {
		t.Errorf("8 concurrent identical searches reached the engine %d times", n)
	}
	// While the index is unchanged an entry stays; after an addition or
	// edit it lives at most the TTL.
	short := search.NewCache(&countingIndex{Index: emb}, time.Millisecond, 10)
	_, _ = short.Search(ctx, q)
	time.Sleep(5 * time.Millisecond)
	_, _ = short.Search(ctx, q)
	if got := short.Stats(); got != "1 hits, 1 misses (50% hits)" {
		t.Errorf("unchanged index: stats = %s", got)
	}
	extra := searchtest.Fixture()[2]
	extra.ID, extra.URL = "disclosure:300", "/disclosures/300"
	if err := short.Put(ctx, extra); err != nil {
		t.Fatal(err)
	}
	time.Sleep(5 * time.Millisecond)
	if res, _ := short.Search(ctx, q); res.Total != 3 {
		t.Errorf("an addition older than the TTL is not in the answer: %d hits", res.Total)
	}
	if got := short.Stats(); got != "1 hits, 2 misses (33% hits)" {
		t.Errorf("after an addition: stats = %s", got)
	}
}
