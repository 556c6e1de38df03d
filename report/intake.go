package report

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"sunlight/catalog"
	"sunlight/domain"
)

// Intake limits.
const (
	MinDescription = 5
	MaxDescription = 3000
	MaxPhotos      = 3
	MaxName        = 20
)

// NewReport is what a reporter submits.
type NewReport struct {
	Subject     string
	ProblemType string
	Description string
	Anonymous   bool
	Name        string
	Phone       string
	Photos      []Upload
	// Token is the submission token from the form (or the API client's
	// idempotency key): a retry with the same token files nothing new.
	Token string
}

// Upload is one photo as received.
type Upload struct {
	Filename string
	Data     []byte
}

// Receipt is what the reporter is shown, once.
type Receipt struct {
	ReportID   uint64 `json:"-"`
	TrackingNo string `json:"tracking_no"`
	Receipt    string `json:"receipt"` // grouped digits, e.g. "1234 5678 …"
	Status     Status `json:"status"`
	// Repeat is set when this answers a retried submission.
	Repeat bool `json:"repeat,omitempty"`
	// Awaiting is AwaitingAssignment while no department has the report.
	Awaiting string `json:"awaiting_assignment,omitempty"`
}

var (
	phoneRE = regexp.MustCompile(`^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$`)
	tokenRE = regexp.MustCompile(`^[A-Za-z0-9_-]{16,64}$`)
)

// checked is a validated submission.
type checked struct {
	in      NewReport
	subject *catalog.Subject
	pt      ProblemType
	photos  []Processed
}

// validate checks every field and collects the messages by field, so a
// page can show them all at once next to what was typed.
func (s *Service) validate(ctx context.Context, in NewReport) (*checked, error) {
	fields := map[string]string{}
	c := &checked{in: in}
	c.in.Description = strings.TrimSpace(in.Description)
	c.in.Name = strings.TrimSpace(in.Name)
	c.in.Phone = strings.NewReplacer(" ", "", "\u3000", "").Replace(strings.TrimSpace(in.Phone))
	sub, err := s.subjects.Resolve(ctx, in.Subject)
	var ve *domain.ValidationError
	switch {
	case errors.As(err, &ve):
		fields["subject"] = "举报对象不正确：" + ve.Message
	case errors.Is(err, domain.ErrNotFound):
		fields["subject"] = "没有找到这个举报对象，请从公开页面或二维码进入"
	case err != nil:
		return nil, err
	default:
		c.subject = sub
		pt, ok, err := s.problems.Of(ctx, sub.Kind, in.ProblemType)
		switch {
		case err != nil:
			return nil, err
		case !ok:
			fields["problem_type"] = "请选择要反映的问题类型"
		case pt.Disabled:
			fields["problem_type"] = "这个问题类型已不再使用，请重新选择"
		}
		c.pt = pt
	}
	switch n := utf8.RuneCountInString(c.in.Description); {
	case !utf8.ValidString(in.Description):
		fields["description"] = "问题描述含有无法识别的字符"
	case n < MinDescription:
		fields["description"] = fmt.Sprintf("请把问题说清楚一些（至少%d个字）", MinDescription)
	case n > MaxDescription:
		fields["description"] = fmt.Sprintf("问题描述最多%d字，现在是%d字，请精简或分几次反映", MaxDescription, n)
	}
	if in.Anonymous {
		if c.in.Name != "" || c.in.Phone != "" {
			fields["anonymous"] = "您选择了匿名，又填写了姓名或电话：匿名反映请清空姓名和电话；愿意留联系方式请取消“匿名”"
		}
		c.in.Name, c.in.Phone = "", ""
	} else {
		if utf8.RuneCountInString(c.in.Name) > MaxName {
			fields["name"] = fmt.Sprintf("姓名最多%d个字", MaxName)
		}
		if !phoneRE.MatchString(c.in.Phone) {
			fields["phone"] = "请填写正确的手机号（11位）或固定电话；不想留联系方式请选择匿名"
		}
	}
	if in.Token != "" && !tokenRE.MatchString(in.Token) {
		fields["token"] = "提交标识格式不正确，请刷新页面后重新提交"
	}
	if len(in.Photos) > MaxPhotos {
		fields["photos"] = fmt.Sprintf("最多上传%d张照片", MaxPhotos)
	} else {
		for i, u := range in.Photos {
			p, err := ProcessPhoto(u.Filename, u.Data)
			if err != nil {
				fields["photos"] = fmt.Sprintf("第%d张照片：%v", i+1, err)
				break
			}
			c.photos = append(c.photos, p)
		}
	}
	if len(fields) > 0 {
		return nil, &domain.ValidationError{Message: "提交的内容有误，请按提示修改后再提交", Fields: fields}
	}
	return c, nil
}

// Submit files a report. It returns only after the report and its first
// event are committed; then it dispatches the report by the routing rules
// (in a second transaction: a failure there leaves it "submitted" for the
// scheduler to dispatch). A retry with the same token returns the first
// receipt with Repeat set.
func (s *Service) Submit(ctx context.Context, in NewReport) (*Receipt, error) {
	rc, err := s.submit(ctx, in)
	return rc, unavailable(err)
}

