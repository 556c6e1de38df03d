package portal

import (
	"context"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/client_golang/prometheus"

	"sunlight/report"
)

// holidayGauge is sunlight_holiday_calendar_missing{year=NEXT}: 1 from 1
// December while next year's holiday calendar is not loaded (its deadlines
// would be counted on weekdays only), 0 otherwise.
type holidayGauge struct {
	s    *Server
	desc *prometheus.Desc
}

func newHolidayGauge(s *Server) *holidayGauge {
	return &holidayGauge{s: s, desc: prometheus.NewDesc("sunlight_holiday_calendar_missing",
		"1 from 1 December while next year's holiday calendar is not imported (alert on 1).", []string{"year"}, nil)}
}

func (g *holidayGauge) Describe(ch chan<- *prometheus.Desc) { ch <- g.desc }

func (g *holidayGauge) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	now := g.s.now()
	missing, err := report.MissingCalendar(ctx, g.s.cfg.DB, now)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(g.desc, err)
		return
	}
	year, v := missing, 1.0
	if missing == 0 {
		year, v = now.In(china).Year()+1, 0
	}
	ch <- prometheus.MustNewConstMetric(g.desc, prometheus.GaugeValue, v, strconv.Itoa(year))
}

// missingHolidays is next year's number when the admin should import its
// holiday calendar (from 1 December), or 0.
func (s *Server) missingHolidays(ctx context.Context) (int, error) {
	return report.MissingCalendar(ctx, s.cfg.DB, s.now())
}

// handleHolidayTemplate sends the template of a year's holiday file.
func (s *Server) handleHolidayTemplate(c *fiber.Ctx) error {
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="holidays-template.csv"`)
	return c.Send(report.HolidayTemplate())
}
