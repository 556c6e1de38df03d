package report

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"sunlight/domain"
	"sunlight/internal/database"
)

// genesisHash is the PrevHash of the first event.
const genesisHash = "0000000000000000000000000000000000000000000000000000000000000000"

// eventTime is how an event's time is stored and hashed: UTC, whole
// milliseconds (what both databases keep exactly).
func eventTime(t time.Time) time.Time { return t.UTC().Truncate(time.Millisecond) }

// hashEvent is the SHA-256 of the previous hash and every field of the
// event that matters, each length-prefixed so no two events encode alike.
func hashEvent(prev string, e *Event) string {
	h := sha256.New()
	field := func(s string) {
		var n [8]byte
		binary.BigEndian.PutUint64(n[:], uint64(len(s)))
		h.Write(n[:])
		h.Write([]byte(s))
	}
	field(prev)
	field(fmt.Sprint(e.Seq))
	field(fmt.Sprint(e.ReportID))
	field(e.Type)
	field(e.Actor)
	field(e.ActorDept)
	field(eventTime(e.At).Format("2006-01-02T15:04:05.000Z"))
	field(e.Text)
	field(string(e.FromStatus))
	field(string(e.ToStatus))
	field(fmt.Sprint(e.Public))
	return hex.EncodeToString(h.Sum(nil))
}

// appendEvent adds e to the chain inside tx: it locks the chain head,
// takes the next seq, links and hashes the event, and moves the head.
func appendEvent(tx *gorm.DB, e *Event) error {
	var head ChainHead
	q := tx
	if database.KindOf(tx) == database.MySQL {
		q = q.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	if err := q.Where("id = 1").Take(&head).Error; err != nil {
		return fmt.Errorf("chain head: %w", err)
	}
	e.At = eventTime(e.At)
	e.Seq = head.Seq + 1
	e.PrevHash = head.Hash
	e.Hash = hashEvent(head.Hash, e)
	if err := tx.Create(e).Error; err != nil {
		return fmt.Errorf("append event: %w", err)
	}
	res := tx.Model(&ChainHead{}).Where("id = 1 AND seq = ?", head.Seq).Updates(map[string]any{"seq": e.Seq, "hash": e.Hash})
	if res.Error != nil {
		return fmt.Errorf("move chain head: %w", res.Error)
	}
	if res.RowsAffected != 1 {
		return domain.ErrBusy
	}
	return nil
}

// Head is the current end of the audit chain, for /stats: anyone who
// noted it earlier can check that the chain still passes through it.
type Head struct {
	Seq  int64  `json:"seq"`
	Hash string `json:"hash"`
}

// CheckCheckpoint verifies that the chain still passes through a head
// noted earlier (from /stats, or a printed checkpoint): the event at that
// seq must exist with that hash. Deleting the tail and rewriting the head
// row cannot hide from a checkpoint kept outside the database.
func CheckCheckpoint(ctx context.Context, db *gorm.DB, cp Head) error {
	var e Event
	err := db.WithContext(ctx).Where("seq = ?", cp.Seq).Take(&e).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return &ChainError{Seq: cp.Seq, Reason: "the checkpointed event is gone: the chain was cut back"}
	}
	if err != nil {
		return err
	}
	if e.Hash != cp.Hash {
		return &ChainError{Seq: cp.Seq, EventID: e.ID, Reason: "hash differs from the checkpoint: the chain was rewritten"}
	}
	return nil
}

// ChainHeadOf returns the current chain head.
func ChainHeadOf(ctx context.Context, db *gorm.DB) (Head, error) {
	var h ChainHead
	if err := db.WithContext(ctx).Where("id = 1").Take(&h).Error; err != nil {
		return Head{}, fmt.Errorf("chain head: %w", err)
	}
	return Head{Seq: h.Seq, Hash: h.Hash}, nil
}

// ChainError names the first event where the chain breaks.
type ChainError struct {
	Seq     int64
	EventID uint64
	Reason  string
}

func (e *ChainError) Error() string {
	return fmt.Sprintf("audit chain broken at event seq %d (id %d): %s", e.Seq, e.EventID, e.Reason)
}

// VerifyChain walks every event in seq order and checks that the seqs run
// 1, 2, 3 … without gaps, that each event links to the one before, that
// each hash matches the event's fields, and that the chain ends at the
// stored head. It returns the number of events checked, or a *ChainError
// for the first bad one.
func VerifyChain(ctx context.Context, db *gorm.DB) (int64, error) {
	db = db.WithContext(ctx)
	prev, want := genesisHash, int64(1)
	var lastID uint64
	for {
		var batch []Event
		if err := db.Where("seq >= ?", want).Order("seq").Limit(1000).Find(&batch).Error; err != nil {
			return want - 1, fmt.Errorf("read events: %w", err)
		}
		for i := range batch {
			e := &batch[i]
			switch {
			case e.Seq != want:
				return want - 1, &ChainError{Seq: want, EventID: e.ID, Reason: fmt.Sprintf("event seq %d is missing (next present is %d): deleted or reordered", want, e.Seq)}
			case e.PrevHash != prev:
				return want - 1, &ChainError{Seq: e.Seq, EventID: e.ID, Reason: "does not link to the event before it (reordered, or the one before was changed)"}
			case hashEvent(prev, e) != e.Hash:
				return want - 1, &ChainError{Seq: e.Seq, EventID: e.ID, Reason: "content does not match its hash (edited)"}
			}
			prev, want, lastID = e.Hash, want+1, e.ID
		}
		if len(batch) < 1000 {
			break
		}
	}
	head, err := ChainHeadOf(ctx, db)
	if err != nil {
		return want - 1, err
	}
	if head.Seq != want-1 || head.Hash != prev {
		return want - 1, &ChainError{Seq: want - 1, EventID: lastID, Reason: fmt.Sprintf("chain ends at seq %d but the recorded head is seq %d: events were deleted from the end", want-1, head.Seq)}
	}
	return want - 1, nil
}
