package catalog

import (
	"fmt"
	"slices"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// What the import kinds share to write their rows: matching parsed rows
// with stored ones by natural key, ids, upserts and originals.

// stored is an existing row's id and digest.
type stored struct {
	ID     uint64
	Ref    string
	Digest string
}

// nextID returns the next free id of a table.
func nextID(tx *gorm.DB, model any) (uint64, error) {
	var max uint64
	if err := tx.Model(model).Select("COALESCE(MAX(id), 0)").Scan(&max).Error; err != nil {
		return 0, fmt.Errorf("next id: %w", err)
	}
	return max + 1, nil
}

// upsertByID writes rows, inserting new ids and replacing existing ones.
func upsertByID[T any](tx *gorm.DB, rows []T) error {
	if len(rows) == 0 {
		return nil
	}
	return tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "id"}}, UpdateAll: true}).
		CreateInBatches(rows, insertBatch(tx)).Error
}

// readStored adds to have the id and digest of the rows of q() whose
// column col is one of keys, under prefix+key, a batch of keys at a time.
func readStored(q func() *gorm.DB, col string, keys []string, prefix string, have map[string]stored) error {
	for chunk := range slices.Chunk(keys, importBatch) {
		var existing []stored
		if err := q().Select("id, "+col+" AS ref, digest").Where(col+" IN ?", chunk).Scan(&existing).Error; err != nil {
			return err
		}
		for _, e := range existing {
			have[prefix+e.Ref] = e
		}
	}
	return nil
}

// sortRows compares each parsed row with the stored row of its natural
// key in have, counts it in res as created, updated or unchanged, and
// calls write for each created or updated row with the id it keeps: its
// stored one, or for a new row the next free id from *next (nil for
// tables keyed by code).
func sortRows[R any](rows []R, have map[string]stored, key func(*R) (nkey, digest string), next *uint64, res *ImportResult,
	write func(r *R, id uint64, created bool)) {
	for i := range rows {
		nkey, dig := key(&rows[i])
		e, found := have[nkey]
		switch {
		case !found:
			if next != nil {
				e.ID = *next
				*next++
			}
			res.Created++
		case e.Digest != dig:
			res.Updated++
		default:
			res.Unchanged++
			continue
		}
		write(&rows[i], e.ID, !found)
	}
}

// replaceOriginals stores the originals of the given subjects, dropping
// the ones they had before.
func replaceOriginals(tx *gorm.DB, subjects []string, rows []Original) error {
	for i := 0; i < len(subjects); i += importBatch {
		end := min(i+importBatch, len(subjects))
		if err := tx.Where("subject IN ?", subjects[i:end]).Delete(&Original{}).Error; err != nil {
			return fmt.Errorf("originals: %w", err)
		}
	}
	if len(rows) == 0 {
		return nil
	}
	return tx.CreateInBatches(rows, importBatch).Error
}

// original returns an Original row if the published value differs from
// what was imported.
func original(subject, field, in, published string) []Original {
	if in == published || in == "" {
		return nil
	}
	return []Original{{Subject: subject, Field: field, Value: in}}
}

// withSubject appends os to dst as originals of subject.
func withSubject(dst []Original, subject string, os []Original) []Original {
	for _, o := range os {
		o.Subject = subject
		dst = append(dst, o)
	}
	return dst
}
