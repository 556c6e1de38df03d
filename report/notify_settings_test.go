package report

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/smtp"
	"strings"
	"sync"
	"testing"

	"gorm.io/gorm"

	"sunlight/catalog"
	"sunlight/domain"
	"sunlight/internal/testdb"
)

// fakeRobot stands in for a DingTalk/WeCom group robot on loopback: it
// records what it is sent and answers with reply.
type fakeRobot struct {
	*httptest.Server
	mu     sync.Mutex
	bodies []map[string]any
	tokens []string
	reply  string
}

func newRobot(t testing.TB, reply string) *fakeRobot {
	r := &fakeRobot{reply: reply}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		var body map[string]any
		if req.Method != http.MethodPost || !strings.HasPrefix(req.Header.Get("Content-Type"), "application/json") ||
			json.NewDecoder(req.Body).Decode(&body) != nil {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		r.mu.Lock()
		r.bodies, r.tokens = append(r.bodies, body), append(r.tokens, req.URL.Query().Get("access_token"))
		r.mu.Unlock()
		_, _ = w.Write([]byte(r.reply))
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *fakeRobot) texts() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, b := range r.bodies {
		txt, _ := b["text"].(map[string]any)
		if b["msgtype"] != "text" || txt == nil {
			return append(out, "bad payload")
		}
		out = append(out, txt["content"].(string))
	}
	return out
}

const robotOK = `{"errcode":0,"errmsg":"ok"}`

func TestNotificationsGoToTheDepartmentsOwnRobot(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		s, _ := setup(t, db)
		own, deflt := newRobot(t, robotOK), newRobot(t, robotOK)
		n := s.Notifier(NotifyDefaults{Webhook: deflt.URL + "/robot/send?access_token=DEFAULTTOKEN"})
		if err := n.SetDept(ctx, DeptNotifyInput{DeptCode: tTownGov, Webhook: own.URL + "/robot/send?access_token=TOWNSECRET9876", Enabled: true}, "admin"); err != nil {
			t.Fatal(err)
		}
		_, r := submit(t, s, "village:"+tVillage, "subsidy") // dispatched to the town government
		if sent, err := s.Deliver(ctx, n, t0, 10); err != nil || sent != 1 {
			t.Fatalf("deliver: %d %v", sent, err)
		}
		got := own.texts()
		if len(got) != 1 || got[0] != NotificationText("new", r.TrackingNo) || strings.Contains(got[0], "低保") || own.tokens[0] != "TOWNSECRET9876" {
			t.Fatalf("own robot got %q (token %q)", got, own.tokens)
		}
		if len(deflt.texts()) != 0 {
			t.Fatal("the default robot got the department's notice")
		}
		// A department without its own, or with its own disabled, gets the default.
		if err := n.Send(ctx, Message{DeptCode: tCountyGov, Text: "x"}); err != nil {
			t.Fatal(err)
		}
		if err := n.SetDept(ctx, DeptNotifyInput{DeptCode: tTownGov, Enabled: false}, "admin"); err != nil {
			t.Fatal(err)
		}
		if err := n.Send(ctx, Message{DeptCode: tTownGov, Text: "y"}); err != nil {
			t.Fatal(err)
		}
		if got := deflt.texts(); len(got) != 2 || len(own.texts()) != 1 {
			t.Fatalf("default robot got %q, own %q", got, own.texts())
		}
	})
}

