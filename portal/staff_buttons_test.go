package portal

import (
	"context"
	"fmt"
	"net/http"
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
