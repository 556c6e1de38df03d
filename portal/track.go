package portal

import (
	"errors"
	"time"

	"github.com/gofiber/fiber/v2"

	"sunlight/domain"
	"sunlight/report"
)

// The receipt only ever travels in a POST body: never in a URL, a
// redirect or a log line, and every answer is Cache-Control: no-store.

type trackPage struct {
	Page
	Receipt string // echoed into the follow-up forms' hidden fields
	Tracked *report.Tracked
	Error   string
	Notice  string
	Ratings []ratingChoice
}

type ratingChoice struct {
	Value report.Rating
	Name  string
}

var ratingChoices = []ratingChoice{
	{report.RatingSatisfied, "满意"}, {report.RatingBasically, "基本满意"}, {report.RatingUnsatisfied, "不满意"},
}

var cst = time.FixedZone("CST", 8*3600)

// When formats a time for people in China.
func (trackPage) When(t time.Time) string { return t.In(cst).Format("2006-01-02 15:04") }

// Due formats a deadline (the end of a day) as that day.
func (trackPage) Due(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.In(cst).Add(-time.Second).Format("2006-01-02")
}

func (s *Server) newTrackPage(c *fiber.Ctx) trackPage {
	p := trackPage{Page: s.page(c, "查询举报"), Ratings: ratingChoices}
	p.Nav = "track"
	return p
}

func (s *Server) handleTrackForm(c *fiber.Ctx) error {
	noStore(c)
	p := s.newTrackPage(c)
	return s.render(c, "track", &p)
}

// handleTrack looks a report up by receipt; op=message adds information
// and op=rate rates the answer first.
func (s *Server) handleTrack(c *fiber.Ctx) error {
	svc := s.st.reports
	noStore(c)
	ctx := c.UserContext()
	p := s.newTrackPage(c)
	receipt := c.FormValue("receipt")
	var err error
	switch c.FormValue("op") {
	case "message":
		err = svc.AddInfo(ctx, receipt, c.FormValue("text"))
		p.Notice = "补充内容已提交，办理单位会看到。"
	case "rate":
		err = svc.Rate(ctx, receipt, report.Rating(c.FormValue("rating")), c.FormValue("comment"))
		p.Notice = "评价已提交，谢谢您的监督。"
	}
	if err == nil {
		p.Tracked, err = svc.Lookup(ctx, receipt)
	}
	if err != nil {
		p.Notice = ""
		return s.trackError(c, &p, err)
	}
	p.Receipt = receipt
	return s.render(c, "track", &p)
}

// trackError shows what went wrong on the tracking page itself. A wrong
// receipt says only that nothing matched.
func (s *Server) trackError(c *fiber.Ctx, p *trackPage, err error) error {
	var ve *domain.ValidationError
	he := classify(err)
	switch {
	case errors.As(err, &ve):
		p.Error = ve.Message
		if m := ve.Fields["receipt"]; m != "" {
			p.Error = m
		}
	case errors.Is(err, domain.ErrNotFound):
		p.Error = "没有找到与这个查询码对应的举报，请逐位核对后再试。"
	case he.Status < 500:
		p.Error = he.Message
		// Keep the report on screen after a refused follow-up.
		if p.Tracked, _ = s.st.reports.Lookup(c.UserContext(), c.FormValue("receipt")); p.Tracked != nil {
			p.Receipt = c.FormValue("receipt")
		}
	default:
		return err
	}
	c.Status(he.Status)
	return s.render(c, "track", p)
}

type apiLookupIn struct {
	Receipt string        `json:"receipt"`
	Text    string        `json:"text"`
	Rating  report.Rating `json:"rating"`
	Comment string        `json:"comment"`
}

func (s *Server) apiLookup(c *fiber.Ctx, op func(*report.Service, apiLookupIn) error) error {
	svc := s.st.reports
	noStore(c)
	var in apiLookupIn
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if op != nil {
		if err := op(svc, in); err != nil {
			return err
		}
	}
	t, err := svc.Lookup(c.UserContext(), in.Receipt)
	if err != nil {
		return err
	}
	return c.JSON(t)
}

func (s *Server) handleAPILookup(c *fiber.Ctx) error { return s.apiLookup(c, nil) }

func (s *Server) handleAPILookupMessage(c *fiber.Ctx) error {
	ctx := c.UserContext()
	return s.apiLookup(c, func(svc *report.Service, in apiLookupIn) error { return svc.AddInfo(ctx, in.Receipt, in.Text) })
}

func (s *Server) handleAPILookupRating(c *fiber.Ctx) error {
	ctx := c.UserContext()
	return s.apiLookup(c, func(svc *report.Service, in apiLookupIn) error {
		return svc.Rate(ctx, in.Receipt, in.Rating, in.Comment)
	})
}
