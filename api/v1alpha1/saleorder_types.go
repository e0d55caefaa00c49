package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// CollectionState is the stage of an order in collection.
// +kubebuilder:validation:Enum=NotInvoiced;NotDue;Overdue;Paid
type CollectionState string

// The collection states of an order.
const (
	// CollectionStateNotInvoiced means no posted invoice counts for the order.
	CollectionStateNotInvoiced CollectionState = "NotInvoiced"
	// CollectionStateNotDue means an amount is open but nothing is overdue.
	CollectionStateNotDue CollectionState = "NotDue"
	// CollectionStateOverdue means at least one open installment is past its
	// due date.
	CollectionStateOverdue CollectionState = "Overdue"
	// CollectionStatePaid means every posted invoice is paid.
	CollectionStatePaid CollectionState = "Paid"
)

// CommunicationStatus records whether the salesperson has reached the
// customer about the open amount. People set it; the controller never does.
// +kubebuilder:validation:Enum=NotContacted;Contacted;NotReachable
type CommunicationStatus string

// The communication states that a salesperson can record.
const (
	CommunicationNotContacted CommunicationStatus = "NotContacted"
	CommunicationContacted    CommunicationStatus = "Contacted"
	CommunicationNotReachable CommunicationStatus = "NotReachable"
)

// HistoryEventType is the kind of change that a history entry records.
// +kubebuilder:validation:Enum=RiskLevelChanged;CommunicationStatusChanged;CollectionRemarkChanged;NotificationSent
type HistoryEventType string

// The kinds of history entries.
const (
	HistoryRiskLevelChanged           HistoryEventType = "RiskLevelChanged"
	HistoryCommunicationStatusChanged HistoryEventType = "CommunicationStatusChanged"
	HistoryCollectionRemarkChanged    HistoryEventType = "CollectionRemarkChanged"
	HistoryNotificationSent           HistoryEventType = "NotificationSent"
)

// MaxHistoryEntries is the number of entries that status.history keeps; older
// entries are dropped first.
const MaxHistoryEntries = 20

// SaleOrder condition reasons.
const (
	// ReasonComputed means the order's status was computed from valid input.
	ReasonComputed = "Computed"
	// ReasonPolicyNotFound means the policy that the order uses does not exist.
	ReasonPolicyNotFound = "PolicyNotFound"
	// ReasonPolicyNotReady means the policy that the order uses is invalid.
	ReasonPolicyNotReady = "PolicyNotReady"
	// ReasonCurrencyMismatch means a currency differs where it must be equal:
	// the order's from its policy's, or an invoice's from its order's.
	ReasonCurrencyMismatch = "CurrencyMismatch"
	// ReasonInvalidInvoice means an invoice of the order could not be used,
	// for example because its installments do not add up to its total.
	ReasonInvalidInvoice = "InvalidInvoice"

	// ReasonNotificationSent means the SMTP server accepted the email about
	// the current level. The event of a delivered email has the same reason.
	ReasonNotificationSent = "NotificationSent"
	// ReasonNotificationFailed means the email could not be delivered. The
	// message gives the cause, such as SMTPUnavailable or InvalidAddress, and
	// whether it is retried with backoff. The event of a failed send has the
	// same reason.
	ReasonNotificationFailed = "NotificationFailed"
	// ReasonEmailNotConfigured means the manager runs without --smtp-address.
	ReasonEmailNotConfigured = "EmailNotConfigured"
	// ReasonNotificationDisabled means the policy turns emails off, or the
	// direction of the change is not in spec.notification.email.notifyOn.
	ReasonNotificationDisabled = "NotificationDisabled"
	// ReasonUpToDate means no email is due: the order has been at level
	// None since it was created.
	ReasonUpToDate = "UpToDate"
	// ReasonNoLevel means the order has no risk level to report, because
	// its policy or its currency did not allow one.
	ReasonNoLevel = "NoLevel"

	// ReasonRiskLevelChanged is the reason of the event emitted when an
	// order's risk level changes.
	ReasonRiskLevelChanged = "RiskLevelChanged"
)

