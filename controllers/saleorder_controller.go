package controllers

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	utilnet "k8s.io/apimachinery/pkg/util/net"
	"k8s.io/client-go/tools/events"
	"k8s.io/client-go/util/retry"
	"k8s.io/klog/v2"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	collectionsv1alpha1 "github.com/overdue-dev/overdue-operator/api/v1alpha1"
	"github.com/overdue-dev/overdue-operator/internal/notify"
	"github.com/overdue-dev/overdue-operator/internal/risk"
)

// Notifier sends the email about an order's new risk level. *notify.Sender
// implements it.
type Notifier interface {
	// Enabled reports whether email is configured at all.
	Enabled() bool
	// Send returns nil once the SMTP server has accepted the message, and a
	// *notify.DeliveryError otherwise.
	Send(ctx context.Context, n notify.Notification) error
}

// DefaultMaxRefreshJitter bounds the delay that spreads the daily refresh of
// many orders over a few minutes instead of one second.
const DefaultMaxRefreshJitter = 2 * time.Minute

// SaleOrderReconciler computes the collection status and risk level of
// SaleOrders, and emails the salesperson when the level changes.
type SaleOrderReconciler struct {
	client.Client

	// APIReader reads from the API server without the cache. It confirms
	// that an email has not been sent yet right before sending it, because
	// the cache can lag behind the status write that recorded the last one.
	APIReader client.Reader

	Clock    clock.PassiveClock
	Recorder events.EventRecorder
	Notifier Notifier

	// MaxRefreshJitter bounds the per-order delay added to the daily
	// refresh time.
	MaxRefreshJitter time.Duration
}

// +kubebuilder:rbac:groups=collections.overdue.dev,resources=saleorders;invoices;collectionpolicies,verbs=get;list;watch
// +kubebuilder:rbac:groups=collections.overdue.dev,resources=saleorders/status;invoices/status;collectionpolicies/status,verbs=get;patch
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch

// Reconcile brings one SaleOrder's status up to date. It loads the order's
// policy and invoices, computes amounts and the risk level, and records
// follow-up changes. Then it emails the salesperson about a new level,
// writes the status if anything changed, and requeues for the next daily
// refresh.
func (r *SaleOrderReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	log := ctrl.LoggerFrom(ctx)

	order := &collectionsv1alpha1.SaleOrder{}
	if err := r.Get(ctx, req.NamespacedName, order); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	original := order.DeepCopy()
	now := truncatedNow(r.Clock)

	in, err := loadOrderInputs(ctx, r.Client, order)
	if err != nil {
		return ctrl.Result{}, err
	}

	result, change := r.compute(order, in, now)
	recordFollowUp(&order.Status, now)
	if value, ok := order.Annotations[collectionsv1alpha1.RefreshRequestedAtAnnotation]; ok {
		order.Status.LastHandledRefresh = value
	}

	outcome, err := r.notifySalesperson(ctx, order, in, result, now)
	if err != nil {
		return ctrl.Result{}, err
	}
	if outcome.stale {
		log.V(1).Info("Cache is behind the API server, retrying once it catches up")
		return ctrl.Result{RequeueAfter: staleCacheRetry}, nil
	}

	if outcome.sent {
		err = r.patchStatusAfterSend(ctx, original, order, now)
	} else {
		err = r.patchStatus(ctx, original, order, now)
	}
	if apierrors.IsConflict(err) {
		log.V(1).Info("Order changed since it was read, recomputing it")
		return ctrl.Result{RequeueAfter: staleCacheRetry}, nil
	}
	if err != nil {
		return ctrl.Result{}, err
	}
	r.emitEvents(order, change, outcome)

	if outcome.retry != nil {
		// The status records the failure, and the error hands the retry to
		// the controller's exponential backoff.
		return ctrl.Result{}, outcome.retry
	}
	return r.requeueForRefresh(ctx, order, now), nil
}

// staleCacheRetry is the delay before a reconcile that found its cached copy
// out of date runs again. The cache usually catches up within milliseconds.
const staleCacheRetry = 200 * time.Millisecond

// truncatedNow returns the clock's time in UTC, truncated to the second
// precision that the API stores, so that a recomputed status compares equal
// to the stored one.
func truncatedNow(c clock.PassiveClock) time.Time {
	return c.Now().UTC().Truncate(time.Second)
}

