package controllers

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clocktesting "k8s.io/utils/clock/testing"
	"sigs.k8s.io/controller-runtime/pkg/client"

	collectionsv1alpha1 "github.com/overdue-dev/overdue-operator/api/v1alpha1"
	"github.com/overdue-dev/overdue-operator/internal/schedule"
)

// levelIs returns a matcher for eventuallyOrder that checks the level and
// the overdue days.
func levelIs(level collectionsv1alpha1.RiskLevel, days int32) func(*collectionsv1alpha1.SaleOrder) error {
	return func(o *collectionsv1alpha1.SaleOrder) error {
		if o.Status.RiskLevel != level || o.Status.OverdueDays != days {
			return fmt.Errorf("level %q at %d days, want %q at %d", o.Status.RiskLevel, o.Status.OverdueDays, level, days)
		}
		return nil
	}
}

// readyReason returns a matcher that checks Ready's status and reason.
func readyReason(value metav1.ConditionStatus, reason string) func(*collectionsv1alpha1.SaleOrder) error {
	return func(o *collectionsv1alpha1.SaleOrder) error {
		ready := meta.FindStatusCondition(o.Status.Conditions, collectionsv1alpha1.ConditionReady)
		if ready == nil || ready.Status != value || ready.Reason != reason {
			return fmt.Errorf("Ready is %+v, want %s with reason %s", ready, value, reason)
		}
		return nil
	}
}

