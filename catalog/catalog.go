// Package catalog holds what Sunlight publishes: the region tree, the
// departments, the subsidy catalog, project funds with their disbursements
// and village disclosures, together with their import and masking.
//
// It knows nothing of the web or of the search engine: a write that changes
// searchable data records a Change row in the same transaction, and the
// search syncer reads those rows.
package catalog
