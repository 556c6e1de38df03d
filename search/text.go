package search

import (
	"html/template"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Terms splits what a person typed into the terms that must all match:
// whitespace separates terms, quotes are dropped (a term is always matched
// as a phrase), and duplicates go.
func Terms(text string) []string {
	f := strings.FieldsFunc(text, func(r rune) bool {
		return unicode.IsSpace(r) || r == '"' || r == '“' || r == '”' || r == '　'
	})
	out := f[:0]
	seen := map[string]bool{}
	for _, t := range f {
		t = foldASCII(t)
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	return out
}

// Segment cuts text into the tokens the project indexes for engines whose
// own Chinese segmentation misses words inside longer words: every run of
// Han characters becomes its overlapping two-character words (a single
// character stays alone), so 待处理 gives 待处 处理 and a search for 处理
// finds it; runs of letters and digits become one lower-case token.
func Segment(text string) []string {
	var out []string
	var run []rune
	flush := func() {
		if len(run) == 1 {
			out = append(out, string(run))
		}
		for i := 0; i+1 < len(run); i++ {
			out = append(out, string(run[i:i+2]))
		}
		run = run[:0]
	}
	word := strings.Builder{}
	flushWord := func() {
		if word.Len() > 0 {
			out = append(out, word.String())
			word.Reset()
		}
	}
	for _, r := range text {
		r = narrow(r)
		switch {
		case unicode.Is(unicode.Han, r):
			flushWord()
			run = append(run, r)
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			flush()
			word.WriteRune(unicode.ToLower(r))
		default:
			flush()
			flushWord()
		}
	}
	flush()
	flushWord()
	return out
}

// SegmentText is Segment joined by spaces.
func SegmentText(text string) string { return strings.Join(Segment(text), " ") }

// narrow maps full-width ASCII (ＡＢＣ１２３) to its ordinary form.
func narrow(r rune) rune {
	if r >= 0xFF01 && r <= 0xFF5E {
		return r - 0xFEE0
	}
	return r
}

// foldASCII lower-cases ASCII letters and narrows full-width ones, keeping
// every other rune: byte offsets in the result match the input for ASCII.
func foldASCII(s string) string {
	return strings.Map(func(r rune) rune {
		r = narrow(r)
		if r >= 'A' && r <= 'Z' {
			return r + 32
		}
		return r
	}, s)
}

// Highlight returns text HTML-escaped with every occurrence of terms wrapped
// in <mark>; only <mark> is left unescaped. With maxRunes > 0 the result is
// a snippet of about that many characters around the first match.
func Highlight(text string, terms []string, maxRunes int) template.HTML {
	spans := matchSpans(text, terms)
	start, end := 0, len(text)
	if maxRunes > 0 && utf8.RuneCountInString(text) > maxRunes {
		start, end = window(text, spans, maxRunes)
	}
	var b strings.Builder
	if start > 0 {
		b.WriteString("…")
	}
	pos := start
	for _, s := range spans {
		if s[1] <= start || s[0] >= end {
			continue
		}
		from, to := max(s[0], pos), min(s[1], end)
		if from < pos {
			continue
		}
		b.WriteString(template.HTMLEscapeString(text[pos:from]))
		b.WriteString("<mark>")
		b.WriteString(template.HTMLEscapeString(text[from:to]))
		b.WriteString("</mark>")
		pos = to
	}
	b.WriteString(template.HTMLEscapeString(text[pos:end]))
	if end < len(text) {
		b.WriteString("…")
	}
	// #nosec G203 -- every piece of text above went through HTMLEscapeString.
	return template.HTML(b.String())
}

// matchSpans finds the byte spans of terms in text (ASCII case folded),
// sorted and merged.
func matchSpans(text string, terms []string) [][2]int {
	folded := foldASCII(text)
	if len(folded) != len(text) {
		folded = text // full-width letters changed the length: match as is
	}
	var spans [][2]int
	for _, t := range terms {
		if t == "" {
			continue
		}
		for i := 0; ; {
			j := strings.Index(folded[i:], t)
			if j < 0 {
				break
			}
			spans = append(spans, [2]int{i + j, i + j + len(t)})
			i += j + len(t)
		}
	}
	sort.Slice(spans, func(i, j int) bool { return spans[i][0] < spans[j][0] })
	merged := spans[:0]
	for _, s := range spans {
		if n := len(merged); n > 0 && s[0] <= merged[n-1][1] {
			merged[n-1][1] = max(merged[n-1][1], s[1])
			continue
		}
		merged = append(merged, s)
	}
	return merged
}

// window picks about maxRunes runes of text starting a little before the
// first match, on rune boundaries.
func window(text string, spans [][2]int, maxRunes int) (int, int) {
	start := 0
	if len(spans) > 0 {
		start = spans[0][0]
		for back := maxRunes / 4; back > 0 && start > 0; back-- {
			_, size := utf8.DecodeLastRuneInString(text[:start])
			start -= size
		}
	}
	end := start
	for n := 0; n < maxRunes && end < len(text); n++ {
		_, size := utf8.DecodeRuneInString(text[end:])
		end += size
	}
	if end == len(text) { // show a full window at the end of the text
		for n := utf8.RuneCountInString(text[start:]); n < maxRunes && start > 0; n++ {
			_, size := utf8.DecodeLastRuneInString(text[:start])
			start -= size
		}
	}
	return start, end
}
