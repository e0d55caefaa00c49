package notify

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/textproto"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// sendTime is the pinned clock of the Date header.
var sendTime = time.Date(2025, 3, 14, 8, 31, 0, 0, time.UTC)

func newTestSender(t *testing.T, config Config) *Sender {
	t.Helper()
	if config.From == "" {
		config.From = "Overdue Operator <overdue@example.com>"
	}
	if config.TLS == "" {
		config.TLS = TLSNone
	}
	if config.Timeout == 0 {
		config.Timeout = 5 * time.Second
	}
	sender, err := NewSender(config, func() time.Time { return sendTime })
	if err != nil {
		t.Fatalf("NewSender() error: %v", err)
	}
	return sender
}

func sendOrFail(t *testing.T, sender *Sender, n Notification) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := sender.Send(ctx, n); err != nil {
		t.Fatalf("Send() error: %v (reason %s)", err, Reason(err))
	}
}

func formatAddresses(list []mailpitAddress) string {
	var out []string
	for _, a := range list {
		out = append(out, fmt.Sprintf("%q <%s>", a.Name, a.Address))
	}
	return strings.Join(out, ", ")
}

// headerLines returns the header section of a raw message.
func headerLines(raw string) string {
	header, _, _ := strings.Cut(raw, "\r\n\r\n")
	return header
}

func TestSendMailpit(t *testing.T) {
	server := startMailpit(t)
	sender := newTestSender(t, Config{Address: server.smtpAddress})

	n := testNotification(t)
	sendOrFail(t, sender, n)
	message := server.messageByID(t, MessageID(n))

	if message.From != (mailpitAddress{Name: "Overdue Operator", Address: "overdue@example.com"}) {
		t.Errorf("From = %+v", message.From)
	}
	if got, want := formatAddresses(message.To), `"Jane Doe" <jane@example.com>`; got != want {
		t.Errorf("To = %s, expected %s", got, want)
	}
	if got, want := formatAddresses(message.Cc), `"" <finance@example.com>, "" <head-of-sales@example.com>`; got != want {
		t.Errorf("Cc = %s, expected %s", got, want)
	}
	if len(message.Bcc) != 0 {
		t.Errorf("Bcc = %s, expected no Bcc recipients", formatAddresses(message.Bcc))
	}
	if want := "Risk High: SO-0042 (Acme GmbH), 120 days overdue"; message.Subject != want {
		t.Errorf("Subject = %q, expected %q", message.Subject, want)
	}
	if want := "0b6f3c1e-5a2d-4d8e-9a51-2f0c7e4b9d13.Medium-High.2025-03-14T08-30-00Z@overdue.dev"; message.MessageID != want {
		t.Errorf("MessageID = %q, expected %q", message.MessageID, want)
	}
	for _, line := range []string{
		"The collection risk of order SO-0042 for Acme GmbH rose from Medium to High.",
		"Amount overdue:   4200.00 EUR",
		"  - INV-2024-0007: due 2024-11-14, 3000.00 EUR open, 120 days overdue",
		"Remark:           Customer promised payment by end of month.",
	} {
		if !strings.Contains(message.Text, line) {
			t.Errorf("text body lacks %q; body:\n%s", line, message.Text)
		}
	}
	if !strings.Contains(message.HTML, ">Amount overdue</th><td>4200.00 EUR</td>") {
		t.Errorf("HTML body lacks the overdue amount; body:\n%s", message.HTML)
	}

	headers := server.headers(t, message.ID)
	checks := map[string]string{
		"Mime-Version":   "1.0",
		"Auto-Submitted": "auto-generated",
		"Date":           "Fri, 14 Mar 2025 08:31:00 +0000",
		"Message-Id":     MessageID(n),
	}
	for name, want := range checks {
		if got := headers[name]; len(got) != 1 || got[0] != want {
			t.Errorf("header %s = %q, expected [%q]", name, got, want)
		}
	}
	if got := headers["Content-Type"]; len(got) != 1 || !strings.HasPrefix(got[0], "multipart/alternative;") {
		t.Errorf("Content-Type = %q, expected multipart/alternative", got)
	}
	if _, ok := headers["Bcc"]; ok {
		t.Errorf("message has a Bcc header: %q", headers["Bcc"])
	}

	raw := server.raw(t, message.ID)
	for _, part := range []string{"Content-Type: text/plain; charset=UTF-8", "Content-Type: text/html; charset=UTF-8"} {
		if !strings.Contains(raw, part) {
			t.Errorf("raw message lacks the part header %q", part)
		}
	}
}

