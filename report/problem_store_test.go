package report

import (
	"context"
	"errors"
	"strings"
	"testing"

	"gorm.io/gorm"

	"sunlight/catalog"
	"sunlight/domain"
	"sunlight/internal/testdb"
)

// twoServices are two services on one database, as two processes would
// have: what one changes, the other must notice.
func twoServices(t *testing.T, db *gorm.DB) (*Service, *Service) {
	t.Helper()
	s, c := setup(t, db)
	other, err := New(db, testSecret(1), Options{Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	return s, other
}

// TestProblemTypesAreData: the table starts as the old list; a type added,
// renamed or disabled through one service is seen at once by another (as
// by another process); intake refuses a disabled type while reports of it
// keep its name; a type a routing rule names cannot be disabled.
func TestProblemTypesAreData(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		s, other := twoServices(t, db)
		offered := func(svc *Service, kind string) string {
			ps, err := svc.ProblemTypes().Offered(ctx, kind)
			if err != nil {
				t.Fatal(err)
			}
			var codes []string
			for _, p := range ps {
				codes = append(codes, p.Code)
			}
			return strings.Join(codes, ",")
		}
		if got := offered(other, catalog.SubjectFund); got != "fund_misuse,fund_unfair,fund_late,misconduct,misconduct_head,other" {
			t.Fatalf("seeded fund types: %s", got)
		}
		_, old := submit(t, s, "village:"+tVillage, "land")

		st := s.ProblemTypes()
		if err := st.AddProblemType(ctx, ProblemType{SubjectKind: "village", Code: "water_supply", Name: "饮水安全"}, "admin"); err != nil {
			t.Fatal(err)
		}
		if got := offered(other, "village"); !strings.HasSuffix(got, ",water_supply,other") {
			t.Errorf("after add, the other service offers %s", got)
		}
		var ve *domain.ValidationError
		for _, bad := range []ProblemType{
			{SubjectKind: "village", Code: "water_supply", Name: "又一个"},
			{SubjectKind: "planet", Code: "ufo", Name: "外星人"},
			{SubjectKind: "village", Code: "9x", Name: "数字开头"},
			{SubjectKind: "village", Code: "long_name", Name: strings.Repeat("长", MaxProblemName+1)},
		} {
			if err := st.AddProblemType(ctx, bad, "admin"); !errors.As(err, &ve) {
				t.Errorf("%+v: %v", bad, err)
			}
		}
		err := st.SetProblemTypeDisabled(ctx, "village", "town_misconduct", true, "admin")
		if !errors.As(err, &ve) || !strings.Contains(ve.Message, "派单规则仍在使用") {
			t.Errorf("disabling a routed type: %v", err)
		}
		if err := st.RenameProblemType(ctx, "village", "land", "宅基地问题", "", "admin"); err != nil {
			t.Fatal(err)
		}
		if err := st.SetProblemTypeDisabled(ctx, "village", "land", true, "admin"); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(offered(other, "village"), "land") {
			t.Error("a disabled type is still offered")
		}
		_, err = other.Submit(ctx, NewReport{Subject: "village:" + tVillage, ProblemType: "land", Description: "宅基地问题请核查处理。", Anonymous: true})
		if !errors.As(err, &ve) || ve.Fields["problem_type"] == "" {
			t.Errorf("a report of a disabled type: %v", err)
		}
		if got := other.ProblemTypes().Name(ctx, "village", old.ProblemType); got != "宅基地问题" {
			t.Errorf("the old report's type shows as %q", got)
		}
		if err := st.RenameProblemType(ctx, "village", "nope", "无", "", "admin"); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("renaming an unknown type: %v", err)
		}
		hs, _ := catalog.RefHistory(ctx, db, catalog.RefProblemType, "", 10)
		if len(hs) != 3 || hs[0].Action != "停用" || !strings.Contains(hs[0].Before, `"disabled":false`) || !strings.Contains(hs[0].After, `"disabled":true`) || hs[2].Action != "新增" {
			t.Errorf("history %+v", hs)
		}
	})
}

// TestDeadlineChangeMovesTheNextDeadline: a new answer limit applies to
// the next report dispatched — through another service too — and leaves
// the earlier one's deadline alone; out-of-range values are refused.
func TestDeadlineChangeMovesTheNextDeadline(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		s, other := twoServices(t, db)
		_, before := submit(t, other, "village:"+tVillage, "subsidy") // warms other's calendar
		var ve *domain.ValidationError
		for stage, v := range map[string]int{StageAnswer: 0, StageAcknowledge: 11, StageSupervisor: 2, StageTooFastHours: 49, "nope": 3} {
			if err := s.SetDeadline(ctx, stage, v, "admin"); !errors.As(err, &ve) {
				t.Errorf("%s=%d: %v", stage, v, err)
			}
		}
		if err := s.SetDeadline(ctx, StageAnswer, 5, "admin"); err != nil {
			t.Fatal(err)
		}
		_, after := submit(t, other, "village:"+tVillage, "subsidy")
		want := func(n int) string { return (&Calendar{}).AddWorkingDays(t0, n).Format("2006-01-02 15:04") }
		if got := before.AnswerDueAt.UTC().Format("2006-01-02 15:04"); got != want(15) {
			t.Errorf("earlier report due %s, want %s", got, want(15))
		}
		if got := after.AnswerDueAt.UTC().Format("2006-01-02 15:04"); got != want(5) {
			t.Errorf("next report due %s, want %s", got, want(5))
		}
		if err := s.SetDeadline(ctx, StageAnswer, 5, "admin"); err != nil { // unchanged: no history row
			t.Fatal(err)
		}
		hs, _ := catalog.RefHistory(ctx, db, catalog.RefDeadline, StageAnswer, 10)
		if len(hs) != 1 || !strings.Contains(hs[0].Before, `"Days":15`) || !strings.Contains(hs[0].After, `"Days":5`) {
			t.Errorf("history %+v", hs)
		}
	})
}
