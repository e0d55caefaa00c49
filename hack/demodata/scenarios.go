package main

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	collectionsv1alpha1 "github.com/overdue-dev/overdue-operator/api/v1alpha1"
	"github.com/overdue-dev/overdue-operator/internal/money"
)

// Scenario is the shape of an order's invoices, such as a partly paid
// invoice or an invoice with installments. It is also the value of the
// order's demo.overdue.dev/scenario label.
type Scenario string

// The scenarios. Those marked "overdue" are built for a target risk level,
// which sets how many days their oldest open installment is overdue. The
// others always have the level None.
const (
	// ScenarioNotInvoiced has no invoice yet.
	ScenarioNotInvoiced Scenario = "not-invoiced"
	// ScenarioDraftOnly has only a draft invoice, which does not count.
	ScenarioDraftOnly Scenario = "draft-only"
	// ScenarioNotDue has an open invoice due in the coming weeks.
	ScenarioNotDue Scenario = "not-due"
	// ScenarioDueToday has an open invoice due today, which is not overdue.
	ScenarioDueToday Scenario = "due-today"
	// ScenarioPaid has an invoice paid in full.
	ScenarioPaid Scenario = "paid"
	// ScenarioFullCredit has an invoice that a credit note reverses in full.
	ScenarioFullCredit Scenario = "full-credit"
	// ScenarioUnpaid (overdue) has one invoice with nothing paid.
	ScenarioUnpaid Scenario = "unpaid"
	// ScenarioPartialPayment (overdue) has one invoice paid in part.
	ScenarioPartialPayment Scenario = "partial-payment"
	// ScenarioInstallments (overdue) has an invoice in two to four monthly
	// installments, of which the oldest may be paid.
	ScenarioInstallments Scenario = "installments"
	// ScenarioCreditNote (overdue) has an invoice that a credit note
	// reduces through reversedInvoiceRef.
	ScenarioCreditNote Scenario = "credit-note"
	// ScenarioUnassignedCredit (overdue) has two invoices and a credit note
	// without reversedInvoiceRef, which settles the oldest due date first.
	ScenarioUnassignedCredit Scenario = "unassigned-credit-note"
	// ScenarioCancelled (overdue) has a cancelled invoice and the posted
	// invoice that replaced it.
	ScenarioCancelled Scenario = "cancelled-and-reissued"
	// ScenarioDraftFollowUp (overdue) has a posted invoice and a draft for
	// the rest of the order.
	ScenarioDraftFollowUp Scenario = "draft-follow-up"
)

// paymentTermDays is the number of days between an invoice's date and its
// due date.
const paymentTermDays = 30

// showcaseEntry is a scenario with the level it is built for.
type showcaseEntry struct {
	scenario Scenario
	level    collectionsv1alpha1.RiskLevel
}

// showcase lists the first orders of every region, so that every scenario
// and every level appears whatever the seed.
var showcase = []showcaseEntry{
	{ScenarioUnpaid, collectionsv1alpha1.RiskLevelHigh},
	{ScenarioPartialPayment, collectionsv1alpha1.RiskLevelMedium},
	{ScenarioInstallments, collectionsv1alpha1.RiskLevelLow},
	{ScenarioCreditNote, collectionsv1alpha1.RiskLevelHigh},
	{ScenarioUnassignedCredit, collectionsv1alpha1.RiskLevelMedium},
	{ScenarioCancelled, collectionsv1alpha1.RiskLevelLow},
	{ScenarioDraftFollowUp, collectionsv1alpha1.RiskLevelHigh},
	{ScenarioUnpaid, collectionsv1alpha1.RiskLevelNone},
	{ScenarioNotDue, collectionsv1alpha1.RiskLevelNone},
	{ScenarioDueToday, collectionsv1alpha1.RiskLevelNone},
	{ScenarioPaid, collectionsv1alpha1.RiskLevelNone},
	{ScenarioFullCredit, collectionsv1alpha1.RiskLevelNone},
	{ScenarioNotInvoiced, collectionsv1alpha1.RiskLevelNone},
	{ScenarioDraftOnly, collectionsv1alpha1.RiskLevelNone},
	{ScenarioPartialPayment, collectionsv1alpha1.RiskLevelLow},
	{ScenarioInstallments, collectionsv1alpha1.RiskLevelHigh},
	{ScenarioUnpaid, collectionsv1alpha1.RiskLevelMedium},
	{ScenarioCreditNote, collectionsv1alpha1.RiskLevelLow},
}