// Party is a person or a company that an order involves.
type Party struct {
	// Name is the name as people write it, in any script.
	// +required
	Name PersonName `json:"name"`

	// Email is the party's email address.
	// +optional
	Email EmailAddress `json:"email,omitempty"`
}

// Salesperson is the person who owns the customer relationship and is
// emailed about the order's risk level.
type Salesperson struct {
	// Name is the salesperson's name as it appears in emails.
	// +optional
	Name PersonName `json:"name,omitempty"`

	// Email is the one address that the risk-level emails go to.
	// +required
	Email EmailAddress `json:"email"`
}

// SaleOrderSpec is an order as sales or an ERP sync records it.
//
// +kubebuilder:validation:XValidation:rule="!has(self.amountTotal) || (self.currency in ['ADP','AFN','ALL','AMD','BIF','BYR','CLP','COP','DJF','ESP','GNF','GYD','IDR','IQD','IRR','ISK','ITL','JPY','KMF','KPW','KRW','LAK','LBP','LUF','MGA','MGF','MMK','MNT','MRO','MUR','PKR','PYG','RSD','RWF','SLL','SOS','STD','SYP','TMM','TRL','TZS','UGX','UYI','UZS','VND','VUV','XAF','XOF','XPF','YER','ZMK','ZWD'] ? !self.amountTotal.contains('.') : (self.amountTotal.indexOf('.') < 0 || size(self.amountTotal) - self.amountTotal.indexOf('.') <= (self.currency in ['BHD','JOD','KWD','LYD','OMR','TND'] ? 4 : (self.currency == 'CLF' ? 5 : 3))))",messageExpression="'spec.amountTotal ' + self.amountTotal + ' has more fraction digits than ' + self.currency + ' allows; ' + ((self.currency in ['ADP','AFN','ALL','AMD','BIF','BYR','CLP','COP','DJF','ESP','GNF','GYD','IDR','IQD','IRR','ISK','ITL','JPY','KMF','KPW','KRW','LAK','LBP','LUF','MGA','MGF','MMK','MNT','MRO','MUR','PKR','PYG','RSD','RWF','SLL','SOS','STD','SYP','TMM','TRL','TZS','UGX','UYI','UZS','VND','VUV','XAF','XOF','XPF','YER','ZMK','ZWD'] ? '0' : (self.currency in ['BHD','JOD','KWD','LYD','OMR','TND'] ? '3' : (self.currency == 'CLF' ? '4' : '2'))) == '0' ? 'write a whole number' : 'write at most ' + (self.currency in ['ADP','AFN','ALL','AMD','BIF','BYR','CLP','COP','DJF','ESP','GNF','GYD','IDR','IQD','IRR','ISK','ITL','JPY','KMF','KPW','KRW','LAK','LBP','LUF','MGA','MGF','MMK','MNT','MRO','MUR','PKR','PYG','RSD','RWF','SLL','SOS','STD','SYP','TMM','TRL','TZS','UGX','UYI','UZS','VND','VUV','XAF','XOF','XPF','YER','ZMK','ZWD'] ? '0' : (self.currency in ['BHD','JOD','KWD','LYD','OMR','TND'] ? '3' : (self.currency == 'CLF' ? '4' : '2'))) + ' digits after the point')",fieldPath=".amountTotal",reason=FieldValueInvalid
type SaleOrderSpec struct {
	// Reference is the order number that people use, such as "SO-0042". It
	// defaults to metadata.name where it is empty.
	// +optional
	// +kubebuilder:validation:MaxLength=100
	// +kubebuilder:validation:Pattern=`^[^\x00-\x1F\x7F]*$`
	Reference string `json:"reference,omitempty"`

	// Customer is the buyer who owes the invoiced amounts.
	// +required
	Customer Party `json:"customer"`

	// Salesperson is who is emailed when the order's risk level changes.
	// +required
	Salesperson Salesperson `json:"salesperson"`

	// Currency is the ISO 4217 code of the order. Invoices in another
	// currency are left out of the order's sums.
	// +required
	Currency CurrencyCode `json:"currency"`

	// AmountTotal is the order's total as sold. Risk uses the invoiced
	// amounts, so this field is informative.
	// +optional
	AmountTotal Amount `json:"amountTotal,omitempty"`

	// OrderDate is the date the order was placed.
	// +optional
	OrderDate Date `json:"orderDate,omitempty"`

	// PolicyRef names the CollectionPolicy in the same namespace that
	// classifies this order. Without it the policy named "default" is used.
	// +optional
	PolicyRef *LocalObjectReference `json:"policyRef,omitempty"`
}

