package catalog

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"gorm.io/gorm"
)

// bulkInsert writes many new rows of one table inside a transaction, below
// gorm: on SQLite a prepared single-row INSERT executed again and again (no
// re-parsing, no statement journal, and no quadratic parameter binding in
// the driver — measured faster than multi-row statements), on MySQL
// multi-row INSERTs of up to mysqlBulkRows rows.
type bulkInsert struct {
	ctx     context.Context
	tx      *gorm.DB
	table   string
	cols    []string
	mysql   bool
	stmt    *sql.Stmt
	pending []any
	n       int
}

const (
	mysqlBulkRows  = 500
	sqliteBulkRows = 1
)

type preparer interface {
	PrepareContext(ctx context.Context, query string) (*sql.Stmt, error)
}

func newBulkInsert(ctx context.Context, tx *gorm.DB, table string, cols ...string) (*bulkInsert, error) {
	b := &bulkInsert{ctx: ctx, tx: tx, table: table, cols: cols, mysql: tx.Dialector.Name() == "mysql"}
	if b.mysql {
		return b, nil
	}
	p, ok := tx.Statement.ConnPool.(preparer)
	if !ok {
		return nil, fmt.Errorf("bulk insert into %s: connection cannot prepare statements", table)
	}
	stmt, err := p.PrepareContext(ctx, b.query(sqliteBulkRows))
	if err != nil {
		return nil, fmt.Errorf("prepare insert into %s: %w", table, err)
	}
	b.stmt = stmt
	return b, nil
}

func (b *bulkInsert) query(rows int) string {
	row := "(" + strings.TrimSuffix(strings.Repeat("?,", len(b.cols)), ",") + ")"
	return "INSERT INTO " + b.table + " (" + strings.Join(b.cols, ",") + ") VALUES " +
		strings.TrimSuffix(strings.Repeat(row+",", rows), ",")
}

// add queues one row, values in column order, and writes a full batch.
func (b *bulkInsert) add(vals ...any) error {
	b.pending = append(b.pending, vals...)
	b.n++
	switch {
	case b.mysql && b.n >= mysqlBulkRows:
		return b.flush()
	case !b.mysql && b.n == sqliteBulkRows:
		_, err := b.stmt.ExecContext(b.ctx, b.pending...)
		b.pending, b.n = b.pending[:0], 0
		if err != nil {
			return fmt.Errorf("insert into %s: %w", b.table, err)
		}
	}
	return nil
}

func (b *bulkInsert) flush() error {
	if b.n == 0 {
		return nil
	}
	if err := b.tx.Exec(b.query(b.n), b.pending...).Error; err != nil {
		return fmt.Errorf("insert into %s: %w", b.table, err)
	}
	b.pending, b.n = b.pending[:0], 0
	return nil
}

// close writes what is queued and releases the statement.
func (b *bulkInsert) close() error {
	err := b.flush()
	if b.stmt != nil {
		if cerr := b.stmt.Close(); err == nil {
			err = cerr
		}
	}
	return err
}

// recordChanges is RecordChange for many subjects at once.
func recordChanges(ctx context.Context, tx *gorm.DB, subjects []string) error {
	if len(subjects) == 0 {
		return nil
	}
	b, err := newBulkInsert(ctx, tx, "catalog_changes", "subject", "created_at")
	if err != nil {
		return err
	}
	now := tx.NowFunc()
	for _, s := range subjects {
		if err := b.add(s, now); err != nil {
			_ = b.close()
			return err
		}
	}
	return b.close()
}

// insertOriginals stores originals of new rows.
func insertOriginals(ctx context.Context, tx *gorm.DB, rows []Original) error {
	if len(rows) == 0 {
		return nil
	}
	b, err := newBulkInsert(ctx, tx, "catalog_originals", "subject", "field", "value")
	if err != nil {
		return err
	}
	for _, o := range rows {
		if err := b.add(o.Subject, o.Field, o.Value); err != nil {
			_ = b.close()
			return err
		}
	}
	return b.close()
}