// scenarioWeights are the relative frequencies of the scenarios after the
// showcase, chosen so that most orders have an open invoice.
var scenarioWeights = []struct {
	scenario Scenario
	weight   int
}{
	{ScenarioUnpaid, 20},
	{ScenarioPartialPayment, 20},
	{ScenarioInstallments, 12},
	{ScenarioCreditNote, 8},
	{ScenarioUnassignedCredit, 5},
	{ScenarioCancelled, 3},
	{ScenarioDraftFollowUp, 5},
	{ScenarioNotDue, 11},
	{ScenarioDueToday, 2},
	{ScenarioPaid, 8},
	{ScenarioFullCredit, 2},
	{ScenarioNotInvoiced, 3},
	{ScenarioDraftOnly, 1},
}

// levelWeights are the relative frequencies of the target levels of
// overdue scenarios after the showcase. None means overdue by fewer days
// than the tier's low threshold.
var levelWeights = []struct {
	level  collectionsv1alpha1.RiskLevel
	weight int
}{
	{collectionsv1alpha1.RiskLevelNone, 15},
	{collectionsv1alpha1.RiskLevelLow, 30},
	{collectionsv1alpha1.RiskLevelMedium, 30},
	{collectionsv1alpha1.RiskLevelHigh, 25},
}

// drawScenario returns a weighted random scenario with a weighted random
// target level, or None for a scenario that cannot be overdue.
func drawScenario(rng *rand.Rand) showcaseEntry {
	weights := make([]int, len(scenarioWeights))
	for i, w := range scenarioWeights {
		weights[i] = w.weight
	}
	scenario := scenarioWeights[pickWeighted(rng, weights)].scenario

	if !scenario.overdue() {
		return showcaseEntry{scenario: scenario, level: collectionsv1alpha1.RiskLevelNone}
	}
	weights = make([]int, len(levelWeights))
	for i, w := range levelWeights {
		weights[i] = w.weight
	}
	return showcaseEntry{scenario: scenario, level: levelWeights[pickWeighted(rng, weights)].level}
}

// overdue reports whether the scenario is built for a target level.
func (s Scenario) overdue() bool {
	switch s {
	case ScenarioUnpaid, ScenarioPartialPayment, ScenarioInstallments, ScenarioCreditNote,
		ScenarioUnassignedCredit, ScenarioCancelled, ScenarioDraftFollowUp:
		return true
	default:
		return false
	}
}

// description returns a few words on the scenario for the YAML comments.
func (s Scenario) description() string {
	switch s {
	case ScenarioNotInvoiced:
		return "not invoiced yet"
	case ScenarioDraftOnly:
		return "only a draft invoice, which does not count"
	case ScenarioNotDue:
		return "an open invoice that is not due yet"
	case ScenarioDueToday:
		return "an open invoice due today, which is not overdue"
	case ScenarioPaid:
		return "an invoice paid in full"
	case ScenarioFullCredit:
		return "an invoice reversed in full by a credit note"
	case ScenarioUnpaid:
		return "an unpaid invoice"
	case ScenarioPartialPayment:
		return "a partly paid invoice"
	case ScenarioInstallments:
		return "an invoice in monthly installments"
	case ScenarioCreditNote:
		return "an invoice reduced by a credit note that names it"
	case ScenarioUnassignedCredit:
		return "two invoices and a credit note that names no invoice, so it settles the oldest due date first"
	case ScenarioCancelled:
		return "a cancelled invoice and the invoice that replaced it"
	case ScenarioDraftFollowUp:
		return "a posted invoice and a draft for the rest of the order"
	default:
		return string(s)
	}
}

// documentNumbers counts the invoices and credit notes of one region.
type documentNumbers struct {
	invoices    int
	creditNotes int
}

// orderBuilder builds one order and its invoices.
type orderBuilder struct {
	rng         *rand.Rand
	region      *region
	currency    money.Currency
	today       time.Time
	numbers     *documentNumbers
	target      collectionsv1alpha1.RiskLevel
	customer    customer
	salesperson collectionsv1alpha1.Salesperson
	index       int

	order *Order
	// firstInvoiceDate is the earliest invoice date, from which the order
	// date is set.
	firstInvoiceDate time.Time
}

