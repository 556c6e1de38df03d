package portal

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"math"
	"mime/multipart"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/limiter"
	"github.com/prometheus/client_golang/prometheus"

	"sunlight/catalog"
	"sunlight/domain"
	"sunlight/report"
)

// reporting is the reporter-facing side: QR codes, the report form and
// tracking by receipt. Its routes log nothing about who reports: the
// request log holds the route pattern only, and these handlers log nothing.
type reporting struct {
	// lookups limits receipt lookups per client, submissions new reports
	// (in memory, per process); both key on the client address as
	// clientAddr reads it, so a forged X-Forwarded-For cannot dodge them.
	lookups, submissions fiber.Handler
}

// initReporting sets up the limits and the undispatched-reports gauge;
// called from routes().
func (s *Server) initReporting() {
	svc := s.st.reports
	s.metrics.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "sunlight_reports_undispatched",
		Help: "Reports submitted over an hour ago that no department in this deployment may take (alert on > 0).",
	}, func() float64 {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		n, err := svc.Undispatched(ctx, s.now().Add(-time.Hour))
		if err != nil {
			return math.NaN()
		}
		return float64(n)
	}))
	s.rep = &reporting{
		lookups: limiter.New(limiter.Config{
			Max: 20, Expiration: time.Minute, KeyGenerator: s.clientAddr,
			LimitReached: func(*fiber.Ctx) error {
				return errorf(fiber.StatusTooManyRequests, "rate_limited", "查询太频繁，请一分钟后再试")
			},
		}),
		submissions: func(c *fiber.Ctx) error { return c.Next() },
	}
	if n := s.cfg.ReportsPerMinute; n > 0 {
		s.rep.submissions = limiter.New(limiter.Config{
			Max: n, Expiration: time.Minute, KeyGenerator: s.clientAddr,
			LimitReached: func(*fiber.Ctx) error {
				return errorf(fiber.StatusTooManyRequests, "rate_limited", "提交太频繁，请一分钟后再试")
			},
		})
	}
}

// noStore marks a reporter's page: never cached, never referred on.
func noStore(c *fiber.Ctx) {
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set("Referrer-Policy", "same-origin")
}

type reportForm struct {
	Page
	Subject      *catalog.Subject
	SubjectParam string
	Types        []report.ProblemType
	Token        string
	In           report.NewReport
	Errors       map[string]string
	Message      string
	MaxPhotos    int
	MaxDesc      int
}

type reportDone struct {
	Page
	Receipt    *report.Receipt
	Promise    string // report.Calendar.Promise
	SubjectURL string
}

