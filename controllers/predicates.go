package controllers

import (
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/predicate"

	collectionsv1alpha1 "github.com/overdue-dev/overdue-operator/api/v1alpha1"
)

// refreshRequested passes updates that change the refresh annotation.
func refreshRequested() predicate.Predicate {
	return predicate.Funcs{
		UpdateFunc: func(e event.UpdateEvent) bool {
			return refreshValue(e.ObjectOld) != refreshValue(e.ObjectNew)
		},
	}
}

func refreshValue(obj client.Object) string {
	return obj.GetAnnotations()[collectionsv1alpha1.RefreshRequestedAtAnnotation]
}

// saleOrderUpdated passes updates of a SaleOrder for which changed returns
// true.
func saleOrderUpdated(changed func(old, updated *collectionsv1alpha1.SaleOrder) bool) predicate.Predicate {
	return predicate.Funcs{
		UpdateFunc: func(e event.UpdateEvent) bool {
			old, okOld := e.ObjectOld.(*collectionsv1alpha1.SaleOrder)
			updated, okNew := e.ObjectNew.(*collectionsv1alpha1.SaleOrder)
			return okOld && okNew && changed(old, updated)
		},
	}
}

// followUpChanged passes updates of a SaleOrder in which a person changed
// communicationStatus or collectionRemark. The controller never writes
// either field, so its own status writes do not pass.
func followUpChanged() predicate.Predicate {
	return saleOrderUpdated(func(old, updated *collectionsv1alpha1.SaleOrder) bool {
		return old.Status.CommunicationStatus != updated.Status.CommunicationStatus ||
			old.Status.CollectionRemark != updated.Status.CollectionRemark
	})
}

// orderCountChanged passes the updates of a SaleOrder that change a
// policy's order counts: a new level, or another policy.
func orderCountChanged() predicate.Predicate {
	return saleOrderUpdated(func(old, updated *collectionsv1alpha1.SaleOrder) bool {
		return old.Status.RiskLevel != updated.Status.RiskLevel || policyNameOf(old) != policyNameOf(updated)
	})
}

// specOrRefreshChanged passes creations, deletions, spec changes and
// changes of the refresh annotation, but not status writes.
func specOrRefreshChanged() predicate.Predicate {
	return predicate.Or(predicate.GenerationChangedPredicate{}, refreshRequested())
}
