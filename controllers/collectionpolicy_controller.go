package controllers

import (
	"context"
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	collectionsv1alpha1 "github.com/overdue-dev/overdue-operator/api/v1alpha1"
	"github.com/overdue-dev/overdue-operator/internal/risk"
)

// CollectionPolicyReconciler validates CollectionPolicies and counts their
// orders by risk level. The SaleOrder reconciler recomputes the orders
// when a policy changes; this one only reports on the policy.
type CollectionPolicyReconciler struct {
	client.Client
	Clock clock.PassiveClock
}

// Reconcile validates one policy, counts its orders per level, and records
// a handled refresh request.
func (r *CollectionPolicyReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	policy := &collectionsv1alpha1.CollectionPolicy{}
	if err := r.Get(ctx, req.NamespacedName, policy); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	original := policy.DeepCopy()
	now := truncatedNow(r.Clock)
	policy.Status.ObservedGeneration = policy.Generation

	setPolicyReady(policy, risk.ValidatePolicy(toRiskPolicy(policy)), now)

	counts, err := r.countOrders(ctx, policy)
	if err != nil {
		return ctrl.Result{}, err
	}
	policy.Status.Orders = counts

	// The SaleOrder reconciler's watch on policies has queued every order
	// of the policy for this annotation change already.
	if value, ok := policy.Annotations[collectionsv1alpha1.RefreshRequestedAtAnnotation]; ok {
		policy.Status.LastHandledRefresh = value
	}

	if equality.Semantic.DeepEqual(original.Status, policy.Status) {
		return ctrl.Result{}, nil
	}
	if err := r.Status().Patch(ctx, policy, client.MergeFrom(original)); err != nil {
		return ctrl.Result{}, fmt.Errorf("patching the status of CollectionPolicy %s/%s: %w", policy.Namespace, policy.Name, err)
	}
	ctrl.LoggerFrom(ctx).V(1).Info("Status updated", "orders", counts.Total, "high", counts.High)
	return ctrl.Result{}, nil
}

// setPolicyReady sets Ready from the validation problems. The reason is the
// first problem's, and the message lists them all, each naming its field.
func setPolicyReady(policy *collectionsv1alpha1.CollectionPolicy, problems []risk.Problem, now time.Time) {
	condition := newCondition(policy.Generation, collectionsv1alpha1.ConditionReady, metav1.ConditionTrue,
		collectionsv1alpha1.ReasonPolicyValid, fmt.Sprintf("The policy is valid: %d tiers in %s, refreshed daily at %s %s",
			len(policy.Spec.Tiers), policy.Spec.Currency, policy.Spec.RefreshTime, policy.Spec.TimeZone), now)
	if len(problems) > 0 {
		condition.Status = metav1.ConditionFalse
		condition.Reason = problems[0].Reason
		condition.Message = truncateMessage(joinProblems(problems))
	}
	meta.SetStatusCondition(&policy.Status.Conditions, condition)
}

// countOrders counts the orders that use the policy by their risk level.
// An order without a level counts as None.
func (r *CollectionPolicyReconciler) countOrders(ctx context.Context, policy *collectionsv1alpha1.CollectionPolicy) (collectionsv1alpha1.OrderCounts, error) {
	var orders collectionsv1alpha1.SaleOrderList
	err := r.List(ctx, &orders, client.InNamespace(policy.Namespace), client.MatchingFields{orderPolicyIndex: policy.Name})
	if err != nil {
		return collectionsv1alpha1.OrderCounts{}, fmt.Errorf("listing the orders of CollectionPolicy %s/%s: %w", policy.Namespace, policy.Name, err)
	}
	var counts collectionsv1alpha1.OrderCounts
	for _, order := range orders.Items {
		counts.Total++
		switch order.Status.RiskLevel {
		case collectionsv1alpha1.RiskLevelLow:
			counts.Low++
		case collectionsv1alpha1.RiskLevelMedium:
			counts.Medium++
		case collectionsv1alpha1.RiskLevelHigh:
			counts.High++
		default:
			counts.None++
		}
	}
	return counts, nil
}

// SetupWithManager registers the reconciler. A policy is reconciled when
// its spec or refresh annotation changes, and when one of its orders is
// created, deleted, moved to another policy or changes its level.
func (r *CollectionPolicyReconciler) SetupWithManager(mgr ctrl.Manager, options controller.TypedOptions[reconcile.Request]) error {
	return ctrl.NewControllerManagedBy(mgr).
		Named("collectionpolicy").
		For(&collectionsv1alpha1.CollectionPolicy{}, builder.WithPredicates(specOrRefreshChanged())).
		Watches(&collectionsv1alpha1.SaleOrder{}, handler.EnqueueRequestsFromMapFunc(policyOfOrder),
			builder.WithPredicates(orderCountChanged())).
		WithOptions(options).
		Complete(r)
}

// policyOfOrder maps an order to the policy it uses.
func policyOfOrder(_ context.Context, obj client.Object) []reconcile.Request {
	order, ok := obj.(*collectionsv1alpha1.SaleOrder)
	if !ok {
		return nil
	}
	return []reconcile.Request{{NamespacedName: types.NamespacedName{Namespace: order.Namespace, Name: policyNameOf(order)}}}
}
