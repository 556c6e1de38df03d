package report

import (
	"context"
	"errors"
	"net/mail"
	"net/url"
	"strings"
	"time"

	"gorm.io/gorm"

	"sunlight/catalog"
	"sunlight/domain"
)

// DeptNotify is a department's own notification channel, set by the
// administrator: its DingTalk/WeCom group robot and/or mail recipients
// reached through the deployment's mail server. The robot's URL carries
// its token, so it is sealed at rest and only ever shown masked.
type DeptNotify struct {
	DeptCode  string    `gorm:"primaryKey;size:32"`
	Webhook   string    `gorm:"size:2048;not null;default:''"` // sealed, see webhookAAD
	Mail      string    `gorm:"size:1000;not null;default:''"` // bare addresses, comma-separated
	Enabled   bool      `gorm:"not null;default:true"`
	UpdatedAt time.Time `gorm:"not null"`
	UpdatedBy string    `gorm:"size:64;not null;default:''"`
}

// TableName is explicit.
func (DeptNotify) TableName() string { return "report_notify_settings" }

func webhookAAD(dept string) string { return "report-notify/" + dept + "/webhook" }

// DeptNotifyInput is a change to a department's channel. An empty Webhook
// keeps the stored robot (the page never shows it back); ClearWebhook
// removes it.
type DeptNotifyInput struct {
	DeptCode     string
	Webhook      string
	ClearWebhook bool
	Mail         string // comma-separated; Chinese commas and semicolons are accepted
	Enabled      bool
}

// DeptNotifyView is a department's channel as pages and the command line
// show it: the robot masked, never its token.
type DeptNotifyView struct {
	DeptCode   string    `json:"dept"`
	DeptName   string    `json:"-"`
	RegionCode string    `json:"-"`
	Webhook    string    `json:"webhook,omitempty"` // masked
	Mail       []string  `json:"mail,omitempty"`
	Enabled    bool      `json:"enabled"`
	UpdatedAt  time.Time `json:"-"`
	UpdatedBy  string    `json:"-"`
}

// MaskSecretURL shows a URL that carries a token as its host and its last
// four characters, e.g. "oapi.dingtalk.com…a1b2".
func MaskSecretURL(raw string) string {
	if raw == "" {
		return ""
	}
	host := ""
	if u, err := url.Parse(raw); err == nil {
		host = u.Host
	}
	r := []rune(raw)
	return host + "…" + string(r[max(0, len(r)-4):])
}

// msgSealed is the reason given when a stored robot URL or password no
// longer opens (the secret key changed without the old one being kept).
const msgSealed = "已保存的地址或密码无法解密（密钥可能已更换），请重新设置"

// DeptChannels lists the departments with a channel of their own, in code
// order, those of a region (code prefix) when region is not "".
func (n *Notifier) DeptChannels(ctx context.Context, region string, pg catalog.Paging) ([]DeptNotifyView, int64, error) {
	db := n.s.db.WithContext(ctx)
	q := db.Model(&DeptNotify{})
	if region != "" {
		q = q.Where("dept_code IN (?)", db.Model(&catalog.Department{}).Select("code").Where("region_code LIKE ?", region+"%"))
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, err
	}
	var rows []DeptNotify
	if err := q.Order("dept_code").Offset(pg.Offset()).Limit(pg.Limit()).Find(&rows).Error; err != nil {
		return nil, 0, err
	}
	codes := make([]string, len(rows))
	for i, r := range rows {
		codes[i] = r.DeptCode
	}
	var depts []catalog.Department
	if err := db.Where("code IN ?", append(codes, "")).Find(&depts).Error; err != nil {
		return nil, 0, err
	}
	byCode := map[string]catalog.Department{}
	for _, d := range depts {
		byCode[d.Code] = d
	}
	out := make([]DeptNotifyView, len(rows))
	for i := range rows {
		out[i] = n.view(&rows[i])
		out[i].DeptName, out[i].RegionCode = byCode[rows[i].DeptCode].Name, byCode[rows[i].DeptCode].RegionCode
	}
	return out, total, nil
}

// DeptChannel is one department's channel, domain.ErrNotFound if it has
// none of its own.
func (n *Notifier) DeptChannel(ctx context.Context, dept string) (*DeptNotifyView, error) {
	row, err := n.deptRow(n.s.db.WithContext(ctx), dept)
	if err != nil {
		return nil, err
	}
	if row == nil {
		return nil, domain.ErrNotFound
	}
	v := n.view(row)
	return &v, nil
}

func (n *Notifier) deptRow(db *gorm.DB, dept string) (*DeptNotify, error) {
	var row DeptNotify
	err := db.Where("dept_code = ?", dept).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil
	}
	return &row, err
}

