package catalog

import (
	"context"
	"errors"
	"strings"
	"testing"
	"testing/fstest"

	"gorm.io/gorm"

	"sunlight/domain"
	"sunlight/internal/testdb"
)

func migrated(t testing.TB, db *gorm.DB) *gorm.DB {
	t.Helper()
	testdb.Setup(t, db, Migrate)
	return db
}

func TestLevels(t *testing.T) {
	cases := []struct {
		code   string
		level  Level
		parent string
	}{
		{"21", Province, ""}, {"2101", City, "21"}, {"210124", County, "2101"},
		{"210124102", Town, "210124"}, {"210124102201", Village, "210124102"},
		{"2101241", 0, ""}, {"21a1", 0, ""}, {"", 0, ""},
	}
	for _, c := range cases {
		if got := LevelOf(c.code); got != c.level {
			t.Errorf("LevelOf(%q) = %d, want %d", c.code, got, c.level)
		}
		if got := ParentOf(c.code); got != c.parent {
			t.Errorf("ParentOf(%q) = %q, want %q", c.code, got, c.parent)
		}
	}
	if got := strings.Join(AncestorCodes("210124102201"), ","); got != "21,2101,210124,210124102" {
		t.Errorf("AncestorCodes = %s", got)
	}
}

func TestImportSeedRegions(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		migrated(t, db)
		n, err := ImportRegions(ctx, db, SeedRegions(), nil)
		if err != nil {
			t.Fatal(err)
		}
		if n != 1+1+2+40+483 {
			t.Fatalf("imported %d rows, want 527", n)
		}
		store := NewRegionStore(db)
		counts, err := store.Count(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if counts[Village] != 483 || counts[Town] != 40 || counts[County] != 2 {
			t.Fatalf("counts = %v", counts)
		}
		v, err := store.Get(ctx, "210124102201")
		if err != nil {
			t.Fatal(err)
		}
		if v.Level != Village || v.ParentCode != "210124102" || v.Name == "" {
			t.Fatalf("village = %+v", v)
		}
		anc, err := store.Ancestors(ctx, v.Code)
		if err != nil || len(anc) != 4 || anc[0].Name != "辽宁省" || anc[2].Name != "法库县" {
			t.Fatalf("ancestors = %+v, %v", anc, err)
		}
		kids, err := store.Children(ctx, "210124")
		if err != nil || len(kids) != 19 {
			t.Fatalf("法库县 has %d towns, want 19 (%v)", len(kids), err)
		}
		// Importing again changes nothing.
		if _, err := ImportRegions(ctx, db, SeedRegions(), nil); err != nil {
			t.Fatal(err)
		}
		again, _ := store.Count(ctx)
		if again[Village] != 483 {
			t.Fatalf("re-import changed the count: %v", again)
		}
		if _, err := store.Get(ctx, "999999999999"); !errors.Is(err, domain.ErrNotFound) {
			t.Fatalf("missing region: err = %v", err)
		}
	})
}

func TestImportMalformedRegionsImportsNothing(t *testing.T) {
	good := fstest.MapFS{
		"provinces.csv": {Data: []byte("code,name\n21,\"辽宁省\"\n")},
		"cities.csv":    {Data: []byte("code,name,provinceCode\n2101,\"沈阳市\",21\n")},
	}
	cases := []struct {
		name, file, data, want string
	}{
		{"bad code", "areas.csv", "code,name,cityCode,provinceCode\n210124,\"法库县\",2101,21\n21012X,\"坏县\",2101,21\n", "areas.csv line 3: code \"21012X\" is not a 6-digit"},
		{"missing parent", "areas.csv", "code,name,cityCode,provinceCode\n210224,\"某县\",2102,21\n", "parent region 2102 does not exist"},
		{"parent mismatch", "areas.csv", "code,name,cityCode,provinceCode\n210124,\"法库县\",2102,21\n", "cityCode \"2102\" does not match"},
		{"duplicate", "areas.csv", "code,name,cityCode,provinceCode\n210124,\"法库县\",2101,21\n210124,\"法库县\",2101,21\n", "appears again (first on line 2)"},
		{"bad header", "areas.csv", "id,title\n210124,\"法库县\"\n", "header must have the columns code,name,cityCode"},
		{"ragged row", "areas.csv", "code,name,cityCode,provinceCode\n210124,\"法库县\"\n", "has 2 fields"},
		{"broken quote", "areas.csv", "code,name,cityCode,provinceCode\n210124,\"法库县,2101,21\n", "areas.csv line"},
		{"not utf8", "areas.csv", "code,name,cityCode,provinceCode\n210124,\"\xb7\xa8\xbf\xe2\",2101,21\n", "not UTF-8"},
		{"empty name", "areas.csv", "code,name,cityCode,provinceCode\n210124,\"\",2101,21\n", "name must be 1 to 64 characters"},
	}
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		migrated(t, db)
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				fsys := fstest.MapFS{}
				for k, v := range good {
					fsys[k] = v
				}
				fsys[c.file] = &fstest.MapFile{Data: []byte(c.data)}
				_, err := ImportRegions(context.Background(), db, fsys, nil)
				var ie *ImportError
				if !errors.As(err, &ie) {
					t.Fatalf("err = %v, want *ImportError", err)
				}
				if !strings.Contains(err.Error(), c.want) {
					t.Fatalf("error %q does not contain %q", err, c.want)
				}
				var n int64
				db.Model(&Region{}).Count(&n)
				if n != 0 {
					t.Fatalf("%d regions were written by a failed import", n)
				}
			})
		}
	})
}

