package search_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gorm.io/gorm"

	"sunlight/catalog"
	"sunlight/internal/testclock"
	"sunlight/internal/testdb"
	"sunlight/search"
)

var t0 = time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)

// flaky wraps an index and fails every call while down is set; it counts
// the documents put.
type flaky struct {
	search.Index
	down atomic.Bool
	puts atomic.Int64
}

var errDown = fmt.Errorf("engine stopped: %w", search.ErrUnavailable)

func (f *flaky) Put(ctx context.Context, docs ...search.Document) error {
	if f.down.Load() {
		return errDown
	}
	f.puts.Add(int64(len(docs)))
	return f.Index.Put(ctx, docs...)
}

func (f *flaky) Delete(ctx context.Context, ids ...string) error {
	if f.down.Load() {
		return errDown
	}
	return f.Index.Delete(ctx, ids...)
}

func (f *flaky) Search(ctx context.Context, q search.Query) (*search.Result, error) {
	if f.down.Load() {
		return nil, errDown
	}
	return f.Index.Search(ctx, q)
}

func (f *flaky) Ping(ctx context.Context) error {
	if f.down.Load() {
		return errDown
	}
	return f.Index.Ping(ctx)
}

// catalogSyncer syncs the catalog (src) into idx on clk's time, batch
// changes at a time.
func catalogSyncer(db *gorm.DB, idx search.Index, clk *testclock.Clock, batch int) (*search.Syncer, *search.CatalogSource) {
	src := &search.CatalogSource{DB: db, Now: clk.Now}
	return &search.Syncer{DB: db, Index: idx, Sources: []search.Source{src}, Now: clk.Now, Batch: batch}, src
}

func migrated(t *testing.T, db *gorm.DB) {
	t.Helper()
	testdb.Setup(t, db, catalog.Migrate, search.Migrate)
}

