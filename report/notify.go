package report

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/smtp"
	"net/url"
	"path"
	"strings"
	"time"

	"gorm.io/gorm"

	"sunlight/catalog"
)

// Message is one notification to a department (its handlers, its head or
// the supervisor). It never carries case content: the tracking number and
// what to do, nothing of what the reporter wrote or who they are.
type Message struct {
	DeptCode string
	Role     string
	Kind     string
	Text     string
}

// Sender delivers notifications.
type Sender interface {
	Send(ctx context.Context, m Message) error
}

var notifyTexts = map[string]string{
	"new":          "您单位有一件新的群众举报（编号%s）待签收，请登录阳光监督工作台处理。",
	"ack_overdue":  "您单位有一件举报（编号%s）已超过签收期限，请尽快登录工作台签收。",
	"overdue":      "您单位有一件举报（编号%s）已超过答复期限，请尽快登录工作台办理。",
	"head":         "您单位有一件举报（编号%s）超期未办，请督促经办人办理。",
	"supervisor":   "有一件举报（编号%s）严重超期，已转入督办，请登录工作台查看。",
	"unsatisfied":  "有一件举报（编号%s）群众再次表示不满意，已转入督办，请登录工作台查看。",
	"extension":    "有一件举报（编号%s）申请延期，请登录工作台审批。",
	"too_fast":     "有一件举报（编号%s）答复过快，已标为过快件，请登录工作台核查。",
	"reporter_msg": "您单位办理的举报（编号%s）有群众补充的信息，请登录工作台查看。",
}

// NotificationText is the text for a kind of notice about a case.
func NotificationText(kind, trackingNo string) string {
	f, ok := notifyTexts[kind]
	if !ok {
		f = "有一件举报（编号%s）需要您处理，请登录阳光监督工作台查看。"
	}
	return fmt.Sprintf(f, trackingNo)
}

// notify queues a notice to dept inside tx. It never notifies the
// department the report accuses.
func notify(tx *gorm.DB, r *Report, dept, role, kind string, now time.Time) error {
	if dept == "" || dept == r.AccusedDept {
		return nil
	}
	n := Notification{DeptCode: dept, Role: role, Kind: kind, Text: NotificationText(kind, r.TrackingNo),
		ReportID: r.ID, CreatedAt: now}
	return tx.Create(&n).Error
}

// supervisorOf is the supervisor that watches the report's department:
// the 纪委 above the region for a region's own body (committee, government)
// or a supervisor handling it itself, the region's 纪委 for a bureau.
func supervisorOf(ctx context.Context, s *Service, r *Report) string {
	if r.DeptRegion == "" {
		return ""
	}
	self, err := s.depts.Get(ctx, r.DeptCode)
	strictly := err == nil && (self.Supervisor || self.Kind == catalog.KindGovernment || self.Kind == catalog.KindCommittee)
	d, err := s.depts.SupervisorAbove(ctx, r.DeptRegion, strictly)
	if err != nil {
		return ""
	}
	return d.Code
}

// Deliver sends up to batch queued notifications. Each row is claimed with
// a conditional update (a lease), so two processes never send one twice
// at once; a failed send is retried after the lease runs out.
func (s *Service) Deliver(ctx context.Context, sender Sender, now time.Time, batch int) (sent int, err error) {
	var rows []Notification
	if err := s.db.WithContext(ctx).Where("sent_at IS NULL AND attempts < 10 AND (lease_until IS NULL OR lease_until < ?)", now).
		Order("id").Limit(batch).Find(&rows).Error; err != nil {
		return 0, err
	}
	for _, n := range rows {
		lease := now.Add(time.Minute)
		res := s.db.WithContext(ctx).Model(&Notification{}).
			Where("id = ? AND sent_at IS NULL AND attempts = ?", n.ID, n.Attempts).
			Updates(map[string]any{"lease_until": lease, "attempts": n.Attempts + 1})
		if res.Error != nil {
			return sent, res.Error
		}
		if res.RowsAffected != 1 {
			continue // another process has it
		}
		serr := sender.Send(ctx, Message{DeptCode: n.DeptCode, Role: n.Role, Kind: n.Kind, Text: n.Text})
		up := map[string]any{"sent_at": now}
		if serr != nil {
			msg := serr.Error()
			if len(msg) > 300 {
				msg = msg[:300]
			}
			up = map[string]any{"last_error": msg}
		}
		if err := s.db.WithContext(ctx).Model(&Notification{}).Where("id = ?", n.ID).Updates(up).Error; err != nil {
			return sent, err
		}
		if serr == nil {
			sent++
		}
	}
	return sent, nil
}

// LogSender writes notifications to the log: the default, for a portal
// with no mail or robot configured.
type LogSender struct{ Log *slog.Logger }

