package portal

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"gorm.io/gorm"

	"sunlight/catalog"
	"sunlight/internal/testdb"
)

// getJSONAs fetches path, checks its status, and decodes its JSON body
// into v.
func getJSONAs(t testing.TB, s *Server, path string, wantStatus int, v any) {
	t.Helper()
	resp, body := get(t, s, path)
	if resp.StatusCode != wantStatus {
		t.Fatalf("GET %s: status %d, want %d: %.300s", path, resp.StatusCode, wantStatus, body)
	}
	if err := json.Unmarshal(body, v); err != nil {
		t.Fatalf("GET %s: %v: %.300s", path, err, body)
	}
}

func TestPublishedAPI(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		s := publishedServer(t, db)
		var cats apiList[apiCategory]
		getJSONAs(t, s, "/api/v1/catalog?page=2&per_page=2", http.StatusOK, &cats)
		if cats.Total != 5 || cats.Page != 2 || cats.PerPage != 2 || len(cats.Items) != 2 || cats.Items[0].Code != "0102" {
			t.Errorf("catalog page 2 = %+v", cats)
		}
		var entry apiCategoryResponse
		getJSONAs(t, s, "/api/v1/catalog/01", http.StatusOK, &entry)
		if entry.Name != "社会救助类" || len(entry.Children) != 2 || entry.Children[0].Level != catalog.LevelProvincial {
			t.Errorf("catalog entry = %+v", entry)
		}
		var funds apiList[apiFund]
		getJSONAs(t, s, "/api/v1/funds?region=210124101&year=2026", http.StatusOK, &funds)
		if funds.Total != 2 || len(funds.Items) != 2 {
			t.Fatalf("funds = %+v", funds)
		}
		var trail apiFundTrail
		id := idOf(t, db, &catalog.Fund{}, "code = ?", "F-DB")
		getJSONAs(t, s, fmt.Sprintf("/api/v1/funds/%d", id), http.StatusOK, &trail)
		var sum, vsum int64
		for _, d := range trail.Disbursements {
			sum += d.AmountFen
		}
		for _, v := range trail.Villages {
			vsum += v.TotalFen
		}
		if len(trail.Disbursements) != 3 || sum != trail.PaidFen || vsum != sum || trail.PaidFen+trail.RemainingFen != trail.AmountFen {
			t.Errorf("trail: %d rows, sum %d, villages %d, paid %d, remaining %d, amount %d", len(trail.Disbursements), sum, vsum, trail.PaidFen, trail.RemainingFen, trail.AmountFen)
		}
		var ds apiList[apiDisclosure]
		getJSONAs(t, s, "/api/v1/disclosures?region=210124101201&per_page=2", http.StatusOK, &ds)
		if ds.Total != 3 || len(ds.Items) != 2 || ds.Items[0].Body != "" || ds.Items[0].URL == "" {
			t.Errorf("disclosures = %+v", ds)
		}
		getJSONAs(t, s, "/api/v1/disclosures?region=210124101201&per_page=2&page=2", http.StatusOK, &ds)
		if len(ds.Items) != 1 {
			t.Errorf("page 2 has %d items", len(ds.Items))
		}
		getJSONAs(t, s, "/api/v1/disclosures?kind=dibao", http.StatusOK, &ds)
		if ds.Total != 1 || ds.Items[0].KindName != "低保名单" {
			t.Errorf("kind filter = %+v", ds)
		}
		var one apiDisclosure
		getJSONAs(t, s, "/api/v1"+ds.Items[0].URL, http.StatusOK, &one)
		if one.Body == "" || one.PublishUntil != "2027-10-31" || len(one.Attachments) != 1 {
			t.Errorf("disclosure = %+v", one)
		}
		for path, field := range map[string]string{
			"/api/v1/disclosures?per_page=0":         "per_page",
			"/api/v1/disclosures?per_page=100000":    "per_page",
			"/api/v1/disclosures?page=-1":            "page",
			"/api/v1/disclosures?region=21%25":       "region",
			"/api/v1/disclosures?kind=x%27%20OR%201": "kind",
			"/api/v1/funds?year=twenty":              "year",
			"/api/v1/funds?dept=%25":                 "dept",
		} {
			var e apiError
			getJSONAs(t, s, path, http.StatusBadRequest, &e)
			if e.Error.Code != "invalid" || e.Error.Fields[field] == "" {
				t.Errorf("%s: error = %+v", path, e)
			}
		}
		var e apiError
		getJSONAs(t, s, "/api/v1/funds/424242", http.StatusNotFound, &e)
		getJSONAs(t, s, "/api/v1/catalog/nope", http.StatusNotFound, &e)
		if e.Error.Code != "not_found" {
			t.Errorf("404 error = %+v", e)
		}
	})
}

