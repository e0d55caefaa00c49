package controllers

import (
	"context"
	"fmt"
	"time"

	"k8s.io/client-go/util/workqueue"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
)

// Config holds what every reconciler of the manager shares.
type Config struct {
	// Clock is the source of "now"; tests pass a fake clock.
	Clock clock.PassiveClock
	// Notifier sends the emails; one whose Enabled returns false records
	// levels without sending.
	Notifier Notifier
	// MaxRefreshJitter bounds the per-object delay after the daily refresh
	// time.
	MaxRefreshJitter time.Duration
	// MaxConcurrentReconciles is the number of objects of each kind
	// reconciled at once.
	MaxConcurrentReconciles int
}

// Backoff bounds of a failed reconcile, such as an email that the SMTP
// server did not accept: the first retry after retryBaseDelay, each next one
// after twice the delay, at most retryMaxDelay.
const (
	retryBaseDelay = time.Second
	retryMaxDelay  = 5 * time.Minute
)

// Setup registers the field indexes and the three reconcilers with mgr.
func Setup(ctx context.Context, mgr ctrl.Manager, config Config) error {
	if err := SetupIndexes(ctx, mgr); err != nil {
		return err
	}
	options := func() controller.TypedOptions[reconcile.Request] {
		return controller.TypedOptions[reconcile.Request]{
			MaxConcurrentReconciles: config.MaxConcurrentReconciles,
			RateLimiter:             workqueue.NewTypedItemExponentialFailureRateLimiter[reconcile.Request](retryBaseDelay, retryMaxDelay),
		}
	}

	orders := &SaleOrderReconciler{
		Client:           mgr.GetClient(),
		APIReader:        mgr.GetAPIReader(),
		Clock:            config.Clock,
		Recorder:         mgr.GetEventRecorder("overdue-operator"),
		Notifier:         config.Notifier,
		MaxRefreshJitter: config.MaxRefreshJitter,
	}
	if err := orders.SetupWithManager(mgr, options()); err != nil {
		return fmt.Errorf("setting up the SaleOrder controller: %w", err)
	}
	invoices := &InvoiceReconciler{Client: mgr.GetClient(), Clock: config.Clock, MaxRefreshJitter: config.MaxRefreshJitter}
	if err := invoices.SetupWithManager(mgr, options()); err != nil {
		return fmt.Errorf("setting up the Invoice controller: %w", err)
	}
	policies := &CollectionPolicyReconciler{Client: mgr.GetClient(), Clock: config.Clock}
	if err := policies.SetupWithManager(mgr, options()); err != nil {
		return fmt.Errorf("setting up the CollectionPolicy controller: %w", err)
	}
	return nil
}
