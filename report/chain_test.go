package report

import (
	"context"
	"errors"
	"testing"
	"time"

	"gorm.io/gorm"

	"sunlight/internal/testdb"
)

func chainOf(t *testing.T, db *gorm.DB) []Event {
	t.Helper()
	var es []Event
	if err := db.Order("seq").Find(&es).Error; err != nil {
		t.Fatal(err)
	}
	return es
}

func wantBreak(t *testing.T, db *gorm.DB, seq int64, what string) {
	t.Helper()
	_, err := VerifyChain(context.Background(), db)
	var ce *ChainError
	if !errors.As(err, &ce) {
		t.Fatalf("%s: verify = %v, want a ChainError", what, err)
	}
	if ce.Seq != seq {
		t.Fatalf("%s: verify names seq %d (%v), want %d", what, ce.Seq, err, seq)
	}
}

// TestAuditChain edits, deletes and reorders event rows directly in the
// database; verification fails naming the first bad event each time.
func TestAuditChain(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		s, _ := setup(t, db)
		for i := 0; i < 3; i++ {
			_, r := submit(t, s, "village:"+tVillage, "subsidy")
			if err := s.Accept(ctx, staff(tTownGov), r.ID, ""); err != nil {
				t.Fatal(err)
			}
		}
		n, err := VerifyChain(ctx, db)
		if err != nil || n != 9 {
			t.Fatalf("clean chain: %d events, %v", n, err)
		}
		head, _ := ChainHeadOf(ctx, db)
		es := chainOf(t, db)
		if head.Seq != 9 || head.Hash != es[8].Hash {
			t.Fatalf("head %+v", head)
		}

		// Edit one event's text.
		victim := es[4]
		db.Model(&Event{}).Where("id = ?", victim.ID).Update("text", "已签收（改）")
		wantBreak(t, db, victim.Seq, "edited text")
		db.Model(&Event{}).Where("id = ?", victim.ID).Update("text", victim.Text)
		if _, err := VerifyChain(ctx, db); err != nil {
			t.Fatalf("restored: %v", err)
		}
		// Edit its actor, then its time.
		db.Model(&Event{}).Where("id = ?", victim.ID).Update("actor", "user:999")
		wantBreak(t, db, victim.Seq, "edited actor")
		db.Model(&Event{}).Where("id = ?", victim.ID).Update("actor", victim.Actor)
		db.Model(&Event{}).Where("id = ?", victim.ID).Update("at", victim.At.Add(time.Second))
		wantBreak(t, db, victim.Seq, "edited time")
		db.Model(&Event{}).Where("id = ?", victim.ID).Update("at", victim.At)

		// Reorder: swap the seq of two events.
		a, b := es[2], es[3]
		db.Model(&Event{}).Where("id = ?", a.ID).Update("seq", -1)
		db.Model(&Event{}).Where("id = ?", b.ID).Update("seq", a.Seq)
		db.Model(&Event{}).Where("id = ?", a.ID).Update("seq", b.Seq)
		wantBreak(t, db, a.Seq, "reordered")
		db.Model(&Event{}).Where("id = ?", b.ID).Update("seq", -1)
		db.Model(&Event{}).Where("id = ?", a.ID).Update("seq", a.Seq)
		db.Model(&Event{}).Where("id = ?", b.ID).Update("seq", b.Seq)
		if _, err := VerifyChain(ctx, db); err != nil {
			t.Fatalf("restored order: %v", err)
		}

		// Delete one in the middle, then the last one.
		db.Delete(&Event{}, es[6].ID)
		wantBreak(t, db, es[6].Seq, "deleted")
		if err := db.Create(&es[6]).Error; err != nil {
			t.Fatal(err)
		}
		db.Delete(&Event{}, es[8].ID)
		wantBreak(t, db, es[7].Seq, "deleted tail")
	})
}
