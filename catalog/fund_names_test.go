package catalog

import (
	"context"
	"fmt"
	"testing"

	"sunlight/internal/testdb"
)

// TestVillageNamesOfAProvinceWideFund: a fund paid in 40,000 villages
// names them all, although that is more codes than SQLite binds in one
// statement.
func TestVillageNamesOfAProvinceWideFund(t *testing.T) {
	db := migrated(t, testdb.SQLite(t))
	testdb.Setup(t, db, LoadDemoRegions)
	ds := make([]Disbursement, 40_000)
	for i := range ds {
		ds[i].VillageCode = fmt.Sprintf("2101%05d%03d", i/100, i%100)
	}
	ds[0].VillageCode = "210124102201"
	names, err := villageNames(context.Background(), db, ds)
	if err != nil {
		t.Fatal(err)
	}
	if len(names) != len(ds) {
		t.Fatalf("%d names for %d villages", len(names), len(ds))
	}
	if got := names["210124102201"]; got == "210124102201" || got == "" {
		t.Fatalf("a known village is named %q", got)
	}
}
