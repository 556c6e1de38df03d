package staff

import (
	"context"
	"errors"
	"fmt"
	"time"

	"sunlight/domain"
)

// loginFailure is one failed login, counted under the user name and the
// client address. Rows older than the window are swept.
type loginFailure struct {
	ID     uint64    `gorm:"primaryKey;autoIncrement"`
	Bucket string    `gorm:"size:160;not null;index:idx_staff_login_failures_bucket_at,priority:1"`
	At     time.Time `gorm:"not null;index:idx_staff_login_failures_bucket_at,priority:2;index"`
}

func (loginFailure) TableName() string { return "staff_login_failures" }

func accountKey(username string) string { return "user:" + trimTo(username, 64) }
func addressKey(addr string) string     { return "addr:" + trimTo(addr, 64) }

// checkThrottle refuses a login attempt when the user name or the address
// already has too many recent failures.
func (s *Store) checkThrottle(ctx context.Context, username, addr string) error {
	since := s.now().UTC().Add(-s.limits.FailWindow)
	for _, c := range []struct {
		key   string
		limit int
	}{{accountKey(username), s.limits.FailPerAccount}, {addressKey(addr), s.limits.FailPerAddress}} {
		if c.limit <= 0 {
			continue
		}
		var rows []time.Time
		err := s.db.WithContext(ctx).Model(&loginFailure{}).Where("bucket = ? AND at > ?", c.key, since).
			Order("at DESC").Limit(c.limit).Pluck("at", &rows).Error
		if err != nil {
			return fmt.Errorf("login throttle: %w", err)
		}
		if len(rows) >= c.limit {
			// Free again when the oldest counted failure leaves the window.
			wait := rows[len(rows)-1].Add(s.limits.FailWindow).Sub(s.now().UTC())
			if wait < time.Second {
				wait = time.Second
			}
			return &ThrottledError{RetryAfter: wait}
		}
	}
	return nil
}

func (s *Store) recordFailure(ctx context.Context, username, addr string) error {
	now := s.now().UTC()
	rows := []loginFailure{{Bucket: accountKey(username), At: now}, {Bucket: addressKey(addr), At: now}}
	db := s.db.WithContext(ctx)
	if err := db.Create(&rows).Error; err != nil {
		return fmt.Errorf("login throttle: %w", err)
	}
	return db.Where("at < ?", now.Add(-s.limits.FailWindow)).Delete(&loginFailure{}).Error
}

func (s *Store) clearFailures(ctx context.Context, username string) error {
	return s.db.WithContext(ctx).Where("bucket = ?", accountKey(username)).Delete(&loginFailure{}).Error
}

func isNotFound(err error) bool { return errors.Is(err, domain.ErrNotFound) }
