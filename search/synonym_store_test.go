package search_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"gorm.io/gorm"

	"sunlight/catalog"
	"sunlight/domain"
	"sunlight/internal/testdb"
	"sunlight/search"
	"sunlight/search/searchtest"
)

func synonymDB(t *testing.T, db *gorm.DB) *search.SynonymStore {
	t.Helper()
	testdb.Setup(t, db, catalog.Migrate, search.Migrate)
	return search.NewSynonymStore(db)
}

func groupsOf(t *testing.T, st *search.SynonymStore) string {
	t.Helper()
	gs, err := st.Groups(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprint(gs)
}

// TestSynonymStore: the table starts as the shipped list; bad input is
// refused in Chinese with nothing written; every change is recorded.
func TestSynonymStore(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		st := synonymDB(t, db)
		if err := search.Migrate(ctx, db); err != nil { // seeding is idempotent
			t.Fatal(err)
		}
		gs, _ := st.Groups(ctx)
		if len(gs) != len(search.DefaultSynonyms().Groups()) || strings.Join(gs[0].Terms, "=") != "低保=最低生活保障" {
			t.Fatalf("seeded %v", gs)
		}
		before := groupsOf(t, st)
		for _, bad := range []struct {
			terms []string
			want  string
		}{
			{[]string{"光伏"}, "至少要有两个词"},
			{[]string{"光伏", "光"}, "须为2至20个字"},
			{[]string{"光伏", strings.Repeat("光", 21)}, "须为2至20个字"},
			{[]string{"光伏", "光伏"}, "重复"},
			{[]string{"光伏", "太阳 能"}, "不能有空格"},
			{[]string{"光伏", "医保"}, "已在第"},
		} {
			_, err := st.AddGroup(ctx, bad.terms, "t")
			var ve *domain.ValidationError
			if !errors.As(err, &ve) || !strings.Contains(ve.Message, bad.want) {
				t.Errorf("%v: %v, want %q", bad.terms, err, bad.want)
			}
		}
		if groupsOf(t, st) != before {
			t.Fatal("a refused group changed the table")
		}
		id, err := st.AddGroup(ctx, []string{"光伏", "ＰＶ发电"}, "admin")
		if err != nil {
			t.Fatal(err)
		}
		if err := st.AddTerm(ctx, id, "低保", "admin"); err == nil {
			t.Error("a term of another group was added")
		}
		if err := st.AddTerm(ctx, id, "太阳能发电", "admin"); err != nil {
			t.Fatal(err)
		}
		if err := st.RemoveTerm(ctx, id, "光伏", "admin"); err != nil {
			t.Fatal(err)
		}
		if err := st.RemoveTerm(ctx, id, "太阳能发电", "admin"); err == nil || !strings.Contains(err.Error(), "至少要有两个词") {
			t.Errorf("removing below two terms: %v", err)
		}
		gs, _ = st.Groups(ctx)
		if last := gs[len(gs)-1]; last.ID != id || strings.Join(last.Terms, "=") != "pv发电=太阳能发电" {
			t.Errorf("group %d = %v", id, last)
		}
		if err := st.DeleteGroup(ctx, id, "admin"); err != nil {
			t.Fatal(err)
		}
		if err := st.DeleteGroup(ctx, id, "admin"); err != domain.ErrNotFound {
			t.Errorf("deleting twice: %v", err)
		}
		if groupsOf(t, st) != before {
			t.Error("the group is still there")
		}
		hs, _ := catalog.RefHistory(ctx, db, catalog.RefSynonym, search.SynonymKey(id), 10)
		if len(hs) != 4 || hs[0].Action != "删除整组" || hs[0].After != "" || hs[3].Action != "新增" || hs[3].Actor != "admin" {
			t.Errorf("history %+v", hs)
		}
	})
}

// TestLiveSynonymsFindWithoutReindex: a group added by another process
// (another store on the same database) is picked up by a running index,
// through its result cache, and finds a document indexed before it.
func TestLiveSynonymsFindWithoutReindex(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		st := synonymDB(t, db)
		st.Recheck = -1
		syn, err := st.Live(ctx)
		if err != nil {
			t.Fatal(err)
		}
		idx := search.NewCache(searchtest.Embedded(t, syn), 0, 0)
		idx.FollowSynonyms(syn)
		if err := idx.Put(ctx, search.Document{ID: "disclosure:7", Type: search.TypeDisclosure, Title: "太阳能发电站收益公开",
			Body: "村集体太阳能发电站收益。", RegionCode: "210124101201", URL: "/disclosures/7"}); err != nil {
			t.Fatal(err)
		}
		find := func() int {
			res, err := idx.Search(ctx, search.Query{Text: "光伏"})
			if err != nil {
				t.Fatal(err)
			}
			return res.Total
		}
		if find() != 0 {
			t.Fatal("found before the group exists")
		}
		if _, err := search.NewSynonymStore(db).AddGroup(ctx, []string{"光伏", "太阳能发电"}, "admin"); err != nil {
			t.Fatal(err)
		}
		if n := find(); n != 1 {
			t.Errorf("光伏 after another process added the group: %d hits", n)
		}
	})
}
