package staff

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"gorm.io/gorm"

	"sunlight/catalog"
	"sunlight/domain"
)

// Store keeps accounts, sessions, API tokens and login throttle counters.
type Store struct {
	db     *gorm.DB
	now    func() time.Time
	params Params
	depts  *catalog.DepartmentStore
	// hashing bounds how many argon2 computations (19 MiB each) run at
	// once, so a login flood cannot exhaust memory.
	hashing chan struct{}
	limits  Limits

	dummyOnce sync.Once
	dummy     string
}

// Limits are the session lifetimes and the login throttle.
type Limits struct {
	SessionMaxAge  time.Duration // absolute lifetime of a session
	SessionIdle    time.Duration // a session unused this long ends
	FailWindow     time.Duration // failed logins are counted over this window
	FailPerAccount int           // failures per user name within the window before 429
	FailPerAddress int           // failures per client address within the window before 429
}

// DefaultLimits are the production settings.
var DefaultLimits = Limits{
	SessionMaxAge:  12 * time.Hour,
	SessionIdle:    2 * time.Hour,
	FailWindow:     15 * time.Minute,
	FailPerAccount: 5,
	FailPerAddress: 20,
}

// Options tune a Store; zero values take the defaults.
type Options struct {
	Now    func() time.Time // nil: time.Now (tests use a fixed clock)
	Params Params           // argon2id parameters; DefaultParams unless set (tests use cheap ones)
	Limits Limits           // session lifetimes and the login throttle; DefaultLimits unless set
}

// NewStore returns a store on db.
func NewStore(db *gorm.DB, o Options) *Store {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Params == (Params{}) {
		o.Params = DefaultParams
	}
	if o.Limits == (Limits{}) {
		o.Limits = DefaultLimits
	}
	return &Store{db: db, now: o.Now, params: o.Params, depts: catalog.NewDepartmentStore(db),
		hashing: make(chan struct{}, 2), limits: o.Limits}
}

// Params returns the argon2id parameters new hashes use.
func (s *Store) Params() Params { return s.params }

func (s *Store) hash(ctx context.Context, pw string) (string, error) {
	if err := s.acquire(ctx); err != nil {
		return "", err
	}
	defer func() { <-s.hashing }()
	return s.params.Hash(pw)
}

func (s *Store) verify(ctx context.Context, phc, pw string) (bool, error) {
	if err := s.acquire(ctx); err != nil {
		return false, err
	}
	defer func() { <-s.hashing }()
	return verifyPassword(phc, pw)
}

func (s *Store) acquire(ctx context.Context) error {
	select {
	case s.hashing <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// dummyHash is verified against when the user is unknown, so that an
// unknown user takes as long as a wrong password.
func (s *Store) dummyHash() string {
	s.dummyOnce.Do(func() {
		h, err := s.params.Hash("sunlight-no-such-user")
		if err != nil {
			panic(err) // crypto/rand failed
		}
		s.dummy = h
	})
	return s.dummy
}

// NewAccount is what creating an account takes.
type NewAccount struct {
	Username    string
	DisplayName string
	DeptCode    string
	Role        domain.Role
	Password    string
}

// AddAccount creates an account. The department must exist and be open
// (a closed one keeps its accounts for its history, but gains none); a
// supervisor must belong to a supervising body (纪委监委).
// by names who acts, for the account's event log.
func (s *Store) AddAccount(ctx context.Context, n NewAccount, by string) (*Account, error) {
	a := Account{Username: NormalizeUsername(n.Username), DisplayName: trimTo(n.DisplayName, 64), DeptCode: n.DeptCode, Role: n.Role}
	if err := checkUsername(a.Username); err != nil {
		return nil, err
	}
	if _, err := domain.ParseRole(string(a.Role)); err != nil {
		return nil, err
	}
	dept, err := s.depts.Get(ctx, a.DeptCode)
	if errors.Is(err, domain.ErrNotFound) {
		return nil, domain.Invalid("部门不存在", "dept", fmt.Sprintf("没有编号为 %q 的部门", a.DeptCode))
	}
	if err != nil {
		return nil, err
	}
	if dept.Closed {
		return nil, domain.Invalid("该单位已撤销，不能新增账号", "dept", dept.Name+" 已撤销")
	}
	if a.Role == domain.RoleSupervisor && !dept.Supervisor {
		return nil, domain.Invalid("督办账号必须属于纪委监委", "dept", dept.Name+" 不是监督机关")
	}
	if err := checkPassword(a.Username, n.Password); err != nil {
		return nil, err
	}
	if a.PasswordHash, err = s.hash(ctx, n.Password); err != nil {
		return nil, err
	}
	now := s.now().UTC()
	a.CreatedAt, a.UpdatedAt = now, now
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&a).Error; err != nil {
			return err
		}
		return s.event(tx, a.ID, EventCreated, by, string(a.Role)+" "+a.DeptCode)
	})
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return nil, domain.Invalid("用户名已被使用", "username", "用户名已被使用")
	}
	if err != nil {
		return nil, fmt.Errorf("add account: %w", err)
	}
	return &a, nil
}

