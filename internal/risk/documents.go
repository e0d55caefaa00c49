package risk

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/overdue-dev/overdue-operator/internal/money"
)

// leftOut ends the message of every problem that keeps a document out of the
// order's sums.
const leftOut = " It is left out of every sum."

// document is one input invoice or credit note during an evaluation.
type document struct {
	input  *Invoice
	result *InvoiceResult

	creditNote bool
	counted    bool // posted, valid and, for a credit note, applicable

	total money.Amount
	paid  money.Amount

	// installments are sorted by due date, then by position in the input.
	// Only invoices have them.
	installments []*installment

	// credited is, for an invoice, the credit received from credit notes
	// and, for a credit note, the credit given to invoices.
	credited money.Amount

	// target is the invoice that a credit note reverses, or nil.
	target *document
}

// installment is one due date and amount of an invoice.
type installment struct {
	owner    *document
	position int
	due      date
	amount   money.Amount
	open     money.Amount
}

// sortInvoices returns the invoices sorted by due date, then by name, then
// by every other field, so that the result never depends on the order of
// the input list, not even for two invoices with the same name.
func sortInvoices(invoices []Invoice) []*Invoice {
	sorted := make([]*Invoice, len(invoices))
	for i := range invoices {
		sorted[i] = &invoices[i]
	}
	slices.SortStableFunc(sorted, compareInvoices)
	return sorted
}

func compareInvoices(a, b *Invoice) int {
	if c := cmp.Compare(a.DueDate, b.DueDate); c != 0 {
		return c
	}
	if c := cmp.Compare(a.Name, b.Name); c != 0 {
		return c
	}
	// Names are unique among the objects of a namespace, so only invalid
	// input reaches the comparisons below.
	return cmp.Or(
		cmp.Compare(a.Number, b.Number),
		cmp.Compare(a.Type, b.Type),
		cmp.Compare(a.State, b.State),
		cmp.Compare(a.Currency, b.Currency),
		cmp.Compare(a.InvoiceDate, b.InvoiceDate),
		cmp.Compare(a.AmountTotal, b.AmountTotal),
		cmp.Compare(a.AmountPaid, b.AmountPaid),
		cmp.Compare(a.ReversedInvoice, b.ReversedInvoice),
		slices.CompareFunc(a.Installments, b.Installments, func(x, y Installment) int {
			return cmp.Or(cmp.Compare(x.DueDate, y.DueDate), cmp.Compare(x.Amount, y.Amount))
		}),
	)
}

func (e *evaluation) addProblem(d *document, problem Problem) {
	d.result.Problems = append(d.result.Problems, problem)
}

// admit decides whether the document counts and parses its amounts and
// dates. A draft or cancelled document is not counted and has no problem.
// A document with a problem is not counted either.
func (e *evaluation) admit(d *document) {
	in := d.input

	d.result.Type = cmp.Or(in.Type, TypeInvoice)
	switch d.result.Type {
	case TypeInvoice:
	case TypeCreditNote:
		d.creditNote = true
	default:
		e.addProblem(d, invoiceProblem(in, "spec.type", in.Type, ReasonInvalidDocument,
			"spec.type %q is neither %s nor %s."+leftOut, in.Type, TypeInvoice, TypeCreditNote))
		return
	}

	switch state := cmp.Or(in.State, StatePosted); state {
	case StateDraft:
		d.result.PaymentState = PaymentDraft
		return
	case StateCancelled:
		d.result.PaymentState = PaymentCancelled
		return
	case StatePosted:
	default:
		e.addProblem(d, invoiceProblem(in, "spec.state", in.State, ReasonInvalidDocument,
			"spec.state %q is not %s, %s or %s."+leftOut, in.State, StateDraft, StatePosted, StateCancelled))
		return
	}

	valid := true
	if count := e.nameCount[in.Name]; count > 1 {
		e.addProblem(d, invoiceProblem(in, "metadata.name", in.Name, ReasonInvalidDocument,
			"%d invoices of the order have this name, so a credit note cannot tell them apart."+leftOut, count))
		valid = false
	}
	if !e.checkCurrency(d) {
		// Without the currency the precision of the amounts is unknown.
		return
	}
	totalValid, paidValid := e.parseAmounts(d)
	valid = valid && totalValid && paidValid
	if !d.creditNote {
		valid = e.parseSchedule(d, totalValid) && valid
	}
	d.counted = valid
}

func (e *evaluation) checkCurrency(d *document) bool {
	in := d.input
	if e.currency.IsZero() {
		e.addProblem(d, invoiceProblem(in, "spec.currency", in.Currency, ReasonCurrencyMismatch,
			"the order's currency %q is invalid, so the invoice's currency %q cannot be checked against it."+leftOut, e.order.Currency, in.Currency))
		return false
	}
	if _, err := money.ParseCurrency(in.Currency); err != nil {
		e.addProblem(d, invoiceProblem(in, "spec.currency", in.Currency, ReasonInvalidCurrency,
			"spec.currency: %v."+leftOut, err))
		return false
	}
	if in.Currency != e.currency.Code() {
		e.addProblem(d, invoiceProblem(in, "spec.currency", in.Currency, ReasonCurrencyMismatch,
			"spec.currency %q differs from the order's currency %q."+leftOut+" Correct the currency of the invoice or of the order so that they match.",
			in.Currency, e.currency.Code()))
		return false
	}
	return true
}

