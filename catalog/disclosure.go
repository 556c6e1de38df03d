package catalog

import (
	"context"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"sunlight/domain"
)

// Disclosure kinds (村级小微权力公开事项).
const (
	DisclosureVillage   = "cunwu"     // 村务公开
	DisclosureParty     = "dangwu"    // 党务公开
	DisclosureFinance   = "caiwu"     // 财务公开
	DisclosureAssets    = "sanzi"     // 三资（资金、资产、资源）
	DisclosureDibao     = "dibao"     // 低保
	DisclosureTekun     = "tekun"     // 特困人员供养
	DisclosureProject   = "gongcheng" // 工程项目
	DisclosureSubsidy   = "huinong"   // 惠农补贴
	DisclosureHomestead = "zhaijidi"  // 宅基地
	DisclosureContract  = "fabao"     // 集体资产发包
	DisclosureDecision  = "siyi"      // 四议两公开
)

// DisclosureKinds lists the kinds in display order with their names.
var DisclosureKinds = []struct{ Code, Name string }{
	{DisclosureVillage, "村务公开"},
	{DisclosureParty, "党务公开"},
	{DisclosureFinance, "财务公开"},
	{DisclosureAssets, "三资管理"},
	{DisclosureDibao, "低保名单"},
	{DisclosureTekun, "特困供养名单"},
	{DisclosureProject, "工程项目"},
	{DisclosureSubsidy, "惠农补贴"},
	{DisclosureHomestead, "宅基地审批"},
	{DisclosureContract, "集体资产发包"},
	{DisclosureDecision, "四议两公开"},
}

// KindName returns the Chinese name of a disclosure kind ("" if unknown).
func KindName(code string) string {
	for _, k := range DisclosureKinds {
		if k.Code == code {
			return k.Name
		}
	}
	return ""
}

// Disclosure is one published village item. Its text is masked when it is
// imported; originals that staff need are kept in Original rows. It is
// public while Published is set and PublishUntil (if any) has not passed.
// ID is assigned once and names the subject "disclosure:ID"; the natural
// key of imports is (village, kind, period, title), kept hashed in NKey.
type Disclosure struct {
	ID           uint64     `gorm:"primaryKey;autoIncrement:false"`
	NKey         string     `gorm:"column:nkey;size:32;not null;uniqueIndex"`
	VillageCode  string     `gorm:"size:12;not null;index:idx_disc_village_pub,priority:1"`
	Kind         string     `gorm:"size:16;not null"`
	Title        string     `gorm:"size:200;not null"`
	Period       string     `gorm:"size:32;not null"`
	Body         string     `gorm:"type:text;not null"`
	Amount       int64      `gorm:"not null;default:0"` // fen
	Attachments  string     `gorm:"type:text;not null"` // one per line
	DeptCode     string     `gorm:"size:32;not null;default:''"`
	PublishedAt  time.Time  `gorm:"not null;index;index:idx_disc_village_pub,priority:2"`
	PublishUntil *time.Time `gorm:"index"`
	Published    bool       `gorm:"not null"`
	Digest       string     `gorm:"size:16;not null;default:''"`
}

// TableName names the table.
func (Disclosure) TableName() string { return "catalog_disclosures" }

// Subject is the disclosure's subject name.
func (d *Disclosure) Subject() string { return SubjectOf(SubjectDisclosure, d.ID) }

// Dept is the department answerable for the disclosure: its own, or else
// the village committee (村委会).
func (d *Disclosure) Dept() string {
	if d.DeptCode != "" {
		return d.DeptCode
	}
	return DeptCode(d.VillageCode, "cw")
}

// KindName is the kind in Chinese.
func (d *Disclosure) KindName() string { return KindName(d.Kind) }

// AttachmentList splits Attachments into its lines.
func (d *Disclosure) AttachmentList() []string { return nonEmptyLines(d.Attachments) }

// Paragraphs splits Body into its non-empty lines.
func (d *Disclosure) Paragraphs() []string { return nonEmptyLines(d.Body) }

func nonEmptyLines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// LoadDisclosure returns the public, masked disclosure id, or domain.ErrNotFound
// when it does not exist, is unpublished or has expired (judged by the
// database's clock, db.NowFunc). The search syncer uses it to decide
// whether to index or delete "disclosure:ID".
func LoadDisclosure(ctx context.Context, db *gorm.DB, id uint64) (*Disclosure, error) {
	return loadDisclosure(ctx, db, id, db.NowFunc())
}

func loadDisclosure(ctx context.Context, db *gorm.DB, id uint64, now time.Time) (*Disclosure, error) {
	d, err := takeOne[Disclosure](db.WithContext(ctx).Where("id = ?", id), fmt.Sprintf("disclosure %d", id))
	if err != nil {
		return nil, err
	}
	if !d.Visible(now) {
		return nil, fmt.Errorf("disclosure %d is not published: %w", id, domain.ErrNotFound)
	}
	return d, nil
}

// DisclosureFilter narrows a disclosure list.
type DisclosureFilter struct {
	Region string // region code prefix (county, town or village)
	Kind   string
}

// DisclosureStore reads disclosures as the public sees them.
type DisclosureStore struct {
	db  *gorm.DB
	Now func() time.Time // nil: time.Now
}

// NewDisclosureStore returns a store on db with the real clock.
func NewDisclosureStore(db *gorm.DB) *DisclosureStore { return &DisclosureStore{db: db} }

func (s *DisclosureStore) now() time.Time {
	if s.Now == nil {
		return time.Now()
	}
	return s.Now()
}

