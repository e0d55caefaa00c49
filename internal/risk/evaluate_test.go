package risk

import (
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// testNow is 2024-06-15 12:00 UTC, a Saturday in summer time.
var testNow = time.Date(2024, 6, 15, 12, 0, 0, 0, time.UTC)

func testPolicy() Policy {
	return Policy{
		Name:        "default",
		Currency:    "EUR",
		TimeZone:    "UTC",
		RefreshTime: "06:00",
		Tiers: []Tier{
			{Name: "small", MinAmount: "0", Low: 30, Medium: 60, High: 90},
			{Name: "large", MinAmount: "10000.00", Low: 10, Medium: 20, High: 30},
		},
	}
}

var testOrder = Order{Name: "so-42", Currency: "EUR"}

// posted returns a posted EUR invoice without installments.
func posted(name, dueDate, total string) Invoice {
	return Invoice{
		Name:        name,
		Number:      "INV/" + name,
		Type:        TypeInvoice,
		State:       StatePosted,
		Currency:    "EUR",
		DueDate:     dueDate,
		AmountTotal: total,
	}
}

// paid returns inv with amountPaid set.
func paid(inv Invoice, amount string) Invoice {
	inv.AmountPaid = amount
	return inv
}

// creditNote returns a posted EUR credit note that reverses the named
// invoice, or no invoice when reverses is empty.
func creditNote(name, total, reverses string) Invoice {
	return Invoice{
		Name:            name,
		Number:          "RINV/" + name,
		Type:            TypeCreditNote,
		State:           StatePosted,
		Currency:        "EUR",
		AmountTotal:     total,
		ReversedInvoice: reverses,
	}
}

// open returns the result of a counted invoice without installments.
func open(name, dueDate, total, due, overdue, credited string, days int32, state PaymentState) InvoiceResult {
	r := InvoiceResult{
		Name:           name,
		Number:         "INV/" + name,
		DueDate:        dueDate,
		Type:           TypeInvoice,
		Counted:        true,
		PaymentState:   state,
		AmountDue:      due,
		AmountOverdue:  overdue,
		AmountCredited: credited,
		OverdueDays:    days,
		Installments:   []InstallmentResult{{DueDate: dueDate, Amount: total, AmountOpen: due, OverdueDays: days}},
	}
	if state != PaymentPaid {
		r.OldestDueDate = dueDate
	}
	return r
}

// credited returns the result of a counted credit note.
func credited(name, unapplied, applied string, state PaymentState) InvoiceResult {
	return InvoiceResult{
		Name:           name,
		Number:         "RINV/" + name,
		Type:           TypeCreditNote,
		Counted:        true,
		PaymentState:   state,
		AmountDue:      unapplied,
		AmountOverdue:  "0.00",
		AmountCredited: applied,
	}
}

type evaluateCase struct {
	name     string
	policy   func(*Policy) // changes to testPolicy, if any
	order    *Order        // testOrder when nil
	now      time.Time     // testNow when zero
	invoices []Invoice
	want     Result
}

func TestEvaluate(t *testing.T) {
	tests := []evaluateCase{
		{
			name: "no_invoices_not_invoiced",
			want: Result{
				Today: "2024-06-15", CollectionState: CollectionNotInvoiced,
				AmountInvoiced: "0.00", AmountDue: "0.00", AmountOverdue: "0.00",
				Tier: "small", RiskLevel: LevelNone, Invoices: []InvoiceResult{},
			},
		},
		{
			name:     "due_today_is_not_overdue",
			invoices: []Invoice{posted("inv-1", "2024-06-15", "100.00")},
			want: Result{
				Today: "2024-06-15", CollectionState: CollectionNotDue,
				AmountInvoiced: "100.00", AmountDue: "100.00", AmountOverdue: "0.00",
				OldestDueDate: "2024-06-15", Tier: "small", RiskLevel: LevelNone,
				Invoices: []InvoiceResult{open("inv-1", "2024-06-15", "100.00", "100.00", "0.00", "0.00", 0, PaymentNotPaid)},
			},
		},
		{
			name:     "due_yesterday_is_one_day_overdue",
			invoices: []Invoice{posted("inv-1", "2024-06-14", "100.00")},
			want: Result{
				Today: "2024-06-15", CollectionState: CollectionOverdue,
				AmountInvoiced: "100.00", AmountDue: "100.00", AmountOverdue: "100.00",
				OldestDueDate: "2024-06-14", OverdueDays: 1, Tier: "small", RiskLevel: LevelNone,
				Invoices: []InvoiceResult{open("inv-1", "2024-06-14", "100.00", "100.00", "100.00", "0.00", 1, PaymentNotPaid)},
			},
		},
		thresholdCase("low_one_day_below", "2024-05-17", 29, LevelNone),
		thresholdCase("low_exactly", "2024-05-16", 30, LevelLow),
		thresholdCase("medium_one_day_below", "2024-04-17", 59, LevelLow),
		thresholdCase("medium_exactly", "2024-04-16", 60, LevelMedium),
		thresholdCase("high_one_day_below", "2024-03-18", 89, LevelMedium),
		thresholdCase("high_exactly", "2024-03-17", 90, LevelHigh),
		thresholdCase("first_computation_at_120_days", "2024-02-16", 120, LevelHigh),
		{
			name:     "tier_at_exactly_min_amount",
			invoices: []Invoice{posted("inv-1", "2024-06-05", "10000.00")},
			want: Result{
				Today: "2024-06-15", CollectionState: CollectionOverdue,
				AmountInvoiced: "10000.00", AmountDue: "10000.00", AmountOverdue: "10000.00",
				OldestDueDate: "2024-06-05", OverdueDays: 10, Tier: "large", RiskLevel: LevelLow,
				Invoices: []InvoiceResult{open("inv-1", "2024-06-05", "10000.00", "10000.00", "10000.00", "0.00", 10, PaymentNotPaid)},
			},
		},
		{
			name:     "tier_one_minor_unit_below",
			invoices: []Invoice{posted("inv-1", "2024-06-05", "9999.99")},
			want: Result{
				Today: "2024-06-15", CollectionState: CollectionOverdue,
				AmountInvoiced: "9999.99", AmountDue: "9999.99", AmountOverdue: "9999.99",
				OldestDueDate: "2024-06-05", OverdueDays: 10, Tier: "small", RiskLevel: LevelNone,
				Invoices: []InvoiceResult{open("inv-1", "2024-06-05", "9999.99", "9999.99", "9999.99", "0.00", 10, PaymentNotPaid)},
			},
		},
		{
			name: "tier_uses_invoiced_not_due",
			// 12000 invoiced and 11000 paid: the tier follows the invoiced
			// amount, so the order stays in the large tier.
			invoices: []Invoice{paid(posted("inv-1", "2024-05-16", "12000.00"), "11000.00")},
			want: Result{
				Today: "2024-06-15", CollectionState: CollectionOverdue,
				AmountInvoiced: "12000.00", AmountDue: "1000.00", AmountOverdue: "1000.00",
				OldestDueDate: "2024-05-16", OverdueDays: 30, Tier: "large", RiskLevel: LevelHigh,
				Invoices: []InvoiceResult{open("inv-1", "2024-05-16", "12000.00", "1000.00", "1000.00", "0.00", 30, PaymentPartial)},
			},
		},
		{
			name:     "partial_payment",
			invoices: []Invoice{paid(posted("inv-1", "2024-05-16", "100.00"), "40.00")},
			want: Result{
				Today: "2024-06-15", CollectionState: CollectionOverdue,
				AmountInvoiced: "100.00", AmountDue: "60.00", AmountOverdue: "60.00",
				OldestDueDate: "2024-05-16", OverdueDays: 30, Tier: "small", RiskLevel: LevelLow,
				Invoices: []InvoiceResult{open("inv-1", "2024-05-16", "100.00", "60.00", "60.00", "0.00", 30, PaymentPartial)},
			},
		},
		{
			name:     "fully_paid",
			invoices: []Invoice{paid(posted("inv-1", "2024-03-17", "100.00"), "100.00")},
			want: Result{
				Today: "2024-06-15", CollectionState: CollectionPaid,
				AmountInvoiced: "100.00", AmountDue: "0.00", AmountOverdue: "0.00",
				Tier: "small", RiskLevel: LevelNone,
				Invoices: []InvoiceResult{open("inv-1", "2024-03-17", "100.00", "0.00", "0.00", "0.00", 0, PaymentPaid)},
			},
		},
		{
			name:     "one_minor_unit_residue_stays_due",
			invoices: []Invoice{paid(posted("inv-1", "2024-03-17", "100.00"), "99.99")},
			want: Result{
				Today: "2024-06-15", CollectionState: CollectionOverdue,
				AmountInvoiced: "100.00", AmountDue: "0.01", AmountOverdue: "0.01",
				OldestDueDate: "2024-03-17", OverdueDays: 90, Tier: "small", RiskLevel: LevelHigh,
				Invoices: []InvoiceResult{open("inv-1", "2024-03-17", "100.00", "0.01", "0.01", "0.00", 90, PaymentPartial)},
			},
		},
		{
			name: "several_invoices",
			invoices: []Invoice{
				posted("inv-c", "2024-07-05", "300.00"),
				posted("inv-a", "2024-05-16", "100.00"),
				paid(posted("inv-b", "2024-04-16", "200.00"), "200.00"),
				posted("inv-d", "2024-05-16", "50.00"),
			},
			want: Result{
				Today: "2024-06-15", CollectionState: CollectionOverdue,
				AmountInvoiced: "650.00", AmountDue: "450.00", AmountOverdue: "150.00",
				OldestDueDate: "2024-05-16", OverdueDays: 30, Tier: "small", RiskLevel: LevelLow,
				Invoices: []InvoiceResult{
					open("inv-b", "2024-04-16", "200.00", "0.00", "0.00", "0.00", 0, PaymentPaid),
					open("inv-a", "2024-05-16", "100.00", "100.00", "100.00", "0.00", 30, PaymentNotPaid),
					open("inv-d", "2024-05-16", "50.00", "50.00", "50.00", "0.00", 30, PaymentNotPaid),
					open("inv-c", "2024-07-05", "300.00", "300.00", "0.00", "0.00", 0, PaymentNotPaid),
				},
			},
		},
		{
			name: "credit_note_applied_to_its_invoice",
			invoices: []Invoice{
				posted("inv-1", "2024-05-16", "100.00"),
				posted("inv-2", "2024-04-16", "100.00"),
				creditNote("cn-1", "30.00", "inv-1"),
			},
			want: Result{
				Today: "2024-06-15", CollectionState: CollectionOverdue,
				AmountInvoiced: "170.00", AmountDue: "170.00", AmountOverdue: "170.00",
				OldestDueDate: "2024-04-16", OverdueDays: 60, Tier: "small", RiskLevel: LevelMedium,
				Invoices: []InvoiceResult{
					credited("cn-1", "0.00", "30.00", PaymentPaid),
					open("inv-2", "2024-04-16", "100.00", "100.00", "100.00", "0.00", 60, PaymentNotPaid),
					open("inv-1", "2024-05-16", "100.00", "70.00", "70.00", "30.00", 30, PaymentPartial),
				},
			},
		},
		{
			name: "credit_note_reversing_whole_invoice",
			invoices: []Invoice{
				posted("inv-1", "2024-03-17", "100.00"),
				creditNote("cn-1", "100.00", "inv-1"),
			},
			want: Result{
				Today: "2024-06-15", CollectionState: CollectionPaid,
				AmountInvoiced: "0.00", AmountDue: "0.00", AmountOverdue: "0.00",
				Tier: "small", RiskLevel: LevelNone,
				Invoices: []InvoiceResult{
					credited("cn-1", "0.00", "100.00", PaymentPaid),
					open("inv-1", "2024-03-17", "100.00", "0.00", "0.00", "100.00", 0, PaymentPaid),
				},
			},
		},
		{
			name: "credit_note_without_reference_oldest_first",
			invoices: []Invoice{
				posted("inv-new", "2024-06-05", "100.00"),
				posted("inv-old", "2024-05-16", "100.00"),
				creditNote("cn-1", "150.00", ""),
			},
			want: Result{
				Today: "2024-06-15", CollectionState: CollectionOverdue,
				AmountInvoiced: "50.00", AmountDue: "50.00", AmountOverdue: "50.00",
				OldestDueDate: "2024-06-05", OverdueDays: 10, Tier: "small", RiskLevel: LevelNone,
				Invoices: []InvoiceResult{
					credited("cn-1", "0.00", "150.00", PaymentPaid),
					open("inv-old", "2024-05-16", "100.00", "0.00", "0.00", "100.00", 0, PaymentPaid),
					open("inv-new", "2024-06-05", "100.00", "50.00", "50.00", "50.00", 10, PaymentPartial),
				},
			},
		},
		{
			name: "credit_note_larger_than_invoice",
			// 150 reverses inv-small (100). The remaining 50 goes to the
			// oldest open invoice, inv-old.
			invoices: []Invoice{
				posted("inv-small", "2024-06-05", "100.00"),
				posted("inv-old", "2024-04-16", "200.00"),
				creditNote("cn-1", "150.00", "inv-small"),
			},
			want: Result{
				Today: "2024-06-15", CollectionState: CollectionOverdue,
				AmountInvoiced: "150.00", AmountDue: "150.00", AmountOverdue: "150.00",
				OldestDueDate: "2024-04-16", OverdueDays: 60, Tier: "small", RiskLevel: LevelMedium,
				Invoices: []InvoiceResult{
					credited("cn-1", "0.00", "150.00", PaymentPaid),
					open("inv-old", "2024-04-16", "200.00", "150.00", "150.00", "50.00", 60, PaymentPartial),
					open("inv-small", "2024-06-05", "100.00", "0.00", "0.00", "100.00", 0, PaymentPaid),
				},
			},
		},
		{
			name: "credit_note_larger_than_everything",
			invoices: []Invoice{
				posted("inv-1", "2024-05-16", "100.00"),
				creditNote("cn-1", "250.00", "inv-1"),
			},
			want: Result{
				Today: "2024-06-15", CollectionState: CollectionPaid,
				AmountInvoiced: "0.00", AmountDue: "0.00", AmountOverdue: "0.00",
				Tier: "small", RiskLevel: LevelNone,
				Invoices: []InvoiceResult{
					credited("cn-1", "150.00", "100.00", PaymentPartial),
					open("inv-1", "2024-05-16", "100.00", "0.00", "0.00", "100.00", 0, PaymentPaid),
				},
			},
		},
		{
			name: "credit_note_refunded_gives_no_credit",
			// The customer paid inv-1 and got the credit back in cash, so
			// cn-1 has nothing left for inv-2.
			invoices: []Invoice{
				paid(posted("inv-1", "2024-04-16", "100.00"), "100.00"),
				posted("inv-2", "2024-05-16", "80.00"),
				paid(creditNote("cn-1", "100.00", "inv-1"), "100.00"),
			},
			want: Result{
				Today: "2024-06-15", CollectionState: CollectionOverdue,
				AmountInvoiced: "80.00", AmountDue: "80.00", AmountOverdue: "80.00",
				OldestDueDate: "2024-05-16", OverdueDays: 30, Tier: "small", RiskLevel: LevelLow,
				Invoices: []InvoiceResult{
					credited("cn-1", "0.00", "0.00", PaymentPaid),
					open("inv-1", "2024-04-16", "100.00", "0.00", "0.00", "0.00", 0, PaymentPaid),
					open("inv-2", "2024-05-16", "80.00", "80.00", "80.00", "0.00", 30, PaymentNotPaid),
				},
			},
		},
		{
			name: "credit_note_of_paid_invoice_credits_others",
			// inv-1 was paid before cn-1 reversed it. The credit, not
			// refunded, settles inv-2.
			invoices: []Invoice{
				paid(posted("inv-1", "2024-04-16", "100.00"), "100.00"),
				posted("inv-2", "2024-05-16", "80.00"),
				creditNote("cn-1", "100.00", "inv-1"),
			},
			want: Result{
				Today: "2024-06-15", CollectionState: CollectionPaid,
				AmountInvoiced: "80.00", AmountDue: "0.00", AmountOverdue: "0.00",
				Tier: "small", RiskLevel: LevelNone,
				Invoices: []InvoiceResult{
					credited("cn-1", "20.00", "80.00", PaymentPartial),
					open("inv-1", "2024-04-16", "100.00", "0.00", "0.00", "0.00", 0, PaymentPaid),
					open("inv-2", "2024-05-16", "80.00", "0.00", "0.00", "80.00", 0, PaymentPaid),
				},
			},
		},
		{
			name: "credit_note_of_cancelled_invoice_unapplied",
			invoices: []Invoice{
				posted("inv-1", "2024-05-16", "100.00"),
				func() Invoice { inv := posted("inv-2", "2024-05-16", "100.00"); inv.State = StateCancelled; return inv }(),
				creditNote("cn-1", "100.00", "inv-2"),
			},
			want: Result{
				Today: "2024-06-15", CollectionState: CollectionOverdue,
				AmountInvoiced: "100.00", AmountDue: "100.00", AmountOverdue: "100.00",
				OldestDueDate: "2024-05-16", OverdueDays: 30, Tier: "small", RiskLevel: LevelLow,
				Invoices: []InvoiceResult{
					{Name: "cn-1", Number: "RINV/cn-1", Type: TypeCreditNote, Problems: []Problem{unappliedProblem("cn-1", "inv-2", "which is cancelled")}},
					open("inv-1", "2024-05-16", "100.00", "100.00", "100.00", "0.00", 30, PaymentNotPaid),
					{Name: "inv-2", Number: "INV/inv-2", DueDate: "2024-05-16", Type: TypeInvoice, PaymentState: PaymentCancelled},
				},
				Problems: []Problem{unappliedProblem("cn-1", "inv-2", "which is cancelled")},
			},
		},
		{
			name: "credit_note_of_draft_invoice_unapplied",
			invoices: []Invoice{
				func() Invoice { inv := posted("inv-1", "2024-05-16", "100.00"); inv.State = StateDraft; return inv }(),
				creditNote("cn-1", "100.00", "inv-1"),
			},
			want: Result{
				Today: "2024-06-15", CollectionState: CollectionNotInvoiced,
				AmountInvoiced: "0.00", AmountDue: "0.00", AmountOverdue: "0.00",
				Tier: "small", RiskLevel: LevelNone,
				Invoices: []InvoiceResult{
					{Name: "cn-1", Number: "RINV/cn-1", Type: TypeCreditNote, Problems: []Problem{unappliedProblem("cn-1", "inv-1", "which is a draft")}},
					{Name: "inv-1", Number: "INV/inv-1", DueDate: "2024-05-16", Type: TypeInvoice, PaymentState: PaymentDraft},
				},
				Problems: []Problem{unappliedProblem("cn-1", "inv-1", "which is a draft")},
			},
		},
		{
			name: "credit_note_of_unknown_invoice_unapplied",
			invoices: []Invoice{
				posted("inv-1", "2024-05-16", "100.00"),
				creditNote("cn-1", "40.00", "inv-9"),
			},
			want: Result{
				Today: "2024-06-15", CollectionState: CollectionOverdue,
				AmountInvoiced: "100.00", AmountDue: "100.00", AmountOverdue: "100.00",
				OldestDueDate: "2024-05-16", OverdueDays: 30, Tier: "small", RiskLevel: LevelLow,
				Invoices: []InvoiceResult{
					{Name: "cn-1", Number: "RINV/cn-1", Type: TypeCreditNote, Problems: []Problem{unappliedProblem("cn-1", "inv-9", "which is not an invoice of this order")}},
					open("inv-1", "2024-05-16", "100.00", "100.00", "100.00", "0.00", 30, PaymentNotPaid),
				},
				Problems: []Problem{unappliedProblem("cn-1", "inv-9", "which is not an invoice of this order")},
			},
		},
		{
			name: "credit_note_of_credit_note_unapplied",
			invoices: []Invoice{
				posted("inv-1", "2024-05-16", "100.00"),
				creditNote("cn-1", "40.00", ""),
				creditNote("cn-2", "10.00", "cn-1"),
			},
			want: Result{
				Today: "2024-06-15", CollectionState: CollectionOverdue,
				AmountInvoiced: "60.00", AmountDue: "60.00", AmountOverdue: "60.00",
				OldestDueDate: "2024-05-16", OverdueDays: 30, Tier: "small", RiskLevel: LevelLow,
				Invoices: []InvoiceResult{
					credited("cn-1", "0.00", "40.00", PaymentPaid),
					{Name: "cn-2", Number: "RINV/cn-2", Type: TypeCreditNote, Problems: []Problem{unappliedProblem("cn-2", "cn-1", "which is a credit note itself")}},
					open("inv-1", "2024-05-16", "100.00", "60.00", "60.00", "40.00", 30, PaymentPartial),
				},
				Problems: []Problem{unappliedProblem("cn-2", "cn-1", "which is a credit note itself")},
			},
		},
		{
			name: "credit_note_of_invalid_invoice_unapplied",
			invoices: []Invoice{
				posted("inv-1", "2024-05-16", "100.00"),
				posted("inv-2", "2024-05-16", "12.345"),
				creditNote("cn-1", "10.00", "inv-2"),
			},
			want: Result{
				Today: "2024-06-15", CollectionState: CollectionOverdue,
				AmountInvoiced: "100.00", AmountDue: "100.00", AmountOverdue: "100.00",
				OldestDueDate: "2024-05-16", OverdueDays: 30, Tier: "small", RiskLevel: LevelLow,
				Invoices: []InvoiceResult{
					{Name: "cn-1", Number: "RINV/cn-1", Type: TypeCreditNote, Problems: []Problem{unappliedProblem("cn-1", "inv-2", "which is left out of the sums because of its own problems")}},
					open("inv-1", "2024-05-16", "100.00", "100.00", "100.00", "0.00", 30, PaymentNotPaid),
					{Name: "inv-2", Number: "INV/inv-2", DueDate: "2024-05-16", Type: TypeInvoice, Problems: []Problem{inv2PrecisionProblem}},
				},
				Problems: []Problem{unappliedProblem("cn-1", "inv-2", "which is left out of the sums because of its own problems"), inv2PrecisionProblem},
			},
		},
		{
			name: "credit_note_of_duplicate_name_unapplied",
			invoices: []Invoice{
				posted("inv-1", "2024-05-16", "100.00"),
				posted("inv-1", "2024-06-05", "50.00"),
				creditNote("cn-1", "10.00", "inv-1"),
			},
			want: Result{
				Today: "2024-06-15", CollectionState: CollectionNotInvoiced,
				AmountInvoiced: "0.00", AmountDue: "0.00", AmountOverdue: "0.00",
				Tier: "small", RiskLevel: LevelNone,
				Invoices: []InvoiceResult{
					{Name: "cn-1", Number: "RINV/cn-1", Type: TypeCreditNote, Problems: []Problem{unappliedProblem("cn-1", "inv-1", "a name that 2 invoices of the order share")}},
					{Name: "inv-1", Number: "INV/inv-1", DueDate: "2024-05-16", Type: TypeInvoice, Problems: []Problem{duplicateProblem}},
					{Name: "inv-1", Number: "INV/inv-1", DueDate: "2024-06-05", Type: TypeInvoice, Problems: []Problem{duplicateProblem}},
				},
				Problems: []Problem{unappliedProblem("cn-1", "inv-1", "a name that 2 invoices of the order share"), duplicateProblem, duplicateProblem},
			},
		},
		{
			name: "credit_notes_only_not_invoiced",
			invoices: []Invoice{
				creditNote("cn-1", "40.00", ""),
			},
			want: Result{
				Today: "2024-06-15", CollectionState: CollectionNotInvoiced,
				AmountInvoiced: "0.00", AmountDue: "0.00", AmountOverdue: "0.00",
				Tier: "small", RiskLevel: LevelNone,
				Invoices: []InvoiceResult{credited("cn-1", "40.00", "0.00", PaymentNotPaid)},
			},
		},
		{
			name: "draft_ignored",
			invoices: []Invoice{
				// A draft counts for nothing, so its amounts are not checked.
				func() Invoice {
					inv := posted("inv-1", "2024-02-16", "not a number")
					inv.State = StateDraft
					return inv
				}(),
			},
			want: Result{
				Today: "2024-06-15", CollectionState: CollectionNotInvoiced,
				AmountInvoiced: "0.00", AmountDue: "0.00", AmountOverdue: "0.00",
				Tier: "small", RiskLevel: LevelNone,
				Invoices: []InvoiceResult{
					{Name: "inv-1", Number: "INV/inv-1", DueDate: "2024-02-16", Type: TypeInvoice, PaymentState: PaymentDraft},
				},
			},
		},
		{
			name: "empty_type_and_state_default",
			invoices: []Invoice{
				{Name: "inv-1", Number: "INV/inv-1", Currency: "EUR", DueDate: "2024-06-14", AmountTotal: "100.00"},
			},
			want: Result{
				Today: "2024-06-15", CollectionState: CollectionOverdue,
				AmountInvoiced: "100.00", AmountDue: "100.00", AmountOverdue: "100.00",
				OldestDueDate: "2024-06-14", OverdueDays: 1, Tier: "small", RiskLevel: LevelNone,
				Invoices: []InvoiceResult{open("inv-1", "2024-06-14", "100.00", "100.00", "100.00", "0.00", 1, PaymentNotPaid)},
			},
		},
		{
			name: "installments_partly_paid",
			// 150 paid settles the first installment and half the second.
			// The first would be 40 days overdue, but it is paid.
			invoices: []Invoice{
				func() Invoice {
					inv := paid(posted("inv-1", "2024-07-05", "300.00"), "150.00")
					inv.Installments = []Installment{
						{DueDate: "2024-07-05", Amount: "100.00"},
						{DueDate: "2024-05-06", Amount: "100.00"},
						{DueDate: "2024-06-05", Amount: "100.00"},
					}
					return inv
				}(),
			},
			want: Result{
				Today: "2024-06-15", CollectionState: CollectionOverdue,
				AmountInvoiced: "300.00", AmountDue: "150.00", AmountOverdue: "50.00",
				OldestDueDate: "2024-06-05", OverdueDays: 10, Tier: "small", RiskLevel: LevelNone,
				Invoices: []InvoiceResult{{
					Name: "inv-1", Number: "INV/inv-1", DueDate: "2024-07-05", Type: TypeInvoice,
					Counted: true, PaymentState: PaymentPartial,
					AmountDue: "150.00", AmountOverdue: "50.00", AmountCredited: "0.00",
					OldestDueDate: "2024-06-05", OverdueDays: 10,
					Installments: []InstallmentResult{
						{DueDate: "2024-05-06", Amount: "100.00", AmountOpen: "0.00"},
						{DueDate: "2024-06-05", Amount: "100.00", AmountOpen: "50.00", OverdueDays: 10},
						{DueDate: "2024-07-05", Amount: "100.00", AmountOpen: "100.00"},
					},
				}},
			},
		},
		{
			name: "installments_credited_after_payment",
			// Payments and the credit note both settle the oldest
			// installment first: 60 paid and 70 credited leave 70 open on
			// the last one.
			invoices: []Invoice{
				func() Invoice {
					inv := paid(posted("inv-1", "2024-07-05", "200.00"), "60.00")
					inv.Installments = []Installment{
						{DueDate: "2024-05-16", Amount: "100.00"},
						{DueDate: "2024-07-05", Amount: "100.00"},
					}
					return inv
				}(),
				creditNote("cn-1", "70.00", "inv-1"),
			},
			want: Result{
				Today: "2024-06-15", CollectionState: CollectionNotDue,
				AmountInvoiced: "130.00", AmountDue: "70.00", AmountOverdue: "0.00",
				OldestDueDate: "2024-07-05", Tier: "small", RiskLevel: LevelNone,
				Invoices: []InvoiceResult{
					credited("cn-1", "0.00", "70.00", PaymentPaid),
					{
						Name: "inv-1", Number: "INV/inv-1", DueDate: "2024-07-05", Type: TypeInvoice,
						Counted: true, PaymentState: PaymentPartial,
						AmountDue: "70.00", AmountOverdue: "0.00", AmountCredited: "70.00",
						OldestDueDate: "2024-07-05",
						Installments: []InstallmentResult{
							{DueDate: "2024-05-16", Amount: "100.00", AmountOpen: "0.00"},
							{DueDate: "2024-07-05", Amount: "100.00", AmountOpen: "70.00"},
						},
					},
				},
			},
		},
		{
			name: "invoice_in_other_currency",
			invoices: []Invoice{
				posted("inv-1", "2024-05-16", "100.00"),
				func() Invoice { inv := posted("inv-7", "2024-02-16", "500.00"); inv.Currency = "USD"; return inv }(),
			},
			want: Result{
				Today: "2024-06-15", CollectionState: CollectionOverdue,
				AmountInvoiced: "100.00", AmountDue: "100.00", AmountOverdue: "100.00",
				OldestDueDate: "2024-05-16", OverdueDays: 30, Tier: "small", RiskLevel: LevelLow,
				Invoices: []InvoiceResult{
					{Name: "inv-7", Number: "INV/inv-7", DueDate: "2024-02-16", Type: TypeInvoice, Problems: []Problem{currencyMismatchProblem}},
					open("inv-1", "2024-05-16", "100.00", "100.00", "100.00", "0.00", 30, PaymentNotPaid),
				},
				Problems: []Problem{currencyMismatchProblem},
			},
		},
		{
			name:  "order_in_other_currency_than_policy",
			order: &Order{Name: "so-42", Currency: "USD"},
			invoices: []Invoice{
				func() Invoice { inv := posted("inv-1", "2024-02-16", "500.00"); inv.Currency = "USD"; return inv }(),
			},
			want: Result{
				Today: "2024-06-15", CollectionState: CollectionOverdue,
				AmountInvoiced: "500.00", AmountDue: "500.00", AmountOverdue: "500.00",
				OldestDueDate: "2024-02-16", OverdueDays: 120,
				Invoices: []InvoiceResult{open("inv-1", "2024-02-16", "500.00", "500.00", "500.00", "0.00", 120, PaymentNotPaid)},
				Problems: []Problem{{
					Kind: KindSaleOrder, Name: "so-42", Field: "spec.currency", Value: "USD", Reason: ReasonCurrencyMismatch,
					Message: `spec.currency "USD" differs from the currency "EUR" of collection policy default, whose tiers are in EUR. The order gets no risk tier, no risk level and no email until the currencies match.`,
				}},
			},
		},
		{
			name:  "order_with_invalid_currency",
			order: &Order{Name: "so-42", Currency: "EURO"},
			invoices: []Invoice{
				posted("inv-1", "2024-05-16", "100.00"),
			},
			want: Result{
				Today: "2024-06-15", CollectionState: CollectionNotInvoiced,
				AmountInvoiced: "0", AmountDue: "0", AmountOverdue: "0",
				Invoices: []InvoiceResult{{
					Name: "inv-1", Number: "INV/inv-1", DueDate: "2024-05-16", Type: TypeInvoice,
					Problems: []Problem{orderCurrencyInvalidProblem},
				}},
				Problems: []Problem{
					{
						Kind: KindSaleOrder, Name: "so-42", Field: "spec.currency", Value: "EURO", Reason: ReasonInvalidCurrency,
						Message: `spec.currency: invalid currency code "EURO": use three upper-case letters such as "EUR". No invoice counts until the order's currency is valid.`,
					},
					orderCurrencyInvalidProblem,
				},
			},
		},
		{
			name:   "yen_has_no_fraction_digits",
			policy: yenPolicy,
			order:  &Order{Name: "so-42", Currency: "JPY"},
			invoices: []Invoice{
				func() Invoice {
					inv := paid(posted("inv-1", "2024-05-16", "150000"), "50000")
					inv.Currency = "JPY"
					return inv
				}(),
			},
			want: Result{
				Today: "2024-06-15", CollectionState: CollectionOverdue,
				AmountInvoiced: "150000", AmountDue: "100000", AmountOverdue: "100000",
				OldestDueDate: "2024-05-16", OverdueDays: 30, Tier: "small", RiskLevel: LevelLow,
				Invoices: []InvoiceResult{open("inv-1", "2024-05-16", "150000", "100000", "100000", "0", 30, PaymentPartial)},
			},
		},
		{
			name:   "yen_fraction_rejected",
			policy: yenPolicy,
			order:  &Order{Name: "so-42", Currency: "JPY"},
			invoices: []Invoice{
				func() Invoice { inv := posted("inv-1", "2024-05-16", "1000.50"); inv.Currency = "JPY"; return inv }(),
			},
			want: Result{
				Today: "2024-06-15", CollectionState: CollectionNotInvoiced,
				AmountInvoiced: "0", AmountDue: "0", AmountOverdue: "0",
				Tier: "small", RiskLevel: LevelNone,
				Invoices: []InvoiceResult{{
					Name: "inv-1", Number: "INV/inv-1", DueDate: "2024-05-16", Type: TypeInvoice,
					Problems: []Problem{yenFractionProblem},
				}},
				Problems: []Problem{yenFractionProblem},
			},
		},
		{
			name: "dinar_has_three_fraction_digits",
			policy: func(p *Policy) {
				p.Currency = "KWD"
				p.Tiers[1].MinAmount = "1000.000"
			},
			order: &Order{Name: "so-42", Currency: "KWD"},
			invoices: []Invoice{
				func() Invoice {
					inv := paid(posted("inv-1", "2024-06-14", "1.25"), "0.125")
					inv.Currency = "KWD"
					return inv
				}(),
			},
			want: Result{
				Today: "2024-06-15", CollectionState: CollectionOverdue,
				AmountInvoiced: "1.250", AmountDue: "1.125", AmountOverdue: "1.125",
				OldestDueDate: "2024-06-14", OverdueDays: 1, Tier: "small", RiskLevel: LevelNone,
				Invoices: []InvoiceResult{open("inv-1", "2024-06-14", "1.250", "1.125", "1.125", "0.000", 1, PaymentPartial)},
			},
		},
		{
			name: "leap_day_counts",
			now:  time.Date(2024, 3, 1, 9, 0, 0, 0, time.UTC),
			invoices: []Invoice{
				posted("inv-1", "2024-02-28", "100.00"),
				posted("inv-2", "2024-02-29", "100.00"),
			},
			want: Result{
				Today: "2024-03-01", CollectionState: CollectionOverdue,
				AmountInvoiced: "200.00", AmountDue: "200.00", AmountOverdue: "200.00",
				OldestDueDate: "2024-02-28", OverdueDays: 2, Tier: "small", RiskLevel: LevelNone,
				Invoices: []InvoiceResult{
					open("inv-1", "2024-02-28", "100.00", "100.00", "100.00", "0.00", 2, PaymentNotPaid),
					open("inv-2", "2024-02-29", "100.00", "100.00", "100.00", "0.00", 1, PaymentNotPaid),
				},
			},
		},
		{
			name:     "leap_day_in_common_year_rejected",
			now:      time.Date(2023, 3, 1, 9, 0, 0, 0, time.UTC),
			invoices: []Invoice{posted("inv-1", "2023-02-29", "100.00")},
			want: Result{
				Today: "2023-03-01", CollectionState: CollectionNotInvoiced,
				AmountInvoiced: "0.00", AmountDue: "0.00", AmountOverdue: "0.00",
				Tier: "small", RiskLevel: LevelNone,
				Invoices: []InvoiceResult{{
					Name: "inv-1", Number: "INV/inv-1", DueDate: "2023-02-29", Type: TypeInvoice,
					Problems: []Problem{leapDayProblem},
				}},
				Problems: []Problem{leapDayProblem},
			},
		},
		zoneCase("zone_ahead_local_date_later", "Asia/Tokyo", time.Date(2024, 6, 14, 20, 0, 0, 0, time.UTC), "2024-06-15", 1),
		zoneCase("zone_ahead_same_utc_date_before_1500", "Asia/Tokyo", time.Date(2024, 6, 14, 14, 59, 0, 0, time.UTC), "2024-06-14", 0),
		zoneCase("zone_behind_local_date_earlier", "America/Los_Angeles", time.Date(2024, 6, 15, 3, 0, 0, 0, time.UTC), "2024-06-14", 0),
		zoneCase("zone_behind_after_local_midnight", "America/Los_Angeles", time.Date(2024, 6, 15, 7, 0, 0, 0, time.UTC), "2024-06-15", 1),
		// Europe/Berlin: 2024-03-31 has 23 hours and 2024-10-27 has 25.
		// Overdue days count calendar dates, not 24-hour periods.
		zoneDueCase("berlin_spring_forward_before_midnight", "Europe/Berlin", "2024-03-30", time.Date(2024, 3, 31, 21, 59, 0, 0, time.UTC), "2024-03-31", 1),
		zoneDueCase("berlin_spring_forward_after_midnight", "Europe/Berlin", "2024-03-30", time.Date(2024, 3, 31, 22, 0, 0, 0, time.UTC), "2024-04-01", 2),
		zoneDueCase("berlin_fall_back_before_midnight", "Europe/Berlin", "2024-10-26", time.Date(2024, 10, 27, 22, 59, 0, 0, time.UTC), "2024-10-27", 1),
		zoneDueCase("berlin_fall_back_after_midnight", "Europe/Berlin", "2024-10-26", time.Date(2024, 10, 27, 23, 0, 0, 0, time.UTC), "2024-10-28", 2),
		// America/New_York: 2024-03-10 has 23 hours and 2024-11-03 has 25.
		zoneDueCase("new_york_spring_forward_before_midnight", "America/New_York", "2024-03-09", time.Date(2024, 3, 11, 3, 59, 0, 0, time.UTC), "2024-03-10", 1),
		zoneDueCase("new_york_spring_forward_after_midnight", "America/New_York", "2024-03-09", time.Date(2024, 3, 11, 4, 0, 0, 0, time.UTC), "2024-03-11", 2),
		zoneDueCase("new_york_fall_back_before_midnight", "America/New_York", "2024-11-02", time.Date(2024, 11, 4, 4, 59, 0, 0, time.UTC), "2024-11-03", 1),
		zoneDueCase("new_york_fall_back_after_midnight", "America/New_York", "2024-11-02", time.Date(2024, 11, 4, 5, 0, 0, 0, time.UTC), "2024-11-04", 2),
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			policy := testPolicy()
			if tt.policy != nil {
				tt.policy(&policy)
			}
			order := testOrder
			if tt.order != nil {
				order = *tt.order
			}
			now := tt.now
			if now.IsZero() {
				now = testNow
			}

			for _, invoices := range permutations(tt.invoices) {
				got, err := Evaluate(policy, order, invoices, now)
				if err != nil {
					t.Fatalf("Evaluate error = %v", err)
				}
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Fatalf("Evaluate with invoices %v: result mismatch (-want +got):\n%s", names(invoices), diff)
				}
			}
		})
	}
}

