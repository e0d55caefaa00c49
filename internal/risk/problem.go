package risk

import "fmt"

// Kinds of the objects that a Problem is about.
const (
	KindCollectionPolicy = "CollectionPolicy"
	KindSaleOrder        = "SaleOrder"
	KindInvoice          = "Invoice"
)

// Reasons of problems, in the CamelCase form of condition reasons.
const (
	// ReasonInvalidCurrency: a currency code is empty, unknown or not upper
	// case.
	ReasonInvalidCurrency = "InvalidCurrency"
	// ReasonInvalidTimeZone: the policy's time zone is not a known IANA zone.
	ReasonInvalidTimeZone = "InvalidTimeZone"
	// ReasonInvalidRefreshTime: the policy's refresh time is not HH:MM.
	ReasonInvalidRefreshTime = "InvalidRefreshTime"
	// ReasonInvalidTiers: the policy's tiers are missing, out of order or
	// have invalid names, amounts or risk days.
	ReasonInvalidTiers = "InvalidTiers"
	// ReasonCurrencyMismatch: an invoice's currency differs from its
	// order's, or an order's from its policy's.
	ReasonCurrencyMismatch = "CurrencyMismatch"
	// ReasonInvalidDocument: an invoice's type or state is unknown, or two
	// invoices share a name.
	ReasonInvalidDocument = "InvalidDocument"
	// ReasonInvalidAmount: an amount is missing, malformed, has too many
	// fraction digits or is out of range.
	ReasonInvalidAmount = "InvalidAmount"
	// ReasonInvalidDate: a date is missing, malformed, does not exist or is
	// out of order.
	ReasonInvalidDate = "InvalidDate"
	// ReasonInvalidInstallments: the installments do not sum to the total.
	ReasonInvalidInstallments = "InvalidInstallments"
	// ReasonUnappliedCreditNote: a credit note reverses an invoice that does
	// not count.
	ReasonUnappliedCreditNote = "UnappliedCreditNote"
)

// Problem is a defect in a policy, an order or an invoice, with what to do
// about it.
type Problem struct {
	// Kind and Name identify the object: Kind is KindCollectionPolicy,
	// KindSaleOrder or KindInvoice, and Name is its object name, which is
	// empty when the caller did not set it.
	Kind string
	Name string
	// Field is the path of the offending field, such as
	// "spec.tiers[1].minAmount".
	Field string
	// Value is the offending value as given.
	Value string
	// Reason is a CamelCase reason, one of the Reason constants.
	Reason string
	// Message is a complete explanation with the fix, for a condition
	// message. Messages about an invoice start with "invoice NAME: ".
	Message string
}

// String returns the message.
func (p Problem) String() string { return p.Message }

func policyProblem(policy *Policy, field, value, reason, format string, args ...any) Problem {
	return Problem{
		Kind:    KindCollectionPolicy,
		Name:    policy.Name,
		Field:   field,
		Value:   value,
		Reason:  reason,
		Message: fmt.Sprintf(format, args...),
	}
}

func orderProblem(order *Order, field, value, reason, format string, args ...any) Problem {
	return Problem{
		Kind:    KindSaleOrder,
		Name:    order.Name,
		Field:   field,
		Value:   value,
		Reason:  reason,
		Message: fmt.Sprintf(format, args...),
	}
}

func invoiceProblem(invoice *Invoice, field, value, reason, format string, args ...any) Problem {
	return Problem{
		Kind:    KindInvoice,
		Name:    invoice.Name,
		Field:   field,
		Value:   value,
		Reason:  reason,
		Message: fmt.Sprintf("invoice %s: ", invoice.Name) + fmt.Sprintf(format, args...),
	}
}
