package portal

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"sunlight/catalog"
)

// The public JSON API of published data. Lists take page and per_page
// (at most catalog.MaxPerPage) and answer {total, page, per_page, items}.

type apiList[T any] struct {
	Total   int64 `json:"total"`
	Page    int   `json:"page"`
	PerPage int   `json:"per_page"`
	Items   []T   `json:"items"`
}

type apiCategory struct {
	Code        string `json:"code"`
	Name        string `json:"name"`
	ParentCode  string `json:"parent_code,omitempty"`
	Policy      string `json:"policy"`
	Standard    string `json:"standard"`
	Eligibility string `json:"eligibility"`
	Channel     string `json:"channel"`
	DeptCode    string `json:"dept_code"`
	Level       string `json:"level"`
	URL         string `json:"url"`
}

func toAPICategory(c catalog.Category) apiCategory {
	return apiCategory{Code: c.Code, Name: c.Name, ParentCode: c.ParentCode, Policy: c.Policy, Standard: c.Standard,
		Eligibility: c.Eligibility, Channel: c.Channel, DeptCode: c.DeptCode, Level: c.Level, URL: "/catalog/" + c.Code}
}

type apiFund struct {
	ID           uint64 `json:"id"`
	Subject      string `json:"subject"`
	Code         string `json:"code"`
	Name         string `json:"name"`
	Source       string `json:"source"`
	CategoryCode string `json:"category_code,omitempty"`
	Year         int    `json:"year"`
	AmountFen    int64  `json:"amount_fen"`
	DeptCode     string `json:"dept_code"`
	Purpose      string `json:"purpose"`
	RegionCode   string `json:"region_code"`
	Status       string `json:"status"`
	URL          string `json:"url"`
}

func toAPIFund(f catalog.Fund) apiFund {
	return apiFund{ID: f.ID, Subject: f.Subject(), Code: f.Code, Name: f.Name, Source: f.Source, CategoryCode: f.CategoryCode,
		Year: f.Year, AmountFen: f.Amount, DeptCode: f.DeptCode, Purpose: f.Purpose, RegionCode: f.RegionCode,
		Status: f.Status, URL: "/funds/" + strconv.FormatUint(f.ID, 10)}
}

type apiDisbursement struct {
	Recipient   string `json:"recipient"`
	AmountFen   int64  `json:"amount_fen"`
	PaidOn      string `json:"paid_on"`
	VillageCode string `json:"village_code"`
	Note        string `json:"note,omitempty"`
}

type apiVillageTotal struct {
	VillageCode string `json:"village_code"`
	VillageName string `json:"village_name"`
	Count       int    `json:"count"`
	TotalFen    int64  `json:"total_fen"`
}

type apiFundTrail struct {
	apiFund
	PaidFen       int64             `json:"paid_fen"`
	RemainingFen  int64             `json:"remaining_fen"`
	Villages      []apiVillageTotal `json:"villages"`
	Disbursements []apiDisbursement `json:"disbursements"`
}

type apiDisclosure struct {
	ID           uint64   `json:"id"`
	Subject      string   `json:"subject"`
	VillageCode  string   `json:"village_code"`
	Kind         string   `json:"kind"`
	KindName     string   `json:"kind_name"`
	Title        string   `json:"title"`
	Period       string   `json:"period"`
	Body         string   `json:"body,omitempty"`
	AmountFen    int64    `json:"amount_fen"`
	Attachments  []string `json:"attachments"`
	PublishedAt  string   `json:"published_at"`
	PublishUntil string   `json:"publish_until,omitempty"`
	URL          string   `json:"url"`
}

func toAPIDisclosure(d catalog.Disclosure) apiDisclosure {
	out := apiDisclosure{ID: d.ID, Subject: d.Subject(), VillageCode: d.VillageCode, Kind: d.Kind, KindName: d.KindName(),
		Title: d.Title, Period: d.Period, Body: d.Body, AmountFen: d.Amount, Attachments: d.AttachmentList(),
		PublishedAt: d.PublishedAt.Format(time.DateOnly), URL: "/disclosures/" + strconv.FormatUint(d.ID, 10)}
	if out.Attachments == nil {
		out.Attachments = []string{}
	}
	if d.PublishUntil != nil {
		out.PublishUntil = d.PublishUntil.Format(time.DateOnly)
	}
	return out
}

// paging reads page and per_page, rejecting anything but small positive
// numbers.
func paging(c *fiber.Ctx) (catalog.Paging, error) { return pagingFrom(c, 20) }