func trimTo(s string, n int) string {
	r := []rune(s)
	if len(r) > n {
		r = r[:n]
	}
	return string(r)
}

// Account returns one account.
func (s *Store) Account(ctx context.Context, id uint64) (*Account, error) {
	return s.takeAccount(ctx, "id = ?", id)
}

// AccountByUsername returns the account with that user name.
func (s *Store) AccountByUsername(ctx context.Context, username string) (*Account, error) {
	return s.takeAccount(ctx, "username = ?", NormalizeUsername(username))
}

func (s *Store) takeAccount(ctx context.Context, where string, arg any) (*Account, error) {
	var a Account
	err := s.db.WithContext(ctx).Where(where, arg).Take(&a).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, fmt.Errorf("account: %w", domain.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("account: %w", err)
	}
	return &a, nil
}

// Accounts lists every account by user name.
func (s *Store) Accounts(ctx context.Context) ([]Account, error) {
	var as []Account
	if err := s.db.WithContext(ctx).Order("username").Find(&as).Error; err != nil {
		return nil, fmt.Errorf("list accounts: %w", err)
	}
	return as, nil
}

// Principal returns the account with its department.
func (s *Store) Principal(ctx context.Context, a *Account) (*Principal, error) {
	d, err := s.depts.Get(ctx, a.DeptCode)
	if err != nil {
		return nil, err
	}
	return &Principal{Account: *a, Dept: *d}, nil
}

// SetDisabled disables or re-enables an account. Disabling ends its
// sessions at once; its tokens stop working while it stays disabled.
func (s *Store) SetDisabled(ctx context.Context, id uint64, disabled bool, by string) error {
	ev := EventEnabled
	if disabled {
		ev = EventDisabled
	}
	return s.updateAccount(ctx, id, map[string]any{"disabled": disabled}, ev, by, disabled)
}

// SetPassword replaces an account's password and ends its sessions.
func (s *Store) SetPassword(ctx context.Context, id uint64, pw, by string) error {
	a, err := s.Account(ctx, id)
	if err != nil {
		return err
	}
	if err := checkPassword(a.Username, pw); err != nil {
		return err
	}
	h, err := s.hash(ctx, pw)
	if err != nil {
		return err
	}
	return s.updateAccount(ctx, id, map[string]any{"password_hash": h}, EventPasswordReset, by, true)
}

// updateAccount sets fields of account id (and its updated_at), records
// the event ev by by and, with endSessions, ends the account's sessions,
// all in one transaction.
func (s *Store) updateAccount(ctx context.Context, id uint64, fields map[string]any, ev, by string, endSessions bool) error {
	fields["updated_at"] = s.now().UTC()
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Model(&Account{}).Where("id = ?", id).Updates(fields)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return fmt.Errorf("account %d: %w", id, domain.ErrNotFound)
		}
		if err := s.event(tx, id, ev, by, ""); err != nil {
			return err
		}
		if !endSessions {
			return nil
		}
		return tx.Where("account_id = ?", id).Delete(&Session{}).Error
	})
}

// ChangePassword replaces the account's password after checking the
// current one, and ends every session of the account.
func (s *Store) ChangePassword(ctx context.Context, id uint64, current, next string) error {
	a, err := s.Account(ctx, id)
	if err != nil {
		return err
	}
	ok, err := s.verify(ctx, a.PasswordHash, current)
	if err != nil {
		return err
	}
	if !ok {
		return domain.Invalid("当前密码不正确", "current", "当前密码不正确")
	}
	return s.SetPassword(ctx, id, next, a.Username)
}
