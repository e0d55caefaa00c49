package controllers

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"
	"unicode/utf8"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	collectionsv1alpha1 "github.com/overdue-dev/overdue-operator/api/v1alpha1"
	"github.com/overdue-dev/overdue-operator/internal/risk"
)

// The functions in this file compute a SaleOrder's status from loaded
// inputs. They read no clock and call no API, so that Reconcile stays a
// short list of steps and these rules can be read in one place.

// levelChange is a change of an order's risk level.
type levelChange struct {
	from, to collectionsv1alpha1.RiskLevel
}

// rising reports whether the change raises the level.
func (c levelChange) rising() bool {
	return levelRank(c.to) > levelRank(c.from)
}

func levelRank(level collectionsv1alpha1.RiskLevel) int {
	return risk.RiskLevel(level).Rank()
}

// applyComputation writes the risk engine's result, or the reason there is
// none, into status. It returns the level change, or nil when the level did
// not change or the order has no level.
func applyComputation(order *collectionsv1alpha1.SaleOrder, in *orderInputs, result *risk.Result, now time.Time) *levelChange {
	status := &order.Status
	status.ObservedGeneration = order.Generation
	status.Policy = in.policyName
	previous := knownLevel(status)

	if result == nil {
		clearComputed(status)
		setCondition(status, order.Generation, collectionsv1alpha1.ConditionReady, metav1.ConditionFalse, in.policyErr.reason, in.policyErr.message, now)
		return nil
	}

	status.CollectionState = collectionsv1alpha1.CollectionState(result.CollectionState)
	status.AmountInvoiced = collectionsv1alpha1.Amount(result.AmountInvoiced)
	status.AmountDue = collectionsv1alpha1.Amount(result.AmountDue)
	status.AmountOverdue = collectionsv1alpha1.Amount(result.AmountOverdue)
	status.OldestDueDate = collectionsv1alpha1.Date(result.OldestDueDate)
	status.OverdueDays = result.OverdueDays
	status.RiskTier = result.Tier
	status.RiskLevel = collectionsv1alpha1.RiskLevel(result.RiskLevel)
	setReadyFromResult(order, result, now)
	if hasProblem(result, risk.ReasonInvalidCurrency) {
		// Without a currency no amount can be formatted, so none is shown.
		clearComputed(status)
	}

	if status.RiskLevel == "" || status.RiskLevel == previous {
		return nil
	}
	change := &levelChange{from: previous, to: status.RiskLevel}
	status.RiskChangedAt = timePtr(now)
	appendHistory(status, collectionsv1alpha1.HistoryEntry{
		Time:    metav1.NewTime(now),
		Type:    collectionsv1alpha1.HistoryRiskLevelChanged,
		From:    string(change.from),
		To:      string(change.to),
		Message: levelChangeMessage(order, change),
	})
	return change
}

// knownLevel returns the level that a new level is compared with: the
// newest level change in the history, else the current level, else the
// level of the last email, else None. The history comes first because only
// the controller writes it, while anyone who may patch the status could
// edit riskLevel by hand. The fallbacks matter after a spell without a
// level, such as a deleted or invalid policy, so that the level's return is
// not recorded as a change.
func knownLevel(status *collectionsv1alpha1.SaleOrderStatus) collectionsv1alpha1.RiskLevel {
	for i := len(status.History) - 1; i >= 0; i-- {
		if entry := status.History[i]; entry.Type == collectionsv1alpha1.HistoryRiskLevelChanged {
			return collectionsv1alpha1.RiskLevel(entry.To)
		}
	}
	if status.RiskLevel != "" {
		return status.RiskLevel
	}
	if status.LastNotification != nil {
		return status.LastNotification.RiskLevel
	}
	return collectionsv1alpha1.RiskLevelNone
}

// clearComputed removes every computed figure, for an order that its policy
// cannot classify, so that no stale level is shown as current.
func clearComputed(status *collectionsv1alpha1.SaleOrderStatus) {
	status.RiskTier = ""
	status.CollectionState = ""
	status.AmountInvoiced = ""
	status.AmountDue = ""
	status.AmountOverdue = ""
	status.OldestDueDate = ""
	status.OverdueDays = 0
	status.RiskLevel = ""
	status.NextRefreshAt = nil
}

// setReadyFromResult sets Ready from the problems that the risk engine
// reported. An excluded invoice makes the order not Ready, although its
// level is computed from the other invoices, so that someone fixes it.
func setReadyFromResult(order *collectionsv1alpha1.SaleOrder, result *risk.Result, now time.Time) {
	status := &order.Status
	if len(result.Problems) == 0 {
		message := fmt.Sprintf("%s: %d days overdue, %s %s overdue of %s %s due", collectionStateText(status),
			status.OverdueDays, status.AmountOverdue, order.Spec.Currency, status.AmountDue, order.Spec.Currency)
		if status.RiskLevel != "" {
			message += fmt.Sprintf("; risk level %s in tier %q", status.RiskLevel, status.RiskTier)
		}
		setCondition(status, order.Generation, collectionsv1alpha1.ConditionReady, metav1.ConditionTrue, collectionsv1alpha1.ReasonComputed, message, now)
		return
	}
	setCondition(status, order.Generation, collectionsv1alpha1.ConditionReady, metav1.ConditionFalse,
		problemReason(result.Problems[0]), joinProblems(result.Problems), now)
}

// hasProblem reports whether the order itself, not one of its invoices,
// has a problem with the given reason.
func hasProblem(result *risk.Result, reason string) bool {
	for _, problem := range result.Problems {
		if problem.Kind == risk.KindSaleOrder && problem.Reason == reason {
			return true
		}
	}
	return false
}

