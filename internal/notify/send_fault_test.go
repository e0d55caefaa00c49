package notify

import (
	"context"
	"errors"
	"io"
	"net"
	"net/mail"
	"net/textproto"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// The tests in this file force faults that Mailpit cannot produce, with an
// SMTP server from go-smtp or a bare TCP listener on loopback.

// scriptedBackend is a go-smtp backend that replies to RCPT and to the end
// of DATA as the test scripts it and stores the messages that it accepts.
type scriptedBackend struct {
	mu sync.Mutex
	// dataReplies are the replies to successive DATA commands. A nil entry,
	// or running out of entries, accepts the message.
	dataReplies []error
	// rcptReply, when not nil, rejects every recipient.
	rcptReply error
	accepted  []string
	attempts  int
}

func (b *scriptedBackend) NewSession(*smtp.Conn) (smtp.Session, error) {
	return &scriptedSession{backend: b}, nil
}

func (b *scriptedBackend) acceptedMessages() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.accepted...)
}

type scriptedSession struct {
	backend *scriptedBackend
}

func (s *scriptedSession) Reset()        {}
func (s *scriptedSession) Logout() error { return nil }

func (s *scriptedSession) Mail(string, *smtp.MailOptions) error { return nil }

func (s *scriptedSession) Rcpt(string, *smtp.RcptOptions) error {
	s.backend.mu.Lock()
	defer s.backend.mu.Unlock()
	return s.backend.rcptReply
}

func (s *scriptedSession) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}

	s.backend.mu.Lock()
	defer s.backend.mu.Unlock()
	attempt := s.backend.attempts
	s.backend.attempts++
	if attempt < len(s.backend.dataReplies) && s.backend.dataReplies[attempt] != nil {
		return s.backend.dataReplies[attempt]
	}
	s.backend.accepted = append(s.backend.accepted, string(data))
	return nil
}

// startScriptedServer serves backend on a free loopback port until the test
// ends and returns the address.
func startScriptedServer(t *testing.T, backend *scriptedBackend) string {
	t.Helper()
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("Listening on loopback: %v", err)
	}
	server := smtp.NewServer(backend)
	server.Domain = "localhost"
	server.ReadTimeout = 10 * time.Second
	server.WriteTimeout = 10 * time.Second

	served := make(chan error, 1)
	go func() { served <- server.Serve(listener) }()
	t.Cleanup(func() {
		if err := server.Close(); err != nil {
			t.Logf("Closing the SMTP server: %v", err)
		}
		// Server.Close misses a listener that Serve has not registered yet,
		// so the listener is closed here as well.
		_ = listener.Close()
		<-served
	})
	return listener.Addr().String()
}

func TestSendTemporaryRejectionThenRetry(t *testing.T) {
	backend := &scriptedBackend{dataReplies: []error{&smtp.SMTPError{
		Code:         451,
		EnhancedCode: smtp.EnhancedCode{4, 3, 0},
		Message:      "Try again later",
	}}}
	sender := newTestSender(t, Config{Address: startScriptedServer(t, backend)})
	n := testNotification(t)

	err := sender.Send(context.Background(), n)
	if err == nil {
		t.Fatal("first Send() returned no error although the server replied 451")
	}
	if got := Reason(err); got != ReasonSMTPRejected {
		t.Errorf("Reason() = %q, expected %q", got, ReasonSMTPRejected)
	}
	if IsPermanent(err) {
		t.Errorf("IsPermanent() = true for a 451 reply: %v", err)
	}
	if reply, ok := errors.AsType[*textproto.Error](err); !ok || reply.Code != 451 {
		t.Errorf("error %v does not wrap the 451 reply", err)
	}
	if got := len(backend.acceptedMessages()); got != 0 {
		t.Fatalf("server stored %d messages after the 451 reply, expected 0", got)
	}

	if err := sender.Send(context.Background(), n); err != nil {
		t.Fatalf("second Send() error: %v", err)
	}
	accepted := backend.acceptedMessages()
	if len(accepted) != 1 {
		t.Fatalf("server stored %d messages after the retry, expected exactly 1", len(accepted))
	}
	message, err := mail.ReadMessage(strings.NewReader(accepted[0]))
	if err != nil {
		t.Fatalf("Parsing the stored message: %v", err)
	}
	if got := message.Header.Get("Message-ID"); got != MessageID(n) {
		t.Errorf("Message-ID = %q, expected %q", got, MessageID(n))
	}
}

