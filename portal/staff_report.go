package portal

import (
	"context"
	"errors"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"sunlight/catalog"
	"sunlight/domain"
	"sunlight/report"
)

// china is the time zone pages show (China has no daylight saving).
var china = time.FixedZone("CST", 8*3600)

// answerTemplates are starting points for 答复; the handler edits them.
var answerTemplates = []struct{ Name, Text string }{
	{"已核实并整改", "您反映的问题，我单位已安排专人进行核实。经核实，情况属实。我单位已于　月　日完成整改：＿＿＿＿。感谢您的监督。"},
	{"部分属实", "您反映的问题，我单位已进行核实。经核实，情况部分属实：＿＿＿＿。针对属实部分，我单位已＿＿＿＿。其余情况说明如下：＿＿＿＿。"},
	{"不属实，附依据", "您反映的问题，我单位已进行核实。经核实，情况不属实，依据如下：＿＿＿＿（政策依据、公示材料、发放记录）。如有疑问，欢迎继续反映。"},
	{"政策解释", "您咨询的事项，相关政策规定如下：＿＿＿＿（政策文件名称及条款）。符合条件的，可到＿＿＿＿办理，需携带＿＿＿＿。"},
}

type staffReportPage struct {
	staffPage
	R         *report.Detail
	Can       report.OpSet // what the principal may do now (report.Allowed)
	Due       *time.Time
	DueLabel  string
	Countdown string
	Late      bool
	Templates []struct{ Name, Text string }
	Draft     string // the answer textarea's content
	Done      string
	Error     string
	Fields    map[string]string
	Contact   *revealed
	Depts     []catalog.Department // reassignment targets (supervisors)
	// The department's own answering: the draft waiting for the head and
	// the published answer (公开答复, whose texts start masked).
	Pending     *report.AnswerDraft
	Published   *report.PublishedAnswer
	PubQuestion string
	PubAnswer   string
}

type revealed struct{ Name, Phone string }

var actionDone = map[string]string{
	"accept": "已签收。", "answer": "答复已发出，举报人可在查询页看到。", "return": "已退单。", "reject": "已作不予受理处理。",
	"extend": "延期申请已提交，等待督办部门批准。", "decide-extension": "已处理延期申请。", "message": "留言已发给举报人。",
	"note": "内部备注已记录。", "close": "已办结。", "escalate": "已列为督办件。", "reassign": "已改派。",
	"answer-draft": "答复已提交部门负责人审核。", "approve-answer": "答复已审核通过并发出。", "send-back": "答复已退回经办人修改。",
	"publish": "已公开答复，公众可在“公开答复”中查看和搜索。", "unpublish": "已撤回公开答复。",
}

func reportID(c *fiber.Ctx) (uint64, error) {
	id, err := strconv.ParseUint(c.Params("id"), 10, 64)
	if err != nil {
		return 0, domain.ErrNotFound
	}
	return id, nil
}

func (s *Server) handleStaffReport(c *fiber.Ctx) error {
	id, err := reportID(c)
	if err != nil {
		return err
	}
	p, err := s.reportPage(c, id)
	if err != nil {
		return err
	}
	// Every view of a case is a link in the audit chain (security note 35).
	if err := s.st.reports.RecordAccess(c.UserContext(), actor(c), id, "查看"); err != nil {
		return err
	}
	p.Done = actionDone[c.Query("done")]
	if i, err := strconv.Atoi(c.Query("tpl")); err == nil && i >= 0 && i < len(answerTemplates) {
		p.Draft = answerTemplates[i].Text
	}
	return s.render(c, "staff_report", p)
}

// reportPage loads what the report page shows; a report the principal
// may not see is a 404 from the report service.
func (s *Server) reportPage(c *fiber.Ctx, id uint64) (*staffReportPage, error) {
	ctx := c.UserContext()
	w, err := s.st.reports.Workbench(ctx, actor(c), id)
	if err != nil {
		return nil, err
	}
	d := w.Detail
	d.Events = slices.DeleteFunc(d.Events, func(e report.EventView) bool { return e.Type == report.EvAccessed })
	p := &staffReportPage{staffPage: s.staffPage(c, "举报 "+d.TrackingNo, "queue"), R: d, Can: w.Can,
		Templates: answerTemplates, Draft: d.Answer, Pending: w.Draft, Published: w.Published}
	if err := s.nameActors(ctx, d.Events); err != nil {
		return nil, err
	}
	p.Due, p.DueLabel = dueOf(d.Summary)
	if p.Due != nil {
		p.Countdown, p.Late = countdown(s.now(), *p.Due)
	}
	if w.Can.Has(report.OpReassign) {
		if p.Depts, err = s.depts.List(ctx, me(c).Dept.RegionCode, true); err != nil {
			return nil, err
		}
		p.Depts = catalog.OpenDepartments(p.Depts) // a closed one takes no new cases
	}
	if w.Can.Has(report.OpPublish) {
		p.PubQuestion, p.PubAnswer = catalog.MaskText(d.Description), catalog.MaskText(d.Answer)
		if w.Published != nil && !w.Published.Withdrawn {
			p.PubQuestion, p.PubAnswer = w.Published.Question, w.Published.Answer
		}
	}
	return p, nil
}

// handleStaffPhoto serves a photo of a report the principal may see,
// decrypted, as an attachment in a sandbox so it can never run as a page.
func (s *Server) handleStaffPhoto(c *fiber.Ctx) error {
	id, err := reportID(c)
	if err != nil {
		return err
	}
	d, err := s.st.reports.Get(c.UserContext(), actor(c), id)
	if err != nil {
		return err
	}
	name := c.Params("name")
	for _, ph := range d.Photos {
		if ph.Name == name {
			if s.st.reports.PhotoPath(name) == "" {
				break
			}
			if err := s.st.reports.RecordAccess(c.UserContext(), actor(c), id, "下载照片 "+name); err != nil {
				return err
			}
			// A file that does not open is an error (logged by the error
			// handler with the photo's name only), never its bytes.
			img, mime, err := s.st.reports.OpenPhoto(name)
			if err != nil {
				return err
			}
			c.Set(fiber.HeaderContentSecurityPolicy, "sandbox; default-src 'none'")
			c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+url.PathEscape(name)+`"`)
			c.Set(fiber.HeaderCacheControl, "private, no-store")
			c.Set(fiber.HeaderContentType, mime)
			return c.Send(img)
		}
	}
	return domain.ErrNotFound
}

// nameActors shows staff events by the account's name instead of
// "user:ID"; the reporter and the system keep their labels.
func (s *Server) nameActors(ctx context.Context, evs []report.EventView) error {
	names := map[string]string{"reporter": "举报人", "system": "系统"}
	for i, e := range evs {
		if n, ok := names[e.Actor]; ok {
			evs[i].Actor = n
			continue
		}
		idText, ok := strings.CutPrefix(e.Actor, "user:")
		if !ok {
			continue
		}
		id, err := strconv.ParseUint(idText, 10, 64)
		if err != nil {
			continue
		}
		a, err := s.st.store.Account(ctx, id)
		if errors.Is(err, domain.ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		name := a.Username
		if a.DisplayName != "" {
			name = a.DisplayName + "（" + a.Username + "）"
		}
		names[e.Actor] = name
		evs[i].Actor = name
	}
	return nil
}