// LastNotification records the last email that the SMTP server accepted.
type LastNotification struct {
	// RiskLevel is the level that the email reported.
	RiskLevel RiskLevel `json:"riskLevel"`

	// SentAt is when the SMTP server accepted the email.
	SentAt metav1.Time `json:"sentAt"`
}

// HistoryEntry is one recorded change of an order.
type HistoryEntry struct {
	// Time is when the controller recorded the change.
	Time metav1.Time `json:"time"`

	// Type is the kind of change.
	Type HistoryEventType `json:"type"`

	// From is the value before the change, if it has one.
	// +optional
	// +kubebuilder:validation:MaxLength=64
	From string `json:"from,omitempty"`

	// To is the value after the change, if it has one.
	// +optional
	// +kubebuilder:validation:MaxLength=64
	To string `json:"to,omitempty"`

	// Message describes the change for people.
	// +optional
	// +kubebuilder:validation:MaxLength=1024
	Message string `json:"message,omitempty"`
}

// RecordedFollowUp is the follow-up state that the controller last wrote
// into the history, so that it can tell when a person changed it.
type RecordedFollowUp struct {
	// CommunicationStatus is the communication status last recorded.
	// +optional
	CommunicationStatus CommunicationStatus `json:"communicationStatus,omitempty"`

	// CollectionRemarkHash is the hex SHA-256 of the remark last recorded,
	// or empty for an empty remark.
	// +optional
	// +kubebuilder:validation:MaxLength=64
	CollectionRemarkHash string `json:"collectionRemarkHash,omitempty"`
}

