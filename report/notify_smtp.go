package report

import (
	"context"
	"errors"
	"net"
	"net/mail"
	"strings"
	"time"

	"gorm.io/gorm"

	"sunlight/catalog"
	"sunlight/domain"
)

// SMTPServer is a mail server notifications go through, with the default
// recipients of departments that have no channel of their own.
type SMTPServer struct {
	Addr     string // host:port
	From     string
	User     string // "" for no login
	Password string
	To       []string
}

// SMTPSetting is the mail server the administrator stored in the
// workbench (one row). The environment's SUNLIGHT_SMTP_* override it.
type SMTPSetting struct {
	ID        uint8     `gorm:"primaryKey;autoIncrement:false"`
	Addr      string    `gorm:"size:255;not null"`
	FromAddr  string    `gorm:"size:255;not null"`
	Username  string    `gorm:"size:255;not null;default:''"`
	Password  string    `gorm:"size:1024;not null;default:''"` // sealed, aad smtpPasswordAAD
	ToAddrs   string    `gorm:"size:1000;not null;default:''"`
	UpdatedAt time.Time `gorm:"not null"`
	UpdatedBy string    `gorm:"size:64;not null;default:''"`
}

// TableName is explicit.
func (SMTPSetting) TableName() string { return "report_smtp_settings" }

const smtpPasswordAAD = "report-smtp/1/password"

// SMTPInput is a change to the stored mail server; an empty Password
// keeps the stored one (the page never shows it back).
type SMTPInput struct {
	Addr, From, User, Password, To string
}

// SMTPView is the mail server in use as pages show it: never the password.
type SMTPView struct {
	FromEnv     bool      `json:"-"` // set by SUNLIGHT_SMTP_*: read-only on the page
	Configured  bool      `json:"-"`
	Addr        string    `json:"addr"`
	From        string    `json:"from"`
	User        string    `json:"user,omitempty"`
	HasPassword bool      `json:"password_set"`
	To          []string  `json:"to,omitempty"`
	UpdatedAt   time.Time `json:"-"`
	UpdatedBy   string    `json:"-"`
}

// SMTP is the mail server in use: the environment's, else the stored one.
func (n *Notifier) SMTP(ctx context.Context) (SMTPView, error) {
	if e := n.env.SMTP; e != nil {
		return SMTPView{FromEnv: true, Configured: true, Addr: e.Addr, From: e.From, User: e.User, HasPassword: e.Password != "", To: e.To}, nil
	}
	row, err := n.smtpRow(n.s.db.WithContext(ctx))
	if err != nil || row == nil {
		return SMTPView{}, err
	}
	return smtpView(row), nil
}

func smtpView(r *SMTPSetting) SMTPView {
	return SMTPView{Configured: true, Addr: r.Addr, From: r.FromAddr, User: r.Username, HasPassword: r.Password != "",
		To: splitList(r.ToAddrs), UpdatedAt: r.UpdatedAt, UpdatedBy: r.UpdatedBy}
}

func (n *Notifier) smtpRow(db *gorm.DB) (*SMTPSetting, error) {
	var row SMTPSetting
	err := db.Where("id = 1").Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil
	}
	return &row, err
}

// smtpServer is the mail server to send through, nil when there is none.
func (n *Notifier) smtpServer(ctx context.Context) (*SMTPServer, error) {
	if n.env.SMTP != nil {
		return n.env.SMTP, nil
	}
	row, err := n.smtpRow(n.s.db.WithContext(ctx))
	if err != nil || row == nil {
		return nil, err
	}
	pw, err := n.s.keys.Open(row.Password, smtpPasswordAAD)
	if err != nil {
		return nil, err
	}
	return &SMTPServer{Addr: row.Addr, From: row.FromAddr, User: row.Username, Password: pw, To: splitList(row.ToAddrs)}, nil
}

// SetSMTP stores the mail server, checked as the configuration checks
// SUNLIGHT_SMTP_*; bad input is a *domain.ValidationError and changes
// nothing. While the environment sets the server it cannot be changed here.
func (n *Notifier) SetSMTP(ctx context.Context, in SMTPInput, actor string) error {
	if n.env.SMTP != nil {
		return domain.Invalid("邮件服务器由环境变量（SUNLIGHT_SMTP_ADDR 等）设置，不能在此修改")
	}
	row, err := checkSMTP(in)
	if err != nil {
		return err
	}
	row.UpdatedAt, row.UpdatedBy = n.s.now().UTC(), actor
	return n.s.transact(ctx, func(tx *gorm.DB) error {
		old, err := n.smtpRow(tx)
		if err != nil {
			return err
		}
		if in.Password != "" {
			if row.Password, err = n.s.keys.Seal(in.Password, smtpPasswordAAD); err != nil {
				return err
			}
		} else if old != nil && row.Username != "" {
			row.Password = old.Password
		}
		action, before := "新增", any(nil)
		if old != nil {
			action, before = "修改", smtpView(old)
			err = tx.Model(&SMTPSetting{}).Where("id = 1").Select("*").Updates(row).Error
		} else {
			err = tx.Create(row).Error
		}
		if err != nil {
			return err
		}
		return catalog.RecordRefChange(tx, catalog.RefNotify, "smtp", action, actor, before, smtpView(row), row.UpdatedAt)
	})
}

func checkSMTP(in SMTPInput) (*SMTPSetting, error) {
	addr := strings.TrimSpace(in.Addr)
	host, port, err := net.SplitHostPort(addr)
	if err == nil && host != "" {
		_, err = net.LookupPort("tcp", port)
	}
	if err != nil || host == "" || len(addr) > 255 {
		return nil, domain.Invalid("邮件服务器地址不是“主机:端口”", "addr", "例如 smtp.example.gov.cn:587")
	}
	from, err := mail.ParseAddress(strings.TrimSpace(in.From))
	if err != nil || len(from.Address) > 255 {
		return nil, domain.Invalid("发件人不是邮件地址", "from", "例如 sunlight@example.gov.cn")
	}
	to, err := parseMailList(in.To)
	if err != nil {
		return nil, domain.Invalid("默认收件人不是以逗号分隔的邮件地址", "to", "例如 a@example.gov.cn, b@example.gov.cn（至多 20 个）")
	}
	user := strings.TrimSpace(in.User)
	if len(user) > 255 || len(in.Password) > 256 {
		return nil, domain.Invalid("用户名或密码过长", "user", "用户名至多 255 个字符，密码至多 256 个字符")
	}
	if user == "" && in.Password != "" {
		return nil, domain.Invalid("填写了密码但没有填写用户名", "user", "需要登录的邮件服务器请同时填写用户名")
	}
	return &SMTPSetting{ID: 1, Addr: addr, FromAddr: from.Address, Username: user, ToAddrs: strings.Join(to, ",")}, nil
}

// ClearSMTP removes the stored mail server. Having none stored is
// domain.ErrNotFound; the environment's is never touched.
func (n *Notifier) ClearSMTP(ctx context.Context, actor string) error {
	return n.s.transact(ctx, func(tx *gorm.DB) error {
		old, err := n.smtpRow(tx)
		if err != nil {
			return err
		}
		if old == nil {
			return domain.ErrNotFound
		}
		if err := tx.Where("id = 1").Delete(&SMTPSetting{}).Error; err != nil {
			return err
		}
		return catalog.RecordRefChange(tx, catalog.RefNotify, "smtp", "删除", actor, smtpView(old), nil, n.s.now())
	})
}