// Get returns one visible disclosure.
func (s *DisclosureStore) Get(ctx context.Context, id uint64) (*Disclosure, error) {
	return loadDisclosure(ctx, s.db, id, s.now().UTC())
}

func (s *DisclosureStore) visible(ctx context.Context, f DisclosureFilter) *gorm.DB {
	q := s.db.WithContext(ctx).Model(&Disclosure{}).Scopes(PublicDisclosures(s.now()))
	switch {
	case f.Region == "":
	case LevelOf(f.Region) == Village:
		q = q.Where("village_code = ?", f.Region)
	default:
		q = q.Where("village_code LIKE ?", f.Region+"%")
	}
	if f.Kind != "" {
		q = q.Where("kind = ?", f.Kind)
	}
	return q
}

// List returns visible disclosures, newest first, a page at a time.
func (s *DisclosureStore) List(ctx context.Context, f DisclosureFilter, pg Paging) ([]Disclosure, int64, error) {
	q := func() *gorm.DB { return s.visible(ctx, f) }
	return pageOf[Disclosure](q, "published_at DESC, id DESC", pg, "disclosures")
}

// Latest returns the n newest visible disclosures.
func (s *DisclosureStore) Latest(ctx context.Context, n int) ([]Disclosure, error) {
	ds, _, err := s.List(ctx, DisclosureFilter{}, Paging{Page: 1, PerPage: n})
	return ds, err
}

// Count returns how many disclosures are visible under f.
func (s *DisclosureStore) Count(ctx context.Context, f DisclosureFilter) (int64, error) {
	var n int64
	if err := s.visible(ctx, f).Count(&n).Error; err != nil {
		return 0, fmt.Errorf("count disclosures: %w", err)
	}
	return n, nil
}

// KindGroup is a village's disclosures of one kind, newest period first.
type KindGroup struct {
	Kind, Name string
	Items      []Disclosure
}

// ByKind returns a village's visible disclosures grouped by kind, in the
// order of DisclosureKinds, each group newest first.
func (s *DisclosureStore) ByKind(ctx context.Context, village string) ([]KindGroup, error) {
	var ds []Disclosure
	err := s.visible(ctx, DisclosureFilter{Region: village}).
		Select("id, village_code, kind, title, period, amount, published_at, publish_until, published").
		Order("published_at DESC, id DESC").Limit(500).Find(&ds).Error
	if err != nil {
		return nil, fmt.Errorf("disclosures of %s: %w", village, err)
	}
	var out []KindGroup
	for _, k := range DisclosureKinds {
		g := KindGroup{Kind: k.Code, Name: k.Name}
		for _, d := range ds {
			if d.Kind == k.Code {
				g.Items = append(g.Items, d)
			}
		}
		if len(g.Items) > 0 {
			out = append(out, g)
		}
	}
	return out, nil
}

// ExpireDisclosures withdraws every published disclosure whose
// publish_until has passed at now and records a change for each, so that
// the search syncer deletes it from the index. It is safe to run from
// several processes at once. It returns how many it withdrew.
func ExpireDisclosures(ctx context.Context, db *gorm.DB, now time.Time) (int, error) {
	var ids []uint64
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Model(&Disclosure{}).Scopes(expiredDisclosures(now)).
			Order("id").Limit(5000).Pluck("id", &ids).Error; err != nil {
			return err
		}
		if len(ids) == 0 {
			return nil
		}
		res := tx.Model(&Disclosure{}).Where("id IN ? AND published = ?", ids, true).Update("published", false)
		if res.Error != nil {
			return res.Error
		}
		subjects := make([]string, len(ids))
		for i, id := range ids {
			subjects[i] = SubjectOf(SubjectDisclosure, id)
		}
		return RecordChange(tx, subjects...)
	})
	if err != nil {
		return 0, fmt.Errorf("expire disclosures: %w", err)
	}
	return len(ids), nil
}

// SetDisclosurePublished publishes or withdraws one disclosure and records
// the change.
func SetDisclosurePublished(ctx context.Context, db *gorm.DB, id uint64, published bool) error {
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Model(&Disclosure{}).Where("id = ?", id).Update("published", published)
		if res.Error != nil {
			return fmt.Errorf("disclosure %d: %w", id, res.Error)
		}
		if res.RowsAffected == 0 {
			var n int64
			if err := tx.Model(&Disclosure{}).Where("id = ?", id).Count(&n).Error; err != nil {
				return err
			}
			if n == 0 {
				return fmt.Errorf("disclosure %d: %w", id, domain.ErrNotFound)
			}
		}
		return RecordChange(tx, SubjectOf(SubjectDisclosure, id))
	})
}

// CountByChild counts the visible disclosures under region, per region
// directly below it (towns of a county, villages of a town).
func (s *DisclosureStore) CountByChild(ctx context.Context, region string) (map[string]int64, error) {
	l := LevelOf(region)
	if l == 0 || l >= Village {
		return map[string]int64{}, nil
	}
	n := codeLengths[l+1]
	var rows []struct {
		Code string
		N    int64
	}
	err := s.visible(ctx, DisclosureFilter{Region: region}).
		Select(fmt.Sprintf("SUBSTR(village_code, 1, %d) AS code, COUNT(*) AS n", n)).
		Group(fmt.Sprintf("SUBSTR(village_code, 1, %d)", n)).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("count disclosures under %s: %w", region, err)
	}
	out := make(map[string]int64, len(rows))
	for _, r := range rows {
		out[r.Code] = r.N
	}
	return out, nil
}
