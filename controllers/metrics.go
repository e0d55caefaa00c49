package controllers

import (
	"github.com/prometheus/client_golang/prometheus"
	"sigs.k8s.io/controller-runtime/pkg/metrics"
)

// Metrics of the manager, served with controller-runtime's own metrics at
// --metrics-bind-address.
var (
	// notificationsTotal counts the emails the SMTP server accepted, and the
	// sends that failed, by result.
	notificationsTotal = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "overdue_operator_notifications_total",
		Help: "Risk-level emails by result: sent (accepted by the SMTP server) or failed.",
	}, []string{"result"})

	// riskLevelChangesTotal counts the level changes of orders by the new
	// level.
	riskLevelChangesTotal = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "overdue_operator_risk_level_changes_total",
		Help: "Risk-level changes of SaleOrders, by the new level.",
	}, []string{"level"})
)

func init() {
	metrics.Registry.MustRegister(notificationsTotal, riskLevelChangesTotal)
}