// Send logs m.
func (l LogSender) Send(_ context.Context, m Message) error {
	l.Log.Info("notification", "dept", m.DeptCode, "role", m.Role, "kind", m.Kind, "text", m.Text)
	return nil
}

// SMTPSender mails notifications with net/smtp. Recipients maps a
// department and role to addresses; no address means nothing to send.
type SMTPSender struct {
	Addr       string // host:port
	Auth       smtp.Auth
	From       string
	Recipients func(dept, role string) []string
	send       func(addr string, a smtp.Auth, from string, to []string, msg []byte) error
}

// Send mails m.
func (s SMTPSender) Send(_ context.Context, m Message) error {
	to := s.Recipients(m.DeptCode, m.Role)
	if len(to) == 0 {
		return nil
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "From: %s\r\nTo: %s\r\nSubject: =?UTF-8?B?%s?=\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\n%s\r\n",
		s.From, strings.Join(to, ", "), b64("阳光监督：待办提醒"), m.Text)
	send := s.send
	if send == nil {
		send = sendMailWithin(30 * time.Second)
	}
	return send(s.Addr, s.Auth, s.From, to, b.Bytes())
}

// sendMailWithin is smtp.SendMail with a deadline on the whole exchange,
// so a mail server that accepts and then goes silent cannot stall the
// notification loop (and with it shutdown).
func sendMailWithin(limit time.Duration) func(addr string, a smtp.Auth, from string, to []string, msg []byte) error {
	return func(addr string, a smtp.Auth, from string, to []string, msg []byte) error {
		conn, err := net.DialTimeout("tcp", addr, limit)
		if err != nil {
			return err
		}
		defer conn.Close()
		if err := conn.SetDeadline(time.Now().Add(limit)); err != nil {
			return err
		}
		host, _, _ := net.SplitHostPort(addr)
		c, err := smtp.NewClient(conn, host)
		if err != nil {
			return err
		}
		defer c.Close()
		if ok, _ := c.Extension("STARTTLS"); ok {
			if err := c.StartTLS(&tls.Config{ServerName: host}); err != nil {
				return err
			}
		}
		if a != nil {
			if err := c.Auth(a); err != nil {
				return err
			}
		}
		if err := c.Mail(from); err != nil {
			return err
		}
		for _, rcpt := range to {
			if err := c.Rcpt(rcpt); err != nil {
				return err
			}
		}
		w, err := c.Data()
		if err != nil {
			return err
		}
		if _, err := w.Write(msg); err != nil {
			return err
		}
		if err := w.Close(); err != nil {
			return err
		}
		return c.Quit()
	}
}

// WebhookSender posts notifications to a DingTalk or WeCom group robot;
// both take {"msgtype":"text","text":{"content":…}}.
type WebhookSender struct {
	URL    string
	Client *http.Client
}

// Send posts m.
func (w WebhookSender) Send(ctx context.Context, m Message) error {
	body, _ := json.Marshal(map[string]any{"msgtype": "text", "text": map[string]string{"content": m.Text}})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	c := w.Client
	if c == nil {
		c = &http.Client{Timeout: 10 * time.Second}
	}
	resp, err := c.Do(req)
	if err != nil {
		// The error names the URL, which carries the robot's token.
		var ue *url.Error
		if errors.As(err, &ue) {
			ue.URL = MaskSecretURL(ue.URL)
		}
		return err
	}
	defer resp.Body.Close()
	var out struct {
		ErrCode int    `json:"errcode"`
		ErrMsg  string `json:"errmsg"`
	}
	_ = json.NewDecoder(http.MaxBytesReader(nil, resp.Body, 1<<16)).Decode(&out)
	if resp.StatusCode != http.StatusOK || out.ErrCode != 0 {
		return &RobotError{Status: resp.StatusCode, Code: out.ErrCode, Msg: scrubToken(clip(out.ErrMsg, 120), w.URL)}
	}
	return nil
}

// RobotError is a robot's refusal: its HTTP status and errcode/errmsg.
type RobotError struct {
	Status, Code int
	Msg          string
}

func (e *RobotError) Error() string {
	return fmt.Sprintf("webhook: status %d, errcode %d %s", e.Status, e.Code, e.Msg)
}

// scrubToken removes from msg anything of the robot's URL that may be its
// token (query values and the last path segment), should a robot echo it.
func scrubToken(msg, raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return msg
	}
	parts := []string{path.Base(u.Path)}
	for _, vs := range u.Query() {
		parts = append(parts, vs...)
	}
	for _, p := range parts {
		if len(p) >= 6 {
			msg = strings.ReplaceAll(msg, p, "***")
		}
	}
	return msg
}