// problemReason returns the condition reason for a problem that the risk
// engine reported.
func problemReason(problem risk.Problem) string {
	switch problem.Reason {
	case risk.ReasonCurrencyMismatch:
		return collectionsv1alpha1.ReasonCurrencyMismatch
	case risk.ReasonInvalidCurrency:
		return collectionsv1alpha1.ReasonInvalidCurrency
	default:
		return collectionsv1alpha1.ReasonInvalidInvoice
	}
}

func collectionStateText(status *collectionsv1alpha1.SaleOrderStatus) string {
	if status.CollectionState == "" {
		return "Computed"
	}
	return string(status.CollectionState)
}

func levelChangeMessage(order *collectionsv1alpha1.SaleOrder, change *levelChange) string {
	verb := "fell"
	if change.rising() {
		verb = "rose"
	}
	return fmt.Sprintf("Risk level %s from %s to %s: %d days overdue, %s %s overdue", verb, change.from, change.to,
		order.Status.OverdueDays, order.Status.AmountOverdue, order.Spec.Currency)
}

// recordFollowUp adds a history entry for each follow-up field that a
// person changed since the last reconcile, and remembers the new values.
// The controller only reads communicationStatus and collectionRemark; it
// never writes them.
func recordFollowUp(status *collectionsv1alpha1.SaleOrderStatus, now time.Time) {
	recorded := collectionsv1alpha1.RecordedFollowUp{CommunicationStatus: collectionsv1alpha1.CommunicationNotContacted}
	if status.RecordedFollowUp != nil {
		recorded = *status.RecordedFollowUp
	}
	current := collectionsv1alpha1.RecordedFollowUp{
		CommunicationStatus:  status.CommunicationStatus,
		CollectionRemarkHash: remarkHash(status.CollectionRemark),
	}
	if current.CommunicationStatus == "" {
		current.CommunicationStatus = collectionsv1alpha1.CommunicationNotContacted
	}

	if current.CommunicationStatus != recorded.CommunicationStatus {
		appendHistory(status, collectionsv1alpha1.HistoryEntry{
			Time:    metav1.NewTime(now),
			Type:    collectionsv1alpha1.HistoryCommunicationStatusChanged,
			From:    string(recorded.CommunicationStatus),
			To:      string(current.CommunicationStatus),
			Message: fmt.Sprintf("Communication status changed from %s to %s", recorded.CommunicationStatus, current.CommunicationStatus),
		})
	}
	if current.CollectionRemarkHash != recorded.CollectionRemarkHash {
		appendHistory(status, collectionsv1alpha1.HistoryEntry{
			Time:    metav1.NewTime(now),
			Type:    collectionsv1alpha1.HistoryCollectionRemarkChanged,
			Message: remarkMessage(status.CollectionRemark),
		})
	}
	if status.RecordedFollowUp == nil || *status.RecordedFollowUp != current {
		status.RecordedFollowUp = &current
	}
}

// remarkHash returns the hex SHA-256 of remark, or "" for an empty remark.
func remarkHash(remark string) string {
	if remark == "" {
		return ""
	}
	sum := sha256.Sum256([]byte(remark))
	return hex.EncodeToString(sum[:])
}

// maxRemarkInHistory is how many characters of a remark a history entry
// quotes; the full remark stays in status.collectionRemark.
const maxRemarkInHistory = 200

func remarkMessage(remark string) string {
	if remark == "" {
		return "Collection remark cleared"
	}
	if utf8.RuneCountInString(remark) > maxRemarkInHistory {
		remark = string([]rune(remark)[:maxRemarkInHistory]) + "…"
	}
	return "Collection remark changed: " + remark
}

// appendHistory adds entry as the newest and drops the oldest entries
// beyond MaxHistoryEntries.
func appendHistory(status *collectionsv1alpha1.SaleOrderStatus, entry collectionsv1alpha1.HistoryEntry) {
	status.History = append(status.History, entry)
	if excess := len(status.History) - collectionsv1alpha1.MaxHistoryEntries; excess > 0 {
		status.History = append([]collectionsv1alpha1.HistoryEntry(nil), status.History[excess:]...)
	}
}

// setCondition sets a condition with the injected time, because
// meta.SetStatusCondition would read the wall clock for a new transition.
// The transition time changes only when the status does.
func setCondition(status *collectionsv1alpha1.SaleOrderStatus, generation int64, conditionType string, value metav1.ConditionStatus, reason, message string, now time.Time) {
	meta.SetStatusCondition(&status.Conditions, newCondition(generation, conditionType, value, reason, message, now))
}

func newCondition(generation int64, conditionType string, value metav1.ConditionStatus, reason, message string, now time.Time) metav1.Condition {
	return metav1.Condition{
		Type:               conditionType,
		Status:             value,
		ObservedGeneration: generation,
		Reason:             reason,
		Message:            truncateMessage(message),
		LastTransitionTime: metav1.NewTime(now),
	}
}

// maxConditionMessage is the length limit of metav1.Condition.Message.
const maxConditionMessage = 32768

func truncateMessage(message string) string {
	if len(message) <= maxConditionMessage {
		return message
	}
	cut := maxConditionMessage - len("…")
	for cut > 0 && !utf8.RuneStart(message[cut]) {
		cut--
	}
	return message[:cut] + "…"
}

// timePtr returns now as an API timestamp.
func timePtr(now time.Time) *metav1.Time {
	t := metav1.NewTime(now)
	return &t
}
