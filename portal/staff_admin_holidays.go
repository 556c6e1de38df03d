package portal

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"sunlight/catalog"
	"sunlight/domain"
	"sunlight/report"
)

// The holiday calendar in the admin workbench: a year's 休/班 days as a
// month grid, the import of a year's file (checked first, a dry run of
// the same report.ImportHolidays the command line runs; only a second,
// explicit step imports the checked file), and the due-date checker
// (report.DueDay, as `portal holidays due`).

type staffHolidaysPage struct {
	staffPage
	Sub     string // the reference-data menu entry (refnav)
	Year    int
	Loaded  bool // Year has a holiday schedule
	Years   []holidayYearLink
	Months  []holidayMonth
	Next    int  // next year, when its schedule is not imported
	NextDue bool // … and it is December: deadlines there are provisional now
	// The import: a check's bad rows or result (with the token of the
	// kept file), or what the confirmed import did.
	File    string
	Errors  []catalog.RowError
	Error   string
	Check   *report.HolidayImport
	Token   string
	Done    *report.HolidayImport
	Changes []holidayChangeRow // of Check or Done
	// The due-date checker.
	DueFrom  string
	DueDays  string
	Due      *report.Due
	DueError string
	History  []catalog.RefChange
}

type holidayYearLink struct {
	Year            int
	Loaded, Current bool
}

// holidayHistory is how many changes the page lists.
const holidayHistory = 50

func (s *Server) holidayPendingDir() string { return filepath.Join(s.cfg.DataDir, "holidays-pending") }

func (s *Server) newHolidaysPage(c *fiber.Ctx) staffHolidaysPage {
	return staffHolidaysPage{staffPage: s.staffPage(c, "节假日安排", "refdata"), Sub: "holidays", DueDays: "1"}
}

// handleStaffHolidays shows a year (?year=, this year by default).
func (s *Server) handleStaffHolidays(c *fiber.Ctx) error {
	p := s.newHolidaysPage(c)
	year := s.now().In(china).Year()
	if v := c.Query("year"); v != "" {
		y, err := strconv.Atoi(v)
		if err != nil || y < 2000 || y > 2100 {
			return domain.Invalid("年份应在 2000 到 2100 之间", "year", "请填写四位年份，如 2027")
		}
		year = y
	}
	return s.renderHolidays(c, &p, year, fiber.StatusOK)
}

// renderHolidays fills in the year view, the year links and the history.
func (s *Server) renderHolidays(c *fiber.Ctx, p *staffHolidaysPage, year, status int) error {
	ctx := c.UserContext()
	all, err := report.ListHolidays(ctx, s.cfg.DB, 0)
	if err != nil {
		return err
	}
	loaded := map[int]bool{}
	var days []report.Holiday
	for _, h := range all {
		y, _ := strconv.Atoi(h.Date[:4])
		loaded[y] = true
		if y == year {
			days = append(days, h)
		}
	}
	this := s.now().In(china).Year()
	p.Year, p.Loaded, p.Months = year, loaded[year], holidayMonths(year, days)
	p.Years = holidayYearLinks(loaded, this, year)
	if !loaded[this+1] {
		p.Next = this + 1
		missing, err := s.missingHolidays(ctx)
		if err != nil {
			return err
		}
		p.NextDue = missing != 0
	}
	if p.History, err = catalog.RefHistory(ctx, s.cfg.DB, catalog.RefHoliday, "", holidayHistory); err != nil {
		return err
	}
	c.Status(status)
	return s.render(c, "staff_admin_holidays", p)
}

// holidayYearLinks are the years to pick from: every loaded year, this
// year and the next, and the year shown.
func holidayYearLinks(loaded map[int]bool, this, shown int) []holidayYearLink {
	want := map[int]bool{this: true, this + 1: true, shown: true}
	for y := range loaded {
		want[y] = true
	}
	var out []holidayYearLink
	for y := 2000; y <= 2100; y++ {
		if want[y] {
			out = append(out, holidayYearLink{Year: y, Loaded: loaded[y], Current: y == shown})
		}
	}
	return out
}

