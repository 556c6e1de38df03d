package portal

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"

	"sunlight/static"
)

//go:embed templates
var templateFS embed.FS

type templates struct{ pages map[string]*template.Template }

var funcs = template.FuncMap{
	"static": static.URL,
	"money":  formatYuan,
	"date":   func(t time.Time) string { return t.Format("2006-01-02") },
	"num":    formatInt,
}

// parseTemplates parses every page once, each with the layout and the
// partials; a missing or broken template fails the boot.
func parseTemplates() (*templates, error) {
	pages, err := fs.Glob(templateFS, "templates/pages/*.html")
	if err != nil {
		return nil, err
	}
	partials, err := fs.Glob(templateFS, "templates/partials/*.html")
	if err != nil {
		return nil, err
	}
	t := &templates{pages: make(map[string]*template.Template, len(pages))}
	for _, p := range pages {
		files := append([]string{"templates/layout.html"}, partials...)
		files = append(files, p)
		tpl, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, files...)
		if err != nil {
			return nil, fmt.Errorf("template %s: %w", p, err)
		}
		t.pages[strings.TrimSuffix(path.Base(p), ".html")] = tpl
	}
	for _, required := range []string{"home", "error"} {
		if t.pages[required] == nil {
			return nil, fmt.Errorf("template %s is missing", required)
		}
	}
	return t, nil
}

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// render executes the named page into a buffer and only then sends it, so a
// template error never leaves half a page on the wire.
func (s *Server) render(c *fiber.Ctx, name string, data any) error {
	tpl := s.tpl.pages[name]
	if tpl == nil {
		return fmt.Errorf("no template %q", name)
	}
	buf := bufPool.Get().(*bytes.Buffer)
	buf.Reset()
	defer bufPool.Put(buf)
	if err := tpl.ExecuteTemplate(buf, "layout", data); err != nil {
		return fmt.Errorf("render %s: %w", name, err)
	}
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	return c.Send(buf.Bytes())
}

// Page is what the layout needs; every page struct embeds it.
type Page struct {
	Title       string
	Description string
	Nav         string // which top-level menu entry is current
	BigText     bool   // 适老化 large-text mode
	Path        string // current path, for the text-size switch to come back to
}

func (s *Server) page(c *fiber.Ctx, title string) Page {
	return Page{Title: title, BigText: c.Cookies(textSizeCookie) == "big", Path: c.Path()}
}

// formatYuan renders an amount in fen (1/100 yuan) as yuan with thousands
// separators: 1234567 → "12,345.67".
func formatYuan(fen int64) string {
	neg := fen < 0
	if neg {
		fen = -fen
	}
	s := formatInt(fen/100) + "." + fmt.Sprintf("%02d", fen%100)
	if neg {
		return "-" + s
	}
	return s
}

func formatInt(n int64) string {
	s := strconv.FormatInt(n, 10)
	start := 0
	if n < 0 {
		start = 1
	}
	var b strings.Builder
	b.WriteString(s[:start])
	digits := s[start:]
	for i, r := range digits {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String()
}