func newToken() string {
	b := make([]byte, 18)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

func (s *Server) handleReportForm(c *fiber.Ctx) error {
	svc := s.st.reports
	sub, err := svc.Subject(c.UserContext(), c.Query("subject"))
	if err != nil {
		return err
	}
	noStore(c)
	p, err := s.newReportForm(c, svc, sub)
	if err != nil {
		return err
	}
	p.In.Anonymous = true
	return s.render(c, "report", &p)
}

func (s *Server) newReportForm(c *fiber.Ctx, svc *report.Service, sub *catalog.Subject) (reportForm, error) {
	p := reportForm{Page: s.page(c, "我要举报"), Subject: sub, Token: newToken(), Errors: map[string]string{},
		MaxPhotos: report.MaxPhotos, MaxDesc: report.MaxDescription}
	p.Nav = "report"
	if sub == nil {
		return p, nil
	}
	types, err := svc.ProblemTypes().Offered(c.UserContext(), sub.Kind)
	p.SubjectParam, p.Types = sub.String(), types
	return p, err
}

// handleReportSubmit takes the form (urlencoded or multipart with
// photos). On bad input the form comes back with every message and what
// was typed; on success the receipt is shown once.
func (s *Server) handleReportSubmit(c *fiber.Ctx) error {
	svc := s.st.reports
	noStore(c)
	in, err := formReport(c)
	if err != nil {
		return err
	}
	rc, err := svc.Submit(c.UserContext(), in)
	var ve *domain.ValidationError
	if errors.As(err, &ve) {
		sub, _ := svc.Subject(c.UserContext(), in.Subject)
		p, err := s.newReportForm(c, svc, sub)
		if err != nil {
			return err
		}
		p.SubjectParam, p.In, p.Errors, p.Message = in.Subject, in, ve.Fields, ve.Message
		p.In.Photos = nil
		if in.Token != "" && ve.Fields["token"] == "" {
			p.Token = in.Token
		}
		c.Status(fiber.StatusBadRequest)
		return s.render(c, "report", &p)
	}
	if err != nil {
		return err
	}
	promise, err := svc.Promise(c.UserContext())
	if err != nil {
		return err
	}
	p := reportDone{Page: s.page(c, "提交成功"), Receipt: rc, Promise: promise}
	if sub, err := svc.Subject(c.UserContext(), in.Subject); err == nil {
		p.SubjectURL = sub.URL
	}
	if !rc.Repeat {
		c.Status(fiber.StatusCreated)
	}
	return s.render(c, "report_done", &p)
}

// formReport reads a NewReport from a urlencoded or multipart form.
func formReport(c *fiber.Ctx) (report.NewReport, error) {
	in := report.NewReport{Subject: c.FormValue("subject"), ProblemType: c.FormValue("problem_type"),
		Description: c.FormValue("description"), Anonymous: c.FormValue("anonymous") != "",
		Name: c.FormValue("name"), Phone: c.FormValue("phone"),
		Token: firstNonEmpty(c.FormValue("submission_token"), c.FormValue("token"))}
	if !strings.HasPrefix(c.Get(fiber.HeaderContentType), fiber.MIMEMultipartForm) {
		return in, nil
	}
	form, err := c.MultipartForm()
	if err != nil {
		return in, errorf(fiber.StatusBadRequest, "invalid", "上传的内容格式不正确，请重新提交")
	}
	for _, fh := range append(form.File["photos"], form.File["photo"]...) {
		if fh.Size == 0 && fh.Filename == "" {
			continue // an empty file input
		}
		if len(in.Photos) > report.MaxPhotos {
			break // validation reports "too many"; don't read the rest
		}
		data, err := readPart(fh)
		if err != nil {
			return in, err
		}
		in.Photos = append(in.Photos, report.Upload{Filename: fh.Filename, Data: data})
	}
	return in, nil
}

func readPart(fh *multipart.FileHeader) ([]byte, error) {
	f, err := fh.Open()
	if err != nil {
		return nil, err
	}
	defer f.Close()
	// One byte over the limit is enough to say "too big".
	return io.ReadAll(io.LimitReader(f, report.MaxPhotoBytes+1))
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// apiReportIn is the JSON body of POST /api/v1/reports. Only these fields
// are read: nothing a client sends can set a status or a department.
type apiReportIn struct {
	Subject         string `json:"subject"`
	ProblemType     string `json:"problem_type"`
	Description     string `json:"description"`
	Anonymous       bool   `json:"anonymous"`
	Name            string `json:"name"`
	Phone           string `json:"phone"`
	SubmissionToken string `json:"submission_token"`
}

func (s *Server) handleAPIReportCreate(c *fiber.Ctx) error {
	svc := s.st.reports
	noStore(c)
	var in report.NewReport
	var err error
	if strings.HasPrefix(c.Get(fiber.HeaderContentType), fiber.MIMEApplicationJSON) {
		var body apiReportIn
		if err := decodeJSON(c, &body); err != nil {
			return err
		}
		in = report.NewReport{Subject: body.Subject, ProblemType: body.ProblemType, Description: body.Description,
			Anonymous: body.Anonymous, Name: body.Name, Phone: body.Phone, Token: body.SubmissionToken}
	} else if in, err = formReport(c); err != nil {
		return err
	}
	rc, err := svc.Submit(c.UserContext(), in)
	if err != nil {
		return err
	}
	status := fiber.StatusCreated
	if rc.Repeat {
		status = fiber.StatusOK
	}
	return c.Status(status).JSON(rc)
}

// decodeJSON reads one JSON object from the body; anything else is a 400
// that says what is wrong.
func decodeJSON(c *fiber.Ctx, v any) error {
	dec := json.NewDecoder(bytes.NewReader(c.Body()))
	if err := dec.Decode(v); err != nil {
		return errorf(fiber.StatusBadRequest, "invalid_json", "请求内容不是正确的 JSON：%s", jsonProblem(err))
	}
	if dec.More() {
		return errorf(fiber.StatusBadRequest, "invalid_json", "请求内容只能是一个 JSON 对象")
	}
	return nil
}

func jsonProblem(err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return "第" + strconv.FormatInt(se.Offset, 10) + "个字节附近格式错误"
	case errors.As(err, &te):
		return "字段 " + te.Field + " 类型不对"
	case errors.Is(err, io.EOF):
		return "内容为空"
	}
	return "无法解析"
}

type apiProblemTypes struct {
	Subject      apiSubject           `json:"subject"`
	ProblemTypes []report.ProblemType `json:"problem_types"`
}

type apiSubject struct {
	ID    string `json:"id"`
	Kind  string `json:"kind"`
	Title string `json:"title"`
	URL   string `json:"url"`
}

func (s *Server) handleAPIProblemTypes(c *fiber.Ctx) error {
	svc := s.st.reports
	sub, err := svc.Subject(c.UserContext(), c.Query("subject"))
	if err != nil {
		return err
	}
	types, err := svc.ProblemTypes().Offered(c.UserContext(), sub.Kind)
	if err != nil {
		return err
	}
	return c.JSON(apiProblemTypes{Subject: apiSubject{ID: sub.String(), Kind: sub.Kind, Title: sub.Title, URL: sub.URL},
		ProblemTypes: types})
}
