package report

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"

	"gorm.io/gorm"

	"sunlight/internal/argon2id"
	"sunlight/internal/testdb"
)

// noSecretsStored fails if any column of any row of report's tables holds
// one of the secrets.
func noSecretsStored(t *testing.T, db *gorm.DB, secrets ...string) {
	t.Helper()
	for _, m := range Models() {
		stmt := &gorm.Statement{DB: db}
		if err := stmt.Parse(m); err != nil {
			t.Fatal(err)
		}
		var rows []map[string]any
		if err := db.Table(stmt.Table).Find(&rows).Error; err != nil {
			t.Fatalf("read %s: %v", stmt.Table, err)
		}
		for _, row := range rows {
			for col, v := range row {
				for _, secret := range secrets {
					if strings.Contains(toString(v), secret) {
						t.Errorf("%s.%s holds %q", stmt.Table, col, secret)
					}
				}
			}
		}
	}
}

// legacyReceipt is the column earlier versions kept next to the lookup
// hash: an argon2id PHC string of the receipt's digits.
type legacyReceipt struct {
	ReceiptHash string `gorm:"size:160;not null;default:''"`
}

func (legacyReceipt) TableName() string { return "reports" }

// TestReceiptStoredAsKeyedHash: the row keeps HMAC-SHA256 of the digits
// under the derived lookup key, and nothing else of the receipt.
func TestReceiptStoredAsKeyedHash(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		s, _ := setup(t, db)
		rc, r := submit(t, s, "village:"+tVillage, "subsidy")
		digits, _ := NormalizeReceipt(rc.Receipt)
		m := hmac.New(sha256.New, derive(testSecret(1), "sunlight/report/receipt-lookup/v1"))
		m.Write([]byte(digits))
		if r.LookupHash != hex.EncodeToString(m.Sum(nil)) {
			t.Fatalf("lookup hash %s is not the keyed HMAC of the receipt", r.LookupHash)
		}
		if db.Migrator().HasColumn(&Report{}, "receipt_hash") {
			t.Fatal("reports still has a receipt_hash column")
		}
		noSecretsStored(t, db, digits, rc.Receipt, "$argon2")
	})
}

// TestMigrateDropsArgonReceipts: a receipt filed by an earlier version
// (lookup hash plus argon2id hash) is still found after Migrate, and the
// report tables then hold no argon2 hash and no receipt.
func TestMigrateDropsArgonReceipts(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		s, _ := setup(t, db)
		rc, r := submit(t, s, "village:"+tVillage, "subsidy")
		digits, _ := NormalizeReceipt(rc.Receipt)
		// Give the row the shape the argon2id version wrote.
		if err := db.Migrator().AddColumn(&legacyReceipt{}, "ReceiptHash"); err != nil {
			t.Fatal(err)
		}
		phc, err := argon2id.Params{Memory: 64, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}.Hash(digits)
		if err != nil {
			t.Fatal(err)
		}
		if err := db.Table("reports").Where("id = ?", r.ID).Update("receipt_hash", phc).Error; err != nil {
			t.Fatal(err)
		}
		var old int64
		db.Table("reports").Where("receipt_hash LIKE ?", "$argon2id$%").Count(&old)
		if old != 1 {
			t.Fatalf("%d rows in the old shape", old)
		}
		if err := Migrate(ctx, db); err != nil {
			t.Fatal(err)
		}
		if err := Migrate(ctx, db); err != nil {
			t.Fatalf("second migrate: %v", err)
		}
		if db.Migrator().HasColumn(&Report{}, "receipt_hash") {
			t.Fatal("receipt_hash column survived the migration")
		}
		for _, idx := range []string{"LookupHash", "TrackingNo", "Status", "SubmittedAt"} {
			if !db.Migrator().HasIndex(&Report{}, idx) {
				t.Errorf("index on %s lost in the migration", idx)
			}
		}
		if tr, err := s.Lookup(ctx, rc.Receipt); err != nil || tr.TrackingNo != r.TrackingNo {
			t.Fatalf("old receipt after the migration: %+v, %v", tr, err)
		}
		rc2, _ := submit(t, s, "village:"+tVillage, "subsidy")
		if _, err := s.Lookup(ctx, rc2.Receipt); err != nil {
			t.Fatalf("new receipt after the migration: %v", err)
		}
		digits2, _ := NormalizeReceipt(rc2.Receipt)
		noSecretsStored(t, db, "$argon2", digits, rc.Receipt, digits2, rc2.Receipt)
	})
}
