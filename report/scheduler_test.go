package report

import (
	"context"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"sunlight/internal/testdb"
)

func at(month time.Month, day, hour int) time.Time {
	return time.Date(2026, month, day, hour, 0, 0, 0, chinaTime)
}

func runPass(t *testing.T, s *Service, now time.Time) Pass {
	t.Helper()
	p, err := s.RunOnce(context.Background(), now)
	if err != nil {
		t.Fatalf("pass at %s: %v", now, err)
	}
	return p
}

// TestDeadlinesAndEscalation: a report dispatched on Tuesday 24 Nov must be
// signed for by the end of Wednesday; unsigned, the handler is reminded on
// Thursday, the head told after 2 working days late, the supervisor after
// 5 (督办) — each step once, however often the scheduler runs.
func TestDeadlinesAndEscalation(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		s, _ := setup(t, db)
		_, r := submit(t, s, "village:"+tVillage, "subsidy")
		if want := at(11, 26, 0); !r.AckDueAt.Equal(want) {
			t.Fatalf("ack due %s, want %s", r.AckDueAt.In(chinaTime), want)
		}
		// 15 working days after Tue 24 Nov: Tue 15 Dec, ends at 16 Dec 00:00.
		if want := at(12, 16, 0); !r.AnswerDueAt.Equal(want) {
			t.Fatalf("answer due %s, want %s", r.AnswerDueAt.In(chinaTime), want)
		}
		steps := []struct {
			now    time.Time
			level  int
			status Status
		}{
			{at(11, 25, 18), LevelNone, StatusDispatched},
			{at(11, 26, 10), LevelHandler, StatusDispatched},
			{at(11, 27, 10), LevelHandler, StatusDispatched},
			{at(11, 30, 10), LevelHead, StatusDispatched},     // Thu, Fri, Mon late
			{at(12, 3, 10), LevelSupervisor, StatusEscalated}, // 6 working days late
		}
		for _, st := range steps {
			runPass(t, s, st.now)
			got := reportByID(t, s, r.ID)
			if got.EscalationLevel != st.level || got.Status != st.status || got.Overdue != (st.level > 0) {
				t.Fatalf("at %s: level %d %s overdue=%v; want level %d %s", st.now, got.EscalationLevel, got.Status, got.Overdue, st.level, st.status)
			}
			// A second pass at the same time changes nothing.
			if p := runPass(t, s, st.now); p.Changed() {
				t.Fatalf("second pass at %s changed %+v", st.now, p)
			}
		}
		var kinds []string
		db.Model(&Notification{}).Where("report_id = ?", r.ID).Order("id").Pluck("kind", &kinds)
		want := []string{"new", "ack_overdue", "head", "supervisor"}
		if len(kinds) != len(want) {
			t.Fatalf("notifications %v, want %v", kinds, want)
		}
		for i := range want {
			if kinds[i] != want[i] {
				t.Fatalf("notifications %v, want %v", kinds, want)
			}
		}
		var sup string
		db.Model(&Notification{}).Where("report_id = ? AND kind = 'supervisor'", r.ID).Pluck("dept_code", &sup)
		if sup != tCountyJW {
			t.Fatalf("督办 went to %s", sup)
		}
	})
}

func TestHolidaysCount(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		s, _ := setup(t, db)
		cal, err := LoadCalendar(context.Background(), s.db)
		if err != nil {
			t.Fatal(err)
		}
		// Dispatched Wed 30 Sep 2026: 1–7 Oct are off, Sat 10 Oct is worked.
		if got, want := cal.AddWorkingDays(at(9, 30, 15), 1), at(10, 9, 0); !got.Equal(want) {
			t.Errorf("1 working day after 30 Sep = %s, want end of 8 Oct", got.In(chinaTime))
		}
		if got, want := cal.AddWorkingDays(at(10, 8, 15), 2), at(10, 11, 0); !got.Equal(want) {
			t.Errorf("2 working days after 8 Oct = %s, want end of Sat 10 Oct (调休)", got.In(chinaTime))
		}
		if cal.IsWorkday(at(2, 16, 12)) || !cal.IsWorkday(at(2, 14, 12)) {
			t.Error("Spring Festival days wrong")
		}
	})
}

