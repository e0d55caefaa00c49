package risk

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestEvaluateProblems checks that each defective invoice is reported with
// the field, the value and a message, is left out of the sums, and does not
// keep the valid invoice inv-ok (100.00, due 30 days ago) from counting.
func TestEvaluateProblems(t *testing.T) {
	tests := []struct {
		name         string
		invoice      Invoice
		wantProblems []Problem
	}{
		{
			name:    "amount_too_precise",
			invoice: posted("inv-bad", "2024-05-16", "12.345"),
			wantProblems: []Problem{{
				Kind: KindInvoice, Name: "inv-bad", Field: "spec.amountTotal", Value: "12.345", Reason: ReasonInvalidAmount,
				Message: `invoice inv-bad: spec.amountTotal: invalid amount "12.345": EUR allows at most 2 fraction digits. It is left out of every sum.`,
			}},
		},
		{
			name:    "amount_missing",
			invoice: posted("inv-bad", "2024-05-16", ""),
			wantProblems: []Problem{{
				Kind: KindInvoice, Name: "inv-bad", Field: "spec.amountTotal", Value: "", Reason: ReasonInvalidAmount,
				Message: `invoice inv-bad: spec.amountTotal: amount is empty: set a decimal such as "12500.00". It is left out of every sum.`,
			}},
		},
		{
			name:    "amount_zero",
			invoice: posted("inv-bad", "2024-05-16", "0.00"),
			wantProblems: []Problem{{
				Kind: KindInvoice, Name: "inv-bad", Field: "spec.amountTotal", Value: "0.00", Reason: ReasonInvalidAmount,
				Message: `invoice inv-bad: spec.amountTotal: invalid amount "0.00": must be greater than zero. It is left out of every sum.`,
			}},
		},
		{
			name:    "amount_with_exponent",
			invoice: posted("inv-bad", "2024-05-16", "1e3"),
			wantProblems: []Problem{{
				Kind: KindInvoice, Name: "inv-bad", Field: "spec.amountTotal", Value: "1e3", Reason: ReasonInvalidAmount,
				Message: `invoice inv-bad: spec.amountTotal: invalid amount "1e3": exponent notation is not accepted. Write a plain decimal such as "12500.00". It is left out of every sum.`,
			}},
		},
		{
			name:    "paid_negative",
			invoice: paid(posted("inv-bad", "2024-05-16", "100.00"), "-1.00"),
			wantProblems: []Problem{{
				Kind: KindInvoice, Name: "inv-bad", Field: "spec.amountPaid", Value: "-1.00", Reason: ReasonInvalidAmount,
				Message: `invoice inv-bad: spec.amountPaid: invalid amount "-1.00": must not be negative. It is left out of every sum.`,
			}},
		},
		{
			name:    "paid_above_total",
			invoice: paid(posted("inv-bad", "2024-05-16", "100.00"), "100.01"),
			wantProblems: []Problem{{
				Kind: KindInvoice, Name: "inv-bad", Field: "spec.amountPaid", Value: "100.01", Reason: ReasonInvalidAmount,
				Message: `invoice inv-bad: spec.amountPaid "100.01" is greater than spec.amountTotal "100.00". It is left out of every sum. Record at most the total as paid.`,
			}},
		},
		{
			name:    "due_date_missing",
			invoice: posted("inv-bad", "", "100.00"),
			wantProblems: []Problem{{
				Kind: KindInvoice, Name: "inv-bad", Field: "spec.dueDate", Value: "", Reason: ReasonInvalidDate,
				Message: `invoice inv-bad: spec.dueDate is required for an invoice. It is left out of every sum.`,
			}},
		},
		{
			name:    "due_date_malformed",
			invoice: posted("inv-bad", "15.05.2024", "100.00"),
			wantProblems: []Problem{{
				Kind: KindInvoice, Name: "inv-bad", Field: "spec.dueDate", Value: "15.05.2024", Reason: ReasonInvalidDate,
				Message: `invoice inv-bad: spec.dueDate: invalid date "15.05.2024": write YYYY-MM-DD, such as "2024-03-31". It is left out of every sum.`,
			}},
		},
		{
			name:    "due_date_month_13",
			invoice: posted("inv-bad", "2024-13-01", "100.00"),
			wantProblems: []Problem{{
				Kind: KindInvoice, Name: "inv-bad", Field: "spec.dueDate", Value: "2024-13-01", Reason: ReasonInvalidDate,
				Message: `invoice inv-bad: spec.dueDate: invalid date "2024-13-01": the month must be 01 to 12. It is left out of every sum.`,
			}},
		},
		{
			name: "invoice_date_malformed",
			invoice: func() Invoice {
				inv := posted("inv-bad", "2024-05-16", "100.00")
				inv.InvoiceDate = "2024/05/01"
				return inv
			}(),
			wantProblems: []Problem{{
				Kind: KindInvoice, Name: "inv-bad", Field: "spec.invoiceDate", Value: "2024/05/01", Reason: ReasonInvalidDate,
				Message: `invoice inv-bad: spec.invoiceDate: invalid date "2024/05/01": write YYYY-MM-DD, such as "2024-03-31". It is left out of every sum.`,
			}},
		},
		{
			name: "due_before_invoice_date",
			invoice: func() Invoice {
				inv := posted("inv-bad", "2024-05-16", "100.00")
				inv.InvoiceDate = "2024-05-20"
				return inv
			}(),
			wantProblems: []Problem{{
				Kind: KindInvoice, Name: "inv-bad", Field: "spec.dueDate", Value: "2024-05-16", Reason: ReasonInvalidDate,
				Message: `invoice inv-bad: spec.dueDate "2024-05-16" is earlier than spec.invoiceDate "2024-05-20". It is left out of every sum.`,
			}},
		},
		{
			name: "installments_do_not_sum",
			invoice: func() Invoice {
				inv := posted("inv-bad", "2024-06-05", "100.00")
				inv.Installments = []Installment{{DueDate: "2024-05-16", Amount: "50.00"}, {DueDate: "2024-06-05", Amount: "40.00"}}
				return inv
			}(),
			wantProblems: []Problem{{
				Kind: KindInvoice, Name: "inv-bad", Field: "spec.installments", Value: "90.00", Reason: ReasonInvalidInstallments,
				Message: `invoice inv-bad: the amounts of spec.installments sum to "90.00", but spec.amountTotal is "100.00". It is left out of every sum. Make the installments add up to the total.`,
			}},
		},
		{
			name: "installment_fields_invalid",
			invoice: func() Invoice {
				inv := posted("inv-bad", "2024-06-05", "100.00")
				inv.Installments = []Installment{{DueDate: "2024-02-30", Amount: "50.00"}, {DueDate: "2024-06-05", Amount: "50.005"}}
				return inv
			}(),
			wantProblems: []Problem{
				{
					Kind: KindInvoice, Name: "inv-bad", Field: "spec.installments[0].dueDate", Value: "2024-02-30", Reason: ReasonInvalidDate,
					Message: `invoice inv-bad: spec.installments[0].dueDate: invalid date "2024-02-30": 2024-02 has days 01 to 29. It is left out of every sum.`,
				},
				{
					Kind: KindInvoice, Name: "inv-bad", Field: "spec.installments[1].amount", Value: "50.005", Reason: ReasonInvalidAmount,
					Message: `invoice inv-bad: spec.installments[1].amount: invalid amount "50.005": EUR allows at most 2 fraction digits. It is left out of every sum.`,
				},
			},
		},
		{
			name: "unknown_type",
			invoice: func() Invoice {
				inv := posted("inv-bad", "2024-05-16", "100.00")
				inv.Type = "ProForma"
				return inv
			}(),
			wantProblems: []Problem{{
				Kind: KindInvoice, Name: "inv-bad", Field: "spec.type", Value: "ProForma", Reason: ReasonInvalidDocument,
				Message: `invoice inv-bad: spec.type "ProForma" is neither Invoice nor CreditNote. It is left out of every sum.`,
			}},
		},
		{
			name: "unknown_state",
			invoice: func() Invoice {
				inv := posted("inv-bad", "2024-05-16", "100.00")
				inv.State = "Open"
				return inv
			}(),
			wantProblems: []Problem{{
				Kind: KindInvoice, Name: "inv-bad", Field: "spec.state", Value: "Open", Reason: ReasonInvalidDocument,
				Message: `invoice inv-bad: spec.state "Open" is not Draft, Posted or Cancelled. It is left out of every sum.`,
			}},
		},
		{
			name: "unknown_currency",
			invoice: func() Invoice {
				inv := posted("inv-bad", "2024-05-16", "100.00")
				inv.Currency = "ABC"
				return inv
			}(),
			wantProblems: []Problem{{
				Kind: KindInvoice, Name: "inv-bad", Field: "spec.currency", Value: "ABC", Reason: ReasonInvalidCurrency,
				Message: `invoice inv-bad: spec.currency: unknown currency code "ABC": it is not an ISO 4217 code. It is left out of every sum.`,
			}},
		},
		{
			name:    "duplicate_name",
			invoice: posted("inv-ok", "2024-06-05", "70.00"),
			wantProblems: []Problem{
				{
					Kind: KindInvoice, Name: "inv-ok", Field: "metadata.name", Value: "inv-ok", Reason: ReasonInvalidDocument,
					Message: `invoice inv-ok: 2 invoices of the order have this name, so a credit note cannot tell them apart. It is left out of every sum.`,
				},
				{
					Kind: KindInvoice, Name: "inv-ok", Field: "metadata.name", Value: "inv-ok", Reason: ReasonInvalidDocument,
					Message: `invoice inv-ok: 2 invoices of the order have this name, so a credit note cannot tell them apart. It is left out of every sum.`,
				},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			valid := posted("inv-ok", "2024-05-16", "100.00")
			for _, invoices := range permutations([]Invoice{valid, tt.invoice}) {
				got, err := Evaluate(testPolicy(), testOrder, invoices, testNow)
				if err != nil {
					t.Fatalf("Evaluate error = %v", err)
				}
				if diff := cmp.Diff(tt.wantProblems, got.Problems); diff != "" {
					t.Fatalf("Problems mismatch (-want +got):\n%s", diff)
				}
				for _, problem := range got.Problems {
					if problem.String() != problem.Message {
						t.Errorf("Problem.String() = %q, want the message %q", problem.String(), problem.Message)
					}
				}

				var counted int
				for _, inv := range got.Invoices {
					if inv.Counted {
						counted++
						if inv.Name != "inv-ok" {
							t.Errorf("invoice %s with a problem is counted", inv.Name)
						}
					} else if inv.PaymentState != "" || inv.AmountDue != "" || inv.Installments != nil {
						t.Errorf("invoice %s is not counted but has PaymentState %q, AmountDue %q, Installments %v",
							inv.Name, inv.PaymentState, inv.AmountDue, inv.Installments)
					}
				}

				wantCounted, wantDue := 1, "100.00"
				if tt.name == "duplicate_name" {
					wantCounted, wantDue = 0, "0.00"
				}
				if counted != wantCounted {
					t.Errorf("%d invoices counted, want %d", counted, wantCounted)
				}
				if got.AmountDue != wantDue {
					t.Errorf("AmountDue = %q, want %q", got.AmountDue, wantDue)
				}
				if got.AmountInvoiced != wantDue {
					t.Errorf("AmountInvoiced = %q, want %q", got.AmountInvoiced, wantDue)
				}
			}
		})
	}
}

