package report

import (
	"context"
	"testing"

	"sunlight/catalog"
	"sunlight/internal/testdb"
)

func TestLoadDemo(t *testing.T) {
	db := testdb.SQLite(t)
	ctx := context.Background()
	testdb.Setup(t, db, catalog.Migrate, Migrate, catalog.LoadDemoRegions, LoadDemo)
	if err := LoadDemo(ctx, db); err != nil {
		t.Fatal("second load:", err)
	}
	var rows []struct {
		Status Status
		N      int
	}
	db.Model(&Report{}).Select("status, COUNT(*) AS n").Group("status").Scan(&rows)
	total := 0
	for _, r := range rows {
		total += r.N
	}
	if total != 36 || len(rows) < 8 {
		t.Fatalf("demo reports: %d in %d states (%v)", total, len(rows), rows)
	}
	var subs int64
	db.Model(&Submission{}).Count(&subs)
	if subs != 0 {
		t.Fatal("demo kept submission rows")
	}
	if _, err := VerifyChain(ctx, db); err != nil {
		t.Fatal(err)
	}
}
