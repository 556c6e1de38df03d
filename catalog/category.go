package catalog

import (
	"context"
	"fmt"

	"gorm.io/gorm"
)

// Catalog levels: which government sets a subsidy.
const (
	LevelCentral    = "central"    // 中央
	LevelProvincial = "provincial" // 省级
	LevelMunicipal  = "municipal"  // 市级
	LevelCounty     = "county"     // 县级
)

// LevelNames are the Chinese names of the catalog levels.
var LevelNames = map[string]string{
	LevelCentral: "中央", LevelProvincial: "省级", LevelMunicipal: "市级", LevelCounty: "县级",
}

// Category is one entry of the subsidy catalog (补贴资金目录清单): a major
// category (2-digit code, no parent) or a minor one under it (its parent's
// code plus two or more digits). The code is the stable id and the natural
// key; its subject is "category:CODE".
type Category struct {
	Code        string `gorm:"primaryKey;size:16"`
	ParentCode  string `gorm:"size:16;not null;default:'';index"`
	Name        string `gorm:"size:128;not null"`
	Policy      string `gorm:"type:text;not null"` // 政策依据
	Standard    string `gorm:"type:text;not null"` // 补贴标准
	Eligibility string `gorm:"type:text;not null"` // 申领条件
	Channel     string `gorm:"size:128;not null;default:''"`
	DeptCode    string `gorm:"size:32;not null;default:'';index"`
	Level       string `gorm:"size:16;not null;default:''"`
	Published   bool   `gorm:"not null"`
	Digest      string `gorm:"size:16;not null;default:''"` // of the imported content, for no-op re-imports
}

// TableName names the table.
func (Category) TableName() string { return "catalog_categories" }

// Subject is the category's subject name.
func (c *Category) Subject() string { return SubjectCategory + ":" + c.Code }

// IsMajor reports whether c is a top-level (major) category.
func (c *Category) IsMajor() bool { return c.ParentCode == "" }

// LevelName is the level in Chinese.
func (c *Category) LevelName() string { return LevelNames[c.Level] }

// CategoryNode is a major category with its minor ones.
type CategoryNode struct {
	Category
	Children []Category
}

// CategoryStore reads the subsidy catalog; only published entries are
// visible through it.
type CategoryStore struct{ db *gorm.DB }

// NewCategoryStore returns a store on db.
func NewCategoryStore(db *gorm.DB) *CategoryStore { return &CategoryStore{db: db} }

// Get returns one published category.
func (s *CategoryStore) Get(ctx context.Context, code string) (*Category, error) {
	return takeOne[Category](s.db.WithContext(ctx).Scopes(PublicCategories).Where("code = ?", code), "category "+code)
}

// Children returns the published categories directly under code.
func (s *CategoryStore) Children(ctx context.Context, code string) ([]Category, error) {
	var cs []Category
	err := s.db.WithContext(ctx).Scopes(PublicCategories).Where("parent_code = ?", code).Order("code").Find(&cs).Error
	if err != nil {
		return nil, fmt.Errorf("categories under %s: %w", code, err)
	}
	return cs, nil
}

// List returns published categories ordered by code, a page at a time.
func (s *CategoryStore) List(ctx context.Context, pg Paging) ([]Category, int64, error) {
	q := func() *gorm.DB { return s.db.WithContext(ctx).Model(&Category{}).Scopes(PublicCategories) }
	return pageOf[Category](q, "code", pg, "categories")
}

// Tree returns the whole published catalog: every major category with its
// minor ones, ordered by code.
func (s *CategoryStore) Tree(ctx context.Context) ([]CategoryNode, error) {
	var all []Category
	if err := s.db.WithContext(ctx).Scopes(PublicCategories).Order("code").Find(&all).Error; err != nil {
		return nil, fmt.Errorf("catalog tree: %w", err)
	}
	var out []CategoryNode
	index := map[string]int{}
	for _, c := range all {
		if c.IsMajor() {
			index[c.Code] = len(out)
			out = append(out, CategoryNode{Category: c})
		}
	}
	for _, c := range all {
		if i, ok := index[c.ParentCode]; ok && !c.IsMajor() {
			out[i].Children = append(out[i].Children, c)
		}
	}
	return out, nil
}

// Paging is a 1-based page of PerPage rows.
type Paging struct {
	Page, PerPage int
}

// MaxPerPage bounds a page.
const MaxPerPage = 200

// Normalize clamps the page into range (default 1 × 20).
func (p Paging) Normalize() Paging {
	if p.Page < 1 {
		p.Page = 1
	}
	if p.PerPage < 1 {
		p.PerPage = 20
	}
	if p.PerPage > MaxPerPage {
		p.PerPage = MaxPerPage
	}
	return p
}

// Offset is the number of rows before the page.
func (p Paging) Offset() int { n := p.Normalize(); return (n.Page - 1) * n.PerPage }

// Limit is the page size.
func (p Paging) Limit() int { return p.Normalize().PerPage }
