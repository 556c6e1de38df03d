package report

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/smtp"
	"net/textproto"
	"strings"
	"syscall"
	"time"

	"sunlight/domain"
)

// NotifyDefaults are the deployment's notification settings from the
// environment, the operator's override: the robot for every department
// without one of its own, and the mail server (which then cannot be
// changed in the workbench).
type NotifyDefaults struct {
	Webhook string       // SUNLIGHT_NOTIFY_WEBHOOK
	SMTP    *SMTPServer  // SUNLIGHT_SMTP_*; nil when SUNLIGHT_SMTP_ADDR is not set
	Log     *slog.Logger // where notices go when nothing else is configured
}

// Notifier is the Sender the scheduler delivers through. It picks, for
// each message, the department's own channel when the administrator set
// one (its robot, else its mail recipients through the mail server in
// use), else the deployment's robot from the environment, else mail to the
// mail server's default recipients, else the log. It also keeps those
// settings (notify_settings.go, notify_smtp.go) and sends test messages.
type Notifier struct {
	s        *Service
	env      NotifyDefaults
	sendMail func(addr string, a smtp.Auth, from string, to []string, msg []byte) error // tests
}

// Notifier returns the service's notifier on the environment's defaults.
func (s *Service) Notifier(d NotifyDefaults) *Notifier {
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	return &Notifier{s: s, env: d}
}

// deliveryLimit bounds one delivery from the outbox; testLimit one test
// message, which the administrator waits for.
const (
	deliveryLimit = 30 * time.Second
	testLimit     = 10 * time.Second
)

// Send delivers m through the channel its department is configured with.
func (n *Notifier) Send(ctx context.Context, m Message) error {
	snd, err := n.senderFor(ctx, m.DeptCode)
	if err != nil {
		return err
	}
	return snd.Send(ctx, m)
}

func (n *Notifier) senderFor(ctx context.Context, dept string) (Sender, error) {
	row, err := n.deptRow(n.s.db.WithContext(ctx), dept)
	if err != nil {
		return nil, err
	}
	if row != nil && row.Enabled {
		if snd, err := n.deptSender(ctx, row, deliveryLimit); snd != nil || err != nil {
			return snd, err
		}
	}
	return n.defaultSender(ctx)
}

// deptSender is the department's own channel: its robot, else its mail
// recipients; nil when that is mail and no mail server is configured.
func (n *Notifier) deptSender(ctx context.Context, row *DeptNotify, limit time.Duration) (Sender, error) {
	if row.Webhook != "" {
		u, err := n.s.keys.Open(row.Webhook, webhookAAD(row.DeptCode))
		if err != nil {
			return nil, err
		}
		return robot(u, limit), nil
	}
	srv, err := n.smtpServer(ctx)
	if err != nil || srv == nil {
		return nil, err
	}
	return n.mailer(srv, splitList(row.Mail), limit), nil
}

func (n *Notifier) defaultSender(ctx context.Context) (Sender, error) {
	if n.env.Webhook != "" {
		return robot(n.env.Webhook, deliveryLimit), nil
	}
	srv, err := n.smtpServer(ctx)
	if err != nil {
		return nil, err
	}
	if srv != nil && len(srv.To) > 0 {
		return n.mailer(srv, srv.To, deliveryLimit), nil
	}
	return LogSender{Log: n.env.Log}, nil
}

func robot(u string, limit time.Duration) Sender {
	return WebhookSender{URL: u, Client: &http.Client{Timeout: limit}}
}

func (n *Notifier) mailer(srv *SMTPServer, to []string, limit time.Duration) Sender {
	var auth smtp.Auth
	if srv.User != "" {
		host, _, _ := net.SplitHostPort(srv.Addr)
		auth = smtp.PlainAuth("", srv.User, srv.Password, host)
	}
	send := n.sendMail
	if send == nil {
		send = sendMailWithin(limit)
	}
	return SMTPSender{Addr: srv.Addr, Auth: auth, From: srv.From, Recipients: func(string, string) []string { return to }, send: send}
}

