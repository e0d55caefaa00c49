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

// notifyOutcome is the result of the notification step, for the status
// write and the events that follow it.
type notifyOutcome struct {
	// stale means the cache lags behind the API server, so nothing may be
	// written or sent until it catches up.
	stale bool
	// sent means the SMTP server accepted an email, which the status write
	// must record.
	sent bool
	// recordedOnly means the email was sent by an earlier reconcile whose
	// status write did not land, so only the record is written, and no
	// second NotificationSent event.
	recordedOnly bool
	// failed means a send failed, and retry is its error when a retry with
	// backoff can help.
	failed bool
	retry  error
	// message is the note of the NotificationSent or NotificationFailed
	// event.
	message string
}

// notifySalesperson emails the salesperson when the order's level differs
// from the level of the last email that the SMTP server accepted, and the
// policy requests an email in that direction. It sets NotificationDelivered
// either way. An error means that the API server could not be read, and
// nothing must be written.
func (r *SaleOrderReconciler) notifySalesperson(ctx context.Context, order *collectionsv1alpha1.SaleOrder, in *orderInputs, result *risk.Result, now time.Time) (notifyOutcome, error) {
	status := &order.Status
	previous := collectionsv1alpha1.RiskLevelNone
	if status.LastNotification != nil {
		previous = status.LastNotification.RiskLevel
	}

	sentEmails.forget(order.UID, status.LastNotification)

	decision := r.decideEmail(in, status, previous)
	if !decision.send {
		setCondition(status, order.Generation, collectionsv1alpha1.ConditionNotificationDelivered, decision.status, decision.reason, decision.message, now)
		return notifyOutcome{}, nil
	}

	unlock := sentEmails.lock(order.UID)
	defer unlock()

	// The cache may not yet hold the status write that recorded the last
	// email. Sending on such a stale copy would send the same change twice.
	fresh := &collectionsv1alpha1.SaleOrder{}
	if err := r.APIReader.Get(ctx, client.ObjectKeyFromObject(order), fresh); err != nil {
		return notifyOutcome{}, fmt.Errorf("reading SaleOrder %s/%s before sending an email: %w", order.Namespace, order.Name, err)
	}
	if fresh.ResourceVersion != order.ResourceVersion {
		return notifyOutcome{stale: true}, nil
	}

	n := buildNotification(order, in, result, previous, now)
	if email, ok := sentEmails.lookup(order.UID, n.ChangeKey); ok && email.level == status.RiskLevel {
		// This process sent the email already, but its status write was
		// lost or has not landed yet: record it without sending again.
		outcome := recordSent(order, n, email.sentAt)
		outcome.sent, outcome.recordedOnly = true, true
		return outcome, nil
	}
	if err := r.Notifier.Send(ctx, n); err != nil {
		return recordSendFailure(ctx, order, err, now), nil
	}
	outcome := recordSent(order, n, metav1.NewTime(now))
	sentEmails.record(order.UID, sentEmail{level: status.RiskLevel, changeKey: n.ChangeKey, sentAt: metav1.NewTime(now)})
	ctrl.LoggerFrom(ctx).Info("Notification email sent", "riskLevel", status.RiskLevel, "messageKey", n.ChangeKey)
	return outcome, nil
}

// emailDecision is whether an email is due, and if not, the
// NotificationDelivered condition that gives the reason.
type emailDecision struct {
	send    bool
	status  metav1.ConditionStatus
	reason  string
	message string
}

// decideEmail decides whether an email about the order's level is due.
func (r *SaleOrderReconciler) decideEmail(in *orderInputs, status *collectionsv1alpha1.SaleOrderStatus, previous collectionsv1alpha1.RiskLevel) emailDecision {
	level := status.RiskLevel
	switch {
	case level == "":
		return emailDecision{status: metav1.ConditionFalse, reason: collectionsv1alpha1.ReasonNoLevel,
			message: "No email: the order has no risk level, and the Ready condition gives the reason"}
	case level == previous && status.LastNotification != nil:
		return emailDecision{status: metav1.ConditionTrue, reason: collectionsv1alpha1.ReasonNotificationSent,
			message: fmt.Sprintf("The salesperson was emailed about the current level %s at %s", level,
				status.LastNotification.SentAt.UTC().Format(time.RFC3339))}
	case level == previous:
		return emailDecision{status: metav1.ConditionTrue, reason: collectionsv1alpha1.ReasonUpToDate,
			message: "No email is due: the level is None, and no email about this order has been sent"}
	}

	email := in.policy.Spec.Notification.Email
	if email.Enabled != nil && !*email.Enabled {
		return emailDecision{status: metav1.ConditionFalse, reason: collectionsv1alpha1.ReasonNotificationDisabled,
			message: fmt.Sprintf("No email about level %s: CollectionPolicy %q sets spec.notification.email.enabled to false", level, in.policyName)}
	}
	directions := make([]notify.Direction, 0, len(email.NotifyOn))
	for _, direction := range email.NotifyOn {
		directions = append(directions, notify.Direction(direction))
	}
	if !notify.ShouldNotify(directions, notify.Level(previous), notify.Level(level)) {
		return emailDecision{status: metav1.ConditionFalse, reason: collectionsv1alpha1.ReasonNotificationDisabled,
			message: fmt.Sprintf("No email about the change from %s to %s: spec.notification.email.notifyOn of CollectionPolicy %q does not include its direction",
				previous, level, in.policyName)}
	}
	if r.Notifier == nil || !r.Notifier.Enabled() {
		return emailDecision{status: metav1.ConditionFalse, reason: collectionsv1alpha1.ReasonEmailNotConfigured,
			message: fmt.Sprintf("No email about level %s: email is not configured; start the manager with --smtp-address and --smtp-from", level)}
	}
	return emailDecision{send: true}
}