func (n *Notifier) view(r *DeptNotify) DeptNotifyView {
	v := DeptNotifyView{DeptCode: r.DeptCode, Mail: splitList(r.Mail), Enabled: r.Enabled, UpdatedAt: r.UpdatedAt, UpdatedBy: r.UpdatedBy}
	if r.Webhook != "" {
		if u, err := n.s.keys.Open(r.Webhook, webhookAAD(r.DeptCode)); err == nil {
			v.Webhook = MaskSecretURL(u)
		} else {
			v.Webhook = "（无法解密）"
		}
	}
	return v
}

// SetDept sets a department's channel; bad input is a
// *domain.ValidationError and changes nothing. The change is recorded in
// the reference-data history with the robot masked.
func (n *Notifier) SetDept(ctx context.Context, in DeptNotifyInput, actor string) error {
	in.DeptCode = strings.TrimSpace(in.DeptCode)
	in.Webhook = strings.TrimSpace(in.Webhook)
	if _, err := n.s.depts.Get(ctx, in.DeptCode); errors.Is(err, domain.ErrNotFound) {
		return domain.Invalid("没有这个单位编号："+in.DeptCode, "dept", "请填写单位名录中的单位编号，例如 210124-mz")
	} else if err != nil {
		return err
	}
	if in.Webhook != "" && !webURL(in.Webhook) {
		return domain.Invalid("机器人地址不是完整的 http(s) 网址", "webhook", "请粘贴群机器人的完整 Webhook 地址，例如 https://oapi.dingtalk.com/robot/send?access_token=…")
	}
	mails, err := parseMailList(in.Mail)
	if err != nil {
		return domain.Invalid("收件人不是以逗号分隔的邮件地址", "mail", "例如 a@example.gov.cn, b@example.gov.cn（至多 20 个）")
	}
	return n.s.transact(ctx, func(tx *gorm.DB) error {
		old, err := n.deptRow(tx, in.DeptCode)
		if err != nil {
			return err
		}
		row := DeptNotify{DeptCode: in.DeptCode, Mail: strings.Join(mails, ","), Enabled: in.Enabled, UpdatedAt: n.s.now().UTC(), UpdatedBy: actor}
		if old != nil && !in.ClearWebhook {
			row.Webhook = old.Webhook
		}
		if in.Webhook != "" {
			if row.Webhook, err = n.s.keys.Seal(in.Webhook, webhookAAD(in.DeptCode)); err != nil {
				return err
			}
		}
		if row.Webhook == "" && row.Mail == "" {
			return domain.Invalid("请填写机器人地址或收件人；两者都不要时请用“清除”", "webhook", "机器人地址与收件人至少填写一项")
		}
		return n.saveDept(tx, old, &row, actor)
	})
}

func (n *Notifier) saveDept(tx *gorm.DB, old, row *DeptNotify, actor string) error {
	action, err := "新增", error(nil)
	var before any
	if old != nil {
		action, before = "修改", n.view(old)
		err = tx.Model(&DeptNotify{}).Where("dept_code = ?", row.DeptCode).Select("*").Updates(row).Error
	} else {
		err = tx.Create(row).Error
	}
	if err != nil {
		return err
	}
	return catalog.RecordRefChange(tx, catalog.RefNotify, row.DeptCode, action, actor, before, n.view(row), row.UpdatedAt)
}

// ClearDept removes a department's channel: its notices go to the
// deployment's default again. A department with none is domain.ErrNotFound.
func (n *Notifier) ClearDept(ctx context.Context, dept, actor string) error {
	return n.s.transact(ctx, func(tx *gorm.DB) error {
		old, err := n.deptRow(tx, dept)
		if err != nil {
			return err
		}
		if old == nil {
			return domain.ErrNotFound
		}
		if err := tx.Where("dept_code = ?", dept).Delete(&DeptNotify{}).Error; err != nil {
			return err
		}
		return catalog.RecordRefChange(tx, catalog.RefNotify, dept, "删除", actor, n.view(old), nil, n.s.now())
	})
}

// webURL is an absolute http(s) URL with a host, as config checks the
// deployment's robot.
func webURL(raw string) bool {
	u, err := url.Parse(raw)
	return err == nil && len(raw) <= 1000 && (u.Scheme == "http" || u.Scheme == "https") && u.Hostname() != "" && u.User == nil
}

// parseMailList reads comma-separated addresses (also "，", ";" and "；")
// into bare ones; at most 20.
func parseMailList(s string) ([]string, error) {
	s = strings.NewReplacer("，", ",", "；", ",", ";", ",", "\n", ",").Replace(s)
	var out []string
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part == "" {
			continue
		}
		a, err := mail.ParseAddress(part)
		if err != nil {
			return nil, err
		}
		out = append(out, a.Address)
	}
	if len(out) > 20 || len(strings.Join(out, ",")) > 1000 {
		return nil, errors.New("too many recipients")
	}
	return out, nil
}

func splitList(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}
