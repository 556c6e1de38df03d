package catalog

import (
	"time"

	"gorm.io/gorm"
)

// The publication rule, in one place: which rows the public may see. Every
// reader of published data (the stores of this package, search's source)
// narrows its queries with these scopes, and judges a single row with
// Disclosure.Visible. It is a privacy rule: a row outside it must not be
// shown, exported or indexed.

// PublicDisclosures keeps the disclosures public at now: published, and
// publish_until (if any) not yet reached.
func PublicDisclosures(now time.Time) func(*gorm.DB) *gorm.DB {
	now = now.UTC()
	return func(q *gorm.DB) *gorm.DB {
		return q.Where("published = ? AND (publish_until IS NULL OR publish_until > ?)", true, now)
	}
}

// Visible reports whether d is public at now; it is PublicDisclosures for
// one row.
func (d *Disclosure) Visible(now time.Time) bool {
	return d.Published && (d.PublishUntil == nil || now.Before(*d.PublishUntil))
}

// PublicFunds keeps the published funds.
func PublicFunds(q *gorm.DB) *gorm.DB { return q.Where("published = ?", true) }

// PublicCategories keeps the published subsidy catalog entries.
func PublicCategories(q *gorm.DB) *gorm.DB { return q.Where("published = ?", true) }

// ExpiringDisclosures keeps the disclosures whose publication ends after
// from and by to.
func ExpiringDisclosures(from, to time.Time) func(*gorm.DB) *gorm.DB {
	from, to = from.UTC(), to.UTC()
	return func(q *gorm.DB) *gorm.DB {
		return q.Where("publish_until > ? AND publish_until <= ?", from, to)
	}
}

// expiredDisclosures keeps the disclosures still marked published whose
// publication ended by now.
func expiredDisclosures(now time.Time) func(*gorm.DB) *gorm.DB {
	return func(q *gorm.DB) *gorm.DB {
		return q.Where("published = ? AND publish_until <= ?", true, now)
	}
}