// TestSendMailpitHostileData sends names and remarks that try to break the
// headers or the HTML, and reads back what Mailpit parsed.
func TestSendMailpitHostileData(t *testing.T) {
	server := startMailpit(t)
	sender := newTestSender(t, Config{Address: server.smtpAddress})

	tests := []struct {
		name            string
		modify          func(*Notification)
		wantSubject     string
		wantTo          string
		wantTextContent string
		wantHTMLContent string
	}{
		{
			name: "non-ASCII names",
			modify: func(n *Notification) {
				n.CustomerName = "Müller & Söhne GmbH – Zürich"
				n.SalespersonName = "Zoë Ångström"
			},
			wantSubject:     "Risk High: SO-0042 (Müller & Söhne GmbH – Zürich), 120 days overdue",
			wantTo:          `"Zoë Ångström" <jane@example.com>`,
			wantTextContent: "for Müller & Söhne GmbH – Zürich rose",
			wantHTMLContent: "<strong>Müller &amp; Söhne GmbH – Zürich</strong>",
		},
		{
			name:            "name with comma",
			modify:          func(n *Notification) { n.SalespersonName = "Doe, Jane" },
			wantSubject:     "Risk High: SO-0042 (Acme GmbH), 120 days overdue",
			wantTo:          `"Doe, Jane" <jane@example.com>`,
			wantTextContent: "Hello Doe, Jane,",
		},
		{
			name:        "non-ASCII name with comma and quotes",
			modify:      func(n *Notification) { n.SalespersonName = `Müller, Jürgen "Jü"` },
			wantSubject: "Risk High: SO-0042 (Acme GmbH), 120 days overdue",
			wantTo:      `"Müller, Jürgen \"Jü\"" <jane@example.com>`,
		},
		{
			name: "CR LF and Bcc in names",
			modify: func(n *Notification) {
				n.CustomerName = "Evil Corp\r\nBcc: attacker@example.net\r\nX-Injected: yes"
				n.SalespersonName = "Jane\nBcc: attacker2@example.net"
			},
			wantSubject:     "Risk High: SO-0042 (Evil Corp Bcc: attacker@example.net X-Injected: yes), 120 days overdue",
			wantTo:          `"Jane Bcc: attacker2@example.net" <jane@example.com>`,
			wantTextContent: "for Evil Corp Bcc: attacker@example.net X-Injected: yes rose",
		},
		{
			name:        "bare CR in reference",
			modify:      func(n *Notification) { n.Reference = "SO-0042\rBcc: attacker@example.net" },
			wantSubject: "Risk High: SO-0042 Bcc: attacker@example.net (Acme GmbH), 120 days overdue",
			wantTo:      `"Jane Doe" <jane@example.com>`,
		},
		{
			name:        "encoded word in ASCII name",
			modify:      func(n *Notification) { n.CustomerName = "=?UTF-8?B?SGFja2Vk?=" },
			wantSubject: "Risk High: SO-0042 (=?UTF-8?B?SGFja2Vk?=), 120 days overdue",
			wantTo:      `"Jane Doe" <jane@example.com>`,
		},
		{
			name: "long non-ASCII subject",
			modify: func(n *Notification) {
				n.CustomerName = strings.Repeat("Größenwahn Überseehandel ", 6)
			},
			wantSubject: "Risk High: SO-0042 (" + strings.TrimSpace(strings.Repeat("Größenwahn Überseehandel ", 6)) + "), 120 days overdue",
			wantTo:      `"Jane Doe" <jane@example.com>`,
		},
		{
			name: "HTML in remark",
			modify: func(n *Notification) {
				n.CollectionRemark = `<script>alert("x")</script> & <b>call</b> back`
			},
			wantSubject:     "Risk High: SO-0042 (Acme GmbH), 120 days overdue",
			wantTo:          `"Jane Doe" <jane@example.com>`,
			wantTextContent: `Remark:           <script>alert("x")</script> & <b>call</b> back`,
			wantHTMLContent: "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &lt;b&gt;call&lt;/b&gt; back",
		},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := testNotification(t)
			n.UID = fmt.Sprintf("hostile-%d", i)
			tt.modify(&n)
			sendOrFail(t, sender, n)
			message := server.messageByID(t, MessageID(n))

			if message.Subject != tt.wantSubject {
				t.Errorf("Subject = %q, expected %q", message.Subject, tt.wantSubject)
			}
			if got := formatAddresses(message.To); got != tt.wantTo {
				t.Errorf("To = %s, expected %s", got, tt.wantTo)
			}
			if got, want := formatAddresses(message.Cc), `"" <finance@example.com>, "" <head-of-sales@example.com>`; got != want {
				t.Errorf("Cc = %s, expected %s", got, want)
			}
			if len(message.Bcc) != 0 {
				t.Errorf("Bcc = %s, expected no Bcc recipients", formatAddresses(message.Bcc))
			}
			if tt.wantTextContent != "" && !strings.Contains(message.Text, tt.wantTextContent) {
				t.Errorf("text body lacks %q; body:\n%s", tt.wantTextContent, message.Text)
			}
			if tt.wantHTMLContent != "" && !strings.Contains(message.HTML, tt.wantHTMLContent) {
				t.Errorf("HTML body lacks %q; body:\n%s", tt.wantHTMLContent, message.HTML)
			}
			if strings.Contains(message.HTML, "<script>") {
				t.Error("HTML body contains an unescaped <script> element")
			}

			headers := server.headers(t, message.ID)
			for _, name := range []string{"Bcc", "X-Injected"} {
				if _, ok := headers[name]; ok {
					t.Errorf("message has an injected %s header: %q", name, headers[name])
				}
			}
			header := headerLines(server.raw(t, message.ID))
			for _, line := range strings.Split(header, "\r\n") {
				for _, r := range line {
					if r > 0x7e || (r < ' ' && r != '\t') {
						t.Errorf("header line %q contains %q, expected printable ASCII only", line, r)
						break
					}
				}
			}
		})
	}

	if got := len(server.messages(t)); got != len(tests) {
		t.Errorf("Mailpit stored %d messages, expected %d", got, len(tests))
	}
}

