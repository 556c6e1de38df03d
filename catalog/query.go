package catalog

import (
	"errors"
	"fmt"

	"gorm.io/gorm"

	"sunlight/domain"
)

// takeOne returns the row q finds, or an error wrapping domain.ErrNotFound when
// there is none; what names the row in errors ("fund 7").
func takeOne[T any](q *gorm.DB, what string) (*T, error) {
	var row T
	err := q.Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, fmt.Errorf("%s: %w", what, domain.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return &row, nil
}

// pageOf returns one page of the rows of q() in order, and how many rows
// q() has in all; what names the rows in errors ("funds").
func pageOf[T any](q func() *gorm.DB, order string, pg Paging, what string) ([]T, int64, error) {
	var total int64
	if err := q().Count(&total).Error; err != nil {
		return nil, 0, fmt.Errorf("count %s: %w", what, err)
	}
	var rows []T
	if err := q().Order(order).Offset(pg.Offset()).Limit(pg.Limit()).Find(&rows).Error; err != nil {
		return nil, 0, fmt.Errorf("list %s: %w", what, err)
	}
	return rows, total, nil
}