func TestOverdueInvoices(t *testing.T) {
	invoices := []Invoice{
		posted("inv-late", "2024-05-16", "100.00"),
		posted("inv-later", "2024-04-16", "50.00"),
		posted("inv-future", "2024-07-05", "10.00"),
		paid(posted("inv-paid", "2024-03-17", "10.00"), "10.00"),
	}
	got, err := Evaluate(testPolicy(), testOrder, invoices, testNow)
	if err != nil {
		t.Fatal(err)
	}

	overdue := got.OverdueInvoices()
	if len(overdue) != 2 {
		t.Fatalf("OverdueInvoices() returned %d invoices, want 2: %+v", len(overdue), overdue)
	}
	if overdue[0].Name != "inv-later" || overdue[0].OverdueDays != 60 || overdue[0].OldestDueDate != "2024-04-16" {
		t.Errorf("first overdue invoice = %s, %d days since %s, want inv-later, 60 days since 2024-04-16",
			overdue[0].Name, overdue[0].OverdueDays, overdue[0].OldestDueDate)
	}
	if overdue[1].Name != "inv-late" || overdue[1].OverdueDays != 30 || overdue[1].Number != "INV/inv-late" {
		t.Errorf("second overdue invoice = %s (%s), %d days, want inv-late (INV/inv-late), 30 days",
			overdue[1].Name, overdue[1].Number, overdue[1].OverdueDays)
	}
}

func TestEvaluateDoesNotModifyInput(t *testing.T) {
	invoice := posted("inv-1", "2024-06-05", "300.00")
	invoice.Installments = []Installment{{DueDate: "2024-07-05", Amount: "200.00"}, {DueDate: "2024-06-05", Amount: "100.00"}}
	invoices := []Invoice{invoice, creditNote("cn-1", "50.00", "inv-1")}
	before := cloneInvoices(invoices)

	if _, err := Evaluate(testPolicy(), testOrder, invoices, testNow); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(before, invoices); diff != "" {
		t.Errorf("Evaluate modified its input (-before +after):\n%s", diff)
	}
}

func cloneInvoices(invoices []Invoice) []Invoice {
	out := make([]Invoice, len(invoices))
	for i, inv := range invoices {
		out[i] = inv
		out[i].Installments = append([]Installment(nil), inv.Installments...)
	}
	return out
}
