package search

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"gorm.io/gorm"

	"sunlight/catalog"
	"sunlight/domain"
)

// SynonymGroup is one group of terms that mean the same, kept in the
// database so that an administrator can change it; see SynonymStore.
type SynonymGroup struct {
	ID        uint64    `gorm:"primaryKey;autoIncrement"`
	CreatedAt time.Time `gorm:"not null"`
	CreatedBy string    `gorm:"size:64;not null;default:''"`
}

// TableName is explicit.
func (SynonymGroup) TableName() string { return "search_synonym_groups" }

// SynonymTerm is one member of a group. A term belongs to one group only
// (the unique index is the last guard; the store says so in Chinese first).
type SynonymTerm struct {
	ID      uint64 `gorm:"primaryKey;autoIncrement"`
	GroupID uint64 `gorm:"not null;index"`
	Term    string `gorm:"size:20;not null;uniqueIndex"`
}

// TableName is explicit.
func (SynonymTerm) TableName() string { return "search_synonym_terms" }

// SynonymSet is a stored group with its terms, first term first.
type SynonymSet struct {
	ID    uint64   `json:"id"`
	Terms []string `json:"terms"`
}

// Limits on a term, in characters.
const (
	MinSynonymRunes = 2
	MaxSynonymRunes = 20
)

// SeedSynonyms fills empty synonym tables with the shipped list
// (synonyms.txt). Idempotent: tables with rows are left alone.
func SeedSynonyms(ctx context.Context, db *gorm.DB) error {
	var n int64
	if err := db.WithContext(ctx).Model(&SynonymGroup{}).Count(&n).Error; err != nil || n > 0 {
		return err
	}
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		for _, g := range DefaultSynonyms().Groups() {
			if _, err := createGroup(tx, g, "system", time.Now()); err != nil {
				return err
			}
		}
		return nil
	})
}

// SynonymStore reads and changes the stored synonym groups. Every change
// is recorded (catalog.RefSynonym) in its own transaction.
type SynonymStore struct {
	db  *gorm.DB
	Now func() time.Time
	// Extra are groups from elsewhere (the data directory's
	// search-synonyms.txt) that searches use besides the stored ones.
	Extra [][]string
	// Recheck is how often live synonyms look for changes made by other
	// processes (SynonymRecheck when 0; negative: on every use).
	Recheck time.Duration

	live *Synonyms // the groups searches use, told of every change
}

// NewSynonymStore returns a store on db.
func NewSynonymStore(db *gorm.DB) *SynonymStore {
	return &SynonymStore{db: db, Now: time.Now}
}

// Groups returns the stored groups in the order they were added.
func (st *SynonymStore) Groups(ctx context.Context) ([]SynonymSet, error) {
	var terms []SynonymTerm
	if err := st.db.WithContext(ctx).Order("group_id, id").Find(&terms).Error; err != nil {
		return nil, err
	}
	var out []SynonymSet
	for _, t := range terms {
		if len(out) == 0 || out[len(out)-1].ID != t.GroupID {
			out = append(out, SynonymSet{ID: t.GroupID})
		}
		out[len(out)-1].Terms = append(out[len(out)-1].Terms, t.Term)
	}
	return out, nil
}

// ParseTerms splits what an administrator typed ("五保户，特困供养" or
// "a = b") into terms.
func ParseTerms(s string) []string {
	var out []string
	for _, m := range strings.FieldsFunc(s, func(r rune) bool { return r == '=' || r == ',' || r == '，' || r == '、' }) {
		if m = foldASCII(strings.TrimSpace(m)); m != "" {
			out = append(out, m)
		}
	}
	return out
}

// checkTerm validates one term and returns it normalised.
func checkTerm(term string) (string, error) {
	term = foldASCII(strings.TrimSpace(term))
	n := utf8.RuneCountInString(term)
	switch {
	case n < MinSynonymRunes || n > MaxSynonymRunes:
		return "", synonymInvalid(fmt.Sprintf("同义词“%s”须为%d至%d个字", term, MinSynonymRunes, MaxSynonymRunes))
	case strings.ContainsFunc(term, func(r rune) bool { return unicode.IsSpace(r) || strings.ContainsRune("=,，、", r) }):
		return "", synonymInvalid("同义词“" + term + "”中不能有空格、逗号或等号；一组的多个词请用逗号分开")
	}
	return term, nil
}

func synonymInvalid(msg string) error { return domain.Invalid(msg, "terms", msg) }

// checkFree refuses terms already in a group.
func checkFree(tx *gorm.DB, terms []string) error {
	var taken []SynonymTerm
	if err := tx.Where("term IN ?", terms).Find(&taken).Error; err != nil {
		return err
	}
	if len(taken) > 0 {
		return synonymInvalid(fmt.Sprintf("“%s”已在第%d组同义词中，一个词只能属于一组", taken[0].Term, taken[0].GroupID))
	}
	return nil
}