func (s *Service) submit(ctx context.Context, in NewReport) (*Receipt, error) {
	tokenHash := ""
	if in.Token != "" {
		sum := sha256.Sum256([]byte("sunlight/submission/" + in.Token))
		tokenHash = hex.EncodeToString(sum[:])
		if rc, err := s.repeat(ctx, tokenHash); err == nil || !errors.Is(err, domain.ErrNotFound) {
			return rc, err
		}
	}
	c, err := s.validate(ctx, in)
	if err != nil {
		return nil, err
	}
	digits := NewReceipt()
	rc := &Receipt{Receipt: FormatReceipt(digits), Status: StatusSubmitted}
	lookup := s.keys.lookupHashes(digits)[0]

	files, err := s.storePhotos(c.photos)
	if err != nil {
		return nil, err
	}
	var r *Report
	for attempt := 0; ; attempt++ {
		r, err = s.insert(ctx, c, lookup, digits, tokenHash, files)
		if err == nil {
			break
		}
		if errors.Is(err, gorm.ErrDuplicatedKey) && tokenHash != "" {
			// The same submission may have won a race with us: answer as
			// it did. Otherwise a tracking number collided: try again.
			if rc, rerr := s.repeat(ctx, tokenHash); !errors.Is(rerr, domain.ErrNotFound) {
				s.removeFiles(files)
				return rc, rerr
			}
		}
		if !errors.Is(err, gorm.ErrDuplicatedKey) || attempt == 3 {
			s.removeFiles(files)
			return nil, err
		}
		// A tracking number collided: draw another.
	}
	rc.ReportID, rc.TrackingNo = r.ID, r.TrackingNo
	if err := s.dispatch(ctx, r.ID, c.subject, c.pt.Code); err == nil {
		rc.Status = StatusDispatched
	}
	rc.Awaiting = awaiting(rc.Status, "")
	return rc, nil
}

