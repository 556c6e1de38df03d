package catalog

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"strings"

	"gorm.io/gorm"
)

//go:embed seed/*.csv
var seedFS embed.FS

// SeedRegions holds the region rows the demo needs: 辽宁省, 沈阳市, and every
// town and village of 法库县 (210124) and 辽中区 (210115), cut from the 2023
// statistical division files, so the portal works without the full data set.
func SeedRegions() fs.FS {
	sub, err := fs.Sub(seedFS, "seed")
	if err != nil {
		panic(err) // the embedded folder is part of the binary
	}
	return sub
}

// DemoCounties are the counties the demo data set covers.
var DemoCounties = []string{"210124", "210115"}

var countyBureaus = []struct{ suffix, kind, name string }{
	{"mz", KindCivil, "民政局"},
	{"ny", KindAgri, "农业农村局"},
	{"fg", KindDevReform, "发展和改革局"},
	{"cz", KindFinance, "财政局"},
	{"zj", KindHousing, "住房和城乡建设局"},
}

// LoadDemoRegions loads the embedded regions and the demo departments. It
// is idempotent.
func LoadDemoRegions(ctx context.Context, db *gorm.DB) error {
	if _, err := ImportRegions(ctx, db, SeedRegions(), nil); err != nil {
		return fmt.Errorf("demo regions: %w", err)
	}
	depts, err := demoDepartments(ctx, db)
	if err != nil {
		return err
	}
	return NewDepartmentStore(db).Upsert(ctx, depts)
}

// DeptCode builds a department code from its region and a short suffix.
func DeptCode(region, suffix string) string { return region + "-" + suffix }

func demoDepartments(ctx context.Context, db *gorm.DB) ([]Department, error) {
	regions := NewRegionStore(db)
	city, err := regions.Get(ctx, "2101")
	if err != nil {
		return nil, err
	}
	out := []Department{
		{Code: DeptCode(city.Code, "gov"), Name: city.Name + "人民政府", RegionCode: city.Code, Kind: KindGovernment},
		{Code: DeptCode(city.Code, "jw"), Name: city.Name + "纪委监委", RegionCode: city.Code, Kind: KindDiscipline, Supervisor: true},
	}
	for _, cc := range DemoCounties {
		county, err := regions.Get(ctx, cc)
		if err != nil {
			return nil, err
		}
		out = append(out, countyDepartments(county)...)
		towns, err := regions.Children(ctx, cc)
		if err != nil {
			return nil, err
		}
		for _, t := range towns {
			out = append(out, townDepartments(t)...)
			villages, err := regions.Children(ctx, t.Code)
			if err != nil {
				return nil, err
			}
			for _, v := range villages {
				out = append(out, Department{Code: DeptCode(v.Code, "cw"), Name: committeeName(t.Name, v.Name),
					RegionCode: v.Code, ParentCode: DeptCode(t.Code, "gov"), Kind: KindCommittee})
			}
		}
	}
	return out, nil
}

func countyDepartments(county *Region) []Department {
	gov := DeptCode(county.Code, "gov")
	prefix := county.Name
	out := []Department{
		{Code: gov, Name: prefix + "人民政府", RegionCode: county.Code, ParentCode: DeptCode(county.ParentCode, "gov"), Kind: KindGovernment},
		{Code: DeptCode(county.Code, "jw"), Name: prefix + "纪委监委", RegionCode: county.Code, ParentCode: DeptCode(county.ParentCode, "jw"), Kind: KindDiscipline, Supervisor: true},
	}
	for _, b := range countyBureaus {
		out = append(out, Department{Code: DeptCode(county.Code, b.suffix), Name: prefix + b.name, RegionCode: county.Code, ParentCode: gov, Kind: b.kind})
	}
	return out
}

func townDepartments(town Region) []Department {
	name := town.Name + "人民政府"
	if strings.HasSuffix(town.Name, "街道") {
		name = town.Name + "办事处"
	} else if strings.HasSuffix(town.Name, "农场") {
		name = town.Name + "管理委员会"
	}
	return []Department{
		{Code: DeptCode(town.Code, "gov"), Name: name, RegionCode: town.Code, ParentCode: DeptCode(town.ParentCode, "gov"), Kind: KindGovernment},
		{Code: DeptCode(town.Code, "jw"), Name: town.Name + "纪委", RegionCode: town.Code, ParentCode: DeptCode(town.ParentCode, "jw"), Kind: KindDiscipline, Supervisor: true},
	}
}

func committeeName(town, village string) string {
	switch {
	case strings.HasSuffix(village, "委员会"), strings.HasSuffix(village, "委会"):
		return town + village
	case strings.HasSuffix(village, "社区"):
		return town + village + "居民委员会"
	}
	return town + village + "村民委员会"
}
