package search

// AnalyzeForTest returns the terms the embedded analyzer produces.
func AnalyzeForTest(s string) []string {
	var out []string
	for _, t := range (bigramAnalyzer{}).Analyze([]byte(s)) {
		out = append(out, string(t.Term))
	}
	return out
}

// SetShardsForTest makes new indexes have n shards until the test ends.
func SetShardsForTest(t interface{ Cleanup(func()) }, n int) {
	old := shardCount
	shardCount = func() int { return n }
	t.Cleanup(func() { shardCount = old })
}
