package catalog

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"gorm.io/gorm"

	"sunlight/domain"
)

// Fund statuses.
const (
	FundPlanned   = "planned"   // 已下达
	FundOngoing   = "ongoing"   // 实施中
	FundCompleted = "completed" // 已完成
)

// FundStatusNames are the Chinese names of the fund statuses.
var FundStatusNames = map[string]string{FundPlanned: "已下达", FundOngoing: "实施中", FundCompleted: "已完成"}

// Fund is a project fund (项目资金): where the money comes from, who spends
// it, on what and where. Code (项目编号) is the natural key of imports; ID is
// assigned once and never changes, and names the subject "fund:ID".
type Fund struct {
	ID           uint64 `gorm:"primaryKey;autoIncrement:false"`
	Code         string `gorm:"size:64;not null;uniqueIndex"`
	Name         string `gorm:"size:200;not null"`
	Source       string `gorm:"size:200;not null"` // 资金来源
	CategoryCode string `gorm:"size:16;not null;default:'';index"`
	Year         int    `gorm:"not null;index"`
	Amount       int64  `gorm:"not null"` // fen
	DeptCode     string `gorm:"size:32;not null;index"`
	Purpose      string `gorm:"type:text;not null"`
	RegionCode   string `gorm:"size:12;not null;index"`
	Status       string `gorm:"size:16;not null"`
	Published    bool   `gorm:"not null"`
	Digest       string `gorm:"size:16;not null;default:''"`
}

// TableName names the table.
func (Fund) TableName() string { return "catalog_funds" }

// Subject is the fund's subject name.
func (f *Fund) Subject() string { return SubjectOf(SubjectFund, f.ID) }

// StatusName is the status in Chinese.
func (f *Fund) StatusName() string { return FundStatusNames[f.Status] }

// Disbursement is one payment of a fund (发放明细). Recipient holds the
// published, masked name; originals live in Original rows. Ref (明细编号) is
// unique within its fund and is the natural key of imports.
type Disbursement struct {
	ID          uint64    `gorm:"primaryKey;autoIncrement:false"`
	FundID      uint64    `gorm:"not null;uniqueIndex:idx_disb_fund_ref,priority:1"`
	Ref         string    `gorm:"size:64;not null;uniqueIndex:idx_disb_fund_ref,priority:2"`
	Recipient   string    `gorm:"size:128;not null"`
	Amount      int64     `gorm:"not null"`
	PaidOn      time.Time `gorm:"not null"`
	VillageCode string    `gorm:"size:12;not null;index"`
	Note        string    `gorm:"size:500;not null;default:''"`
	Digest      string    `gorm:"size:16;not null;default:''"`
}

// TableName names the table.
func (Disbursement) TableName() string { return "catalog_disbursements" }

// VillageTotal is what a fund paid in one village.
type VillageTotal struct {
	VillageCode string
	VillageName string // with its town, e.g. 三面船镇三面船村
	Count       int
	Total       int64
	Rows        []Disbursement
}

// FundTrail is a fund's money trail: source → department → project →
// disbursements by village. Paid is the sum of every disbursement and the
// sum of the village totals; Remaining is Amount − Paid.
type FundTrail struct {
	Fund       Fund
	Department *Department // nil if the code names no known department
	Category   *Category   // nil if none or unpublished
	Region     *Region
	Villages   []VillageTotal
	Paid       int64
	Remaining  int64
	Count      int
}

// FundFilter narrows a fund list.
type FundFilter struct {
	Region   string // region code prefix
	Dept     string
	Year     int
	Category string
}

// FundStore reads funds; only published ones are visible through it.
type FundStore struct{ db *gorm.DB }

// NewFundStore returns a store on db.
func NewFundStore(db *gorm.DB) *FundStore { return &FundStore{db: db} }

// Get returns one published fund.
func (s *FundStore) Get(ctx context.Context, id uint64) (*Fund, error) {
	return LoadFund(ctx, s.db, id)
}

// LoadFund returns the published fund id, or ErrNotFound.
func LoadFund(ctx context.Context, db *gorm.DB, id uint64) (*Fund, error) {
	return takeOne[Fund](db.WithContext(ctx).Scopes(PublicFunds).Where("id = ?", id), fmt.Sprintf("fund %d", id))
}

// LoadCategory returns the published category code, or ErrNotFound.
func LoadCategory(ctx context.Context, db *gorm.DB, code string) (*Category, error) {
	return NewCategoryStore(db).Get(ctx, code)
}

func (s *FundStore) filtered(ctx context.Context, f FundFilter) *gorm.DB {
	q := s.db.WithContext(ctx).Model(&Fund{}).Scopes(PublicFunds)
	if f.Region != "" {
		q = q.Where("region_code LIKE ?", f.Region+"%")
	}
	if f.Dept != "" {
		q = q.Where("dept_code = ?", f.Dept)
	}
	if f.Year != 0 {
		q = q.Where("year = ?", f.Year)
	}
	if f.Category != "" {
		q = q.Where("category_code LIKE ?", f.Category+"%")
	}
	return q
}

// List returns published funds, newest year first, a page at a time.
func (s *FundStore) List(ctx context.Context, f FundFilter, pg Paging) ([]Fund, int64, error) {
	return pageOf[Fund](func() *gorm.DB { return s.filtered(ctx, f) }, "year DESC, id", pg, "funds")
}

