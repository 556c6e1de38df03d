// Package portal is Sunlight's HTTP face: the fiber app, its routes and
// handlers, server-rendered templates, the JSON API and the health and
// metrics endpoints.
package portal

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"sync/atomic"
	"time"

	"github.com/gofiber/fiber/v2"
	"gorm.io/gorm"

	"sunlight/catalog"
	"sunlight/report"
	"sunlight/search"
	"sunlight/staff"
	"sunlight/stats"
)

// Config is what the portal needs from its program.
type Config struct {
	DB      *gorm.DB
	Log     *slog.Logger
	Now     func() time.Time // defaults to time.Now
	BaseURL string           // public base URL, e.g. https://sunlight.example.gov.cn
	Version string
	// TrustedProxies lists the proxy addresses whose X-Forwarded-For is
	// believed; empty means the peer address is the client.
	TrustedProxies []string
	// SecretKey is the 32-byte key for encryption at rest and signing.
	SecretKey []byte
	// OldSecretKeys are retired keys: what they sealed still opens (and
	// receipts they issued are still found); new data uses SecretKey.
	OldSecretKeys [][]byte
	// ReportsPerMinute caps new reports per client address and minute
	// (0: no cap).
	ReportsPerMinute int
	// DataDir holds files that are not in the database: uploads, the
	// embedded search index.
	DataDir string
	// Search is the search engine; nil leaves search unavailable while
	// every other page works.
	Search search.Index
	// Reports is the one report service of the process (the program builds
	// it once and shares it with its scheduler); required.
	Reports *report.Service
	// Staff is the one staff account store of the process; required.
	Staff *staff.Store
	// Synonyms is the synonym store whose changes Search follows at once;
	// nil: a store of its own, whose changes Search sees within
	// search.SynonymRecheck.
	Synonyms *search.SynonymStore
	// Notifier is where notifications go (the one the scheduler delivers
	// through); nil: Reports' notifier with no environment defaults.
	Notifier *report.Notifier
}

// Server is the portal: a fiber app wired to the domain stores.
type Server struct {
	cfg     Config
	log     *slog.Logger
	now     func() time.Time
	app     *fiber.App
	tpl     *templates
	metrics *metrics
	checks  []Check
	closing atomic.Bool

	// The catalog's stores, built once; published data is read on the
	// server's clock.
	regions     *catalog.RegionStore
	depts       *catalog.DepartmentStore
	cats        *catalog.CategoryStore
	funds       *catalog.FundStore
	disclosures *catalog.DisclosureStore

	// st holds the staff store and the report service, which the
	// reporter-facing handlers share (staff_auth.go).
	st *staffDeps

	rep *reporting // QR codes, report form, tracking (report.go)

	home  memo[*homeFigures]  // the home page's figures (home.go)
	stats memo[*stats.Public] // the public scoreboard (stats.go)
}

// New builds the server; it fails if a required part of cfg is missing or
// a template is missing or broken.
func New(cfg Config) (*Server, error) {
	switch {
	case cfg.DB == nil:
		return nil, errors.New("portal: no database (Config.DB)")
	case cfg.Reports == nil:
		return nil, errors.New("portal: no report service (Config.Reports)")
	case cfg.Staff == nil:
		return nil, errors.New("portal: no staff store (Config.Staff)")
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Synonyms == nil {
		cfg.Synonyms = search.NewSynonymStore(cfg.DB)
		cfg.Synonyms.Now = cfg.Now
	}
	if cfg.Notifier == nil {
		cfg.Notifier = cfg.Reports.Notifier(report.NotifyDefaults{Log: cfg.Log})
	}
	tpl, err := parseTemplates()
	if err != nil {
		return nil, err
	}
	s := &Server{
		cfg:         cfg,
		log:         cfg.Log,
		now:         cfg.Now,
		tpl:         tpl,
		metrics:     newMetrics(),
		regions:     catalog.NewRegionStore(cfg.DB),
		depts:       catalog.NewDepartmentStore(cfg.DB),
		cats:        catalog.NewCategoryStore(cfg.DB),
		funds:       catalog.NewFundStore(cfg.DB),
		disclosures: catalog.NewDisclosureStore(cfg.DB),
		st:          newStaffDeps(cfg),
		home:        memo[*homeFigures]{ttl: 5 * time.Minute},
		stats:       memo[*stats.Public]{ttl: 5 * time.Minute},
	}
	s.disclosures.Now = s.now
	s.checks = []Check{{Name: "database", Required: true, Probe: s.pingDB}}
	s.initSearch()
	s.app = fiber.New(fiber.Config{
		AppName:                 "sunlight",
		Immutable:               true,
		DisableStartupMessage:   true,
		ErrorHandler:            s.handleError,
		ReadTimeout:             30 * time.Second,
		WriteTimeout:            60 * time.Second,
		IdleTimeout:             90 * time.Second,
		BodyLimit:               MaxBodyBytes,
		ReadBufferSize:          16 << 10,
		EnableTrustedProxyCheck: len(cfg.TrustedProxies) > 0,
		TrustedProxies:          cfg.TrustedProxies,
		ProxyHeader:             proxyHeader(cfg.TrustedProxies),
	})
	s.routes()
	return s, nil
}

// MaxBodyBytes is the largest request body any route accepts; routes that
// take no uploads enforce much smaller limits themselves.
const MaxBodyBytes = 20 << 20

func proxyHeader(trusted []string) string {
	if len(trusted) == 0 {
		return ""
	}
	return fiber.HeaderXForwardedFor
}

// App exposes the fiber app, for tests (app.Test) and embedding.
func (s *Server) App() *fiber.App { return s.app }

// AddCheck adds a readiness check; a check that is not Required only
// reports "degraded".
func (s *Server) AddCheck(c Check) { s.checks = append(s.checks, c) }

// Serve answers on ln until ctx is done, then stops taking new work: /readyz
// turns 503 at once and requests in flight get up to grace to finish.
func (s *Server) Serve(ctx context.Context, ln net.Listener, grace time.Duration) error {
	errc := make(chan error, 1)
	go func() { errc <- s.app.Listener(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	s.closing.Store(true)
	s.log.Info("shutting down", "grace", grace.String())
	if err := s.app.ShutdownWithTimeout(grace); err != nil {
		return err
	}
	// A stop that comes before the server has started accepting finds no
	// listener to shut: closing it ends the accept loop either way.
	_ = ln.Close()
	if err := <-errc; err != nil && !errors.Is(err, net.ErrClosed) {
		return err
	}
	return nil
}
