package portal

import (
	"bytes"
	"net/http"
	"strconv"
	"testing"

	"gorm.io/gorm"

	"sunlight/internal/testdb"
	"sunlight/report"
)

// After the secret key is rotated (SUNLIGHT_SECRET_KEY new, the old one in
// SUNLIGHT_OLD_SECRET_KEYS) a reporter's receipt still finds the report
// and what was sealed under the old key still opens; without the old key
// it does not.
func TestSecretKeyRotation(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		s := newReportServer(t, db, nil)
		resp, out := postJSON(t, s, "/api/v1/reports",
			`{"subject":"`+testVillage+`","problem_type":"subsidy","description":"低保评定不公开，请核查。","anonymous":false,"name":"王小明","phone":"13912345678"}`)
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("report: %d %v", resp.StatusCode, out)
		}
		receipt, _ := out["receipt"].(string)
		oldKey := s.cfg.SecretKey
		newKey := bytes.Repeat([]byte{7}, 32)
		restart := func(old ...[]byte) *Server {
			cfg := s.cfg
			cfg.SecretKey, cfg.OldSecretKeys = newKey, old
			return newServer(t, cfg)
		}
		rotated := restart(oldKey)
		resp, body := postJSON(t, rotated, "/api/v1/reports/lookup", `{"receipt":"`+receipt+`"}`)
		if resp.StatusCode != http.StatusOK || body["tracking_no"] != out["tracking_no"] {
			t.Fatalf("lookup after rotation: %d %v", resp.StatusCode, body)
		}
		var r report.Report
		if err := db.Where("tracking_no = ?", out["tracking_no"]).Take(&r).Error; err != nil {
			t.Fatal(err)
		}
		keys, err := report.NewKeys(newKey, oldKey)
		if err != nil {
			t.Fatal(err)
		}
		if phone, err := keys.Open(r.ContactPhone, "report/"+strconv.FormatUint(r.ID, 10)+"/phone"); err != nil || phone != "13912345678" {
			t.Errorf("the phone sealed under the old key: %q %v", phone, err)
		}
		resp, body = postJSON(t, restart(), "/api/v1/reports/lookup", `{"receipt":"`+receipt+`"}`)
		if resp.StatusCode == http.StatusOK {
			t.Errorf("without the old key the receipt still found the report: %v", body)
		}
	})
}
