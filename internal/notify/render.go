package notify

import (
	"bytes"
	"embed"
	"encoding/base64"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"strings"
	texttemplate "text/template"
	"time"
	"unicode/utf8"
)

//go:embed templates/notification.txt.tmpl templates/notification.html.tmpl
var templateFS embed.FS

var (
	textTemplate = texttemplate.Must(texttemplate.New("notification.txt.tmpl").Option("missingkey=error").
			ParseFS(templateFS, "templates/notification.txt.tmpl"))
	htmlTemplate = htmltemplate.Must(htmltemplate.New("notification.html.tmpl").Option("missingkey=error").
			ParseFS(templateFS, "templates/notification.html.tmpl"))
)

// messageIDDomain is the right-hand side of every Message-ID: the domain of
// the operator's API group, which keeps its IDs apart from other senders'.
const messageIDDomain = "overdue.dev"

// Email is a rendered notification.
type Email struct {
	// Subject is the subject as people read it, before RFC 2047 encoding.
	Subject string
	// Text and HTML are the two alternative bodies.
	Text string
	HTML string
	// MessageID is the Message-ID header value, angle brackets included.
	MessageID string
}

// emailView is the data that both templates render. Every value is a string
// or number that is ready to print, so the templates contain no logic beyond
// conditionals and one loop.
type emailView struct {
	Subject             string
	Salesperson         string
	Reference           string
	OrderName           string
	Namespace           string
	Customer            string
	Change              string
	PreviousLevel       Level
	NewLevel            Level
	Tier                string
	AmountInvoiced      string
	AmountDue           string
	AmountOverdue       string
	OverdueDays         int64
	CommunicationStatus string
	Remark              string
	// TextRemark is Remark with its continuation lines indented under the
	// first, for the plain-text body.
	TextRemark string
	Invoices   []invoiceView
	ComputedAt string
	Policy     string
}

type invoiceView struct {
	Number     string
	DueDate    string
	AmountOpen string
	Overdue    string
}

// Render builds the subject, both bodies and the Message-ID of n. It fails
// with a permanent DeliveryError with ReasonInvalidNotification when n lacks
// a field that the Message-ID needs or carries an unknown level.
func Render(n Notification) (*Email, error) {
	if err := n.validate(); err != nil {
		return nil, &DeliveryError{Reason: ReasonInvalidNotification, Permanent: true, Err: err}
	}

	view := newEmailView(n)

	// The templates are fixed and the view contains only strings and numbers,
	// so an execution error is a defect that a retry cannot fix.
	var text bytes.Buffer
	if err := textTemplate.Execute(&text, view); err != nil {
		return nil, &DeliveryError{Reason: ReasonInvalidNotification, Permanent: true, Err: fmt.Errorf("rendering the plain-text email: %w", err)}
	}
	var html bytes.Buffer
	if err := htmlTemplate.Execute(&html, view); err != nil {
		return nil, &DeliveryError{Reason: ReasonInvalidNotification, Permanent: true, Err: fmt.Errorf("rendering the HTML email: %w", err)}
	}

	return &Email{
		Subject:   view.Subject,
		Text:      text.String(),
		HTML:      html.String(),
		MessageID: MessageID(n),
	}, nil
}

// validate checks the fields that Render cannot do without.
func (n Notification) validate() error {
	var errs []error
	if n.UID == "" {
		errs = append(errs, errors.New("the UID is empty"))
	}
	if n.ChangeKey == "" {
		errs = append(errs, errors.New("the change key is empty"))
	}
	if !n.NewLevel.Valid() {
		errs = append(errs, fmt.Errorf("unknown new level %q", n.NewLevel))
	}
	if n.PreviousLevel != "" && !n.PreviousLevel.Valid() {
		errs = append(errs, fmt.Errorf("unknown previous level %q", n.PreviousLevel))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("cannot render the notification for SaleOrder %s/%s: %w", n.Namespace, n.OrderName, err)
	}
	return nil
}

// textLabelIndent is the width of the labels of the plain-text body, such
// as "Remark:           ", so that a value's further lines align under its
// first one.
const textLabelIndent = "                  "

