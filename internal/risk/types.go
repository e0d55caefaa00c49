package risk

// Policy is the part of a CollectionPolicy spec that the computation uses.
// Money and time fields are strings, as the API carries them.
type Policy struct {
	// Name is the CollectionPolicy's object name, used in messages only.
	Name string
	// Currency is the ISO 4217 code of every amount in the policy.
	Currency string
	// TimeZone is the IANA zone that decides what today is. Empty means UTC.
	TimeZone string
	// RefreshTime is the local HH:MM of the daily refresh. Empty means
	// "00:00". The computation only validates it, and the caller schedules
	// the refresh with package schedule.
	RefreshTime string
	// Tiers are the amount tiers in strictly ascending order of MinAmount.
	Tiers []Tier
}

// Tier is an amount tier with the overdue days at which each risk level
// starts.
type Tier struct {
	// Name is the tier's name, a DNS label.
	Name string
	// MinAmount is the inclusive lower bound of the order's invoiced amount,
	// a decimal string in the policy's currency.
	MinAmount string
	// Low, Medium and High are the overdue days, in calendar days, at which
	// the levels Low, Medium and High start (spec riskDays.low, .medium and
	// .high). 1 <= Low < Medium < High.
	Low, Medium, High int32
}

// Order is the part of a SaleOrder that the computation uses.
type Order struct {
	// Name is the SaleOrder's object name, used in messages only.
	Name string
	// Currency is the order's ISO 4217 code. Only invoices in this currency
	// count.
	Currency string
}

// Invoice document types and states, as the Invoice spec spells them.
const (
	TypeInvoice    = "Invoice"
	TypeCreditNote = "CreditNote"

	StateDraft     = "Draft"
	StatePosted    = "Posted"
	StateCancelled = "Cancelled"
)

// Invoice is an Invoice object: an invoice or a credit note of the order.
type Invoice struct {
	// Name is the Invoice's object name. Credit notes refer to invoices by it.
	Name string
	// Number is the invoice number people use. It is copied to the result.
	Number string
	// Type is TypeInvoice or TypeCreditNote. Empty means TypeInvoice.
	Type string
	// State is StateDraft, StatePosted or StateCancelled. Empty means
	// StatePosted. Only posted documents count.
	State string
	// Currency is the ISO 4217 code, which must equal the order's.
	Currency string
	// InvoiceDate is the optional YYYY-MM-DD date of the document.
	InvoiceDate string
	// DueDate is the YYYY-MM-DD due date, required for an invoice and not
	// used for a credit note.
	DueDate string
	// AmountTotal is the document's total, a decimal greater than zero.
	AmountTotal string
	// AmountPaid is the amount paid, at most AmountTotal. Empty means "0".
	// On an invoice it is the payments received. On a credit note it is the
	// part of the credit refunded to the customer, which is therefore not
	// available to reduce invoices.
	AmountPaid string
	// Installments split an invoice's total over several due dates. Their
	// amounts sum to AmountTotal. Credit notes ignore them.
	Installments []Installment
	// ReversedInvoice is, for a credit note, the name of the invoice it
	// reverses. Empty means the credit goes to the order's open invoices.
	ReversedInvoice string
}

// Installment is one part of an invoice's total with its own due date.
type Installment struct {
	DueDate string // YYYY-MM-DD
	Amount  string // decimal greater than zero
}

// CollectionState is the collection stage of an order.
type CollectionState string

const (
	// CollectionNotInvoiced means that no posted invoice of the order counts.
	CollectionNotInvoiced CollectionState = "NotInvoiced"
	// CollectionNotDue means that amounts are open but none is overdue.
	CollectionNotDue CollectionState = "NotDue"
	// CollectionOverdue means that at least one open installment is overdue.
	CollectionOverdue CollectionState = "Overdue"
	// CollectionPaid means that every counted invoice is paid or credited.
	CollectionPaid CollectionState = "Paid"
)

// RiskLevel is the collection risk level of an order.
type RiskLevel string

const (
	LevelNone   RiskLevel = "None"
	LevelLow    RiskLevel = "Low"
	LevelMedium RiskLevel = "Medium"
	LevelHigh   RiskLevel = "High"
)

// Rank orders the levels for comparison: None 0, Low 1, Medium 2, High 3.
// Any other value, including the empty level of an order without a level,
// ranks 0 like None.
func (l RiskLevel) Rank() int {
	switch l {
	case LevelLow:
		return 1
	case LevelMedium:
		return 2
	case LevelHigh:
		return 3
	default:
		return 0
	}
}