func TestSaleOrderLevels(t *testing.T) {
	ns := newNamespace(t)
	clk := clocktesting.NewFakeClock(testNow)
	h := startHarness(t, ns, clk, nil)
	h.create(newPolicy("default"))

	cases := []struct {
		name    string
		amount  string
		daysAgo int
		state   collectionsv1alpha1.CollectionState
		tier    string
		level   collectionsv1alpha1.RiskLevel
	}{
		{"due-today", "500.00", 0, collectionsv1alpha1.CollectionStateNotDue, "small", collectionsv1alpha1.RiskLevelNone},
		{"due-yesterday", "500.00", 1, collectionsv1alpha1.CollectionStateOverdue, "small", collectionsv1alpha1.RiskLevelNone},
		{"overdue-30", "500.00", 30, collectionsv1alpha1.CollectionStateOverdue, "small", collectionsv1alpha1.RiskLevelLow},
		{"overdue-60", "500.00", 60, collectionsv1alpha1.CollectionStateOverdue, "small", collectionsv1alpha1.RiskLevelMedium},
		{"overdue-120", "500.00", 120, collectionsv1alpha1.CollectionStateOverdue, "small", collectionsv1alpha1.RiskLevelHigh},
		{"large-30", "10000.00", 30, collectionsv1alpha1.CollectionStateOverdue, "large", collectionsv1alpha1.RiskLevelMedium},
	}
	for _, tc := range cases {
		h.create(newOrder(tc.name))
		h.create(newInvoice("inv-"+tc.name, tc.name, tc.amount, tc.daysAgo))
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			order := h.eventuallyOrder(tc.name, levelIs(tc.level, int32(tc.daysAgo)))
			overdue := "0.00"
			if tc.daysAgo > 0 {
				overdue = tc.amount
			}
			want := collectionsv1alpha1.SaleOrderStatus{
				Policy:          "default",
				RiskTier:        tc.tier,
				CollectionState: tc.state,
				AmountInvoiced:  collectionsv1alpha1.Amount(tc.amount),
				AmountDue:       collectionsv1alpha1.Amount(tc.amount),
				AmountOverdue:   collectionsv1alpha1.Amount(overdue),
				OverdueDays:     int32(tc.daysAgo),
				RiskLevel:       tc.level,
			}
			got := collectionsv1alpha1.SaleOrderStatus{
				Policy:          order.Status.Policy,
				RiskTier:        order.Status.RiskTier,
				CollectionState: order.Status.CollectionState,
				AmountInvoiced:  order.Status.AmountInvoiced,
				AmountDue:       order.Status.AmountDue,
				AmountOverdue:   order.Status.AmountOverdue,
				OverdueDays:     order.Status.OverdueDays,
				RiskLevel:       order.Status.RiskLevel,
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("status =\n%+v\nwant\n%+v", got, want)
			}
			if string(order.Status.OldestDueDate) != string(newInvoice("x", "x", "1", tc.daysAgo).Spec.DueDate) {
				t.Errorf("oldestDueDate = %s", order.Status.OldestDueDate)
			}
			if err := readyReason(metav1.ConditionTrue, collectionsv1alpha1.ReasonComputed)(order); err != nil {
				t.Error(err)
			}
			if order.Status.ObservedGeneration != order.Generation {
				t.Errorf("observedGeneration = %d, want %d", order.Status.ObservedGeneration, order.Generation)
			}
			if order.Status.LastRefreshedAt == nil || !order.Status.LastRefreshedAt.Time.Equal(testNow) {
				t.Errorf("lastRefreshedAt = %v, want %v", order.Status.LastRefreshedAt, testNow)
			}
		})
	}

	t.Run("first_computation_at_120_days_is_high", func(t *testing.T) {
		order := h.order("overdue-120")
		if len(order.Status.History) != 1 {
			t.Fatalf("history = %+v, want one level change", order.Status.History)
		}
		entry := order.Status.History[0]
		if entry.Type != collectionsv1alpha1.HistoryRiskLevelChanged || entry.From != "None" || entry.To != "High" {
			t.Errorf("history entry = %+v, want RiskLevelChanged from None to High", entry)
		}
		if order.Status.RiskChangedAt == nil || !order.Status.RiskChangedAt.Time.Equal(testNow) {
			t.Errorf("riskChangedAt = %v, want %v", order.Status.RiskChangedAt, testNow)
		}
	})

	t.Run("next_day_reaches_the_threshold", func(t *testing.T) {
		h.create(newOrder("overdue-44"))
		h.create(newInvoice("inv-overdue-44", "overdue-44", "500.00", 44))
		h.eventuallyOrder("overdue-44", levelIs(collectionsv1alpha1.RiskLevelLow, 44))

		clk.SetTime(testNow.Add(24 * time.Hour))
		h.reconcileOrder("overdue-44")
		order := h.eventuallyOrder("overdue-44", levelIs(collectionsv1alpha1.RiskLevelMedium, 45))
		if order.Status.RiskChangedAt == nil || !order.Status.RiskChangedAt.Time.Equal(clk.Now()) {
			t.Errorf("riskChangedAt = %v, want %v", order.Status.RiskChangedAt, clk.Now())
		}
		NewWithTEventually(t, func() error {
			if len(h.events("overdue-44", collectionsv1alpha1.ReasonRiskLevelChanged)) == 0 {
				return errors.New("no RiskLevelChanged event")
			}
			return nil
		})
		clk.SetTime(testNow)
	})
}

func TestSaleOrderPaymentLowersLevel(t *testing.T) {
	ns := newNamespace(t)
	h := startHarness(t, ns, clocktesting.NewFakeClock(testNow), nil)
	h.create(newPolicy("default"))
	h.create(newOrder("o"))
	invoice := newInvoice("inv", "o", "800.00", 100)
	h.create(invoice)
	h.eventuallyOrder("o", levelIs(collectionsv1alpha1.RiskLevelHigh, 100))

	patch := client.RawPatch("application/merge-patch+json", []byte(`{"spec":{"amountPaid":"800.00"}}`))
	if err := h.client.Patch(context.Background(), invoice, patch); err != nil {
		t.Fatalf("paying the invoice: %v", err)
	}
	order := h.eventuallyOrder("o", levelIs(collectionsv1alpha1.RiskLevelNone, 0))
	if order.Status.CollectionState != collectionsv1alpha1.CollectionStatePaid || order.Status.AmountDue != "0.00" {
		t.Errorf("state %s with %s due, want Paid with 0.00", order.Status.CollectionState, order.Status.AmountDue)
	}
	last := order.Status.History[len(order.Status.History)-1]
	if last.Type != collectionsv1alpha1.HistoryRiskLevelChanged || last.From != "High" || last.To != "None" {
		t.Errorf("newest history entry = %+v, want a change from High to None", last)
	}
	// Events are sent asynchronously, so they are polled for.
	NewWithTEventually(t, func() error {
		events := h.events("o", collectionsv1alpha1.ReasonRiskLevelChanged)
		for _, event := range events {
			if event.Type == "Normal" && strings.Contains(event.Note, "fell from High to None") {
				return nil
			}
		}
		return fmt.Errorf("no Normal RiskLevelChanged event for the fall in %+v", events)
	})

	var paid collectionsv1alpha1.Invoice
	NewWithTEventually(t, func() error {
		if err := h.client.Get(context.Background(), client.ObjectKeyFromObject(invoice), &paid); err != nil {
			return err
		}
		if paid.Status.PaymentState != collectionsv1alpha1.PaymentStatePaid || paid.Status.AmountDue != "0.00" || paid.Status.OverdueDays != 0 {
			return fmt.Errorf("invoice status = %+v", paid.Status)
		}
		return nil
	})
}

