package portal

import (
	"bytes"
	"fmt"
	"sync"

	"github.com/gofiber/fiber/v2"
)

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
