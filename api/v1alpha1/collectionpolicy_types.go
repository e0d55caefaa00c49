package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// CollectionPolicy condition reasons.
const (
	// ReasonPolicyValid means every field of the policy could be used.
	ReasonPolicyValid = "Valid"
	// ReasonInvalidTimeZone means spec.timeZone is not a zone of the IANA
	// time zone database that the operator was built with.
	ReasonInvalidTimeZone = "InvalidTimeZone"
	// ReasonInvalidTiers means spec.tiers breaks a rule that the API server
	// could not check, such as a minAmount with too many fraction digits.
	ReasonInvalidTiers = "InvalidTiers"
	// ReasonInvalidCurrency means spec.currency is not an ISO 4217 code in the
	// currency data that the operator is built with.
	ReasonInvalidCurrency = "InvalidCurrency"
)

// NotifyDirection is a direction of a risk-level change that can trigger an
// email.
// +kubebuilder:validation:Enum=Increase;Decrease
type NotifyDirection string

// The directions of a risk-level change.
const (
	NotifyOnIncrease NotifyDirection = "Increase"
	NotifyOnDecrease NotifyDirection = "Decrease"
)

// CollectionPolicySpec defines how overdue orders are classified and who is
// emailed about them.
//
// +kubebuilder:validation:XValidation:rule="self.tiers.all(t, (self.currency in ['ADP','AFN','ALL','AMD','BIF','BYR','CLP','COP','DJF','ESP','GNF','GYD','IDR','IQD','IRR','ISK','ITL','JPY','KMF','KPW','KRW','LAK','LBP','LUF','MGA','MGF','MMK','MNT','MRO','MUR','PKR','PYG','RSD','RWF','SLL','SOS','STD','SYP','TMM','TRL','TZS','UGX','UYI','UZS','VND','VUV','XAF','XOF','XPF','YER','ZMK','ZWD'] ? !t.minAmount.contains('.') : (t.minAmount.indexOf('.') < 0 || size(t.minAmount) - t.minAmount.indexOf('.') <= (self.currency in ['BHD','JOD','KWD','LYD','OMR','TND'] ? 4 : (self.currency == 'CLF' ? 5 : 3)))))",messageExpression="'spec.tiers[].minAmount'+ ' has more fraction digits than ' + self.currency + ' allows; ' + ((self.currency in ['ADP','AFN','ALL','AMD','BIF','BYR','CLP','COP','DJF','ESP','GNF','GYD','IDR','IQD','IRR','ISK','ITL','JPY','KMF','KPW','KRW','LAK','LBP','LUF','MGA','MGF','MMK','MNT','MRO','MUR','PKR','PYG','RSD','RWF','SLL','SOS','STD','SYP','TMM','TRL','TZS','UGX','UYI','UZS','VND','VUV','XAF','XOF','XPF','YER','ZMK','ZWD'] ? '0' : (self.currency in ['BHD','JOD','KWD','LYD','OMR','TND'] ? '3' : (self.currency == 'CLF' ? '4' : '2'))) == '0' ? 'write a whole number' : 'write at most ' + (self.currency in ['ADP','AFN','ALL','AMD','BIF','BYR','CLP','COP','DJF','ESP','GNF','GYD','IDR','IQD','IRR','ISK','ITL','JPY','KMF','KPW','KRW','LAK','LBP','LUF','MGA','MGF','MMK','MNT','MRO','MUR','PKR','PYG','RSD','RWF','SLL','SOS','STD','SYP','TMM','TRL','TZS','UGX','UYI','UZS','VND','VUV','XAF','XOF','XPF','YER','ZMK','ZWD'] ? '0' : (self.currency in ['BHD','JOD','KWD','LYD','OMR','TND'] ? '3' : (self.currency == 'CLF' ? '4' : '2'))) + ' digits after the point')",reason=FieldValueInvalid
type CollectionPolicySpec struct {
	// Currency is the ISO 4217 code of every amount in the policy. Orders in
	// another currency get no risk level.
	// +required
	Currency CurrencyCode `json:"currency"`

	// TimeZone is the IANA time zone, such as "Europe/Berlin", that decides
	// which calendar day "today" is when overdue days are counted, and when
	// the daily refresh runs. An unknown zone makes the policy not Ready.
	// +optional
	// +kubebuilder:default=UTC
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=64
	TimeZone string `json:"timeZone,omitempty"`

	// RefreshTime is the local time of day, as HH:MM on a 24-hour clock, at
	// which every order of the policy is recomputed each day.
	// +optional
	// +kubebuilder:default="00:00"
	// +kubebuilder:validation:Pattern=`^([01][0-9]|2[0-3]):[0-5][0-9]$`
	RefreshTime string `json:"refreshTime,omitempty"`

	// Tiers group orders by their invoiced total, each with its own overdue
	// days at which the risk levels start. An order belongs to the tier with
	// the largest minAmount that is at most its invoiced total. The first
	// tier starts at "0" and each next tier at a strictly larger minAmount.
	// +required
	// +listType=map
	// +listMapKey=name
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=20
	// +kubebuilder:validation:XValidation:rule="!self[0].minAmount.matches('[1-9]')",messageExpression="'spec.tiers[0].minAmount must be \"0\" so that every order has a tier, but is ' + self[0].minAmount",reason=FieldValueInvalid
	// +kubebuilder:validation:XValidation:rule="[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19].all(i, i >= size(self) || quantity(self[i-1].minAmount).isLessThan(quantity(self[i].minAmount)))",message="spec.tiers[].minAmount must be strictly ascending in list order; sort the tiers by minAmount",reason=FieldValueInvalid
	Tiers []Tier `json:"tiers"`

	// Notification configures the emails sent when an order's risk level
	// changes.
	// +optional
	// +kubebuilder:default={}
	Notification Notification `json:"notification,omitempty"`
}