func TestSaleOrderNoOpWritesNothing(t *testing.T) {
	ns := newNamespace(t)
	h := startHarness(t, ns, clocktesting.NewFakeClock(testNow), nil)
	h.create(newPolicy("default"))
	h.create(newOrder("o"))
	h.create(newInvoice("inv", "o", "300.00", 50))
	h.eventuallyOrder("o", levelIs(collectionsv1alpha1.RiskLevelMedium, 50))
	h.settle("o")

	before := h.order("o")
	eventsBefore := len(h.events("o", collectionsv1alpha1.ReasonRiskLevelChanged))
	for range 5 {
		h.reconcileOrder("o")
	}
	after := h.order("o")
	if after.ResourceVersion != before.ResourceVersion {
		t.Errorf("resourceVersion changed from %s to %s after reconciles of an unchanged order", before.ResourceVersion, after.ResourceVersion)
	}
	if n := len(h.events("o", collectionsv1alpha1.ReasonRiskLevelChanged)); n != eventsBefore {
		t.Errorf("RiskLevelChanged events went from %d to %d", eventsBefore, n)
	}
}

func TestSaleOrderRequeuesAtNextRefresh(t *testing.T) {
	ns := newNamespace(t)
	clk := clocktesting.NewFakeClock(testNow)
	h := startHarness(t, ns, clk, nil)
	h.create(newPolicy("default"))
	h.create(newOrder("o"))
	order := h.eventuallyOrder("o", readyReason(metav1.ConditionTrue, collectionsv1alpha1.ReasonComputed))

	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	next, err := schedule.Next(testNow, berlin, "06:00")
	if err != nil {
		t.Fatal(err)
	}
	// 06:00 in Berlin summer time is 04:00 UTC on the next day.
	if want := time.Date(2026, time.June, 16, 4, 0, 0, 0, time.UTC); !next.Equal(want) {
		t.Fatalf("schedule.Next = %v, want %v", next, want)
	}
	next = next.Add(schedule.Jitter(string(order.UID), DefaultMaxRefreshJitter)).Truncate(time.Second)

	result := h.reconcileOrder("o")
	if want := next.Sub(testNow); result.RequeueAfter != want {
		t.Errorf("RequeueAfter = %v, want %v", result.RequeueAfter, want)
	}
	if order := h.order("o"); order.Status.NextRefreshAt == nil || !order.Status.NextRefreshAt.Time.Equal(next) {
		t.Errorf("nextRefreshAt = %v, want %v", order.Status.NextRefreshAt, next)
	}
}

