package staff_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"gorm.io/gorm"

	"sunlight/catalog"
	"sunlight/domain"
	"sunlight/internal/testclock"
	"sunlight/internal/testdb"
	"sunlight/staff"
)

var cheap = staff.Params{Memory: 64, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}

// setup is a store on the demo regions with a fixed clock and, unless
// params are given, cheap hashing.
func setup(t *testing.T, db *gorm.DB, params ...staff.Params) (*staff.Store, *testclock.Clock) {
	t.Helper()
	testdb.Setup(t, db, catalog.Migrate, catalog.LoadDemoRegions, staff.Migrate)
	c := testclock.At(time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC))
	o := staff.Options{Now: c.Now, Params: cheap}
	for _, p := range params {
		o.Params = p
	}
	return staff.NewStore(db, o), c
}

func add(t *testing.T, s *staff.Store, user, dept string, role domain.Role) *staff.Account {
	t.Helper()
	a, err := s.AddAccount(context.Background(), staff.NewAccount{Username: user, DeptCode: dept, Role: role, Password: "correct horse " + user}, "test")
	if err != nil {
		t.Fatalf("add %s: %v", user, err)
	}
	return a
}

func TestDefaultHashIsArgon2idPHC(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		s, _ := setup(t, db, staff.DefaultParams)
		a := add(t, s, "zhang.san", "210124-mz", domain.RoleStaff)
		var stored string
		if err := db.Table("staff_accounts").Where("id = ?", a.ID).Pluck("password_hash", &stored).Error; err != nil {
			t.Fatal(err)
		}
		p, salt, key, err := staff.ParsePHC(stored)
		if err != nil {
			t.Fatalf("stored hash %q: %v", stored, err)
		}
		if p.Memory < 19456 || p.Time < 2 || p.Threads < 1 {
			t.Errorf("argon2id params m=%d t=%d p=%d below OWASP's minimum", p.Memory, p.Time, p.Threads)
		}
		if len(salt) < 16 || len(key) < 32 {
			t.Errorf("salt %d bytes, key %d bytes", len(salt), len(key))
		}
		if _, _, err := s.Login(ctx, "zhang.san", "correct horse zhang.san", "192.0.2.1", ""); err != nil {
			t.Errorf("login with default params: %v", err)
		}
	})
}

func TestAddAccountValidates(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		s, _ := setup(t, db)
		add(t, s, "li.si", "210124-mz", domain.RoleStaff)
		if err := db.Transaction(func(tx *gorm.DB) error {
			return catalog.CloseDepartment(tx, "210124-cz", "test", time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC))
		}); err != nil {
			t.Fatal(err)
		}
		cases := []struct {
			name  string
			n     staff.NewAccount
			field string
		}{
			{"short password", staff.NewAccount{Username: "wang", DeptCode: "210124-mz", Role: domain.RoleStaff, Password: "short"}, "password"},
			{"bad username", staff.NewAccount{Username: "a b", DeptCode: "210124-mz", Role: domain.RoleStaff, Password: "long enough pw"}, "username"},
			{"taken", staff.NewAccount{Username: "LI.SI", DeptCode: "210124-mz", Role: domain.RoleStaff, Password: "long enough pw"}, "username"},
			{"no dept", staff.NewAccount{Username: "wang", DeptCode: "999", Role: domain.RoleStaff, Password: "long enough pw"}, "dept"},
			{"bad role", staff.NewAccount{Username: "wang", DeptCode: "210124-mz", Role: "boss", Password: "long enough pw"}, "role"},
			{"closed dept", staff.NewAccount{Username: "wang", DeptCode: "210124-cz", Role: domain.RoleStaff, Password: "long enough pw"}, "dept"},
			{"supervisor outside 纪委", staff.NewAccount{Username: "wang", DeptCode: "210124-mz", Role: domain.RoleSupervisor, Password: "long enough pw"}, "dept"},
		}
		for _, c := range cases {
			_, err := s.AddAccount(ctx, c.n, "test")
			var ve *domain.ValidationError
			if !errors.As(err, &ve) || ve.Fields[c.field] == "" {
				t.Errorf("%s: err = %v, want a validation error on %s", c.name, err, c.field)
			}
		}
		if _, err := s.AddAccount(ctx, staff.NewAccount{Username: "jw.fk", DeptCode: "210124-jw", Role: domain.RoleSupervisor, Password: "long enough pw"}, "test"); err != nil {
			t.Errorf("supervisor in 纪委监委: %v", err)
		}
	})
}