// Totals returns how many published funds there are and their amount.
func (s *FundStore) Totals(ctx context.Context, f FundFilter) (count, amount int64, err error) {
	var row struct{ N, Amount int64 }
	if err := s.filtered(ctx, f).Select("COUNT(*) AS n, COALESCE(SUM(amount), 0) AS amount").Scan(&row).Error; err != nil {
		return 0, 0, fmt.Errorf("fund totals: %w", err)
	}
	return row.N, row.Amount, nil
}

// Disbursements returns a published fund's payments ordered by village,
// date and ref.
func (s *FundStore) Disbursements(ctx context.Context, fundID uint64) ([]Disbursement, error) {
	var ds []Disbursement
	err := s.db.WithContext(ctx).Where("fund_id = ?", fundID).Order("village_code, paid_on, ref").Find(&ds).Error
	if err != nil {
		return nil, fmt.Errorf("disbursements of fund %d: %w", fundID, err)
	}
	return ds, nil
}

// Trail builds the money trail of a published fund.
func (s *FundStore) Trail(ctx context.Context, id uint64) (*FundTrail, error) {
	f, err := s.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	t := &FundTrail{Fund: *f}
	if d, err := NewDepartmentStore(s.db).Get(ctx, f.DeptCode); err == nil {
		t.Department = d
	} else if !errors.Is(err, domain.ErrNotFound) {
		return nil, err
	}
	if f.CategoryCode != "" {
		if c, err := NewCategoryStore(s.db).Get(ctx, f.CategoryCode); err == nil {
			t.Category = c
		} else if !errors.Is(err, domain.ErrNotFound) {
			return nil, err
		}
	}
	if r, err := NewRegionStore(s.db).Get(ctx, f.RegionCode); err == nil {
		t.Region = r
	} else if !errors.Is(err, domain.ErrNotFound) {
		return nil, err
	}
	ds, err := s.Disbursements(ctx, id)
	if err != nil {
		return nil, err
	}
	names, err := villageNames(ctx, s.db, ds)
	if err != nil {
		return nil, err
	}
	for _, d := range ds {
		n := len(t.Villages)
		if n == 0 || t.Villages[n-1].VillageCode != d.VillageCode {
			t.Villages = append(t.Villages, VillageTotal{VillageCode: d.VillageCode, VillageName: names[d.VillageCode]})
			n++
		}
		v := &t.Villages[n-1]
		v.Rows = append(v.Rows, d)
		v.Count++
		v.Total += d.Amount
		t.Paid += d.Amount
		t.Count++
	}
	t.Remaining = f.Amount - t.Paid
	return t, nil
}

// villageNames maps the villages of ds to "town+village" names.
func villageNames(ctx context.Context, db *gorm.DB, ds []Disbursement) (map[string]string, error) {
	set := map[string]bool{}
	var codes []string
	for _, d := range ds {
		for _, c := range []string{d.VillageCode, ParentOf(d.VillageCode)} {
			if !set[c] {
				set[c] = true
				codes = append(codes, c)
			}
		}
	}
	out := map[string]string{}
	if len(codes) == 0 {
		return out, nil
	}
	// In chunks: a province-wide fund pays tens of thousands of villages,
	// more than SQLite binds in one statement.
	byCode := map[string]string{}
	for chunk := range slices.Chunk(codes, 1000) {
		var rs []Region
		if err := db.WithContext(ctx).Where("code IN ?", chunk).Find(&rs).Error; err != nil {
			return nil, fmt.Errorf("village names: %w", err)
		}
		for _, r := range rs {
			byCode[r.Code] = r.Name
		}
	}
	for _, d := range ds {
		out[d.VillageCode] = byCode[ParentOf(d.VillageCode)] + byCode[d.VillageCode]
		if byCode[d.VillageCode] == "" {
			out[d.VillageCode] = d.VillageCode
		}
	}
	return out, nil
}

// VillageFund is a fund and what it paid in one village.
type VillageFund struct {
	Fund
	Paid  int64
	Count int
}

// ForVillage returns the published funds that paid money in a village,
// with the village's share, newest year first.
func (s *FundStore) ForVillage(ctx context.Context, village string) ([]VillageFund, error) {
	var rows []struct {
		FundID uint64
		Paid   int64
		N      int
	}
	err := s.db.WithContext(ctx).Model(&Disbursement{}).Select("fund_id, SUM(amount) AS paid, COUNT(*) AS n").
		Where("village_code = ?", village).Group("fund_id").Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("funds of village %s: %w", village, err)
	}
	if len(rows) == 0 {
		return nil, nil
	}
	ids := make([]uint64, len(rows))
	for i, r := range rows {
		ids[i] = r.FundID
	}
	var funds []Fund
	if err := s.db.WithContext(ctx).Scopes(PublicFunds).Where("id IN ?", ids).Order("year DESC, id").Find(&funds).Error; err != nil {
		return nil, fmt.Errorf("funds of village %s: %w", village, err)
	}
	out := make([]VillageFund, 0, len(funds))
	for _, f := range funds {
		for _, r := range rows {
			if r.FundID == f.ID {
				out = append(out, VillageFund{Fund: f, Paid: r.Paid, Count: r.N})
			}
		}
	}
	return out, nil
}

// ByCategory lists published funds of a catalog entry (and, for a major
// category, of its minor ones).
func (s *FundStore) ByCategory(ctx context.Context, code string, pg Paging) ([]Fund, int64, error) {
	return s.List(ctx, FundFilter{Category: code}, pg)
}
