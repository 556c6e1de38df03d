package portal

import (
	"errors"
	"testing"
	"time"
)

func TestMemo(t *testing.T) {
	m := memo[int]{ttl: time.Minute}
	calls := 0
	compute := func() (int, error) { calls++; return calls, nil }
	t0 := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	steps := []struct {
		key  string
		at   time.Time
		want int
	}{
		{"a", t0, 1},
		{"a", t0.Add(30 * time.Second), 1}, // same version, fresh: kept
		{"b", t0.Add(31 * time.Second), 2}, // the version moved
		{"b", t0.Add(2 * time.Minute), 3},  // too old
		{"b", t0, 4},                       // the clock went back: recompute
	}
	for i, st := range steps {
		got, err := m.get(st.key, st.at, compute)
		if err != nil || got != st.want {
			t.Fatalf("step %d: got %d, %v; want %d", i, got, err, st.want)
		}
	}
	if _, err := m.get("c", t0, func() (int, error) { return 0, errors.New("db down") }); err == nil {
		t.Fatal("error not passed on")
	}
	if got, _ := m.get("b", t0.Add(10*time.Second), compute); got != 4 {
		t.Fatalf("a failed computation replaced the kept value: %d", got)
	}
}
