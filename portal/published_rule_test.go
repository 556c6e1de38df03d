package portal

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"gorm.io/gorm"

	"sunlight/catalog"
	"sunlight/internal/testdb"
	"sunlight/search"
)

// TestSearchAndPagesAgreeOnWhatIsPublic: every disclosure, fund and
// catalog entry of the fixture (with withdrawn, expired and unpublished
// rows) is in the search source exactly when its page and its API
// response exist.
func TestSearchAndPagesAgreeOnWhatIsPublic(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		s := publishedServer(t, db)
		db.Model(&catalog.Fund{}).Where("code = ?", "F-GL").Update("published", false)
		db.Model(&catalog.Category{}).Where("code = ?", "0102").Update("published", false)
		src := &search.CatalogSource{DB: db, Now: func() time.Time { return fixedNow }}
		indexed := map[string]bool{}
		if err := src.All(context.Background(), func(docs []search.Document) error {
			for _, d := range docs {
				indexed[d.ID] = true
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		pages := map[string][]string{}
		var ids []uint64
		db.Model(&catalog.Disclosure{}).Pluck("id", &ids)
		for _, id := range ids {
			pages[fmt.Sprintf("disclosure:%d", id)] = []string{fmt.Sprintf("/disclosures/%d", id), fmt.Sprintf("/api/v1/disclosures/%d", id)}
		}
		db.Model(&catalog.Fund{}).Pluck("id", &ids)
		for _, id := range ids {
			pages[fmt.Sprintf("fund:%d", id)] = []string{fmt.Sprintf("/funds/%d", id), fmt.Sprintf("/api/v1/funds/%d", id)}
		}
		var codes []string
		db.Model(&catalog.Category{}).Pluck("code", &codes)
		for _, c := range codes {
			pages["category:"+c] = []string{"/catalog/" + c, "/api/v1/catalog/" + c}
		}
		hidden := 0
		for subject, urls := range pages {
			_, err := src.Load(context.Background(), subject)
			if loaded := err == nil; loaded != indexed[subject] || (err != nil && !search.IsGone(err)) {
				t.Errorf("%s: in the source's list %v, Load says %v", subject, indexed[subject], err)
			}
			for _, u := range urls {
				if status, _ := getBody(t, s, u); (status == http.StatusOK) != indexed[subject] {
					t.Errorf("%s: GET %s = %d, indexed %v", subject, u, status, indexed[subject])
				}
			}
			if !indexed[subject] {
				hidden++
			}
		}
		if hidden != 4 { // withdrawn and expired disclosures, a fund, a catalog entry
			t.Errorf("%d subjects hidden, want 4", hidden)
		}
	})
}
