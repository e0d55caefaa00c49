package risk

import (
	"cmp"
	"slices"
	"time"

	"github.com/overdue-dev/overdue-operator/internal/money"
)

// Evaluate computes the collection status of order from its invoices at the
// instant now. It compiles p first, and returns a *PolicyError if p cannot
// be used at all. Every defect of the order or its invoices is reported in
// Result.Problems instead. To evaluate many orders under one policy, call
// CompilePolicy once and then CompiledPolicy.Evaluate.
func Evaluate(p Policy, order Order, invoices []Invoice, now time.Time) (Result, error) {
	compiled, err := CompilePolicy(p)
	if err != nil {
		return Result{}, err
	}
	return compiled.Evaluate(order, invoices, now), nil
}

// evaluation is the state of one CompiledPolicy.Evaluate call.
type evaluation struct {
	policy   *CompiledPolicy
	order    *Order
	currency money.Currency // the order's, or zero when it is invalid
	today    date

	documents []*document
	byName    map[string]*document
	nameCount map[string]int

	// invoiced is the order's invoiced amount, set by summarize.
	invoiced money.Amount
}

// Evaluate computes the collection status of order from its invoices at the
// instant now, with the rules of the package documentation. It does not
// modify its arguments, and its result does not depend on the order of
// invoices.
func (p *CompiledPolicy) Evaluate(order Order, invoices []Invoice, now time.Time) Result {
	e := &evaluation{
		policy:    p,
		order:     &order,
		today:     dateOf(now.In(p.location)),
		byName:    make(map[string]*document, len(invoices)),
		nameCount: make(map[string]int, len(invoices)),
	}
	result := Result{Today: e.today.String()}

	result.Problems = e.checkOrder()
	rated := !e.currency.IsZero() && e.currency == p.currency

	e.load(invoices, &result)
	e.applyPaymentsAndCredits()
	e.roundOpenAmounts()
	e.summarize(&result)

	if rated {
		tier := p.tierFor(e.invoiced)
		result.Tier = tier.name
		result.RiskLevel = tier.level(result.OverdueDays)
	}

	for i := range result.Invoices {
		result.Problems = append(result.Problems, result.Invoices[i].Problems...)
	}
	return result
}

// checkOrder parses the order's currency. An order in another currency than
// its policy's still gets amounts and a collection state, but no tier and
// no level, because the tiers' amounts are in the policy's currency.
func (e *evaluation) checkOrder() []Problem {
	currency, err := money.ParseCurrency(e.order.Currency)
	if err != nil {
		return []Problem{orderProblem(e.order, "spec.currency", e.order.Currency, ReasonInvalidCurrency,
			"spec.currency: %v. No invoice counts until the order's currency is valid.", err)}
	}
	e.currency = currency

	if currency != e.policy.currency {
		policy := "the collection policy"
		if e.policy.name != "" {
			policy = "collection policy " + e.policy.name
		}
		return []Problem{orderProblem(e.order, "spec.currency", e.order.Currency, ReasonCurrencyMismatch,
			"spec.currency %q differs from the currency %q of %s, whose tiers are in %s. The order gets no risk tier, no risk level and no email until the currencies match.",
			e.order.Currency, e.policy.currency.Code(), policy, e.policy.currency.Code())}
	}
	return nil
}

// load sorts the invoices, admits each one and links the credit notes to the
// invoices they reverse. result.Invoices gets one entry per invoice.
func (e *evaluation) load(invoices []Invoice, result *Result) {
	sorted := sortInvoices(invoices)
	result.Invoices = make([]InvoiceResult, len(sorted))
	e.documents = make([]*document, len(sorted))

	for i, in := range sorted {
		e.nameCount[in.Name]++
		result.Invoices[i] = InvoiceResult{Name: in.Name, Number: in.Number, DueDate: in.DueDate}
		d := &document{input: in, result: &result.Invoices[i]}
		e.documents[i] = d
		e.byName[in.Name] = d
	}

	for _, d := range e.documents {
		e.admit(d)
	}
	for _, d := range e.documents {
		e.linkCreditNote(d)
	}
}

// applyPaymentsAndCredits settles the installments. Payments settle their
// own invoice's installments, oldest due date first. A credit note settles
// the invoice it reverses the same way, and the credit left over, or all of
// it for a credit note that reverses no invoice, settles the open
// installments of all invoices, oldest due date first. A credit note's
// refunded amount (its amountPaid) is not available as credit.
func (e *evaluation) applyPaymentsAndCredits() {
	var open []*installment
	for _, d := range e.documents {
		if !d.counted || d.creditNote {
			continue
		}
		settle(d.installments, d.paid, false)
		open = append(open, d.installments...)
	}

	for _, d := range e.documents {
		if d.counted && d.target != nil {
			d.credited = settle(d.target.installments, d.total.Sub(d.paid), true)
		}
	}

	// open keeps the invoices' sorted order, which ties equal due dates.
	slices.SortStableFunc(open, func(a, b *installment) int { return cmp.Compare(a.due, b.due) })
	for _, d := range e.documents {
		if !d.counted || !d.creditNote {
			continue
		}
		unapplied := d.total.Sub(d.paid).Sub(d.credited)
		if unapplied.IsPositive() {
			d.credited = d.credited.Add(settle(open, unapplied, true))
		}
	}
}