// build returns the order of the given scenario.
func (b *orderBuilder) build(scenario Scenario) *Order {
	name := fmt.Sprintf("so-%s-%04d", strings.ToLower(b.region.code), b.index)
	b.order = &Order{
		Scenario: scenario,
		Today:    b.today.Format(dateLayout),
		Level:    collectionsv1alpha1.RiskLevelNone,
		SaleOrder: &collectionsv1alpha1.SaleOrder{
			TypeMeta: metav1.TypeMeta{APIVersion: collectionsv1alpha1.GroupVersion.String(), Kind: "SaleOrder"},
			ObjectMeta: metav1.ObjectMeta{
				Name:      name,
				Namespace: b.region.namespace,
				Labels:    map[string]string{partOfLabel: partOfValue, scenarioLabel: string(scenario)},
			},
			Spec: collectionsv1alpha1.SaleOrderSpec{
				Reference:   fmt.Sprintf("SO-%s-%04d", b.region.code, b.index),
				Customer:    collectionsv1alpha1.Party{Name: b.customer.name, Email: b.customer.email},
				Salesperson: b.salesperson,
				Currency:    collectionsv1alpha1.CurrencyCode(b.region.currency),
			},
		},
	}

	total := b.region.drawTotal(b.rng)
	b.order.SaleOrder.Spec.AmountTotal = formatAmount(b.currency, total)
	b.buildInvoices(scenario, total)

	// Orders are placed a few days to a few weeks before their first
	// invoice, or recently when nothing is invoiced yet.
	orderDate := b.today.AddDate(0, 0, -1-b.rng.IntN(20))
	if !b.firstInvoiceDate.IsZero() {
		orderDate = b.firstInvoiceDate.AddDate(0, 0, -3-b.rng.IntN(25))
	}
	b.order.SaleOrder.Spec.OrderDate = date(orderDate)
	return b.order
}

// buildInvoices adds the scenario's invoices for an order of total minor
// units.
func (b *orderBuilder) buildInvoices(scenario Scenario, total int64) {
	switch scenario {
	case ScenarioNotInvoiced:
		b.setInvoiced(0, 0, collectionsv1alpha1.RiskLevelNone)

	case ScenarioDraftOnly:
		b.setInvoiced(0, 0, collectionsv1alpha1.RiskLevelNone)
		invoiceDate := b.today.AddDate(0, 0, -b.rng.IntN(3))
		b.addInvoice(total, 0, invoiceDate, invoiceDate.AddDate(0, 0, paymentTermDays), collectionsv1alpha1.InvoiceStateDraft)

	case ScenarioNotDue:
		b.setInvoiced(total, 0, collectionsv1alpha1.RiskLevelNone)
		due := b.today.AddDate(0, 0, 1+b.rng.IntN(paymentTermDays-2))
		b.addInvoice(total, b.percentOf(total, 0, 40), due.AddDate(0, 0, -paymentTermDays), due, collectionsv1alpha1.InvoiceStatePosted)

	case ScenarioDueToday:
		b.setInvoiced(total, 0, collectionsv1alpha1.RiskLevelNone)
		b.addInvoice(total, 0, b.today.AddDate(0, 0, -paymentTermDays), b.today, collectionsv1alpha1.InvoiceStatePosted)

	case ScenarioPaid:
		b.setInvoiced(total, 0, collectionsv1alpha1.RiskLevelNone)
		due := b.today.AddDate(0, 0, -5-b.rng.IntN(120))
		b.addInvoice(total, total, due.AddDate(0, 0, -paymentTermDays), due, collectionsv1alpha1.InvoiceStatePosted)

	case ScenarioFullCredit:
		b.setInvoiced(0, 0, collectionsv1alpha1.RiskLevelNone)
		due := b.today.AddDate(0, 0, -5-b.rng.IntN(60))
		invoiceDate := due.AddDate(0, 0, -paymentTermDays)
		invoice := b.addInvoice(total, 0, invoiceDate, due, collectionsv1alpha1.InvoiceStatePosted)
		b.addCreditNote(total, invoiceDate.AddDate(0, 0, 3+b.rng.IntN(10)), invoice.Name)

	default:
		b.buildOverdueInvoices(scenario, total)
	}
}

