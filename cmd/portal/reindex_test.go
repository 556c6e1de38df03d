package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"sunlight/catalog"
	"sunlight/internal/testdb"
	"sunlight/report"
	"sunlight/search"
	"sunlight/search/searchtest"
)

func searchTotal(t *testing.T, base, q string) int {
	t.Helper()
	code, body := httpGet(t, base+"/api/v1/search?q="+url.QueryEscape(q))
	if code != http.StatusOK {
		t.Fatalf("search %s: %d", q, code)
	}
	var out struct{ Total int }
	if err := json.Unmarshal([]byte(body), &out); err != nil {
		t.Fatal(err)
	}
	return out.Total
}

// TestSearchEndToEnd serves the demo data, waits for the syncer to build
// the embedded index, rebuilds it with the reindex command while the
// portal runs, and checks the portal switches to the new index.
func TestSearchEndToEnd(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"SUNLIGHT_ADDR": "127.0.0.1:0", "SUNLIGHT_DATA_DIR": dir, "SUNLIGHT_LOG_LEVEL": "warn"}
	base, stop := startServer(t, env)
	deadline := time.Now().Add(60 * time.Second)
	total := 0
	for total == 0 && time.Now().Before(deadline) {
		time.Sleep(200 * time.Millisecond)
		total = searchTotal(t, base, "低保")
	}
	if total == 0 {
		t.Fatal("the demo data never became searchable")
	}
	before, _ := os.ReadFile(filepath.Join(dir, "search", "CURRENT"))

	code, out, errOut := runCmd(t, env, "reindex")
	if code != 0 {
		t.Fatalf("reindex exit %d: %s", code, errOut)
	}
	m := regexp.MustCompile(`reindexed (\d+) documents`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("reindex printed %q", out)
	}
	if n, _ := strconv.Atoi(m[1]); n < total {
		t.Errorf("reindexed %d documents, but 低保 alone finds %d", n, total)
	}
	after, _ := os.ReadFile(filepath.Join(dir, "search", "CURRENT"))
	if string(after) == string(before) {
		t.Fatal("reindex did not switch the index")
	}
	deadline = time.Now().Add(20 * time.Second)
	for {
		entries, _ := filepath.Glob(filepath.Join(dir, "search", "idx-*"))
		if len(entries) == 1 && strings.TrimSpace(string(after)) == filepath.Base(entries[0]) {
			break // the portal switched and removed the old folder
		}
		if time.Now().After(deadline) {
			t.Fatalf("the portal did not switch to the rebuilt index: %v", entries)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if got := searchTotal(t, base, "低保"); got != total {
		t.Errorf("after reindex 低保 finds %d, before %d", got, total)
	}
	if code := stop(); code != 0 {
		t.Fatalf("exit code %d", code)
	}
}

func TestReindexBadMeiliURL(t *testing.T) {
	env := map[string]string{"SUNLIGHT_DATA_DIR": t.TempDir(), "SUNLIGHT_MEILI_URL": "ftp://example"}
	code, _, errOut := runCmd(t, env, "reindex")
	if code == 0 || !strings.Contains(errOut, "SUNLIGHT_MEILI_URL") {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
}

// TestPublishedAnswersAreSearchable: a published answer (公开答复) reaches
// the index through the syncer, and leaves it when withdrawn; a reindex
// includes it too.
func TestPublishedAnswersAreSearchable(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		testdb.Setup(t, db, migrate)
		at := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
		a := &report.PublishedAnswer{ReportID: 1, DeptCode: "210124101-gov", DeptName: "大孤家子镇人民政府",
			RegionCode: "210124101201", SubjectName: "某村", ProblemType: "补贴、低保发放不公或被克扣",
			Title: "关于低保名单中有已故人员的答复", Question: "低保名单里有已经去世的人还在领钱。",
			Answer: "经核实已停发并追回多发的低保金。", AnsweredAt: at, PublishedAt: at, PublishedBy: "user:1"}
		save := func() {
			t.Helper()
			if err := db.Transaction(func(tx *gorm.DB) error {
				if err := tx.Save(a).Error; err != nil {
					return err
				}
				return catalog.RecordChange(tx, a.Subject())
			}); err != nil {
				t.Fatal(err)
			}
		}
		save()
		idx := searchtest.Embedded(t, nil)
		s := &search.Syncer{DB: db, Index: idx, Sources: searchSources(db)}
		find := func() int {
			t.Helper()
			if _, err := s.SyncOnce(ctx); err != nil {
				t.Fatal(err)
			}
			res, err := idx.Search(ctx, search.Query{Text: "停发", Type: search.TypeAnswer, Page: 1, PerPage: 10})
			if err != nil {
				t.Fatal(err)
			}
			for _, h := range res.Hits {
				if h.ID != a.Subject() || h.URL != a.URL() {
					t.Fatalf("unexpected hit %+v", h)
				}
			}
			return res.Total
		}
		if n := find(); n != 1 {
			t.Fatalf("published answer found %d times, want 1", n)
		}
		a.Withdrawn = true
		save()
		if n := find(); n != 0 {
			t.Fatalf("withdrawn answer still found %d times", n)
		}
		a.Withdrawn = false
		save()
		if _, err := s.Reindex(ctx, nil); err != nil {
			t.Fatal(err)
		}
		if n := find(); n != 1 {
			t.Fatalf("after reindex the answer is found %d times, want 1", n)
		}
	})
}