func TestSendPermanentRejection(t *testing.T) {
	backend := &scriptedBackend{rcptReply: &smtp.SMTPError{
		Code:         550,
		EnhancedCode: smtp.EnhancedCode{5, 1, 1},
		Message:      "Mailbox unavailable",
	}}
	sender := newTestSender(t, Config{Address: startScriptedServer(t, backend)})

	err := sender.Send(context.Background(), testNotification(t))
	if err == nil {
		t.Fatal("Send() returned no error although the server replied 550")
	}
	if got := Reason(err); got != ReasonSMTPRejected {
		t.Errorf("Reason() = %q, expected %q", got, ReasonSMTPRejected)
	}
	if !IsPermanent(err) {
		t.Errorf("IsPermanent() = false for a 550 reply: %v", err)
	}
	if reply, ok := errors.AsType[*textproto.Error](err); !ok || reply.Code != 550 {
		t.Errorf("error %v does not wrap the 550 reply", err)
	}
	if !strings.Contains(err.Error(), "Mailbox unavailable") {
		t.Errorf("error %q does not contain the server's reply", err)
	}
	if got := len(backend.acceptedMessages()); got != 0 {
		t.Errorf("server stored %d messages, expected 0", got)
	}
}

func TestSendServiceNotAvailable(t *testing.T) {
	backend := &scriptedBackend{dataReplies: []error{&smtp.SMTPError{
		Code:         421,
		EnhancedCode: smtp.EnhancedCode{4, 3, 2},
		Message:      "Shutting down",
	}}}
	sender := newTestSender(t, Config{Address: startScriptedServer(t, backend)})

	err := sender.Send(context.Background(), testNotification(t))
	if got := Reason(err); got != ReasonSMTPUnavailable {
		t.Errorf("Reason() = %q, expected %q (error: %v)", got, ReasonSMTPUnavailable, err)
	}
	if IsPermanent(err) {
		t.Errorf("IsPermanent() = true for a 421 reply: %v", err)
	}
}

func TestSendConnectionRefused(t *testing.T) {
	// A port that was just released has no listener.
	address := freeLoopbackAddress(t)
	sender := newTestSender(t, Config{Address: address})

	err := sender.Send(context.Background(), testNotification(t))
	if err == nil {
		t.Fatal("Send() to a closed port returned no error")
	}
	if got := Reason(err); got != ReasonSMTPUnavailable {
		t.Errorf("Reason() = %q, expected %q", got, ReasonSMTPUnavailable)
	}
	if IsPermanent(err) {
		t.Errorf("IsPermanent() = true for a refused connection: %v", err)
	}
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("error %v does not wrap ECONNREFUSED", err)
	}
	if !strings.Contains(err.Error(), address) {
		t.Errorf("error %q does not name the server %s", err, address)
	}
}

// silentServer accepts TCP connections and never sends the SMTP greeting.
// It returns its address and a channel that receives one value per accepted
// connection.
func silentServer(t *testing.T) (string, <-chan struct{}) {
	t.Helper()
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("Listening on loopback: %v", err)
	}
	accepted := make(chan struct{}, 16)
	var conns []net.Conn
	var mu sync.Mutex
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			conn, err := listener.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, conn)
			mu.Unlock()
			accepted <- struct{}{}
		}
	}()
	t.Cleanup(func() {
		_ = listener.Close()
		<-done
		mu.Lock()
		defer mu.Unlock()
		for _, conn := range conns {
			_ = conn.Close()
		}
	})
	return listener.Addr().String(), accepted
}

