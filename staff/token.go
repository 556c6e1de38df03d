package staff

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"sunlight/domain"
)

// TokenPrefix starts every personal API token, so a leaked one is easy to
// recognise in a scanner.
const TokenPrefix = "slt_"

// APIToken is a personal token for the staff JSON API. Only its SHA-256 is
// stored; the token itself is shown once.
type APIToken struct {
	ID         uint64     `gorm:"primaryKey;autoIncrement"`
	AccountID  uint64     `gorm:"not null;index"`
	Name       string     `gorm:"size:64;not null;default:''"`
	Hash       string     `gorm:"size:64;not null;uniqueIndex"`
	Hint       string     `gorm:"size:16;not null"` // the first characters, to tell tokens apart
	CreatedAt  time.Time  `gorm:"not null"`
	LastUsedAt *time.Time ``
	RevokedAt  *time.Time `gorm:"index"`
}

// TableName keeps the table's name explicit.
func (APIToken) TableName() string { return "staff_api_tokens" }

// IssueToken creates a token for the account and returns it; this is the
// only time it is ever visible.
func (s *Store) IssueToken(ctx context.Context, accountID uint64, name, by string) (string, *APIToken, error) {
	a, err := s.Account(ctx, accountID)
	if err != nil {
		return "", nil, err
	}
	if a.Disabled {
		return "", nil, domain.Invalid("账号已停用，不能签发令牌")
	}
	secret, err := newSecret()
	if err != nil {
		return "", nil, err
	}
	tok := TokenPrefix + secret
	t := APIToken{AccountID: a.ID, Name: trimTo(strings.TrimSpace(name), 64), Hash: digest(tok), Hint: tok[:len(TokenPrefix)+6], CreatedAt: s.now().UTC()}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&t).Error; err != nil {
			return err
		}
		return s.event(tx, a.ID, EventTokenIssued, by, t.Hint+"… "+t.Name)
	})
	if err != nil {
		return "", nil, fmt.Errorf("issue token: %w", err)
	}
	return tok, &t, nil
}

// credential loads the one session or token row matching query into dst;
// none is ErrUnauthenticated.
func (s *Store) credential(ctx context.Context, what string, dst any, query string, args ...any) error {
	err := s.db.WithContext(ctx).Where(query, args...).Take(dst).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return ErrUnauthenticated
	}
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

// TokenPrincipal returns who holds the token; unknown or revoked tokens and
// tokens of disabled accounts give ErrUnauthenticated.
func (s *Store) TokenPrincipal(ctx context.Context, tok string) (*Principal, error) {
	if !strings.HasPrefix(tok, TokenPrefix) || len(tok) > 64 {
		return nil, ErrUnauthenticated
	}
	var t APIToken
	if err := s.credential(ctx, "token", &t, "hash = ? AND revoked_at IS NULL", digest(tok)); err != nil {
		return nil, err
	}
	p, err := s.activePrincipal(ctx, t.AccountID)
	if err != nil {
		return nil, err
	}
	now := s.now().UTC()
	if t.LastUsedAt == nil || now.Sub(*t.LastUsedAt) > time.Minute {
		if err := s.db.WithContext(ctx).Model(&APIToken{}).Where("id = ?", t.ID).Update("last_used_at", now).Error; err != nil {
			return nil, fmt.Errorf("token: %w", err)
		}
	}
	return p, nil
}

// Tokens lists an account's tokens, newest first, revoked ones included.
func (s *Store) Tokens(ctx context.Context, accountID uint64) ([]APIToken, error) {
	var ts []APIToken
	err := s.db.WithContext(ctx).Where("account_id = ?", accountID).Order("id DESC").Find(&ts).Error
	return ts, err
}

// RevokeToken revokes one of the account's tokens.
func (s *Store) RevokeToken(ctx context.Context, accountID, tokenID uint64, by string) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Model(&APIToken{}).Where("id = ? AND account_id = ? AND revoked_at IS NULL", tokenID, accountID).
			Update("revoked_at", s.now().UTC())
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return fmt.Errorf("token %d: %w", tokenID, domain.ErrNotFound)
		}
		return s.event(tx, accountID, EventTokenRevoked, by, fmt.Sprintf("token %d", tokenID))
	})
}

// RevokeAllTokens revokes every token of the account and returns how many.
func (s *Store) RevokeAllTokens(ctx context.Context, accountID uint64, by string) (int64, error) {
	var n int64
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Model(&APIToken{}).Where("account_id = ? AND revoked_at IS NULL", accountID).Update("revoked_at", s.now().UTC())
		if res.Error != nil || res.RowsAffected == 0 {
			return res.Error
		}
		n = res.RowsAffected
		return s.event(tx, accountID, EventTokenRevoked, by, fmt.Sprintf("all %d tokens", n))
	})
	return n, err
}
