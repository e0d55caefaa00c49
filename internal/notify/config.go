package notify

import (
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/mail"
	"os"
	"strconv"
	"strings"
	"time"
)

// TLSMode selects how the connection to the SMTP server is encrypted.
type TLSMode string

const (
	// TLSNone sends everything, the password included, in clear text and
	// never tries STARTTLS. It suits a relay on loopback or in the same pod.
	TLSNone TLSMode = "none"
	// TLSStartTLS connects in clear text and requires the server to upgrade
	// the connection with STARTTLS before anything else is sent, usually on
	// port 587. A server without STARTTLS fails the send.
	TLSStartTLS TLSMode = "starttls"
	// TLSImplicit starts TLS as soon as the TCP connection is open, usually
	// on port 465.
	TLSImplicit TLSMode = "tls"
)

// DefaultTimeout is the default of --smtp-timeout.
const DefaultTimeout = 10 * time.Second

// Config contains the SMTP settings of the manager. AddFlags fills it from
// the command line, and Validate checks it.
type Config struct {
	// Address is the SMTP server as host:port. Empty means that email is not
	// configured.
	Address string
	// From is the sender address of every email, with an optional display
	// name, such as "Overdue <overdue@example.com>".
	From string
	// Username, when set, makes the sender authenticate to the server.
	Username string
	// PasswordFile is the path of a file that contains the SMTP password,
	// usually a key of a mounted Secret. It is read at every send, so a
	// rotated Secret takes effect without a restart.
	PasswordFile string
	// TLS selects how the connection is encrypted.
	TLS TLSMode
	// Timeout bounds the TCP connect, the server's greeting, the session
	// setup (EHLO, STARTTLS, AUTH) and the mail transaction, each on its own.
	Timeout time.Duration
	// TLSConfig, when not nil, replaces the default TLS client settings,
	// which verify the server against the system's root certificates under
	// the host name of Address. No flag sets it. Tests set it to trust a
	// certificate of their own.
	TLSConfig *tls.Config
}

// AddFlags registers the --smtp-* flags on fs, storing their values in c.
func (c *Config) AddFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.Address, "smtp-address", "",
		"SMTP server as host:port, for example mail.example.com:587. Without it the operator records risk levels but sends no email.")
	fs.StringVar(&c.From, "smtp-from", "",
		`Sender address of every email, optionally with a display name, for example "Overdue <overdue@example.com>". Required with --smtp-address.`)
	fs.StringVar(&c.Username, "smtp-username", "",
		"User name for SMTP authentication. Requires --smtp-password-file. Without it no authentication is attempted.")
	fs.StringVar(&c.PasswordFile, "smtp-password-file", "",
		"Path of a file that contains the SMTP password, such as a key of a mounted Secret. One trailing newline is removed. The file is read at every send.")
	fs.TextVar(&c.TLS, "smtp-tls", TLSStartTLS,
		`Encryption of the SMTP connection: "starttls" requires the server to upgrade a clear-text connection with STARTTLS, usually on port 587; `+
			`"tls" starts TLS at once, usually on port 465; "none" sends everything, the password included, in clear text, for a relay on loopback such as a local test server.`)
	fs.DurationVar(&c.Timeout, "smtp-timeout", DefaultTimeout,
		"Time limit for each step of an SMTP send: the TCP connect, the server's greeting, the session setup and the mail transaction, for example 10s.")
}

// MarshalText returns the mode as the value of --smtp-tls.
func (m TLSMode) MarshalText() ([]byte, error) {
	return []byte(m), nil
}

// UnmarshalText parses the value of --smtp-tls.
func (m *TLSMode) UnmarshalText(text []byte) error {
	mode, err := ParseTLSMode(string(text))
	if err != nil {
		return err
	}
	*m = mode
	return nil
}

// ParseTLSMode parses the value of --smtp-tls.
func ParseTLSMode(value string) (TLSMode, error) {
	switch mode := TLSMode(strings.ToLower(strings.TrimSpace(value))); mode {
	case TLSNone, TLSStartTLS, TLSImplicit:
		return mode, nil
	default:
		return "", fmt.Errorf("unknown TLS mode %q: use none, starttls or tls", value)
	}
}

// Enabled reports whether email is configured, which is when --smtp-address
// is set. When it is false, the controller records levels, sends nothing and
// reports ReasonEmailNotConfigured.
func (c Config) Enabled() bool {
	return c.Address != ""
}

