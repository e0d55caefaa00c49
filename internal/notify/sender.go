package notify

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	netmail "net/mail"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-logr/logr"
	"github.com/go-mail/mail/v2"
)

// Sender sends notifications through the SMTP server of a Config. It opens
// one SMTP session per email and closes it afterwards, because risk levels
// change rarely and a kept-open session would only time out on the server
// in between. A Sender is safe for concurrent use.
type Sender struct {
	config Config
	host   string
	port   int
	from   *netmail.Address
	now    func() time.Time
}

// NewSender validates config and returns a Sender. now is the clock for the
// Date header; nil means time.Now. A Config without an address gives a
// Sender whose Send returns ErrNotConfigured.
func NewSender(config Config, now func() time.Time) (*Sender, error) {
	if err := config.Validate(); err != nil {
		return nil, err
	}
	if now == nil {
		now = time.Now
	}

	s := &Sender{config: config, now: now}
	if !config.Enabled() {
		return s, nil
	}

	host, port, err := splitHostPort(config.Address)
	if err != nil {
		return nil, fmt.Errorf("invalid --smtp-address %q: %w", config.Address, err)
	}
	from, err := parseFrom(config.From)
	if err != nil {
		return nil, fmt.Errorf("invalid --smtp-from %q: %w", config.From, err)
	}
	s.host, s.port, s.from = host, port, from

	installDialHook()
	return s, nil
}

// Enabled reports whether the Sender sends email at all.
func (s *Sender) Enabled() bool {
	return s.config.Enabled()
}

// Send renders n and sends it to the recipients that n.Recipients returns.
// It returns nil once the SMTP server has accepted the message, and a
// *DeliveryError otherwise: Reason gives the condition reason and
// IsPermanent reports whether a retry can help. The password and the body are
// never part of an error or a log line.
//
// The SMTP protocol cannot rule out a duplicate: when the connection breaks
// after the server has stored the message but before its reply arrives, Send
// fails and a retry sends the email again, with the same Message-ID.
func (s *Sender) Send(ctx context.Context, n Notification) error {
	if !s.Enabled() {
		return ErrNotConfigured
	}

	recipients, err := n.Recipients()
	if err != nil {
		return err
	}
	email, err := Render(n)
	if err != nil {
		return err
	}

	message, envelopeTo := s.newMessage(email, recipients)
	if err := s.deliver(ctx, message, envelopeTo); err != nil {
		return err
	}

	logr.FromContextOrDiscard(ctx).V(1).Info("SMTP server accepted the notification email",
		"server", s.config.Address, "messageID", email.MessageID, "recipients", len(envelopeTo))
	return nil
}

// newMessage builds the go-mail message and the envelope recipients. Every
// address goes through go-mail's address formatting, which quotes or
// RFC 2047-encodes the display name, so no data is pasted into a header.
func (s *Sender) newMessage(email *Email, recipients []Recipient) (*mail.Message, []string) {
	m := mail.NewMessage()
	m.SetAddressHeader("From", s.from.Address, s.from.Name)

	var to, cc, envelopeTo []string
	for _, r := range recipients {
		formatted := m.FormatAddress(r.Address, r.Name)
		if r.Header == "To" {
			to = append(to, formatted)
		} else {
			cc = append(cc, formatted)
		}
		envelopeTo = append(envelopeTo, r.Address)
	}
	m.SetHeader("To", to...)
	if len(cc) > 0 {
		m.SetHeader("Cc", cc...)
	}

	m.SetHeader("Subject", encodeSubject(email.Subject))
	m.SetHeader("Message-ID", email.MessageID)
	m.SetDateHeader("Date", s.now())
	// Auto-Submitted (RFC 3834) marks the email as automatic, which stops
	// conforming auto-responders from sending vacation replies to it.
	m.SetHeader("Auto-Submitted", "auto-generated")

	m.SetBody("text/plain", email.Text)
	m.AddAlternative("text/html", email.HTML)
	return m, envelopeTo
}

// deliver opens an SMTP session, sends message and closes the session.
func (s *Sender) deliver(ctx context.Context, message *mail.Message, envelopeTo []string) error {
	if err := ctx.Err(); err != nil {
		return classifySMTPError(ctx, s.config.Address, err)
	}

	var password string
	if s.config.PasswordFile != "" {
		var err error
		if password, err = readPassword(s.config.PasswordFile); err != nil {
			// The file was readable at startup, so a failure now is most likely
			// a Secret being updated, which a retry outlives.
			return &DeliveryError{Reason: ReasonSMTPUnavailable, Err: err}
		}
	}

	session, conn, err := dial(ctx, s.newDialer(password))
	defer conn.release()
	if err != nil {
		return classifySMTPError(ctx, s.config.Address, err)
	}

	// TODO: go-mail stops at the first recipient that the server rejects, so
	// one unknown cc mailbox keeps the email from everybody. Sending to the
	// accepted recipients needs RCPT handling that go-mail does not expose.
	if err := session.Send(s.from.Address, envelopeTo, message); err != nil {
		return classifySMTPError(ctx, s.config.Address, err)
	}

	// The server has accepted the message, so a failed QUIT must not fail the
	// send: a retry would deliver the email twice.
	if err := session.Close(); err != nil {
		logr.FromContextOrDiscard(ctx).V(1).Info("Closing the SMTP session failed after the email was accepted",
			"server", s.config.Address, "error", err.Error())
	}
	return nil
}