func TestNotificationsFallBackToMailAndLog(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		s, _ := setup(t, db)
		var logged bytes.Buffer
		n := s.Notifier(NotifyDefaults{Log: slog.New(slog.NewTextHandler(&logged, nil))})
		var mailedTo [][]string
		n.sendMail = func(_ string, _ smtp.Auth, _ string, to []string, _ []byte) error {
			mailedTo = append(mailedTo, to)
			return nil
		}
		// Nothing configured: the log.
		if err := n.Send(ctx, Message{DeptCode: tTownGov, Text: "nothing set"}); err != nil || !strings.Contains(logged.String(), "nothing set") {
			t.Fatalf("log: %v %q", err, logged.String())
		}
		// Mail recipients without a mail server fall back too.
		if err := n.SetDept(ctx, DeptNotifyInput{DeptCode: tTownGov, Mail: "town@example.gov.cn，clerk@example.gov.cn", Enabled: true}, "admin"); err != nil {
			t.Fatal(err)
		}
		if err := n.TestDept(ctx, tTownGov); !isInvalid(err) {
			t.Errorf("test mail without a server: %v", err)
		}
		if err := n.SetSMTP(ctx, SMTPInput{Addr: "mail.example.gov.cn:587", From: "sunlight@example.gov.cn", User: "sunlight", Password: "MAILPASSWORD", To: "office@example.gov.cn"}, "admin"); err != nil {
			t.Fatal(err)
		}
		for _, d := range []string{tTownGov, tCountyGov} {
			if err := n.Send(ctx, Message{DeptCode: d, Text: "z"}); err != nil {
				t.Fatal(err)
			}
		}
		if len(mailedTo) != 2 || strings.Join(mailedTo[0], ",") != "town@example.gov.cn,clerk@example.gov.cn" || strings.Join(mailedTo[1], ",") != "office@example.gov.cn" {
			t.Fatalf("mailed to %v", mailedTo)
		}
		var raw string
		if err := db.Raw("SELECT password FROM report_smtp_settings").Scan(&raw).Error; err != nil || raw == "" || strings.Contains(raw, "MAILPASSWORD") {
			t.Fatalf("stored password %q %v", raw, err)
		}
		if err := n.TestSMTP(ctx); err != nil || len(mailedTo) != 3 {
			t.Fatalf("test mail: %v", err)
		}
	})
}

func isInvalid(err error) bool {
	var ve *domain.ValidationError
	return errors.As(err, &ve)
}

func TestRobotURLIsSealedAndMaskedInHistory(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		s, _ := setup(t, db)
		n := s.Notifier(NotifyDefaults{})
		const u = "https://oapi.dingtalk.com/robot/send?access_token=0123456789abcdefWXYZ"
		if err := n.SetDept(ctx, DeptNotifyInput{DeptCode: tTownGov, Webhook: u, Mail: "a@example.gov.cn", Enabled: true}, "root"); err != nil {
			t.Fatal(err)
		}
		var raw string
		if err := db.Raw("SELECT webhook FROM report_notify_settings WHERE dept_code = ?", tTownGov).Scan(&raw).Error; err != nil {
			t.Fatal(err)
		}
		if raw == "" || strings.Contains(raw, "0123456789") || strings.Contains(raw, "dingtalk") {
			t.Fatalf("raw row %q", raw)
		}
		v, err := n.DeptChannel(ctx, tTownGov)
		if err != nil || v.Webhook != "oapi.dingtalk.com…WXYZ" {
			t.Fatalf("view %+v %v", v, err)
		}
		// Changing the mail only keeps the robot.
		if err := n.SetDept(ctx, DeptNotifyInput{DeptCode: tTownGov, Mail: "b@example.gov.cn", Enabled: true}, "root"); err != nil {
			t.Fatal(err)
		}
		hist, err := catalog.RefHistory(ctx, db, catalog.RefNotify, tTownGov, 10)
		if err != nil || len(hist) != 2 || hist[0].Action != "修改" || hist[1].Action != "新增" || hist[0].Actor != "root" {
			t.Fatalf("history %+v %v", hist, err)
		}
		for _, h := range hist {
			if strings.Contains(h.Before+h.After, "0123456789") || !strings.Contains(h.After, "WXYZ") {
				t.Errorf("history row %+v", h)
			}
		}
		if err := n.ClearDept(ctx, tTownGov, "root"); err != nil {
			t.Fatal(err)
		}
		if _, err := n.DeptChannel(ctx, tTownGov); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("after clear: %v", err)
		}
		if hist, _ := catalog.RefHistory(ctx, db, catalog.RefNotify, tTownGov, 10); len(hist) != 3 || hist[0].Action != "删除" || hist[0].After != "" {
			t.Errorf("clear history %+v", hist[0])
		}
	})
}

