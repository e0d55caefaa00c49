package controllers

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	clocktesting "k8s.io/utils/clock/testing"
	"sigs.k8s.io/controller-runtime/pkg/client"

	collectionsv1alpha1 "github.com/overdue-dev/overdue-operator/api/v1alpha1"
	"github.com/overdue-dev/overdue-operator/internal/notify"
	"github.com/overdue-dev/overdue-operator/test/mailpit"
)

// emailsAbout returns the emails in Mailpit whose subject names reference.
func emailsAbout(t *testing.T, reference string) []mailpit.Message {
	t.Helper()
	messages, err := mail.Search(context.Background(), fmt.Sprintf("subject:%q", reference))
	if err != nil {
		t.Fatalf("searching Mailpit: %v", err)
	}
	return messages
}

// deliveredIs returns a matcher that checks NotificationDelivered.
func deliveredIs(value metav1.ConditionStatus, reason string) func(*collectionsv1alpha1.SaleOrder) error {
	return func(o *collectionsv1alpha1.SaleOrder) error {
		c := meta.FindStatusCondition(o.Status.Conditions, collectionsv1alpha1.ConditionNotificationDelivered)
		if c == nil || c.Status != value || c.Reason != reason {
			return fmt.Errorf("NotificationDelivered = %+v, want %s with reason %s", c, value, reason)
		}
		return nil
	}
}

func TestNotificationSentOncePerChange(t *testing.T) {
	ns := newNamespace(t)
	clk := clocktesting.NewFakeClock(testNow)
	sender := newSender(t, clk)
	h := startHarness(t, ns, clk, sender)
	sentBefore := testutil.ToFloat64(notificationsTotal.WithLabelValues("sent"))
	h.create(newPolicy("default"))
	order := newOrder("o")
	order.Spec.Reference = "SO-" + ns
	h.create(order)
	h.create(newInvoice("inv", "o", "300.00", 100))

	got := h.eventuallyOrder("o", deliveredIs(metav1.ConditionTrue, collectionsv1alpha1.ReasonNotificationSent))
	if got.Status.LastNotification == nil || got.Status.LastNotification.RiskLevel != collectionsv1alpha1.RiskLevelHigh ||
		!got.Status.LastNotification.SentAt.Time.Equal(testNow) {
		t.Fatalf("lastNotification = %+v, want High at %v", got.Status.LastNotification, testNow)
	}
	emails := emailsAbout(t, order.Spec.Reference)
	if len(emails) != 1 {
		t.Fatalf("%d emails about %s, want 1", len(emails), order.Spec.Reference)
	}
	email := emails[0]
	if want := "Risk High: " + order.Spec.Reference; !strings.HasPrefix(email.Subject, want) {
		t.Errorf("subject = %q, want it to start with %q", email.Subject, want)
	}
	if len(email.To) != 1 || email.To[0].Address != "ana@example.com" {
		t.Errorf("To = %+v, want the salesperson", email.To)
	}
	var cc []string
	for _, address := range email.Cc {
		cc = append(cc, address.Address)
	}
	if strings.Join(cc, ",") != "finance@example.com,director@example.com" {
		t.Errorf("Cc = %v, want the policy's cc and, at High, its escalateTo", cc)
	}
	NewWithTEventually(t, func() error {
		if n := len(h.events("o", collectionsv1alpha1.ReasonNotificationSent)); n != 1 {
			return fmt.Errorf("%d NotificationSent events, want 1", n)
		}
		return nil
	})

	t.Run("100_reconciles_send_no_more", func(t *testing.T) {
		for range 100 {
			h.reconcileOrder("o")
		}
		if n := len(emailsAbout(t, order.Spec.Reference)); n != 1 {
			t.Errorf("%d emails after 100 reconciles, want 1", n)
		}
		if sent := testutil.ToFloat64(notificationsTotal.WithLabelValues("sent")) - sentBefore; sent != 1 {
			t.Errorf("the sent metric grew by %v, want 1", sent)
		}
	})

	t.Run("restart_sends_no_more", func(t *testing.T) {
		h.stop()
		restarted := startHarness(t, ns, clk, sender)
		// The new manager reconciles every order once at start; give it time.
		restarted.eventuallyOrder("o", deliveredIs(metav1.ConditionTrue, collectionsv1alpha1.ReasonNotificationSent))
		restarted.settle("o")
		restarted.reconcileOrder("o")
		if n := len(emailsAbout(t, order.Spec.Reference)); n != 1 {
			t.Errorf("%d emails after a restart, want 1", n)
		}
	})
}

