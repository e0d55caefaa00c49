package controllers

import (
	"context"
	"fmt"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	collectionsv1alpha1 "github.com/overdue-dev/overdue-operator/api/v1alpha1"
	"github.com/overdue-dev/overdue-operator/internal/notify"
	"github.com/overdue-dev/overdue-operator/internal/risk"
)

// notify emails the salesperson when the order's level differs from the
// level of the last email that the SMTP server accepted, and the policy
// asks for an email in that direction. It sets NotificationDelivered either
// way. It returns stale when the cache lags behind the API server, so the
// caller must retry instead of acting on old data, and retry when a
// transient send failure should be retried with backoff.
func (r *SaleOrderReconciler) notify(ctx context.Context, order *collectionsv1alpha1.SaleOrder, in *orderInputs, result *risk.Result, now time.Time) (stale bool, retry error) {
	status := &order.Status
	previous := collectionsv1alpha1.RiskLevelNone
	if status.LastNotification != nil {
		previous = status.LastNotification.RiskLevel
	}
	level := status.RiskLevel

	if skip, reason, message := r.skipNotification(in, previous, level); skip {
		value := metav1.ConditionFalse
		if reason == collectionsv1alpha1.ReasonNotificationSent || reason == collectionsv1alpha1.ReasonUpToDate {
			value = metav1.ConditionTrue
		}
		setCondition(status, order.Generation, collectionsv1alpha1.ConditionNotificationDelivered, value, reason, message, now)
		return false, nil
	}

	// The cache may not yet hold the status write that recorded the last
	// email. Sending on such a stale copy would send the same change twice.
	fresh := &collectionsv1alpha1.SaleOrder{}
	if err := r.APIReader.Get(ctx, client.ObjectKeyFromObject(order), fresh); err != nil {
		return false, fmt.Errorf("reading SaleOrder %s/%s before sending an email: %w", order.Namespace, order.Name, err)
	}
	if fresh.ResourceVersion != order.ResourceVersion {
		return true, nil
	}

	n := buildNotification(order, in, result, previous, now)
	if err := r.Notifier.Send(ctx, n); err != nil {
		return false, r.recordSendFailure(ctx, order, err, now)
	}
	r.recordSent(ctx, order, n, now)
	return false, nil
}

// skipNotification decides whether no email is due, and if so, returns the
// reason and message of the NotificationDelivered condition.
func (r *SaleOrderReconciler) skipNotification(in *orderInputs, previous, level collectionsv1alpha1.RiskLevel) (bool, string, string) {
	switch {
	case level == "":
		return true, collectionsv1alpha1.ReasonNoLevel, "No email: the order has no risk level, and the Ready condition says why"
	case level == previous && previous == collectionsv1alpha1.RiskLevelNone:
		return true, collectionsv1alpha1.ReasonUpToDate, "No email needed: the order has been at level None since it was created"
	case level == previous:
		return true, collectionsv1alpha1.ReasonNotificationSent, fmt.Sprintf("The salesperson was emailed about the current level %s", level)
	}

	email := in.policy.Spec.Notification.Email
	if email.Enabled != nil && !*email.Enabled {
		return true, collectionsv1alpha1.ReasonNotificationDisabled,
			fmt.Sprintf("No email about level %s: CollectionPolicy %q sets spec.notification.email.enabled to false", level, in.policyName)
	}
	directions := make([]notify.Direction, 0, len(email.NotifyOn))
	for _, direction := range email.NotifyOn {
		directions = append(directions, notify.Direction(direction))
	}
	if !notify.ShouldNotify(directions, notify.Level(previous), notify.Level(level)) {
		return true, collectionsv1alpha1.ReasonNotificationDisabled,
			fmt.Sprintf("No email about the change from %s to %s: spec.notification.email.notifyOn of CollectionPolicy %q does not include its direction",
				previous, level, in.policyName)
	}
	if r.Notifier == nil || !r.Notifier.Enabled() {
		return true, collectionsv1alpha1.ReasonEmailNotConfigured,
			fmt.Sprintf("No email about level %s: email is not configured; start the manager with --smtp-address and --smtp-from", level)
	}
	return false, "", ""
}