// compute writes the risk engine's result and the next refresh time into
// the order's status. It returns the result, nil when the policy cannot be
// used, and the level change, nil when there is none.
func (r *SaleOrderReconciler) compute(order *collectionsv1alpha1.SaleOrder, in *orderInputs, now time.Time) (*risk.Result, *levelChange) {
	if in.compiled == nil {
		return nil, applyComputation(order, in, nil, now)
	}
	result := in.evaluate(order, now)
	change := applyComputation(order, in, &result, now)
	order.Status.NextRefreshAt = timePtr(in.nextRefresh(now, string(order.UID), r.MaxRefreshJitter))
	return &result, change
}

// patchStatus writes the status fields that the controller changed, and
// nothing when it changed none. It sends a JSON merge patch of only the
// changed fields. Because the patch replaces lists such as history and
// conditions whole, it carries the resourceVersion that the status was
// computed from, and the API server rejects it with a conflict when the
// cached copy was out of date. A person's patch of communicationStatus or
// collectionRemark is never overwritten either way: the controller's patch
// does not contain those fields, and a conflict makes it recompute.
func (r *SaleOrderReconciler) patchStatus(ctx context.Context, original, order *collectionsv1alpha1.SaleOrder, now time.Time) error {
	if equality.Semantic.DeepEqual(original.Status, order.Status) {
		return nil
	}
	order.Status.LastRefreshedAt = timePtr(now)
	patch := client.MergeFromWithOptions(original, client.MergeFromWithOptimisticLock{})
	if err := r.Status().Patch(ctx, order, patch); err != nil {
		return fmt.Errorf("patching the status of SaleOrder %s/%s: %w", order.Namespace, order.Name, err)
	}
	ctrl.LoggerFrom(ctx).V(1).Info("Status updated", "riskLevel", order.Status.RiskLevel, "overdueDays", order.Status.OverdueDays)
	return nil
}

// sendRecordTimeout bounds the status write that records a sent email.
const sendRecordTimeout = 30 * time.Second

// patchStatusAfterSend writes the status after the SMTP server accepted an
// email. Losing this write would send the email again, so it carries no
// resourceVersion, whose conflict would lose it: the API server read right
// before the send confirmed that the status was current. It also outlives
// the cancellation of ctx at shutdown and retries transient API errors.
func (r *SaleOrderReconciler) patchStatusAfterSend(ctx context.Context, original, order *collectionsv1alpha1.SaleOrder, now time.Time) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), sendRecordTimeout)
	defer cancel()
	order.Status.LastRefreshedAt = timePtr(now)
	patch := client.MergeFrom(original)
	err := retry.OnError(retry.DefaultBackoff, isTransientAPIError, func() error {
		return r.Status().Patch(ctx, order, patch)
	})
	if err != nil {
		return fmt.Errorf("recording the sent email in the status of SaleOrder %s/%s: %w", order.Namespace, order.Name, err)
	}
	ctrl.LoggerFrom(ctx).V(1).Info("Status updated", "riskLevel", order.Status.RiskLevel, "lastNotification", order.Status.LastNotification.RiskLevel)
	return nil
}

// isTransientAPIError reports whether a failed API call may succeed when
// tried again.
func isTransientAPIError(err error) bool {
	return apierrors.IsServerTimeout(err) || apierrors.IsTimeout(err) || apierrors.IsTooManyRequests(err) ||
		apierrors.IsServiceUnavailable(err) || apierrors.IsInternalError(err) || apierrors.IsUnexpectedServerError(err) ||
		utilnet.IsConnectionReset(err) || utilnet.IsConnectionRefused(err) || utilnet.IsProbableEOF(err)
}

// emitEvents records a level change and the outcome of a send as events and
// metrics, after the status that they describe has been written. A rising level is
// a Warning, because someone has to act on it.
func (r *SaleOrderReconciler) emitEvents(order *collectionsv1alpha1.SaleOrder, change *levelChange, outcome notifyOutcome) {
	if change != nil {
		riskLevelChangesTotal.WithLabelValues(string(change.to)).Inc()
		eventType := corev1.EventTypeNormal
		if change.rising() {
			eventType = corev1.EventTypeWarning
		}
		r.Recorder.Eventf(order, nil, eventType, collectionsv1alpha1.ReasonRiskLevelChanged, "ComputeRisk", "%s", levelChangeMessage(order, change))
	}
	switch {
	case outcome.sent && !outcome.recordedOnly:
		notificationsTotal.WithLabelValues("sent").Inc()
		r.Recorder.Eventf(order, nil, corev1.EventTypeNormal, collectionsv1alpha1.ReasonNotificationSent, "SendEmail", "%s", outcome.message)
	case outcome.failed:
		notificationsTotal.WithLabelValues("failed").Inc()
		r.Recorder.Eventf(order, nil, corev1.EventTypeWarning, collectionsv1alpha1.ReasonNotificationFailed, "SendEmail", "%s", outcome.message)
	}
}

