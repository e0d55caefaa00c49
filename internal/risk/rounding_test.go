package risk

import (
	"testing"

	"github.com/overdue-dev/overdue-operator/internal/money"
)

// TestResidueRounding drives the rounding step with open amounts finer than
// a cent. Parsing rejects such amounts, so no input to Evaluate can produce
// them, and the test builds the evaluation state by hand instead.
func TestResidueRounding(t *testing.T) {
	tests := []struct {
		name             string
		residue          string // open amount in EUR, finer than the minor unit
		wantDue          string
		wantState        PaymentState
		wantCollection   CollectionState
		wantOverdueDays  int32
		wantOldestDueDay string
	}{
		{name: "residue_rounds_to_zero", residue: "0.004", wantDue: "0.00", wantState: PaymentPaid, wantCollection: CollectionPaid},
		{name: "half_cent_rounds_up", residue: "0.005", wantDue: "0.01", wantState: PaymentPartial, wantCollection: CollectionOverdue, wantOverdueDays: 31, wantOldestDueDay: "2024-05-15"},
	}
	// KWD has three fraction digits, enough to write the residues.
	fine := money.MustParseCurrency("KWD")
	eur := money.MustParseCurrency("EUR")

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			residue, err := fine.Parse(tt.residue, money.NonNegative)
			if err != nil {
				t.Fatal(err)
			}
			due, err := parseDate("2024-05-15")
			if err != nil {
				t.Fatal(err)
			}
			today, err := parseDate("2024-06-15")
			if err != nil {
				t.Fatal(err)
			}

			var result Result
			invoice := posted("inv-1", "2024-05-15", "100.00")
			result.Invoices = []InvoiceResult{{Name: invoice.Name}}
			d := &document{input: &invoice, result: &result.Invoices[0], counted: true, total: eur.FromMinorUnits(10000)}
			d.installments = []*installment{{owner: d, due: due, amount: d.total, open: residue}}
			e := &evaluation{currency: eur, today: today, documents: []*document{d}}

			e.roundOpenAmounts()
			e.summarize(&result)

			if result.AmountDue != tt.wantDue {
				t.Errorf("AmountDue = %q, want %q", result.AmountDue, tt.wantDue)
			}
			if result.Invoices[0].AmountDue != tt.wantDue {
				t.Errorf("invoice AmountDue = %q, want %q", result.Invoices[0].AmountDue, tt.wantDue)
			}
			if result.Invoices[0].PaymentState != tt.wantState {
				t.Errorf("PaymentState = %q, want %q", result.Invoices[0].PaymentState, tt.wantState)
			}
			if result.CollectionState != tt.wantCollection {
				t.Errorf("CollectionState = %q, want %q", result.CollectionState, tt.wantCollection)
			}
			if result.OverdueDays != tt.wantOverdueDays {
				t.Errorf("OverdueDays = %d, want %d", result.OverdueDays, tt.wantOverdueDays)
			}
			if result.OldestDueDate != tt.wantOldestDueDay {
				t.Errorf("OldestDueDate = %q, want %q", result.OldestDueDate, tt.wantOldestDueDay)
			}
		})
	}
}
