package report

import (
	"net"
	"testing"
	"time"
)

// TestSMTPGivesUpOnASilentServer: a mail server that accepts the
// connection and never speaks must not hold the notification loop.
func TestSMTPGivesUpOnASilentServer(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close() // hold it open, say nothing
		}
	}()
	start := time.Now()
	err = sendMailWithin(300*time.Millisecond)(ln.Addr().String(), nil, "a@example.org", []string{"b@example.org"}, []byte("x"))
	if err == nil {
		t.Fatal("sending to a silent server succeeded")
	}
	if el := time.Since(start); el > 5*time.Second {
		t.Fatalf("gave up only after %s", el)
	}
}
