package catalog

import (
	"context"
	"errors"
	"testing"
	"time"

	"gorm.io/gorm"

	"sunlight/domain"
	"sunlight/internal/testdb"
)

func TestPublishedSubjects(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		migrated(t, db)
		past := time.Now().UTC().Add(-time.Hour)
		rows := []any{
			&Category{Code: "01", Name: "社会救助类", DeptCode: "210124-mz", Level: LevelCounty, Published: true},
			&Category{Code: "0199", ParentCode: "01", Name: "撤回的补贴", Published: false},
			&Fund{ID: 7, Code: "F-7", Name: "道路硬化工程", Source: "衔接资金", Year: 2026, Amount: 100, DeptCode: "210124-ny", RegionCode: "210124100", Status: FundOngoing, Published: true},
			&Disclosure{ID: 3, NKey: "a", VillageCode: "210124100201", Kind: DisclosureFinance, Title: "2026年三季度财务公开", Period: "2026Q3", PublishedAt: past, Published: true},
			&Disclosure{ID: 4, NKey: "b", VillageCode: "210124100201", Kind: DisclosureFinance, Title: "过期", Period: "2025Q3", PublishedAt: past, PublishUntil: &past, Published: true},
			&Disclosure{ID: 5, NKey: "c", VillageCode: "210124100201", Kind: DisclosureFinance, Title: "撤回", Period: "2025Q4", PublishedAt: past, Published: false},
		}
		for _, r := range rows {
			if err := db.Create(r).Error; err != nil {
				t.Fatal(err)
			}
		}
		res := NewSubjectResolver(db)
		for subject, want := range map[string]Subject{
			"disclosure:3": {Kind: "disclosure", ID: "3", Title: "2026年三季度财务公开", RegionCode: "210124100201", DeptCode: "210124100201-cw", URL: "/disclosures/3"},
			"fund:7":       {Kind: "fund", ID: "7", Title: "道路硬化工程", RegionCode: "210124100", DeptCode: "210124-ny", URL: "/funds/7"},
			"category:01":  {Kind: "category", ID: "01", Title: "社会救助类", DeptCode: "210124-mz", URL: "/catalog/01"},
		} {
			got, err := res.Resolve(ctx, subject)
			if err != nil {
				t.Fatalf("%s: %v", subject, err)
			}
			if *got != want {
				t.Errorf("%s = %+v, want %+v", subject, *got, want)
			}
		}
		for _, s := range []string{"disclosure:4", "disclosure:5", "disclosure:99", "disclosure:x", "fund:8", "category:0199"} {
			if _, err := res.Resolve(ctx, s); !errors.Is(err, domain.ErrNotFound) {
				t.Errorf("%s: err = %v, want ErrNotFound", s, err)
			}
		}
		if _, err := LoadDisclosure(ctx, db, 4); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("expired disclosure loads: %v", err)
		}
		n, err := ExpireDisclosures(ctx, db, time.Now().UTC())
		if err != nil || n != 1 {
			t.Fatalf("ExpireDisclosures = %d, %v; want 1", n, err)
		}
		var changes []Change
		db.Where("subject = ?", "disclosure:4").Find(&changes)
		if len(changes) != 1 {
			t.Errorf("expiry recorded %d changes for disclosure:4, want 1", len(changes))
		}
		if n, _ := ExpireDisclosures(ctx, db, time.Now().UTC()); n != 0 {
			t.Errorf("second expiry run withdrew %d", n)
		}
	})
}

// TestRekeyDisclosures: keys of the first format are rewritten, so a
// re-import still finds the rows.
func TestRekeyDisclosures(t *testing.T) {
	db := withRegions(t, testdb.SQLite(t))
	rows := disclosureFile(3)
	mustImport(t, db, ImportDisclosures, "d.csv", csvBytes(t, rows))
	db.Model(&Disclosure{}).Where("id > 0").Update("nkey", gorm.Expr("'old' || id"))
	testdb.Setup(t, db, Migrate)
	if res := mustImport(t, db, ImportDisclosures, "d.csv", csvBytes(t, rows)); res.Unchanged != 3 {
		t.Errorf("re-import after rekey = %+v", res)
	}
}