func TestSaleOrderFollowUpSurvivesRace(t *testing.T) {
	cases := []struct {
		name string
		// sender is the notifier, nil for none.
		sender bool
		// daysAgo places the invoice's due date, and the day after testNow
		// either crosses a threshold, so that an email is sent, or not.
		daysAgo int
		level   collectionsv1alpha1.RiskLevel
	}{
		// A plain status write carries the resourceVersion it was computed
		// from, so the race makes it conflict and the controller recomputes.
		{name: "status_write_conflicts", daysAgo: 20, level: collectionsv1alpha1.RiskLevelLow},
		// The write that records a sent email carries no resourceVersion, so
		// it succeeds, and only the fields it contains change.
		{name: "write_after_send_merges", sender: true, daysAgo: 44, level: collectionsv1alpha1.RiskLevelMedium},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ns := newNamespace(t)
			clk := clocktesting.NewFakeClock(testNow)
			var notifier Notifier
			if tc.sender {
				notifier = newSender(t, clk)
			}
			h := startHarness(t, ns, clk, notifier)
			h.create(newPolicy("default"))
			order := newOrder("o")
			order.Spec.Reference = "SO-" + ns
			h.create(order)
			h.create(newInvoice("inv", "o", "300.00", tc.daysAgo))
			h.eventuallyOrder("o", func(o *collectionsv1alpha1.SaleOrder) error {
				if o.Status.OverdueDays != int32(tc.daysAgo) || meta.FindStatusCondition(o.Status.Conditions, collectionsv1alpha1.ConditionNotificationDelivered) == nil {
					return fmt.Errorf("status not computed yet: %+v", o.Status)
				}
				return nil
			})
			h.settle("o")

			// Forced fault: this client runs a person's status patch after the
			// reconciler has read the order and right before its own status
			// write, the window in which a read-modify-write would lose the
			// person's change.
			personPatched := false
			racing := racingClient{Client: h.orders.Client, beforeStatusPatch: func(ctx context.Context, obj client.Object) error {
				if personPatched {
					return nil
				}
				personPatched = true
				person := client.RawPatch("application/merge-patch+json",
					[]byte(`{"status":{"communicationStatus":"NotReachable","collectionRemark":"Phone disconnected"}}`))
				if err := env.Client.Status().Patch(ctx, obj.DeepCopyObject().(client.Object), person); err != nil {
					return fmt.Errorf("the person's patch failed: %w", err)
				}
				return nil
			}}
			reconciler := *h.orders
			reconciler.Client = racing

			// A day later the order's days change, so the reconciler has a
			// status to write.
			clk.SetTime(testNow.Add(24 * time.Hour))
			if _, err := reconciler.Reconcile(context.Background(), reconcileRequest(ns, "o")); err != nil {
				t.Fatalf("reconciling: %v", err)
			}
			if !personPatched {
				t.Fatal("the reconciler wrote no status, so the race was not forced")
			}
			order = h.order("o")
			if order.Status.CommunicationStatus != collectionsv1alpha1.CommunicationNotReachable || order.Status.CollectionRemark != "Phone disconnected" {
				t.Errorf("follow-up right after the race = %q / %q, want the person's NotReachable / Phone disconnected",
					order.Status.CommunicationStatus, order.Status.CollectionRemark)
			}

			// The manager reconciles the person's change and the new day, and
			// the follow-up stays.
			h.eventuallyOrder("o", func(o *collectionsv1alpha1.SaleOrder) error {
				if err := levelIs(tc.level, int32(tc.daysAgo+1))(o); err != nil && !tc.sender {
					return err
				}
				if o.Status.OverdueDays != int32(tc.daysAgo+1) {
					return fmt.Errorf("overdueDays = %d, want %d", o.Status.OverdueDays, tc.daysAgo+1)
				}
				if o.Status.CommunicationStatus != collectionsv1alpha1.CommunicationNotReachable || o.Status.CollectionRemark != "Phone disconnected" {
					return fmt.Errorf("follow-up = %q / %q", o.Status.CommunicationStatus, o.Status.CollectionRemark)
				}
				var status, remark bool
				for _, entry := range o.Status.History {
					status = status || (entry.Type == collectionsv1alpha1.HistoryCommunicationStatusChanged && entry.From == "NotContacted" && entry.To == "NotReachable")
					remark = remark || (entry.Type == collectionsv1alpha1.HistoryCollectionRemarkChanged && strings.Contains(entry.Message, "Phone disconnected"))
				}
				if !status || !remark {
					return fmt.Errorf("history lacks the follow-up changes: %+v", o.Status.History)
				}
				return nil
			})
			if tc.sender {
				got := h.order("o")
				if got.Status.LastNotification == nil || got.Status.LastNotification.RiskLevel != collectionsv1alpha1.RiskLevelMedium {
					t.Errorf("lastNotification = %+v, want the Medium email recorded", got.Status.LastNotification)
				}
				// One email for Low at creation, one for Medium a day later.
				if emails := emailsAbout(t, order.Spec.Reference); len(emails) != 2 {
					t.Errorf("%d emails, want 2: one per level change: %+v", len(emails), emails)
				}
			}
		})
	}
}