func (s *Sender) newDialer(password string) *mail.Dialer {
	d := &mail.Dialer{
		Host:      s.host,
		Port:      s.port,
		Username:  s.config.Username,
		Password:  password,
		TLSConfig: s.tlsConfig(),
		Timeout:   s.config.Timeout,
		// A retry inside go-mail would dial again without the hook's context
		// and greeting deadline. The caller retries instead.
		RetryFailure: false,
	}
	switch s.config.TLS {
	case TLSImplicit:
		d.SSL = true
	case TLSStartTLS:
		d.StartTLSPolicy = mail.MandatoryStartTLS
	default:
		d.StartTLSPolicy = mail.NoStartTLS
	}
	return d
}

func (s *Sender) tlsConfig() *tls.Config {
	if s.config.TLSConfig == nil {
		return &tls.Config{ServerName: s.host, MinVersion: tls.VersionTLS12}
	}
	config := s.config.TLSConfig.Clone()
	if config.ServerName == "" {
		config.ServerName = s.host
	}
	return config
}

// go-mail v2.3.0 dials through its package variable NetDialTimeout and sets
// its first deadline only after reading the server's greeting, so a server
// that accepts TCP and never greets would block a send forever. The hook
// below replaces that variable once. For the duration of one Dialer.Dial
// call it dials with the caller's context, sets a deadline that covers the
// greeting and the TLS handshake, and closes the connection when the context
// ends.
//
// go-mail passes the hook only the network, the address and
// Dialer.Timeout, so the timeout carries the identity of the call: dial adds
// a distinct number of nanoseconds below one millisecond to it and registers
// the call under the sum. Sends to a server that never greets therefore
// time out side by side instead of one after another.
var (
	activeDials sync.Map // time.Duration (Dialer.Timeout) → *dialedConn
	dialCount   atomic.Uint64
	installHook sync.Once
)

func installDialHook() {
	installHook.Do(func() {
		fallback := mail.NetDialTimeout
		mail.NetDialTimeout = func(network, address string, timeout time.Duration) (net.Conn, error) {
			if c, ok := activeDials.Load(timeout); ok {
				return c.(*dialedConn).dial(network, address, timeout)
			}
			return fallback(network, address, timeout)
		}
	})
}

// dialedConn is the connection of one SMTP session.
type dialedConn struct {
	ctx        context.Context
	conn       net.Conn
	stopCancel func() bool
}

func (c *dialedConn) dial(network, address string, timeout time.Duration) (net.Conn, error) {
	dialer := net.Dialer{Timeout: timeout}
	conn, err := dialer.DialContext(c.ctx, network, address)
	if err != nil {
		return nil, err
	}
	if err := conn.SetDeadline(time.Now().Add(timeout)); err != nil {
		_ = conn.Close()
		return nil, err
	}

	c.conn = conn
	// Closing the connection is the only way to interrupt a blocked read.
	c.stopCancel = context.AfterFunc(c.ctx, func() { _ = conn.Close() })
	return conn, nil
}

// release closes the connection. go-mail closes it on QUIT and on some
// errors but leaks it on others, such as a failed EHLO, so this Close may
// come second and its "already closed" error means nothing.
func (c *dialedConn) release() {
	if c.stopCancel != nil {
		c.stopCancel()
	}
	if c.conn != nil {
		_ = c.conn.Close()
	}
}

// dial runs d.Dial with the hook active for ctx. The returned dialedConn is
// never nil, and the caller must release it also when err is not nil.
func dial(ctx context.Context, d *mail.Dialer) (mail.SendCloser, *dialedConn, error) {
	c := &dialedConn{ctx: ctx}
	if err := ctx.Err(); err != nil {
		return nil, c, err
	}

	// A million distinct keys: two dials share one only when a million
	// others start while the first still waits for its greeting.
	d.Timeout += time.Duration(dialCount.Add(1) % uint64(time.Millisecond))
	if _, loaded := activeDials.LoadOrStore(d.Timeout, c); loaded {
		return nil, c, fmt.Errorf("too many SMTP connections are being opened at once; retrying later")
	}
	defer activeDials.Delete(d.Timeout)

	session, err := d.Dial()
	return session, c, err
}
