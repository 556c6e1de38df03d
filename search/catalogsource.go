package search

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"sunlight/catalog"
	"sunlight/domain"
)

// CatalogSource turns catalog's published records (disclosures, funds,
// subsidy categories) into Documents and reads catalog's change outbox
// (catalog_changes).
type CatalogSource struct {
	DB  *gorm.DB
	Now func() time.Time // defaults to time.Now
	// Extra adds kinds owned elsewhere that record their changes in the
	// same outbox (published report answers, "answer:ID"), keyed by the
	// subject kind, so search need not import the packages that own them.
	Extra map[string]ExtraKind
}

// ExtraKind loads one more kind of searchable record for CatalogSource.
type ExtraKind struct {
	// Load returns the record's document, or an error wrapping
	// domain.ErrNotFound (or ErrGone) when it must leave the index.
	Load func(ctx context.Context, id string) (*Document, error)
	// All calls fn with every searchable record of the kind, in batches.
	All func(ctx context.Context, fn func([]Document) error) error
}

// NewCatalogSource returns the catalog source on db.
func NewCatalogSource(db *gorm.DB) *CatalogSource { return &CatalogSource{DB: db, Now: time.Now} }

// Name implements Source.
func (s *CatalogSource) Name() string { return "catalog" }

// Latest implements Source.
func (s *CatalogSource) Latest(ctx context.Context) (uint64, error) {
	var n *uint64
	if err := s.DB.WithContext(ctx).Model(&catalog.Change{}).Select("MAX(id)").Scan(&n).Error; err != nil {
		return 0, fmt.Errorf("latest catalog change: %w", err)
	}
	if n == nil {
		return 0, nil
	}
	return *n, nil
}

// Changes implements Source.
func (s *CatalogSource) Changes(ctx context.Context, after uint64, limit int) ([]Change, error) {
	var rows []catalog.Change
	if err := s.DB.WithContext(ctx).Where("id > ?", after).Order("id").Limit(limit).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("catalog changes: %w", err)
	}
	out := make([]Change, len(rows))
	for i, r := range rows {
		out[i] = Change{Seq: r.ID, Subject: r.Subject}
	}
	return out, nil
}

// Load implements Source: the subject's document while it is published.
func (s *CatalogSource) Load(ctx context.Context, subject string) (*Document, error) {
	kind, id, _ := strings.Cut(subject, ":")
	switch kind {
	case catalog.SubjectDisclosure:
		n, err := strconv.ParseUint(id, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", subject, ErrGone)
		}
		st := catalog.NewDisclosureStore(s.DB)
		st.Now = s.now
		d, err := st.Get(ctx, n)
		if err != nil {
			return nil, err
		}
		doc := DisclosureDocument(d)
		return &doc, nil
	case catalog.SubjectFund:
		n, err := strconv.ParseUint(id, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", subject, ErrGone)
		}
		f, err := catalog.LoadFund(ctx, s.DB, n)
		if err != nil {
			return nil, err
		}
		doc := FundDocument(f)
		return &doc, nil
	case catalog.SubjectCategory:
		c, err := catalog.LoadCategory(ctx, s.DB, id)
		if err != nil {
			return nil, err
		}
		region, err := s.deptRegions(ctx, []string{c.DeptCode})
		if err != nil {
			return nil, err
		}
		doc := CategoryDocument(c, region[c.DeptCode])
		return &doc, nil
	}
	if x, ok := s.Extra[kind]; ok {
		return x.Load(ctx, id)
	}
	// Regions and departments are browsed, not searched.
	return nil, fmt.Errorf("%s: %w", subject, ErrGone)
}

func (s *CatalogSource) now() time.Time {
	if s.Now == nil {
		return time.Now().UTC()
	}
	return s.Now().UTC()
}

// All implements Source, reading each table in id order in batches.
func (s *CatalogSource) All(ctx context.Context, fn func([]Document) error) error {
	db := s.DB.WithContext(ctx)
	now := s.now()
	disclosures := func() *gorm.DB { return db.Scopes(catalog.PublicDisclosures(now)) }
	if err := allByID(disclosures, func(d *catalog.Disclosure) uint64 { return d.ID }, DisclosureDocument, fn); err != nil {
		return fmt.Errorf("read disclosures: %w", err)
	}
	funds := func() *gorm.DB { return db.Scopes(catalog.PublicFunds) }
	if err := allByID(funds, func(f *catalog.Fund) uint64 { return f.ID }, FundDocument, fn); err != nil {
		return fmt.Errorf("read funds: %w", err)
	}
	if err := s.allCategories(ctx, fn); err != nil {
		return err
	}
	for _, k := range slices.Sorted(maps.Keys(s.Extra)) {
		if err := s.Extra[k].All(ctx, fn); err != nil {
			return fmt.Errorf("read %s records: %w", k, err)
		}
	}
	return nil
}

