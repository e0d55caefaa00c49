package controllers

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clocktesting "k8s.io/utils/clock/testing"
	"sigs.k8s.io/controller-runtime/pkg/client"

	collectionsv1alpha1 "github.com/overdue-dev/overdue-operator/api/v1alpha1"
)

func TestSaleOrderPolicyMissingInvalidFixed(t *testing.T) {
	ns := newNamespace(t)
	h := startHarness(t, ns, clocktesting.NewFakeClock(testNow), nil)
	h.create(newOrder("o"))
	h.create(newInvoice("inv", "o", "300.00", 100))

	order := h.eventuallyOrder("o", readyReason(metav1.ConditionFalse, collectionsv1alpha1.ReasonPolicyNotFound))
	if order.Status.RiskLevel != "" || order.Status.NextRefreshAt != nil {
		t.Errorf("an order without a policy has level %q and nextRefreshAt %v, want neither", order.Status.RiskLevel, order.Status.NextRefreshAt)
	}
	if msg := meta.FindStatusCondition(order.Status.Conditions, collectionsv1alpha1.ConditionReady).Message; !strings.Contains(msg, `CollectionPolicy "default" not found`) {
		t.Errorf("Ready message = %q, want it to name the missing policy", msg)
	}

	// The API server cannot check a zone name, so it stores the policy.
	// Both the policy and its order then report the invalid zone.
	policy := newPolicy("default")
	policy.Spec.TimeZone = "Mars/Olympus_Mons"
	h.create(policy)
	order = h.eventuallyOrder("o", readyReason(metav1.ConditionFalse, collectionsv1alpha1.ReasonPolicyNotReady))
	if msg := meta.FindStatusCondition(order.Status.Conditions, collectionsv1alpha1.ConditionReady).Message; !strings.Contains(msg, "spec.timeZone") || !strings.Contains(msg, "Mars/Olympus_Mons") {
		t.Errorf("Ready message = %q, want it to name spec.timeZone and the value", msg)
	}
	if order.Status.RiskLevel != "" {
		t.Errorf("an order with an invalid policy has level %q, want none", order.Status.RiskLevel)
	}
	NewWithTEventually(t, func() error {
		var p collectionsv1alpha1.CollectionPolicy
		if err := h.client.Get(context.Background(), client.ObjectKeyFromObject(policy), &p); err != nil {
			return err
		}
		ready := meta.FindStatusCondition(p.Status.Conditions, collectionsv1alpha1.ConditionReady)
		if ready == nil || ready.Status != metav1.ConditionFalse || ready.Reason != "InvalidTimeZone" {
			return fmt.Errorf("policy Ready = %+v, want False with InvalidTimeZone", ready)
		}
		return nil
	})

	patch := client.RawPatch("application/merge-patch+json", []byte(`{"spec":{"timeZone":"Europe/Berlin"}}`))
	if err := h.client.Patch(context.Background(), policy, patch); err != nil {
		t.Fatalf("fixing the policy: %v", err)
	}
	h.eventuallyOrder("o", levelIs(collectionsv1alpha1.RiskLevelHigh, 100))
	NewWithTEventually(t, func() error {
		var p collectionsv1alpha1.CollectionPolicy
		if err := h.client.Get(context.Background(), client.ObjectKeyFromObject(policy), &p); err != nil {
			return err
		}
		ready := meta.FindStatusCondition(p.Status.Conditions, collectionsv1alpha1.ConditionReady)
		if ready == nil || ready.Status != metav1.ConditionTrue {
			return fmt.Errorf("policy Ready = %+v, want True", ready)
		}
		if want := (collectionsv1alpha1.OrderCounts{Total: 1, High: 1}); p.Status.Orders != want {
			return fmt.Errorf("policy orders = %+v, want %+v", p.Status.Orders, want)
		}
		return nil
	})
}

func TestSaleOrderInvoiceCurrencyAndDeletion(t *testing.T) {
	ns := newNamespace(t)
	h := startHarness(t, ns, clocktesting.NewFakeClock(testNow), nil)
	h.create(newPolicy("default"))
	h.create(newOrder("o"))
	h.create(newInvoice("inv-eur", "o", "300.00", 20))
	dollars := newInvoice("inv-usd", "o", "900.00", 100)
	dollars.Spec.Currency = "USD"
	h.create(dollars)

	order := h.eventuallyOrder("o", readyReason(metav1.ConditionFalse, collectionsv1alpha1.ReasonCurrencyMismatch))
	if msg := meta.FindStatusCondition(order.Status.Conditions, collectionsv1alpha1.ConditionReady).Message; !strings.Contains(msg, "inv-usd") || !strings.Contains(msg, "USD") {
		t.Errorf("Ready message = %q, want it to name the invoice and its currency", msg)
	}
	if order.Status.AmountInvoiced != "300.00" || order.Status.RiskLevel != collectionsv1alpha1.RiskLevelLow || order.Status.OverdueDays != 20 {
		t.Errorf("status = %s invoiced, level %s at %d days; want the EUR invoice alone: 300.00, Low at 20",
			order.Status.AmountInvoiced, order.Status.RiskLevel, order.Status.OverdueDays)
	}

	if err := h.client.Delete(context.Background(), dollars); err != nil {
		t.Fatalf("deleting the USD invoice: %v", err)
	}
	h.eventuallyOrder("o", readyReason(metav1.ConditionTrue, collectionsv1alpha1.ReasonComputed))

	euros := &collectionsv1alpha1.Invoice{}
	euros.Name, euros.Namespace = "inv-eur", ns
	if err := h.client.Delete(context.Background(), euros); err != nil {
		t.Fatalf("deleting the EUR invoice: %v", err)
	}
	order = h.eventuallyOrder("o", levelIs(collectionsv1alpha1.RiskLevelNone, 0))
	if order.Status.CollectionState != collectionsv1alpha1.CollectionStateNotInvoiced || order.Status.AmountInvoiced != "0.00" {
		t.Errorf("after deleting every invoice: state %s, %s invoiced; want NotInvoiced, 0.00", order.Status.CollectionState, order.Status.AmountInvoiced)
	}
}