// permutations returns the list as given, reversed and rotated by one, so
// that every case also checks that the input order does not matter.
func permutations(invoices []Invoice) [][]Invoice {
	reversed := slices.Clone(invoices)
	slices.Reverse(reversed)
	rotated := slices.Clone(invoices)
	if len(rotated) > 1 {
		rotated = append(rotated[1:], rotated[0])
	}
	return [][]Invoice{invoices, reversed, rotated}
}

func names(invoices []Invoice) []string {
	out := make([]string, len(invoices))
	for i, inv := range invoices {
		out[i] = inv.Name
	}
	return out
}

// thresholdCase is an order with one unpaid invoice of 100.00, in the small
// tier (low 30, medium 60, high 90), due days before testNow.
func thresholdCase(name, dueDate string, days int32, level RiskLevel) evaluateCase {
	return evaluateCase{
		name:     name,
		invoices: []Invoice{posted("inv-1", dueDate, "100.00")},
		want: Result{
			Today: "2024-06-15", CollectionState: CollectionOverdue,
			AmountInvoiced: "100.00", AmountDue: "100.00", AmountOverdue: "100.00",
			OldestDueDate: dueDate, OverdueDays: days, Tier: "small", RiskLevel: level,
			Invoices: []InvoiceResult{open("inv-1", dueDate, "100.00", "100.00", "100.00", "0.00", days, PaymentNotPaid)},
		},
	}
}