// write creates or saves records and records their changes in one
// transaction, as catalog's writers do.
func write(t *testing.T, db *gorm.DB, rows ...any) {
	t.Helper()
	err := db.Transaction(func(tx *gorm.DB) error {
		for _, r := range rows {
			if err := tx.Save(r).Error; err != nil {
				return err
			}
			var subject string
			switch v := r.(type) {
			case *catalog.Disclosure:
				subject = v.Subject()
			case *catalog.Fund:
				subject = v.Subject()
			case *catalog.Category:
				subject = v.Subject()
			}
			if err := catalog.RecordChange(tx, subject); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func disclosure(id uint64, village, kind, title, body string) *catalog.Disclosure {
	return &catalog.Disclosure{ID: id, NKey: fmt.Sprintf("k%d", id), VillageCode: village, Kind: kind, Title: title,
		Period: "2026年一季度", Body: body, PublishedAt: t0.Add(-24 * time.Hour), Published: true}
}

// allIDs returns every id in the index, failing on duplicates.
func allIDs(t *testing.T, idx search.Index) []string {
	t.Helper()
	var out []string
	for page := 1; ; page++ {
		res, err := idx.Search(context.Background(), search.Query{Page: page, PerPage: search.MaxPerPage})
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range res.Hits {
			out = append(out, h.ID)
		}
		if len(res.Hits) < search.MaxPerPage {
			if len(out) != res.Total {
				t.Errorf("index total %d, but %d documents listed", res.Total, len(out))
			}
			break
		}
	}
	slices.Sort(out)
	if len(slices.Compact(slices.Clone(out))) != len(out) {
		t.Errorf("duplicate documents in the index: %v", out)
	}
	return out
}

// projection is what the index should hold: every searchable record.
func projection(t *testing.T, src search.Source) []string {
	t.Helper()
	var out []string
	err := src.All(context.Background(), func(docs []search.Document) error {
		for _, d := range docs {
			out = append(out, d.ID)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

func titleOf(t *testing.T, idx search.Index, q search.Query) []string {
	t.Helper()
	res, err := idx.Search(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, h := range res.Hits {
		out = append(out, h.Title)
	}
	slices.Sort(out)
	return out
}

func TestCatalogSync(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		migrated(t, db)
		clk := testclock.At(t0)
		dir := filepath.Join(t.TempDir(), "search")
		idx := openEmbedded(t, dir)
		defer idx.Close()
		s, src := catalogSyncer(db, idx, clk, 2)

		d1 := disclosure(1, "210124101201", catalog.DisclosureDibao, "2026年一季度最低生活保障对象名单", "李*，家庭人口2人。")
		d2 := disclosure(2, "210124102201", catalog.DisclosureProject, "村道在建工程公示", "投资十二万元。")
		until := t0.Add(48 * time.Hour)
		d2.PublishUntil = &until
		d3 := disclosure(3, "210124102202", catalog.DisclosureAssets, "三资清查", "未发布的草稿")
		d3.Published = false
		fund := &catalog.Fund{ID: 7, Code: "F-7", Name: "农村危房改造补助资金", Source: "中央财政", Year: 2026, Amount: 100, DeptCode: "210124-zj", RegionCode: "210124", Status: catalog.FundOngoing, Published: true, Purpose: "C级D级危房改造"}
		cat := &catalog.Category{Code: "0101", ParentCode: "01", Name: "城乡居民最低生活保障", Policy: "社会救助暂行办法", DeptCode: "210124-mz", Published: true}
		write(t, db, d1, d2, d3, fund, cat)
		write(t, db, &catalog.Department{Code: "210124-mz", Name: "法库县民政局", RegionCode: "210124", Kind: catalog.KindCivil})

		if _, err := s.SyncOnce(ctx); err != nil {
			t.Fatal(err)
		}
		if got, want := allIDs(t, idx), []string{"category:0101", "disclosure:1", "disclosure:2", "fund:7"}; !slices.Equal(got, want) {
			t.Fatalf("index = %v, want %v", got, want)
		}
		if got := titleOf(t, idx, search.Query{Text: "低保"}); len(got) != 2 {
			t.Errorf("低保 finds %v", got)
		}
		if got := titleOf(t, idx, search.Query{Text: "危改", Region: "210124"}); !slices.Equal(got, []string{"农村危房改造补助资金"}) {
			t.Errorf("危改 finds %v", got)
		}
		if got := titleOf(t, idx, search.Query{Region: "210124", Type: search.TypeCategory}); len(got) != 1 {
			t.Errorf("a category is found under its department's region: %v", got)
		}

		// Edit, un-publish, publish, expire.
		d1.Title = "2026年一季度低保对象名单（更正）"
		write(t, db, d1)
		if err := catalog.SetDisclosurePublished(ctx, db, 3, true); err != nil {
			t.Fatal(err)
		}
		if err := catalog.SetDisclosurePublished(ctx, db, 1, false); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SyncOnce(ctx); err != nil {
			t.Fatal(err)
		}
		if got, want := allIDs(t, idx), []string{"category:0101", "disclosure:2", "disclosure:3", "fund:7"}; !slices.Equal(got, want) {
			t.Fatalf("after un-publishing: %v, want %v", got, want)
		}
		clk.Add(72 * time.Hour) // disclosure 2's publication ends; no write records it
		if _, err := s.SyncOnce(ctx); err != nil {
			t.Fatal(err)
		}
		if got, want := allIDs(t, idx), []string{"category:0101", "disclosure:3", "fund:7"}; !slices.Equal(got, want) {
			t.Fatalf("after expiry: %v, want %v", got, want)
		}
		if got, want := allIDs(t, idx), projection(t, src); !slices.Equal(got, want) {
			t.Errorf("index %v != database %v", got, want)
		}
		// Loading many at once agrees with loading one by one.
		subjects := []string{"disclosure:1", "disclosure:2", "disclosure:3", "disclosure:9", "fund:7", "fund:x", "category:0101", "category:9", "region:21"}
		docs, gone, err := src.LoadMany(ctx, subjects)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range docs {
			one, err := src.Load(ctx, d.ID)
			if err != nil || fmt.Sprint(*one) != fmt.Sprint(d) {
				t.Errorf("LoadMany %+v, Load %+v (%v)", d, one, err)
			}
		}
		for _, g := range gone {
			if _, err := src.Load(ctx, g); !search.IsGone(err) {
				t.Errorf("LoadMany says %s is gone, Load says %v", g, err)
			}
		}
		if len(docs)+len(gone) != len(subjects) || len(docs) != 3 {
			t.Errorf("LoadMany: %d docs, gone %v", len(docs), gone)
		}
	})
}

// TestConvergence stops the index, changes data (including duplicated and
// out-of-order change rows), restarts the process, and checks the index
// equals the database with nothing lost or duplicated.
func TestConvergence(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		migrated(t, db)
		clk := testclock.At(t0)
		dir := filepath.Join(t.TempDir(), "search")
		emb := openEmbedded(t, dir)
		idx := &flaky{Index: emb}
		s, src := catalogSyncer(db, idx, clk, 7)
		var ds []any
		for i := uint64(1); i <= 40; i++ {
			ds = append(ds, disclosure(i, fmt.Sprintf("2101241012%02d", i%5+1), catalog.DisclosureVillage, fmt.Sprintf("村务公开第%d期", i), "待处理事项"))
		}
		write(t, db, ds...)
		if _, err := s.SyncOnce(ctx); err != nil {
			t.Fatal(err)
		}
		if got := allIDs(t, idx); len(got) != 40 {
			t.Fatalf("indexed %d, want 40", len(got))
		}

		// The engine goes down; the portal keeps writing.
		idx.down.Store(true)
		for i := uint64(41); i <= 60; i++ {
			write(t, db, disclosure(i, "210124101201", catalog.DisclosureFinance, fmt.Sprintf("财务公开第%d期", i), "在建工程支出"))
		}
		for i := uint64(1); i <= 10; i++ {
			if err := catalog.SetDisclosurePublished(ctx, db, i, false); err != nil {
				t.Fatal(err)
			}
		}
		d := disclosure(20, "210124101201", catalog.DisclosureVillage, "村务公开第20期（修订）", "已处理")
		write(t, db, d)
		// Duplicated and reordered change rows are harmless.
		if err := db.Transaction(func(tx *gorm.DB) error {
			return catalog.RecordChange(tx, "disclosure:50", "disclosure:5", "disclosure:50", "disclosure:20", "disclosure:999", "region:210124")
		}); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 3; i++ {
			if _, err := s.SyncOnce(ctx); !errors.Is(err, search.ErrUnavailable) {
				t.Fatalf("sync with the engine down: err = %v", err)
			}
		}

		// Restart: a new process opens the same index folder, with a new syncer.
		idx.down.Store(false)
		if err := emb.Close(); err != nil {
			t.Fatal(err)
		}
		emb2 := openEmbedded(t, dir)
		defer emb2.Close()
		s2, _ := catalogSyncer(db, emb2, clk, 7)
		clk.Add(time.Minute) // the dead process's lease has run out
		if _, err := s2.SyncOnce(ctx); err != nil {
			t.Fatal(err)
		}
		got, want := allIDs(t, emb2), projection(t, src)
		if !slices.Equal(got, want) {
			t.Fatalf("index did not converge:\n got  %v\n want %v", got, want)
		}
		if len(got) != 50 {
			t.Errorf("%d documents, want 50", len(got))
		}
		if titles := titleOf(t, emb2, search.Query{Text: "修订"}); !slices.Equal(titles, []string{"村务公开第20期（修订）"}) {
			t.Errorf("the edit is not indexed: %v", titles)
		}
		if titles := titleOf(t, emb2, search.Query{Text: "工程", PerPage: 50}); len(titles) != 20 {
			t.Errorf("工程 finds %d, want 20", len(titles))
		}
	})
}

// TestTwoSyncers runs two portal processes' syncers on one database and
// one index: only the lease holder applies; the other takes over when the
// lease runs out, and a stale holder cannot move the cursor.
func TestTwoSyncers(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		migrated(t, db)
		clk := testclock.At(t0)
		emb := openEmbedded(t, filepath.Join(t.TempDir(), "search"))
		defer emb.Close()
		idx := &flaky{Index: emb}
		src := &search.CatalogSource{DB: db, Now: clk.Now}
		a := &search.Syncer{DB: db, Index: idx, Sources: []search.Source{src}, Consumer: "shared", Now: clk.Now, Lease: 30 * time.Second}
		b := &search.Syncer{DB: db, Index: idx, Sources: []search.Source{src}, Consumer: "shared", Now: clk.Now, Lease: 30 * time.Second}
		write(t, db, disclosure(1, "210124101201", catalog.DisclosureVillage, "第一期", "正文"))
		if _, err := a.SyncOnce(ctx); err != nil {
			t.Fatal(err)
		}
		write(t, db, disclosure(2, "210124101201", catalog.DisclosureVillage, "第二期", "正文"))
		if n, err := b.SyncOnce(ctx); err != nil || n != 0 {
			t.Fatalf("b applied %d (err %v) while a holds the lease", n, err)
		}
		if n, err := a.SyncOnce(ctx); err != nil || n != 1 {
			t.Fatalf("a applied %d (err %v), want 1", n, err)
		}
		clk.Add(31 * time.Second) // a stops renewing
		write(t, db, disclosure(3, "210124101201", catalog.DisclosureVillage, "第三期", "正文"))
		if n, err := b.SyncOnce(ctx); err != nil || n != 1 {
			t.Fatalf("b applied %d (err %v) after a's lease ran out, want 1", n, err)
		}
		if n, _ := a.SyncOnce(ctx); n != 0 {
			t.Fatalf("a applied %d while b holds the lease", n)
		}

		// Concurrently, with real time: every change applied, none twice
		// beyond what its own change rows ask for.
		idx.puts.Store(0)
		a.Now, b.Now = time.Now, time.Now
		var wg sync.WaitGroup
		stop := make(chan struct{})
		for _, s := range []*search.Syncer{a, b} {
			wg.Add(1)
			go func(s *search.Syncer) {
				defer wg.Done()
				for {
					select {
					case <-stop:
						return
					default:
					}
					_, _ = s.SyncOnce(ctx)
				}
			}(s)
		}
		for i := uint64(4); i <= 33; i++ {
			write(t, db, disclosure(i, "210124101201", catalog.DisclosureVillage, fmt.Sprintf("第%d期", i), "正文"))
		}
		deadline := time.Now().Add(20 * time.Second)
		for len(allIDs(t, idx)) < 33 && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		close(stop)
		wg.Wait()
		if got, want := allIDs(t, idx), projection(t, src); !slices.Equal(got, want) {
			t.Fatalf("index %v != database %v", got, want)
		}
		if n := idx.puts.Load(); n != 30 {
			t.Errorf("30 changes were applied %d times", n)
		}
	})
}

// TestReindex rebuilds while a syncer keeps running and checks the cursor
// is moved back to where the rebuild started, so nothing is lost.
func TestReindex(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		migrated(t, db)
		dir := filepath.Join(t.TempDir(), "search")
		emb := openEmbedded(t, dir)
		defer emb.Close()
		src := &search.CatalogSource{DB: db, Now: func() time.Time { return t0 }}
		for i := uint64(1); i <= 25; i++ {
			write(t, db, disclosure(i, "210124101201", catalog.DisclosureVillage, fmt.Sprintf("第%d期", i), "正文"))
		}
		s := &search.Syncer{DB: db, Index: emb, Sources: []search.Source{src}}
		// A stale document the database does not hold: a rebuild drops it.
		if err := emb.Put(ctx, search.Document{ID: "disclosure:404", Title: "幽灵"}); err != nil {
			t.Fatal(err)
		}
		var last int
		n, err := s.Reindex(ctx, func(done int) {
			last = done
			if done == 25 { // a write lands while the rebuild runs
				write(t, db, disclosure(26, "210124101201", catalog.DisclosureVillage, "第26期", "正文"))
			}
		})
		if err != nil {
			t.Fatal(err)
		}
		if n < 25 || last != n {
			t.Errorf("reindexed %d (progress %d), want at least 25", n, last)
		}
		if _, err := s.SyncOnce(ctx); err != nil {
			t.Fatal(err)
		}
		if got, want := allIDs(t, emb), projection(t, src); !slices.Equal(got, want) || len(got) != 26 {
			t.Fatalf("index %v != database %v", got, want)
		}
	})
}

// TestSyncWaitsAtAHoleInTheChangeSequence: on MySQL a change row with a
// smaller id can become visible after a bigger one (its transaction
// committed later). The syncer must not move its cursor past the hole —
// that change would be skipped for good — until the hole fills, or has
// stayed open so long that its transaction must have rolled back.
func TestSyncWaitsAtAHoleInTheChangeSequence(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		migrated(t, db)
		clk := testclock.At(t0)
		emb := openEmbedded(t, filepath.Join(t.TempDir(), "search"))
		s := &search.Syncer{DB: db, Index: emb, Sources: []search.Source{&search.CatalogSource{DB: db, Now: clk.Now}},
			Now: clk.Now, GapGrace: 5 * time.Minute}
		write(t, db, disclosure(1, "210124101201", catalog.DisclosureVillage, "村务公开第1期", "事项"),
			disclosure(2, "210124101201", catalog.DisclosureVillage, "村务公开第2期", "事项"))
		sync := func(want ...string) {
			t.Helper()
			if _, err := s.SyncOnce(ctx); err != nil {
				t.Fatal(err)
			}
			if got := allIDs(t, emb); !slices.Equal(got, want) {
				t.Fatalf("index holds %v, want %v", got, want)
			}
		}
		sync("disclosure:1", "disclosure:2")
		// Disclosures 3 and 4 are written; 4's transaction commits first.
		for _, id := range []uint64{3, 4, 6} {
			if err := db.Create(disclosure(id, "210124101201", catalog.DisclosureVillage, fmt.Sprintf("村务公开第%d期", id), "事项")).Error; err != nil {
				t.Fatal(err)
			}
		}
		change := func(id uint64) {
			t.Helper()
			if err := db.Create(&catalog.Change{ID: id, Subject: fmt.Sprintf("disclosure:%d", id), CreatedAt: t0}).Error; err != nil {
				t.Fatal(err)
			}
		}
		change(4)
		sync("disclosure:1", "disclosure:2") // waits at the hole at 3
		change(3)
		sync("disclosure:1", "disclosure:2", "disclosure:3", "disclosure:4")
		// 5 never comes (rolled back): 6 waits, then goes through.
		change(6)
		clk.Add(time.Minute)
		sync("disclosure:1", "disclosure:2", "disclosure:3", "disclosure:4")
		clk.Add(5 * time.Minute)
		sync("disclosure:1", "disclosure:2", "disclosure:3", "disclosure:4", "disclosure:6")
	})
}
