// Package testdb gives tests a fresh, real database: an SQLite file per test
// always, and a fresh MySQL/MariaDB database per test when
// SUNLIGHT_TEST_MYSQL_DSN is set (mysql://user:pass@host:port/ — the database
// part is ignored; a new one is created and dropped for each test).
//
// With CI=true a missing SUNLIGHT_TEST_MYSQL_DSN fails the test instead of
// skipping it, so that a CI run can never pass without exercising MySQL.
package testdb

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"gorm.io/gorm"

	"sunlight/internal/database"
)

// EnvMySQL names the variable holding the test server's URL.
const EnvMySQL = "SUNLIGHT_TEST_MYSQL_DSN"

// SQLite opens a fresh SQLite database in t.TempDir.
func SQLite(t testing.TB) *gorm.DB {
	t.Helper()
	path := filepath.Join(t.TempDir(), "test.db")
	db, err := database.Open(context.Background(), database.Target{Kind: database.SQLite, Path: path}, nil)
	if err != nil {
		t.Fatalf("open sqlite: %v", err)
	}
	t.Cleanup(func() { _ = database.Close(db) })
	return db
}

// MySQLURL returns the URL of a fresh, empty MySQL database that is dropped
// when the test ends, or skips (fails under CI=true) when no server is set.
func MySQLURL(t testing.TB) string {
	t.Helper()
	base := os.Getenv(EnvMySQL)
	if base == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not set: CI must run every test on MySQL too (make test starts a MariaDB)", EnvMySQL)
		}
		t.Skipf("MySQL case skipped: %s is not set (make test provisions a MariaDB)", EnvMySQL)
	}
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("%s: %v", EnvMySQL, err)
	}
	admin, err := database.ParseTarget(withDB(u, "mysql"), "")
	if err != nil {
		t.Fatalf("%s: %v", EnvMySQL, err)
	}
	adminDB, err := database.Open(context.Background(), admin, nil)
	if err != nil {
		t.Fatalf("connect to test MySQL: %v", err)
	}
	name := "sl_test_" + randomHex(6)
	if err := adminDB.Exec("CREATE DATABASE " + name + " CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci").Error; err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		_ = adminDB.Exec("DROP DATABASE IF EXISTS " + name).Error
		_ = database.Close(adminDB)
	})
	return withDB(u, name)
}

// MySQL opens a fresh MySQL database (see MySQLURL).
func MySQL(t testing.TB) *gorm.DB {
	t.Helper()
	target, err := database.ParseTarget(MySQLURL(t), "")
	if err != nil {
		t.Fatal(err)
	}
	db, err := database.Open(context.Background(), target, nil)
	if err != nil {
		t.Fatalf("open test MySQL database: %v", err)
	}
	t.Cleanup(func() { _ = database.Close(db) })
	return db
}

// Each runs fn as two subtests, "sqlite" and "mysql", each on a fresh database.
func Each(t *testing.T, fn func(t *testing.T, db *gorm.DB)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, SQLite(t)) })
	t.Run("mysql", func(t *testing.T) { fn(t, MySQL(t)) })
}

// Setup runs steps on db in order — a package's Migrate, a demo loader, a
// seed — and fails the test at the first error.
func Setup(tb testing.TB, db *gorm.DB, steps ...func(context.Context, *gorm.DB) error) {
	tb.Helper()
	for _, step := range steps {
		if err := step(context.Background(), db); err != nil {
			tb.Fatal(err)
		}
	}
}

// Count is how many rows of model's table match where (a condition and
// its arguments; all rows without one), failing the test on an error.
func Count(tb testing.TB, db *gorm.DB, model any, where ...any) int64 {
	tb.Helper()
	q := db.Model(model)
	if len(where) > 0 {
		q = q.Where(where[0], where[1:]...)
	}
	var n int64
	if err := q.Count(&n).Error; err != nil {
		tb.Fatal(err)
	}
	return n
}

// Open opens a fresh database of the named kind ("sqlite" or "mysql"), for
// benchmarks that choose one by flag.
func Open(tb testing.TB, kind string) *gorm.DB {
	tb.Helper()
	switch kind {
	case "", "sqlite":
		return SQLite(tb)
	case "mysql":
		return MySQL(tb)
	}
	tb.Fatalf("unknown database kind %q", kind)
	return nil
}

func withDB(u *url.URL, name string) string {
	c := *u
	c.Path = "/" + name
	return c.String()
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("crypto/rand: %v", err))
	}
	return hex.EncodeToString(b)
}