// PaymentState is the payment state of one invoice or credit note.
type PaymentState string

const (
	// PaymentNotPaid means that nothing of the document is settled.
	PaymentNotPaid PaymentState = "NotPaid"
	// PaymentPartial means that part of the document is settled.
	PaymentPartial PaymentState = "Partial"
	// PaymentPaid means that the document is settled in full.
	PaymentPaid PaymentState = "Paid"
	// PaymentDraft marks a draft document, which does not count.
	PaymentDraft PaymentState = "Draft"
	// PaymentCancelled marks a cancelled document, which does not count.
	PaymentCancelled PaymentState = "Cancelled"
)

// Result is the computed collection status of one order. Amounts are
// decimal strings with exactly the order currency's fraction digits, and
// dates are YYYY-MM-DD.
type Result struct {
	// Today is the calendar date in the policy's time zone at "now".
	Today string
	// CollectionState is NotInvoiced, NotDue, Overdue or Paid.
	CollectionState CollectionState
	// AmountInvoiced is the total of the counted invoices less the total of
	// the counted credit notes, and never below zero.
	AmountInvoiced string
	// AmountDue is the sum of the amounts open on all installments.
	AmountDue string
	// AmountOverdue is the sum of the amounts open on overdue installments.
	AmountOverdue string
	// OldestDueDate is the earliest due date of an open installment, or ""
	// when nothing is open.
	OldestDueDate string
	// OverdueDays is the largest number of calendar days that an open
	// installment is overdue, or 0.
	OverdueDays int32
	// Tier is the name of the policy tier for AmountInvoiced. It is empty
	// when the order's currency is not the policy's.
	Tier string
	// RiskLevel is the level for OverdueDays in Tier. It is empty, which
	// means no level and no email, when the order's currency is not the
	// policy's.
	RiskLevel RiskLevel
	// Invoices has one entry for every input invoice, sorted by due date and
	// then by name.
	Invoices []InvoiceResult
	// Problems lists the defects found in the order and its invoices. The
	// order's problems come first, then those of each invoice in the order of
	// Invoices.
	Problems []Problem
}

// OverdueInvoices returns the invoices that have an overdue installment, in
// the order of Invoices, for example to list them in an email.
func (r Result) OverdueInvoices() []InvoiceResult {
	var overdue []InvoiceResult
	for _, invoice := range r.Invoices {
		if invoice.OverdueDays > 0 {
			overdue = append(overdue, invoice)
		}
	}
	return overdue
}

// InvoiceResult is the computed status of one invoice or credit note.
// Amounts use the order currency's fraction digits.
type InvoiceResult struct {
	// Name, Number and DueDate are copied from the input.
	Name    string
	Number  string
	DueDate string
	// Type is the document type, with an empty input type read as Invoice.
	Type string
	// Counted reports whether the document is part of the order's sums. It
	// is false for drafts, cancelled documents and documents with a problem.
	Counted bool
	// PaymentState is NotPaid, Partial or Paid for a counted document, Draft
	// or Cancelled for a document in that state, and empty for a document
	// left out because of a problem.
	PaymentState PaymentState
	// AmountDue is, for an invoice, the amount still open after payments and
	// credit notes. For a credit note it is the credit neither refunded nor
	// applied to an invoice, which the company still owes the customer. It
	// is empty when the document is not counted.
	AmountDue string
	// AmountOverdue is the part of an invoice's AmountDue that is overdue.
	// It is "0" for a credit note and empty when the document is not
	// counted.
	AmountOverdue string
	// AmountCredited is, for an invoice, the credit of credit notes applied
	// to it. For a credit note it is the part of its credit applied to
	// invoices. It is empty when the document is not counted.
	AmountCredited string
	// OldestDueDate is the earliest due date of the invoice's open
	// installments, or "" when none is open.
	OldestDueDate string
	// OverdueDays is the largest number of calendar days that an open
	// installment of the invoice is overdue, or 0.
	OverdueDays int32
	// Installments has the invoice's installments sorted by due date. An
	// invoice without installments has one, of AmountTotal at DueDate. It is
	// empty for credit notes and documents that are not counted.
	Installments []InstallmentResult
	// Problems lists the defects of this document. They are also in
	// Result.Problems.
	Problems []Problem
}

// InstallmentResult is the computed status of one installment.
type InstallmentResult struct {
	DueDate string
	Amount  string
	// AmountOpen is the part of Amount not settled by payments or credit
	// notes.
	AmountOpen string
	// OverdueDays is today minus DueDate in calendar days while an amount is
	// open and today is after DueDate, else 0.
	OverdueDays int32
}
