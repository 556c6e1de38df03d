package portal

import (
	"github.com/gofiber/fiber/v2"

	"sunlight/catalog"
	"sunlight/report"
)

// qrPNGSize is the pixel size of /qr/{subject}.png: sharp when printed at
// 8 cm.
const qrPNGSize = 512

func (s *Server) handleQRPNG(c *fiber.Ctx) error {
	svc := s.st.reports
	token, _, err := svc.QRToken(c.UserContext(), c.Params("subject"))
	if err != nil {
		return err
	}
	png, err := report.QRPNG(report.QRURL(s.cfg.BaseURL, token), qrPNGSize)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "image/png")
	c.Set(fiber.HeaderCacheControl, "public, max-age=86400")
	return c.Send(png)
}

type qrPosterPage struct {
	Page
	Subject *catalog.Subject
	Poster  report.Poster
	Steps   []string
	PNG     string // the QR image's path
}

func (s *Server) handleQRPoster(c *fiber.Ctx) error {
	svc := s.st.reports
	token, sub, err := svc.QRToken(c.UserContext(), c.Params("subject"))
	if err != nil {
		return err
	}
	types, err := svc.ProblemTypes().Offered(c.UserContext(), sub.Kind)
	if err != nil {
		return err
	}
	promise, err := svc.Promise(c.UserContext())
	if err != nil {
		return err
	}
	poster := report.NewPoster(sub, report.QRURL(s.cfg.BaseURL, token), types, promise)
	p := qrPosterPage{Page: s.page(c, sub.Title+" · 扫码举报"), Subject: sub,
		Poster: poster, Steps: poster.Steps(),
		PNG: "/qr/" + sub.String() + ".png"}
	return s.render(c, "qr_poster", &p)
}

type qrLandingPage struct {
	Page
	Subject *catalog.Subject
	Types   []report.ProblemType
}

// handleQRLanding is where a scanned code lands: the subject, with the
// report form one tap away.
func (s *Server) handleQRLanding(c *fiber.Ctx) error {
	svc := s.st.reports
	sub, err := svc.QRSubject(c.UserContext(), c.Params("token"))
	if err != nil {
		return err
	}
	types, err := svc.ProblemTypes().Offered(c.UserContext(), sub.Kind)
	if err != nil {
		return err
	}
	p := qrLandingPage{Page: s.page(c, sub.Title), Subject: sub, Types: types}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return s.render(c, "qr_landing", &p)
}