func TestBadNotifySettingsChangeNothing(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		s, _ := setup(t, db)
		n := s.Notifier(NotifyDefaults{})
		if err := n.SetDept(ctx, DeptNotifyInput{DeptCode: tTownGov, Mail: "a@example.gov.cn", Enabled: true}, "root"); err != nil {
			t.Fatal(err)
		}
		for _, in := range []DeptNotifyInput{
			{DeptCode: "no-such-dept", Mail: "a@example.gov.cn"},
			{DeptCode: tTownGov, Webhook: "oapi.dingtalk.com/robot/send"},
			{DeptCode: tTownGov, Webhook: "ftp://robot.example/x"},
			{DeptCode: tTownGov, Mail: "not an address"},
			{DeptCode: tTownGov, Mail: ""}, // neither robot nor mail
		} {
			if err := n.SetDept(ctx, in, "root"); !isInvalid(err) {
				t.Errorf("%+v: %v", in, err)
			}
		}
		for _, in := range []SMTPInput{
			{Addr: "mail.example.gov.cn", From: "a@example.gov.cn"},
			{Addr: "mail.example.gov.cn:587", From: "nobody"},
			{Addr: "mail.example.gov.cn:587", From: "a@example.gov.cn", To: "x@@y"},
			{Addr: "mail.example.gov.cn:587", From: "a@example.gov.cn", Password: "pw without a user"},
		} {
			if err := n.SetSMTP(ctx, in, "root"); !isInvalid(err) {
				t.Errorf("%+v: %v", in, err)
			}
		}
		v, err := n.DeptChannel(ctx, tTownGov)
		if err != nil || strings.Join(v.Mail, ",") != "a@example.gov.cn" || testdb.Count(t, db, &SMTPSetting{}) != 0 || testdb.Count(t, db, &catalog.RefChange{}) != 1 {
			t.Fatalf("after bad input: %+v %v", v, err)
		}
		// The environment's mail server cannot be changed here.
		env := s.Notifier(NotifyDefaults{SMTP: &SMTPServer{Addr: "smtp.example.gov.cn:25", From: "a@example.gov.cn"}})
		if err := env.SetSMTP(ctx, SMTPInput{Addr: "mail.example.gov.cn:587", From: "a@example.gov.cn"}, "root"); !isInvalid(err) {
			t.Errorf("overriding the environment: %v", err)
		}
		if v, _ := env.SMTP(ctx); !v.FromEnv || v.Addr != "smtp.example.gov.cn:25" {
			t.Errorf("smtp view %+v", v)
		}
	})
}

func TestTestMessageReportsTheReason(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		s, _ := setup(t, db)
		n := s.Notifier(NotifyDefaults{})
		good, bad := newRobot(t, robotOK), newRobot(t, `{"errcode":310000,"errmsg":"keywords not in content, token BADTOKEN777"}`)
		set := func(u string) {
			t.Helper()
			if err := n.SetDept(ctx, DeptNotifyInput{DeptCode: tTownGov, Webhook: u, Enabled: true}, "root"); err != nil {
				t.Fatal(err)
			}
		}
		set(good.URL + "/robot/send?access_token=GOODTOKEN123")
		if err := n.TestDept(ctx, tTownGov); err != nil || len(good.texts()) != 1 || good.texts()[0] != TestText {
			t.Fatalf("good robot: %v %q", err, good.texts())
		}
		set(bad.URL + "/robot/send?access_token=BADTOKEN777")
		var se *SendError
		if err := n.TestDept(ctx, tTownGov); !errors.As(err, &se) || !strings.Contains(se.Reason, "310000") || strings.Contains(se.Reason, "BADTOKEN777") {
			t.Fatalf("bad robot: %v", err)
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		closed := ln.Addr().String()
		_ = ln.Close()
		set("http://" + closed + "/robot/send?access_token=GONETOKEN555")
		if err := n.TestDept(ctx, tTownGov); !errors.As(err, &se) || !strings.Contains(se.Reason, "连接被拒绝") || strings.Contains(err.Error(), "GONETOKEN555") ||
			strings.Contains(errors.Unwrap(err).Error(), "GONETOKEN555") {
			t.Fatalf("closed port: %v / %v", err, errors.Unwrap(err))
		}
		if err := n.TestDept(ctx, tCountyGov); !isInvalid(err) {
			t.Errorf("department without a channel: %v", err)
		}
	})
}
