package database

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	_ "github.com/glebarez/go-sqlite"
)

// A new SQLite file gets 16 KiB pages and WAL; a file made with SQLite's
// default 4 KiB pages opens and keeps them.
func TestSQLitePageSize(t *testing.T) {
	ctx := context.Background()
	pageSize := func(path string) (size int, mode string) {
		db, err := Open(ctx, Target{Kind: SQLite, Path: path}, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer Close(db)
		if err := db.Raw("PRAGMA page_size").Scan(&size).Error; err != nil {
			t.Fatal(err)
		}
		if err := db.Raw("PRAGMA journal_mode").Scan(&mode).Error; err != nil {
			t.Fatal(err)
		}
		return size, mode
	}
	if size, mode := pageSize(filepath.Join(t.TempDir(), "new.db")); size != 16384 || mode != "wal" {
		t.Errorf("new file: page_size %d, journal_mode %s", size, mode)
	}

	old := filepath.Join(t.TempDir(), "old.db")
	raw, err := sql.Open("sqlite", "file:"+old)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec("CREATE TABLE t (x INTEGER)"); err != nil {
		t.Fatal(err)
	}
	if err := raw.Close(); err != nil {
		t.Fatal(err)
	}
	if size, mode := pageSize(old); size != 4096 || mode != "wal" {
		t.Errorf("existing file: page_size %d, journal_mode %s", size, mode)
	}
}