func TestSendGreetingTimeout(t *testing.T) {
	address, accepted := silentServer(t)
	sender := newTestSender(t, Config{Address: address, Timeout: 300 * time.Millisecond})

	// Send runs in a goroutine so that a missing greeting deadline fails this
	// test with a clear message instead of hanging the whole test binary.
	// The bound is generous: without the deadline Send would block until the
	// server closes the connection, which this one never does.
	n := testNotification(t)
	result := make(chan error, 1)
	go func() { result <- sender.Send(context.Background(), n) }()
	var err error
	select {
	case err = <-result:
	case <-time.After(10 * time.Second):
		t.Fatal("Send() did not return within 10s with a 300ms timeout and a server that never greets")
	}

	if err == nil {
		t.Fatal("Send() returned no error although the server never greeted")
	}
	select {
	case <-accepted:
	default:
		t.Error("the server never accepted a connection, so the timeout was not tested")
	}
	if netErr, ok := errors.AsType[net.Error](err); !ok || !netErr.Timeout() {
		t.Errorf("error %v is not a timeout", err)
	}
	if got := Reason(err); got != ReasonSMTPUnavailable {
		t.Errorf("Reason() = %q, expected %q", got, ReasonSMTPUnavailable)
	}
	if IsPermanent(err) {
		t.Errorf("IsPermanent() = true for a timeout: %v", err)
	}
}

func TestSendContextCancelled(t *testing.T) {
	address, accepted := silentServer(t)
	sender := newTestSender(t, Config{Address: address, Timeout: time.Hour})

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		<-accepted
		cancel()
	}()

	result := make(chan error, 1)
	go func() { result <- sender.Send(ctx, testNotification(t)) }()

	select {
	case err := <-result:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Send() error = %v, expected it to wrap context.Canceled", err)
		}
		if got := Reason(err); got != ReasonSMTPUnavailable {
			t.Errorf("Reason() = %q, expected %q", got, ReasonSMTPUnavailable)
		}
		if IsPermanent(err) {
			t.Errorf("IsPermanent() = true for a cancelled send: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Send() did not return within 10s after its context was cancelled")
	}
}

