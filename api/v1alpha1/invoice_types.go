package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// InvoiceType is the kind of accounting document: an invoice or a credit note.
// +kubebuilder:validation:Enum=Invoice;CreditNote
type InvoiceType string

// The types of accounting documents.
const (
	// InvoiceTypeInvoice requests payment from the customer.
	InvoiceTypeInvoice InvoiceType = "Invoice"
	// InvoiceTypeCreditNote reduces what the customer owes.
	InvoiceTypeCreditNote InvoiceType = "CreditNote"
)

// InvoiceState is the accounting state of a document. Only posted documents
// count in an order's sums.
// +kubebuilder:validation:Enum=Draft;Posted;Cancelled
type InvoiceState string

// The accounting states of a document.
const (
	InvoiceStateDraft     InvoiceState = "Draft"
	InvoiceStatePosted    InvoiceState = "Posted"
	InvoiceStateCancelled InvoiceState = "Cancelled"
)

// PaymentState is how much of a document is paid, or why it does not count.
// +kubebuilder:validation:Enum=NotPaid;Partial;Paid;Draft;Cancelled
type PaymentState string

// The payment states of a document.
const (
	PaymentStateNotPaid   PaymentState = "NotPaid"
	PaymentStatePartial   PaymentState = "Partial"
	PaymentStatePaid      PaymentState = "Paid"
	PaymentStateDraft     PaymentState = "Draft"
	PaymentStateCancelled PaymentState = "Cancelled"
)

// Invoice condition reasons, besides those that SaleOrder shares.
const (
	// ReasonSaleOrderNotFound means spec.saleOrderRef names no SaleOrder.
	ReasonSaleOrderNotFound = "SaleOrderNotFound"
)

// Installment is one part of an invoice that falls due on its own date.
type Installment struct {
	// DueDate is the date by which this part must be paid.
	// +required
	DueDate Date `json:"dueDate"`

	// Amount is the part of the invoice's total that falls due on DueDate.
	// +required
	Amount Amount `json:"amount"`
}

