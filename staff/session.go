package staff

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
)

// Session is a signed-in browser. Only the SHA-256 of the cookie value is
// stored, so a copy of the table does not sign anyone in.
type Session struct {
	ID         string    `gorm:"primaryKey;size:64"` // hex SHA-256 of the secret
	AccountID  uint64    `gorm:"not null;index"`
	CreatedAt  time.Time `gorm:"not null"`
	LastSeenAt time.Time `gorm:"not null"`
	ExpiresAt  time.Time `gorm:"not null;index"`
}

// TableName keeps the table's name explicit.
func (Session) TableName() string { return "staff_sessions" }

var tokenEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// newSecret returns 160 random bits, base32 (32 characters).
func newSecret() (string, error) {
	b := make([]byte, 20)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return strings.ToLower(tokenEncoding.EncodeToString(b)), nil
}

func digest(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// Login checks a user name and password for a client address and, when
// they match, starts a new session, returning its secret (the cookie
// value). An unknown user, a disabled account and a wrong password all
// give ErrBadCredentials after the same work; too many failures for the
// user name or the address give *ThrottledError before any checking.
// previous, the client's old session secret if any, is ended: a session
// id is never carried across a login.
func (s *Store) Login(ctx context.Context, username, password, addr, previous string) (string, *Principal, error) {
	username = NormalizeUsername(username)
	if err := s.checkThrottle(ctx, username, addr); err != nil {
		return "", nil, err
	}
	a, err := s.AccountByUsername(ctx, username)
	phc := s.dummyHash()
	if err == nil {
		phc = a.PasswordHash
	} else if !isNotFound(err) {
		return "", nil, err
	}
	ok, verr := s.verify(ctx, phc, password)
	if verr != nil && a != nil {
		return "", nil, fmt.Errorf("account %d: %w", a.ID, verr)
	}
	if a == nil || !ok || a.Disabled || len(password) > 4*MaxPasswordLen {
		if err := s.recordFailure(ctx, username, addr); err != nil {
			return "", nil, err
		}
		return "", nil, ErrBadCredentials
	}
	p, err := s.Principal(ctx, a)
	if err != nil {
		return "", nil, err
	}
	secret, err := s.startSession(ctx, a.ID, previous)
	if err != nil {
		return "", nil, err
	}
	if err := s.clearFailures(ctx, username); err != nil {
		return "", nil, err
	}
	return secret, p, nil
}

func (s *Store) startSession(ctx context.Context, accountID uint64, previous string) (string, error) {
	secret, err := newSecret()
	if err != nil {
		return "", err
	}
	now := s.now().UTC()
	sess := Session{ID: digest(secret), AccountID: accountID, CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(s.limits.SessionMaxAge)}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if previous != "" {
			if err := tx.Where("id = ?", digest(previous)).Delete(&Session{}).Error; err != nil {
				return err
			}
		}
		// Expired sessions are swept here, at the rare moment of a login.
		if err := tx.Where("expires_at < ?", now).Delete(&Session{}).Error; err != nil {
			return err
		}
		return tx.Create(&sess).Error
	})
	if err != nil {
		return "", fmt.Errorf("start session: %w", err)
	}
	return secret, nil
}

// SessionPrincipal returns who holds the session secret. Unknown, expired
// or idle sessions, and sessions of disabled accounts, give
// ErrUnauthenticated; a client-chosen secret never matches anything.
func (s *Store) SessionPrincipal(ctx context.Context, secret string) (*Principal, error) {
	if secret == "" || len(secret) > 64 {
		return nil, ErrUnauthenticated
	}
	var sess Session
	if err := s.credential(ctx, "session", &sess, "id = ?", digest(secret)); err != nil {
		return nil, err
	}
	now := s.now().UTC()
	if !now.Before(sess.ExpiresAt) || now.Sub(sess.LastSeenAt) >= s.limits.SessionIdle {
		_ = s.db.WithContext(ctx).Where("id = ?", sess.ID).Delete(&Session{}).Error
		return nil, ErrUnauthenticated
	}
	p, err := s.activePrincipal(ctx, sess.AccountID)
	if err != nil {
		return nil, err
	}
	// Touch at most once a minute: a page view need not be a write.
	if now.Sub(sess.LastSeenAt) > time.Minute {
		if err := s.db.WithContext(ctx).Model(&Session{}).Where("id = ?", sess.ID).Update("last_seen_at", now).Error; err != nil {
			return nil, fmt.Errorf("session: %w", err)
		}
	}
	return p, nil
}

func (s *Store) activePrincipal(ctx context.Context, id uint64) (*Principal, error) {
	a, err := s.Account(ctx, id)
	if isNotFound(err) {
		return nil, ErrUnauthenticated
	}
	if err != nil {
		return nil, err
	}
	if a.Disabled {
		return nil, ErrUnauthenticated
	}
	return s.Principal(ctx, a)
}

// Logout ends the session server-side; replaying its cookie signs no one in.
func (s *Store) Logout(ctx context.Context, secret string) error {
	if secret == "" {
		return nil
	}
	return s.db.WithContext(ctx).Where("id = ?", digest(secret)).Delete(&Session{}).Error
}

// SessionCount is how many live session rows an account has (for the admin page and tests).
func (s *Store) SessionCount(ctx context.Context, accountID uint64) (int64, error) {
	var n int64
	err := s.db.WithContext(ctx).Model(&Session{}).Where("account_id = ? AND expires_at > ?", accountID, s.now().UTC()).Count(&n).Error
	return n, err
}
