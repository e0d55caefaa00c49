package controllers

import (
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	collectionsv1alpha1 "github.com/overdue-dev/overdue-operator/api/v1alpha1"
)

// newPolicy returns a policy in EUR for Berlin with two tiers: "small" from
// 0 with Low at 15, Medium at 45 and High at 90 overdue days, and "large"
// from 10000.00 with 7, 30 and 60.
func newPolicy(name string) *collectionsv1alpha1.CollectionPolicy {
	return &collectionsv1alpha1.CollectionPolicy{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: collectionsv1alpha1.CollectionPolicySpec{
			Currency:    "EUR",
			TimeZone:    "Europe/Berlin",
			RefreshTime: "06:00",
			Tiers: []collectionsv1alpha1.Tier{
				{Name: "small", MinAmount: "0", RiskDays: collectionsv1alpha1.RiskDays{Low: 15, Medium: 45, High: 90}},
				{Name: "large", MinAmount: "10000.00", RiskDays: collectionsv1alpha1.RiskDays{Low: 7, Medium: 30, High: 60}},
			},
			Notification: collectionsv1alpha1.Notification{Email: collectionsv1alpha1.EmailNotification{
				CC:         []collectionsv1alpha1.EmailAddress{"finance@example.com"},
				EscalateTo: []collectionsv1alpha1.EmailAddress{"director@example.com"},
			}},
		},
	}
}

// newOrder returns an order in EUR that uses the default policy.
func newOrder(name string) *collectionsv1alpha1.SaleOrder {
	return &collectionsv1alpha1.SaleOrder{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: collectionsv1alpha1.SaleOrderSpec{
			Reference:   "SO-" + name,
			Customer:    collectionsv1alpha1.Party{Name: "Müller Maschinenbau GmbH"},
			Salesperson: collectionsv1alpha1.Salesperson{Name: "Ana Lima", Email: "ana@example.com"},
			Currency:    "EUR",
		},
	}
}

// newInvoice returns a posted EUR invoice of order, unpaid, due daysAgo
// calendar days before the Berlin date of testNow.
func newInvoice(name, order, amount string, daysAgo int) *collectionsv1alpha1.Invoice {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		panic(err)
	}
	due := testNow.In(berlin).AddDate(0, 0, -daysAgo).Format(time.DateOnly)
	return &collectionsv1alpha1.Invoice{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: collectionsv1alpha1.InvoiceSpec{
			SaleOrderRef: collectionsv1alpha1.LocalObjectReference{Name: order},
			Number:       "INV/" + name,
			Currency:     "EUR",
			DueDate:      collectionsv1alpha1.Date(due),
			AmountTotal:  collectionsv1alpha1.Amount(amount),
		},
	}
}