// allByID reads the rows of q() in id order, a batch at a time, and
// passes each batch to fn as documents.
func allByID[T any](q func() *gorm.DB, id func(*T) uint64, doc func(*T) Document, fn func([]Document) error) error {
	const batch = 2000
	var lastID uint64
	for {
		var rows []T
		if err := q().Where("id > ?", lastID).Order("id").Limit(batch).Find(&rows).Error; err != nil {
			return err
		}
		if len(rows) == 0 {
			return nil
		}
		if err := fn(toDocs(rows, doc)); err != nil {
			return err
		}
		lastID = id(&rows[len(rows)-1])
	}
}

func (s *CatalogSource) allCategories(ctx context.Context, fn func([]Document) error) error {
	docs, err := s.categoryDocs(ctx, s.DB.WithContext(ctx).Scopes(catalog.PublicCategories).Order("code"))
	if err != nil {
		return fmt.Errorf("read categories: %w", err)
	}
	if len(docs) == 0 {
		return nil
	}
	return fn(docs)
}

// categoryDocs reads the categories of q as documents, each placed in the
// region of its department.
func (s *CatalogSource) categoryDocs(ctx context.Context, q *gorm.DB) ([]Document, error) {
	var cs []catalog.Category
	if err := q.Find(&cs).Error; err != nil {
		return nil, err
	}
	depts := make([]string, len(cs))
	for i, c := range cs {
		depts[i] = c.DeptCode
	}
	regions, err := s.deptRegions(ctx, depts)
	if err != nil {
		return nil, err
	}
	return toDocs(cs, func(c *catalog.Category) Document { return CategoryDocument(c, regions[c.DeptCode]) }), nil
}

// findDocs reads the rows of q as documents.
func findDocs[T any](q *gorm.DB, doc func(*T) Document) ([]Document, error) {
	var rows []T
	if err := q.Find(&rows).Error; err != nil {
		return nil, err
	}
	return toDocs(rows, doc), nil
}

func toDocs[T any](rows []T, doc func(*T) Document) []Document {
	docs := make([]Document, len(rows))
	for i := range rows {
		docs[i] = doc(&rows[i])
	}
	return docs
}

func (s *CatalogSource) deptRegions(ctx context.Context, codes []string) (map[string]string, error) {
	var ds []catalog.Department
	if err := s.DB.WithContext(ctx).Where("code IN ?", codes).Find(&ds).Error; err != nil {
		return nil, fmt.Errorf("departments: %w", err)
	}
	out := make(map[string]string, len(ds))
	for _, d := range ds {
		out[d.Code] = d.RegionCode
	}
	return out, nil
}

// Expiring implements Expirer: disclosures whose publish_until passed.
func (s *CatalogSource) Expiring(ctx context.Context, from, to time.Time) ([]string, error) {
	var ids []uint64
	err := s.DB.WithContext(ctx).Model(&catalog.Disclosure{}).
		Scopes(catalog.ExpiringDisclosures(from, to)).Order("id").Pluck("id", &ids).Error
	if err != nil {
		return nil, fmt.Errorf("expiring disclosures: %w", err)
	}
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = catalog.SubjectOf(catalog.SubjectDisclosure, id)
	}
	return out, nil
}

// DisclosureDocument is how a village disclosure is searched.
func DisclosureDocument(d *catalog.Disclosure) Document {
	id := strconv.FormatUint(d.ID, 10)
	body := d.Body
	if extra := strings.TrimSpace(d.KindName() + " " + d.Period); extra != "" {
		body += "\n" + extra
	}
	return Document{ID: catalog.SubjectDisclosure + ":" + id, Type: TypeDisclosure, Title: d.Title, Body: body,
		RegionCode: d.VillageCode, DeptCode: d.Dept(), Kind: d.Kind, Year: d.PublishedAt.Year(), Date: d.PublishedAt,
		Amount: d.Amount, URL: "/disclosures/" + id}
}