// TestSendSilentServerDoesNotSerialize checks that sends waiting for the
// greeting of a silent server wait side by side: all of them connect before
// any times out, so a stuck send never delays another one.
func TestSendSilentServerDoesNotSerialize(t *testing.T) {
	address, accepted := silentServer(t)
	sender := newTestSender(t, Config{Address: address, Timeout: time.Hour})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	const parallel = 4
	results := make(chan error, parallel)
	for range parallel {
		go func() { results <- sender.Send(ctx, testNotification(t)) }()
	}
	for i := range parallel {
		select {
		case <-accepted:
		case <-time.After(10 * time.Second):
			t.Fatalf("only %d of %d sends connected while the others waited for a greeting", i, parallel)
		}
	}

	cancel()
	for range parallel {
		select {
		case err := <-results:
			if !errors.Is(err, context.Canceled) {
				t.Errorf("Send() error = %v, expected it to wrap context.Canceled", err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("a Send() did not return within 10s after its context was cancelled")
		}
	}
}

func TestSendContextAlreadyDone(t *testing.T) {
	backend := &scriptedBackend{}
	sender := newTestSender(t, Config{Address: startScriptedServer(t, backend)})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()

	err := sender.Send(ctx, testNotification(t))
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Send() error = %v, expected it to wrap context.Canceled", err)
	}
	if got := len(backend.acceptedMessages()); got != 0 {
		t.Errorf("server stored %d messages, expected 0", got)
	}
}

// TestSendConcurrent checks that parallel sends, which share go-mail's dial
// hook, each deliver their own message.
func TestSendConcurrent(t *testing.T) {
	backend := &scriptedBackend{}
	sender := newTestSender(t, Config{Address: startScriptedServer(t, backend)})

	const sends = 8
	errs := make(chan error, sends)
	for i := range sends {
		n := testNotification(t)
		n.ChangeKey = time.Date(2025, 3, 14, 8, i, 0, 0, time.UTC).Format(time.RFC3339)
		go func() { errs <- sender.Send(context.Background(), n) }()
	}
	for range sends {
		if err := <-errs; err != nil {
			t.Errorf("Send() error: %v", err)
		}
	}

	accepted := backend.acceptedMessages()
	if len(accepted) != sends {
		t.Fatalf("server stored %d messages, expected %d", len(accepted), sends)
	}
	ids := map[string]bool{}
	for _, raw := range accepted {
		message, err := mail.ReadMessage(strings.NewReader(raw))
		if err != nil {
			t.Fatalf("Parsing a stored message: %v", err)
		}
		ids[message.Header.Get("Message-ID")] = true
	}
	if len(ids) != sends {
		t.Errorf("stored messages have %d distinct Message-IDs, expected %d", len(ids), sends)
	}
}

func TestSendInvalidAddressNotSent(t *testing.T) {
	backend := &scriptedBackend{}
	sender := newTestSender(t, Config{Address: startScriptedServer(t, backend)})
	n := testNotification(t)
	n.Cc = []string{"finance@example.com", "finance at example.com"}

	err := sender.Send(context.Background(), n)
	if got := Reason(err); got != ReasonInvalidAddress {
		t.Fatalf("Reason() = %q, expected %q (error: %v)", got, ReasonInvalidAddress, err)
	}
	if !strings.Contains(err.Error(), "spec.notification.email.cc[1]") {
		t.Errorf("error %q does not name the field", err)
	}
	if got := len(backend.acceptedMessages()); got != 0 {
		t.Errorf("server stored %d messages, expected 0", got)
	}
}

// stallingServer greets, replies to EHLO and then never replies to MAIL FROM.
func stallingServer(t *testing.T) string {
	t.Helper()
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("Listening on loopback: %v", err)
	}
	var wg sync.WaitGroup
	wg.Go(func() {
		conn, err := listener.Accept()
		if err != nil {
			return
		}
		defer func() { _ = conn.Close() }()
		text := textproto.NewConn(conn)
		if err := text.PrintfLine("220 localhost ESMTP"); err != nil {
			return
		}
		for {
			line, err := text.ReadLine()
			if err != nil {
				return
			}
			if strings.HasPrefix(strings.ToUpper(line), "EHLO") {
				if err := text.PrintfLine("250 localhost"); err != nil {
					return
				}
			}
			// Every other command, MAIL FROM first, gets no reply. The loop
			// ends when the client closes the connection.
		}
	})
	t.Cleanup(func() {
		_ = listener.Close()
		wg.Wait()
	})
	return listener.Addr().String()
}

func TestSendCommandTimeout(t *testing.T) {
	sender := newTestSender(t, Config{Address: stallingServer(t), Timeout: 300 * time.Millisecond})

	n := testNotification(t)
	result := make(chan error, 1)
	go func() { result <- sender.Send(context.Background(), n) }()
	var err error
	select {
	case err = <-result:
	case <-time.After(10 * time.Second):
		t.Fatal("Send() did not return within 10s with a 300ms timeout and a server that never replies to MAIL")
	}

	if netErr, ok := errors.AsType[net.Error](err); !ok || !netErr.Timeout() {
		t.Errorf("Send() error %v is not a timeout", err)
	}
	if got := Reason(err); got != ReasonSMTPUnavailable {
		t.Errorf("Reason() = %q, expected %q", got, ReasonSMTPUnavailable)
	}
	if IsPermanent(err) {
		t.Errorf("IsPermanent() = true for a timeout: %v", err)
	}
}
