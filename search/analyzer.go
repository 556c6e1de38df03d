package search

import (
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/registry"
)

// AnalyzerName is the embedded index's analyzer: the project's own
// segmentation (see Segment) in one pass over the text, far cheaper than
// bleve's unicode tokenizer followed by width, case and bigram filters.
const AnalyzerName = "sunlight_bigram"

func init() {
	if err := registry.RegisterAnalyzer(AnalyzerName, func(map[string]any, *registry.Cache) (analysis.Analyzer, error) {
		return bigramAnalyzer{}, nil
	}); err != nil {
		panic(err)
	}
}

type bigramAnalyzer struct{}

// Analyze emits the same tokens as Segment, with byte offsets into the
// input and consecutive positions.
func (bigramAnalyzer) Analyze(in []byte) analysis.TokenStream {
	out := make(analysis.TokenStream, 0, utf8.RuneCount(in))
	pos := 0
	emit := func(term []byte, start, end int) {
		pos++
		out = append(out, &analysis.Token{Term: term, Start: start, End: end, Position: pos, Type: analysis.AlphaNumeric})
	}
	// hanStart/prevStart track the current run of Han characters.
	hanStart, prevStart, prevEnd, hanLen := -1, 0, 0, 0
	flushHan := func() {
		if hanLen == 1 {
			emit(in[prevStart:prevEnd], prevStart, prevEnd)
		}
		hanStart, hanLen = -1, 0
	}
	var word []byte
	wordStart := -1
	flushWord := func(end int) {
		if wordStart >= 0 {
			emit(word, wordStart, end)
			word, wordStart = nil, -1
		}
	}
	for i := 0; i < len(in); {
		r, size := utf8.DecodeRune(in[i:])
		n := narrow(r)
		switch {
		case unicode.Is(unicode.Han, n):
			flushWord(i)
			if hanStart < 0 {
				hanStart = i
			} else {
				emit(in[prevStart:i+size], prevStart, i+size)
			}
			prevStart, prevEnd = i, i+size
			hanLen++
		case unicode.IsLetter(n) || unicode.IsDigit(n):
			flushHan()
			if wordStart < 0 {
				wordStart = i
			}
			word = utf8.AppendRune(word, unicode.ToLower(n))
		default:
			flushHan()
			flushWord(i)
		}
		i += size
	}
	flushHan()
	flushWord(len(in))
	return out
}
