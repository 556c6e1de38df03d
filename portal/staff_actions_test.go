package portal

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"sunlight/domain"
	"sunlight/internal/testdb"
	"sunlight/report"
)

// buttonState is a report's state for the buttons table.
type buttonState struct {
	status    report.Status
	asked     bool
	draft     string // with answer approval on
	published bool
}

func (b buttonState) String() string {
	return fmt.Sprintf("%s asked=%v draft=%q published=%v", b.status, b.asked, b.draft, b.published)
}

func buttonStates() []buttonState {
	var out []buttonState
	for _, st := range report.Statuses {
		out = append(out, buttonState{status: st}, buttonState{status: st, asked: true},
			buttonState{status: st, draft: report.DraftPending}, buttonState{status: st, published: true})
	}
	return out
}

// force puts report id into state b.
func (b buttonState) force(t *testing.T, db *gorm.DB, id uint64, dept string) {
	t.Helper()
	at := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	steps := []error{
		db.Model(&report.Report{}).Where("id = ?", id).Updates(map[string]any{"status": b.status, "answer": "已核实处理",
			"extension_requested": b.asked, "extension_days": 10, "extension_reason": "需要现场核实"}).Error,
		db.Where("1 = 1").Delete(&report.DeptSetting{}).Error,
		db.Where("1 = 1").Delete(&report.AnswerDraft{}).Error,
		db.Where("1 = 1").Delete(&report.PublishedAnswer{}).Error,
	}
	if b.draft != "" {
		steps = append(steps, db.Create(&report.DeptSetting{DeptCode: dept, AnswerApproval: true, UpdatedAt: at}).Error,
			db.Create(&report.AnswerDraft{ReportID: id, DeptCode: dept, Text: "经核查，名单已更正。", AuthorID: 1, Author: "clerk.b",
				State: b.draft, UpdatedAt: at}).Error)
	}
	if b.published {
		steps = append(steps, db.Create(&report.PublishedAnswer{ReportID: id, DeptCode: dept, DeptName: "三面船镇人民政府",
			RegionCode: "210124102200", SubjectName: "某村", ProblemType: "低保", Title: "关于低保的答复", Question: "低保名单有误",
			Answer: "已更正名单", AnsweredAt: at, PublishedAt: at, PublishedBy: "head.b"}).Error)
	}
	for _, err := range steps {
		if err != nil {
			t.Fatal(err)
		}
	}
}

// TestButtonsAreWhatThePolicyAllows: for every role and report state, the
// report page offers a form for exactly the actions report.Allowed lists
// (as Service.Workbench returns them), and nothing else.
func TestButtonsAreWhatThePolicyAllows(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		s, _ := newWorkbench(t, db)
		r := file(t, s, villageB, "subsidy", "村里低保名单有不符合条件的人，请核查。", "张举报", "13912345678")
		href := r.href()
		type who struct {
			b *browser
			a report.Actor
		}
		var people []who
		for _, u := range []struct {
			user, dept, region string
			role               domain.Role
		}{{"clerk.b", townB, "210124102", domain.RoleStaff}, {"head.b", townB, "210124102", domain.RoleHead},
			{"sup.county", countyJW, "210124", domain.RoleSupervisor}} {
			acc := addStaff(t, s, u.user, u.dept, u.role)
			b := newBrowser(t, s)
			b.login(u.user)
			people = append(people, who{b, report.Actor{UserID: acc.ID, DeptCode: u.dept, Role: domain.Role(u.role), RegionCode: u.region}})
		}
		for _, st := range buttonStates() {
			st.force(t, db, r.ID, townB)
			for _, p := range people {
				doc := p.b.get(href, http.StatusOK)
				w, err := s.st.reports.Workbench(context.Background(), p.a, r.ID)
				if err != nil {
					t.Fatal(err)
				}
				for _, op := range report.Ops {
					if op == report.OpRecordAccess || op == report.OpAnswerDraft {
						continue // no form of its own (a draft goes through the answer form)
					}
					want := w.Can.Has(op) || (op == report.OpAnswer && w.Can.Has(report.OpAnswerDraft))
					got := doc.Find(`form[action$="/`+string(op)+`"]`).Length() == 1
					if got != want {
						t.Errorf("%v, %s: form %s shown %v, allowed %v", p.a.Role, st, op, got, want)
					}
				}
			}
		}
	})
}

// TestSupervisorActions: an extension asked by the department and
// approved by the supervisor, a 督办 mark, and a reassignment that moves
// the report out of the first department's sight.
func TestSupervisorActions(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		s, r, clerk := acceptedCase(t, db, "project", "村道硬化工程偷工减料，路面已开裂。", "", "")
		sup := signIn(t, s, "sup.county", countyJW, domain.RoleSupervisor)
		href := r.href()
		before := text(clerk.browser.get(href, http.StatusOK), ".countdown")
		// The clerk may not decide an extension; the supervisor sees no accept button.
		if clerk.browser.get(href, http.StatusOK).Find("#decide-form").Length() != 0 {
			t.Error("the clerk is offered the extension decision")
		}
		if resp, _ := clerk.browser.submit(href, "#extend-form", url.Values{"days": {"10"}, "text": {"需委托第三方检测路面质量"}}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("extension request: %d", resp.StatusCode)
		}
		if clerk.browser.get(href, http.StatusOK).Find("#extend-form").Length() != 0 {
			t.Error("the extension form is still offered while one is pending")
		}
		doc := sup.browser.get(href, http.StatusOK)
		if doc.Find("#accept-form").Length() != 0 || doc.Find("#answer-form").Length() != 0 {
			t.Error("the supervisor is offered the department's actions")
		}
		if !strings.Contains(doc.Find("#decide-form").Text(), "需委托第三方检测路面质量") {
			t.Fatalf("no pending extension for the supervisor: %q", doc.Find("#actions").Text())
		}
		if resp, _ := sup.browser.submit(href, "#decide-form", url.Values{"approve": {"1"}, "text": {"同意"}}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("approve extension: %d", resp.StatusCode)
		}
		after := clerk.browser.get(href, http.StatusOK)
		if got := text(after, "#status"); !strings.HasPrefix(got, "已延期") {
			t.Errorf("status after the extension = %q", got)
		}
		if text(after, ".countdown") == before {
			t.Errorf("the answer deadline did not move: %q", before)
		}
		// 督办, then reassignment to the county housing bureau.
		if resp, _ := sup.browser.submit(href, "#escalate-form", url.Values{"text": {"限期答复"}}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("escalate: %d", resp.StatusCode)
		}
		if !strings.Contains(text(clerk.browser.get(href, http.StatusOK), "#status"), "督办") {
			t.Error("no 督办 mark for the department")
		}
		if resp, _ := sup.browser.submit(href, "#reassign-form", url.Values{"dept": {"210124-zj"}, "text": {"工程质量由住建局办理"}}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("reassign: %d", resp.StatusCode)
		}
		clerk.browser.get(href, http.StatusNotFound)
		zj := signIn(t, s, "clerk.zj", "210124-zj", domain.RoleStaff)
		if got := text(zj.browser.get(href, http.StatusOK), "#description"); got != r.Text {
			t.Errorf("the new department sees %q", got)
		}
	})
}
