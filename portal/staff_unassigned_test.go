package portal

import (
	"sunlight/domain"

	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"gorm.io/gorm"

	"sunlight/internal/testdb"
	"sunlight/report"
)

const (
	cityJW  = "2101-jw"  // 沈阳市纪委监委: the top supervisor of the demo
	cityGov = "2101-gov" // 沈阳市人民政府
)

// fileUnassigned submits a report the routing cannot place.
func fileUnassigned(t *testing.T, s *Server, subject, problem, text string) *report.Receipt {
	t.Helper()
	rc, err := s.st.reports.Submit(context.Background(), report.NewReport{Subject: subject, ProblemType: problem,
		Description: text, Anonymous: true})
	if err != nil || rc.Status != report.StatusSubmitted {
		t.Fatalf("submit %s/%s: %v %+v", subject, problem, err, rc)
	}
	return rc
}

// trackPageOf is /track for a receipt.
func trackPageOf(t *testing.T, s *Server, receipt string) *goquery.Document {
	t.Helper()
	resp, doc := postForm(t, s, "/track", url.Values{"receipt": {receipt}})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("track: %d", resp.StatusCode)
	}
	return doc
}

// cell is the trimmed text of the first element in row matching sel.
func cell(row *goquery.Selection, sel string) string {
	return strings.TrimSpace(row.Find(sel).First().Text())
}

func unassignedRowOf(doc *goquery.Document, id uint64) *goquery.Selection {
	return doc.Find(fmt.Sprintf(`#unassigned tr[data-id="%d"]`, id))
}

// TestReporterIsToldItAwaitsAssignment: the done page and /track say a
// report nobody can take awaits assignment and promise no deadline.
func TestReporterIsToldItAwaitsAssignment(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		s, _ := newWorkbench(t, db)
		resp, done := postForm(t, s, "/report", url.Values{"subject": {"region:21"}, "problem_type": {"affairs"},
			"description": {"省里的政务公开栏多年没有更新。"}, "anonymous": {"1"}})
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("submit: %d", resp.StatusCode)
		}
		if !strings.HasPrefix(text(done, "#awaiting"), "待分派") || done.Find("#deadlines").Length() != 0 {
			t.Errorf("done page: awaiting %q, deadlines %q", text(done, "#awaiting"), text(done, "#deadlines"))
		}
		tr := trackPageOf(t, s, strings.TrimSpace(done.Find("#receipt").Text()))
		if text(tr, "#awaiting") != report.AwaitingAssignment || tr.Find("#ack-due, #answer-due").Length() != 0 {
			t.Errorf("track: awaiting %q, deadlines %d", text(tr, "#awaiting"), tr.Find("#ack-due, #answer-due").Length())
		}
		_, ok := postForm(t, s, "/report", url.Values{"subject": {testVillage}, "problem_type": {"subsidy"},
			"description": {"低保名单有问题，请核查。"}, "anonymous": {"1"}})
		if ok.Find("#awaiting").Length() != 0 || !strings.Contains(text(ok, "#deadlines"), "工作日内签收") {
			t.Error("a dispatched report's done page lacks its deadlines")
		}
	})
}

