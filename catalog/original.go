package catalog

// Original keeps a value that was masked before publication and that staff
// may need (a recipient's full name, ID number, bank account, phone,
// address, or a disclosure's unmasked text). These rows are kept apart from
// the published tables: no public page, API, export or search document
// reads them.
type Original struct {
	Subject string `gorm:"primaryKey;size:64"` // e.g. "disbursement:17", "disclosure:42"
	Field   string `gorm:"primaryKey;size:32"`
	Value   string `gorm:"type:text;not null"`
}

// TableName names the table.
func (Original) TableName() string { return "catalog_originals" }
