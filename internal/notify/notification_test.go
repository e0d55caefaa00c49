package notify

import (
	"errors"
	"strings"
	"testing"
	"time"
	_ "time/tzdata"
)

// testNotification returns a complete notification about a rise from
// Medium to High. Tests change the fields they are about.
func testNotification(t *testing.T) Notification {
	t.Helper()
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatalf("Loading Europe/Berlin: %v", err)
	}
	return Notification{
		OrderName:        "so-0042",
		Namespace:        "sales",
		UID:              "0b6f3c1e-5a2d-4d8e-9a51-2f0c7e4b9d13",
		Reference:        "SO-0042",
		CustomerName:     "Acme GmbH",
		SalespersonName:  "Jane Doe",
		SalespersonEmail: "jane@example.com",
		PolicyName:       "default",
		Cc:               []string{"finance@example.com"},
		EscalateTo:       []string{"head-of-sales@example.com"},
		PreviousLevel:    LevelMedium,
		NewLevel:         LevelHigh,
		Tier:             "large",
		Currency:         "EUR",
		AmountInvoiced:   "12500.00",
		AmountDue:        "7300.50",
		AmountOverdue:    "4200.00",
		OverdueDays:      120,
		OverdueInvoices: []OverdueInvoice{
			{Name: "inv-0007", Number: "INV-2024-0007", DueDate: "2024-11-14", AmountOpen: "3000.00", OverdueDays: 120},
			{Name: "inv-0009", DueDate: "2025-02-12", AmountOpen: "1200.00", OverdueDays: 1},
		},
		CommunicationStatus: "Contacted",
		CollectionRemark:    "Customer promised payment by end of month.",
		ComputedAt:          time.Date(2025, 3, 14, 8, 30, 0, 0, time.UTC),
		Location:            berlin,
		ChangeKey:           "2025-03-14T08:30:00Z",
	}
}

func addresses(recipients []Recipient) []string {
	var out []string
	for _, r := range recipients {
		out = append(out, r.Header+":"+r.Address)
	}
	return out
}

func TestRecipients(t *testing.T) {
	tests := []struct {
		name   string
		modify func(*Notification)
		want   []string
	}{
		{
			name:   "escalation at High",
			modify: func(*Notification) {},
			want:   []string{"To:jane@example.com", "Cc:finance@example.com", "Cc:head-of-sales@example.com"},
		},
		{
			name:   "no escalation below High",
			modify: func(n *Notification) { n.NewLevel = LevelMedium },
			want:   []string{"To:jane@example.com", "Cc:finance@example.com"},
		},
		{
			name: "duplicates removed ignoring case",
			modify: func(n *Notification) {
				n.Cc = []string{"Finance@Example.com", "JANE@example.com", "finance@example.com"}
				n.EscalateTo = []string{"FINANCE@EXAMPLE.COM", "boss@example.com", "Boss@example.com"}
			},
			want: []string{"To:jane@example.com", "Cc:Finance@Example.com", "Cc:boss@example.com"},
		},
		{
			name: "salesperson only",
			modify: func(n *Notification) {
				n.Cc = nil
				n.EscalateTo = nil
			},
			want: []string{"To:jane@example.com"},
		},
		{
			name: "invalid escalateTo ignored below High",
			modify: func(n *Notification) {
				n.NewLevel = LevelLow
				n.EscalateTo = []string{"not an address"}
			},
			want: []string{"To:jane@example.com", "Cc:finance@example.com"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := testNotification(t)
			tt.modify(&n)
			recipients, err := n.Recipients()
			if err != nil {
				t.Fatalf("Recipients() error: %v", err)
			}
			got := addresses(recipients)
			if strings.Join(got, ",") != strings.Join(tt.want, ",") {
				t.Errorf("Recipients() = %v, expected %v", got, tt.want)
			}
		})
	}
}

func TestRecipientsSalespersonName(t *testing.T) {
	n := testNotification(t)
	n.SalespersonName = "Jane\r\nBcc: attacker@example.net"
	recipients, err := n.Recipients()
	if err != nil {
		t.Fatalf("Recipients() error: %v", err)
	}
	if got := recipients[0].Name; got != "Jane Bcc: attacker@example.net" {
		t.Errorf("salesperson name = %q, expected the line break replaced by a space", got)
	}
	for _, r := range recipients[1:] {
		if r.Name != "" {
			t.Errorf("policy recipient %s has name %q, expected none", r.Address, r.Name)
		}
	}
}

