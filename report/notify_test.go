package report

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/smtp"
	"regexp"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"sunlight/internal/testdb"
)

// TestNotificationTextsCarryNoCaseContent: every notice names only the
// tracking number and what to do.
func TestNotificationTextsCarryNoCaseContent(t *testing.T) {
	allowed := regexp.MustCompile(`^[^0-9]*（编号20261124-12345678）[^0-9]*$`)
	for kind := range notifyTexts {
		txt := NotificationText(kind, "20261124-12345678")
		if !allowed.MatchString(txt) || len([]rune(txt)) > 60 {
			t.Errorf("%s: %q", kind, txt)
		}
	}
}

type recorder struct{ got []Message }

func (r *recorder) Send(_ context.Context, m Message) error { r.got = append(r.got, m); return nil }

type failing struct{}

func (failing) Send(context.Context, Message) error { return errors.New("robot down") }

func TestDeliverOutbox(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		s, _ := setup(t, db)
		_, r := submit(t, s, "village:"+tVillage, "subsidy")
		if n, err := s.Deliver(ctx, failing{}, t0, 10); err != nil || n != 0 {
			t.Fatalf("failing sender: %d %v", n, err)
		}
		rec := &recorder{}
		if n, _ := s.Deliver(ctx, rec, t0.Add(30*time.Second), 10); n != 0 {
			t.Fatal("sent while the lease was held")
		}
		if n, err := s.Deliver(ctx, rec, t0.Add(2*time.Minute), 10); err != nil || n != 1 {
			t.Fatalf("retry: %d %v", n, err)
		}
		if n, _ := s.Deliver(ctx, rec, t0.Add(5*time.Minute), 10); n != 0 {
			t.Fatal("sent twice")
		}
		m := rec.got[0]
		if m.DeptCode != tTownGov || !strings.Contains(m.Text, r.TrackingNo) || strings.Contains(m.Text, "低保名单") {
			t.Fatalf("message %+v", m)
		}
	})
}

func TestWebhookAndSMTPSenders(t *testing.T) {
	var body map[string]any
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewDecoder(r.Body).Decode(&body)
		_, _ = w.Write([]byte(`{"errcode":0,"errmsg":"ok"}`))
	}))
	defer srv.Close()
	m := Message{DeptCode: "d", Role: "staff", Kind: "new", Text: NotificationText("new", "20261124-00000001")}
	if err := (WebhookSender{URL: srv.URL}).Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	if body["msgtype"] != "text" || body["text"].(map[string]any)["content"] != m.Text {
		t.Fatalf("robot payload %v", body)
	}
	bad := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"errcode":310000,"errmsg":"keywords not in content"}`))
	}))
	defer bad.Close()
	if err := (WebhookSender{URL: bad.URL}).Send(context.Background(), m); err == nil {
		t.Fatal("robot error not reported")
	}
	var sent []byte
	var to []string
	smtpS := SMTPSender{Addr: "mail:25", From: "sunlight@example.gov.cn", Recipients: func(string, string) []string { return []string{"a@example.gov.cn"} },
		send: func(_ string, _ smtp.Auth, _ string, rcpt []string, msg []byte) error {
			sent, to = msg, rcpt
			return nil
		}}
	if err := smtpS.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	if len(to) != 1 || !strings.Contains(string(sent), m.Text) || !strings.Contains(string(sent), "Content-Type: text/plain; charset=UTF-8") {
		t.Fatalf("mail %q to %v", sent, to)
	}
}
