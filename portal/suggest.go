package portal

import (
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"sunlight/domain"
	"sunlight/search"
)

// Type-ahead: while someone types in a search box, the page (with
// JavaScript) shows the titles that best match what is typed so far — an
// exact title first, then titles holding every word, newest first — each
// a link straight to the record. Without JavaScript the box is a plain
// search form.

// suggestCount is how many titles a suggestion list shows.
const suggestCount = 6

type apiSuggestion struct {
	Title string `json:"title"`
	Type  string `json:"type"`
	URL   string `json:"url"`
}

type apiSuggestResponse struct {
	Q           string          `json:"q"`
	Suggestions []apiSuggestion `json:"suggestions"`
}

// handleAPISuggest answers GET /api/v1/suggest?q= with up to six titles.
// Fewer than two characters suggest nothing (the index's words are two
// characters long).
func (s *Server) handleAPISuggest(c *fiber.Ctx) error {
	fields := map[string]string{}
	c.Context().QueryArgs().VisitAll(func(k, _ []byte) {
		if string(k) != "q" {
			fields[string(k)] = "不支持的参数"
		}
	})
	text := c.Query("q")
	if !utf8.ValidString(text) || utf8.RuneCountInString(text) > 30 {
		fields["q"] = "关键词不能超过30个字"
	}
	if len(fields) > 0 {
		e := domain.Invalid("输入提示的条件有误")
		e.Fields = fields
		return e
	}
	q := search.Query{Text: text, PerPage: suggestCount}
	q.Check()
	out := apiSuggestResponse{Q: q.Text, Suggestions: []apiSuggestion{}}
	if utf8.RuneCountInString(q.Text) >= 2 {
		res, err := s.runSearch(c.UserContext(), q)
		if err != nil {
			s.log.Warn("search engine failed", "err", err)
			return errSearchDown
		}
		for _, h := range res.Hits {
			out.Suggestions = append(out.Suggestions, apiSuggestion{Title: h.Title, Type: h.Type, URL: h.URL})
		}
	}
	c.Set(fiber.HeaderCacheControl, "public, max-age=60")
	return c.JSON(out)
}