func TestSaleOrderHistoryKeepsNewest20(t *testing.T) {
	ns := newNamespace(t)
	h := startHarness(t, ns, clocktesting.NewFakeClock(testNow), nil)
	h.create(newPolicy("default"))
	h.create(newOrder("o"))
	h.create(newInvoice("inv", "o", "300.00", 100))
	order := h.eventuallyOrder("o", levelIs(collectionsv1alpha1.RiskLevelHigh, 100))

	for i := 1; i <= 25; i++ {
		remark := fmt.Sprintf("Call number %d", i)
		patch := client.RawPatch("application/merge-patch+json", []byte(fmt.Sprintf(`{"status":{"collectionRemark":%q}}`, remark)))
		if err := h.client.Status().Patch(context.Background(), order, patch); err != nil {
			t.Fatalf("patching the remark: %v", err)
		}
		h.eventuallyOrder("o", func(o *collectionsv1alpha1.SaleOrder) error {
			if o.Status.RecordedFollowUp == nil || o.Status.RecordedFollowUp.CollectionRemarkHash != remarkHash(remark) {
				return fmt.Errorf("remark %q not recorded yet", remark)
			}
			return nil
		})
	}

	order = h.order("o")
	if len(order.Status.History) != collectionsv1alpha1.MaxHistoryEntries {
		t.Fatalf("history has %d entries, want %d", len(order.Status.History), collectionsv1alpha1.MaxHistoryEntries)
	}
	if first := order.Status.History[0].Message; first != "Collection remark changed: Call number 6" {
		t.Errorf("oldest kept entry = %q, want the 6th remark", first)
	}
	if last := order.Status.History[19].Message; last != "Collection remark changed: Call number 25" {
		t.Errorf("newest entry = %q, want the 25th remark", last)
	}
}

// racingClient calls beforeStatusPatch before each status patch, to force a
// concurrent write into the window between a reconciler's read and write.
type racingClient struct {
	client.Client
	beforeStatusPatch func(ctx context.Context, obj client.Object) error
}

func (c racingClient) Status() client.SubResourceWriter {
	return racingStatusWriter{SubResourceWriter: c.Client.Status(), before: c.beforeStatusPatch}
}

type racingStatusWriter struct {
	client.SubResourceWriter
	before func(ctx context.Context, obj client.Object) error
}

func (w racingStatusWriter) Patch(ctx context.Context, obj client.Object, patch client.Patch, opts ...client.SubResourcePatchOption) error {
	if err := w.before(ctx, obj); err != nil {
		return err
	}
	return w.SubResourceWriter.Patch(ctx, obj, patch, opts...)
}

func TestSaleOrderHandEditedLevelRestored(t *testing.T) {
	ns := newNamespace(t)
	h := startHarness(t, ns, clocktesting.NewFakeClock(testNow), nil)
	h.create(newPolicy("default"))
	h.create(newOrder("o"))
	h.create(newInvoice("inv", "o", "300.00", 50))
	order := h.eventuallyOrder("o", levelIs(collectionsv1alpha1.RiskLevelMedium, 50))
	changes := len(order.Status.History)

	// Someone who may patch the follow-up fields can patch any status field.
	patch := client.RawPatch("application/merge-patch+json", []byte(`{"status":{"riskLevel":"Low"}}`))
	if err := h.client.Status().Patch(context.Background(), order, patch); err != nil {
		t.Fatalf("editing the level by hand: %v", err)
	}
	NewWithTEventually(t, func() error {
		h.reconcileOrder("o")
		return levelIs(collectionsv1alpha1.RiskLevelMedium, 50)(h.order("o"))
	})
	if got := h.order("o"); len(got.Status.History) != changes {
		t.Errorf("history = %+v, want no entry for restoring the computed level", got.Status.History)
	}
}