// flakyNotifier fails the first failures sends with a transient error and
// then delegates to a real sender. It forces the fault of an SMTP server
// that is down and comes back.
type flakyNotifier struct {
	*notify.Sender
	failures atomic.Int32
	attempts atomic.Int32
}

func (f *flakyNotifier) Send(ctx context.Context, n notify.Notification) error {
	f.attempts.Add(1)
	if f.failures.Add(-1) >= 0 {
		return &notify.DeliveryError{Reason: notify.ReasonSMTPUnavailable, Err: errors.New("dial tcp 127.0.0.1:1: connect: connection refused")}
	}
	return f.Sender.Send(ctx, n)
}

func TestNotificationRetriedUntilDelivered(t *testing.T) {
	ns := newNamespace(t)
	clk := clocktesting.NewFakeClock(testNow)
	flaky := &flakyNotifier{Sender: newSender(t, clk)}
	flaky.failures.Store(2)
	h := startHarness(t, ns, clk, flaky)
	h.create(newPolicy("default"))
	order := newOrder("o")
	order.Spec.Reference = "SO-" + ns
	h.create(order)
	h.create(newInvoice("inv", "o", "300.00", 50))

	failed := h.eventuallyOrder("o", deliveredIs(metav1.ConditionFalse, collectionsv1alpha1.ReasonNotificationFailed))
	if failed.Status.LastNotification != nil {
		t.Errorf("lastNotification = %+v after a failed send, want none", failed.Status.LastNotification)
	}
	if failed.Status.RiskLevel != collectionsv1alpha1.RiskLevelMedium {
		t.Errorf("level = %q, want Medium recorded although the email failed", failed.Status.RiskLevel)
	}

	got := h.eventuallyOrder("o", deliveredIs(metav1.ConditionTrue, collectionsv1alpha1.ReasonNotificationSent))
	if got.Status.LastNotification == nil || got.Status.LastNotification.RiskLevel != collectionsv1alpha1.RiskLevelMedium {
		t.Errorf("lastNotification = %+v, want Medium", got.Status.LastNotification)
	}
	if n := flaky.attempts.Load(); n != 3 {
		t.Errorf("%d send attempts, want 2 failures and 1 success", n)
	}
	if n := len(emailsAbout(t, order.Spec.Reference)); n != 1 {
		t.Errorf("%d emails, want 1", n)
	}
	NewWithTEventually(t, func() error {
		if len(h.events("o", collectionsv1alpha1.ReasonNotificationFailed)) == 0 {
			return errors.New("no NotificationFailed event")
		}
		return nil
	})
}

func TestNotificationNotConfigured(t *testing.T) {
	ns := newNamespace(t)
	clk := clocktesting.NewFakeClock(testNow)
	disabled := newUnconfiguredSender(t, clk)
	h := startHarness(t, ns, clk, disabled)
	h.create(newPolicy("default"))
	h.create(newOrder("o"))
	h.create(newInvoice("inv", "o", "300.00", 100))

	got := h.eventuallyOrder("o", deliveredIs(metav1.ConditionFalse, collectionsv1alpha1.ReasonEmailNotConfigured))
	if got.Status.RiskLevel != collectionsv1alpha1.RiskLevelHigh || got.Status.LastNotification != nil {
		t.Errorf("level %q, lastNotification %+v; want High recorded and nothing sent", got.Status.RiskLevel, got.Status.LastNotification)
	}
}