func TestRecipientsInvalidAddress(t *testing.T) {
	tests := []struct {
		name      string
		modify    func(*Notification)
		wantField string
		wantValue string
		wantIn    string
	}{
		{
			name:      "salesperson without at sign",
			modify:    func(n *Notification) { n.SalespersonEmail = "jane.example.com" },
			wantField: "spec.salesperson.email",
			wantValue: "jane.example.com",
			wantIn:    "SaleOrder sales/so-0042",
		},
		{
			name:      "salesperson empty",
			modify:    func(n *Notification) { n.SalespersonEmail = "" },
			wantField: "spec.salesperson.email",
			wantIn:    "SaleOrder sales/so-0042",
		},
		{
			name:      "salesperson with display name",
			modify:    func(n *Notification) { n.SalespersonEmail = "Jane <jane@example.com>" },
			wantField: "spec.salesperson.email",
			wantValue: "Jane <jane@example.com>",
			wantIn:    "SaleOrder sales/so-0042",
		},
		{
			name:      "two addresses in one field",
			modify:    func(n *Notification) { n.SalespersonEmail = "jane@example.com, joe@example.com" },
			wantField: "spec.salesperson.email",
			wantValue: "jane@example.com, joe@example.com",
			wantIn:    "SaleOrder sales/so-0042",
		},
		{
			name:      "header injection in address",
			modify:    func(n *Notification) { n.SalespersonEmail = "jane@example.com\r\nBcc: attacker@example.net" },
			wantField: "spec.salesperson.email",
			wantValue: "jane@example.com\r\nBcc: attacker@example.net",
			wantIn:    "SaleOrder sales/so-0042",
		},
		{
			name:      "non-ASCII address",
			modify:    func(n *Notification) { n.SalespersonEmail = "jürgen@example.com" },
			wantField: "spec.salesperson.email",
			wantValue: "jürgen@example.com",
			wantIn:    "non-ASCII",
		},
		{
			name:      "quoted local part",
			modify:    func(n *Notification) { n.SalespersonEmail = `"jane doe"@example.com` },
			wantField: "spec.salesperson.email",
			wantValue: `"jane doe"@example.com`,
			wantIn:    "SaleOrder sales/so-0042",
		},
		{
			name:      "second cc",
			modify:    func(n *Notification) { n.Cc = []string{"finance@example.com", "finance@"} },
			wantField: "spec.notification.email.cc[1]",
			wantValue: "finance@",
			wantIn:    "CollectionPolicy sales/default",
		},
		{
			name:      "escalateTo at High",
			modify:    func(n *Notification) { n.EscalateTo = []string{"@example.com"} },
			wantField: "spec.notification.email.escalateTo[0]",
			wantValue: "@example.com",
			wantIn:    "CollectionPolicy sales/default",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := testNotification(t)
			tt.modify(&n)
			_, err := n.Recipients()
			if err == nil {
				t.Fatal("Recipients() returned no error")
			}
			if !IsPermanent(err) {
				t.Errorf("IsPermanent(%v) = false, expected true", err)
			}
			if got := Reason(err); got != ReasonInvalidAddress {
				t.Errorf("Reason() = %q, expected %q", got, ReasonInvalidAddress)
			}
			invalid, ok := errors.AsType[*InvalidAddressError](err)
			if !ok {
				t.Fatalf("error %v does not wrap an *InvalidAddressError", err)
			}
			if invalid.Field != tt.wantField {
				t.Errorf("Field = %q, expected %q", invalid.Field, tt.wantField)
			}
			if invalid.Value != tt.wantValue {
				t.Errorf("Value = %q, expected %q", invalid.Value, tt.wantValue)
			}
			for _, part := range []string{tt.wantField, tt.wantIn, "name@example.com"} {
				if !strings.Contains(err.Error(), part) {
					t.Errorf("error %q does not contain %q", err, part)
				}
			}
		})
	}
}