// FundDocument is how a project fund is searched.
func FundDocument(f *catalog.Fund) Document {
	id := strconv.FormatUint(f.ID, 10)
	body := f.Purpose
	if f.Source != "" {
		body += "\n资金来源：" + f.Source
	}
	var date time.Time
	if f.Year > 0 {
		date = time.Date(f.Year, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	return Document{ID: catalog.SubjectFund + ":" + id, Type: TypeFund, Title: f.Name, Body: body,
		RegionCode: f.RegionCode, DeptCode: f.DeptCode, Kind: f.CategoryCode, Year: f.Year, Date: date,
		Amount: f.Amount, URL: "/funds/" + id}
}

// CategoryDocument is how a subsidy catalog entry is searched; region is
// where its department is.
func CategoryDocument(c *catalog.Category, region string) Document {
	var parts []string
	for _, p := range []struct{ label, text string }{
		{"政策依据", c.Policy}, {"补贴标准", c.Standard}, {"申领条件", c.Eligibility}, {"发放渠道", c.Channel},
	} {
		if strings.TrimSpace(p.text) != "" {
			parts = append(parts, p.label+"："+p.text)
		}
	}
	return Document{ID: catalog.SubjectCategory + ":" + c.Code, Type: TypeCategory, Title: c.Name,
		Body: strings.Join(parts, "\n"), RegionCode: region, DeptCode: c.DeptCode, Kind: c.Code, URL: "/catalog/" + c.Code}
}

var _ Expirer = (*CatalogSource)(nil)

// IsGone reports whether err says a subject must leave the index.
func IsGone(err error) bool { return errors.Is(err, ErrGone) || errors.Is(err, domain.ErrNotFound) }

// LoadMany implements BatchLoader: one query per kind instead of one per
// subject.
func (s *CatalogSource) LoadMany(ctx context.Context, subjects []string) ([]Document, []string, error) {
	var discIDs, fundIDs []uint64
	var catCodes, extra, gone []string
	for _, sub := range subjects {
		kind, id, _ := strings.Cut(sub, ":")
		n, err := strconv.ParseUint(id, 10, 64)
		switch {
		case kind == catalog.SubjectDisclosure && err == nil:
			discIDs = append(discIDs, n)
		case kind == catalog.SubjectFund && err == nil:
			fundIDs = append(fundIDs, n)
		case kind == catalog.SubjectCategory:
			catCodes = append(catCodes, id)
		case s.Extra[kind].Load != nil:
			extra = append(extra, sub)
		default:
			gone = append(gone, sub)
		}
	}
	db := s.DB.WithContext(ctx)
	var docs []Document
	for _, sub := range extra { // few: one query each
		d, err := s.Load(ctx, sub)
		switch {
		case IsGone(err):
			gone = append(gone, sub)
		case err != nil:
			return nil, nil, fmt.Errorf("load %s: %w", sub, err)
		default:
			docs = append(docs, *d)
		}
	}
	for _, part := range []struct {
		what string
		n    int
		load func() ([]Document, error)
	}{
		{"disclosures", len(discIDs), func() ([]Document, error) {
			return findDocs(db.Scopes(catalog.PublicDisclosures(s.now())).Where("id IN ?", discIDs), DisclosureDocument)
		}},
		{"funds", len(fundIDs), func() ([]Document, error) {
			return findDocs(db.Scopes(catalog.PublicFunds).Where("id IN ?", fundIDs), FundDocument)
		}},
		{"categories", len(catCodes), func() ([]Document, error) {
			return s.categoryDocs(ctx, db.Scopes(catalog.PublicCategories).Where("code IN ?", catCodes))
		}},
	} {
		if part.n == 0 {
			continue
		}
		more, err := part.load()
		if err != nil {
			return nil, nil, fmt.Errorf("load %s: %w", part.what, err)
		}
		docs = append(docs, more...)
	}
	found := map[string]bool{}
	for _, d := range docs {
		found[d.ID] = true
	}
	for _, sub := range subjects {
		if !found[sub] && !slices.Contains(gone, sub) {
			gone = append(gone, sub)
		}
	}
	return docs, gone, nil
}

var _ BatchLoader = (*CatalogSource)(nil)
