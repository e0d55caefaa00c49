package main

import (
	"fmt"
	"math/rand/v2"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	collectionsv1alpha1 "github.com/overdue-dev/overdue-operator/api/v1alpha1"
	"github.com/overdue-dev/overdue-operator/internal/money"
)

// dateLayout is the layout of the API's Date fields.
const dateLayout = "2006-01-02"

// Labels that the generator sets, so that people can select the demo's
// objects and the orders of one scenario.
const (
	partOfLabel   = "app.kubernetes.io/part-of"
	partOfValue   = "overdue-demo"
	scenarioLabel = "demo.overdue.dev/scenario"
)

// Options are the inputs of Generate. The same options always produce the
// same dataset.
type Options struct {
	// Seed selects the random choices.
	Seed uint64
	// Orders is the number of SaleOrders across both namespaces.
	Orders int
	// Today is the YYYY-MM-DD date that due dates are relative to. Empty
	// means the current date of Now in each policy's time zone.
	Today string
	// Now is the current instant, used only when Today is empty.
	Now time.Time
}

// Dataset is a generated set of demo objects, ready to render.
type Dataset struct {
	Namespaces []*corev1.Namespace
	Policies   []*collectionsv1alpha1.CollectionPolicy
	Orders     []*Order
}

// Order is a generated SaleOrder with its invoices and the outcome that the
// generator aimed for.
type Order struct {
	SaleOrder *collectionsv1alpha1.SaleOrder
	Invoices  []*collectionsv1alpha1.Invoice
	Scenario  Scenario
	// Today is the date, in the policy's time zone, that the dates were
	// computed from.
	Today string
	// Tier is the policy tier of the order's invoiced amount.
	Tier string
	// OverdueDays is the largest overdue days of an open installment on
	// Today.
	OverdueDays int32
	// Level is the risk level that the order was built to have on Today.
	// The generator checks it against package risk before writing.
	Level collectionsv1alpha1.RiskLevel
}

// Generate builds the demo dataset: per region a namespace, a CollectionPolicy
// named default and its share of the orders, each with its invoices.
func Generate(opts Options) (*Dataset, error) {
	all := regions()
	if minimum := minimumOrders(all); opts.Orders < minimum {
		return nil, fmt.Errorf("invalid number of orders %d: it must be at least %d, so that every region gets every showcase scenario", opts.Orders, minimum)
	}

	dataset := &Dataset{}
	remaining := opts.Orders
	for i, r := range all {
		count := opts.Orders * r.share / 100
		if i == len(all)-1 {
			count = remaining
		}
		remaining -= count

		today, err := regionToday(r, opts)
		if err != nil {
			return nil, err
		}
		// Each region draws from its own stream, so that its data does not
		// change when another region's share changes.
		rng := rand.New(rand.NewPCG(opts.Seed, uint64(i)+1))
		orders, err := generateRegion(rng, r, today, count)
		if err != nil {
			return nil, err
		}

		dataset.Namespaces = append(dataset.Namespaces, newNamespace(r))
		dataset.Policies = append(dataset.Policies, newPolicy(r))
		dataset.Orders = append(dataset.Orders, orders...)
	}
	return dataset, nil
}

// minimumOrders returns the smallest number of orders that gives every
// region at least one order of each showcase entry.
func minimumOrders(all []*region) int {
	minimum := 0
	for _, r := range all {
		// The region needs len(showcase) orders out of its share.
		needed := (len(showcase)*100 + r.share - 1) / r.share
		minimum = max(minimum, needed)
	}
	return minimum
}