// AddGroup adds a group of at least two terms and returns its id.
func (st *SynonymStore) AddGroup(ctx context.Context, terms []string, actor string) (uint64, error) {
	var clean []string
	for _, t := range terms {
		c, err := checkTerm(t)
		if err != nil {
			return 0, err
		}
		if slices.Contains(clean, c) {
			return 0, synonymInvalid("“" + c + "”重复填写了")
		}
		clean = append(clean, c)
	}
	if len(clean) < 2 {
		return 0, synonymInvalid("一组同义词至少要有两个词，如：低保，最低生活保障")
	}
	var id uint64
	err := st.change(ctx, func(tx *gorm.DB) error {
		if err := checkFree(tx, clean); err != nil {
			return err
		}
		var err error
		if id, err = createGroup(tx, clean, actor, st.Now()); err != nil {
			return err
		}
		return st.record(tx, id, "新增", nil, &SynonymSet{ID: id, Terms: clean}, actor)
	})
	return id, err
}

func createGroup(tx *gorm.DB, terms []string, actor string, at time.Time) (uint64, error) {
	g := SynonymGroup{CreatedAt: at.UTC(), CreatedBy: actor}
	if err := tx.Create(&g).Error; err != nil {
		return 0, err
	}
	for _, t := range terms {
		if err := tx.Create(&SynonymTerm{GroupID: g.ID, Term: t}).Error; err != nil {
			return 0, err
		}
	}
	return g.ID, nil
}

// AddTerm adds a term to group id.
func (st *SynonymStore) AddTerm(ctx context.Context, id uint64, term, actor string) error {
	term, err := checkTerm(term)
	if err != nil {
		return err
	}
	return st.edit(ctx, id, actor, "增加同义词", func(tx *gorm.DB, g *SynonymSet) error {
		if err := checkFree(tx, []string{term}); err != nil {
			return err
		}
		g.Terms = append(g.Terms, term)
		return tx.Create(&SynonymTerm{GroupID: id, Term: term}).Error
	})
}

// RemoveTerm takes a term out of group id; a group keeps two terms at
// least (delete the group instead).
func (st *SynonymStore) RemoveTerm(ctx context.Context, id uint64, term, actor string) error {
	term = foldASCII(strings.TrimSpace(term))
	return st.edit(ctx, id, actor, "删除同义词", func(tx *gorm.DB, g *SynonymSet) error {
		i := slices.Index(g.Terms, term)
		switch {
		case i < 0:
			return synonymInvalid("这一组中没有“" + term + "”")
		case len(g.Terms) <= 2:
			return synonymInvalid("一组同义词至少要有两个词；不再需要这一组时，请删除整组")
		}
		g.Terms = slices.Delete(g.Terms, i, i+1)
		return tx.Where("group_id = ? AND term = ?", id, term).Delete(&SynonymTerm{}).Error
	})
}

// DeleteGroup deletes group id with its terms.
func (st *SynonymStore) DeleteGroup(ctx context.Context, id uint64, actor string) error {
	return st.edit(ctx, id, actor, "删除整组", func(tx *gorm.DB, g *SynonymSet) error {
		if err := tx.Where("group_id = ?", id).Delete(&SynonymTerm{}).Error; err != nil {
			return err
		}
		g.Terms = nil
		return tx.Delete(&SynonymGroup{}, id).Error
	})
}

// edit loads group id, applies fn and records the change.
func (st *SynonymStore) edit(ctx context.Context, id uint64, actor, action string, fn func(*gorm.DB, *SynonymSet) error) error {
	return st.change(ctx, func(tx *gorm.DB) error {
		g, err := groupIn(tx, id)
		if err != nil {
			return err
		}
		before := SynonymSet{ID: id, Terms: slices.Clone(g.Terms)}
		if err := fn(tx, g); err != nil {
			return err
		}
		var after any
		if g.Terms != nil {
			after = g
		}
		return st.record(tx, id, action, before, after, actor)
	})
}

func groupIn(tx *gorm.DB, id uint64) (*SynonymSet, error) {
	var terms []SynonymTerm
	if err := tx.Where("group_id = ?", id).Order("id").Find(&terms).Error; err != nil {
		return nil, err
	}
	if len(terms) == 0 {
		return nil, domain.ErrNotFound
	}
	g := &SynonymSet{ID: id}
	for _, t := range terms {
		g.Terms = append(g.Terms, t.Term)
	}
	return g, nil
}

func (st *SynonymStore) record(tx *gorm.DB, id uint64, action string, before, after any, actor string) error {
	return catalog.RecordRefChange(tx, catalog.RefSynonym, SynonymKey(id), action, actor, before, after, st.Now())
}

// SynonymKey names a group in the change history.
func SynonymKey(id uint64) string { return "group/" + strconv.FormatUint(id, 10) }

// change runs fn in a transaction; after a change, the live groups are
// reloaded at once.
func (st *SynonymStore) change(ctx context.Context, fn func(tx *gorm.DB) error) error {
	if err := st.db.WithContext(ctx).Transaction(fn); err != nil {
		if errors.Is(err, gorm.ErrDuplicatedKey) {
			return synonymInvalid("这个词已在另一组同义词中，一个词只能属于一组")
		}
		return err
	}
	if st.live != nil {
		st.live.live.force(st.live)
	}
	return nil
}
