package portal

import (
	"errors"
	"fmt"
	"strings"

	"github.com/gofiber/fiber/v2"

	"sunlight/domain"
	"sunlight/report"
)

// apiError is the JSON error body every API route uses:
// {"error": {"code": "...", "message": "...", "fields": {...}}}.
type apiError struct {
	Error apiErrorBody `json:"error"`
}

type apiErrorBody struct {
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields,omitempty"`
}

// httpError carries a status, a machine code and a message for people.
type httpError struct {
	Status  int
	Code    string
	Message string
	Fields  map[string]string
}

func (e *httpError) Error() string { return e.Message }

// errorf builds an error the error handler turns into the given status.
func errorf(status int, code, format string, args ...any) error {
	return &httpError{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

// classify maps any error to what the client is told. Unknown errors are
// 500s whose cause is logged, never shown.
func classify(err error) *httpError {
	var he *httpError
	var ve *domain.ValidationError
	var fe *fiber.Error
	var te *report.TransitionError
	var ce *domain.ConflictError
	switch {
	case errors.As(err, &he):
		return he
	case errors.As(err, &ve):
		return &httpError{Status: fiber.StatusBadRequest, Code: "invalid", Message: ve.Message, Fields: ve.Fields}
	case errors.Is(err, domain.ErrNotFound):
		return &httpError{Status: fiber.StatusNotFound, Code: "not_found", Message: "没有找到您要的内容"}
	case errors.Is(err, domain.ErrForbidden):
		return &httpError{Status: fiber.StatusForbidden, Code: "forbidden", Message: "您没有权限执行此操作"}
	case errors.As(err, &te):
		return &httpError{Status: fiber.StatusConflict, Code: "conflict", Message: te.Error()}
	case errors.As(err, &ce):
		return &httpError{Status: fiber.StatusConflict, Code: "conflict", Message: ce.Message}
	case errors.Is(err, domain.ErrUnavailable):
		return &httpError{Status: fiber.StatusServiceUnavailable, Code: "unavailable", Message: "服务暂时不可用，您的举报没有提交成功，请稍后再试"}
	case errors.Is(err, report.ErrSealed):
		return &httpError{Status: fiber.StatusInternalServerError, Code: "sealed",
			Message: "这份加密保存的材料无法打开，已记录，请联系技术管理员"}
	case errors.Is(err, domain.ErrBusy):
		return &httpError{Status: fiber.StatusConflict, Code: "busy", Message: "该举报刚被他人更新，请刷新后重试"}
	case errors.As(err, &fe):
		code, msg := wordsFor(fe.Code)
		return &httpError{Status: fe.Code, Code: code, Message: msg}
	}
	code, msg := wordsFor(fiber.StatusInternalServerError)
	return &httpError{Status: fiber.StatusInternalServerError, Code: code, Message: msg}
}

func statusOf(err error) int { return classify(err).Status }

// statusWords are the code and the Chinese message of the statuses a
// request can end in without a domain error.
var statusWords = map[int][2]string{
	fiber.StatusNotFound:              {"not_found", "没有找到您要的内容"},
	fiber.StatusMethodNotAllowed:      {"method_not_allowed", "不支持这种请求方式"},
	fiber.StatusRequestEntityTooLarge: {"too_large", "提交的内容太大"},
	fiber.StatusTooManyRequests:       {"rate_limited", "操作太频繁，请稍后再试"},
	fiber.StatusForbidden:             {"forbidden", "您没有权限查看此内容"},
	fiber.StatusUnauthorized:          {"unauthorized", "请先登录"},
	fiber.StatusServiceUnavailable:    {"unavailable", "服务暂时不可用，请稍后再试"},
}

// wordsFor is status's code and message; other statuses are "internal"
// (5xx) or "bad_request".
func wordsFor(status int) (code, message string) {
	if w, ok := statusWords[status]; ok {
		return w[0], w[1]
	}
	if status >= 500 {
		return "internal", "系统出错了，请稍后再试"
	}
	return "bad_request", "请求有误"
}

type errorPage struct {
	Page
	Status  int
	Message string
}

// handleError is fiber's ErrorHandler: the one place errors become
// responses. API paths get JSON, everything else an HTML page. Server
// errors are logged once here, with the route but no request data.
func (s *Server) handleError(c *fiber.Ctx, err error) error {
	he := classify(err)
	if he.Status >= 500 {
		s.log.Error("request failed", "route", c.Route().Path, "method", c.Method(), "err", err)
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	if strings.HasPrefix(c.Path(), "/api/") || !acceptsHTML(c) {
		return c.Status(he.Status).JSON(apiError{Error: apiErrorBody{Code: he.Code, Message: he.Message, Fields: he.Fields}})
	}
	page := errorPage{Page: s.page(c, "出错了"), Status: he.Status, Message: he.Message}
	if he.Status == fiber.StatusNotFound {
		page.Title = "页面不存在"
	}
	c.Status(he.Status)
	if rerr := s.render(c, "error", &page); rerr != nil {
		s.log.Error("render error page", "err", rerr)
		return c.Status(he.Status).SendString(he.Message)
	}
	return nil
}

func acceptsHTML(c *fiber.Ctx) bool {
	acc := c.Get(fiber.HeaderAccept)
	return acc == "" || strings.Contains(acc, "text/html") || strings.Contains(acc, "*/*")
}

func (s *Server) logPanic(c *fiber.Ctx, e any) {
	s.log.Error("panic", "route", c.Route().Path, "panic", fmt.Sprint(e))
}
