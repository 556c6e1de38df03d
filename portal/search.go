package portal

import (
	"context"
	"errors"
	"html/template"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	"gorm.io/gorm"

	"sunlight/catalog"
	"sunlight/search"
)

// searchTimeout bounds one query; a slow engine must not hold a page.
const searchTimeout = 3 * time.Second

// initSearch registers the search engine's readiness check: optional, so a
// stopped engine makes /readyz say "degraded" while pages keep serving.
func (s *Server) initSearch() {
	if s.cfg.Search != nil {
		s.AddCheck(Check{Name: "search", Required: false, Probe: s.cfg.Search.Ping})
	}
}

// errSearchDown is what the API answers while the engine is down.
var errSearchDown = &httpError{Status: fiber.StatusServiceUnavailable, Code: "search_unavailable",
	Message: "搜索服务暂时不可用，公开页面和举报不受影响，请稍后再试"}

// parseSearch reads the query parameters against the allowlist.
func parseSearch(c *fiber.Ctx) (search.Query, error) {
	var names []string
	c.Context().QueryArgs().VisitAll(func(k, _ []byte) { names = append(names, string(k)) })
	return search.ParseQuery(names, func(k string) string { return c.Query(k) })
}

// runSearch asks the engine; errDown wraps the engine's failure.
func (s *Server) runSearch(ctx context.Context, q search.Query) (*search.Result, error) {
	if s.cfg.Search == nil {
		return nil, search.ErrUnavailable
	}
	ctx, cancel := context.WithTimeout(ctx, searchTimeout)
	defer cancel()
	res, err := s.cfg.Search.Search(ctx, q)
	if err != nil {
		return nil, errors.Join(search.ErrUnavailable, err)
	}
	return res, nil
}

type apiSearchHit struct {
	ID         string        `json:"id"`
	Type       string        `json:"type"`
	Title      string        `json:"title"`
	TitleHTML  template.HTML `json:"title_html"`
	Snippet    template.HTML `json:"snippet"`
	URL        string        `json:"url"`
	RegionCode string        `json:"region_code"`
	Dept       string        `json:"dept,omitempty"`
	Kind       string        `json:"kind,omitempty"`
	Year       int           `json:"year,omitempty"`
	Date       string        `json:"date,omitempty"`
	Amount     int64         `json:"amount,omitempty"`
}

type apiFacetValue struct {
	Value string `json:"value"`
	Label string `json:"label"`
	Count int    `json:"count"`
}

type apiSearchResponse struct {
	Total   int                        `json:"total"`
	Page    int                        `json:"page"`
	PerPage int                        `json:"per_page"`
	Hits    []apiSearchHit             `json:"hits"`
	Facets  map[string][]apiFacetValue `json:"facets"`
}