// buildOverdueInvoices adds the invoices of an overdue scenario, dated so
// that the order has the target level on today.
func (b *orderBuilder) buildOverdueInvoices(scenario Scenario, total int64) {
	switch scenario {
	case ScenarioUnpaid:
		due := b.oldestDueDate(total)
		b.addInvoice(total, 0, due.AddDate(0, 0, -paymentTermDays), due, collectionsv1alpha1.InvoiceStatePosted)

	case ScenarioPartialPayment:
		due := b.oldestDueDate(total)
		b.addInvoice(total, b.percentOf(total, 15, 85), due.AddDate(0, 0, -paymentTermDays), due, collectionsv1alpha1.InvoiceStatePosted)

	case ScenarioInstallments:
		b.addInstallmentInvoice(total)

	case ScenarioCreditNote:
		credit := b.percentOf(total, 5, 30)
		paid := b.percentOf(total, 0, 50)
		due := b.oldestDueDate(total - credit)
		invoiceDate := due.AddDate(0, 0, -paymentTermDays)
		invoice := b.addInvoice(total, paid, invoiceDate, due, collectionsv1alpha1.InvoiceStatePosted)
		b.addCreditNote(credit, invoiceDate.AddDate(0, 0, 5+b.rng.IntN(15)), invoice.Name)

	case ScenarioUnassignedCredit:
		first := b.percentOf(total, 40, 60)
		credit := b.percentOf(first, 5, 30)
		due := b.oldestDueDate(total - credit)
		invoiceDate := due.AddDate(0, 0, -paymentTermDays)
		b.addInvoice(first, 0, invoiceDate, due, collectionsv1alpha1.InvoiceStatePosted)
		b.addInvoice(total-first, 0, invoiceDate.AddDate(0, 0, 30), due.AddDate(0, 0, 30), collectionsv1alpha1.InvoiceStatePosted)
		b.addCreditNote(credit, invoiceDate.AddDate(0, 0, 10), "")

	case ScenarioCancelled:
		due := b.oldestDueDate(total)
		invoiceDate := due.AddDate(0, 0, -paymentTermDays)
		// The cancelled invoice had the wrong price, so accounting issued a
		// new one two days later with the same due date.
		b.addInvoice(total+b.percentOf(total, 5, 15), 0, invoiceDate.AddDate(0, 0, -2), due, collectionsv1alpha1.InvoiceStateCancelled)
		b.addInvoice(total, 0, invoiceDate, due, collectionsv1alpha1.InvoiceStatePosted)

	case ScenarioDraftFollowUp:
		first := b.percentOf(total, 50, 70)
		due := b.oldestDueDate(first)
		b.addInvoice(first, 0, due.AddDate(0, 0, -paymentTermDays), due, collectionsv1alpha1.InvoiceStatePosted)
		draftDate := b.today.AddDate(0, 0, -b.rng.IntN(3))
		b.addInvoice(total-first, 0, draftDate, draftDate.AddDate(0, 0, paymentTermDays), collectionsv1alpha1.InvoiceStateDraft)

	default:
		panic(fmt.Sprintf("scenario %q has no invoice builder", scenario))
	}
}

// addInstallmentInvoice adds an invoice of two to four monthly
// installments. The first installments are paid, and the payments may
// cover part of the next one, which is the oldest open installment.
func (b *orderBuilder) addInstallmentInvoice(total int64) {
	count := 2 + b.rng.IntN(3)
	amounts := split(total, count)
	paidCount := b.rng.IntN(count)
	paid := int64(0)
	for _, amount := range amounts[:paidCount] {
		paid += amount
	}
	if b.rng.IntN(2) == 0 {
		paid += b.percentOf(amounts[paidCount], 10, 60)
	}

	oldestOpen := b.oldestDueDate(total)
	installments := make([]collectionsv1alpha1.Installment, count)
	for i, amount := range amounts {
		installments[i] = collectionsv1alpha1.Installment{
			DueDate: date(oldestOpen.AddDate(0, 0, 30*(i-paidCount))),
			Amount:  formatAmount(b.currency, amount),
		}
	}
	firstDue := oldestOpen.AddDate(0, 0, -30*paidCount)
	lastDue := oldestOpen.AddDate(0, 0, 30*(count-1-paidCount))

	invoice := b.addInvoice(total, paid, firstDue.AddDate(0, 0, -15), lastDue, collectionsv1alpha1.InvoiceStatePosted)
	invoice.Spec.Installments = installments
}

// setInvoiced records the order's invoiced amount, which selects its tier,
// its overdue days and the level it is built for.
func (b *orderBuilder) setInvoiced(invoiced int64, overdueDays int32, level collectionsv1alpha1.RiskLevel) {
	b.order.Tier = b.region.tierFor(invoiced).name
	b.order.OverdueDays = overdueDays
	b.order.Level = level
}