// TestAnswerDeadlineExtensionAndAutoClose: an accepted report goes overdue
// on its answer deadline; the one extension moves it; an answer left
// unrated for 7 days closes as answered; a too-fast answer is flagged.
func TestAnswerDeadlineExtensionAndAutoClose(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		s, clk := setup(t, db)
		_, r := submit(t, s, "village:"+tVillage, "subsidy")
		h := staff(tTownGov)
		clk.Set(at(11, 25, 9))
		if err := s.Accept(ctx, h, r.ID, ""); err != nil {
			t.Fatal(err)
		}
		runPass(t, s, at(12, 16, 9))
		if got := reportByID(t, s, r.ID); got.EscalationLevel != LevelHandler || !got.Overdue {
			t.Fatalf("answer overdue not flagged: %+v", got.EscalationLevel)
		}
		clk.Set(at(12, 16, 10))
		if err := s.RequestExtension(ctx, h, r.ID, 10, "需要等待县里审计结果"); err != nil {
			t.Fatal(err)
		}
		if err := s.DecideExtension(ctx, super(tCountyJW, tCounty), r.ID, true, ""); err != nil {
			t.Fatal(err)
		}
		got := reportByID(t, s, r.ID)
		if got.Overdue || got.EscalationLevel != 0 || !got.AnswerDueAt.Equal(at(12, 26, 0)) {
			t.Fatalf("after extension: overdue=%v level=%d due=%s", got.Overdue, got.EscalationLevel, got.AnswerDueAt.In(chinaTime))
		}
		if p := runPass(t, s, at(12, 20, 9)); p.Escalated != 0 {
			t.Fatalf("escalated within the extension: %+v", p)
		}
		clk.Set(at(12, 21, 9))
		if err := answered(s.Answer(ctx, h, r.ID, "审计结果已出，违规发放资金已追回。")); err != nil {
			t.Fatal(err)
		}
		runPass(t, s, at(12, 27, 9))
		if got := reportByID(t, s, r.ID); got.Status != StatusAnswered {
			t.Fatalf("closed before the rating period ended: %s", got.Status)
		}
		runPass(t, s, at(12, 28, 10))
		got = reportByID(t, s, r.ID)
		if got.Status != StatusClosed || got.Rating != RatingAuto {
			t.Fatalf("auto-close: %s %q", got.Status, got.Rating)
		}
		if p := runPass(t, s, at(12, 29, 10)); p.Changed() {
			t.Fatalf("pass after auto-close changed %+v", p)
		}

		// Too fast: answered 30 minutes after dispatch.
		clk.Set(at(11, 24, 14))
		_, r2 := submit(t, s, "village:"+tVillage, "affairs")
		clk.Set(at(11, 24, 14).Add(30 * time.Minute))
		if err := s.Accept(ctx, h, r2.ID, ""); err != nil {
			t.Fatal(err)
		}
		if err := answered(s.Answer(ctx, h, r2.ID, "已处理完毕，请放心。")); err != nil {
			t.Fatal(err)
		}
		if p := runPass(t, s, at(11, 24, 16)); p.TooFast != 1 {
			t.Fatalf("too-fast pass: %+v", p)
		}
		if got := reportByID(t, s, r2.ID); !got.TooFast || got.Status != StatusAnswered {
			t.Fatalf("30-minute answer not flagged 过快件: %+v", got.TooFast)
		}
		if p := runPass(t, s, at(11, 24, 17)); p.TooFast != 0 {
			t.Fatal("flagged twice")
		}
		if n := testdb.Count(t, db, &Notification{}, "report_id = ? AND kind = 'too_fast' AND dept_code = ?", r2.ID, tCountyJW); n != 1 {
			t.Fatalf("supervisor told %d times", n)
		}
		if reportByID(t, s, r.ID).TooFast {
			t.Fatal("a 4-week answer flagged too fast")
		}
	})
}

// TestConcurrentSchedulers: two passes at once (as two portal processes)
// take each escalation step exactly once.
func TestConcurrentSchedulers(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		s, _ := setup(t, db)
		s2, err := New(db, testSecret(1), Options{Now: s.now})
		if err != nil {
			t.Fatal(err)
		}
		var ids []uint64
		for i := 0; i < 6; i++ {
			_, r := submit(t, s, "village:"+tVillage, "subsidy")
			ids = append(ids, r.ID)
		}
		events := testdb.Count(t, db, &Event{})
		var wg sync.WaitGroup
		var total [2]Pass
		for i, svc := range []*Service{s, s2} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for k := 0; k < 3; k++ {
					p, err := svc.RunOnce(context.Background(), at(12, 3, 10))
					if err != nil {
						t.Error(err)
						return
					}
					total[i].Escalated += p.Escalated
				}
			}()
		}
		wg.Wait()
		// Each report: overdue, head, supervisor = 3 steps.
		if got := total[0].Escalated + total[1].Escalated; got != 3*len(ids) {
			t.Fatalf("steps taken %d, want %d", got, 3*len(ids))
		}
		if got := testdb.Count(t, db, &Event{}) - events; got != int64(3*len(ids)) {
			t.Fatalf("events written %d, want %d", got, 3*len(ids))
		}
		if notes := testdb.Count(t, db, &Notification{}, "kind IN ?", []string{"ack_overdue", "head", "supervisor"}); notes != int64(3*len(ids)) {
			t.Fatalf("notifications %d, want %d", notes, 3*len(ids))
		}
		if _, err := VerifyChain(context.Background(), db); err != nil {
			t.Fatal(err)
		}
	})
}

// TestEscalationIsNotCrowdedOut: accepted reports that are on time for
// their answer (their acknowledge deadline long past) and reports already
// escalated as far as their lateness calls for must not fill the
// scheduler's page and starve a report that is due its next step.
func TestEscalationIsNotCrowdedOut(t *testing.T) {
	old := schedulerPage
	schedulerPage = 2
	t.Cleanup(func() { schedulerPage = old })
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		s, c := setup(t, db)
		for i := 0; i < 5; i++ {
			_, r := submit(t, s, "village:"+tVillage, "subsidy")
			if err := s.Accept(ctx, staff(tTownGov), r.ID, ""); err != nil {
				t.Fatal(err)
			}
		}
		_, late := submit(t, s, "village:"+tVillage, "subsidy")
		now := at(11, 30, 10) // three working days past the acknowledge deadline
		c.Set(now)
		runPass(t, s, now)
		got := reportByID(t, s, late.ID)
		if got.EscalationLevel != LevelHead || !got.Overdue {
			t.Fatalf("the late report is at level %d overdue=%v, want %d", got.EscalationLevel, got.Overdue, LevelHead)
		}
		if others := testdb.Count(t, db, &Report{}, "id <> ? AND (overdue = ? OR escalation_level > 0)", late.ID, true); others != 0 {
			t.Fatalf("%d accepted, on-time reports were flagged overdue", others)
		}
	})
}