// parseAmounts parses amountTotal and amountPaid and reports whether each
// is valid. An empty amountPaid is zero.
func (e *evaluation) parseAmounts(d *document) (totalValid, paidValid bool) {
	in := d.input

	total, err := e.currency.Parse(in.AmountTotal, money.Positive)
	totalValid = err == nil
	if !totalValid {
		e.addProblem(d, invoiceProblem(in, "spec.amountTotal", in.AmountTotal, ReasonInvalidAmount,
			"spec.amountTotal: %v."+leftOut, err))
	}
	d.total = total

	if in.AmountPaid == "" {
		return totalValid, true
	}
	paid, err := e.currency.Parse(in.AmountPaid, money.NonNegative)
	switch {
	case err != nil:
		e.addProblem(d, invoiceProblem(in, "spec.amountPaid", in.AmountPaid, ReasonInvalidAmount,
			"spec.amountPaid: %v."+leftOut, err))
		return totalValid, false
	case totalValid && paid.Cmp(total) > 0:
		e.addProblem(d, invoiceProblem(in, "spec.amountPaid", in.AmountPaid, ReasonInvalidAmount,
			"spec.amountPaid %q is greater than spec.amountTotal %q."+leftOut+" Record at most the total as paid.",
			in.AmountPaid, in.AmountTotal))
		return totalValid, false
	}
	d.paid = paid
	return totalValid, true
}

// parseSchedule parses the due dates and builds the installments of an
// invoice. totalValid is true when d.total parsed, so that the installments
// can be checked against it.
func (e *evaluation) parseSchedule(d *document, totalValid bool) bool {
	in := d.input
	valid := true

	var due date
	if in.DueDate == "" {
		e.addProblem(d, invoiceProblem(in, "spec.dueDate", "", ReasonInvalidDate,
			"spec.dueDate is required for an invoice."+leftOut))
		valid = false
	} else if parsed, err := parseDate(in.DueDate); err != nil {
		e.addProblem(d, invoiceProblem(in, "spec.dueDate", in.DueDate, ReasonInvalidDate,
			"spec.dueDate: %v."+leftOut, err))
		valid = false
	} else {
		due = parsed
	}

	if in.InvoiceDate != "" {
		invoiceDate, err := parseDate(in.InvoiceDate)
		switch {
		case err != nil:
			e.addProblem(d, invoiceProblem(in, "spec.invoiceDate", in.InvoiceDate, ReasonInvalidDate,
				"spec.invoiceDate: %v."+leftOut, err))
			valid = false
		case valid && due < invoiceDate:
			e.addProblem(d, invoiceProblem(in, "spec.dueDate", in.DueDate, ReasonInvalidDate,
				"spec.dueDate %q is earlier than spec.invoiceDate %q."+leftOut, in.DueDate, in.InvoiceDate))
			valid = false
		}
	}

	if len(in.Installments) == 0 {
		if valid && totalValid {
			d.installments = []*installment{{owner: d, due: due, amount: d.total, open: d.total}}
		}
		return valid
	}
	return e.parseInstallments(d, totalValid) && valid
}

func (e *evaluation) parseInstallments(d *document, totalValid bool) bool {
	in := d.input
	valid := true
	var sum money.Amount
	installments := make([]*installment, 0, len(in.Installments))

	for i, spec := range in.Installments {
		path := fmt.Sprintf("spec.installments[%d]", i)
		due, err := parseDate(spec.DueDate)
		if err != nil {
			e.addProblem(d, invoiceProblem(in, path+".dueDate", spec.DueDate, ReasonInvalidDate,
				"%s.dueDate: %v."+leftOut, path, err))
			valid = false
		}
		amount, err := e.currency.Parse(spec.Amount, money.Positive)
		if err != nil {
			e.addProblem(d, invoiceProblem(in, path+".amount", spec.Amount, ReasonInvalidAmount,
				"%s.amount: %v."+leftOut, path, err))
			valid = false
		}
		sum = sum.Add(amount)
		installments = append(installments, &installment{owner: d, position: i, due: due, amount: amount, open: amount})
	}

	if valid && totalValid && !sum.Equal(d.total) {
		e.addProblem(d, invoiceProblem(in, "spec.installments", e.currency.Format(sum), ReasonInvalidInstallments,
			"the amounts of spec.installments sum to %q, but spec.amountTotal is %q."+leftOut+" Make the installments add up to the total.",
			e.currency.Format(sum), in.AmountTotal))
		valid = false
	}
	if !valid {
		return false
	}

	slices.SortStableFunc(installments, func(a, b *installment) int { return cmp.Compare(a.due, b.due) })
	d.installments = installments
	return true
}

// linkCreditNote finds the invoice that a counted credit note reverses. A
// credit note whose invoice does not count is unapplied: it is left out of
// every sum, including the order's invoiced amount, so that a credit note
// with a wrong reference does not lower the amounts due of other invoices.
func (e *evaluation) linkCreditNote(d *document) {
	in := d.input
	name := in.ReversedInvoice
	if !d.creditNote || !d.counted || name == "" {
		return
	}

	var targetDescription string
	target := e.byName[name]
	switch {
	case e.nameCount[name] == 0:
		targetDescription = "which is not an invoice of this order"
	case e.nameCount[name] > 1:
		targetDescription = fmt.Sprintf("a name that %d invoices of the order share", e.nameCount[name])
	case target.creditNote:
		targetDescription = "which is a credit note itself"
	case target.result.PaymentState == PaymentDraft:
		targetDescription = "which is a draft"
	case target.result.PaymentState == PaymentCancelled:
		targetDescription = "which is cancelled"
	case !target.counted:
		targetDescription = "which is left out of the sums because of its own problems"
	default:
		d.target = target
		return
	}

	e.addProblem(d, invoiceProblem(in, "spec.reversedInvoiceRef.name", name, ReasonUnappliedCreditNote,
		"the credit note reverses invoice %q, %s, so the credit note is not applied."+leftOut, name, targetDescription))
	d.counted = false
}