// oldestDueDate returns the due date of the order's oldest open
// installment: as many days before today as the target level needs in the
// tier of the invoiced amount.
func (b *orderBuilder) oldestDueDate(invoiced int64) time.Time {
	t := b.region.tierFor(invoiced)
	var days int32
	switch b.target {
	case collectionsv1alpha1.RiskLevelNone:
		days = b.between(1, t.low-1)
	case collectionsv1alpha1.RiskLevelLow:
		days = b.between(t.low, t.medium-1)
	case collectionsv1alpha1.RiskLevelMedium:
		days = b.between(t.medium, t.high-1)
	default:
		days = b.between(t.high, t.high+150)
	}
	b.setInvoiced(invoiced, days, b.target)
	return b.today.AddDate(0, 0, -int(days))
}

// between returns a random number from low to high, both included.
func (b *orderBuilder) between(low, high int32) int32 {
	return low + b.rng.Int32N(high-low+1)
}

// percentOf returns a random share, from minPercent to maxPercent percent,
// of amount minor units, rounded down to a minor unit.
func (b *orderBuilder) percentOf(amount int64, minPercent, maxPercent int) int64 {
	percent := minPercent + b.rng.IntN(maxPercent-minPercent+1)
	return amount * int64(percent) / 100
}

// addInvoice adds an invoice of total minor units with paid minor units
// received.
func (b *orderBuilder) addInvoice(total, paid int64, invoiceDate, due time.Time, state collectionsv1alpha1.InvoiceState) *collectionsv1alpha1.Invoice {
	b.numbers.invoices++
	number := b.numbers.invoices
	invoice := b.newDocument(fmt.Sprintf("inv-%s-%05d", strings.ToLower(b.region.code), number), total, invoiceDate)
	invoice.Spec.Number = fmt.Sprintf("INV/%s/%d/%05d", b.region.code, invoiceDate.Year(), number)
	invoice.Spec.Type = collectionsv1alpha1.InvoiceTypeInvoice
	invoice.Spec.State = state
	invoice.Spec.DueDate = date(due)
	if paid > 0 {
		invoice.Spec.AmountPaid = formatAmount(b.currency, paid)
	}
	return invoice
}

// addCreditNote adds a posted credit note of amount minor units that
// reverses the invoice named reversed, or no invoice when reversed is
// empty.
func (b *orderBuilder) addCreditNote(amount int64, invoiceDate time.Time, reversed string) {
	b.numbers.creditNotes++
	number := b.numbers.creditNotes
	note := b.newDocument(fmt.Sprintf("cn-%s-%04d", strings.ToLower(b.region.code), number), amount, invoiceDate)
	note.Spec.Number = fmt.Sprintf("CN/%s/%d/%04d", b.region.code, invoiceDate.Year(), number)
	note.Spec.Type = collectionsv1alpha1.InvoiceTypeCreditNote
	note.Spec.State = collectionsv1alpha1.InvoiceStatePosted
	if reversed != "" {
		note.Spec.ReversedInvoiceRef = &collectionsv1alpha1.LocalObjectReference{Name: reversed}
	}
}

func (b *orderBuilder) newDocument(name string, total int64, invoiceDate time.Time) *collectionsv1alpha1.Invoice {
	if b.firstInvoiceDate.IsZero() || invoiceDate.Before(b.firstInvoiceDate) {
		b.firstInvoiceDate = invoiceDate
	}
	document := &collectionsv1alpha1.Invoice{
		TypeMeta: metav1.TypeMeta{APIVersion: collectionsv1alpha1.GroupVersion.String(), Kind: "Invoice"},
		ObjectMeta: metav1.ObjectMeta{
			Name:      name,
			Namespace: b.region.namespace,
			Labels:    map[string]string{partOfLabel: partOfValue},
		},
		Spec: collectionsv1alpha1.InvoiceSpec{
			SaleOrderRef: collectionsv1alpha1.LocalObjectReference{Name: b.order.SaleOrder.Name},
			Currency:     collectionsv1alpha1.CurrencyCode(b.region.currency),
			InvoiceDate:  date(invoiceDate),
			AmountTotal:  formatAmount(b.currency, total),
		},
	}
	b.order.Invoices = append(b.order.Invoices, document)
	return document
}

// split divides total minor units into count parts that add up to total.
// The last part takes the remainder.
func split(total int64, count int) []int64 {
	parts := make([]int64, count)
	base := total / int64(count)
	for i := range parts {
		parts[i] = base
	}
	parts[count-1] += total - base*int64(count)
	return parts
}

func date(t time.Time) collectionsv1alpha1.Date {
	return collectionsv1alpha1.Date(t.Format(dateLayout))
}
