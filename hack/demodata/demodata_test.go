package main

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode"

	collectionsv1alpha1 "github.com/overdue-dev/overdue-operator/api/v1alpha1"
	"github.com/overdue-dev/overdue-operator/internal/risk"
)

func render(t *testing.T, opts Options) []byte {
	t.Helper()
	dataset, err := Generate(opts)
	if err != nil {
		t.Fatalf("Generate(%+v): %v", opts, err)
	}
	var out bytes.Buffer
	if err := Render(&out, dataset, opts); err != nil {
		t.Fatalf("Render: %v", err)
	}
	return out.Bytes()
}

func TestGenerateIsDeterministic(t *testing.T) {
	opts := Options{Seed: 7, Orders: 200, Today: "2026-03-29"}
	first := render(t, opts)
	second := render(t, opts)
	if !bytes.Equal(first, second) {
		t.Fatalf("two runs with seed %d and date %s differ", opts.Seed, opts.Today)
	}

	otherSeed := render(t, Options{Seed: 8, Orders: 200, Today: "2026-03-29"})
	if bytes.Equal(first, otherSeed) {
		t.Errorf("seeds 7 and 8 produced the same output; the seed has no effect")
	}

	otherDate := render(t, Options{Seed: 7, Orders: 200, Today: "2026-03-30"})
	if bytes.Equal(first, otherDate) {
		t.Errorf("dates 2026-03-29 and 2026-03-30 produced the same output; the date has no effect")
	}
}

func TestGenerateTodayDefaultsToPolicyZones(t *testing.T) {
	// 10:00 UTC is 11:00 in Berlin and 19:00 in Tokyo, the same date.
	sameDay := render(t, Options{Seed: 3, Orders: 200, Now: time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)})
	explicit := render(t, Options{Seed: 3, Orders: 200, Today: "2026-12-04"})
	if !bytes.Equal(sameDay, explicit) {
		t.Errorf("empty Today at 2026-12-04T10:00Z differs from Today 2026-12-04")
	}

	// 20:00 UTC is 21:00 in Berlin on the 4th and 05:00 in Tokyo on the 5th.
	dataset, err := Generate(Options{Seed: 3, Orders: 200, Now: time.Date(2026, 12, 4, 20, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"sales-eu": "2026-12-04", "sales-jp": "2026-12-05"}
	for _, order := range dataset.Orders {
		if got := order.Today; got != want[order.SaleOrder.Namespace] {
			t.Fatalf("order %s/%s: today is %s, want %s", order.SaleOrder.Namespace, order.SaleOrder.Name, got, want[order.SaleOrder.Namespace])
		}
	}
}

// TestGenerateCoversEveryLevel computes the orders' status with package
// risk, independently of the generator's own threshold arithmetic, on
// dates that include a daylight saving time change and a leap day.
func TestGenerateCoversEveryLevel(t *testing.T) {
	cases := []struct {
		seed  uint64
		today string
	}{
		{1, "2026-12-04"},
		{2, "2026-03-29"}, // clocks go forward in Berlin
		{3, "2026-10-25"}, // clocks go back in Berlin
		{4, "2028-02-29"},
		{5, "2027-01-01"},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("seed_%d_%s", tc.seed, tc.today), func(t *testing.T) {
			dataset, err := Generate(Options{Seed: tc.seed, Orders: 200, Today: tc.today})
			if err != nil {
				t.Fatal(err)
			}
			evaluations, err := evaluateRisk(dataset)
			if err != nil {
				t.Fatal(err)
			}

			levels := map[string]map[risk.RiskLevel]int{}
			states := map[string]map[risk.CollectionState]int{}
			for _, e := range evaluations {
				if err := e.check(); err != nil {
					t.Error(err)
				}
				namespace := e.order.SaleOrder.Namespace
				if levels[namespace] == nil {
					levels[namespace] = map[risk.RiskLevel]int{}
					states[namespace] = map[risk.CollectionState]int{}
				}
				levels[namespace][e.result.RiskLevel]++
				states[namespace][e.result.CollectionState]++
			}

			for _, namespace := range []string{"sales-eu", "sales-jp"} {
				for _, level := range []risk.RiskLevel{risk.LevelNone, risk.LevelLow, risk.LevelMedium, risk.LevelHigh} {
					if levels[namespace][level] == 0 {
						t.Errorf("namespace %s has no order at level %s on %s: %v", namespace, level, tc.today, levels[namespace])
					}
				}
				for _, state := range []risk.CollectionState{risk.CollectionNotInvoiced, risk.CollectionNotDue, risk.CollectionOverdue, risk.CollectionPaid} {
					if states[namespace][state] == 0 {
						t.Errorf("namespace %s has no order in collection state %s on %s: %v", namespace, state, tc.today, states[namespace])
					}
				}
			}
		})
	}
}