// pagingFrom reads page and per_page, perPage being the default size.
func pagingFrom(c *fiber.Ctx, perPage int) (catalog.Paging, error) {
	p := catalog.Paging{Page: 1, PerPage: perPage}
	for _, q := range []struct {
		name string
		dst  *int
		max  int
	}{{"page", &p.Page, 1_000_000}, {"per_page", &p.PerPage, catalog.MaxPerPage}} {
		v := c.Query(q.name)
		if v == "" {
			continue
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > q.max {
			return p, &httpError{Status: fiber.StatusBadRequest, Code: "invalid", Message: "分页参数不正确",
				Fields: map[string]string{q.name: "must be an integer from 1 to " + strconv.Itoa(q.max)}}
		}
		*q.dst = n
	}
	return p, nil
}

func badParam(name, msg string) error {
	return &httpError{Status: fiber.StatusBadRequest, Code: "invalid", Message: "查询参数不正确", Fields: map[string]string{name: msg}}
}

// fundFilter reads the fund list filters from the query, allowlisted.
func fundFilter(c *fiber.Ctx) (catalog.FundFilter, error) {
	f := catalog.FundFilter{Region: c.Query("region"), Dept: c.Query("dept"), Category: c.Query("category")}
	if f.Region != "" && catalog.LevelOf(f.Region) == 0 {
		return f, badParam("region", "must be a 2, 4, 6, 9 or 12 digit region code")
	}
	if len(f.Dept) > 32 || strings.ContainsAny(f.Dept, "%_") {
		return f, badParam("dept", "must be a department code")
	}
	if len(f.Category) > 16 || strings.ContainsAny(f.Category, "%_") {
		return f, badParam("category", "must be a catalog code")
	}
	if y := c.Query("year"); y != "" {
		n, err := strconv.Atoi(y)
		if err != nil || n < 2000 || n > 2100 {
			return f, badParam("year", "must be a year such as 2026")
		}
		f.Year = n
	}
	return f, nil
}

// disclosureFilter reads the disclosure list filters, allowlisted.
func disclosureFilter(c *fiber.Ctx) (catalog.DisclosureFilter, error) {
	f := catalog.DisclosureFilter{Region: c.Query("region"), Kind: c.Query("kind")}
	if f.Region != "" && catalog.LevelOf(f.Region) == 0 {
		return f, badParam("region", "must be a 2, 4, 6, 9 or 12 digit region code")
	}
	if f.Kind != "" && catalog.KindName(f.Kind) == "" {
		return f, badParam("kind", "unknown disclosure kind")
	}
	return f, nil
}

func (s *Server) handleAPICatalog(c *fiber.Ctx) error {
	list := func(ctx context.Context, _ struct{}, pg catalog.Paging) ([]catalog.Category, int64, error) {
		return s.cats.List(ctx, pg)
	}
	return apiListOf(c, func(*fiber.Ctx) (struct{}, error) { return struct{}{}, nil }, list, toAPICategory)
}

type apiCategoryResponse struct {
	apiCategory
	Children []apiCategory `json:"children"`
}

func (s *Server) handleAPICatalogEntry(c *fiber.Ctx) error {
	e, kids, err := s.loadCategory(c.UserContext(), c.Params("code"))
	if err != nil {
		return err
	}
	out := apiCategoryResponse{apiCategory: toAPICategory(*e), Children: make([]apiCategory, len(kids))}
	for i, k := range kids {
		out.Children[i] = toAPICategory(k)
	}
	return c.JSON(out)
}

func (s *Server) handleAPIFunds(c *fiber.Ctx) error {
	return apiListOf(c, fundFilter, s.funds.List, toAPIFund)
}

func (s *Server) handleAPIFund(c *fiber.Ctx) error {
	t, err := s.loadFund(c)
	if err != nil {
		return err
	}
	out := apiFundTrail{apiFund: toAPIFund(t.Fund), PaidFen: t.Paid, RemainingFen: t.Remaining,
		Villages: make([]apiVillageTotal, len(t.Villages)), Disbursements: make([]apiDisbursement, 0, t.Count)}
	for i, v := range t.Villages {
		out.Villages[i] = apiVillageTotal{VillageCode: v.VillageCode, VillageName: v.VillageName, Count: v.Count, TotalFen: v.Total}
		for _, d := range v.Rows {
			out.Disbursements = append(out.Disbursements, apiDisbursement{Recipient: d.Recipient, AmountFen: d.Amount,
				PaidOn: d.PaidOn.Format(time.DateOnly), VillageCode: d.VillageCode, Note: d.Note})
		}
	}
	return c.JSON(out)
}

func (s *Server) handleAPIDisclosures(c *fiber.Ctx) error {
	return apiListOf(c, disclosureFilter, s.disclosures.List, func(d catalog.Disclosure) apiDisclosure {
		out := toAPIDisclosure(d)
		out.Body = "" // lists carry titles; the body is at the item's URL
		return out
	})
}

// apiListOf answers a list endpoint: the paging and the filter (read by
// filter) of the query, one page of list, each row as conv makes it.
func apiListOf[F, T, A any](c *fiber.Ctx, filter func(*fiber.Ctx) (F, error),
	list func(context.Context, F, catalog.Paging) ([]T, int64, error), conv func(T) A) error {
	pg, err := paging(c)
	if err != nil {
		return err
	}
	f, err := filter(c)
	if err != nil {
		return err
	}
	rows, total, err := list(c.UserContext(), f, pg)
	if err != nil {
		return err
	}
	out := apiList[A]{Total: total, Page: pg.Normalize().Page, PerPage: pg.Limit(), Items: make([]A, len(rows))}
	for i, r := range rows {
		out.Items[i] = conv(r)
	}
	return c.JSON(out)
}

func (s *Server) handleAPIDisclosure(c *fiber.Ctx) error {
	d, err := s.loadDisclosure(c)
	if err != nil {
		return err
	}
	return c.JSON(toAPIDisclosure(*d))
}
