package portal

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"sunlight/catalog"
	"sunlight/domain"
	"sunlight/staff"
)

// Publishing from the browser: an upload is checked in full (a dry run of
// the same catalog.Import the command line uses) and every bad row is
// shown with its line before anything is stored; only a second, explicit
// step publishes the checked file.

// maxPublishFile bounds an uploaded catalog file.
const maxPublishFile = 16 << 20

var kindNames = map[string]string{
	catalog.ImportCatalog: "补贴资金目录", catalog.ImportFunds: "项目资金", catalog.ImportDisbursements: "资金发放明细",
	catalog.ImportDisclosures: "村级公开事项",
}

type publishKind struct{ Code, Name string }

type staffPublishPage struct {
	staffPage
	Kinds  []publishKind
	Kind   string
	File   string
	Errors []catalog.RowError
	Result *catalog.ImportResult
	Token  string // the checked file, waiting for "publish"
	Done   string
	Error  string
	Admin  bool // may publish any department's data
}

func (s *Server) newPublishPage(c *fiber.Ctx) staffPublishPage {
	p := staffPublishPage{staffPage: s.staffPage(c, "数据发布", "publish"), Admin: me(c).PublishesAll()}
	for _, k := range catalog.ImportKinds {
		p.Kinds = append(p.Kinds, publishKind{Code: k, Name: kindNames[k]})
	}
	return p
}

func (s *Server) handleStaffPublish(c *fiber.Ctx) error {
	p := s.newPublishPage(c)
	switch c.Query("done") {
	case "withdrawn":
		p.Done = "已撤回，该条目不再出现在公开页面、导出和搜索中。"
	case "republished":
		p.Done = "已重新公开。"
	}
	return s.render(c, "staff_publish", &p)
}

func (s *Server) pendingDir() string { return filepath.Join(s.cfg.DataDir, "publish-pending") }

var pendingTokenRE = regexp.MustCompile(`^[0-9]+-[A-Za-z0-9_-]{32}\.(csv|xlsx)$`)

// handleStaffPublishCheck runs the dry run on an uploaded file and keeps
// the file, under a random name bound to the uploader, for publishing.
func (s *Server) handleStaffPublishCheck(c *fiber.Ctx) error {
	p := s.newPublishPage(c)
	kind := c.FormValue("kind")
	if !slices.Contains(catalog.ImportKinds, kind) {
		return domain.Invalid("请选择数据类型", "kind", "请选择数据类型")
	}
	name, ext, data, err := readUpload(c)
	if err != nil {
		return err
	}
	p.Kind, p.File = kind, name
	res, err := s.importAs(c, kind, p.File, data, true)
	var ie *catalog.ImportError
	var ve *domain.ValidationError
	switch {
	case errors.As(err, &ie):
		p.Errors = ie.Rows
		c.Status(fiber.StatusUnprocessableEntity)
		return s.render(c, "staff_publish", &p)
	case errors.As(err, &ve):
		p.Error = ve.Error()
		c.Status(fiber.StatusBadRequest)
		return s.render(c, "staff_publish", &p)
	case err != nil:
		return err
	}
	if p.Token, err = keepPending(s.pendingDir(), me(c).ID, ext, data); err != nil {
		return err
	}
	p.Result = &res
	return s.render(c, "staff_publish", &p)
}

// readUpload reads the uploaded .csv or .xlsx "file" of a check form:
// its base name, lower-case extension and content.
func readUpload(c *fiber.Ctx) (name, ext string, data []byte, err error) {
	fh, err := c.FormFile("file")
	if err != nil {
		return "", "", nil, domain.Invalid("请选择要上传的文件", "file", "请选择 .csv 或 .xlsx 文件")
	}
	ext = strings.ToLower(filepath.Ext(fh.Filename))
	if ext != ".csv" && ext != ".xlsx" {
		return "", "", nil, domain.Invalid("只能上传 .csv 或 .xlsx 文件", "file", "只能上传 .csv 或 .xlsx 文件")
	}
	if fh.Size > maxPublishFile {
		return "", "", nil, errorf(fiber.StatusRequestEntityTooLarge, "too_large", "文件太大（最大 %d MB）", maxPublishFile>>20)
	}
	f, err := fh.Open()
	if err != nil {
		return "", "", nil, err
	}
	data, err = io.ReadAll(io.LimitReader(f, maxPublishFile+1))
	_ = f.Close()
	if err != nil {
		return "", "", nil, err
	}
	return filepath.Base(fh.Filename), ext, data, nil
}

