package catalog

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"gorm.io/gorm"
)

// bulkInsert writes many new rows of one table inside a transaction, below
// gorm: on SQLite one prepared single-row INSERT executed per row (no
// statement journal, no re-parsing, no quadratic parameter binding), on
// MySQL multi-row INSERTs of up to mysqlBulkRows rows.
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

const mysqlBulkRows = 500

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
	stmt, err := p.PrepareContext(ctx, b.query(1))
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

// add writes (or queues) one row; values in column order.
func (b *bulkInsert) add(vals ...any) error {
	if !b.mysql {
		if _, err := b.stmt.ExecContext(b.ctx, vals...); err != nil {
			return fmt.Errorf("insert into %s: %w", b.table, err)
		}
		return nil
	}
	b.pending = append(b.pending, vals...)
	b.n++
	if b.n >= mysqlBulkRows {
		return b.flush()
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
	if b.stmt != nil {
		return b.stmt.Close()
	}
	return b.flush()
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