// Tier is a band of orders by invoiced total with its own day thresholds.
type Tier struct {
	// Name identifies the tier, such as "small" or "key-accounts". It is a
	// DNS label: lowercase letters, digits and "-".
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	Name string `json:"name"`

	// MinAmount is the inclusive lower bound of an order's invoiced total
	// for this tier, in the policy's currency.
	// +required
	MinAmount Amount `json:"minAmount"`

	// RiskDays are the overdue days at which each risk level starts.
	// +required
	RiskDays RiskDays `json:"riskDays"`
}

// RiskDays are the numbers of overdue days, counted in calendar days, at
// which the risk levels Low, Medium and High start. An order overdue by
// fewer days than Low has the level None.
//
// +kubebuilder:validation:XValidation:rule="self.low < self.medium && self.medium < self.high",message="riskDays must satisfy low < medium < high; raise each threshold above the previous one",reason=FieldValueInvalid
type RiskDays struct {
	// Low is the number of overdue days at which the level Low starts.
	// +required
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=36500
	Low int32 `json:"low"`

	// Medium is the number of overdue days at which the level Medium starts.
	// +required
	// +kubebuilder:validation:Minimum=2
	// +kubebuilder:validation:Maximum=36500
	Medium int32 `json:"medium"`

	// High is the number of overdue days at which the level High starts.
	// +required
	// +kubebuilder:validation:Minimum=3
	// +kubebuilder:validation:Maximum=36500
	High int32 `json:"high"`
}

// Notification configures the notifications about risk-level changes.
type Notification struct {
	// Email configures the emails to the salesperson of an order.
	// +optional
	// +kubebuilder:default={}
	Email EmailNotification `json:"email,omitempty"`
}

// EmailNotification configures the emails sent when an order's risk level
// changes.
type EmailNotification struct {
	// Enabled turns the emails of this policy on or off. Risk levels are
	// computed and recorded either way.
	// +optional
	// +kubebuilder:default=true
	Enabled *bool `json:"enabled,omitempty"`

	// NotifyOn lists the directions of a level change that send an email:
	// Increase, Decrease or both.
	// +optional
	// +listType=set
	// +kubebuilder:default={Increase,Decrease}
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=2
	NotifyOn []NotifyDirection `json:"notifyOn,omitempty"`

	// CC lists extra recipients of every email.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=20
	CC []EmailAddress `json:"cc,omitempty"`

	// EscalateTo lists recipients added to the email when an order's level
	// becomes High, such as a sales manager.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=20
	EscalateTo []EmailAddress `json:"escalateTo,omitempty"`
}

// OrderCounts counts the orders that use a policy by their risk level.
type OrderCounts struct {
	// Total is the number of orders that use the policy.
	// +optional
	// +kubebuilder:default=0
	Total int32 `json:"total"`
	// None is the number of orders at the level None, including orders that
	// could not be classified.
	// +optional
	// +kubebuilder:default=0
	None int32 `json:"none"`
	// Low is the number of orders at the level Low.
	// +optional
	// +kubebuilder:default=0
	Low int32 `json:"low"`
	// Medium is the number of orders at the level Medium.
	// +optional
	// +kubebuilder:default=0
	Medium int32 `json:"medium"`
	// High is the number of orders at the level High.
	// +optional
	// +kubebuilder:default=0
	High int32 `json:"high"`
}

// CollectionPolicyStatus is the state of a CollectionPolicy as the
// controller last observed it.
type CollectionPolicyStatus struct {
	// ObservedGeneration is the metadata.generation that the status was
	// computed from.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// Conditions describe the policy's state. Ready is False with a reason
	// such as InvalidTimeZone or InvalidTiers when the policy cannot be used.
	// +optional
	// +listType=map
	// +listMapKey=type
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// Orders counts the orders that use this policy by risk level.
	// +optional
	Orders OrderCounts `json:"orders,omitempty"`

	// LastHandledRefresh is the last value of the
	// collections.overdue.dev/refresh-requested-at annotation for which the
	// controller queued every order of the policy for recomputation.
	// +optional
	LastHandledRefresh string `json:"lastHandledRefresh,omitempty"`
}

// CollectionPolicy decides how overdue orders are classified into risk
// levels and who is emailed when a level changes. A SaleOrder uses the
// policy that its spec.policyRef names, or else the policy named "default"
// in its namespace.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=cpol,categories=collections
// +kubebuilder:printcolumn:name="Currency",type=string,JSONPath=`.spec.currency`
// +kubebuilder:printcolumn:name="Time zone",type=string,JSONPath=`.spec.timeZone`
// +kubebuilder:printcolumn:name="Orders",type=integer,JSONPath=`.status.orders.total`
// +kubebuilder:printcolumn:name="High",type=integer,JSONPath=`.status.orders.high`
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type CollectionPolicy struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec is the policy as finance defines it.
	// +required
	Spec CollectionPolicySpec `json:"spec"`

	// Status is written by the controller.
	// +optional
	Status CollectionPolicyStatus `json:"status,omitempty"`
}

// CollectionPolicyList is a list of CollectionPolicy objects.
//
// +kubebuilder:object:root=true
type CollectionPolicyList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []CollectionPolicy `json:"items"`
}

func init() {
	SchemeBuilder.Register(&CollectionPolicy{}, &CollectionPolicyList{})
}