// settle reduces the open amounts of installments, in order, by at most
// amount in total and returns the amount used. A credit also adds to the
// credited amount of the installment's invoice.
func settle(installments []*installment, amount money.Amount, credit bool) money.Amount {
	remaining := amount
	for _, inst := range installments {
		if !remaining.IsPositive() {
			break
		}
		if !inst.open.IsPositive() {
			continue
		}
		used := money.Min(inst.open, remaining)
		inst.open = inst.open.Sub(used)
		remaining = remaining.Sub(used)
		if credit {
			inst.owner.credited = inst.owner.credited.Add(used)
		}
	}
	return amount.Sub(remaining)
}

// roundOpenAmounts rounds every open amount to the currency's minor unit, so
// that a residue below half a minor unit counts as paid. Amounts that pass
// validation have no digits beyond the minor unit and only ever get added
// and subtracted, so this changes nothing for them.
func (e *evaluation) roundOpenAmounts() {
	for _, d := range e.documents {
		for _, inst := range d.installments {
			inst.open = e.currency.Round(inst.open)
		}
	}
}

// summarize fills the per-invoice results and the order's totals.
func (e *evaluation) summarize(result *Result) {
	var (
		invoiced, credits, due, overdue money.Amount
		oldest                          date
		hasOpen, hasInvoice             bool
	)
	for _, d := range e.documents {
		if !d.counted {
			continue
		}
		if d.creditNote {
			e.summarizeCreditNote(d)
			credits = credits.Add(d.total)
			continue
		}

		hasInvoice = true
		invoiced = invoiced.Add(d.total)
		invoice := e.summarizeInvoice(d)
		due = due.Add(invoice.due)
		overdue = overdue.Add(invoice.overdue)
		result.OverdueDays = max(result.OverdueDays, d.result.OverdueDays)
		if invoice.hasOpen && (!hasOpen || invoice.oldest < oldest) {
			oldest, hasOpen = invoice.oldest, true
		}
	}

	e.invoiced = money.Max(invoiced.Sub(credits), money.Amount{})
	result.AmountInvoiced = e.currency.Format(e.invoiced)
	result.AmountDue = e.currency.Format(due)
	result.AmountOverdue = e.currency.Format(overdue)
	if hasOpen {
		result.OldestDueDate = oldest.String()
	}

	switch {
	case !hasInvoice:
		result.CollectionState = CollectionNotInvoiced
	case due.IsZero():
		result.CollectionState = CollectionPaid
	case result.OverdueDays > 0:
		result.CollectionState = CollectionOverdue
	default:
		result.CollectionState = CollectionNotDue
	}
}

type invoiceTotals struct {
	due, overdue money.Amount
	oldest       date
	hasOpen      bool
}

// summarizeInvoice fills the result of a counted invoice. An installment is
// overdue while an amount is open and today is after its due date, so an
// installment due today is not overdue.
func (e *evaluation) summarizeInvoice(d *document) invoiceTotals {
	var totals invoiceTotals
	r := d.result
	r.Counted = true
	r.Installments = make([]InstallmentResult, len(d.installments))

	for i, inst := range d.installments {
		ir := InstallmentResult{
			DueDate:    inst.due.String(),
			Amount:     e.currency.Format(inst.amount),
			AmountOpen: e.currency.Format(inst.open),
		}
		if inst.open.IsPositive() {
			totals.due = totals.due.Add(inst.open)
			if !totals.hasOpen || inst.due < totals.oldest {
				totals.oldest, totals.hasOpen = inst.due, true
			}
			if e.today > inst.due {
				ir.OverdueDays = e.today.daysSince(inst.due)
				totals.overdue = totals.overdue.Add(inst.open)
				r.OverdueDays = max(r.OverdueDays, ir.OverdueDays)
			}
		}
		r.Installments[i] = ir
	}

	r.AmountDue = e.currency.Format(totals.due)
	r.AmountOverdue = e.currency.Format(totals.overdue)
	r.AmountCredited = e.currency.Format(d.credited)
	if totals.hasOpen {
		r.OldestDueDate = totals.oldest.String()
	}
	r.PaymentState = paymentState(totals.due, d.total)
	return totals
}

// summarizeCreditNote fills the result of a counted credit note, whose
// amount due is the credit that is neither refunded nor applied.
func (e *evaluation) summarizeCreditNote(d *document) {
	r := d.result
	unapplied := e.currency.Round(d.total.Sub(d.paid).Sub(d.credited))
	r.Counted = true
	r.AmountDue = e.currency.Format(unapplied)
	r.AmountOverdue = e.currency.Format(money.Amount{})
	r.AmountCredited = e.currency.Format(d.credited)
	r.PaymentState = paymentState(unapplied, d.total)
}

func paymentState(open, total money.Amount) PaymentState {
	switch {
	case open.IsZero():
		return PaymentPaid
	case open.Cmp(total) >= 0:
		return PaymentNotPaid
	default:
		return PaymentPartial
	}
}

// tierFor returns the tier with the largest minimum amount that is at most
// invoiced. The first tier starts at zero and invoiced is never negative, so
// there always is one.
func (p *CompiledPolicy) tierFor(invoiced money.Amount) compiledTier {
	tier := p.tiers[0]
	for _, candidate := range p.tiers[1:] {
		if candidate.minAmount.Cmp(invoiced) > 0 {
			break
		}
		tier = candidate
	}
	return tier
}

// level returns the highest level whose overdue days are at most days. The
// level depends on today's overdue days only, never on the level before, so
// an order first computed at 120 days overdue with high at 90 is High at
// once.
func (t compiledTier) level(days int32) RiskLevel {
	switch {
	case days >= t.high:
		return LevelHigh
	case days >= t.medium:
		return LevelMedium
	case days >= t.low:
		return LevelLow
	default:
		return LevelNone
	}
}
