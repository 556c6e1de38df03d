package portal

import (
	"github.com/gofiber/fiber/v2/middleware/compress"
	"github.com/gofiber/fiber/v2/middleware/recover"

	"sunlight/domain"
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
	app.Get("/regions/:code", s.handleRegion)
	app.Get("/catalog", s.handleCatalog)
	app.Get("/catalog/:code", s.handleCatalogEntry)
	app.Get("/funds/:id", s.handleFund)
	app.Get("/disclosures/:id", s.handleDisclosure)
	app.Get("/open-data", s.handleExportIndex)
	app.Get("/open-data/:file", s.handleExport)
	api.Get("/catalog", s.handleAPICatalog)
	api.Get("/catalog/:code", s.handleAPICatalogEntry)
	api.Get("/funds", s.handleAPIFunds)
	api.Get("/funds/:id", s.handleAPIFund)
	api.Get("/disclosures", s.handleAPIDisclosures)
	api.Get("/disclosures/:id", s.handleAPIDisclosure)

	// --- search (issue 4) ---
	app.Get("/search", s.handleSearch)
	api.Get("/search", s.handleAPISearch)
	api.Get("/suggest", s.handleAPISuggest)

	// --- reporting: QR, report form, tracking, public stats (issue 5) ---
	// Receipt lookups are rate-limited per client; receipts travel only in
	// POST bodies.
	s.initReporting()
	s.metrics.reg.MustRegister(newHolidayGauge(s))
	app.Get("/report", s.handleReportForm)
	app.Post("/report", s.rep.submissions, s.handleReportSubmit)
	app.Get("/q/:token", s.handleQRLanding)
	app.Get("/qr/:subject.png", s.handleQRPNG)
	app.Get("/qr/:subject/poster", s.handleQRPoster)
	app.Get("/track", s.handleTrackForm)
	app.Post("/track", s.rep.lookups, s.handleTrack)
	api.Get("/problem-types", s.handleAPIProblemTypes)
	api.Post("/reports", s.rep.submissions, s.handleAPIReportCreate)
	api.Post("/reports/lookup", s.rep.lookups, s.handleAPILookup)
	api.Post("/reports/lookup/messages", s.rep.lookups, s.handleAPILookupMessage)
	api.Post("/reports/lookup/rating", s.rep.lookups, s.handleAPILookupRating)

	// --- staff: login, workbench, dashboard, admin (issue 6) ---
	// Browser pages sign in with the session cookie and every POST needs
	// the CSRF token; the JSON API takes Bearer tokens only.
	app.Get("/staff/login", s.handleStaffLoginForm)
	app.Post("/staff/login", s.loginCSRF, s.handleStaffLogin)
	st := app.Group("/staff", s.staffSession, s.csrfProtect)
	anyStaff := s.allow(domain.RoleStaff, domain.RoleHead, domain.RoleSupervisor, domain.RoleAdmin)
	admin := s.allow(domain.RoleAdmin)
	st.Post("/logout", anyStaff, s.handleStaffLogout)
	st.Get("/", anyStaff, s.handleStaffHome) // the queue; the admin is sent to the accounts
	st.Get("/account", anyStaff, s.handleStaffAccount)
	st.Post("/account/tokens", anyStaff, s.handleStaffTokenIssue)
	st.Post("/account/tokens/:id/revoke", anyStaff, s.handleStaffTokenRevoke)
	st.Post("/account/password", anyStaff, s.handleStaffPasswordChange)
	st.Post("/dept/approval", s.allow(domain.RoleHead), s.handleStaffApproval)
	st.Get("/admin/accounts", admin, s.handleStaffAdminAccounts)
	st.Post("/admin/accounts", admin, s.handleStaffAdminCreate)
	st.Post("/admin/accounts/:id/disable", admin, s.handleStaffAdminDisable)
	st.Post("/admin/accounts/:id/password", admin, s.handleStaffAdminPassword)
	st.Post("/admin/accounts/:id/revoke-tokens", admin, s.handleStaffAdminRevoke)
	st.Get("/admin/holidays/template.csv", admin, s.handleHolidayTemplate)
	st.Get("/admin/routing", admin, s.handleAdminRouting)
	st.Post("/admin/routing", admin, s.handleAdminRoutingSet)
	st.Get("/admin/departments", admin, s.handleAdminDepts)
	st.Post("/admin/departments", admin, s.handleAdminDeptAdd)
	st.Post("/admin/departments/:code/:action", admin, s.handleAdminDeptAction)
	// Reference data: problem types, deadlines, search synonyms (staff_admin_terms.go).
	st.Get("/admin/problem-types", admin, s.handleAdminProblemTypes)
	st.Post("/admin/problem-types", admin, s.handleAdminProblemTypeAdd)
	st.Post("/admin/problem-types/:kind/:code/rename", admin, s.handleAdminProblemTypeRename)
	st.Post("/admin/problem-types/:kind/:code/disable", admin, s.handleAdminProblemTypeDisable)
	st.Get("/admin/deadlines", admin, s.handleAdminDeadlines)
	st.Post("/admin/deadlines/:stage", admin, s.handleAdminDeadlineSet)
	st.Get("/admin/synonyms", admin, s.handleAdminSynonyms)
	st.Post("/admin/synonyms", admin, s.handleAdminSynonymAdd)
	st.Post("/admin/synonyms/:id/terms", admin, s.handleAdminSynonymTermAdd)
	st.Post("/admin/synonyms/:id/remove", admin, s.handleAdminSynonymTermRemove)
	st.Post("/admin/synonyms/:id/delete", admin, s.handleAdminSynonymDelete)
	st.Get("/admin/notify", admin, s.handleStaffAdminNotify)
	st.Post("/admin/notify/depts", admin, s.handleStaffAdminNotifyDept)
	st.Post("/admin/notify/depts/clear", admin, s.handleStaffAdminNotifyDeptClear)
	st.Post("/admin/notify/smtp", admin, s.handleStaffAdminNotifySMTP)
	st.Post("/admin/notify/smtp/clear", admin, s.handleStaffAdminNotifySMTPClear)
	st.Post("/admin/notify/:what/test", admin, s.handleStaffAdminNotifyTest) // depts or smtp
	st.Get("/admin/holidays", admin, s.handleStaffHolidays)
	st.Post("/admin/holidays/check", admin, s.handleStaffHolidaysCheck)
	st.Post("/admin/holidays/confirm", admin, s.handleStaffHolidaysConfirm)
	st.Post("/admin/holidays/due", admin, s.handleStaffHolidaysDue)
	// The workbench: the technical admin never reads report content.
	handlers := s.allow(domain.RoleStaff, domain.RoleHead, domain.RoleSupervisor)
	st.Get("/reports/:id<int>", handlers, s.handleStaffReport)
	st.Get("/reports/:id<int>/photos/:name", handlers, s.handleStaffPhoto)
	st.Post("/reports/:id<int>/:action", handlers, s.handleStaffAction)
	sapi := api.Group("/staff", s.staffBearer)
	sapi.Get("/reports", handlers, s.handleAPIStaffReports)
	sapi.Get("/reports/:id<int>", handlers, s.handleAPIStaffReport)
	sapi.Post("/reports/:id<int>/:action", handlers, s.handleAPIStaffAction)
	// Cases nobody can take (待分派): supervisors and the admin assign them.
	assigners := s.allow(domain.RoleSupervisor, domain.RoleAdmin)
	st.Get("/unassigned", assigners, s.handleStaffUnassigned)
	st.Post("/unassigned/:id<int>/assign", assigners, s.handleStaffAssign)
	sapi.Get("/unassigned", assigners, s.handleAPIStaffUnassigned)
	sapi.Post("/unassigned/:id<int>/assign", assigners, s.handleAPIStaffAssign)
	// Supervision: a supervisor's region, a head's department.
	watchers := s.allow(domain.RoleHead, domain.RoleSupervisor)
	st.Get("/dashboard", watchers, s.handleStaffDashboard)
	st.Get("/dashboard.csv", watchers, s.handleStaffDashboardCSV)
	// Publishing from the browser: the admin any data, a department's
	// staff only its own (checked row by row in staff.ImportOwn).
	publishers := s.allow(domain.RoleAdmin, domain.RoleStaff, domain.RoleHead)
	st.Get("/publish", publishers, s.handleStaffPublish)
	st.Get("/publish/template/:kind", publishers, s.handleStaffTemplate)
	st.Post("/publish/check", publishers, s.handleStaffPublishCheck)
	st.Post("/publish/confirm", publishers, s.handleStaffPublishConfirm)
	st.Post("/publish/disclosure", publishers, s.handleStaffDisclosurePublished)
	// The public scoreboard (/stats, GET /api/v1/stats).
	app.Get("/stats", s.handleStats)
	api.Get("/stats", s.handleAPIStats)
	// Published answers (公开答复).
	app.Get("/answers", s.handleAnswers)
	app.Get("/answers/:id<int>", s.handleAnswer)
}
