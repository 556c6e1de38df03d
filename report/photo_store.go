package report

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"sunlight/domain"
)

// photoAAD is what a photo file is sealed to: its stored name. The name
// is the photo's record key — 26 random characters drawn for this file,
// created with O_EXCL, and recorded in exactly one report_photos row
// (unique index) — and its extension decides the content type served, so
// a file copied or swapped onto another name, or renamed to another type,
// does not open. The report id is not part of it because it does not
// exist yet when the file is written: photos are made durable before the
// transaction that allocates the id, so that no receipt is ever shown for
// a report whose evidence is not on disk. Which report a photo belongs to
// is the report_photos row's business.
func photoAAD(name string) string { return "report-photo/" + name }

// photoMime is the content type of a stored photo, from its extension
// (ProcessPhoto re-encodes to JPEG or PNG only).
func photoMime(name string) string {
	if strings.HasSuffix(name, ".png") {
		return "image/png"
	}
	return "image/jpeg"
}

// OpenPhoto reads a stored photo and decrypts it, returning the image and
// its content type. A name that is not one of ours, or a missing file, is
// domain.ErrNotFound. A file that does not open — changed, moved from another
// name, sealed under a key that is no longer configured, or left in plain
// form — is an error wrapping ErrSealed that names the file and nothing
// else.
func (s *Service) OpenPhoto(name string) ([]byte, string, error) {
	path := s.PhotoPath(name)
	if path == "" {
		return nil, "", domain.ErrNotFound
	}
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, "", domain.ErrNotFound
	}
	if err != nil {
		return nil, "", err
	}
	img, err := s.keys.OpenBytes(b, photoAAD(name))
	if err != nil {
		return nil, "", fmt.Errorf("report: photo %s: %w", name, err)
	}
	return img, photoMime(name), nil
}

// SealResult is what SealPlainPhotos did.
type SealResult struct {
	Sealed int // plain photos now sealed
	// Unrecognised are photo files that are neither sealed nor a plain
	// image of their extension's type: left as they are, they do not open.
	Unrecognised []string
}

// sealingRE matches the temporary files SealPlainPhotos writes before
// renaming them into place.
var sealingRE = regexp.MustCompile(`^\.[a-z0-9]{26}\.(jpg|png)\.[a-z0-9]{8}\.sealing$`)

// SealPlainPhotos seals, in place, photos that versions before sealing
// stored as plain JPEG or PNG. Each is encrypted into a new file beside it,
// synced, and renamed over the plain one, so a crash leaves either the old
// or the new file, and running it again finishes the job. Sealed files are
// left alone, so it is cheap to run at every start and safe to run in two
// processes at once. OpenPhoto does not accept plain files: a reader that
// did would keep evidence in the clear on disk for good and would serve
// whatever image someone dropped into the folder.
//
// Renaming does not scrub the blocks the plain file used; only encrypting
// the volume covers those.
func (s *Service) SealPlainPhotos(ctx context.Context) (SealResult, error) {
	var res SealResult
	if s.uploads == "" {
		return res, nil
	}
	entries, err := os.ReadDir(s.uploads)
	if errors.Is(err, os.ErrNotExist) {
		return res, nil
	}
	if err != nil {
		return res, err
	}
	for _, e := range entries {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		name := e.Name()
		if sealingRE.MatchString(name) {
			// Left by a crash; another process's file in flight is younger.
			if info, err := e.Info(); err == nil && info.ModTime().Before(s.now().Add(-time.Hour)) {
				_ = os.Remove(filepath.Join(s.uploads, name))
			}
			continue
		}
		if !photoNameRE.MatchString(name) {
			continue
		}
		// The first bytes tell sealed from plain: a start does not read
		// every photo whole, only the plain ones it seals.
		head, err := readHead(filepath.Join(s.uploads, name), 16)
		if errors.Is(err, os.ErrNotExist) {
			continue // swept meanwhile
		}
		if err != nil {
			return res, err
		}
		switch {
		case IsSealed(head):
		case plainImage(name, head):
			b, err := os.ReadFile(filepath.Join(s.uploads, name))
			if err == nil {
				err = s.sealInPlace(name, b)
			}
			if err != nil {
				return res, fmt.Errorf("seal photo %s: %w", name, err)
			}
			res.Sealed++
		default:
			res.Unrecognised = append(res.Unrecognised, name)
		}
	}
	if res.Sealed > 0 {
		return res, syncDir(s.uploads)
	}
	return res, nil
}

// readHead reads up to n bytes from the start of a file.
func readHead(path string, n int) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b := make([]byte, n)
	k, err := io.ReadFull(f, b)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return nil, err
	}
	return b[:k], nil
}

// plainImage tells whether b is the kind of image its name says: what
// ProcessPhoto wrote before photos were sealed.
func plainImage(name string, b []byte) bool {
	if strings.HasSuffix(name, ".png") {
		return bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n"))
	}
	return bytes.HasPrefix(b, []byte("\xff\xd8\xff"))
}

func (s *Service) sealInPlace(name string, plain []byte) error {
	sealed, err := s.keys.SealBytes(plain, photoAAD(name))
	if err != nil {
		return err
	}
	tmp := filepath.Join(s.uploads, "."+name+"."+RandomName()[:8]+".sealing")
	if err := writeSynced(tmp, sealed); err != nil {
		_ = os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, filepath.Join(s.uploads, name)); err != nil {
		_ = os.Remove(tmp)
		return err
	}
	return nil
}

// syncDir makes the folder's entries (new names, renames) durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	if err := d.Sync(); err != nil {
		_ = d.Close()
		return err
	}
	return d.Close()
}