// DefaultChannel says in Chinese where the notices of a department
// without its own channel go, the robot masked.
func (n *Notifier) DefaultChannel(ctx context.Context) (string, error) {
	if n.env.Webhook != "" {
		return "群机器人（环境变量 SUNLIGHT_NOTIFY_WEBHOOK：" + MaskSecretURL(n.env.Webhook) + "）", nil
	}
	v, err := n.SMTP(ctx)
	if err != nil {
		return "", err
	}
	if v.Configured && len(v.To) > 0 {
		return "邮件，发往 " + strings.Join(v.To, "、") + "（经 " + v.Addr + "）", nil
	}
	return "写入服务日志（未配置默认机器人或邮件收件人）", nil
}

// TestText is the test message: no case content, and 举报, the keyword
// every notice carries (for robots that only pass messages with a keyword).
const TestText = "【阳光监督】这是一条测试消息，用于确认举报待办提醒能够送达。无需回复。"

// SendError is a failed test message; its text is the reason in Chinese,
// never the robot's token or the mail password.
type SendError struct {
	Reason string
	err    error
}

func (e *SendError) Error() string { return e.Reason }
func (e *SendError) Unwrap() error { return e.err }

// TestDept sends the test message through a department's own channel now
// (even while it is disabled) and waits at most 10 s. Nothing to send
// through is a *domain.ValidationError, a failed send a *SendError.
func (n *Notifier) TestDept(ctx context.Context, dept string) error {
	row, err := n.deptRow(n.s.db.WithContext(ctx), dept)
	if err != nil {
		return err
	}
	if row == nil {
		return domain.Invalid("该单位没有单独设置通知渠道，其通知发往默认渠道")
	}
	snd, err := n.deptSender(ctx, row, testLimit)
	if err == nil && snd == nil {
		return domain.Invalid("该单位只设置了收件人，但还没有配置邮件服务器")
	}
	return n.sendTest(ctx, dept, snd, err)
}

// TestSMTP sends the test message to the mail server's default
// recipients now and waits at most 10 s.
func (n *Notifier) TestSMTP(ctx context.Context) error {
	srv, err := n.smtpServer(ctx)
	if err == nil && srv == nil {
		return domain.Invalid("还没有配置邮件服务器")
	}
	if err == nil && len(srv.To) == 0 {
		return domain.Invalid("邮件服务器没有默认收件人，请先填写默认收件人")
	}
	var snd Sender
	if err == nil {
		snd = n.mailer(srv, srv.To, testLimit)
	}
	return n.sendTest(ctx, "", snd, err)
}

func (n *Notifier) sendTest(ctx context.Context, dept string, snd Sender, err error) error {
	if err == nil {
		tctx, cancel := context.WithTimeout(ctx, testLimit)
		defer cancel()
		err = snd.Send(tctx, Message{DeptCode: dept, Role: "staff", Kind: "test", Text: TestText})
	}
	if err != nil {
		return &SendError{Reason: sendReason(err), err: err}
	}
	return nil
}

// sendReason says in Chinese why a message did not go out.
func sendReason(err error) string {
	var re *RobotError
	var te *textproto.Error
	var dns *net.DNSError
	var ne net.Error
	var ce *tls.CertificateVerificationError
	switch {
	case errors.Is(err, ErrSealed):
		return msgSealed
	case errors.As(err, &re):
		return fmt.Sprintf("机器人拒绝了消息（HTTP 状态 %d，错误码 %d：%s）", re.Status, re.Code, re.Msg)
	case errors.As(err, &te):
		return fmt.Sprintf("邮件服务器拒绝了请求（%d %s）", te.Code, clip(te.Msg, 120))
	case errors.As(err, &dns):
		return "找不到服务器（域名解析失败），请检查地址"
	case errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout():
		return fmt.Sprintf("%d 秒内没有响应（超时）", int(testLimit/time.Second))
	case errors.Is(err, syscall.ECONNREFUSED):
		return "连接被拒绝：地址或端口不对，或对方服务没有开启"
	case errors.As(err, &ce):
		return "服务器的 TLS 证书校验失败"
	case strings.Contains(err.Error(), "unencrypted connection"):
		return "邮件服务器不支持加密连接（STARTTLS），为保护密码未登录"
	}
	return "发送失败：网络不通或对方服务异常"
}

func clip(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}