func (s *Server) handleAPISearch(c *fiber.Ctx) error {
	q, err := parseSearch(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	res, err := s.runSearch(ctx, q)
	if err != nil {
		s.log.Warn("search engine failed", "err", err)
		return errSearchDown
	}
	out := apiSearchResponse{Total: res.Total, Page: q.Page, PerPage: q.PerPage, Hits: make([]apiSearchHit, len(res.Hits)),
		Facets: map[string][]apiFacetValue{}}
	for i, h := range res.Hits {
		out.Hits[i] = apiSearchHit{ID: h.ID, Type: h.Type, Title: h.Title, TitleHTML: h.TitleHTML, Snippet: h.Snippet, URL: h.URL,
			RegionCode: h.RegionCode, Dept: h.DeptCode, Kind: h.Kind, Year: h.Year, Amount: h.Amount}
		if !h.Date.IsZero() {
			out.Hits[i].Date = h.Date.Format("2006-01-02")
		}
	}
	labels := s.facetLabels(ctx, res)
	for name, vals := range res.Facets {
		fv := make([]apiFacetValue, len(vals))
		for i, v := range vals {
			fv[i] = apiFacetValue{Value: v.Value, Label: labels[name][v.Value], Count: v.Count}
		}
		out.Facets[name] = fv
	}
	c.Set(fiber.HeaderCacheControl, "public, max-age=30")
	return c.JSON(out)
}

// facetLabels names facet values for people: type and kind names,
// department names, category names.
func (s *Server) facetLabels(ctx context.Context, res *search.Result) map[string]map[string]string {
	out := map[string]map[string]string{}
	for _, name := range search.FacetNames {
		out[name] = map[string]string{}
		for i, v := range res.Facets[name] {
			if i >= maxFacetChips {
				break
			}
			out[name][v.Value] = s.facetLabel(ctx, name, v.Value)
		}
	}
	return out
}

const maxFacetChips = 12

// labelCache keeps facet labels (department and category names) for a
// few minutes: a search page shows up to a dozen of each, and they rarely
// change.
var labelCache sync.Map // labelKey → labelEntry

type labelKey struct {
	db           *gorm.DB
	facet, value string
}

type labelEntry struct {
	label   string
	expires time.Time
}

const labelTTL = 5 * time.Minute

func (s *Server) facetLabel(ctx context.Context, facet, value string) string {
	key := labelKey{s.cfg.DB, facet, value}
	if e, ok := labelCache.Load(key); ok && s.now().Before(e.(labelEntry).expires) {
		return e.(labelEntry).label
	}
	label := s.lookupLabel(ctx, facet, value)
	labelCache.Store(key, labelEntry{label: label, expires: s.now().Add(labelTTL)})
	return label
}

func (s *Server) lookupLabel(ctx context.Context, facet, value string) string {
	switch facet {
	case search.FacetType:
		if n := search.TypeNames[value]; n != "" {
			return n
		}
	case search.FacetYear:
		return value + "年"
	case search.FacetDept:
		if d, err := s.depts.Get(ctx, value); err == nil {
			return d.Name
		}
	case search.FacetKind:
		if n := catalog.KindName(value); n != "" {
			return n
		}
		if c, err := s.cats.Get(ctx, value); err == nil {
			return c.Name
		}
	}
	return value
}

// searchChip is one tappable filter: a link that sets or clears a
// parameter, so filtering works without JavaScript.
type searchChip struct {
	Label string
	Count int
	URL   string
	On    bool
}

type searchChipGroup struct {
	Name  string
	Chips []searchChip
}

type searchHitView struct {
	search.Hit
	TypeName   string
	RegionName string
}

type searchPage struct {
	Page
	Q          search.Query
	Down       bool // the engine did not answer
	Total      int
	Hits       []searchHitView
	Region     *catalog.Region
	RegionPath []catalog.Region
	Groups     []searchChipGroup
	Sort       []searchChip
	PrevURL    string
	NextURL    string
	Pages      int
	// Active counts the filters set inside the folded panel.
	Active int
}

func (s *Server) handleSearch(c *fiber.Ctx) error {
	q, err := parseSearch(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	p := searchPage{Page: s.page(c, "搜索"), Q: q}
	for _, set := range []bool{q.Region != "", q.Kind != "", q.Year != 0, q.Dept != ""} {
		if set {
			p.Active++
		}
	}
	p.Nav = "search"
	if q.Text != "" {
		p.Title = q.Text + " · 搜索"
	}
	if q.Region != "" {
		if p.Region, err = s.regions.Get(ctx, q.Region); err != nil {
			return err
		}
		if p.RegionPath, err = s.regions.Ancestors(ctx, q.Region); err != nil {
			return err
		}
	}
	res, err := s.runSearch(ctx, q)
	if err != nil {
		s.log.Warn("search engine failed", "err", err)
		p.Down = true
		c.Set(fiber.HeaderCacheControl, "no-store")
		return s.render(c, "search", &p)
	}
	p.Total = res.Total
	p.Pages = (res.Total + q.PerPage - 1) / q.PerPage
	p.Hits = s.hitViews(ctx, res.Hits)
	p.Groups, err = s.searchGroups(ctx, q, res)
	if err != nil {
		return err
	}
	for _, o := range []struct{ v, label string }{{search.SortRelevance, "最相关"}, {search.SortDate, "最新"}} {
		p.Sort = append(p.Sort, searchChip{Label: o.label, URL: searchURL(q, "sort", o.v), On: q.Sort == o.v})
	}
	if q.Page > 1 {
		p.PrevURL = searchURL(q, "page", strconv.Itoa(q.Page-1))
	}
	if q.Page < p.Pages && q.Page < 1000 {
		p.NextURL = searchURL(q, "page", strconv.Itoa(q.Page+1))
	}
	return s.render(c, "search", &p)
}

func (s *Server) hitViews(ctx context.Context, hits []search.Hit) []searchHitView {
	names := map[string]string{}
	out := make([]searchHitView, len(hits))
	for i, h := range hits {
		out[i] = searchHitView{Hit: h, TypeName: search.TypeNames[h.Type]}
		if h.RegionCode == "" {
			continue
		}
		if _, ok := names[h.RegionCode]; !ok {
			names[h.RegionCode] = ""
			if r, err := s.regions.Get(ctx, h.RegionCode); err == nil {
				if anc, err := s.regions.Ancestors(ctx, r.Code); err == nil {
					names[h.RegionCode] = catalog.FullNameOf(r, anc)
				}
			}
		}
		out[i].RegionName = names[h.RegionCode]
	}
	return out
}

// searchGroups builds the chip rows: type, region (drill down to the
// children of the current region), kind, year and department.
func (s *Server) searchGroups(ctx context.Context, q search.Query, res *search.Result) ([]searchChipGroup, error) {
	labels := s.facetLabels(ctx, res)
	facetGroup := func(name, param, title string, current string) searchChipGroup {
		g := searchChipGroup{Name: title}
		g.Chips = append(g.Chips, searchChip{Label: "全部", URL: searchURL(q, param, ""), On: current == ""})
		for i, v := range res.Facets[name] {
			if i >= maxFacetChips {
				break
			}
			g.Chips = append(g.Chips, searchChip{Label: labels[name][v.Value], Count: v.Count, URL: searchURL(q, param, v.Value), On: current == v.Value})
		}
		return g
	}
	year := ""
	if q.Year != 0 {
		year = strconv.Itoa(q.Year)
	}
	groups := []searchChipGroup{facetGroup(search.FacetType, "type", "类型", q.Type)}
	region, err := s.regionGroup(ctx, q)
	if err != nil {
		return nil, err
	}
	groups = append(groups, region)
	groups = append(groups, facetGroup(search.FacetKind, "kind", "类别", q.Kind), facetGroup(search.FacetYear, "year", "年份", year),
		facetGroup(search.FacetDept, "dept", "责任单位", q.Dept))
	return groups, nil
}

// regionGroup offers the regions below the current one (or the demo
// counties at the top), and a way back up.
func (s *Server) regionGroup(ctx context.Context, q search.Query) (searchChipGroup, error) {
	g := searchChipGroup{Name: "地区"}
	var kids []catalog.Region
	if q.Region == "" {
		g.Chips = append(g.Chips, searchChip{Label: "全部地区", URL: searchURL(q, "region", ""), On: true})
		for _, code := range catalog.DemoCounties {
			if r, err := s.regions.Get(ctx, code); err == nil {
				kids = append(kids, *r)
			}
		}
	} else {
		up := catalog.ParentOf(q.Region)
		label := "上一级"
		if up == "" {
			label = "全部地区"
		}
		g.Chips = append(g.Chips, searchChip{Label: "↑ " + label, URL: searchURL(q, "region", up)})
		var err error
		if kids, err = s.regions.Children(ctx, q.Region); err != nil {
			return g, err
		}
	}
	for _, r := range kids {
		g.Chips = append(g.Chips, searchChip{Label: r.Name, URL: searchURL(q, "region", r.Code)})
	}
	return g, nil
}

// searchURL is /search with q's parameters, one of them set to value (or
// dropped when value is empty); changing a filter goes back to page 1.
func searchURL(q search.Query, param, value string) string {
	v := url.Values{}
	set := func(k, val string) {
		if val != "" {
			v.Set(k, val)
		}
	}
	set("q", q.Text)
	set("type", q.Type)
	set("region", q.Region)
	set("dept", q.Dept)
	set("kind", q.Kind)
	if q.Year != 0 {
		set("year", strconv.Itoa(q.Year))
	}
	if q.Sort == search.SortDate {
		set("sort", q.Sort)
	}
	if q.PerPage != search.DefaultPerPage {
		set("per_page", strconv.Itoa(q.PerPage))
	}
	v.Del(param)
	set(param, value)
	if param == "sort" && value == search.SortRelevance {
		v.Del("sort")
	}
	if param == "page" && value != "1" {
		v.Set("page", value)
	}
	if enc := v.Encode(); enc != "" {
		return "/search?" + enc
	}
	return "/search"
}