func TestSaleOrderOrderCurrencyDiffersFromPolicy(t *testing.T) {
	ns := newNamespace(t)
	h := startHarness(t, ns, clocktesting.NewFakeClock(testNow), newSender(t, clocktesting.NewFakeClock(testNow)))
	h.create(newPolicy("default"))
	order := newOrder("o")
	order.Spec.Currency = "USD"
	h.create(order)
	invoice := newInvoice("inv", "o", "300.00", 100)
	invoice.Spec.Currency = "USD"
	h.create(invoice)

	got := h.eventuallyOrder("o", readyReason(metav1.ConditionFalse, collectionsv1alpha1.ReasonCurrencyMismatch))
	if got.Status.RiskLevel != "" || got.Status.AmountDue != "300.00" {
		t.Errorf("level %q with %s due; want no level, and the amounts still computed", got.Status.RiskLevel, got.Status.AmountDue)
	}
	delivered := meta.FindStatusCondition(got.Status.Conditions, collectionsv1alpha1.ConditionNotificationDelivered)
	if delivered == nil || delivered.Reason != collectionsv1alpha1.ReasonNoLevel {
		t.Errorf("NotificationDelivered = %+v, want reason NoLevel", delivered)
	}
}

func TestRefreshAnnotation(t *testing.T) {
	ns := newNamespace(t)
	clk := clocktesting.NewFakeClock(testNow)
	h := startHarness(t, ns, clk, nil)
	policy := newPolicy("default")
	h.create(policy)
	h.create(newOrder("a"))
	h.create(newInvoice("inv-a", "a", "300.00", 10))
	h.create(newOrder("b"))
	h.create(newInvoice("inv-b", "b", "300.00", 44))
	h.eventuallyOrder("a", levelIs(collectionsv1alpha1.RiskLevelNone, 10))
	h.eventuallyOrder("b", levelIs(collectionsv1alpha1.RiskLevelLow, 44))

	annotate := func(obj client.Object, value string) {
		t.Helper()
		patch := client.RawPatch("application/merge-patch+json",
			[]byte(fmt.Sprintf(`{"metadata":{"annotations":{%q:%q}}}`, collectionsv1alpha1.RefreshRequestedAtAnnotation, value)))
		if err := h.client.Patch(context.Background(), obj, patch); err != nil {
			t.Fatalf("annotating %s: %v", obj.GetName(), err)
		}
	}

	t.Run("on_an_order", func(t *testing.T) {
		clk.SetTime(testNow.Add(time.Hour))
		order := h.order("a")
		annotate(order, "2026-06-15T11:00:00Z")
		got := h.eventuallyOrder("a", func(o *collectionsv1alpha1.SaleOrder) error {
			if o.Status.LastHandledRefresh != "2026-06-15T11:00:00Z" {
				return fmt.Errorf("lastHandledRefresh = %q", o.Status.LastHandledRefresh)
			}
			return nil
		})
		if !got.Status.LastRefreshedAt.Time.Equal(clk.Now()) {
			t.Errorf("lastRefreshedAt = %v, want the refresh time %v", got.Status.LastRefreshedAt, clk.Now())
		}

		// The same value again changes nothing.
		h.reconcileOrder("a")
		if again := h.order("a"); again.ResourceVersion != got.ResourceVersion {
			t.Errorf("a reconcile with the handled value wrote the order: resourceVersion %s, then %s", got.ResourceVersion, again.ResourceVersion)
		}
	})

	t.Run("on_a_policy", func(t *testing.T) {
		// A day later order b crosses 45 days, but nothing but the daily
		// timer would recompute it; the policy's annotation does at once.
		clk.SetTime(testNow.Add(24 * time.Hour))
		annotate(policy, "2026-06-16T10:00:00Z")
		h.eventuallyOrder("b", levelIs(collectionsv1alpha1.RiskLevelMedium, 45))
		h.eventuallyOrder("a", levelIs(collectionsv1alpha1.RiskLevelNone, 11))
		NewWithTEventually(t, func() error {
			var p collectionsv1alpha1.CollectionPolicy
			if err := h.client.Get(context.Background(), client.ObjectKeyFromObject(policy), &p); err != nil {
				return err
			}
			if p.Status.LastHandledRefresh != "2026-06-16T10:00:00Z" {
				return fmt.Errorf("policy lastHandledRefresh = %q", p.Status.LastHandledRefresh)
			}
			return nil
		})
	})
}