// SaleOrderStatus is the computed collection state of an order, plus the
// follow-up that the salesperson records.
type SaleOrderStatus struct {
	// ObservedGeneration is the metadata.generation that the status was
	// computed from.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// Conditions describe the order's state. Ready reports whether a risk level
	// could be computed and, if not, why. NotificationDelivered reports
	// whether the salesperson has been emailed about the current level.
	// +optional
	// +listType=map
	// +listMapKey=type
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// Policy is the name of the CollectionPolicy that classified the order.
	// +optional
	Policy string `json:"policy,omitempty"`

	// RiskTier is the name of the policy tier that the invoiced total falls in.
	// +optional
	RiskTier string `json:"riskTier,omitempty"`

	// CollectionState is the stage of the order in collection.
	// +optional
	CollectionState CollectionState `json:"collectionState,omitempty"`

	// AmountInvoiced is the sum of the order's posted invoices less its
	// posted credit notes.
	// +optional
	AmountInvoiced Amount `json:"amountInvoiced,omitempty"`

	// AmountDue is the sum of every open installment, overdue or not.
	// +optional
	AmountDue Amount `json:"amountDue,omitempty"`

	// AmountOverdue is the sum of the open installments past their due date.
	// +optional
	AmountOverdue Amount `json:"amountOverdue,omitempty"`

	// OldestDueDate is the earliest due date of an open installment.
	// +optional
	OldestDueDate Date `json:"oldestDueDate,omitempty"`

	// OverdueDays is the largest number of calendar days, in the policy's
	// time zone, by which an open installment is past its due date.
	// +optional
	// +kubebuilder:default=0
	OverdueDays int32 `json:"overdueDays"`

	// RiskLevel is the order's risk level from its tier's riskDays.
	// +optional
	RiskLevel RiskLevel `json:"riskLevel,omitempty"`

	// RiskChangedAt is when the risk level last changed.
	// +optional
	RiskChangedAt *metav1.Time `json:"riskChangedAt,omitempty"`

	// LastRefreshedAt is when the controller last wrote a computed status.
	// A recomputation that changes nothing writes nothing, so this is not
	// the time of the last recomputation.
	// +optional
	LastRefreshedAt *metav1.Time `json:"lastRefreshedAt,omitempty"`

	// NextRefreshAt is when the daily refresh will recompute the order.
	// +optional
	NextRefreshAt *metav1.Time `json:"nextRefreshAt,omitempty"`

	// LastHandledRefresh is the last value of the
	// collections.overdue.dev/refresh-requested-at annotation that the
	// controller handled.
	// +optional
	LastHandledRefresh string `json:"lastHandledRefresh,omitempty"`

	// LastNotification records the last email that the SMTP server accepted.
	// +optional
	LastNotification *LastNotification `json:"lastNotification,omitempty"`

	// History lists the order's recent changes, newest last, at most 20.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=20
	History []HistoryEntry `json:"history,omitempty"`

	// RecordedFollowUp is the follow-up that the history last recorded.
	// +optional
	RecordedFollowUp *RecordedFollowUp `json:"recordedFollowUp,omitempty"`

	// CommunicationStatus records whether the salesperson reached the
	// customer. People set it with `kubectl patch --subresource=status`; the
	// controller never writes it.
	// +optional
	// +kubebuilder:default=NotContacted
	CommunicationStatus CommunicationStatus `json:"communicationStatus,omitempty"`

	// CollectionRemark is the salesperson's free-text note on the follow-up.
	// People set it; the controller never writes it.
	// +optional
	// +kubebuilder:validation:MaxLength=2000
	CollectionRemark string `json:"collectionRemark,omitempty"`
}

// SaleOrder is a customer order whose invoices the operator follows. The
// controller computes how overdue it is and its risk level, and emails the
// salesperson when the level changes.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=so,categories=collections
// +kubebuilder:printcolumn:name="Customer",type=string,JSONPath=`.spec.customer.name`
// +kubebuilder:printcolumn:name="Salesperson",type=string,JSONPath=`.spec.salesperson.name`
// +kubebuilder:printcolumn:name="Due",type=string,JSONPath=`.status.amountDue`
// +kubebuilder:printcolumn:name="Overdue",type=integer,JSONPath=`.status.overdueDays`,description="Overdue days"
// +kubebuilder:printcolumn:name="Risk",type=string,JSONPath=`.status.riskLevel`
// +kubebuilder:printcolumn:name="Communication",type=string,JSONPath=`.status.communicationStatus`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// +kubebuilder:printcolumn:name="Policy",type=string,JSONPath=`.status.policy`,priority=1
// +kubebuilder:printcolumn:name="Tier",type=string,JSONPath=`.status.riskTier`,priority=1
// +kubebuilder:printcolumn:name="State",type=string,JSONPath=`.status.collectionState`,priority=1
// +kubebuilder:printcolumn:name="Risk changed",type=date,JSONPath=`.status.riskChangedAt`,priority=1
type SaleOrder struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec is the order as sales records it.
	// +required
	Spec SaleOrderSpec `json:"spec"`

	// Status is computed by the controller, except communicationStatus and
	// collectionRemark, which people write.
	// +optional
	Status SaleOrderStatus `json:"status,omitempty"`
}

// SaleOrderList is a list of SaleOrder objects.
//
// +kubebuilder:object:root=true
type SaleOrderList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []SaleOrder `json:"items"`
}

func init() {
	SchemeBuilder.Register(&SaleOrder{}, &SaleOrderList{})
}