func TestSessionLifecycle(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		s, clk := setup(t, db)
		a := add(t, s, "zhao", "210124-mz", domain.RoleHead)
		first, p, err := s.Login(ctx, "Zhao", "correct horse zhao", "192.0.2.1", "")
		if err != nil {
			t.Fatal(err)
		}
		if p.Role != domain.RoleHead || p.Dept.Code != "210124-mz" || p.RegionCode() != "210124" {
			t.Errorf("principal = %+v", p)
		}
		if got, err := s.SessionPrincipal(ctx, first); err != nil || got.ID != a.ID {
			t.Fatalf("session lookup: %v", err)
		}
		// A second login from the same browser replaces, not reuses, the id.
		second, _, err := s.Login(ctx, "zhao", "correct horse zhao", "192.0.2.1", first)
		if err != nil || second == first {
			t.Fatalf("relogin: %v (same id: %v)", err, second == first)
		}
		if _, err := s.SessionPrincipal(ctx, first); !errors.Is(err, staff.ErrUnauthenticated) {
			t.Errorf("old session after relogin: %v", err)
		}
		// Made-up ids are never adopted.
		if _, err := s.SessionPrincipal(ctx, "attackerchosenvalue"); !errors.Is(err, staff.ErrUnauthenticated) {
			t.Errorf("made-up session: %v", err)
		}
		if err := s.Logout(ctx, second); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SessionPrincipal(ctx, second); !errors.Is(err, staff.ErrUnauthenticated) {
			t.Errorf("session after logout: %v", err)
		}
		// Idle and absolute expiry.
		third, _, _ := s.Login(ctx, "zhao", "correct horse zhao", "192.0.2.1", "")
		clk.Add(staff.DefaultLimits.SessionIdle + time.Second)
		if _, err := s.SessionPrincipal(ctx, third); !errors.Is(err, staff.ErrUnauthenticated) {
			t.Errorf("idle session: %v", err)
		}
		// Disabling ends sessions server-side.
		fourth, _, _ := s.Login(ctx, "zhao", "correct horse zhao", "192.0.2.1", "")
		if err := s.SetDisabled(ctx, a.ID, true, "admin"); err != nil {
			t.Fatal(err)
		}
		if n, _ := s.SessionCount(ctx, a.ID); n != 0 {
			t.Errorf("%d sessions left after disable", n)
		}
		if _, err := s.SessionPrincipal(ctx, fourth); !errors.Is(err, staff.ErrUnauthenticated) {
			t.Errorf("session of disabled account: %v", err)
		}
		if _, _, err := s.Login(ctx, "zhao", "correct horse zhao", "192.0.2.1", ""); !errors.Is(err, staff.ErrBadCredentials) {
			t.Errorf("login of disabled account: %v", err)
		}
		// Password reset ends sessions too.
		if err := s.SetDisabled(ctx, a.ID, false, "admin"); err != nil {
			t.Fatal(err)
		}
		fifth, _, _ := s.Login(ctx, "zhao", "correct horse zhao", "192.0.2.1", "")
		if err := s.SetPassword(ctx, a.ID, "a brand new password", "admin"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SessionPrincipal(ctx, fifth); !errors.Is(err, staff.ErrUnauthenticated) {
			t.Errorf("session after password reset: %v", err)
		}
		evs, _ := s.Events(ctx, a.ID)
		if len(evs) != 4 || evs[0].Action != staff.EventPasswordReset || evs[0].By != "admin" {
			t.Errorf("events = %+v", evs)
		}
	})
}

