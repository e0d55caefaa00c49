package notify

import (
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"unicode"
)

// parsePlainAddress parses an API field that must contain one bare address
// such as name@example.com: no display name, no angle brackets, no comment
// and no quoted local part.
func parsePlainAddress(value string) (string, error) {
	if strings.TrimSpace(value) == "" {
		return "", errors.New("the address is empty")
	}

	addr, err := mail.ParseAddress(value)
	if err != nil {
		return "", err
	}
	if addr.Name != "" || addr.Address != strings.TrimSpace(value) {
		return "", errors.New("the value must be a bare address without a display name, angle brackets or comments")
	}
	if err := checkAddrSpec(addr.Address); err != nil {
		return "", err
	}
	return addr.Address, nil
}

// checkAddrSpec accepts an address that net/mail has already parsed only if
// it can be written into a header and an SMTP command exactly as it is. That
// rules out local parts that need quotes, which net/mail returns unquoted,
// and non-ASCII addresses, which need the SMTPUTF8 extension that not every
// server offers.
func checkAddrSpec(address string) error {
	for _, r := range address {
		if r > unicode.MaxASCII {
			return errors.New("the address contains non-ASCII characters, which not every SMTP server accepts")
		}
		if r <= ' ' || r == 0x7f || strings.ContainsRune(`"(),:;<>[\]`, r) {
			return fmt.Errorf("the address contains %q, which would need quoting", r)
		}
	}
	return nil
}

// headerText makes s safe to put into a header value. Control characters,
// line and paragraph separators and invalid UTF-8 could end the header line
// or confuse a reader, so each run of them becomes one space. Leading and
// trailing spaces are removed.
func headerText(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")

	var b strings.Builder
	b.Grow(len(s))
	pendingSpace := false
	for _, r := range s {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			pendingSpace = true
			continue
		}
		if pendingSpace {
			b.WriteByte(' ')
			pendingSpace = false
		}
		b.WriteRune(r)
	}
	return strings.TrimSpace(b.String())
}
