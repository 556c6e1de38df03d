package search

import (
	"bufio"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
)

//go:embed synonyms.txt
var defaultSynonyms string

// SynonymsFile is the file under the data directory where an administrator
// could add synonym groups before they were kept in the database (same
// format as synonyms.txt); its groups are still used besides the stored ones.
const SynonymsFile = "search-synonyms.txt"

// Synonyms are groups of terms that mean the same: an abbreviation and its
// full form (低保 = 最低生活保障). A search for any member finds documents
// containing any other, and highlighting marks every member.
//
// The groups may change while the portal runs (Set, or a loader given to
// NewLiveSynonyms): every search reads the groups of the moment.
type Synonyms struct {
	mu     sync.RWMutex
	groups [][]string
	gen    uint64

	live *liveSource // nil: the groups change only by Set
}

// DefaultSynonyms is the list the project keeps (search/synonyms.txt).
func DefaultSynonyms() *Synonyms {
	s, err := ParseSynonyms(strings.NewReader(defaultSynonyms))
	if err != nil {
		panic(err) // the embedded list is tested
	}
	return s
}

// ReadSynonymsFile reads the groups in path (none if it does not exist):
// an older way to add groups, used besides the stored ones (SynonymStore).
func ReadSynonymsFile(path string) ([][]string, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	extra, err := ParseSynonyms(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return extra.groups, nil
}

// ParseSynonyms reads one group per line, members separated by "=" or
// ","; blank lines and lines starting with # are ignored.
func ParseSynonyms(r io.Reader) (*Synonyms, error) {
	s := &Synonyms{}
	sc := bufio.NewScanner(r)
	line := 0
	for sc.Scan() {
		line++
		l := strings.TrimSpace(sc.Text())
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		var g []string
		for _, m := range strings.FieldsFunc(l, func(r rune) bool { return r == '=' || r == ',' || r == '，' }) {
			if m = foldASCII(strings.TrimSpace(m)); m != "" {
				g = append(g, m)
			}
		}
		if len(g) < 2 {
			return nil, fmt.Errorf("line %d: a group needs at least two terms, like 低保 = 最低生活保障", line)
		}
		s.groups = append(s.groups, g)
	}
	return s, sc.Err()
}

// Groups returns the synonym groups.
func (s *Synonyms) Groups() [][]string {
	if s == nil {
		return nil
	}
	s.live.refresh(s)
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.groups
}

// Set replaces the groups.
func (s *Synonyms) Set(groups [][]string) {
	s.mu.Lock()
	s.groups = groups
	s.gen++
	s.mu.Unlock()
}

// Generation counts the changes of the groups, so that what depends on
// them (cached results, an engine's settings) can notice one.
func (s *Synonyms) Generation() uint64 {
	if s == nil {
		return 0
	}
	s.live.refresh(s)
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.gen
}

// Tokens returns the group token of every group a member of which occurs
// in text. Engines that cannot search alternatives (Meilisearch) index a
// document with these tokens, and a query with the token in place of the
// member, so 低保 and 最低生活保障 find the same documents.
func (s *Synonyms) Tokens(text string) []string {
	var out []string
	for _, g := range s.Groups() {
		for _, m := range g {
			if strings.Contains(text, m) {
				out = append(out, groupToken(g))
				break
			}
		}
	}
	return out
}

// groupToken names a group by its first member: stable while the group's
// first member stays.
func groupToken(g []string) string {
	sum := sha256.Sum256([]byte(g[0]))
	return "syn" + hex.EncodeToString(sum[:5])
}

// Rewrite returns the tokens a term is searched by where alternatives
// cannot be expressed: the longest group member it contains becomes the
// group's token, the rest is segmented (低保名单 → syn… 名单).
func (s *Synonyms) Rewrite(term string) []string {
	best, bestG := "", []string(nil)
	for _, g := range s.Groups() {
		for _, m := range g {
			if len(m) > len(best) && strings.Contains(term, m) {
				best, bestG = m, g
			}
		}
	}
	if best == "" {
		return Segment(term)
	}
	before, after, _ := strings.Cut(term, best)
	out := Segment(before)
	out = append(out, groupToken(bestG))
	return append(out, s.Rewrite(after)...)
}

// Expand returns term and, for every group member it contains, the term
// with that member replaced by each other member (低保名单 → 最低生活保障名单).
func (s *Synonyms) Expand(term string) []string {
	out := []string{term}
	if s == nil {
		return out
	}
	for _, g := range s.Groups() {
		for _, m := range g {
			if !strings.Contains(term, m) {
				continue
			}
			for _, o := range g {
				if o != m && !strings.Contains(term, o) {
					out = append(out, strings.ReplaceAll(term, m, o))
				}
			}
		}
	}
	return out
}

// HighlightTerms are the terms of a query with their synonym forms.
func (s *Synonyms) HighlightTerms(text string) []string {
	var out []string
	for _, t := range Terms(text) {
		out = append(out, s.Expand(t)...)
	}
	return out
}