func TestLoginThrottle(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		s, clk := setup(t, db)
		add(t, s, "qian", "210124-mz", domain.RoleStaff)
		lim := staff.DefaultLimits
		// Unknown user and wrong password answer alike.
		for i := 0; i < lim.FailPerAccount; i++ {
			if _, _, err := s.Login(ctx, "qian", "wrong password!", "192.0.2.1", ""); !errors.Is(err, staff.ErrBadCredentials) {
				t.Fatalf("attempt %d: %v", i, err)
			}
			if _, _, err := s.Login(ctx, "nobody", "wrong password!", "192.0.2.1", ""); !errors.Is(err, staff.ErrBadCredentials) {
				t.Fatalf("unknown user attempt %d: %v", i, err)
			}
		}
		// Per account: even the right password from a fresh address is refused.
		var te *staff.ThrottledError
		if _, _, err := s.Login(ctx, "qian", "correct horse qian", "198.51.100.7", ""); !errors.As(err, &te) || te.RetryAfter <= 0 {
			t.Fatalf("after %d failures: %v, want throttled", lim.FailPerAccount, err)
		}
		if _, _, err := s.Login(ctx, "nobody", "x", "198.51.100.7", ""); !errors.As(err, &te) {
			t.Errorf("unknown user after failures: %v, want throttled", err)
		}
		// Per address: many user names from one address.
		for i := 0; i < lim.FailPerAddress; i++ {
			_, _, _ = s.Login(ctx, "user"+string(rune('a'+i)), "wrong password!", "203.0.113.9", "")
		}
		if _, _, err := s.Login(ctx, "someone-else", "wrong password!", "203.0.113.9", ""); !errors.As(err, &te) {
			t.Errorf("address after %d failures: %v, want throttled", lim.FailPerAddress, err)
		}
		// The window passes.
		clk.Add(lim.FailWindow + time.Second)
		if _, _, err := s.Login(ctx, "qian", "correct horse qian", "198.51.100.7", ""); err != nil {
			t.Errorf("after the window: %v", err)
		}
	})
}

func TestAPITokens(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		s, _ := setup(t, db)
		a := add(t, s, "sun", "210124-mz", domain.RoleStaff)
		tok, rec, err := s.IssueToken(ctx, a.ID, "脚本", "cli")
		if err != nil {
			t.Fatal(err)
		}
		var stored []string
		db.Table("staff_api_tokens").Pluck("hash", &stored)
		if len(stored) != 1 || stored[0] == tok || len(stored[0]) != 64 {
			t.Errorf("stored token column = %q", stored)
		}
		if p, err := s.TokenPrincipal(ctx, tok); err != nil || p.ID != a.ID {
			t.Fatalf("token lookup: %v", err)
		}
		if _, err := s.TokenPrincipal(ctx, tok+"x"); !errors.Is(err, staff.ErrUnauthenticated) {
			t.Errorf("altered token: %v", err)
		}
		if err := s.SetDisabled(ctx, a.ID, true, "admin"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.TokenPrincipal(ctx, tok); !errors.Is(err, staff.ErrUnauthenticated) {
			t.Errorf("token of disabled account: %v", err)
		}
		_ = s.SetDisabled(ctx, a.ID, false, "admin")
		if err := s.RevokeToken(ctx, a.ID, rec.ID, "admin"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.TokenPrincipal(ctx, tok); !errors.Is(err, staff.ErrUnauthenticated) {
			t.Errorf("revoked token: %v", err)
		}
		if err := s.RevokeToken(ctx, a.ID, rec.ID, "admin"); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("revoking twice: %v", err)
		}
	})
}
