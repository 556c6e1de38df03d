package report

import (
	"context"
	"testing"
	"time"

	"gorm.io/gorm"

	"sunlight/catalog"
	"sunlight/domain"
	"sunlight/internal/testclock"
	"sunlight/internal/testdb"
)

// Demo places the tests use: 法库县 (210124) › 大孤家子镇 (210124101) › 拉马桥村.
const (
	tVillage   = "210124101201"
	tTown      = "210124101"
	tCounty    = "210124"
	tCommittee = "210124101201-cw"
	tTownGov   = "210124101-gov"
	tTownJW    = "210124101-jw"
	tCountyJW  = "210124-jw"
	tCountyGov = "210124-gov"
	tCityJW    = "2101-jw"
)

// t0 is Tuesday 2026-11-24 09:30 in China.
var t0 = time.Date(2026, 11, 24, 9, 30, 0, 0, chinaTime)

func testSecret(b byte) []byte {
	k := make([]byte, 32)
	for i := range k {
		k[i] = b + byte(i)
	}
	return k
}

// setup migrates and seeds db and returns a service on a fixed clock.
func setup(t testing.TB, db *gorm.DB) (*Service, *testclock.Clock) {
	t.Helper()
	ctx := context.Background()
	testdb.Setup(t, db, catalog.Migrate, Migrate, catalog.LoadDemoRegions)
	if err := SeedDefaults(ctx, db, t0.AddDate(-1, 0, 0)); err != nil {
		t.Fatal(err)
	}
	c := testclock.At(t0)
	s, err := New(db, testSecret(1), Options{Now: c.Now, UploadDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	return s, c
}

func submit(t testing.TB, s *Service, subject, pt string) (*Receipt, *Report) {
	t.Helper()
	rc, err := s.Submit(context.Background(), NewReport{Subject: subject, ProblemType: pt,
		Description: "村里低保名单有不符合条件的人，请核查。", Anonymous: true})
	if err != nil {
		t.Fatalf("submit %s %s: %v", subject, pt, err)
	}
	return rc, reportByID(t, s, rc.ReportID)
}

func reportByID(t testing.TB, s *Service, id uint64) *Report {
	t.Helper()
	var r Report
	if err := s.db.Where("id = ?", id).Take(&r).Error; err != nil {
		t.Fatal(err)
	}
	return &r
}

func staff(dept string) Actor { return Actor{UserID: 7, DeptCode: dept, Role: domain.RoleStaff} }
func head(dept string) Actor  { return Actor{UserID: 8, DeptCode: dept, Role: domain.RoleHead} }
func super(dept, region string) Actor {
	return Actor{UserID: 9, DeptCode: dept, Role: domain.RoleSupervisor, RegionCode: region}
}

// answered drops the outcome of Service.Answer (sent or kept as a draft).
func answered(_ Op, err error) error { return err }