// zoneCase is an invoice due 2024-06-14 evaluated at now in zone, where the
// local date is today.
func zoneCase(name, zone string, now time.Time, today string, days int32) evaluateCase {
	return zoneDueCase(name, zone, "2024-06-14", now, today, days)
}

func zoneDueCase(name, zone, dueDate string, now time.Time, today string, days int32) evaluateCase {
	state := CollectionNotDue
	overdue := "0.00"
	if days > 0 {
		state = CollectionOverdue
		overdue = "100.00"
	}
	return evaluateCase{
		name:     name,
		policy:   func(p *Policy) { p.TimeZone = zone },
		now:      now,
		invoices: []Invoice{posted("inv-1", dueDate, "100.00")},
		want: Result{
			Today: today, CollectionState: state,
			AmountInvoiced: "100.00", AmountDue: "100.00", AmountOverdue: overdue,
			OldestDueDate: dueDate, OverdueDays: days, Tier: "small", RiskLevel: LevelNone,
			Invoices: []InvoiceResult{open("inv-1", dueDate, "100.00", "100.00", overdue, "0.00", days, PaymentNotPaid)},
		},
	}
}

func yenPolicy(p *Policy) {
	p.Currency = "JPY"
	p.Tiers[1].MinAmount = "1000000"
}

