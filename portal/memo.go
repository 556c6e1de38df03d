package portal

import (
	"sync"
	"time"
)

// memo holds one computed value for as long as its version key stays the
// same and it is younger than ttl. Pages whose figures are costly at
// national scale (the home page's counts, the public scoreboard) read a
// cheap version key — the newest change row, the audit chain head — on
// every request and recompute only when it moved, so they are never
// stale for long and never recomputed for nothing. One computation runs
// at a time; the others wait for its result.
type memo[T any] struct {
	ttl time.Duration
	mu  sync.Mutex
	key string
	at  time.Time
	val T
	ok  bool
}

func (m *memo[T]) get(key string, now time.Time, compute func() (T, error)) (T, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.ok && m.key == key && now.Sub(m.at) < m.ttl && !now.Before(m.at) {
		return m.val, nil
	}
	v, err := compute()
	if err != nil {
		var zero T
		return zero, err
	}
	m.key, m.at, m.val, m.ok = key, now, v, true
	return v, nil
}
