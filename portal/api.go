package portal

import (
	"github.com/gofiber/fiber/v2"

	"sunlight/catalog"
)

type apiRegion struct {
	Code       string `json:"code"`
	Name       string `json:"name"`
	Level      int    `json:"level"`
	ParentCode string `json:"parent_code,omitempty"`
}

func toAPIRegion(r catalog.Region) apiRegion {
	return apiRegion{Code: r.Code, Name: r.Name, Level: int(r.Level), ParentCode: r.ParentCode}
}

func toAPIRegions(rs []catalog.Region) []apiRegion {
	out := make([]apiRegion, len(rs))
	for i, r := range rs {
		out[i] = toAPIRegion(r)
	}
	return out
}

type apiRegionResponse struct {
	apiRegion
	Ancestors []apiRegion `json:"ancestors"`
	Children  []apiRegion `json:"children"`
}

func (s *Server) handleAPIRegion(c *fiber.Ctx) error {
	ctx := c.UserContext()
	code := c.Params("code")
	r, anc, err := s.loadRegion(ctx, code)
	if err != nil {
		return err
	}
	kids, err := s.regions.Children(ctx, code)
	if err != nil {
		return err
	}
	return c.JSON(apiRegionResponse{apiRegion: toAPIRegion(*r), Ancestors: toAPIRegions(anc), Children: toAPIRegions(kids)})
}

type apiDepartment struct {
	Code       string `json:"code"`
	Name       string `json:"name"`
	RegionCode string `json:"region_code"`
	ParentCode string `json:"parent_code,omitempty"`
	Kind       string `json:"kind"`
	Supervisor bool   `json:"supervisor"`
}

type apiDepartmentsResponse struct {
	Total       int64           `json:"total"`
	Page        int             `json:"page"`
	PerPage     int             `json:"per_page"`
	Departments []apiDepartment `json:"departments"`
}

func (s *Server) handleAPIDepartments(c *fiber.Ctx) error {
	region := c.Query("region")
	if region != "" && catalog.LevelOf(region) == 0 {
		return errorf(fiber.StatusBadRequest, "invalid", "region must be a 2, 4, 6, 9 or 12 digit region code")
	}
	// A region's departments fit on one page of the default size; the
	// whole country (a village committee each) is paged.
	pg, err := pagingFrom(c, catalog.MaxPerPage)
	if err != nil {
		return err
	}
	ds, total, err := s.depts.Page(c.UserContext(), region, c.QueryBool("below", false), pg)
	if err != nil {
		return err
	}
	out := apiDepartmentsResponse{Total: total, Page: pg.Normalize().Page, PerPage: pg.Limit(), Departments: make([]apiDepartment, len(ds))}
	for i, d := range ds {
		out.Departments[i] = apiDepartment{Code: d.Code, Name: d.Name, RegionCode: d.RegionCode, ParentCode: d.ParentCode, Kind: d.Kind, Supervisor: d.Supervisor}
	}
	return c.JSON(out)
}
