package report

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"regexp"

	"gorm.io/gorm"

	"sunlight/catalog"
	"sunlight/domain"
)

// QR tokens are 10 characters of [a-z2-7] (50 bits): short enough for a
// small, robust QR code, too many to guess, and stored so a printed
// poster keeps working for as long as the subject exists.
const qrTokenLen = 10

var qrTokenRE = regexp.MustCompile(`^[a-z2-7]{10}$`)

func newQRToken() string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz234567"
	b := make([]byte, qrTokenLen)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	for i := range b {
		b[i] = alphabet[b[i]&31]
	}
	return string(b)
}

// QRToken returns the subject's stable token, creating it on first use.
// The subject must exist.
func (s *Service) QRToken(ctx context.Context, subject string) (string, *catalog.Subject, error) {
	sub, err := s.subjects.Resolve(ctx, subject)
	if err != nil {
		return "", nil, err
	}
	key := sub.String()
	for attempt := 0; attempt < 5; attempt++ {
		var q QRCode
		err := s.db.WithContext(ctx).Where("subject = ?", key).Take(&q).Error
		if err == nil {
			return q.Token, sub, nil
		}
		if !errors.Is(err, gorm.ErrRecordNotFound) {
			return "", nil, err
		}
		q = QRCode{Token: newQRToken(), Subject: key, Created: s.now().UTC()}
		err = s.db.WithContext(ctx).Create(&q).Error
		if err == nil {
			return q.Token, sub, nil
		}
		if !errors.Is(err, gorm.ErrDuplicatedKey) {
			return "", nil, err
		}
		// Another process made one for this subject (or the token
		// collided): read again.
	}
	return "", nil, fmt.Errorf("qr token for %s: too many collisions", key)
}

// QRSubject returns the subject a token stands for.
func (s *Service) QRSubject(ctx context.Context, token string) (*catalog.Subject, error) {
	if !qrTokenRE.MatchString(token) {
		return nil, domain.ErrNotFound
	}
	var q QRCode
	err := s.db.WithContext(ctx).Where("token = ?", token).Take(&q).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, domain.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	return s.subjects.Resolve(ctx, q.Subject)
}

// Subject resolves KIND:ID (a pass-through to catalog's resolver).
func (s *Service) Subject(ctx context.Context, subject string) (*catalog.Subject, error) {
	return s.subjects.Resolve(ctx, subject)
}
