package catalog

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode"

	"gorm.io/gorm"

	"sunlight/domain"
	"sunlight/internal/testdb"
)

func allDepts(t *testing.T, db *gorm.DB) []Department {
	t.Helper()
	var ds []Department
	if err := db.Order("code").Find(&ds).Error; err != nil {
		t.Fatal(err)
	}
	return ds
}

// deptFixture loads the demo departments and returns a store and a time.
func deptFixture(t *testing.T, db *gorm.DB) (context.Context, *DepartmentStore, time.Time) {
	t.Helper()
	if err := LoadDemoRegions(context.Background(), migrated(t, db)); err != nil {
		t.Fatal(err)
	}
	return context.Background(), NewDepartmentStore(db), time.Date(2026, 12, 2, 8, 0, 0, 0, time.UTC)
}

// TestDepartmentAdmin: add, rename, move, supervisor, close and reopen,
// each with its history; Upsert (demo, imports) never reopens.
func TestDepartmentAdmin(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx, st, at := deptFixture(t, db)
		if _, err := st.Add(ctx, Department{Code: "210124-yj", Name: "法库县应急管理局", RegionCode: "210124", ParentCode: "210124-gov"}, "admin", at); err != nil {
			t.Fatal(err)
		}
		steps := []error{
			st.Rename(ctx, "210124-yj", "法库县应急局", "admin", at),
			st.Move(ctx, "210124-yj", "210124-mz", "admin", at),
			st.SetSupervisor(ctx, "210124-yj", true, "admin", at),
			db.Transaction(func(tx *gorm.DB) error { return CloseDepartment(tx, "210124-yj", "admin", at) }),
		}
		for i, err := range steps {
			if err != nil {
				t.Fatalf("step %d: %v", i, err)
			}
		}
		d, _ := st.Get(ctx, "210124-yj")
		if d.Name != "法库县应急局" || d.ParentCode != "210124-mz" || !d.Supervisor || !d.Closed || d.ClosedAt == nil {
			t.Fatalf("after the changes: %+v", d)
		}
		if _, err := st.SupervisorAbove(ctx, "210124", false); err != nil {
			t.Fatal(err)
		}
		if err := st.Upsert(ctx, []Department{{Code: "210124-yj", Name: "法库县应急局", RegionCode: "210124", Kind: ""}}); err != nil {
			t.Fatal(err)
		}
		if d, _ = st.Get(ctx, "210124-yj"); !d.Closed {
			t.Error("Upsert reopened a closed department")
		}
		if err := st.Reopen(ctx, "210124-yj", "admin", at); err != nil {
			t.Fatal(err)
		}
		hs, _ := RefHistory(ctx, db, RefDepartment, "210124-yj", 10)
		want := []string{DeptReopened, DeptClosed, DeptSupervisor, DeptMoved, DeptRenamed, DeptAdded}
		var got []string
		for _, h := range hs {
			got = append(got, h.Action)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("history %v, want %v", got, want)
		}
	})
}

// TestDepartmentAdminBadInput: every bad change is a Chinese message and
// changes no row.
func TestDepartmentAdminBadInput(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx, st, at := deptFixture(t, db)
		before := allDepts(t, db)
		add := func(d Department) error { _, err := st.Add(ctx, d, "admin", at); return err }
		errs := map[string]error{
			"bad code":      add(Department{Code: "法库", Name: "法库县某局", RegionCode: "210124"}),
			"taken code":    add(Department{Code: "210124-mz", Name: "法库县某局", RegionCode: "210124"}),
			"short name":    add(Department{Code: "210124-x", Name: "局", RegionCode: "210124"}),
			"no region":     add(Department{Code: "210124-x", Name: "法库县某局", RegionCode: "999999"}),
			"no parent":     add(Department{Code: "210124-x", Name: "法库县某局", RegionCode: "210124", ParentCode: "nope"}),
			"bad kind":      add(Department{Code: "210124-x", Name: "法库县某局", RegionCode: "210124", Kind: "army"}),
			"rename":        st.Rename(ctx, "210124-mz", " ", "admin", at),
			"rename none":   st.Rename(ctx, "nope", "某局", "admin", at),
			"move to self":  st.Move(ctx, "210124-gov", "210124-gov", "admin", at),
			"move loop":     st.Move(ctx, "2101-gov", "210124-gov", "admin", at),
			"reopen open":   st.Reopen(ctx, "210124-mz", "admin", at),
			"close missing": db.Transaction(func(tx *gorm.DB) error { return CloseDepartment(tx, "nope", "admin", at) }),
		}
		for name, err := range errs {
			var ve *domain.ValidationError
			if !errors.As(err, &ve) || !strings.ContainsFunc(ve.Message, func(r rune) bool { return unicode.Is(unicode.Han, r) }) {
				t.Errorf("%s: %v", name, err)
			}
		}
		if !reflect.DeepEqual(allDepts(t, db), before) {
			t.Error("bad input changed departments")
		}
		if hs, _ := RefHistory(ctx, db, RefDepartment, "", 10); len(hs) != 0 {
			t.Errorf("bad input was recorded: %+v", hs)
		}
	})
}