func unappliedProblem(creditNote, reversed, targetDescription string) Problem {
	return Problem{
		Kind: KindInvoice, Name: creditNote, Field: "spec.reversedInvoiceRef.name", Value: reversed,
		Reason:  ReasonUnappliedCreditNote,
		Message: "invoice " + creditNote + `: the credit note reverses invoice "` + reversed + `", ` + targetDescription + ", so the credit note is not applied. It is left out of every sum.",
	}
}

var (
	currencyMismatchProblem = Problem{
		Kind: KindInvoice, Name: "inv-7", Field: "spec.currency", Value: "USD", Reason: ReasonCurrencyMismatch,
		Message: `invoice inv-7: spec.currency "USD" differs from the order's currency "EUR". It is left out of every sum. Correct the currency of the invoice or of the order so that they match.`,
	}
	orderCurrencyInvalidProblem = Problem{
		Kind: KindInvoice, Name: "inv-1", Field: "spec.currency", Value: "EUR", Reason: ReasonCurrencyMismatch,
		Message: `invoice inv-1: the order's currency "EURO" is invalid, so the invoice's currency "EUR" cannot be checked against it. It is left out of every sum.`,
	}
	yenFractionProblem = Problem{
		Kind: KindInvoice, Name: "inv-1", Field: "spec.amountTotal", Value: "1000.50", Reason: ReasonInvalidAmount,
		Message: `invoice inv-1: spec.amountTotal: invalid amount "1000.50": JPY has no minor unit, so the amount must be a whole number such as "12500". It is left out of every sum.`,
	}
	inv2PrecisionProblem = Problem{
		Kind: KindInvoice, Name: "inv-2", Field: "spec.amountTotal", Value: "12.345", Reason: ReasonInvalidAmount,
		Message: `invoice inv-2: spec.amountTotal: invalid amount "12.345": EUR allows at most 2 fraction digits. It is left out of every sum.`,
	}
	duplicateProblem = Problem{
		Kind: KindInvoice, Name: "inv-1", Field: "metadata.name", Value: "inv-1", Reason: ReasonInvalidDocument,
		Message: `invoice inv-1: 2 invoices of the order have this name, so a credit note cannot tell them apart. It is left out of every sum.`,
	}
	leapDayProblem = Problem{
		Kind: KindInvoice, Name: "inv-1", Field: "spec.dueDate", Value: "2023-02-29", Reason: ReasonInvalidDate,
		Message: `invoice inv-1: spec.dueDate: invalid date "2023-02-29": 2023-02 has days 01 to 28. It is left out of every sum.`,
	}
)