// importAs runs the import for the signed-in account: the admin imports
// anything; a department's staff only rows of their own department.
func (s *Server) importAs(c *fiber.Ctx, kind, name string, data []byte, dryRun bool) (catalog.ImportResult, error) {
	opt := catalog.ImportOptions{DryRun: dryRun, Now: s.now}
	if p := me(c); !p.PublishesAll() {
		return staff.ImportOwn(c.UserContext(), s.cfg.DB, p.DeptCode, kind, name, data, opt, dryRun)
	}
	return catalog.Import(c.UserContext(), s.cfg.DB, kind, name, bytes.NewReader(data), opt)
}

// keepPending keeps a checked upload in dir under a random name bound to
// the account, until readPending takes it back.
func keepPending(dir string, account uint64, ext string, data []byte) (string, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	// Checked files nobody published are dropped after a day.
	if old, err := os.ReadDir(dir); err == nil {
		for _, e := range old {
			if info, err := e.Info(); err == nil && time.Since(info.ModTime()) > 24*time.Hour {
				_ = os.Remove(filepath.Join(dir, e.Name()))
			}
		}
	}
	name := strconv.FormatUint(account, 10) + "-" + randomToken() + ext
	return name, os.WriteFile(filepath.Join(dir, name), data, 0o600)
}

// handleStaffPublishConfirm publishes a file checked by the same account.
func (s *Server) handleStaffPublishConfirm(c *fiber.Ctx) error {
	token, kind := c.FormValue("token"), c.FormValue("kind")
	if !slices.Contains(catalog.ImportKinds, kind) {
		return domain.ErrNotFound
	}
	path, data, err := readPending(s.pendingDir(), me(c).ID, token)
	if err != nil {
		return err
	}
	p := s.newPublishPage(c)
	p.Kind, p.File = kind, c.FormValue("file")
	res, err := s.importAs(c, kind, "upload"+filepath.Ext(token), data, false)
	var ie *catalog.ImportError
	if errors.As(err, &ie) {
		// The data changed since the check (e.g. a region was removed).
		p.Errors = ie.Rows
		c.Status(fiber.StatusUnprocessableEntity)
		return s.render(c, "staff_publish", &p)
	}
	if err != nil {
		return err
	}
	_ = os.Remove(path)
	if err := s.st.store.RecordPublish(c.UserContext(), me(c).ID, fmt.Sprintf("%s %s: %d rows, %d new, %d changed", kind, p.File, res.Rows, res.Created, res.Updated)); err != nil {
		return err
	}
	p.Done = fmt.Sprintf("已发布：%d 行，新增 %d，更新 %d，未变 %d。", res.Rows, res.Created, res.Updated, res.Unchanged)
	return s.render(c, "staff_publish", &p)
}

// readPending reads the file keepPending kept for the account under
// token; another account's token is not found.
func readPending(dir string, account uint64, token string) (string, []byte, error) {
	if !pendingTokenRE.MatchString(token) || !strings.HasPrefix(token, strconv.FormatUint(account, 10)+"-") {
		return "", nil, domain.ErrNotFound
	}
	path := filepath.Join(dir, token)
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return "", nil, domain.Invalid("检查过的文件已过期，请重新上传")
	}
	return path, data, err
}

// handleStaffTemplate sends the empty import template of a kind.
func (s *Server) handleStaffTemplate(c *fiber.Ctx) error {
	kind := c.Params("kind")
	if !slices.Contains(catalog.ImportKinds, kind) {
		return domain.ErrNotFound
	}
	b, err := catalog.ImportTemplate(kind)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+kind+`-template.csv"`)
	return c.Send(b)
}

// handleStaffDisclosurePublished withdraws (or republishes) one village
// disclosure: the admin any, a department only its own. The change is
// recorded for the search syncer, so it leaves the index too.
func (s *Server) handleStaffDisclosurePublished(c *fiber.Ctx) error {
	id, err := strconv.ParseUint(strings.TrimSpace(c.FormValue("id")), 10, 64)
	if err != nil {
		return domain.Invalid("请填写公开事项编号", "id", "编号应为数字")
	}
	ctx := c.UserContext()
	var d catalog.Disclosure
	if err := s.cfg.DB.WithContext(ctx).Select("id, dept_code").Where("id = ?", id).Take(&d).Error; err != nil {
		return domain.ErrNotFound
	}
	if p := me(c); !p.PublishesAll() && d.DeptCode != p.DeptCode {
		return domain.ErrNotFound
	}
	publish := c.FormValue("published") == "1"
	if err := catalog.SetDisclosurePublished(ctx, s.cfg.DB, id, publish); err != nil {
		return err
	}
	action := "withdrawn"
	if publish {
		action = "republished"
	}
	if err := s.st.store.RecordPublish(ctx, me(c).ID, fmt.Sprintf("disclosure %d %s", id, action)); err != nil {
		return err
	}
	return c.Redirect("/staff/publish?done="+action, fiber.StatusSeeOther)
}
