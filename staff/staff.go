// Package staff holds the people who work in Sunlight: department staff,
// department heads, supervisors (纪委监委) and technical admins; their
// passwords (argon2id), their browser sessions and personal API tokens, and
// the login throttle. Sessions, tokens and throttle counters live in the
// database so that several portal processes share them.
//
// It knows nothing of the web: the portal turns cookies and headers into
// the calls here and errors here into HTTP statuses.
package staff

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"sunlight/catalog"
	"sunlight/domain"
)

// Account is one person's login.
type Account struct {
	ID           uint64      `gorm:"primaryKey;autoIncrement"`
	Username     string      `gorm:"size:64;not null;uniqueIndex"`
	DisplayName  string      `gorm:"size:64;not null;default:''"`
	DeptCode     string      `gorm:"size:32;not null;index"`
	Role         domain.Role `gorm:"size:16;not null"`
	PasswordHash string      `gorm:"size:255;not null"`
	Disabled     bool        `gorm:"not null;default:false"`
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// TableName keeps the table's name explicit.
func (Account) TableName() string { return "staff_accounts" }

// Principal is who a request runs as: the account and its department.
type Principal struct {
	Account
	Dept catalog.Department
}

// RegionCode is the region the principal answers for: their department's.
func (p *Principal) RegionCode() string { return p.Dept.RegionCode }

// Is reports whether the principal holds one of roles.
func (p *Principal) Is(roles ...domain.Role) bool {
	for _, r := range roles {
		if p.Role == r {
			return true
		}
	}
	return false
}

// The workbench's rules that are not about one report (those are
// report.Check's) and not a route's role guard (portal/routes.go):

// PublishesAll reports whether p may publish and withdraw any
// department's data (the admin); everyone else only their own
// department's rows (ImportOwn).
func (p *Principal) PublishesAll() bool { return p.Role == domain.RoleAdmin }

// WatchesRegion reports whether p's figures cover every department in its
// department's region (a supervisor) rather than its own department (a
// head).
func (p *Principal) WatchesRegion() bool { return p.Role == domain.RoleSupervisor }

// ReadsReports reports whether p works with report content; the
// technical admin never does.
func (p *Principal) ReadsReports() bool { return p.Role != domain.RoleAdmin }

// ErrBadCredentials is the one answer to a failed login, whether the user
// is unknown, disabled or gave the wrong password.
var ErrBadCredentials = errors.New("用户名或密码错误")

// ErrUnauthenticated means a session or token is unknown, expired, revoked
// or belongs to a disabled account.
var ErrUnauthenticated = errors.New("not signed in")

// ThrottledError says too many failed logins came from one account or
// address; nothing was checked.
type ThrottledError struct{ RetryAfter time.Duration }

func (e *ThrottledError) Error() string {
	return fmt.Sprintf("too many failed logins, retry after %s", e.RetryAfter.Round(time.Second))
}

var usernameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{1,31}$`)

// NormalizeUsername lower-cases and trims a user name.
func NormalizeUsername(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

func checkUsername(u string) error {
	if !usernameRE.MatchString(u) {
		return domain.Invalid("用户名不正确", "username", "2–32 位小写字母、数字、点、横线或下划线，以字母或数字开头")
	}
	return nil
}

// MinPasswordLen and MaxPasswordLen bound a password's length in runes.
const (
	MinPasswordLen = 10
	MaxPasswordLen = 128
)

func checkPassword(username, pw string) error {
	n := len([]rune(pw))
	switch {
	case n < MinPasswordLen:
		return domain.Invalid("密码太短", "password", fmt.Sprintf("至少 %d 个字符", MinPasswordLen))
	case n > MaxPasswordLen:
		return domain.Invalid("密码太长", "password", fmt.Sprintf("最多 %d 个字符", MaxPasswordLen))
	case strings.EqualFold(strings.TrimSpace(pw), username):
		return domain.Invalid("密码不能与用户名相同", "password", "密码不能与用户名相同")
	}
	return nil
}