func TestNotificationFilteredByNotifyOn(t *testing.T) {
	ns := newNamespace(t)
	clk := clocktesting.NewFakeClock(testNow)
	h := startHarness(t, ns, clk, newSender(t, clk))
	policy := newPolicy("default")
	policy.Spec.Notification.Email.NotifyOn = []collectionsv1alpha1.NotifyDirection{collectionsv1alpha1.NotifyOnIncrease}
	h.create(policy)
	order := newOrder("o")
	order.Spec.Reference = "SO-" + ns
	h.create(order)
	invoice := newInvoice("inv", "o", "300.00", 100)
	h.create(invoice)
	h.eventuallyOrder("o", deliveredIs(metav1.ConditionTrue, collectionsv1alpha1.ReasonNotificationSent))

	if err := h.client.Delete(context.Background(), invoice); err != nil {
		t.Fatal(err)
	}
	got := h.eventuallyOrder("o", deliveredIs(metav1.ConditionFalse, collectionsv1alpha1.ReasonNotificationDisabled))
	if got.Status.RiskLevel != collectionsv1alpha1.RiskLevelNone || got.Status.LastNotification.RiskLevel != collectionsv1alpha1.RiskLevelHigh {
		t.Errorf("level %q, last emailed %q; want None, with High still the last email", got.Status.RiskLevel, got.Status.LastNotification.RiskLevel)
	}
	if n := len(emailsAbout(t, order.Spec.Reference)); n != 1 {
		t.Errorf("%d emails, want only the rise to High", n)
	}
}

// failingStatusClient fails every status patch while failures is positive.
// It forces the fault of an API server that is unreachable right after the
// SMTP server accepted an email.
type failingStatusClient struct {
	client.Client
	failures *atomic.Int32
}

func (c failingStatusClient) Status() client.SubResourceWriter {
	return racingStatusWriter{SubResourceWriter: c.Client.Status(), before: func(context.Context, client.Object) error {
		if c.failures.Add(-1) >= 0 {
			return apierrors.NewForbidden(schema.GroupResource{Group: "collections.overdue.dev", Resource: "saleorders/status"}, "o", errors.New("forced fault"))
		}
		return nil
	}}
}

func TestNotificationRecordLostAfterSend(t *testing.T) {
	ns := newNamespace(t)
	clk := clocktesting.NewFakeClock(testNow)
	disabled := newUnconfiguredSender(t, clk)
	// The manager cannot send, so that every email comes from the reconciler
	// that this test drives.
	h := startHarness(t, ns, clk, disabled)
	h.create(newPolicy("default"))
	order := newOrder("o")
	order.Spec.Reference = "SO-" + ns
	h.create(order)
	h.create(newInvoice("inv", "o", "300.00", 100))
	h.eventuallyOrder("o", deliveredIs(metav1.ConditionFalse, collectionsv1alpha1.ReasonEmailNotConfigured))
	h.settle("o")

	failures := &atomic.Int32{}
	failures.Store(100)
	reconciler := *h.orders
	reconciler.Notifier = newSender(t, clk)
	reconciler.Client = failingStatusClient{Client: h.orders.Client, failures: failures}
	if _, err := reconciler.Reconcile(context.Background(), reconcileRequest(ns, "o")); err == nil {
		t.Fatal("the reconcile succeeded although every status write failed")
	}
	if n := len(emailsAbout(t, order.Spec.Reference)); n != 1 {
		t.Fatalf("%d emails after the first attempt, want 1", n)
	}
	if got := h.order("o"); got.Status.LastNotification != nil {
		t.Fatalf("lastNotification = %+v, want none because the write failed", got.Status.LastNotification)
	}

	failures.Store(0)
	clk.Step(time.Minute)
	h.orders = &reconciler
	h.reconcileOrder("o")
	got := h.order("o")
	if got.Status.LastNotification == nil || got.Status.LastNotification.RiskLevel != collectionsv1alpha1.RiskLevelHigh ||
		!got.Status.LastNotification.SentAt.Time.Equal(testNow) {
		t.Errorf("lastNotification = %+v, want High sent at %v", got.Status.LastNotification, testNow)
	}
	if n := len(emailsAbout(t, order.Spec.Reference)); n != 1 {
		t.Errorf("%d emails after the retry, want still 1", n)
	}
}
