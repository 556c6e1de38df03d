package portal

import (
	"github.com/gofiber/fiber/v2/middleware/compress"
	"github.com/gofiber/fiber/v2/middleware/recover"
)

// routes is the one table of every route the portal answers. Guards (rate
// limits, staff roles, CSRF) are attached here, never inside handlers.
func (s *Server) routes() {
	app := s.app
	app.Use(recover.New(recover.Config{EnableStackTrace: true, StackTraceHandler: s.logPanic}))
	app.Use(s.observe, s.securityHeaders)
	app.Use(compress.New(compress.Config{Level: compress.LevelDefault}))

	// Operations.
	app.Get("/healthz", s.handleLive)
	app.Get("/livez", s.handleLive)
	app.Get("/readyz", s.handleReady)
	app.Get("/metrics", s.handleMetrics)
	app.Get("/static/*", s.handleStatic)
	app.Get("/favicon.ico", s.handleFavicon)
	app.Get("/robots.txt", s.handleRobots)

	// Public pages.
	app.Get("/", s.handleHome)
	app.Post("/prefs/text-size", s.handleTextSize)

	// Public JSON API.
	api := app.Group("/api/v1")
	api.Get("/regions/:code", s.handleAPIRegion)
	api.Get("/departments", s.handleAPIDepartments)

	// --- published data: regions, catalog, funds, disclosures, exports (issue 3) ---

	// --- search (issue 4) ---

	// --- reporting: QR, report form, tracking, public stats (issue 5) ---

	// --- staff: login, workbench, dashboard, admin (issue 6) ---
}