func TestOpenDataExports(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		s := publishedServer(t, db)
		want := map[string]int{"catalog": 5, "funds": 2, "disbursements": 5, "disclosures": 4}
		for name, n := range want {
			st, body := getBody(t, s, "/open-data/"+name+".csv")
			if st != http.StatusOK || !bytes.HasPrefix(body, []byte("\xef\xbb\xbf")) {
				t.Fatalf("%s.csv: status %d, BOM %v", name, st, bytes.HasPrefix(body, []byte("\xef\xbb\xbf")))
			}
			recs, err := csv.NewReader(bytes.NewReader(body[3:])).ReadAll()
			if err != nil || len(recs) != n+1 {
				t.Errorf("%s.csv: %d records, %v", name, len(recs), err)
			}
			var items []map[string]any
			getJSONAs(t, s, "/open-data/"+name+".json", http.StatusOK, &items)
			if len(items) != n {
				t.Errorf("%s.json: %d items, want %d", name, len(items), n)
			}
		}
		_, body := getBody(t, s, "/open-data/disclosures.csv?region=210124101202")
		if recs, _ := csv.NewReader(bytes.NewReader(body[3:])).ReadAll(); len(recs) != 2 {
			t.Errorf("region export has %d records", len(recs))
		}
		// Formula injection is neutralised.
		_, body = getBody(t, s, "/open-data/disclosures.csv")
		recs, _ := csv.NewReader(bytes.NewReader(body[3:])).ReadAll()
		found := false
		for _, r := range recs[1:] {
			for _, cell := range r {
				if cell != "" && strings.ContainsRune("=+-@", rune(cell[0])) {
					t.Errorf("cell %q starts a formula", cell)
				}
				if strings.HasPrefix(cell, "'=HYPERLINK(") {
					found = true
				}
			}
		}
		if !found {
			t.Error("the =HYPERLINK title is not exported as '=HYPERLINK")
		}
		if st, _ := getBody(t, s, "/open-data/originals.csv"); st != http.StatusNotFound {
			t.Errorf("unknown export: %d", st)
		}
		if st, _ := getBody(t, s, "/open-data/funds.xml"); st != http.StatusNotFound {
			t.Errorf("unknown format: %d", st)
		}
		doc := getPage(t, s, "/open-data", http.StatusOK)
		if doc.Find(`#exports a[href$=".csv"]`).Length() != 4 || doc.Find(`#exports a[href$=".json"]`).Length() != 4 {
			t.Error("open-data page does not link every export")
		}
	})
}

func TestCSVSafe(t *testing.T) {
	for in, want := range map[string]string{"=1+1": "'=1+1", "+86": "'+86", "-5": "'-5", "@SUM(A1)": "'@SUM(A1)", "\tx": "'\tx", "正常": "正常", "": "", "1=1": "1=1"} {
		if got := csvSafe(in); got != want {
			t.Errorf("csvSafe(%q) = %q, want %q", in, got, want)
		}
	}
}

// The department list is paged: a region's departments come on one page
// by default, the whole country page by page, in code order.
func TestDepartmentsAPIPaged(t *testing.T) {
	s := newTestServer(t, testdb.SQLite(t))
	departments := func(path string) (int, apiDepartmentsResponse) {
		t.Helper()
		resp, body := get(t, s, path)
		var out apiDepartmentsResponse
		if resp.StatusCode == http.StatusOK {
			if err := json.Unmarshal(body, &out); err != nil {
				t.Fatal(err)
			}
		}
		return resp.StatusCode, out
	}
	code, all := departments("/api/v1/departments")
	if code != http.StatusOK || all.Total < 5 || int64(len(all.Departments)) != min(all.Total, int64(catalog.MaxPerPage)) || all.PerPage != catalog.MaxPerPage {
		t.Fatalf("default page: %d total %d, %d on the page, per_page %d", code, all.Total, len(all.Departments), all.PerPage)
	}
	var paged []string
	for page := 1; ; page++ {
		code, out := departments("/api/v1/departments?per_page=2&page=" + strconv.Itoa(page))
		if code != http.StatusOK || out.Total != all.Total || out.Page != page {
			t.Fatalf("page %d: %d %+v", page, code, out)
		}
		if len(out.Departments) == 0 {
			break
		}
		for _, d := range out.Departments {
			paged = append(paged, d.Code)
		}
	}
	if int64(len(paged)) != all.Total || !slices.IsSorted(paged) || len(slices.Compact(slices.Clone(paged))) != len(paged) {
		t.Errorf("pages of 2 gave %d codes (total %d): sorted %v, all different %v", len(paged), all.Total,
			slices.IsSorted(paged), len(slices.Compact(slices.Clone(paged))) == len(paged))
	}
	for _, bad := range []string{"?per_page=0", "?per_page=201", "?page=x", "?region=12x"} {
		if code, _ := departments("/api/v1/departments" + bad); code != http.StatusBadRequest {
			t.Errorf("%s: %d, want 400", bad, code)
		}
	}
}