func TestDepartmentsAndChangesRoundTrip(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		migrated(t, db)
		testdb.Setup(t, db, LoadDemoRegions)
		// Idempotent.
		testdb.Setup(t, db, LoadDemoRegions)
		depts := NewDepartmentStore(db)
		all, err := depts.List(ctx, "", false)
		if err != nil {
			t.Fatal(err)
		}
		// city: 2; per county 7 (gov, jw, 5 bureaus) ×2; per town 2 ×40; per village 1 ×483.
		if want := 2 + 14 + 80 + 483; len(all) != want {
			t.Fatalf("%d departments, want %d", len(all), want)
		}
		mz, err := depts.Get(ctx, "210124-mz")
		if err != nil || mz.Name != "法库县民政局" || mz.ParentCode != "210124-gov" || mz.Kind != KindCivil {
			t.Fatalf("民政局 = %+v, %v", mz, err)
		}
		cw, err := depts.Get(ctx, "210124102201-cw")
		if err != nil || cw.ParentCode != "210124102-gov" || !strings.HasSuffix(cw.Name, "委员会") && !strings.HasSuffix(cw.Name, "委会") {
			t.Fatalf("村委会 = %+v, %v", cw, err)
		}
		sup, err := depts.SupervisorAbove(ctx, "210124102201", false)
		if err != nil || sup.Code != "210124102-jw" {
			t.Fatalf("supervisor of a village = %+v, %v", sup, err)
		}
		up, err := depts.SupervisorAbove(ctx, "210124102", true)
		if err != nil || up.Code != "210124-jw" {
			t.Fatalf("supervisor strictly above a town = %+v, %v", up, err)
		}
		county, err := depts.List(ctx, "210124", false)
		if err != nil || len(county) != 7 {
			t.Fatalf("county departments = %d, %v", len(county), err)
		}
		below, err := depts.List(ctx, "210124102", true)
		if err != nil || len(below) < 3 {
			t.Fatalf("departments below a town = %d, %v", len(below), err)
		}
		if err := db.Transaction(func(tx *gorm.DB) error { return RecordChange(tx, "disclosure:1", "fund:2") }); err != nil {
			t.Fatal(err)
		}
		var changes []Change
		if err := db.Order("id").Find(&changes).Error; err != nil || len(changes) != 2 || changes[1].Subject != "fund:2" || changes[0].CreatedAt.IsZero() {
			t.Fatalf("changes = %+v, %v", changes, err)
		}
	})
}

func TestResolveSubject(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		migrated(t, db)
		testdb.Setup(t, db, LoadDemoRegions)
		r := NewSubjectResolver(db)
		s, err := r.Resolve(ctx, "village:210124102201")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(s.Title, "法库县三面船镇") || s.RegionCode != "210124102201" || s.URL != "/regions/210124102201" {
			t.Fatalf("subject = %+v", s)
		}
		d, err := r.Resolve(ctx, "dept:210124-mz")
		if err != nil || d.DeptCode != "210124-mz" || d.Title != "法库县民政局" {
			t.Fatalf("dept subject = %+v, %v", d, err)
		}
		for _, bad := range []string{"village:210124102", "nonsense", "planet:1", "village:"} {
			if _, err := r.Resolve(ctx, bad); err == nil {
				t.Errorf("Resolve(%q) succeeded", bad)
			}
		}
		if _, err := r.Resolve(ctx, "village:210124999999"); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("unknown village: %v", err)
		}
	})
}
