package search

// AnalyzeForTest returns the terms the embedded analyzer produces.
func AnalyzeForTest(s string) []string {
	var out []string
	for _, t := range (bigramAnalyzer{}).Analyze([]byte(s)) {
		out = append(out, string(t.Term))
	}
	return out
}
