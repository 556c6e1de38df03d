package portal

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"sunlight/internal/testdb"
)

func TestSuggestAPI(t *testing.T) {
	s, idx := newSearchServer(t, testdb.SQLite(t))
	suggest := func(q string) (int, apiSuggestResponse) {
		t.Helper()
		resp, body := get(t, s, "/api/v1/suggest?q="+urlq(q))
		var out apiSuggestResponse
		if resp.StatusCode == http.StatusOK {
			if err := json.Unmarshal(body, &out); err != nil {
				t.Fatalf("%s: %v", body, err)
			}
		}
		return resp.StatusCode, out
	}
	// An exact title comes first, linked to its record.
	code, out := suggest(" 村道硬化项目进度公开 ")
	if code != http.StatusOK || out.Q != "村道硬化项目进度公开" || len(out.Suggestions) == 0 ||
		out.Suggestions[0].URL != "/disclosures/2" || out.Suggestions[0].Title != "村道硬化项目进度公开" {
		t.Errorf("exact title: %d %+v", code, out)
	}
	// An abbreviation finds its full form; at most six come back.
	code, out = suggest("低保")
	if code != http.StatusOK || len(out.Suggestions) == 0 || len(out.Suggestions) > suggestCount {
		t.Fatalf("低保: %d %+v", code, out)
	}
	full := false
	for _, sg := range out.Suggestions {
		full = full || strings.Contains(sg.Title, "最低生活保障")
		if !strings.HasPrefix(sg.URL, "/") {
			t.Errorf("suggestion URL %q", sg.URL)
		}
	}
	if !full {
		t.Errorf("低保 did not suggest 最低生活保障: %+v", out.Suggestions)
	}
	// One character suggests nothing yet (the index's words are two long).
	if code, out = suggest("低"); code != http.StatusOK || len(out.Suggestions) != 0 {
		t.Errorf("one character: %d %+v", code, out)
	}
	// Anything else is refused.
	for _, path := range []string{"/api/v1/suggest?q=" + urlq(strings.Repeat("低", 31)), "/api/v1/suggest?q=x&region=21"} {
		if resp, body := get(t, s, path); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("GET %s: %d %s", path, resp.StatusCode, body)
		}
	}
	// While the engine is down the API says so.
	if err := idx.Close(); err != nil {
		t.Fatal(err)
	}
	if resp, body := get(t, s, "/api/v1/suggest?q="+urlq("低保")); resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("engine down: %d %s", resp.StatusCode, body)
	}
}
