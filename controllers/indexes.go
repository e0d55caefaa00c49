package controllers

import (
	"context"
	"fmt"

	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/manager"

	collectionsv1alpha1 "github.com/overdue-dev/overdue-operator/api/v1alpha1"
)

const (
	// invoiceOrderIndex indexes Invoices by spec.saleOrderRef.name, so that
	// an order's invoices are read from the cache without listing every
	// invoice of the namespace.
	invoiceOrderIndex = "spec.saleOrderRef.name"

	// orderPolicyIndex indexes SaleOrders by the name of the policy they use:
	// spec.policyRef.name, or "default" without it.
	orderPolicyIndex = "policyName"

	// DefaultPolicyName is the CollectionPolicy that an order without
	// spec.policyRef uses.
	DefaultPolicyName = "default"
)

// policyNameOf returns the name of the CollectionPolicy that order uses.
func policyNameOf(order *collectionsv1alpha1.SaleOrder) string {
	if order.Spec.PolicyRef != nil && order.Spec.PolicyRef.Name != "" {
		return order.Spec.PolicyRef.Name
	}
	return DefaultPolicyName
}

// SetupIndexes registers the field indexes that the reconcilers list by. It
// must run once per manager, before the reconcilers start.
func SetupIndexes(ctx context.Context, mgr manager.Manager) error {
	indexer := mgr.GetFieldIndexer()
	err := indexer.IndexField(ctx, &collectionsv1alpha1.Invoice{}, invoiceOrderIndex, func(obj client.Object) []string {
		return []string{obj.(*collectionsv1alpha1.Invoice).Spec.SaleOrderRef.Name}
	})
	if err != nil {
		return fmt.Errorf("indexing invoices by %s: %w", invoiceOrderIndex, err)
	}
	err = indexer.IndexField(ctx, &collectionsv1alpha1.SaleOrder{}, orderPolicyIndex, func(obj client.Object) []string {
		return []string{policyNameOf(obj.(*collectionsv1alpha1.SaleOrder))}
	})
	if err != nil {
		return fmt.Errorf("indexing sale orders by %s: %w", orderPolicyIndex, err)
	}
	return nil
}