func (s *Service) insert(ctx context.Context, c *checked, lookup, digits, tokenHash string, files []storedFile) (*Report, error) {
	now := eventTime(s.now())
	r := &Report{TrackingNo: newTrackingNo(now), Subject: c.subject.String(), SubjectName: c.subject.Title,
		SubjectKind: c.subject.Kind, RegionCode: c.subject.RegionCode, ProblemType: c.pt.Code,
		Description: c.in.Description, Anonymous: c.in.Anonymous, LookupHash: lookup,
		Status: StatusSubmitted, SubmittedAt: now, Version: 1, UpdatedAt: now}
	err := s.transact(ctx, func(tx *gorm.DB) error {
		r.ID = 0 // a retried transaction inserts afresh
		if err := tx.Create(r).Error; err != nil {
			return err
		}
		if !c.in.Anonymous {
			name, err := s.keys.Seal(c.in.Name, contactAAD(r.ID, "name"))
			if err != nil {
				return err
			}
			phone, err := s.keys.Seal(c.in.Phone, contactAAD(r.ID, "phone"))
			if err != nil {
				return err
			}
			if err := tx.Model(r).Updates(map[string]any{"contact_name": name, "contact_phone": phone}).Error; err != nil {
				return err
			}
		}
		for _, f := range files {
			p := Photo{ReportID: r.ID, Name: f.name, Mime: f.mime, Width: f.w, Height: f.h, Size: f.size, Created: now}
			if err := tx.Create(&p).Error; err != nil {
				return err
			}
		}
		if tokenHash != "" {
			sealed, err := s.keys.Seal(digits, "submission/"+tokenHash)
			if err != nil {
				return err
			}
			sub := Submission{TokenHash: tokenHash, ReportID: r.ID, SealedReceipt: sealed, ExpiresAt: now.Add(s.retry)}
			if err := tx.Create(&sub).Error; err != nil {
				return err
			}
		}
		ev := &Event{ReportID: r.ID, Type: EvSubmitted, Actor: "reporter", At: now, Text: "举报已提交",
			ToStatus: StatusSubmitted, Public: true}
		if err := appendEvent(tx, ev); err != nil {
			return err
		}
		if s.hook != nil {
			return s.hook()
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// repeat answers a retried submission from its sealed receipt copy.
func (s *Service) repeat(ctx context.Context, tokenHash string) (*Receipt, error) {
	var sub Submission
	err := s.db.WithContext(ctx).Where("token_hash = ?", tokenHash).Take(&sub).Error
	if err == nil && !s.now().Before(sub.ExpiresAt) {
		// Past the retry window the sealed receipt is no longer handed out,
		// even if the sweeper has not wiped it yet.
		sub.SealedReceipt = ""
	}
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, domain.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	var r Report
	if err := s.db.WithContext(ctx).Select("id", "tracking_no", "status", "dept_code").Where("id = ?", sub.ReportID).Take(&r).Error; err != nil {
		return nil, err
	}
	if sub.SealedReceipt == "" {
		return nil, domain.Conflict("这份举报已经提交过了（受理编号 %s），查询码只在提交时显示一次", r.TrackingNo)
	}
	digits, err := s.keys.Open(sub.SealedReceipt, "submission/"+tokenHash)
	if err != nil {
		return nil, err
	}
	return &Receipt{ReportID: r.ID, TrackingNo: r.TrackingNo, Receipt: FormatReceipt(digits), Status: r.Status, Repeat: true,
		Awaiting: awaiting(r.Status, r.DeptCode)}, nil
}

// dispatch routes a submitted report to its department.
func (s *Service) dispatch(ctx context.Context, id uint64, sub *catalog.Subject, pt string) error {
	cal, err := s.calendar(ctx)
	if err != nil {
		return err
	}
	rt, err := s.route(ctx, s.db.WithContext(ctx), sub, pt)
	if err != nil {
		if rt != nil && rt.AccusedDept != "" {
			// Undispatched, but the accused is known: record it, so that the
			// accused never sees the report while it waits.
			if merr := s.db.WithContext(ctx).Model(&Report{}).Where("id = ? AND status = ?", id, StatusSubmitted).
				Updates(map[string]any{"accused_dept": rt.AccusedDept, "accused_region": rt.AccusedRegion, "accused_head": rt.AccusedHead}).Error; merr != nil {
				return merr
			}
		}
		return err
	}
	dept, err := s.depts.Get(ctx, rt.DeptCode)
	if err != nil {
		return err
	}
	return s.transact(ctx, func(tx *gorm.DB) error {
		var r Report
		if err := tx.Where("id = ?", id).Take(&r).Error; err != nil {
			return err
		}
		if r.DeptCode != "" {
			return domain.ErrBusy // assigned meanwhile (Service.Assign)
		}
		now := eventTime(s.now())
		up := map[string]any{"dept_code": rt.DeptCode, "dept_region": rt.DeptRegion, "accused_dept": rt.AccusedDept,
			"accused_region": rt.AccusedRegion, "accused_head": rt.AccusedHead, "dispatched_at": now}
		cal.setDeadlines(up, now, true)
		err := s.apply(tx, &r, change{action: ActDispatch, evType: EvDispatched, actor: "system", public: true,
			text: "已派至" + dept.Name + "办理", updates: up}, now)
		if err != nil {
			return err
		}
		r.AccusedDept = rt.AccusedDept
		return notify(tx, &r, rt.DeptCode, "staff", "new", now)
	})
}

// newTrackingNo is the public case number: the date and 8 random digits.
// It is not a secret (staff and phone calls use it) and not the receipt.
func newTrackingNo(now time.Time) string {
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	var n uint64
	for _, x := range b {
		n = n<<8 | uint64(x)
	}
	return fmt.Sprintf("%s-%08d", now.In(chinaTime).Format("20060102"), n%100000000)
}

type storedFile struct {
	name, mime string
	w, h       int
	size       int64
}

// storePhotos writes processed photos under random names, sealed (see
// photoAAD) and synced to disk.
func (s *Service) storePhotos(ps []Processed) ([]storedFile, error) {
	if len(ps) == 0 {
		return nil, nil
	}
	if s.uploads == "" {
		return nil, errors.New("report: no upload directory configured")
	}
	if err := os.MkdirAll(s.uploads, 0o750); err != nil {
		return nil, err
	}
	var out []storedFile
	for _, p := range ps {
		name := RandomName() + p.Ext
		sealed, err := s.keys.SealBytes(p.Data, photoAAD(name))
		if err != nil {
			s.removeFiles(out)
			return nil, err
		}
		if err := writeSynced(filepath.Join(s.uploads, name), sealed); err != nil {
			s.removeFiles(out)
			return nil, err
		}
		out = append(out, storedFile{name: name, mime: p.Mime, w: p.Width, h: p.Height, size: int64(len(p.Data))})
	}
	// The files' contents are synced; their names must be too, or a crash
	// after the commit could lose a photo the report refers to.
	if err := syncDir(s.uploads); err != nil {
		s.removeFiles(out)
		return nil, err
	}
	return out, nil
}

func (s *Service) removeFiles(fs []storedFile) {
	for _, f := range fs {
		_ = os.Remove(filepath.Join(s.uploads, f.name))
	}
}

func writeSynced(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o640)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		_ = f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}

// RandomName is 26 random characters from [a-z0-9] (≈134 bits).
func RandomName() string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, 26)
	buf := make([]byte, 64)
	n := 0
	for n < len(b) {
		if _, err := rand.Read(buf); err != nil {
			panic("crypto/rand failed: " + err.Error())
		}
		for _, x := range buf {
			if x < 252 && n < len(b) { // 252 = 7·36
				b[n] = alphabet[x%36]
				n++
			}
		}
	}
	return string(b)
}

// PhotoPath is where a stored photo lives, or "" for a name that is not
// one of ours.
func (s *Service) PhotoPath(name string) string {
	if !photoNameRE.MatchString(name) || s.uploads == "" {
		return ""
	}
	return filepath.Join(s.uploads, name)
}

var photoNameRE = regexp.MustCompile(`^[a-z0-9]{26}\.(jpg|png)$`)