func newEmailView(n Notification) emailView {
	previous := n.PreviousLevel.orNone()
	change := "fell"
	if rankOf(n.NewLevel) > rankOf(previous) {
		change = "rose"
	}

	view := emailView{
		Subject:             Subject(n),
		Salesperson:         headerText(n.SalespersonName),
		Reference:           headerText(n.reference()),
		OrderName:           n.OrderName,
		Namespace:           n.Namespace,
		Customer:            headerText(n.CustomerName),
		Change:              change,
		PreviousLevel:       previous,
		NewLevel:            n.NewLevel,
		Tier:                headerText(n.Tier),
		AmountInvoiced:      money(n.AmountInvoiced, n.Currency),
		AmountDue:           money(n.AmountDue, n.Currency),
		AmountOverdue:       money(n.AmountOverdue, n.Currency),
		OverdueDays:         n.OverdueDays,
		CommunicationStatus: headerText(n.CommunicationStatus),
		Remark:              bodyText(n.CollectionRemark),
		TextRemark:          strings.ReplaceAll(bodyText(n.CollectionRemark), "\n", "\n"+textLabelIndent),
		ComputedAt:          formatTime(n.ComputedAt, n.Location),
		Policy:              n.PolicyName,
	}
	if view.CommunicationStatus == "" {
		view.CommunicationStatus = "NotContacted"
	}
	for _, invoice := range n.OverdueInvoices {
		view.Invoices = append(view.Invoices, invoiceView{
			Number:     headerText(invoice.DisplayNumber()),
			DueDate:    headerText(invoice.DueDate),
			AmountOpen: money(invoice.AmountOpen, n.Currency),
			Overdue:    days(invoice.OverdueDays),
		})
	}
	return view
}

func rankOf(l Level) int {
	r, _ := l.rank()
	return r
}

// Subject returns the subject of the email about n, such as
// "Risk High: SO-0042 (Acme GmbH), 120 days overdue". Control characters in
// the data become spaces, so the subject is always one line.
func Subject(n Notification) string {
	overdue := "not overdue"
	if n.OverdueDays > 0 {
		overdue = days(n.OverdueDays) + " overdue"
	}
	return headerText(fmt.Sprintf("Risk %s: %s (%s), %s",
		headerText(string(n.NewLevel)), headerText(n.reference()), headerText(n.CustomerName), overdue))
}

// MessageID returns the Message-ID of the email about n, such as
// <UID.None-High.2025-03-14T09-30-00Z@overdue.dev>. It depends only on the
// order's UID, the two levels and ChangeKey, so a repeated send of the same
// change carries the same Message-ID. Characters that a Message-ID cannot
// contain, such as the colons of a time, become hyphens.
func MessageID(n Notification) string {
	return fmt.Sprintf("<%s.%s-%s.%s@%s>",
		messageIDPart(n.UID),
		messageIDPart(string(n.PreviousLevel.orNone())),
		messageIDPart(string(n.NewLevel)),
		messageIDPart(n.ChangeKey),
		messageIDDomain)
}

// messageIDPart keeps letters, digits, '-' and '_', which RFC 5322 allows
// in the left part of a Message-ID, and replaces every other character
// with '-'. Dots are replaced too, because they separate the parts.
func messageIDPart(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_':
			return r
		default:
			return '-'
		}
	}, s)
}

// money prints an amount with its currency code, such as "12500.00 EUR". The
// amount is printed as the status has it, so no rounding can happen here.
func money(amount, currency string) string {
	amount = headerText(amount)
	if amount == "" {
		return "-"
	}
	if currency = headerText(currency); currency != "" {
		return amount + " " + currency
	}
	return amount
}

func days(n int64) string {
	if n == 1 || n == -1 {
		return fmt.Sprintf("%d day", n)
	}
	return fmt.Sprintf("%d days", n)
}

// formatTime prints t in loc with the zone's abbreviation and name, such as
// "2025-03-14 09:30 CET (Europe/Berlin)".
func formatTime(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return "an unknown time"
	}
	if loc == nil {
		loc = time.UTC
	}
	return fmt.Sprintf("%s (%s)", t.In(loc).Format("2006-01-02 15:04 MST"), loc.String())
}

// bodyText prepares multi-line free text, such as the collection remark, for
// the bodies. It keeps line breaks, normalised to "\n", and tabs, and drops
// every other control character.
func bodyText(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	return strings.Map(func(r rune) rune {
		if r == '\n' || r == '\t' {
			return r
		}
		if r < ' ' || (r >= 0x7f && r <= 0x9f) {
			return -1
		}
		return r
	}, s)
}

// encodeSubject returns the subject as go-mail should store it. go-mail
// applies RFC 2047 Q-encoding itself, but only to text with non-ASCII or
// control characters. ASCII text that contains "=?" would be read back as
// an encoded word, so it is B-encoded here to decode to exactly the input.
func encodeSubject(subject string) string {
	if !strings.Contains(subject, "=?") {
		return subject
	}

	// An encoded word is at most 75 characters: 12 for "=?UTF-8?b?" and "?=",
	// leaving 63 for base64, which holds 45 bytes of text. Words end at
	// character boundaries, as RFC 2047 requires.
	const maxChunk = 45
	var words []string
	for len(subject) > 0 {
		end := min(len(subject), maxChunk)
		for end < len(subject) && !utf8.RuneStart(subject[end]) {
			end--
		}
		words = append(words, "=?UTF-8?b?"+base64.StdEncoding.EncodeToString([]byte(subject[:end]))+"?=")
		subject = subject[end:]
	}
	return strings.Join(words, " ")
}
