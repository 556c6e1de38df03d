package report

import (
	"context"
	"errors"

	"gorm.io/gorm"

	"sunlight/domain"
)

// Workbench is one report as its page shows it to an actor: the detail,
// what the actor may do now (Allowed), and — for the assigned
// department's own members — its answering: whether answers wait for the
// head, the pending draft and the published answer.
type Workbench struct {
	*Detail
	Can           OpSet
	NeedsApproval bool
	Draft         *AnswerDraft     // nil: none
	Published     *PublishedAnswer // nil: never published
}

// Workbench returns report id as actor a sees it, with what a may do.
func (s *Service) Workbench(ctx context.Context, a Actor, id uint64) (*Workbench, error) {
	db := s.db.WithContext(ctx)
	r, err := s.load(db, a, id)
	if err != nil {
		return nil, err
	}
	d, err := s.detail(ctx, r)
	if err != nil {
		return nil, err
	}
	w := &Workbench{Detail: d}
	c := caseOf(r)
	if a.DeptCode == r.DeptCode {
		if err := w.answering(db, r, &c); err != nil {
			return nil, err
		}
	}
	w.Can = Allowed(a, c)
	return w, nil
}

// answering reads the department's answering state of r into w and c.
func (w *Workbench) answering(db *gorm.DB, r *Report, c *Case) error {
	var err error
	if w.NeedsApproval, err = needsApproval(db, r.DeptCode); err != nil {
		return err
	}
	if w.Draft, err = draftOf(db, r); errors.Is(err, domain.ErrNotFound) {
		w.Draft, err = nil, nil
	}
	if err != nil {
		return err
	}
	if w.Published, err = publicationOf(db, r); errors.Is(err, domain.ErrNotFound) {
		w.Published, err = nil, nil
	}
	if err != nil {
		return err
	}
	c.NeedsApproval = w.NeedsApproval
	if w.Draft != nil {
		c.Draft = w.Draft.State
	}
	switch {
	case w.Published == nil:
		c.Publication = PubNone
	case w.Published.Withdrawn:
		c.Publication = PubWithdrawn
	default:
		c.Publication = PubPublic
	}
	return nil
}
