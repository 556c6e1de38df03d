package catalog

import (
	"context"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"sunlight/internal/testdb"
)

// TestLoadDemoPublished: the demo data set is complete, fast and
// idempotent, and money trails add up.
func TestLoadDemoPublished(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		withRegions(t, db)
		start := time.Now()
		testdb.Setup(t, db, LoadDemoPublished)
		t.Logf("demo published data loaded in %s", time.Since(start))
		var majors, minors int64
		db.Model(&Category{}).Where("parent_code = ''").Count(&majors)
		db.Model(&Category{}).Where("parent_code <> ''").Count(&minors)
		if majors != 14 || minors < 250 {
			t.Errorf("catalog: %d major, %d minor categories", majors, minors)
		}
		var villages []string
		db.Model(&Region{}).Where("level = ?", Village).Pluck("code", &villages)
		type row struct {
			VillageCode string
			N, Kinds    int
		}
		var rows []row
		db.Model(&Disclosure{}).Select("village_code, COUNT(*) AS n, COUNT(DISTINCT kind) AS kinds").Group("village_code").Scan(&rows)
		if len(rows) != len(villages) || len(villages) != 483 {
			t.Errorf("%d of %d villages have disclosures", len(rows), len(villages))
		}
		for _, r := range rows {
			if r.N < 4 || r.Kinds < 4 {
				t.Errorf("village %s: %d disclosures of %d kinds", r.VillageCode, r.N, r.Kinds)
				break
			}
		}
		var funds []Fund
		db.Find(&funds)
		if len(funds) < 60 {
			t.Errorf("%d funds", len(funds))
		}
		store := NewFundStore(db)
		for _, f := range funds[:10] {
			tr, err := store.Trail(ctx, f.ID)
			if err != nil {
				t.Fatal(err)
			}
			var sum int64
			for _, v := range tr.Villages {
				var vs int64
				for _, d := range v.Rows {
					vs += d.Amount
				}
				if vs != v.Total {
					t.Errorf("fund %d village %s total %d, rows add to %d", f.ID, v.VillageCode, v.Total, vs)
				}
				sum += v.Total
			}
			if sum != tr.Paid || tr.Paid+tr.Remaining != f.Amount || tr.Remaining < 0 || tr.Count == 0 {
				t.Errorf("fund %d: paid %d, villages %d, remaining %d, amount %d", f.ID, tr.Paid, sum, tr.Remaining, f.Amount)
			}
		}
		var d Disclosure
		db.Where("kind = ?", DisclosureDibao).Order("id").Take(&d)
		if !strings.Contains(d.Body, "户主：") || !strings.Contains(d.Body, "*") || hasSensitive(d.Body) {
			t.Errorf("低保 list not masked: %s", d.Body)
		}
		if origs := testdb.Count(t, db, &Original{}, "subject = ? AND field = ?", d.Subject(), "body"); origs != 1 {
			t.Errorf("no original kept for the masked 低保 list")
		}
		var changes int64
		db.Model(&Change{}).Count(&changes)
		start = time.Now()
		testdb.Setup(t, db, LoadDemoPublished)
		var again int64
		db.Model(&Change{}).Count(&again)
		if again != changes {
			t.Errorf("second demo load recorded %d changes", again-changes)
		}
		t.Logf("second load in %s", time.Since(start))
	})
}
