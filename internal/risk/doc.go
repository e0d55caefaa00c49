// Package risk computes how overdue a sale order is and its collection risk
// level, from the order's invoices, its collection policy and the current
// instant. It is a pure function of its inputs. It reads no clock and
// imports nothing of the Kubernetes API, so the controller converts the API
// objects into this package's types and writes the Result into status.
//
// # Rules
//
// Units: amounts are exact decimals in the order's currency, written with the
// currency's fraction digits (EUR 2, JPY 0, KWD 3). Dates are calendar dates
// (YYYY-MM-DD, no time of day), and days are calendar days: a day with a
// daylight saving time change of 23 or 25 hours still counts as one.
//
//   - Today is the calendar date in the policy's IANA time zone (UTC when the
//     policy sets none) at the instant of computing, never the server's zone.
//     In Asia/Tokyo the date changes at 15:00 UTC, in America/Los_Angeles at
//     07:00 or 08:00 UTC.
//   - Only posted documents count. Drafts and cancelled documents get the
//     payment state Draft or Cancelled and are in no sum.
//   - An invoice without installments is one installment of amountTotal due
//     on dueDate. Payments (amountPaid) settle installments oldest due date
//     first.
//   - A posted credit note settles the invoice it reverses
//     (reversedInvoiceRef) the same way. A credit note that reverses no
//     invoice, and the part of a credit note larger than what its invoice
//     still has open, settle the open installments of all the order's
//     invoices, oldest due date first. The amountPaid of a credit note is
//     the part refunded to the customer and is not available as credit.
//   - A credit note that reverses an invoice that does not count is
//     unapplied: it is in no sum, and the result reports a problem. Such an
//     invoice is a draft, a cancelled invoice, a credit note, an invoice with
//     a problem, or a name that is not among the order's invoices.
//   - An installment is overdue when an amount is still open and today is
//     after its due date. On the due date itself it is not overdue. Its
//     overdue days are today minus the due date in calendar days, so an
//     installment due yesterday is 1 day overdue.
//   - Amounts are rounded to the currency's minor unit, half away from zero
//     (0.005 EUR becomes 0.01), and an amount that rounds to zero is paid.
//     Parsing rejects amounts finer than the minor unit, so for valid input
//     sums and differences are exact and rounding changes nothing.
//   - Order totals: OverdueDays is the largest overdue days of the open
//     installments, AmountOverdue their open sum, AmountDue the open sum of
//     all installments, and AmountInvoiced the total of the counted invoices
//     less the total of the counted credit notes (never below zero).
//   - Collection state: NotInvoiced when no posted invoice counts, Paid when
//     nothing is open, Overdue when an open installment is overdue, else
//     NotDue.
//   - Tier and level: the tier is the one with the largest minAmount that is
//     at most AmountInvoiced. The level is the highest of Low, Medium and
//     High whose risk days are at most OverdueDays, else None. The level
//     depends on today's overdue days only, never on an earlier level, so a
//     first computation at 120 days with high at 90 is High at once.
//   - Currencies: an invoice whose currency differs from its order's is in no
//     sum, and the result reports a problem. An order whose currency differs
//     from its policy's gets amounts and a collection state but no tier and
//     no level (both empty), and so no email.
//   - Invalid documents (an unknown type or state, a missing or malformed
//     amount or date, installments that do not sum to the total, amountPaid
//     above amountTotal, a due date before the invoice date) are in no sum,
//     and the result reports a problem that names the invoice, the field,
//     the value and the fix.
//
// The result never depends on the order of the invoices: they are sorted by
// due date, then by name.
//
// NOTE: the local date goes back for an hour in a zone whose clocks are put
// back across midnight (America/Sao_Paulo until 2019 went from 00:00 back to
// 23:00). In that hour today is the day before again, and overdue days drop
// by one until midnight comes a second time.
package risk
