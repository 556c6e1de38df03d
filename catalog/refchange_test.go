package catalog

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"sunlight/internal/testdb"
)

func TestRefHistory(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		migrated(t, db)
		ctx := context.Background()
		at := time.Date(2026, 12, 2, 8, 0, 0, 0, time.UTC)
		before := Department{Code: "210124-mz", Name: "法库县民政局"}
		after := before
		after.Name = "法库县民政事务局"
		err := db.Transaction(func(tx *gorm.DB) error {
			if err := RecordRefChange(tx, RefDepartment, before.Code, "新增", "user:1", nil, before, at); err != nil {
				return err
			}
			if err := RecordRefChange(tx, RefDepartment, before.Code, "修改", "user:2", before, after, at.Add(time.Minute)); err != nil {
				return err
			}
			return RecordRefChange(tx, RefDepartment, "210124-cz", "新增", "user:1", nil, Department{Code: "210124-cz"}, at)
		})
		if err != nil {
			t.Fatal(err)
		}
		hs, err := RefHistory(ctx, db, RefDepartment, before.Code, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(hs) != 2 || hs[0].Action != "修改" || hs[0].Actor != "user:2" || hs[1].Before != "" {
			t.Fatalf("history of %s = %+v, want the rename first and the creation with no before", before.Code, hs)
		}
		if want := `"Name":"法库县民政事务局"`; !strings.Contains(hs[0].After, want) || !strings.Contains(hs[0].Before, `"Name":"法库县民政局"`) {
			t.Errorf("rename recorded as %s → %s", hs[0].Before, hs[0].After)
		}
		all, err := RefHistory(ctx, db, RefDepartment, "", 10)
		if err != nil || len(all) != 3 {
			t.Fatalf("all department changes = %d (%v), want 3", len(all), err)
		}
		other, err := RefHistory(ctx, db, RefRoutingRule, "", 10)
		if err != nil || len(other) != 0 {
			t.Fatalf("routing rule changes = %d (%v), want 0", len(other), err)
		}
	})
}

func TestRefChangeFields(t *testing.T) {
	rename := RefChange{Before: `{"Code":"210124-mz","Name":"法库县民政局","Supervisor":false}`,
		After: `{"Code":"210124-mz","Name":"法库县民政事务局","Supervisor":true}`}
	got := rename.Changes()
	want := []FieldChange{{"Name", "法库县民政局", "法库县民政事务局"}, {"Supervisor", "false", "true"}}
	if !slices.Equal(got, want) {
		t.Errorf("an edit shows %v, want only the changed fields %v", got, want)
	}
	if added := (RefChange{After: `{"Code":"x","Name":"y"}`}).Changes(); len(added) != 2 || added[0].Before != "" || added[1].After != "y" {
		t.Errorf("a new record shows %v, want every field", added)
	}
	if removed := (RefChange{Before: `{"Code":"x"}`}).Changes(); len(removed) != 1 || removed[0].After != "" {
		t.Errorf("a removal shows %v", removed)
	}
}
