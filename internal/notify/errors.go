package notify

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/textproto"

	"github.com/go-mail/mail/v2"
)

// Reasons that classify a failed notification. They are CamelCase so that the
// controller can use them unchanged as the reason of the NotificationDelivered
// condition and of the NotificationFailed event.
const (
	// ReasonEmailNotConfigured means the manager runs without --smtp-address.
	ReasonEmailNotConfigured = "EmailNotConfigured"
	// ReasonInvalidAddress means a recipient address in the SaleOrder or in
	// its CollectionPolicy is not one valid email address.
	ReasonInvalidAddress = "InvalidAddress"
	// ReasonInvalidNotification means the caller passed a Notification that
	// cannot be rendered, such as one with an unknown risk level or without
	// a UID.
	ReasonInvalidNotification = "InvalidNotification"
	// ReasonSMTPUnavailable means the SMTP server could not be reached or the
	// session failed before the server replied to the message: connection
	// refused, timeout, TLS failure, a 421 reply or a closed connection.
	ReasonSMTPUnavailable = "SMTPUnavailable"
	// ReasonSMTPRejected means the SMTP server replied with an error code to
	// the authentication, the sender, a recipient or the message.
	ReasonSMTPRejected = "SMTPRejected"
)

// ErrNotConfigured is returned by Sender.Send when the manager was started
// without --smtp-address. It is permanent for the life of the process.
var ErrNotConfigured = &DeliveryError{
	Reason:    ReasonEmailNotConfigured,
	Permanent: true,
	Err:       errors.New("email is not configured: start the manager with --smtp-address and --smtp-from to send notifications"),
}

// DeliveryError is the error type that Sender.Send returns. Reason is one of
// the Reason constants. Permanent reports that sending the same Notification
// again cannot succeed until someone changes the data or the SMTP server's
// configuration, so the caller should record the failure and not retry it
// with a short backoff. Every other failure is transient and worth retrying.
type DeliveryError struct {
	Reason    string
	Permanent bool
	Err       error
}

func (e *DeliveryError) Error() string {
	return e.Err.Error()
}

func (e *DeliveryError) Unwrap() error {
	return e.Err
}

// InvalidAddressError reports an email address that is not one plain, valid
// address. Field is the path of the API field that contains it, such as
// spec.salesperson.email or spec.notification.email.cc[1], and Object names
// the resource with that field, such as SaleOrder sales/so-0042.
type InvalidAddressError struct {
	Object string
	Field  string
	Value  string
	Err    error
}

func (e *InvalidAddressError) Error() string {
	return fmt.Sprintf("invalid email address %q in %s of %s: %v; use one plain address such as name@example.com",
		e.Value, e.Field, e.Object, e.Err)
}

func (e *InvalidAddressError) Unwrap() error {
	return e.Err
}

// Reason returns the condition reason for err: the Reason of a DeliveryError
// in its chain, ReasonSMTPUnavailable for any other non-nil error, and ""
// for nil.
func Reason(err error) string {
	if err == nil {
		return ""
	}
	if de, ok := errors.AsType[*DeliveryError](err); ok {
		return de.Reason
	}
	return ReasonSMTPUnavailable
}

// IsPermanent reports whether err is a DeliveryError that retrying cannot fix.
func IsPermanent(err error) bool {
	de, ok := errors.AsType[*DeliveryError](err)
	return ok && de.Permanent
}

// classifySMTPError wraps an error from dialling or talking to the SMTP
// server in a DeliveryError. Replies with a 5xx code are permanent and
// replies with a 4xx code are transient, as RFC 5321 defines them. A 421
// reply means that the server is closing the session, so it counts as
// unavailable. The replies 530, 534 and 535 of RFC 4954 concern the
// credentials, so their message points to the flags. A server that lacks STARTTLS or presents a certificate that
// does not verify fails the same way on every attempt, so both are
// permanent. Timeouts, refused or reset connections and every other error
// are transient.
func classifySMTPError(ctx context.Context, server string, err error) *DeliveryError {
	if ctx.Err() != nil {
		// A cancelled context closes the connection, so err is only the
		// resulting read or write error. The cause is what matters.
		return &DeliveryError{
			Reason: ReasonSMTPUnavailable,
			Err:    fmt.Errorf("sending email through SMTP server %s was interrupted: %w", server, context.Cause(ctx)),
		}
	}

	if reply, ok := errors.AsType[*textproto.Error](err); ok {
		switch {
		case reply.Code == 421:
			return &DeliveryError{
				Reason: ReasonSMTPUnavailable,
				Err:    fmt.Errorf("SMTP server %s is not available: %w", server, err),
			}
		case reply.Code >= 400 && reply.Code < 500:
			return &DeliveryError{
				Reason: ReasonSMTPRejected,
				Err:    fmt.Errorf("SMTP server %s rejected the email temporarily: %w", server, err),
			}
		case reply.Code == 530 || reply.Code == 534 || reply.Code == 535:
			return &DeliveryError{
				Reason:    ReasonSMTPRejected,
				Permanent: true,
				Err: fmt.Errorf("SMTP server %s rejected the authentication: %w; check --smtp-username, --smtp-password-file and --smtp-tls",
					server, err),
			}
		case reply.Code >= 500 && reply.Code < 600:
			return &DeliveryError{
				Reason:    ReasonSMTPRejected,
				Permanent: true,
				Err:       fmt.Errorf("SMTP server %s rejected the email: %w", server, err),
			}
		}
	}

	if _, ok := errors.AsType[mail.StartTLSUnsupportedError](err); ok {
		return &DeliveryError{
			Reason:    ReasonSMTPUnavailable,
			Permanent: true,
			Err:       fmt.Errorf("SMTP server %s does not offer STARTTLS: %w; use --smtp-tls tls for a server that expects TLS from the first byte, or --smtp-tls none for a server without TLS", server, err),
		}
	}
	if isCertificateError(err) {
		return &DeliveryError{
			Reason:    ReasonSMTPUnavailable,
			Permanent: true,
			Err:       fmt.Errorf("TLS certificate of SMTP server %s cannot be verified: %w", server, err),
		}
	}

	return &DeliveryError{
		Reason: ReasonSMTPUnavailable,
		Err:    fmt.Errorf("failed to send email through SMTP server %s: %w", server, err),
	}
}

func isCertificateError(err error) bool {
	if _, ok := errors.AsType[*tls.CertificateVerificationError](err); ok {
		return true
	}
	if _, ok := errors.AsType[x509.UnknownAuthorityError](err); ok {
		return true
	}
	if _, ok := errors.AsType[x509.HostnameError](err); ok {
		return true
	}
	_, ok := errors.AsType[x509.CertificateInvalidError](err)
	return ok
}
