package controllers

import (
	"context"
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
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
	"github.com/overdue-dev/overdue-operator/internal/risk"
)

// InvoiceReconciler writes each Invoice's payment state, amount due and
// overdue days. It evaluates the whole order, because a credit note changes
// what its sibling invoices still owe.
type InvoiceReconciler struct {
	client.Client
	Clock clock.PassiveClock

	// MaxRefreshJitter bounds the per-invoice delay added to the daily
	// refresh time.
	MaxRefreshJitter time.Duration
}

// Reconcile brings one Invoice's status up to date and requeues it for the
// next daily refresh, when its overdue days may grow.
func (r *InvoiceReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	invoice := &collectionsv1alpha1.Invoice{}
	if err := r.Get(ctx, req.NamespacedName, invoice); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	original := invoice.DeepCopy()
	now := truncatedNow(r.Clock)

	order := &collectionsv1alpha1.SaleOrder{}
	err := r.Get(ctx, client.ObjectKey{Namespace: invoice.Namespace, Name: invoice.Spec.SaleOrderRef.Name}, order)
	if apierrors.IsNotFound(err) {
		setInvoiceUncomputed(invoice, collectionsv1alpha1.ReasonSaleOrderNotFound,
			fmt.Sprintf("SaleOrder %q not found in namespace %q; create it, or fix spec.saleOrderRef.name", invoice.Spec.SaleOrderRef.Name, invoice.Namespace), now)
		return ctrl.Result{}, r.patchStatus(ctx, original, invoice)
	}
	if err != nil {
		return ctrl.Result{}, fmt.Errorf("reading SaleOrder %s/%s: %w", invoice.Namespace, invoice.Spec.SaleOrderRef.Name, err)
	}

	in, err := loadOrderInputs(ctx, r.Client, order)
	if err != nil {
		return ctrl.Result{}, err
	}
	if in.compiled == nil {
		setInvoiceUncomputed(invoice, in.policyErr.reason, in.policyErr.message, now)
		return ctrl.Result{}, r.patchStatus(ctx, original, invoice)
	}

	result := in.evaluate(order, now)
	invoiceResult := findInvoiceResult(&result, invoice.Name)
	if invoiceResult == nil {
		// The invoice was deleted or moved to another order between the
		// two cache reads; its own watch event reconciles it again.
		ctrl.LoggerFrom(ctx).V(1).Info("Invoice changed while its order was evaluated, retrying")
		return ctrl.Result{RequeueAfter: staleCacheRetry}, nil
	}
	applyInvoiceResult(invoice, invoiceResult, now)
	if err := r.patchStatus(ctx, original, invoice); err != nil {
		return ctrl.Result{}, err
	}
	next := in.nextRefresh(now, string(invoice.UID), r.MaxRefreshJitter)
	return ctrl.Result{RequeueAfter: max(next.Sub(now), time.Second)}, nil
}

// findInvoiceResult returns the engine's result for the named invoice.
func findInvoiceResult(result *risk.Result, name string) *risk.InvoiceResult {
	for i := range result.Invoices {
		if result.Invoices[i].Name == name {
			return &result.Invoices[i]
		}
	}
	return nil
}

// applyInvoiceResult writes the engine's result for one invoice into its
// status.
func applyInvoiceResult(invoice *collectionsv1alpha1.Invoice, result *risk.InvoiceResult, now time.Time) {
	status := &invoice.Status
	status.ObservedGeneration = invoice.Generation
	status.PaymentState = collectionsv1alpha1.PaymentState(result.PaymentState)
	status.AmountDue = collectionsv1alpha1.Amount(result.AmountDue)
	status.OverdueDays = result.OverdueDays

	if len(result.Problems) > 0 {
		reason := collectionsv1alpha1.ReasonInvalidInvoice
		if result.Problems[0].Reason == risk.ReasonCurrencyMismatch {
			reason = collectionsv1alpha1.ReasonCurrencyMismatch
		}
		setInvoiceCondition(invoice, metav1.ConditionFalse, reason, joinProblems(result.Problems), now)
		return
	}
	setInvoiceCondition(invoice, metav1.ConditionTrue, collectionsv1alpha1.ReasonComputed, invoiceSummary(invoice, result), now)
}

// invoiceSummary describes the computed state of a document for its Ready
// condition.
func invoiceSummary(invoice *collectionsv1alpha1.Invoice, result *risk.InvoiceResult) string {
	switch {
	case result.PaymentState == risk.PaymentDraft:
		return "Draft: not counted until it is posted"
	case result.PaymentState == risk.PaymentCancelled:
		return "Cancelled: not counted"
	case invoice.Spec.Type == collectionsv1alpha1.InvoiceTypeCreditNote && result.PaymentState == risk.PaymentPaid:
		return "Credit note fully applied or refunded"
	case invoice.Spec.Type == collectionsv1alpha1.InvoiceTypeCreditNote:
		return fmt.Sprintf("Credit note with %s %s neither applied nor refunded", result.AmountDue, invoice.Spec.Currency)
	}
	message := fmt.Sprintf("%s, %s %s due", result.PaymentState, result.AmountDue, invoice.Spec.Currency)
	if result.OverdueDays > 0 {
		message += fmt.Sprintf(", %d days overdue", result.OverdueDays)
	}
	return message
}