// InvoiceSpec is an accounting document as accounting or an ERP sync
// records it.
//
// +kubebuilder:validation:XValidation:rule="self.type == 'CreditNote' || has(self.dueDate)",message="spec.dueDate is required for an Invoice; set the date by which it must be paid",fieldPath=".dueDate",reason=FieldValueRequired
// +kubebuilder:validation:XValidation:rule="!has(self.dueDate) || !has(self.invoiceDate) || self.dueDate >= self.invoiceDate",message="spec.dueDate is earlier than spec.invoiceDate; a due date cannot precede the invoice date",fieldPath=".dueDate",reason=FieldValueInvalid
// +kubebuilder:validation:XValidation:rule="!has(self.amountPaid) || quantity(self.amountPaid).compareTo(quantity(self.amountTotal)) <= 0",messageExpression="'spec.amountPaid ' + self.amountPaid + ' is larger than spec.amountTotal ' + self.amountTotal + '; record at most the total as paid'",fieldPath=".amountPaid",reason=FieldValueInvalid
// +kubebuilder:validation:XValidation:rule="self.amountTotal.matches('[1-9]')",messageExpression="'spec.amountTotal must be greater than 0, but is ' + self.amountTotal",fieldPath=".amountTotal",reason=FieldValueInvalid
// +kubebuilder:validation:XValidation:rule="!has(self.reversedInvoiceRef) || self.type == 'CreditNote'",message="spec.reversedInvoiceRef is only valid on a CreditNote; remove it or set spec.type to CreditNote",fieldPath=".reversedInvoiceRef",reason=FieldValueForbidden
// +kubebuilder:validation:XValidation:rule="!has(self.installments) || self.type == 'Invoice'",message="spec.installments are only valid on an Invoice; remove them from the CreditNote",fieldPath=".installments",reason=FieldValueForbidden
// +kubebuilder:validation:XValidation:rule="!has(self.installments) || !has(self.invoiceDate) || self.installments.all(i, i.dueDate >= self.invoiceDate)",message="spec.installments[].dueDate cannot precede spec.invoiceDate",fieldPath=".installments",reason=FieldValueInvalid
// +kubebuilder:validation:XValidation:rule="(self.currency in ['ADP','AFN','ALL','AMD','BIF','BYR','CLP','COP','DJF','ESP','GNF','GYD','IDR','IQD','IRR','ISK','ITL','JPY','KMF','KPW','KRW','LAK','LBP','LUF','MGA','MGF','MMK','MNT','MRO','MUR','PKR','PYG','RSD','RWF','SLL','SOS','STD','SYP','TMM','TRL','TZS','UGX','UYI','UZS','VND','VUV','XAF','XOF','XPF','YER','ZMK','ZWD'] ? !self.amountTotal.contains('.') : (self.amountTotal.indexOf('.') < 0 || size(self.amountTotal) - self.amountTotal.indexOf('.') <= (self.currency in ['BHD','JOD','KWD','LYD','OMR','TND'] ? 4 : (self.currency == 'CLF' ? 5 : 3))))",messageExpression="'spec.amountTotal ' + self.amountTotal + ' has more fraction digits than ' + self.currency + ' allows; ' + ((self.currency in ['ADP','AFN','ALL','AMD','BIF','BYR','CLP','COP','DJF','ESP','GNF','GYD','IDR','IQD','IRR','ISK','ITL','JPY','KMF','KPW','KRW','LAK','LBP','LUF','MGA','MGF','MMK','MNT','MRO','MUR','PKR','PYG','RSD','RWF','SLL','SOS','STD','SYP','TMM','TRL','TZS','UGX','UYI','UZS','VND','VUV','XAF','XOF','XPF','YER','ZMK','ZWD'] ? '0' : (self.currency in ['BHD','JOD','KWD','LYD','OMR','TND'] ? '3' : (self.currency == 'CLF' ? '4' : '2'))) == '0' ? 'write a whole number' : 'write at most ' + (self.currency in ['ADP','AFN','ALL','AMD','BIF','BYR','CLP','COP','DJF','ESP','GNF','GYD','IDR','IQD','IRR','ISK','ITL','JPY','KMF','KPW','KRW','LAK','LBP','LUF','MGA','MGF','MMK','MNT','MRO','MUR','PKR','PYG','RSD','RWF','SLL','SOS','STD','SYP','TMM','TRL','TZS','UGX','UYI','UZS','VND','VUV','XAF','XOF','XPF','YER','ZMK','ZWD'] ? '0' : (self.currency in ['BHD','JOD','KWD','LYD','OMR','TND'] ? '3' : (self.currency == 'CLF' ? '4' : '2'))) + ' digits after the point')",fieldPath=".amountTotal",reason=FieldValueInvalid
// +kubebuilder:validation:XValidation:rule="!has(self.amountPaid) || (self.currency in ['ADP','AFN','ALL','AMD','BIF','BYR','CLP','COP','DJF','ESP','GNF','GYD','IDR','IQD','IRR','ISK','ITL','JPY','KMF','KPW','KRW','LAK','LBP','LUF','MGA','MGF','MMK','MNT','MRO','MUR','PKR','PYG','RSD','RWF','SLL','SOS','STD','SYP','TMM','TRL','TZS','UGX','UYI','UZS','VND','VUV','XAF','XOF','XPF','YER','ZMK','ZWD'] ? !self.amountPaid.contains('.') : (self.amountPaid.indexOf('.') < 0 || size(self.amountPaid) - self.amountPaid.indexOf('.') <= (self.currency in ['BHD','JOD','KWD','LYD','OMR','TND'] ? 4 : (self.currency == 'CLF' ? 5 : 3))))",messageExpression="'spec.amountPaid ' + self.amountPaid + ' has more fraction digits than ' + self.currency + ' allows; ' + ((self.currency in ['ADP','AFN','ALL','AMD','BIF','BYR','CLP','COP','DJF','ESP','GNF','GYD','IDR','IQD','IRR','ISK','ITL','JPY','KMF','KPW','KRW','LAK','LBP','LUF','MGA','MGF','MMK','MNT','MRO','MUR','PKR','PYG','RSD','RWF','SLL','SOS','STD','SYP','TMM','TRL','TZS','UGX','UYI','UZS','VND','VUV','XAF','XOF','XPF','YER','ZMK','ZWD'] ? '0' : (self.currency in ['BHD','JOD','KWD','LYD','OMR','TND'] ? '3' : (self.currency == 'CLF' ? '4' : '2'))) == '0' ? 'write a whole number' : 'write at most ' + (self.currency in ['ADP','AFN','ALL','AMD','BIF','BYR','CLP','COP','DJF','ESP','GNF','GYD','IDR','IQD','IRR','ISK','ITL','JPY','KMF','KPW','KRW','LAK','LBP','LUF','MGA','MGF','MMK','MNT','MRO','MUR','PKR','PYG','RSD','RWF','SLL','SOS','STD','SYP','TMM','TRL','TZS','UGX','UYI','UZS','VND','VUV','XAF','XOF','XPF','YER','ZMK','ZWD'] ? '0' : (self.currency in ['BHD','JOD','KWD','LYD','OMR','TND'] ? '3' : (self.currency == 'CLF' ? '4' : '2'))) + ' digits after the point')",fieldPath=".amountPaid",reason=FieldValueInvalid
// +kubebuilder:validation:XValidation:rule="!has(self.installments) || self.installments.all(i, (self.currency in ['ADP','AFN','ALL','AMD','BIF','BYR','CLP','COP','DJF','ESP','GNF','GYD','IDR','IQD','IRR','ISK','ITL','JPY','KMF','KPW','KRW','LAK','LBP','LUF','MGA','MGF','MMK','MNT','MRO','MUR','PKR','PYG','RSD','RWF','SLL','SOS','STD','SYP','TMM','TRL','TZS','UGX','UYI','UZS','VND','VUV','XAF','XOF','XPF','YER','ZMK','ZWD'] ? !i.amount.contains('.') : (i.amount.indexOf('.') < 0 || size(i.amount) - i.amount.indexOf('.') <= (self.currency in ['BHD','JOD','KWD','LYD','OMR','TND'] ? 4 : (self.currency == 'CLF' ? 5 : 3)))))",messageExpression="'spec.installments[].amount'+ ' has more fraction digits than ' + self.currency + ' allows; ' + ((self.currency in ['ADP','AFN','ALL','AMD','BIF','BYR','CLP','COP','DJF','ESP','GNF','GYD','IDR','IQD','IRR','ISK','ITL','JPY','KMF','KPW','KRW','LAK','LBP','LUF','MGA','MGF','MMK','MNT','MRO','MUR','PKR','PYG','RSD','RWF','SLL','SOS','STD','SYP','TMM','TRL','TZS','UGX','UYI','UZS','VND','VUV','XAF','XOF','XPF','YER','ZMK','ZWD'] ? '0' : (self.currency in ['BHD','JOD','KWD','LYD','OMR','TND'] ? '3' : (self.currency == 'CLF' ? '4' : '2'))) == '0' ? 'write a whole number' : 'write at most ' + (self.currency in ['ADP','AFN','ALL','AMD','BIF','BYR','CLP','COP','DJF','ESP','GNF','GYD','IDR','IQD','IRR','ISK','ITL','JPY','KMF','KPW','KRW','LAK','LBP','LUF','MGA','MGF','MMK','MNT','MRO','MUR','PKR','PYG','RSD','RWF','SLL','SOS','STD','SYP','TMM','TRL','TZS','UGX','UYI','UZS','VND','VUV','XAF','XOF','XPF','YER','ZMK','ZWD'] ? '0' : (self.currency in ['BHD','JOD','KWD','LYD','OMR','TND'] ? '3' : (self.currency == 'CLF' ? '4' : '2'))) + ' digits after the point')",fieldPath=".installments",reason=FieldValueInvalid
type InvoiceSpec struct {
	// SaleOrderRef names the SaleOrder in the same namespace that this
	// document belongs to.
	// +required
	SaleOrderRef LocalObjectReference `json:"saleOrderRef"`

	// Number is the invoice number that people use, such as "INV/2026/0042".
	// +optional
	// +kubebuilder:validation:MaxLength=100
	// +kubebuilder:validation:Pattern=`^[^\x00-\x1F\x7F]*$`
	Number string `json:"number,omitempty"`

	// Type is Invoice for a document that requests payment, or
	// CreditNote for one that reduces what the customer owes.
	// +optional
	// +kubebuilder:default=Invoice
	Type InvoiceType `json:"type,omitempty"`

	// State is the accounting state. Only Posted documents count; Draft and
	// Cancelled ones are shown but left out of every sum.
	// +optional
	// +kubebuilder:default=Posted
	State InvoiceState `json:"state,omitempty"`

	// Currency is the ISO 4217 code of the document. It must equal the
	// order's currency, or the document is left out of the order's sums.
	// +required
	Currency CurrencyCode `json:"currency"`

	// InvoiceDate is the date the document was issued.
	// +optional
	InvoiceDate Date `json:"invoiceDate,omitempty"`

	// DueDate is the date by which an invoice without installments must be
	// paid. It is required for an Invoice and may not precede InvoiceDate.
	// +optional
	DueDate Date `json:"dueDate,omitempty"`

	// AmountTotal is the document's total, greater than zero. A credit note
	// carries a positive total that is subtracted.
	// +required
	AmountTotal Amount `json:"amountTotal"`

	// AmountPaid is the sum of the payments received, at most AmountTotal.
	// +optional
	// +kubebuilder:default="0"
	AmountPaid Amount `json:"amountPaid,omitempty"`

	// Installments split the total into parts with their own due dates.
	// Their amounts must add up to AmountTotal. Payments are applied to the
	// installment with the oldest due date first. Without installments the
	// whole total falls due on DueDate.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=60
	Installments []Installment `json:"installments,omitempty"`

	// ReversedInvoiceRef names, on a credit note, the invoice it reverses.
	// Without it the credit note is applied to the order's open invoices,
	// oldest due date first.
	// +optional
	ReversedInvoiceRef *LocalObjectReference `json:"reversedInvoiceRef,omitempty"`
}