// buildNotification collects what the email about the order's new level
// shows.
func buildNotification(order *collectionsv1alpha1.SaleOrder, in *orderInputs, result *risk.Result, previous collectionsv1alpha1.RiskLevel, now time.Time) notify.Notification {
	email := in.policy.Spec.Notification.Email
	changedAt := now
	if order.Status.RiskChangedAt != nil {
		changedAt = order.Status.RiskChangedAt.Time
	}
	n := notify.Notification{
		OrderName:           order.Name,
		Namespace:           order.Namespace,
		UID:                 string(order.UID),
		Reference:           order.Spec.Reference,
		CustomerName:        string(order.Spec.Customer.Name),
		SalespersonName:     string(order.Spec.Salesperson.Name),
		SalespersonEmail:    string(order.Spec.Salesperson.Email),
		PolicyName:          in.policyName,
		PreviousLevel:       notify.Level(previous),
		NewLevel:            notify.Level(order.Status.RiskLevel),
		Tier:                order.Status.RiskTier,
		Currency:            string(order.Spec.Currency),
		AmountInvoiced:      string(order.Status.AmountInvoiced),
		AmountDue:           string(order.Status.AmountDue),
		AmountOverdue:       string(order.Status.AmountOverdue),
		OverdueDays:         int64(order.Status.OverdueDays),
		CommunicationStatus: string(order.Status.CommunicationStatus),
		CollectionRemark:    order.Status.CollectionRemark,
		ComputedAt:          now,
		Location:            in.compiled.Location(),
		ChangeKey:           changedAt.UTC().Format(time.RFC3339),
	}
	for _, address := range email.CC {
		n.Cc = append(n.Cc, string(address))
	}
	for _, address := range email.EscalateTo {
		n.EscalateTo = append(n.EscalateTo, string(address))
	}
	for _, invoice := range result.OverdueInvoices() {
		n.OverdueInvoices = append(n.OverdueInvoices, notify.OverdueInvoice{
			Name:        invoice.Name,
			Number:      invoice.Number,
			DueDate:     invoice.OldestDueDate,
			AmountOpen:  invoice.AmountDue,
			OverdueDays: int64(invoice.OverdueDays),
		})
	}
	if n.CommunicationStatus == "" {
		n.CommunicationStatus = string(collectionsv1alpha1.CommunicationNotContacted)
	}
	return n
}

// recordSent records an email that the SMTP server accepted. Only this
// function sets lastNotification, so a failed send is never recorded as
// sent.
func (r *SaleOrderReconciler) recordSent(ctx context.Context, order *collectionsv1alpha1.SaleOrder, n notify.Notification, now time.Time) {
	status := &order.Status
	status.LastNotification = &collectionsv1alpha1.LastNotification{RiskLevel: status.RiskLevel, SentAt: metav1.NewTime(now)}
	recipients, _ := n.Recipients() // Send has parsed them already, so this cannot fail.
	message := fmt.Sprintf("Emailed %s about level %s", order.Spec.Salesperson.Email, status.RiskLevel)
	if len(recipients) > 1 {
		message += fmt.Sprintf(", with %d more in Cc", len(recipients)-1)
	}
	appendHistory(status, collectionsv1alpha1.HistoryEntry{
		Time:    metav1.NewTime(now),
		Type:    collectionsv1alpha1.HistoryNotificationSent,
		To:      string(status.RiskLevel),
		Message: message,
	})
	setCondition(status, order.Generation, collectionsv1alpha1.ConditionNotificationDelivered, metav1.ConditionTrue,
		collectionsv1alpha1.ReasonNotificationSent, message, now)
	r.Recorder.Eventf(order, nil, "Normal", collectionsv1alpha1.ReasonNotificationSent, "SendEmail", "%s", message)
	ctrl.LoggerFrom(ctx).Info("Notification email sent", "riskLevel", status.RiskLevel, "recipients", len(recipients))
}

// recordSendFailure records a failed send in NotificationDelivered and as
// an event. It returns the error when a retry can help, and nil for a
// permanent failure such as an invalid address, which waits for someone to
// fix the data instead of being retried.
func (r *SaleOrderReconciler) recordSendFailure(ctx context.Context, order *collectionsv1alpha1.SaleOrder, err error, now time.Time) error {
	status := &order.Status
	cause := notify.Reason(err)
	reason := collectionsv1alpha1.ReasonNotificationFailed
	if cause == notify.ReasonInvalidAddress {
		reason = collectionsv1alpha1.ReasonInvalidAddress
	}
	message := fmt.Sprintf("Email about level %s not delivered (%s): %v", status.RiskLevel, cause, err)
	permanent := notify.IsPermanent(err)
	if permanent {
		message += "; it is not retried until the order or its policy changes"
	} else {
		message += "; retrying with backoff"
	}
	setCondition(status, order.Generation, collectionsv1alpha1.ConditionNotificationDelivered, metav1.ConditionFalse, reason, message, now)
	r.Recorder.Eventf(order, nil, "Warning", collectionsv1alpha1.ReasonNotificationFailed, "SendEmail", "%s", message)
	ctrl.LoggerFrom(ctx).Error(err, "Notification email failed", "riskLevel", status.RiskLevel, "reason", cause, "permanent", permanent)
	if permanent {
		return nil
	}
	return fmt.Errorf("sending the email about level %s: %w", status.RiskLevel, err)
}