// TestUnassignedQueue: the admin sees every case nobody can take, without
// its content; a supervisor its region's, never one accusing it; it
// assigns one, the accused refused (409, recorded); the reporter then
// reads who handles it and its deadline.
func TestUnassignedQueue(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		s, clk := newWorkbench(t, db)
		prov := fileUnassigned(t, s, "region:21", "affairs", "省政务公开栏多年没有更新。")
		top := fileUnassigned(t, s, "dept:"+cityJW, "misconduct", "市纪委监委干部收受礼金。")
		head := fileUnassigned(t, s, "region:2101", "misconduct_head", "市长插手工程招标。")
		clk.Add(2 * time.Hour)
		admin := signIn(t, s, "tech.admin", "210124-gov", domain.RoleAdmin)
		city := signIn(t, s, "sup.city", cityJW, domain.RoleSupervisor)
		county := signIn(t, s, "sup.county", countyJW, domain.RoleSupervisor)
		clerk := signIn(t, s, "clerk.b", townB, domain.RoleStaff)

		if admin.browser.get("/staff/admin/accounts", http.StatusOK).Find(`#undispatched a#unassigned-link[href="/staff/unassigned"]`).Length() != 1 {
			t.Error("the admin's undispatched count does not link to the queue")
		}
		doc := admin.browser.get("/staff/unassigned", http.StatusOK)
		row := unassignedRowOf(doc, prov.ReportID)
		if cell(row, ".tracking-no") != prov.TrackingNo || cell(row, ".region") != "辽宁省" ||
			cell(row, ".problem-type") != "政务公开不及时或不真实" || strings.Contains(cell(row, ".subject"), "region:") ||
			!strings.Contains(cell(row, ".waiting"), "已等待2小时") || !strings.Contains(cell(row, ".why"), "辽宁省") {
			t.Errorf("admin's row: %q", strings.Join(strings.Fields(row.Text()), " "))
		}
		if unassignedRowOf(doc, top.ReportID).Length() != 1 || unassignedRowOf(doc, head.ReportID).Length() != 1 {
			t.Error("the admin's queue misses a case")
		}
		for _, leak := range []string{"政务公开栏", "收受礼金", "插手工程"} {
			if strings.Contains(doc.Text(), leak) {
				t.Errorf("the admin's queue shows the description %q", leak)
			}
		}
		if unassignedRowOf(doc, top.ReportID).Find("form").Length() != 0 {
			t.Error("a form to assign the accusation against the top body, with no body that may take it")
		}

		if city.browser.get("/staff", http.StatusOK).Find(`a#unassigned-link[href="/staff/unassigned"]`).Length() != 1 {
			t.Error("the supervisor's queue does not link to the unassigned queue")
		}
		doc = city.browser.get("/staff/unassigned", http.StatusOK)
		if unassignedRowOf(doc, top.ReportID).Length() != 0 || unassignedRowOf(doc, prov.ReportID).Length() != 0 {
			t.Error("the city supervisor sees the accusation against it, or the province's case")
		}
		picker := unassignedRowOf(doc, head.ReportID).Find("select[name=dept]")
		if picker.Find(`option[value="`+cityJW+`"]`).Length() != 1 || picker.Find(`option[value="`+cityGov+`"]`).Length() != 0 {
			t.Errorf("picker: %q", picker.Text())
		}
		if unassignedRowOf(county.browser.get("/staff/unassigned", http.StatusOK), head.ReportID).Length() != 0 {
			t.Error("a supervisor of another region sees the case")
		}
		clerk.browser.get("/staff/unassigned", http.StatusForbidden)

		post := func(p principalUnderTest, id uint64, dept string) (*http.Response, []byte) {
			t.Helper()
			form := url.Values{"_csrf": {p.browser.get("/staff/unassigned", http.StatusOK).Find(`input[name=_csrf]`).First().AttrOr("value", "")},
				"dept": {dept}, "reason": {"由本级纪委监委办理"}, "tracking_no": {head.TrackingNo}}
			return p.browser.do(http.MethodPost, fmt.Sprintf("/staff/unassigned/%d/assign", id), form)
		}
		if resp, _ := post(county, head.ReportID, countyJW); resp.StatusCode != http.StatusNotFound {
			t.Errorf("a supervisor of another region assigns: %d", resp.StatusCode)
		}
		resp, body := post(city, head.ReportID, cityGov)
		if resp.StatusCode != http.StatusConflict || !strings.Contains(text(parseDoc(t, body), "#form-error"), "被反映") {
			t.Errorf("assign to the accused: %d %q", resp.StatusCode, text(parseDoc(t, body), "#form-error"))
		}
		var refusals int64
		db.Model(&report.Event{}).Where("report_id = ? AND type = ?", head.ReportID, report.EvAssignRefused).Count(&refusals)
		if refusals != 1 {
			t.Errorf("%d refusals recorded", refusals)
		}
		tr := trackPageOf(t, s, head.Receipt)
		if text(tr, "#awaiting") == "" || tr.Find("#answer-due").Length() != 0 {
			t.Error("before assignment /track does not say it awaits assignment")
		}
		resp, _ = post(city, head.ReportID, cityJW)
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("assign: %d", resp.StatusCode)
		}
		done := city.browser.get(resp.Header.Get("Location"), http.StatusOK)
		if !strings.Contains(text(done, "#done"), head.TrackingNo) || unassignedRowOf(done, head.ReportID).Length() != 0 {
			t.Errorf("after assign: %q", text(done, "#done"))
		}
		tr = trackPageOf(t, s, head.Receipt)
		if tr.Find("#awaiting").Length() != 0 || !strings.Contains(text(tr, "#answer-due"), "2026-12") ||
			!strings.Contains(text(tr, "#timeline"), "已指定由沈阳市纪委监委办理") || strings.Contains(text(tr, "#timeline"), "由本级纪委监委办理") {
			t.Errorf("track after assign: awaiting %d, due %q, timeline %q", tr.Find("#awaiting").Length(), text(tr, "#answer-due"), text(tr, "#timeline"))
		}
	})
}

// TestUnassignedAPI: the staff JSON API's queue and assign, for the admin
// (no content) and supervisors; other roles are refused.
func TestUnassignedAPI(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		s, _ := newWorkbench(t, db)
		prov := fileUnassigned(t, s, "region:21", "affairs", "省政务公开栏多年没有更新。")
		top := fileUnassigned(t, s, "dept:"+cityJW, "misconduct", "市纪委监委干部收受礼金。")
		admin := signIn(t, s, "tech.admin", "210124-gov", domain.RoleAdmin)
		clerk := signIn(t, s, "clerk.b", townB, domain.RoleStaff)
		st, m, raw := apiCall(t, s, admin.token, http.MethodGet, "/api/v1/staff/unassigned", "")
		if st != http.StatusOK || m["total"] != 2.0 || !strings.Contains(raw, prov.TrackingNo) || strings.Contains(raw, "description") ||
			strings.Contains(raw, "政务公开栏") {
			t.Fatalf("admin's queue: %d %s", st, raw)
		}
		if st, _, _ := apiCall(t, s, clerk.token, http.MethodGet, "/api/v1/staff/unassigned", ""); st != http.StatusForbidden {
			t.Errorf("staff: %d", st)
		}
		path := fmt.Sprintf("/api/v1/staff/unassigned/%d/assign", top.ReportID)
		if st, m, _ := apiCall(t, s, admin.token, http.MethodPost, path, `{"dept":"`+cityJW+`","reason":"交本级"}`); st != http.StatusConflict || m["error"] == nil {
			t.Errorf("assign to the accused: %d %v", st, m)
		}
		path = fmt.Sprintf("/api/v1/staff/unassigned/%d/assign", prov.ReportID)
		if st, _, raw := apiCall(t, s, admin.token, http.MethodPost, path, `{"dept":"`+cityGov+`","reason":"省级事项暂由市政府办理"}`); st != http.StatusOK {
			t.Fatalf("assign: %d %s", st, raw)
		}
		if st, m, _ := apiCall(t, s, admin.token, http.MethodGet, "/api/v1/staff/unassigned", ""); st != http.StatusOK || m["total"] != 1.0 {
			t.Errorf("after assign: %v", m)
		}
	})
}