func TestGenerateCoversDocumentKinds(t *testing.T) {
	dataset, err := Generate(Options{Seed: 1, Orders: 200, Today: "2026-12-04"})
	if err != nil {
		t.Fatal(err)
	}

	if got := len(dataset.Orders); got != 200 {
		t.Errorf("got %d orders, want 200", got)
	}
	if got := len(dataset.Namespaces); got != 2 {
		t.Errorf("got %d namespaces, want 2", got)
	}

	type features struct {
		partialPayment, installments, creditNoteWithRef, creditNoteWithoutRef, draft, cancelled, nonASCIICustomer int
	}
	byNamespace := map[string]*features{}
	salespeople := map[collectionsv1alpha1.EmailAddress]bool{}
	currencies := map[collectionsv1alpha1.CurrencyCode]bool{}

	for _, order := range dataset.Orders {
		namespace := order.SaleOrder.Namespace
		if byNamespace[namespace] == nil {
			byNamespace[namespace] = &features{}
		}
		f := byNamespace[namespace]
		salespeople[order.SaleOrder.Spec.Salesperson.Email] = true
		currencies[order.SaleOrder.Spec.Currency] = true
		if !isASCII(string(order.SaleOrder.Spec.Customer.Name)) {
			f.nonASCIICustomer++
		}

		for _, invoice := range order.Invoices {
			spec := invoice.Spec
			switch {
			case spec.State == collectionsv1alpha1.InvoiceStateDraft:
				f.draft++
			case spec.State == collectionsv1alpha1.InvoiceStateCancelled:
				f.cancelled++
			case spec.Type == collectionsv1alpha1.InvoiceTypeCreditNote && spec.ReversedInvoiceRef != nil:
				f.creditNoteWithRef++
			case spec.Type == collectionsv1alpha1.InvoiceTypeCreditNote:
				f.creditNoteWithoutRef++
			case len(spec.Installments) > 0:
				f.installments++
			case spec.AmountPaid != "" && spec.AmountPaid != spec.AmountTotal:
				f.partialPayment++
			}
		}
	}

	for _, namespace := range []string{"sales-eu", "sales-jp"} {
		f := byNamespace[namespace]
		if f == nil {
			t.Errorf("namespace %s has no orders", namespace)
			continue
		}
		for name, count := range map[string]int{
			"partly paid invoice":                       f.partialPayment,
			"invoice with installments":                 f.installments,
			"credit note with reversedInvoiceRef":       f.creditNoteWithRef,
			"credit note without reversedInvoiceRef":    f.creditNoteWithoutRef,
			"draft invoice":                             f.draft,
			"cancelled invoice":                         f.cancelled,
			"order of a customer with a non-ASCII name": f.nonASCIICustomer,
		} {
			if count == 0 {
				t.Errorf("namespace %s has no %s", namespace, name)
			}
		}
	}
	if got := len(salespeople); got != 5 {
		t.Errorf("got %d salespeople, want 5", got)
	}
	if got := len(currencies); got != 2 {
		t.Errorf("got %d currencies, want 2", got)
	}
}

func TestGeneratePoliciesUseExampleDomains(t *testing.T) {
	dataset, err := Generate(Options{Seed: 1, Orders: 200, Today: "2026-12-04"})
	if err != nil {
		t.Fatal(err)
	}
	for _, policy := range dataset.Policies {
		if policy.Name != "default" {
			t.Errorf("namespace %s: policy is named %q, want default", policy.Namespace, policy.Name)
		}
		if n := len(policy.Spec.Tiers); n < 2 || n > 3 {
			t.Errorf("namespace %s: policy has %d tiers, want 2 or 3", policy.Namespace, n)
		}
		email := policy.Spec.Notification.Email
		if len(email.CC) == 0 || len(email.EscalateTo) == 0 {
			t.Errorf("namespace %s: policy needs cc and escalateTo addresses, has %v and %v", policy.Namespace, email.CC, email.EscalateTo)
		}
		for _, address := range append(append([]collectionsv1alpha1.EmailAddress{}, email.CC...), email.EscalateTo...) {
			if !strings.HasSuffix(string(address), "@example.com") {
				t.Errorf("namespace %s: address %s is not at example.com", policy.Namespace, address)
			}
		}
		if problems := risk.ValidatePolicy(toRiskPolicy(policy)); len(problems) > 0 {
			t.Errorf("namespace %s: policy is invalid: %v", policy.Namespace, problems)
		}
	}
}

func TestGenerateRejectsTooFewOrders(t *testing.T) {
	_, err := Generate(Options{Seed: 1, Orders: 10, Today: "2026-12-04"})
	if err == nil {
		t.Fatal("Generate with 10 orders succeeded, want an error that names the minimum")
	}
	if !strings.Contains(err.Error(), "at least") {
		t.Errorf("error %q does not name the minimum", err)
	}
}

func TestGenerateRejectsInvalidDate(t *testing.T) {
	_, err := Generate(Options{Seed: 1, Orders: 200, Today: "2026-02-30"})
	if err == nil {
		t.Fatal("Generate with date 2026-02-30 succeeded, want an error")
	}
}

func isASCII(s string) bool {
	for _, r := range s {
		if r > unicode.MaxASCII {
			return false
		}
	}
	return true
}
