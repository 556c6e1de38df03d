package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"sunlight/catalog"
	"sunlight/report"
)

func qrCommand() *command {
	var subject, out string
	return &command{
		name:    "qr",
		summary: "qr --subject KIND:ID --out FILE: write a subject's QR code (FILE.png) or A4 poster (FILE.pdf)",
		setup: func(fs *flag.FlagSet) {
			fs.StringVar(&subject, "subject", "", "the subject, e.g. village:210124101201")
			fs.StringVar(&out, "out", "", "output file: .png for the code, .pdf for the printable poster")
		},
		run: func(ctx context.Context, e *env, _ []string) error {
			ext := strings.ToLower(filepath.Ext(out))
			if subject == "" || out == "" || (ext != ".png" && ext != ".pdf") {
				return &usageError{"qr needs --subject KIND:ID and --out FILE.png or FILE.pdf"}
			}
			return e.withServices(ctx, func(svc *services) error { return writeQR(ctx, e, svc.reports, subject, out, ext) })
		},
	}
}

func writeQR(ctx context.Context, e *env, svc *report.Service, subject, out, ext string) error {
	token, sub, err := svc.QRToken(ctx, subject)
	if err != nil {
		return fmt.Errorf("subject %s: %w", subject, err)
	}
	url := report.QRURL(e.cfg.BaseURL, token)
	var data []byte
	if ext == ".png" {
		data, err = report.QRPNG(url, 1024)
	} else {
		data, err = posterPDF(ctx, svc, sub, url)
	}
	if err != nil {
		return err
	}
	if err := os.WriteFile(out, data, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%s: %s → %s\n", out, sub.Title, url)
	return nil
}

// posterPDF renders sub's poster with the problem types it offers and the
// promise the deadline settings make now.
func posterPDF(ctx context.Context, svc *report.Service, sub *catalog.Subject, url string) ([]byte, error) {
	types, err := svc.ProblemTypes().Offered(ctx, sub.Kind)
	if err != nil {
		return nil, err
	}
	promise, err := svc.Promise(ctx)
	if err != nil {
		return nil, err
	}
	return report.NewPoster(sub, url, types, promise).PDF()
}
