package staff

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"gorm.io/gorm"

	"sunlight/catalog"
)

// errRollback ends a checked-only import.
var errRollback = errors.New("rollback")

// ImportOwn runs catalog.Import for a department's own staff: the same
// all-or-nothing import as the command line, refused as a whole if any
// row it would create or change belongs, or belonged, to another
// department. It imports inside a transaction, reads the change rows the
// import recorded, checks each changed record's department as written and
// as it was before, and commits only when all are dept's (and dryRun is
// off). A refused row is reported like a bad row.
func ImportOwn(ctx context.Context, db *gorm.DB, dept, kind, filename string, data []byte, opt catalog.ImportOptions, dryRun bool) (catalog.ImportResult, error) {
	var before *uint64
	if err := db.WithContext(ctx).Model(&catalog.Change{}).Select("MAX(id)").Scan(&before).Error; err != nil {
		return catalog.ImportResult{}, err
	}
	last := uint64(0)
	if before != nil {
		last = *before
	}
	opt.DryRun = false
	var res catalog.ImportResult
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		if res, err = catalog.Import(ctx, tx, kind, filename, bytes.NewReader(data), opt); err != nil {
			return err
		}
		var subjects []string
		if err := tx.Model(&catalog.Change{}).Where("id > ?", last).Distinct("subject").Order("subject").Pluck("subject", &subjects).Error; err != nil {
			return err
		}
		if err := checkOwner(ctx, tx, db, dept, filename, subjects); err != nil {
			return err
		}
		if dryRun {
			return errRollback
		}
		return nil
	})
	if errors.Is(err, errRollback) {
		err = nil
	}
	res.DryRun = dryRun
	return res, err
}

// owned lists, per subject kind, the table and key column holding the
// department of a changed record.
var owned = map[string]struct {
	model any
	key   string
}{
	catalog.SubjectDisclosure: {&catalog.Disclosure{}, "id"},
	catalog.SubjectFund:       {&catalog.Fund{}, "id"},
	catalog.SubjectCategory:   {&catalog.Category{}, "code"},
}

// checkOwner makes sure every changed subject is dept's now (inside tx)
// and was dept's or new before (the committed state, read outside tx).
func checkOwner(ctx context.Context, tx, committed *gorm.DB, dept, file string, subjects []string) error {
	byKind := map[string][]string{}
	for _, s := range subjects {
		kind, id, _ := strings.Cut(s, ":")
		byKind[kind] = append(byKind[kind], id)
	}
	var bad []catalog.RowError
	for _, kind := range slices.Sorted(maps.Keys(byKind)) {
		o, ok := owned[kind]
		if !ok {
			return fmt.Errorf("import changed %s records, which have no department", kind)
		}
		for _, db := range []*gorm.DB{tx, committed} {
			foreign, err := foreignRows(ctx, db, o.model, o.key, dept, byKind[kind])
			if err != nil {
				return err
			}
			for _, f := range foreign {
				bad = append(bad, catalog.RowError{File: file, Reason: fmt.Sprintf("%s:%s 属于其他单位（%s），只能由该单位或系统管理员发布", kind, f.Key, f.DeptCode)})
			}
		}
	}
	if len(bad) > 0 {
		return &catalog.ImportError{Rows: bad}
	}
	return nil
}

type ownerRow struct {
	Key      string
	DeptCode string
}

func foreignRows(ctx context.Context, db *gorm.DB, model any, key, dept string, ids []string) ([]ownerRow, error) {
	var out []ownerRow
	for start := 0; start < len(ids); start += 500 {
		var rows []ownerRow
		err := db.WithContext(ctx).Model(model).Select(key+" AS `key`, dept_code").
			Where(key+" IN ? AND dept_code <> ?", ids[start:min(start+500, len(ids))], dept).Find(&rows).Error
		if err != nil {
			return nil, err
		}
		out = append(out, rows...)
	}
	return out, nil
}
