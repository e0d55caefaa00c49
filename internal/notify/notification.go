package notify

import (
	"fmt"
	"strings"
	"time"
)

// Notification contains everything that one email about a risk-level change
// needs. The controller fills it from a SaleOrder, its CollectionPolicy and
// its overdue invoices. Amounts are decimal strings exactly as the status
// shows them, in Currency.
type Notification struct {
	// OrderName, Namespace and UID identify the SaleOrder.
	OrderName string
	Namespace string
	UID       string
	// Reference is spec.reference, the order number people use. When it is
	// empty, OrderName takes its place.
	Reference string
	// CustomerName is spec.customer.name.
	CustomerName string
	// SalespersonName and SalespersonEmail are spec.salesperson. The email
	// receives the notification.
	SalespersonName  string
	SalespersonEmail string

	// PolicyName is the CollectionPolicy whose cc and escalateTo lists
	// follow.
	PolicyName string
	// Cc is spec.notification.email.cc of the policy: recipients of every
	// email.
	Cc []string
	// EscalateTo is spec.notification.email.escalateTo of the policy:
	// recipients added when NewLevel is High.
	EscalateTo []string

	// PreviousLevel is the level of the last notification, empty when none
	// was sent. NewLevel is the computed level.
	PreviousLevel Level
	NewLevel      Level
	// Tier is the name of the policy tier that the order falls in.
	Tier string

	// Currency is the ISO 4217 code of every amount.
	Currency       string
	AmountInvoiced string
	AmountDue      string
	AmountOverdue  string
	// OverdueDays is the largest number of calendar days that an open
	// installment is past its due date.
	OverdueDays int64
	// OverdueInvoices lists the invoices with an overdue amount, in the order
	// the email shows them.
	OverdueInvoices []OverdueInvoice

	// CommunicationStatus and CollectionRemark are the fields that people
	// maintain in the order's status.
	CommunicationStatus string
	CollectionRemark    string

	// ComputedAt is when the level was computed, and Location is the
	// policy's time zone, in which the email prints it. A nil Location
	// means UTC.
	ComputedAt time.Time
	Location   *time.Location

	// ChangeKey identifies this level change, such as status.riskChangedAt
	// in RFC 3339. Together with UID and the two levels it makes the
	// Message-ID, so sending the same change again produces the same
	// Message-ID and a receiving system can recognise the duplicate.
	ChangeKey string
}

// OverdueInvoice is one invoice with an overdue amount.
type OverdueInvoice struct {
	// Name is the Invoice's metadata.name and Number its spec.number. The
	// email shows Number, or Name when Number is empty.
	Name   string
	Number string
	// DueDate is the oldest overdue due date of the invoice, YYYY-MM-DD.
	DueDate string
	// AmountOpen is the invoice's amount due, a decimal string.
	AmountOpen string
	// OverdueDays is how many calendar days DueDate lies in the past.
	OverdueDays int64
}

// DisplayNumber returns the invoice number people use, or the Invoice's name
// when it has no number.
func (i OverdueInvoice) DisplayNumber() string {
	if i.Number != "" {
		return i.Number
	}
	return i.Name
}

// Recipient is one address that receives the email.
type Recipient struct {
	// Name is the display name, empty for policy recipients.
	Name string
	// Address is the bare address, such as jane@example.com.
	Address string
	// Header is "To" for the salesperson and "Cc" for the policy's
	// recipients.
	Header string
}

// Recipients returns who receives the email: the salesperson in To, then the
// policy's cc and, when NewLevel is High, its escalateTo in Cc. An address
// that appears twice, compared without regard to case, is kept only the
// first time. An invalid address returns a permanent DeliveryError with
// ReasonInvalidAddress that wraps an InvalidAddressError naming the field.
func (n Notification) Recipients() ([]Recipient, error) {
	salesperson, err := parsePlainAddress(n.SalespersonEmail)
	if err != nil {
		return nil, n.invalidAddress(fmt.Sprintf("SaleOrder %s/%s", n.Namespace, n.OrderName), "spec.salesperson.email", n.SalespersonEmail, err)
	}

	recipients := []Recipient{{Name: headerText(n.SalespersonName), Address: salesperson, Header: "To"}}
	seen := map[string]bool{strings.ToLower(salesperson): true}

	add := func(field string, values []string) error {
		for i, value := range values {
			address, err := parsePlainAddress(value)
			if err != nil {
				return n.invalidAddress(fmt.Sprintf("CollectionPolicy %s/%s", n.Namespace, n.PolicyName), fmt.Sprintf("%s[%d]", field, i), value, err)
			}
			if key := strings.ToLower(address); !seen[key] {
				seen[key] = true
				recipients = append(recipients, Recipient{Address: address, Header: "Cc"})
			}
		}
		return nil
	}

	if err := add("spec.notification.email.cc", n.Cc); err != nil {
		return nil, err
	}
	if n.NewLevel == LevelHigh {
		if err := add("spec.notification.email.escalateTo", n.EscalateTo); err != nil {
			return nil, err
		}
	}
	return recipients, nil
}

func (n Notification) invalidAddress(object, field, value string, err error) *DeliveryError {
	return &DeliveryError{
		Reason:    ReasonInvalidAddress,
		Permanent: true,
		Err:       &InvalidAddressError{Object: object, Field: field, Value: value, Err: err},
	}
}

// reference returns the order number that the email shows.
func (n Notification) reference() string {
	if n.Reference != "" {
		return n.Reference
	}
	return n.OrderName
}