// writeTestCertificate writes a self-signed certificate for 127.0.0.1 and
// its key into dir and returns the file paths and a pool that trusts it.
func writeTestCertificate(t *testing.T, dir string) (string, string, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatalf("Generating a key: %v", err)
	}
	template := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, template, template, &key.PublicKey, key)
	if err != nil {
		t.Fatalf("Creating a certificate: %v", err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatalf("Encoding the key: %v", err)
	}

	certFile := filepath.Join(dir, "tls.crt")
	keyFile := filepath.Join(dir, "tls.key")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatalf("Writing the certificate: %v", err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatalf("Writing the key: %v", err)
	}

	certificate, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatalf("Parsing the certificate: %v", err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(certificate)
	return certFile, keyFile, pool
}

// TestSendMailpitTLS covers STARTTLS and implicit TLS, both with
// authentication, against Mailpit with a certificate that only the test
// trusts.
func TestSendMailpitTLS(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile, pool := writeTestCertificate(t, dir)
	authFile := filepath.Join(dir, "smtp-auth")
	if err := os.WriteFile(authFile, []byte("overdue:correct-horse\n"), 0o600); err != nil {
		t.Fatalf("Writing the Mailpit password file: %v", err)
	}
	passwordFile := writePasswordFile(t, "correct-horse\n")
	wrongPasswordFile := writePasswordFile(t, "wrong-horse\n")

	// Mailpit requires STARTTLS before AUTH when it has an auth file.
	startTLSServer := startMailpit(t, "--smtp-tls-cert", certFile, "--smtp-tls-key", keyFile, "--smtp-auth-file", authFile)
	implicitServer := startMailpit(t, "--smtp-tls-cert", certFile, "--smtp-tls-key", keyFile, "--smtp-require-tls", "--smtp-auth-file", authFile)
	plainServer := startMailpit(t)

	tests := []struct {
		name   string
		server *testMailpit
		config Config
		// wantReason is empty when the send must succeed.
		wantReason    string
		wantPermanent bool
		// wantCode is the SMTP reply code that the error wraps, 0 for none.
		wantCode    int
		wantInError string
	}{
		{
			name:   "STARTTLS with authentication",
			server: startTLSServer,
			config: Config{TLS: TLSStartTLS, Username: "overdue", PasswordFile: passwordFile, TLSConfig: &tls.Config{RootCAs: pool}},
		},
		{
			name:   "implicit TLS with authentication",
			server: implicitServer,
			config: Config{TLS: TLSImplicit, Username: "overdue", PasswordFile: passwordFile, TLSConfig: &tls.Config{RootCAs: pool}},
		},
		{
			name:          "wrong password",
			server:        startTLSServer,
			config:        Config{TLS: TLSStartTLS, Username: "overdue", PasswordFile: wrongPasswordFile, TLSConfig: &tls.Config{RootCAs: pool}},
			wantReason:    ReasonSMTPRejected,
			wantPermanent: true,
			wantCode:      535,
			wantInError:   "rejected the authentication",
		},
		{
			name:          "untrusted certificate",
			server:        startTLSServer,
			config:        Config{TLS: TLSStartTLS, Username: "overdue", PasswordFile: passwordFile},
			wantReason:    ReasonSMTPUnavailable,
			wantPermanent: true,
			wantInError:   "certificate",
		},
		{
			name:          "STARTTLS required but not offered",
			server:        plainServer,
			config:        Config{TLS: TLSStartTLS},
			wantReason:    ReasonSMTPUnavailable,
			wantPermanent: true,
			wantInError:   "does not offer STARTTLS",
		},
		{
			name:          "authentication required but not sent",
			server:        startTLSServer,
			config:        Config{TLS: TLSStartTLS, TLSConfig: &tls.Config{RootCAs: pool}},
			wantReason:    ReasonSMTPRejected,
			wantPermanent: true,
			wantCode:      530,
			wantInError:   "--smtp-username",
		},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			config := tt.config
			config.Address = tt.server.smtpAddress
			sender := newTestSender(t, config)
			n := testNotification(t)
			n.UID = fmt.Sprintf("tls-%d", i)

			err := sender.Send(context.Background(), n)
			if tt.wantReason == "" {
				if err != nil {
					t.Fatalf("Send() error: %v", err)
				}
				message := tt.server.messageByID(t, MessageID(n))
				if message.Username != "overdue" {
					t.Errorf("Mailpit recorded user %q, expected overdue", message.Username)
				}
				return
			}

			if err == nil {
				t.Fatal("Send() returned no error")
			}
			if got := Reason(err); got != tt.wantReason {
				t.Errorf("Reason() = %q, expected %q (error: %v)", got, tt.wantReason, err)
			}
			if got := IsPermanent(err); got != tt.wantPermanent {
				t.Errorf("IsPermanent() = %v, expected %v (error: %v)", got, tt.wantPermanent, err)
			}
			if reply, ok := errors.AsType[*textproto.Error](err); tt.wantCode != 0 && (!ok || reply.Code != tt.wantCode) {
				t.Errorf("error %v does not wrap the reply code %d", err, tt.wantCode)
			}
			if !strings.Contains(err.Error(), tt.wantInError) {
				t.Errorf("error %q does not contain %q", err, tt.wantInError)
			}
			for _, secret := range []string{"correct-horse", "wrong-horse"} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("error %q contains the password", err)
				}
			}
		})
	}

	t.Run("rotated password file", func(t *testing.T) {
		rotating := writePasswordFile(t, "wrong-horse\n")
		sender := newTestSender(t, Config{
			Address:      startTLSServer.smtpAddress,
			TLS:          TLSStartTLS,
			Username:     "overdue",
			PasswordFile: rotating,
			TLSConfig:    &tls.Config{RootCAs: pool},
		})
		n := testNotification(t)
		n.UID = "tls-rotated"

		if err := sender.Send(context.Background(), n); Reason(err) != ReasonSMTPRejected {
			t.Fatalf("Send() with the old password: error %v, expected reason %s", err, ReasonSMTPRejected)
		}
		if err := os.WriteFile(rotating, []byte("correct-horse\n"), 0o600); err != nil {
			t.Fatalf("Rotating the password file: %v", err)
		}
		if err := sender.Send(context.Background(), n); err != nil {
			t.Fatalf("Send() after the rotation: %v", err)
		}
		message := startTLSServer.messageByID(t, MessageID(n))
		if message.Username != "overdue" {
			t.Errorf("Mailpit recorded user %q, expected overdue", message.Username)
		}
	})
}

func TestSendNotConfigured(t *testing.T) {
	sender, err := NewSender(Config{TLS: TLSStartTLS, Timeout: time.Second}, nil)
	if err != nil {
		t.Fatalf("NewSender() error: %v", err)
	}
	if sender.Enabled() {
		t.Error("Enabled() = true without an address")
	}
	err = sender.Send(context.Background(), testNotification(t))
	if err != ErrNotConfigured {
		t.Fatalf("Send() error = %v, expected ErrNotConfigured", err)
	}
	if Reason(err) != ReasonEmailNotConfigured || !IsPermanent(err) {
		t.Errorf("Reason() = %q, IsPermanent() = %v, expected %q and true", Reason(err), IsPermanent(err), ReasonEmailNotConfigured)
	}
}

func TestNewSenderRejectsInvalidConfig(t *testing.T) {
	_, err := NewSender(Config{Address: "mail.example.com", TLS: TLSStartTLS, Timeout: time.Second}, nil)
	if err == nil {
		t.Fatal("NewSender() accepted an address without port and a missing --smtp-from")
	}
	for _, part := range []string{"--smtp-address", "--smtp-from"} {
		if !strings.Contains(err.Error(), part) {
			t.Errorf("error %q does not contain %q", err, part)
		}
	}
}
