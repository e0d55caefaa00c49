package e2e

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the policy's zone must not depend on the machine's zoneinfo

	"github.com/overdue-dev/overdue-operator/test/mailpit"
)

// policyZone is the time zone of every test policy. Kiritimati is 14 hours
// ahead of UTC, so from 10:00 to 24:00 UTC its calendar date is one day
// later than UTC's. A manager that counted overdue days in UTC or in the
// server's zone would be one day off then, and the tests would fail.
const policyZone = "Pacific/Kiritimati"

var policyLocation = mustLoadLocation(policyZone)

func mustLoadLocation(name string) *time.Location {
	location, err := time.LoadLocation(name)
	if err != nil {
		panic(fmt.Sprintf("loading the time zone %s: %v", name, err))
	}
	return location
}

// today returns the current calendar date in policyZone, as midnight UTC of
// that date so that whole days can be added and subtracted exactly. The
// manager runs on the real clock, so the tests compute their dates from
// the real clock too.
func today() time.Time {
	now := time.Now().In(policyLocation)
	return time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
}

// dateFromToday returns the date days after today in policyZone as
// YYYY-MM-DD. A negative days is in the past.
func dateFromToday(days int) string {
	return today().AddDate(0, 0, days).Format(time.DateOnly)
}

// overdueDays returns the number of calendar days from dueDate to today in
// policyZone. It is computed when called, so that a check that polls
// across midnight in policyZone expects the new day's value.
func overdueDays(dueDate string) int {
	due, err := time.Parse(time.DateOnly, dueDate)
	if err != nil {
		panic(fmt.Sprintf("test due date %q: %v", dueDate, err))
	}
	return int(today().Sub(due) / (24 * time.Hour))
}

// policy is the part of a CollectionPolicy that the tests vary. Every test
// policy has the same two tiers, in EUR and policyZone:
//
//	small: from 0,        Low at 10, Medium at 30, High at 60 days
//	large: from 10000.00, Low at 5,  Medium at 15, High at 30 days
type policy struct {
	Name       string
	CC         []string
	EscalateTo []string
}

func (p policy) yaml() string {
	return fmt.Sprintf(`apiVersion: collections.overdue.dev/v1alpha1
kind: CollectionPolicy
metadata:
  name: %s
spec:
  currency: EUR
  timeZone: %s
  refreshTime: "06:00"
  tiers:
    - name: small
      minAmount: "0"
      riskDays: {low: 10, medium: 30, high: 60}
    - name: large
      minAmount: "10000.00"
      riskDays: {low: 5, medium: 15, high: 30}
  notification:
    email:
      notifyOn: [Increase, Decrease]
      cc: %s
      escalateTo: %s
`, p.Name, policyZone, yamlList(p.CC), yamlList(p.EscalateTo))
}

// order is the part of a SaleOrder that the tests vary. The order uses the
// policy named "default" of its namespace.
type order struct {
	Name             string
	Reference        string
	Customer         string
	SalespersonEmail string
}

func (o order) yaml() string {
	return fmt.Sprintf(`apiVersion: collections.overdue.dev/v1alpha1
kind: SaleOrder
metadata:
  name: %s
spec:
  reference: %s
  customer: {name: %s}
  salesperson: {name: Ana Lima, email: %s}
  currency: EUR
`, o.Name, strconv.Quote(o.Reference), strconv.Quote(o.Customer), strconv.Quote(o.SalespersonEmail))
}

// invoice is the part of an Invoice that the tests vary. Every test invoice
// is a posted EUR invoice without installments.
type invoice struct {
	Name    string
	Order   string
	DueDate string
	Total   string
	Paid    string
}

func (i invoice) yaml() string {
	paid := i.Paid
	if paid == "" {
		paid = "0"
	}
	return fmt.Sprintf(`apiVersion: collections.overdue.dev/v1alpha1
kind: Invoice
metadata:
  name: %s
spec:
  saleOrderRef: {name: %s}
  number: %s
  currency: EUR
  dueDate: %q
  amountTotal: %q
  amountPaid: %q
`, i.Name, i.Order, strconv.Quote(strings.ToUpper(i.Name)), i.DueDate, i.Total, paid)
}

// yamlList writes strings as a YAML flow sequence of quoted strings.
func yamlList(values []string) string {
	quoted := make([]string, 0, len(values))
	for _, value := range values {
		quoted = append(quoted, strconv.Quote(value))
	}
	return "[" + strings.Join(quoted, ", ") + "]"
}

// documents joins YAML documents into one multi-document manifest.
func documents(docs ...string) string {
	return strings.Join(docs, "---\n")
}

// writeFile writes a manifest for `kubectl apply -f`.
func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatalf("writing %s: %v", path, err)
	}
}

// salespersonEmail returns the salesperson address of a test's orders. It
// contains the namespace, so each test counts only its own emails.
func salespersonEmail(namespace string) string {
	return "sales." + namespace + "@example.com"
}

// emailsTo returns the emails in Mailpit whose To header contains address,
// oldest first.
func emailsTo(address string) ([]mailpit.Message, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	messages, err := suite.mail.Messages(ctx)
	if err != nil {
		return nil, err
	}
	var matching []mailpit.Message
	for _, message := range messages {
		if slices.Contains(addresses(message.To), address) {
			matching = append(matching, message)
		}
	}
	slices.Reverse(matching) // Mailpit lists the newest first
	return matching, nil
}

// fullEmail returns one email with its plain-text and HTML bodies.
func fullEmail(id string) (*mailpit.FullMessage, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return suite.mail.Message(ctx, id)
}

// addresses returns the email addresses of a Mailpit address list, sorted.
func addresses(list []mailpit.Address) []string {
	result := make([]string, 0, len(list))
	for _, address := range list {
		result = append(result, address.Address)
	}
	slices.Sort(result)
	return result
}
