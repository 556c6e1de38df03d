package catalog

import (
	"context"
	"fmt"

	"gorm.io/gorm"

	"sunlight/domain"
)

// Level is a region's depth in the 5-level statistical division tree.
type Level int

const (
	Province Level = 1 // 省 (2-digit code)
	City     Level = 2 // 市 (4)
	County   Level = 3 // 县/区 (6)
	Town     Level = 4 // 乡镇/街道 (9)
	Village  Level = 5 // 村/社区 (12)
)

var codeLengths = [...]int{0, 2, 4, 6, 9, 12}

// Name is the Chinese name of the level.
func (l Level) Name() string {
	switch l {
	case Province:
		return "省"
	case City:
		return "市"
	case County:
		return "县(区)"
	case Town:
		return "乡镇(街道)"
	case Village:
		return "村(社区)"
	}
	return "未知"
}

// Region is one node of the administrative division tree (GB/T 2260 and the
// statistical codes below it).
type Region struct {
	Code       string `gorm:"primaryKey;size:12"`
	Name       string `gorm:"size:64;not null"`
	Level      Level  `gorm:"not null"`
	ParentCode string `gorm:"size:12;not null;default:'';index"`
}

// LevelOf returns the level a code's length stands for, or 0 if none.
func LevelOf(code string) Level {
	for l := Province; l <= Village; l++ {
		if len(code) == codeLengths[l] {
			if !allDigits(code) {
				return 0
			}
			return l
		}
	}
	return 0
}

// ParentOf returns the code of the region directly above code ("" for a
// province or an invalid code).
func ParentOf(code string) string {
	l := LevelOf(code)
	if l <= Province {
		return ""
	}
	return code[:codeLengths[l-1]]
}

// AncestorCodes returns the codes above code, from the province down, not
// including code itself.
func AncestorCodes(code string) []string {
	l := LevelOf(code)
	var out []string
	for a := Province; a < l; a++ {
		out = append(out, code[:codeLengths[a]])
	}
	return out
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// RegionStore reads the region tree.
type RegionStore struct{ db *gorm.DB }

// NewRegionStore returns a store on db.
func NewRegionStore(db *gorm.DB) *RegionStore { return &RegionStore{db: db} }

// Get returns one region.
func (s *RegionStore) Get(ctx context.Context, code string) (*Region, error) {
	if LevelOf(code) == 0 {
		return nil, fmt.Errorf("region %q: %w", code, domain.ErrNotFound)
	}
	return takeOne[Region](s.db.WithContext(ctx).Where("code = ?", code), "region "+code)
}

// Children returns the regions directly below code, ordered by code.
func (s *RegionStore) Children(ctx context.Context, code string) ([]Region, error) {
	var rs []Region
	err := s.db.WithContext(ctx).Where("parent_code = ?", code).Order("code").Find(&rs).Error
	if err != nil {
		return nil, fmt.Errorf("children of region %s: %w", code, err)
	}
	return rs, nil
}

// Ancestors returns the regions above code, province first.
func (s *RegionStore) Ancestors(ctx context.Context, code string) ([]Region, error) {
	codes := AncestorCodes(code)
	if len(codes) == 0 {
		return nil, nil
	}
	var rs []Region
	if err := s.db.WithContext(ctx).Where("code IN ?", codes).Order("level").Find(&rs).Error; err != nil {
		return nil, fmt.Errorf("ancestors of region %s: %w", code, err)
	}
	return rs, nil
}

// Count returns how many regions there are at each level.
func (s *RegionStore) Count(ctx context.Context) (map[Level]int64, error) {
	var rows []struct {
		Level Level
		N     int64
	}
	if err := s.db.WithContext(ctx).Model(&Region{}).Select("level, COUNT(*) AS n").Group("level").Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("count regions: %w", err)
	}
	out := make(map[Level]int64, len(rows))
	for _, r := range rows {
		out[r.Level] = r.N
	}
	return out, nil
}