// Validate checks every SMTP setting and returns all problems found, each
// naming the flag, the value and the fix. It reads the password file to
// prove that it is readable but never includes the password in an error.
// The other settings are checked also when email is not enabled, because a
// wrong value is a mistake in the manager's arguments either way.
func (c Config) Validate() error {
	var errs []error

	if c.Address != "" {
		if _, _, err := splitHostPort(c.Address); err != nil {
			errs = append(errs, fmt.Errorf("invalid --smtp-address %q: %w; use host:port, for example mail.example.com:587", c.Address, err))
		}
		if c.From == "" {
			errs = append(errs, errors.New(`missing --smtp-from, which --smtp-address requires: set the sender address, for example "Overdue <overdue@example.com>"`))
		}
	}
	if c.From != "" {
		if _, err := parseFrom(c.From); err != nil {
			errs = append(errs, fmt.Errorf("invalid --smtp-from %q: %w; use one address with an optional display name, for example \"Overdue <overdue@example.com>\"", c.From, err))
		}
	}

	if _, err := ParseTLSMode(string(c.TLS)); err != nil {
		errs = append(errs, fmt.Errorf("invalid --smtp-tls: %w", err))
	}
	if c.Timeout <= 0 {
		errs = append(errs, fmt.Errorf("invalid --smtp-timeout %s: it must be greater than zero, for example 10s", c.Timeout))
	}

	errs = append(errs, c.validateAuth()...)
	return errors.Join(errs...)
}

func (c Config) validateAuth() []error {
	var errs []error

	switch {
	case c.Username != "" && c.PasswordFile == "":
		errs = append(errs, fmt.Errorf("--smtp-username %q is set without --smtp-password-file: set both or neither", c.Username))
	case c.Username == "" && c.PasswordFile != "":
		errs = append(errs, fmt.Errorf("--smtp-password-file %q is set without --smtp-username: set both or neither", c.PasswordFile))
	}

	if c.PasswordFile != "" {
		if _, err := readPassword(c.PasswordFile); err != nil {
			errs = append(errs, fmt.Errorf("invalid --smtp-password-file: %w", err))
		}
	}

	// go-mail picks LOGIN authentication when the server offers it without
	// PLAIN, and LOGIN sends the password even over a clear-text connection.
	// Only a server on loopback is exempt, as in net/smtp's PlainAuth.
	if c.Username != "" && c.TLS == TLSNone && c.Address != "" {
		if host, _, err := splitHostPort(c.Address); err == nil && !isLoopbackHost(host) {
			errs = append(errs, fmt.Errorf("--smtp-username with --smtp-tls none would send the password to %s in clear text: use --smtp-tls starttls or tls", c.Address))
		}
	}

	return errs
}

// splitHostPort splits a host:port address and checks that both parts are
// present and that the port is a number from 1 to 65535.
func splitHostPort(address string) (string, int, error) {
	host, portText, err := net.SplitHostPort(address)
	if err != nil {
		return "", 0, err
	}
	if host == "" {
		return "", 0, errors.New("missing host")
	}
	port, err := strconv.Atoi(portText)
	if err != nil || port < 1 || port > 65535 {
		return "", 0, fmt.Errorf("port %q is not a number from 1 to 65535", portText)
	}
	return host, port, nil
}

func isLoopbackHost(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// parseFrom parses --smtp-from, which may carry a display name.
func parseFrom(value string) (*mail.Address, error) {
	addr, err := mail.ParseAddress(value)
	if err != nil {
		return nil, err
	}
	if err := checkAddrSpec(addr.Address); err != nil {
		return nil, err
	}
	addr.Name = headerText(addr.Name)
	return addr, nil
}

// readPassword reads the SMTP password from path and removes one trailing
// newline, which editors and `kubectl create secret --from-file` often leave.
// Errors name the path but never the content.
func readPassword(path string) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("cannot read the SMTP password file: %w; mount the Secret that contains the password at this path", err)
	}

	password := string(data)
	if trimmed, ok := strings.CutSuffix(password, "\n"); ok {
		password = strings.TrimSuffix(trimmed, "\r")
	}
	if password == "" {
		return "", fmt.Errorf("the SMTP password file %s is empty; put the password in the Secret", path)
	}
	return password, nil
}
