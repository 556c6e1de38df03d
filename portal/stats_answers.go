package portal

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"sunlight/catalog"
	"sunlight/domain"
	"sunlight/report"
)

// Published answers (公开答复): what departments answered, with the
// reporter removed, for anyone to read.

type answersPage struct {
	Page
	Answers []report.PublishedAnswer
	Region  string
}

func (s *Server) handleAnswers(c *fiber.Ctx) error {
	region := c.Query("region")
	if region != "" && catalog.LevelOf(region) == 0 {
		return domain.Invalid("地区代码不正确", "region", "地区代码应为2、4、6、9或12位数字")
	}
	as, err := report.Answers(c.UserContext(), s.cfg.DB, region, 50)
	if err != nil {
		return err
	}
	p := answersPage{Page: s.page(c, "公开答复"), Answers: as, Region: region}
	p.Nav = "stats"
	p.Description = "各单位对群众反映问题的公开答复。"
	return s.render(c, "stats_answers", &p)
}

type answerPage struct {
	Page
	A *report.PublishedAnswer
}

func (s *Server) handleAnswer(c *fiber.Ctx) error {
	id, err := strconv.ParseUint(c.Params("id"), 10, 64)
	if err != nil {
		return domain.ErrNotFound
	}
	a, err := report.LoadAnswer(c.UserContext(), s.cfg.DB, id)
	if err != nil {
		return err
	}
	p := answerPage{Page: s.page(c, a.Title), A: a}
	p.Nav = "stats"
	return s.render(c, "stats_answer", &p)
}