// setInvoiceUncomputed clears the computed figures of an invoice that
// cannot be evaluated and sets Ready to False with the reason.
func setInvoiceUncomputed(invoice *collectionsv1alpha1.Invoice, reason, message string, now time.Time) {
	status := &invoice.Status
	status.ObservedGeneration = invoice.Generation
	status.PaymentState = ""
	status.AmountDue = ""
	status.OverdueDays = 0
	setInvoiceCondition(invoice, metav1.ConditionFalse, reason, message, now)
}

func setInvoiceCondition(invoice *collectionsv1alpha1.Invoice, value metav1.ConditionStatus, reason, message string, now time.Time) {
	meta.SetStatusCondition(&invoice.Status.Conditions, newCondition(invoice.Generation, collectionsv1alpha1.ConditionReady, value, reason, message, now))
}

// patchStatus writes the changed status fields, and nothing when none
// changed.
func (r *InvoiceReconciler) patchStatus(ctx context.Context, original, invoice *collectionsv1alpha1.Invoice) error {
	if equality.Semantic.DeepEqual(original.Status, invoice.Status) {
		return nil
	}
	if err := r.Status().Patch(ctx, invoice, client.MergeFrom(original)); err != nil {
		return fmt.Errorf("patching the status of Invoice %s/%s: %w", invoice.Namespace, invoice.Name, err)
	}
	ctrl.LoggerFrom(ctx).V(1).Info("Status updated", "paymentState", invoice.Status.PaymentState, "amountDue", invoice.Status.AmountDue)
	return nil
}

// SetupWithManager registers the reconciler. An invoice is reconciled when
// its spec changes, when a sibling invoice of the same order changes (a
// credit note moves amounts between them), and when the spec or the refresh
// annotation of its order or the order's policy changes.
func (r *InvoiceReconciler) SetupWithManager(mgr ctrl.Manager, options controller.TypedOptions[reconcile.Request]) error {
	return ctrl.NewControllerManagedBy(mgr).
		Named("invoice").
		For(&collectionsv1alpha1.Invoice{}, builder.WithPredicates(predicate.GenerationChangedPredicate{})).
		Watches(&collectionsv1alpha1.Invoice{}, handler.EnqueueRequestsFromMapFunc(r.siblingInvoices),
			builder.WithPredicates(predicate.GenerationChangedPredicate{})).
		Watches(&collectionsv1alpha1.SaleOrder{}, handler.EnqueueRequestsFromMapFunc(r.invoicesOfOrder),
			builder.WithPredicates(specOrRefreshChanged())).
		Watches(&collectionsv1alpha1.CollectionPolicy{}, handler.EnqueueRequestsFromMapFunc(r.invoicesOfPolicy),
			builder.WithPredicates(specOrRefreshChanged())).
		WithOptions(options).
		Complete(r)
}

func (r *InvoiceReconciler) siblingInvoices(ctx context.Context, obj client.Object) []reconcile.Request {
	invoice, ok := obj.(*collectionsv1alpha1.Invoice)
	if !ok {
		return nil
	}
	return r.invoiceRequests(ctx, invoice.Namespace, invoice.Spec.SaleOrderRef.Name)
}

func (r *InvoiceReconciler) invoicesOfOrder(ctx context.Context, obj client.Object) []reconcile.Request {
	return r.invoiceRequests(ctx, obj.GetNamespace(), obj.GetName())
}

func (r *InvoiceReconciler) invoicesOfPolicy(ctx context.Context, obj client.Object) []reconcile.Request {
	orders, err := ordersUsingPolicy(ctx, r.Client, obj.GetNamespace(), obj.GetName())
	if err != nil {
		ctrl.LoggerFrom(ctx).Error(err, "Listing the orders of a changed policy failed; their invoices are recomputed at their next reconcile",
			"collectionPolicy", klog.KObj(obj))
		return nil
	}
	var requests []reconcile.Request
	for _, order := range orders {
		requests = append(requests, r.invoiceRequests(ctx, order.Namespace, order.Name)...)
	}
	return requests
}

// invoiceRequests returns a request for each invoice of the order.
func (r *InvoiceReconciler) invoiceRequests(ctx context.Context, namespace, orderName string) []reconcile.Request {
	invoices, err := listInvoices(ctx, r.Client, namespace, orderName)
	if err != nil {
		ctrl.LoggerFrom(ctx).Error(err, "Listing the invoices of an order failed; they are recomputed at their next reconcile",
			"saleOrder", klog.KRef(namespace, orderName))
		return nil
	}
	requests := make([]reconcile.Request, 0, len(invoices))
	for _, invoice := range invoices {
		requests = append(requests, reconcile.Request{NamespacedName: types.NamespacedName{Namespace: invoice.Namespace, Name: invoice.Name}})
	}
	return requests
}
