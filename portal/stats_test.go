package portal

import (
	"net/http"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"

	"sunlight/internal/testdb"
	"sunlight/stats"
)

// The scoreboard prints every kind of cell as people read it.
func TestStatsTemplateCells(t *testing.T) {
	s := newTestServer(t, testdb.SQLite(t))
	b := &stats.Public{At: fixedNow, Departments: []stats.PublicFigures{{
		Code: "x", Name: "某单位", Received: stats.Cell{N: 12}, OverdueNow: stats.Cell{N: 2, Suppressed: true},
		AckOnTime: stats.Percent{V: 81.8, OK: true}, MedianAnswerDays: stats.Days{V: 3.1, OK: true},
	}}}
	app := s.App()
	app.Get("/test/stats", func(c *fiber.Ctx) error {
		p := statsPage{Page: s.page(c, "办理情况"), Board: b}
		return s.render(c, "stats", &p)
	})
	resp, body := get(t, s, "/test/stats")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%d", resp.StatusCode)
	}
	row := parseDoc(t, body).Find(`#scoreboard tr[data-code="x"]`)
	for sel, want := range map[string]string{".received": "12", ".overdue": "<3", ".ack": "81.8%", ".answer": "—", ".median": "3.1", ".satisfaction": "—"} {
		if got := strings.TrimSpace(row.Find(sel).Text()); got != want {
			t.Errorf("%s = %q, want %q", sel, got, want)
		}
	}
}
