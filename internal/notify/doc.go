// Package notify turns a SaleOrder's risk-level change into an email and
// sends it over SMTP.
//
// The controller decides with ShouldNotify whether a change is to be sent,
// fills a Notification and calls Sender.Send. The email goes to the
// salesperson, the policy's cc and, when the new level is High, the policy's
// escalateTo. It has a plain-text and an HTML alternative and a Message-ID
// that depends only on the order's UID and the level change, so a repeated
// send of the same change can be recognised by the receiver.
//
// Every header value is built from validated data. Addresses must be one
// plain ASCII address each, display names and the subject lose their control
// characters and are RFC 2047-encoded when they are not plain ASCII, and the
// HTML body escapes every value. Send returns a *DeliveryError whose Reason is
// a CamelCase condition reason and whose Permanent field reports
// whether a retry can help. The package imports nothing from Kubernetes or controller-runtime.
package notify