// buildNotification collects what the email about the order's new level
// shows.
func buildNotification(order *collectionsv1alpha1.SaleOrder, in *orderInputs, result *risk.Result, previous collectionsv1alpha1.RiskLevel, now time.Time) notify.Notification {
	email := in.policy.Spec.Notification.Email
	// The key must be the same for every attempt at one change, also when
	// an attempt's status write was lost, so it comes from the last email
	// that was recorded, which only a successful send changes.
	changeKey := "first"
	if order.Status.LastNotification != nil {
		changeKey = order.Status.LastNotification.SentAt.UTC().Format(time.RFC3339)
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
		ChangeKey:           changeKey,
	}
	if n.CommunicationStatus == "" {
		n.CommunicationStatus = string(collectionsv1alpha1.CommunicationNotContacted)
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
	return n
}

// recordSent records an email that the SMTP server accepted at sentAt.
// Only this function sets lastNotification, so a failed send is never
// recorded as sent.
func recordSent(order *collectionsv1alpha1.SaleOrder, n notify.Notification, sentAt metav1.Time) notifyOutcome {
	status := &order.Status
	status.LastNotification = &collectionsv1alpha1.LastNotification{RiskLevel: status.RiskLevel, SentAt: sentAt}
	message := fmt.Sprintf("Emailed %s about level %s", order.Spec.Salesperson.Email, status.RiskLevel)
	// Send has parsed the same recipients, so an error can only come from
	// a spec change since an earlier send, and then the count is left out.
	if recipients, err := n.Recipients(); err == nil && len(recipients) > 1 {
		message += fmt.Sprintf(", with %d more in Cc", len(recipients)-1)
	}
	appendHistory(status, collectionsv1alpha1.HistoryEntry{
		Time:    sentAt,
		Type:    collectionsv1alpha1.HistoryNotificationSent,
		To:      string(status.RiskLevel),
		Message: message,
	})
	setCondition(status, order.Generation, collectionsv1alpha1.ConditionNotificationDelivered, metav1.ConditionTrue,
		collectionsv1alpha1.ReasonNotificationSent, message, sentAt.Time)
	return notifyOutcome{sent: true, message: message}
}

// recordSendFailure records a failed send in NotificationDelivered. A
// transient failure, such as a refused connection or a 4xx reply, is
// retried with backoff. A permanent one, such as an invalid address or a
// 5xx reply, is not: the next reconcile of the order tries again, which a
// change of the order, its invoices or its policy, or the daily refresh
// causes.
func recordSendFailure(ctx context.Context, order *collectionsv1alpha1.SaleOrder, err error, now time.Time) notifyOutcome {
	status := &order.Status
	message := fmt.Sprintf("Email about level %s not delivered (%s): %v", status.RiskLevel, notify.Reason(err), err)
	outcome := notifyOutcome{failed: true}
	if notify.IsPermanent(err) {
		message += "; it is tried again at the next change of the order, its invoices or its policy, or at the daily refresh"
		// The error is not returned, so it is logged here.
		ctrl.LoggerFrom(ctx).Error(err, "Notification email failed", "riskLevel", status.RiskLevel, "reason", notify.Reason(err))
	} else {
		message += "; retrying with backoff"
		outcome.retry = fmt.Errorf("sending the email about level %s: %w", status.RiskLevel, err)
	}
	outcome.message = message
	setCondition(status, order.Generation, collectionsv1alpha1.ConditionNotificationDelivered, metav1.ConditionFalse,
		collectionsv1alpha1.ReasonNotificationFailed, message, now)
	return outcome
}