// requeueForRefresh returns the delay until the next daily refresh. An
// order without a usable policy is not requeued, because a change of the
// policy triggers its next reconcile.
func (r *SaleOrderReconciler) requeueForRefresh(ctx context.Context, order *collectionsv1alpha1.SaleOrder, now time.Time) ctrl.Result {
	if order.Status.NextRefreshAt == nil {
		return ctrl.Result{}
	}
	after := max(order.Status.NextRefreshAt.Sub(now), time.Second)
	ctrl.LoggerFrom(ctx).V(1).Info("Reconciliation finished", "nextRefreshAt", order.Status.NextRefreshAt.Time, "requeueAfter", after)
	return ctrl.Result{RequeueAfter: after}
}

// SetupWithManager registers the reconciler. An order is reconciled when
// its spec, its refresh annotation or its follow-up fields change, when one
// of its invoices changes, and when its policy changes. Its own status
// writes never trigger a reconcile, so reconciles cannot loop.
func (r *SaleOrderReconciler) SetupWithManager(mgr ctrl.Manager, options controller.TypedOptions[reconcile.Request]) error {
	return ctrl.NewControllerManagedBy(mgr).
		Named("saleorder").
		For(&collectionsv1alpha1.SaleOrder{}, builder.WithPredicates(predicate.Or(specOrRefreshChanged(), followUpChanged()))).
		// Only spec changes of invoices matter: passing the Invoice
		// controller's status writes would recompute orders for nothing.
		Watches(&collectionsv1alpha1.Invoice{}, handler.EnqueueRequestsFromMapFunc(orderOfInvoice),
			builder.WithPredicates(predicate.GenerationChangedPredicate{})).
		Watches(&collectionsv1alpha1.CollectionPolicy{}, handler.EnqueueRequestsFromMapFunc(r.ordersOfPolicy),
			builder.WithPredicates(specOrRefreshChanged())).
		WithOptions(options).
		Complete(r)
}

// orderOfInvoice maps an invoice to the order it references. On an update
// that moves the invoice to another order, the handler maps the old and the
// new object, so both orders are recomputed.
func orderOfInvoice(_ context.Context, obj client.Object) []reconcile.Request {
	invoice, ok := obj.(*collectionsv1alpha1.Invoice)
	if !ok || invoice.Spec.SaleOrderRef.Name == "" {
		return nil
	}
	return []reconcile.Request{{NamespacedName: types.NamespacedName{Namespace: invoice.Namespace, Name: invoice.Spec.SaleOrderRef.Name}}}
}

// ordersOfPolicy maps a policy to every order that uses it.
func (r *SaleOrderReconciler) ordersOfPolicy(ctx context.Context, obj client.Object) []reconcile.Request {
	requests, err := ordersUsingPolicy(ctx, r.Client, obj.GetNamespace(), obj.GetName())
	if err != nil {
		ctrl.LoggerFrom(ctx).Error(err, "Listing the orders of a changed policy failed; they are recomputed at their next reconcile",
			"collectionPolicy", klog.KObj(obj))
	}
	return requests
}

// ordersUsingPolicy returns a request for each order that uses the policy.
func ordersUsingPolicy(ctx context.Context, c client.Reader, namespace, policyName string) ([]reconcile.Request, error) {
	var orders collectionsv1alpha1.SaleOrderList
	if err := c.List(ctx, &orders, client.InNamespace(namespace), client.MatchingFields{orderPolicyIndex: policyName}); err != nil {
		return nil, fmt.Errorf("listing the orders of CollectionPolicy %s/%s: %w", namespace, policyName, err)
	}
	requests := make([]reconcile.Request, 0, len(orders.Items))
	for _, order := range orders.Items {
		requests = append(requests, reconcile.Request{NamespacedName: types.NamespacedName{Namespace: order.Namespace, Name: order.Name}})
	}
	return requests, nil
}