// regionToday returns the region's today as a UTC midnight, on which
// AddDate counts calendar days.
func regionToday(r *region, opts Options) (time.Time, error) {
	if opts.Today != "" {
		today, err := time.Parse(dateLayout, opts.Today)
		if err != nil {
			return time.Time{}, fmt.Errorf("invalid date %q: use YYYY-MM-DD, for example 2026-12-04", opts.Today)
		}
		return today, nil
	}
	location, err := time.LoadLocation(r.timeZone)
	if err != nil {
		return time.Time{}, fmt.Errorf("loading the time zone of namespace %s: %w", r.namespace, err)
	}
	year, month, day := opts.Now.In(location).Date()
	return time.Date(year, month, day, 0, 0, 0, 0, time.UTC), nil
}

// generateRegion builds count orders of region r: first one order per
// showcase entry, so that every scenario and level appears, then orders with
// weighted random scenarios and levels.
func generateRegion(rng *rand.Rand, r *region, today time.Time, count int) ([]*Order, error) {
	currency, err := money.ParseCurrency(r.currency)
	if err != nil {
		return nil, fmt.Errorf("region %s: %w", r.code, err)
	}
	numbers := &documentNumbers{}
	orders := make([]*Order, 0, count)

	for i := range count {
		var choice showcaseEntry
		if i < len(showcase) {
			choice = showcase[i]
		} else {
			choice = drawScenario(rng)
		}

		customerIndex := rng.IntN(len(r.customers))
		b := &orderBuilder{
			rng:         rng,
			region:      r,
			currency:    currency,
			today:       today,
			numbers:     numbers,
			target:      choice.level,
			customer:    r.customers[customerIndex],
			salesperson: r.salespeople[customerIndex%len(r.salespeople)],
			index:       i + 1,
		}
		orders = append(orders, b.build(choice.scenario))
	}
	return orders, nil
}

func newNamespace(r *region) *corev1.Namespace {
	return &corev1.Namespace{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Namespace"},
		ObjectMeta: metav1.ObjectMeta{
			Name:   r.namespace,
			Labels: map[string]string{partOfLabel: partOfValue},
		},
	}
}

func newPolicy(r *region) *collectionsv1alpha1.CollectionPolicy {
	currency := money.MustParseCurrency(r.currency)
	tiers := make([]collectionsv1alpha1.Tier, len(r.tiers))
	for i, t := range r.tiers {
		tiers[i] = collectionsv1alpha1.Tier{
			Name:      t.name,
			MinAmount: formatAmount(currency, t.minAmount),
			RiskDays:  collectionsv1alpha1.RiskDays{Low: t.low, Medium: t.medium, High: t.high},
		}
	}
	// The first tier is written "0", as the API documentation writes it,
	// rather than "0.00".
	tiers[0].MinAmount = "0"

	return &collectionsv1alpha1.CollectionPolicy{
		TypeMeta: metav1.TypeMeta{APIVersion: collectionsv1alpha1.GroupVersion.String(), Kind: "CollectionPolicy"},
		ObjectMeta: metav1.ObjectMeta{
			Name:      "default",
			Namespace: r.namespace,
			Labels:    map[string]string{partOfLabel: partOfValue},
		},
		Spec: collectionsv1alpha1.CollectionPolicySpec{
			Currency:    collectionsv1alpha1.CurrencyCode(r.currency),
			TimeZone:    r.timeZone,
			RefreshTime: r.refreshTime,
			Tiers:       tiers,
			Notification: collectionsv1alpha1.Notification{
				Email: collectionsv1alpha1.EmailNotification{
					Enabled:    ptr.To(true),
					NotifyOn:   []collectionsv1alpha1.NotifyDirection{collectionsv1alpha1.NotifyOnIncrease, collectionsv1alpha1.NotifyOnDecrease},
					CC:         r.cc,
					EscalateTo: r.escalateTo,
				},
			},
		},
	}
}

// formatAmount writes minor units as an API amount, such as "12500.00" for
// 1250000 EUR cents or "1000" for 1000 JPY.
func formatAmount(currency money.Currency, minorUnits int64) collectionsv1alpha1.Amount {
	return collectionsv1alpha1.Amount(currency.Format(currency.FromMinorUnits(minorUnits)))
}
