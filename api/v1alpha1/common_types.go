package v1alpha1

// CurrencyCode is an ISO 4217 alphabetic currency code such as EUR, JPY or KWD.
// +kubebuilder:validation:MaxLength=16
// +kubebuilder:validation:XValidation:rule="self.matches('^[A-Z]{3}$')",messageExpression="self + ' is not an ISO 4217 currency code; write three capital letters, such as EUR or JPY'"
type CurrencyCode string

// Amount is an exact decimal amount of money written as a string, such as
// "12500.00". It has no sign, no exponent and no thousands separator, and
// at most as many fraction digits as its currency has: 0 for JPY, 2 for EUR,
// 3 for KWD. The number of fraction digits per currency follows the Unicode
// CLDR data that golang.org/x/text/currency carries.
// +kubebuilder:validation:MinLength=1
// +kubebuilder:validation:MaxLength=24
// +kubebuilder:validation:XValidation:rule="self.matches('^(0|[1-9][0-9]{0,17})([.][0-9]{1,4})?$')",messageExpression="self + ' is not an amount; write digits with an optional decimal point, such as 1250.00, without a sign, an exponent or separators'"
type Amount string

// Date is a calendar date without a time of day, written as YYYY-MM-DD.
// +kubebuilder:validation:Format=date
// +kubebuilder:validation:Pattern=`^[0-9]{4}-[0-9]{2}-[0-9]{2}$`
type Date string

// EmailAddress is one plain email address such as "ana@example.com", without
// a display name.
// +kubebuilder:validation:MaxLength=254
// +kubebuilder:validation:Pattern=`^[A-Za-z0-9._%+'-]+@[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)+$`
type EmailAddress string

// PersonName is the name of a person or a company as people write it. It may
// contain any letters, but no control characters such as a line break.
// +kubebuilder:validation:MinLength=1
// +kubebuilder:validation:MaxLength=200
// +kubebuilder:validation:Pattern=`^[^\x00-\x1F\x7F]+$`
type PersonName string

// LocalObjectReference names an object of a known kind in the namespace of
// the object that holds the reference.
type LocalObjectReference struct {
	// Name is the name of the referenced object.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	Name string `json:"name"`
}

// RiskLevel is the urgency of an order's follow-up, from None to High.
// +kubebuilder:validation:Enum=None;Low;Medium;High
type RiskLevel string

// The risk levels, from the lowest to the highest.
const (
	RiskLevelNone   RiskLevel = "None"
	RiskLevelLow    RiskLevel = "Low"
	RiskLevelMedium RiskLevel = "Medium"
	RiskLevelHigh   RiskLevel = "High"
)

// RefreshRequestedAtAnnotation requests an immediate recomputation when its
// value changes. On a SaleOrder it recomputes that order, and on a
// CollectionPolicy every order that uses the policy. The handled value is
// copied to status.lastHandledRefresh, so applying the same value again does
// nothing. Any value works; a timestamp such as the output of `date -Is` is
// the convention.
const RefreshRequestedAtAnnotation = "collections.overdue.dev/refresh-requested-at"

// Condition types that the controllers set.
const (
	// ConditionReady reports whether the controller could compute the object's
	// status from valid input.
	ConditionReady = "Ready"

	// ConditionNotificationDelivered reports whether the salesperson has been
	// emailed about the current risk level of a SaleOrder.
	ConditionNotificationDelivered = "NotificationDelivered"
)