// InvoiceStatus is the computed payment state of a document.
type InvoiceStatus struct {
	// ObservedGeneration is the metadata.generation that the status was
	// computed from.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// PaymentState is NotPaid, Partial or Paid for a posted document, or
	// Draft or Cancelled for one that does not count.
	// +optional
	PaymentState PaymentState `json:"paymentState,omitempty"`

	// AmountDue is the open amount: the total less payments and less the
	// posted credit notes applied to it, rounded to the currency's minor unit.
	// +optional
	AmountDue Amount `json:"amountDue,omitempty"`

	// OverdueDays is the largest number of calendar days, in the policy's
	// time zone, by which an open installment is past its due date.
	// +optional
	// +kubebuilder:default=0
	OverdueDays int32 `json:"overdueDays"`

	// Conditions describe the document's state. Ready is False when the
	// document cannot be counted, for example because its order does not
	// exist or its currency differs from the order's.
	// +optional
	// +listType=map
	// +listMapKey=type
	Conditions []metav1.Condition `json:"conditions,omitempty"`
}

// Invoice is an accounting document of a SaleOrder: an invoice that requests
// payment from the customer, or a credit note that reduces what is owed.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=inv,categories=collections
// +kubebuilder:printcolumn:name="Order",type=string,JSONPath=`.spec.saleOrderRef.name`
// +kubebuilder:printcolumn:name="Due date",type=string,JSONPath=`.spec.dueDate`
// +kubebuilder:printcolumn:name="Total",type=string,JSONPath=`.spec.amountTotal`
// +kubebuilder:printcolumn:name="Due",type=string,JSONPath=`.status.amountDue`
// +kubebuilder:printcolumn:name="Overdue",type=integer,JSONPath=`.status.overdueDays`,description="Overdue days"
// +kubebuilder:printcolumn:name="State",type=string,JSONPath=`.status.paymentState`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type Invoice struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec is the document as accounting records it.
	// +required
	Spec InvoiceSpec `json:"spec"`

	// Status is written by the controller.
	// +optional
	Status InvoiceStatus `json:"status,omitempty"`
}

// InvoiceList is a list of Invoice objects.
//
// +kubebuilder:object:root=true
type InvoiceList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []Invoice `json:"items"`
}

func init() {
	SchemeBuilder.Register(&Invoice{}, &InvoiceList{})
}