// handleStaffHolidaysCheck runs the import as a dry run on an uploaded
// file and keeps the file, bound to the uploader, for the confirmation.
func (s *Server) handleStaffHolidaysCheck(c *fiber.Ctx) error {
	p := s.newHolidaysPage(c)
	name, ext, data, err := readUpload(c)
	if err != nil {
		return err
	}
	p.File = name
	res, err := s.importHolidays(c, name, data, true)
	if status, ok := p.importFailed(err); ok {
		return s.renderHolidays(c, &p, s.now().In(china).Year(), status)
	}
	if err != nil {
		return err
	}
	if p.Token, err = keepPending(s.holidayPendingDir(), me(c).ID, ext, data); err != nil {
		return err
	}
	p.Check, p.Changes = &res, holidayChangeRows(res)
	return s.renderHolidays(c, &p, firstYear(res, s), fiber.StatusOK)
}

// handleStaffHolidaysConfirm imports the file the same account checked.
func (s *Server) handleStaffHolidaysConfirm(c *fiber.Ctx) error {
	path, data, err := readPending(s.holidayPendingDir(), me(c).ID, c.FormValue("token"))
	if err != nil {
		return err
	}
	p := s.newHolidaysPage(c)
	p.File = c.FormValue("file")
	res, err := s.importHolidays(c, "upload"+filepath.Ext(path), data, false)
	if status, ok := p.importFailed(err); ok {
		return s.renderHolidays(c, &p, s.now().In(china).Year(), status)
	}
	if err != nil {
		return err
	}
	_ = os.Remove(path)
	s.st.reports.ReloadCalendar()
	p.Done, p.Changes = &res, holidayChangeRows(res)
	return s.renderHolidays(c, &p, firstYear(res, s), fiber.StatusOK)
}

// importHolidays runs report.ImportHolidays for the signed-in admin, who
// the reference-data history names.
func (s *Server) importHolidays(c *fiber.Ctx, name string, data []byte, dryRun bool) (report.HolidayImport, error) {
	opt := report.HolidayImportOptions{DryRun: dryRun, Now: s.now, Actor: me(c).Username}
	return report.ImportHolidays(c.UserContext(), s.cfg.DB, name, bytes.NewReader(data), opt)
}

// importFailed puts a refused file's bad rows (or its one problem) on the
// page, with the status to answer.
func (p *staffHolidaysPage) importFailed(err error) (int, bool) {
	var ie *catalog.ImportError
	var ve *domain.ValidationError
	switch {
	case errors.As(err, &ie):
		p.Errors = ie.Rows
		return fiber.StatusUnprocessableEntity, true
	case errors.As(err, &ve):
		p.Error = ve.Error()
		return fiber.StatusBadRequest, true
	}
	return 0, false
}

func firstYear(res report.HolidayImport, s *Server) int {
	if len(res.Years) > 0 {
		return res.Years[0]
	}
	return s.now().In(china).Year()
}

// handleStaffHolidaysDue prints the due date the portal computes for N
// working days counted from a date.
func (s *Server) handleStaffHolidaysDue(c *fiber.Ctx) error {
	p := s.newHolidaysPage(c)
	p.DueFrom, p.DueDays = strings.TrimSpace(c.FormValue("from")), strings.TrimSpace(c.FormValue("days"))
	year := s.now().In(china).Year()
	from, err := catalog.ParseDate(p.DueFrom)
	if err != nil {
		p.DueError = err.Error()
		return s.renderHolidays(c, &p, year, fiber.StatusBadRequest)
	}
	n, err := strconv.Atoi(p.DueDays)
	if err != nil {
		n = 0 // DueDay refuses it in Chinese
	}
	due, err := report.DueDay(c.UserContext(), s.cfg.DB, from, n)
	var ve *domain.ValidationError
	if errors.As(err, &ve) {
		p.DueError = ve.Message
		return s.renderHolidays(c, &p, year, fiber.StatusBadRequest)
	}
	if err != nil {
		return err
	}
	p.Due = &due
	if y, _ := strconv.Atoi(due.Day[:4]); y >= 2000 && y <= 2100 {
		year = y
	}
	return s.renderHolidays(c, &p, year, fiber.StatusOK)
}
