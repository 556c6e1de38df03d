package main

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"gorm.io/gorm"

	"sunlight/catalog"
	"sunlight/internal/testdb"
	"sunlight/report"
	"sunlight/search"
)

// TestPublishedAnswersAreSearchable: a published answer (公开答复) reaches
// the index through the syncer, and leaves it when withdrawn; a reindex
// includes it too.
func TestPublishedAnswersAreSearchable(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		testdb.Setup(t, db, migrate)
		at := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
		a := &report.PublishedAnswer{ReportID: 1, DeptCode: "210124101-gov", DeptName: "大孤家子镇人民政府",
			RegionCode: "210124101201", SubjectName: "某村", ProblemType: "补贴、低保发放不公或被克扣",
			Title: "关于低保名单中有已故人员的答复", Question: "低保名单里有已经去世的人还在领钱。",
			Answer: "经核实已停发并追回多发的低保金。", AnsweredAt: at, PublishedAt: at, PublishedBy: "user:1"}
		save := func() {
			t.Helper()
			if err := db.Transaction(func(tx *gorm.DB) error {
				if err := tx.Save(a).Error; err != nil {
					return err
				}
				return catalog.RecordChange(tx, a.Subject())
			}); err != nil {
				t.Fatal(err)
			}
		}
		save()
		idx, err := search.OpenEmbedded(filepath.Join(t.TempDir(), "search"), nil)
		if err != nil {
			t.Fatal(err)
		}
		defer idx.Close()
		s := &search.Syncer{DB: db, Index: idx, Sources: searchSources(db)}
		find := func() int {
			t.Helper()
			if _, err := s.SyncOnce(ctx); err != nil {
				t.Fatal(err)
			}
			res, err := idx.Search(ctx, search.Query{Text: "停发", Type: search.TypeAnswer, Page: 1, PerPage: 10})
			if err != nil {
				t.Fatal(err)
			}
			for _, h := range res.Hits {
				if h.ID != a.Subject() || h.URL != a.URL() {
					t.Fatalf("unexpected hit %+v", h)
				}
			}
			return res.Total
		}
		if n := find(); n != 1 {
			t.Fatalf("published answer found %d times, want 1", n)
		}
		a.Withdrawn = true
		save()
		if n := find(); n != 0 {
			t.Fatalf("withdrawn answer still found %d times", n)
		}
		a.Withdrawn = false
		save()
		if _, err := s.Reindex(ctx, nil); err != nil {
			t.Fatal(err)
		}
		if n := find(); n != 1 {
			t.Fatalf("after reindex the answer is found %d times, want 1", n)
		}
	})
}
