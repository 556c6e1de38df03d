package report

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	mysqldriver "github.com/go-sql-driver/mysql"
	"gorm.io/gorm"

	"sunlight/domain"
)

// transact runs fn in one transaction, and runs it again (up to three
// times) when MySQL chose it as a deadlock victim or it timed out waiting
// for a lock: both roll the whole transaction back, so a retry is safe and
// a reporter or handler never sees a spurious failure.
func (s *Service) transact(ctx context.Context, fn func(tx *gorm.DB) error) error {
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		err = s.db.WithContext(ctx).Transaction(fn)
		if !transient(err) || ctx.Err() != nil {
			return err
		}
		time.Sleep(time.Duration(attempt+1) * 10 * time.Millisecond)
	}
	return err
}

// unavailable wraps connection failures in domain.ErrUnavailable.
func unavailable(err error) error {
	var ne *net.OpError
	if err != nil && (errors.As(err, &ne) || errors.Is(err, driver.ErrBadConn) || errors.Is(err, mysqldriver.ErrInvalidConn) ||
		errors.Is(err, sql.ErrConnDone) || strings.Contains(err.Error(), "sql: database is closed")) {
		return fmt.Errorf("%w: %v", domain.ErrUnavailable, err)
	}
	return err
}

func transient(err error) bool {
	var me *mysqldriver.MySQLError
	return errors.As(err, &me) && (me.Number == 1213 || me.Number == 1205)
}
