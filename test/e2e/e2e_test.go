package e2e

import (
	"encoding/json"
	"fmt"
	"html"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"

	"github.com/overdue-dev/overdue-operator/test/envtest"
	"github.com/overdue-dev/overdue-operator/test/mailpit"
)

// Polling of the checks that wait for the manager. The manager reacts
// within a second, and the timeouts leave room for a loaded machine.
const (
	waitTimeout  = 60 * time.Second
	pollInterval = 250 * time.Millisecond
	// quietPeriod is how long a check waits for an email that must not
	// come, after the last change that could have sent one.
	quietPeriod = 3 * time.Second
)

// refreshAnnotation is the annotation that requests a recomputation.
const refreshAnnotation = "collections.overdue.dev/refresh-requested-at"

// expectCells checks the cells of the row named name against want, each
// header on its own so that a failure names the column.
func expectCells(g Gomega, tb table, name string, want map[string]string) {
	row, err := tb.row(name)
	g.Expect(err).NotTo(HaveOccurred())
	for header, value := range want {
		g.Expect(row).To(HaveKeyWithValue(header, value), "column %s of %s", header, name)
	}
}

// overdueCell returns the Overdue cell that kubectl prints for an order or
// invoice whose oldest open due date is dueDate, or for one that is not
// overdue when dueDate is empty.
func overdueCell(dueDate string) string {
	if dueDate == "" {
		return "0"
	}
	return strconv.Itoa(overdueDays(dueDate))
}

func TestGetShowsComputedColumns(t *testing.T) {
	ns := newNamespace(t)
	sales := salespersonEmail(ns)

	// One order per collection state and risk level. The large order is
	// in the tier whose High starts at 30 days, so 31 days make it High.
	lowDue, mediumDue, highDue := dateFromToday(-12), dateFromToday(-45), dateFromToday(-31)
	orders := []order{
		{Name: "so-not-invoiced", Reference: "SO-1001", Customer: "Nordlicht Handel AG", SalespersonEmail: sales},
		{Name: "so-not-due", Reference: "SO-1002", Customer: "Nordlicht Handel AG", SalespersonEmail: sales},
		{Name: "so-due-today", Reference: "SO-1003", Customer: "Nordlicht Handel AG", SalespersonEmail: sales},
		{Name: "so-low", Reference: "SO-1004", Customer: "Müller Maschinenbau GmbH", SalespersonEmail: sales},
		{Name: "so-medium", Reference: "SO-1005", Customer: "Müller Maschinenbau GmbH", SalespersonEmail: sales},
		{Name: "so-high", Reference: "SO-1006", Customer: "Müller Maschinenbau GmbH", SalespersonEmail: sales},
		{Name: "so-paid", Reference: "SO-1007", Customer: "Nordlicht Handel AG", SalespersonEmail: sales},
	}
	invoices := []invoice{
		{Name: "inv-not-due", Order: "so-not-due", DueDate: dateFromToday(14), Total: "800.00"},
		{Name: "inv-due-today", Order: "so-due-today", DueDate: dateFromToday(0), Total: "300.00"},
		{Name: "inv-low", Order: "so-low", DueDate: lowDue, Total: "1000.00"},
		{Name: "inv-medium", Order: "so-medium", DueDate: mediumDue, Total: "2500.00", Paid: "500.00"},
		{Name: "inv-high", Order: "so-high", DueDate: highDue, Total: "15000.00"},
		{Name: "inv-paid", Order: "so-paid", DueDate: dateFromToday(-90), Total: "400.00", Paid: "400.00"},
	}

	// The manifests are files in a folder, as a team keeps them in git.
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "policy.yaml"), policy{Name: "default", CC: []string{"finance@example.com"}}.yaml())
	var orderDocs, invoiceDocs []string
	for _, o := range orders {
		orderDocs = append(orderDocs, o.yaml())
	}
	for _, i := range invoices {
		invoiceDocs = append(invoiceDocs, i.yaml())
	}
	writeFile(t, filepath.Join(dir, "orders.yaml"), documents(orderDocs...))
	writeFile(t, filepath.Join(dir, "invoices.yaml"), documents(invoiceDocs...))

	applied := kubectl(t, "apply", "--namespace", ns, "--filename", dir)
	for _, o := range orders {
		if want := "saleorder.collections.overdue.dev/" + o.Name + " created"; !strings.Contains(applied, want) {
			t.Errorf("kubectl apply printed no %q:\n%s", want, applied)
		}
	}

	type orderRow struct {
		name       string
		due        string // the Due column, status.amountDue
		oldestDue  string // the due date that sets Overdue, empty when not overdue
		risk       string
		tier       string
		state      string
		riskChange bool // whether Risk changed shows a time
	}
	expected := []orderRow{
		{name: "so-not-invoiced", due: "0.00", risk: "None", tier: "small", state: "NotInvoiced"},
		{name: "so-not-due", due: "800.00", risk: "None", tier: "small", state: "NotDue"},
		// Due today is not overdue.
		{name: "so-due-today", due: "300.00", risk: "None", tier: "small", state: "NotDue"},
		{name: "so-low", due: "1000.00", oldestDue: lowDue, risk: "Low", tier: "small", state: "Overdue", riskChange: true},
		{name: "so-medium", due: "2000.00", oldestDue: mediumDue, risk: "Medium", tier: "small", state: "Overdue", riskChange: true},
		{name: "so-high", due: "15000.00", oldestDue: highDue, risk: "High", tier: "large", state: "Overdue", riskChange: true},
		{name: "so-paid", due: "0.00", risk: "None", tier: "small", state: "Paid"},
	}

	g := NewWithT(t)
	g.Eventually(func(g Gomega) {
		orders, err := getTable("saleorders", "--namespace", ns)
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(orders.Columns).To(Equal([]string{"NAME", "CUSTOMER", "SALESPERSON", "DUE", "OVERDUE", "RISK", "COMMUNICATION", "AGE"}))
		for _, want := range expected {
			expectCells(g, orders, want.name, map[string]string{
				"DUE":           want.due,
				"OVERDUE":       overdueCell(want.oldestDue),
				"RISK":          want.risk,
				"COMMUNICATION": "NotContacted",
				"SALESPERSON":   "Ana Lima",
			})
		}
		low, err := orders.row("so-low")
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(low).To(HaveKeyWithValue("CUSTOMER", "Müller Maschinenbau GmbH"))
	}).WithTimeout(waitTimeout).WithPolling(pollInterval).Should(Succeed())

	g.Eventually(func(g Gomega) {
		wide, err := getTable("saleorders", "--namespace", ns, "--output", "wide")
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(wide.Columns).To(Equal([]string{"NAME", "CUSTOMER", "SALESPERSON", "DUE", "OVERDUE", "RISK", "COMMUNICATION", "AGE",
			"POLICY", "TIER", "STATE", "RISK CHANGED"}))
		for _, want := range expected {
			expectCells(g, wide, want.name, map[string]string{
				"POLICY": "default",
				"TIER":   want.tier,
				"STATE":  want.state,
				"RISK":   want.risk,
			})
			row, err := wide.row(want.name)
			g.Expect(err).NotTo(HaveOccurred())
			if want.riskChange {
				g.Expect(row["RISK CHANGED"]).NotTo(BeEmpty(), "Risk changed of %s, whose level rose", want.name)
			} else {
				g.Expect(row["RISK CHANGED"]).To(BeEmpty(), "Risk changed of %s, which has been at None since it was created", want.name)
			}
		}
	}).WithTimeout(waitTimeout).WithPolling(pollInterval).Should(Succeed())

	// The output that the README shows, printed with `go test -v`.
	t.Logf("kubectl get saleorders:\n%s", kubectl(t, "get", "saleorders", "--namespace", ns))
	t.Logf("kubectl get saleorders -o wide:\n%s", kubectl(t, "get", "saleorders", "--namespace", ns, "--output", "wide"))

	type invoiceRow struct {
		name, order, dueDate, total, due, state string
		overdueSince                            string
	}
	expectedInvoices := []invoiceRow{
		{name: "inv-not-due", order: "so-not-due", total: "800.00", due: "800.00", state: "NotPaid"},
		{name: "inv-due-today", order: "so-due-today", total: "300.00", due: "300.00", state: "NotPaid"},
		{name: "inv-low", order: "so-low", total: "1000.00", due: "1000.00", state: "NotPaid", overdueSince: lowDue},
		{name: "inv-medium", order: "so-medium", total: "2500.00", due: "2000.00", state: "Partial", overdueSince: mediumDue},
		{name: "inv-high", order: "so-high", total: "15000.00", due: "15000.00", state: "NotPaid", overdueSince: highDue},
		{name: "inv-paid", order: "so-paid", total: "400.00", due: "0.00", state: "Paid"},
	}
	g.Eventually(func(g Gomega) {
		tb, err := getTable("invoices", "--namespace", ns)
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(tb.Columns).To(Equal([]string{"NAME", "ORDER", "DUE DATE", "TOTAL", "DUE", "OVERDUE", "STATE", "AGE"}))
		for i, want := range expectedInvoices {
			expectCells(g, tb, want.name, map[string]string{
				"ORDER":    want.order,
				"DUE DATE": invoices[i].DueDate,
				"TOTAL":    want.total,
				"DUE":      want.due,
				"OVERDUE":  overdueCell(want.overdueSince),
				"STATE":    want.state,
			})
		}
	}).WithTimeout(waitTimeout).WithPolling(pollInterval).Should(Succeed())

	g.Eventually(func(g Gomega) {
		// cpol is the short name of collectionpolicies.
		for _, resource := range []string{"collectionpolicies", "cpol"} {
			tb, err := getTable(resource, "--namespace", ns)
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(tb.Columns).To(Equal([]string{"NAME", "CURRENCY", "TIME ZONE", "ORDERS", "HIGH", "READY", "AGE"}))
			expectCells(g, tb, "default", map[string]string{
				"CURRENCY":  "EUR",
				"TIME ZONE": policyZone,
				"ORDERS":    "7",
				"HIGH":      "1",
				"READY":     "True",
			})
		}
	}).WithTimeout(waitTimeout).WithPolling(pollInterval).Should(Succeed())

	// The category lists all three kinds, one table each.
	tables, err := getTables("collections", "--namespace", ns)
	g.Expect(err).NotTo(HaveOccurred())
	var names []string
	for _, tb := range tables {
		names = append(names, tb.column("NAME")...)
	}
	g.Expect(tables).To(HaveLen(3), "tables of kubectl get collections")
	g.Expect(names).To(ContainElements(
		"collectionpolicy.collections.overdue.dev/default",
		"saleorder.collections.overdue.dev/so-high",
		"saleorder.collections.overdue.dev/so-not-invoiced",
		"invoice.collections.overdue.dev/inv-high",
		"invoice.collections.overdue.dev/inv-paid",
	))
	g.Expect(names).To(HaveLen(1+len(orders)+len(invoices)), "rows of kubectl get collections")
}

func TestApplySamples(t *testing.T) {
	ns := newNamespace(t)
	samples := filepath.Join(envtest.RepoRoot(), "config", "samples")

	applied := kubectl(t, "apply", "--namespace", ns, "--filename", samples)
	for _, want := range []string{
		"collectionpolicy.collections.overdue.dev/default created",
		"saleorder.collections.overdue.dev/so-0041 created",
		"saleorder.collections.overdue.dev/so-0042 created",
		"saleorder.collections.overdue.dev/so-0043 created",
		"invoice.collections.overdue.dev/inv-2026-0107 created",
		"invoice.collections.overdue.dev/inv-2026-0188 created",
		"invoice.collections.overdue.dev/cn-2026-0012 created",
		"invoice.collections.overdue.dev/inv-2026-0231 created",
	} {
		if !strings.Contains(applied, want) {
			t.Errorf("kubectl apply -f config/samples/ printed no %q:\n%s", want, applied)
		}
	}

	// The samples' dates are fixed, so their levels depend on the day the
	// test runs. What holds on every day: the policy is valid and counts
	// all three orders, and every order is computed under it.
	g := NewWithT(t)
	g.Eventually(func(g Gomega) {
		policies, err := getTable("collectionpolicies", "--namespace", ns)
		g.Expect(err).NotTo(HaveOccurred())
		expectCells(g, policies, "default", map[string]string{"ORDERS": "3", "READY": "True"})

		orders, err := getTable("saleorders", "--namespace", ns, "--output", "wide")
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(orders.Rows).To(HaveLen(3))
		for _, row := range orders.Rows {
			g.Expect(row).To(HaveKeyWithValue("POLICY", "default"), "order %s", row["NAME"])
			g.Expect(row["RISK"]).To(BeElementOf("None", "Low", "Medium", "High"), "Risk of %s", row["NAME"])
			ready, err := jsonPath(ns, "saleorder", row["NAME"], `{.status.conditions[?(@.type=="Ready")].status}`)
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(ready).To(Equal("True"), "Ready condition of %s", row["NAME"])
		}
	}).WithTimeout(waitTimeout).WithPolling(pollInterval).Should(Succeed())

	// The draft invoice does not count, so SO-0043 is not invoiced.
	g.Eventually(func(g Gomega) {
		orders, err := getTable("saleorders", "--namespace", ns, "--output", "wide")
		g.Expect(err).NotTo(HaveOccurred())
		expectCells(g, orders, "so-0043", map[string]string{"STATE": "NotInvoiced", "RISK": "None"})
	}).WithTimeout(waitTimeout).WithPolling(pollInterval).Should(Succeed())
}

func TestRefreshAnnotationHandled(t *testing.T) {
	ns := newNamespace(t)
	kubectlWithInput(t, documents(
		policy{Name: "default"}.yaml(),
		order{Name: "so-refresh", Reference: "SO-2001", Customer: "Nordlicht Handel AG", SalespersonEmail: salespersonEmail(ns)}.yaml(),
		invoice{Name: "inv-refresh", Order: "so-refresh", DueDate: dateFromToday(-12), Total: "500.00"}.yaml(),
	), "apply", "--namespace", ns, "--filename", "-")

	g := NewWithT(t)
	g.Eventually(func() (string, error) {
		return jsonPath(ns, "saleorder", "so-refresh", "{.status.riskLevel}")
	}).WithTimeout(waitTimeout).WithPolling(pollInterval).Should(Equal("Low"))

	// Each new value of the annotation is handled once, and copied to
	// status.lastHandledRefresh by the recomputation that handled it.
	for range 2 {
		requested := time.Now().UTC().Format(time.RFC3339Nano)
		kubectl(t, "annotate", "--namespace", ns, "saleorder", "so-refresh", refreshAnnotation+"="+requested, "--overwrite")
		g.Eventually(func() (string, error) {
			return jsonPath(ns, "saleorder", "so-refresh", "{.status.lastHandledRefresh}")
		}).WithTimeout(waitTimeout).WithPolling(pollInterval).Should(Equal(requested), "status.lastHandledRefresh of the order")

		refreshed, err := jsonPath(ns, "saleorder", "so-refresh", "{.status.lastRefreshedAt}")
		g.Expect(err).NotTo(HaveOccurred())
		refreshedAt, err := time.Parse(time.RFC3339, refreshed)
		g.Expect(err).NotTo(HaveOccurred(), "status.lastRefreshedAt %q", refreshed)
		requestedAt, err := time.Parse(time.RFC3339Nano, requested)
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(refreshedAt).NotTo(BeTemporally("<", requestedAt.Truncate(time.Second)),
			"status.lastRefreshedAt must come from the recomputation that the annotation requested")
	}

	requested := time.Now().UTC().Format(time.RFC3339Nano)
	kubectl(t, "annotate", "--namespace", ns, "collectionpolicy", "default", refreshAnnotation+"="+requested, "--overwrite")
	g.Eventually(func() (string, error) {
		return jsonPath(ns, "collectionpolicy", "default", "{.status.lastHandledRefresh}")
	}).WithTimeout(waitTimeout).WithPolling(pollInterval).Should(Equal(requested), "status.lastHandledRefresh of the policy")
}

func TestFollowUpPatchKeptAndEmailed(t *testing.T) {
	ns := newNamespace(t)
	sales := salespersonEmail(ns)
	const reference = "SO-3001"
	dueDate := dateFromToday(-12)
	kubectlWithInput(t, documents(
		policy{Name: "default", CC: []string{"finance@example.com"}}.yaml(),
		order{Name: "so-follow-up", Reference: reference, Customer: "Nordlicht Handel AG", SalespersonEmail: sales}.yaml(),
		invoice{Name: "inv-follow-up", Order: "so-follow-up", DueDate: dueDate, Total: "640.00"}.yaml(),
	), "apply", "--namespace", ns, "--filename", "-")

	g := NewWithT(t)
	g.Eventually(func() ([]mailpit.Message, error) {
		return emailsTo(sales)
	}).WithTimeout(waitTimeout).WithPolling(pollInterval).Should(HaveLen(1), "emails about the first level Low")

	// The remark contains characters that the HTML body must escape.
	const remark = "Called the AP desk: payment promised for Friday <after approval> & by bank transfer"
	patch, err := json.Marshal(map[string]any{"status": map[string]string{
		"communicationStatus": "Contacted",
		"collectionRemark":    remark,
	}})
	g.Expect(err).NotTo(HaveOccurred())
	kubectl(t, "patch", "saleorder", "so-follow-up", "--namespace", ns, "--subresource=status", "--type=merge", "--patch", string(patch))

	g.Eventually(func(g Gomega) {
		orders, err := getTable("saleorders", "--namespace", ns)
		g.Expect(err).NotTo(HaveOccurred())
		expectCells(g, orders, "so-follow-up", map[string]string{"COMMUNICATION": "Contacted", "RISK": "Low"})

		history, err := jsonPath(ns, "saleorder", "so-follow-up", `{range .status.history[*]}{.type}{"|"}{.from}{"|"}{.to}{"|"}{.message}{"\n"}{end}`)
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(history).To(ContainSubstring("CommunicationStatusChanged|NotContacted|Contacted|"))
		g.Expect(history).To(ContainSubstring("CollectionRemarkChanged|"))
		g.Expect(history).To(ContainSubstring("Called the AP desk"))
	}).WithTimeout(waitTimeout).WithPolling(pollInterval).Should(Succeed())

	// Paying the invoice lowers the level to None, so the next email is
	// sent after the follow-up and must show it.
	kubectl(t, "patch", "invoice", "inv-follow-up", "--namespace", ns, "--type=merge", "--patch", `{"spec":{"amountPaid":"640.00"}}`)

	var emails []mailpit.Message
	g.Eventually(func() ([]mailpit.Message, error) {
		emails, err = emailsTo(sales)
		return emails, err
	}).WithTimeout(waitTimeout).WithPolling(pollInterval).Should(HaveLen(2), "emails after the payment")
	decrease := emails[1]
	g.Expect(decrease.Subject).To(Equal("Risk None: " + reference + " (Nordlicht Handel AG), not overdue"))

	body, err := fullEmail(decrease.ID)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(body.Text).To(ContainSubstring("Communication:    Contacted"))
	g.Expect(body.Text).To(ContainSubstring("Remark:           " + remark))
	g.Expect(body.HTML).To(ContainSubstring("<td>Contacted</td>"))
	g.Expect(body.HTML).To(ContainSubstring(html.EscapeString(remark)))
	g.Expect(body.HTML).NotTo(ContainSubstring("<after approval>"))

	// The status writes of the payment's recomputation kept what the
	// salesperson recorded.
	g.Expect(jsonPath(ns, "saleorder", "so-follow-up", "{.status.communicationStatus}")).To(Equal("Contacted"))
	g.Expect(jsonPath(ns, "saleorder", "so-follow-up", "{.status.collectionRemark}")).To(Equal(remark))
	g.Expect(jsonPath(ns, "saleorder", "so-follow-up", "{.status.lastNotification.riskLevel}")).To(Equal("None"))
}

func TestPaymentLowersLevelAndEmails(t *testing.T) {
	ns := newNamespace(t)
	sales := salespersonEmail(ns)
	const (
		reference = "SO-4001"
		customer  = "Acme Büro GmbH"
		finance   = "finance@example.com"
		director  = "sales-director@example.com"
	)
	oldDue, recentDue := dateFromToday(-70), dateFromToday(-15)
	kubectlWithInput(t, documents(
		policy{Name: "default", CC: []string{finance}, EscalateTo: []string{director}}.yaml(),
		order{Name: "so-payment", Reference: reference, Customer: customer, SalespersonEmail: sales}.yaml(),
		invoice{Name: "inv-old", Order: "so-payment", DueDate: oldDue, Total: "1200.00"}.yaml(),
		invoice{Name: "inv-recent", Order: "so-payment", DueDate: recentDue, Total: "800.00"}.yaml(),
	), "apply", "--namespace", ns, "--filename", "-")

	// 70 days overdue in the small tier is High: the first email escalates.
	g := NewWithT(t)
	var emails []mailpit.Message
	var err error
	g.Eventually(func() ([]mailpit.Message, error) {
		emails, err = emailsTo(sales)
		return emails, err
	}).WithTimeout(waitTimeout).WithPolling(pollInterval).Should(HaveLen(1), "emails about the first level High")
	high := emails[0]
	g.Expect(high.Subject).To(Equal(fmt.Sprintf("Risk High: %s (%s), %d days overdue", reference, customer, overdueDays(oldDue))))
	g.Expect(addresses(high.To)).To(Equal([]string{sales}), "To of the High email")
	g.Expect(addresses(high.Cc)).To(Equal([]string{finance, director}), "Cc of the High email: the policy's cc and, at High, its escalateTo")
	g.Expect(high.From.Address).To(Equal(senderAddress))

	// A partial payment that leaves the level at High sends nothing. The
	// Due column shows that the manager has handled the payment, and the
	// manager sends an email before it writes that status.
	kubectl(t, "patch", "invoice", "inv-recent", "--namespace", ns, "--type=merge", "--patch", `{"spec":{"amountPaid":"300.00"}}`)
	g.Eventually(func(g Gomega) {
		orders, err := getTable("saleorders", "--namespace", ns)
		g.Expect(err).NotTo(HaveOccurred())
		expectCells(g, orders, "so-payment", map[string]string{"DUE": "1700.00", "RISK": "High"})
	}).WithTimeout(waitTimeout).WithPolling(pollInterval).Should(Succeed())
	g.Expect(emailsTo(sales)).To(HaveLen(1), "emails after a payment that kept the level")

	// Paying the old invoice leaves the recent one, 15 days overdue: Low.
	kubectl(t, "patch", "invoice", "inv-old", "--namespace", ns, "--type=merge", "--patch", `{"spec":{"amountPaid":"1200.00"}}`)
	g.Eventually(func() ([]mailpit.Message, error) {
		emails, err = emailsTo(sales)
		return emails, err
	}).WithTimeout(waitTimeout).WithPolling(pollInterval).Should(HaveLen(2), "emails after paying the old invoice")
	low := emails[1]
	g.Expect(low.Subject).To(Equal(fmt.Sprintf("Risk Low: %s (%s), %d days overdue", reference, customer, overdueDays(recentDue))))
	g.Expect(addresses(low.To)).To(Equal([]string{sales}), "To of the Low email")
	g.Expect(addresses(low.Cc)).To(Equal([]string{finance}), "Cc of the Low email: escalateTo only at High")
	body, err := fullEmail(low.ID)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(body.Text).To(ContainSubstring("fell from High to Low"))
	g.Expect(body.Text).To(ContainSubstring("Amount due:       500.00 EUR"))

	g.Eventually(func(g Gomega) {
		orders, err := getTable("saleorders", "--namespace", ns, "--output", "wide")
		g.Expect(err).NotTo(HaveOccurred())
		expectCells(g, orders, "so-payment", map[string]string{
			"RISK":    "Low",
			"OVERDUE": strconv.Itoa(overdueDays(recentDue)),
			"DUE":     "500.00",
			"STATE":   "Overdue",
		})
		invoices, err := getTable("invoices", "--namespace", ns)
		g.Expect(err).NotTo(HaveOccurred())
		expectCells(g, invoices, "inv-old", map[string]string{"DUE": "0.00", "STATE": "Paid", "OVERDUE": "0"})
		expectCells(g, invoices, "inv-recent", map[string]string{"DUE": "500.00", "STATE": "Partial"})
	}).WithTimeout(waitTimeout).WithPolling(pollInterval).Should(Succeed())
	g.Expect(jsonPath(ns, "saleorder", "so-payment", "{.status.lastNotification.riskLevel}")).To(Equal("Low"))

	// One change, one email: nothing more arrives after the last change.
	g.Consistently(func() ([]mailpit.Message, error) {
		return emailsTo(sales)
	}).WithTimeout(quietPeriod).WithPolling(pollInterval).Should(HaveLen(2), "emails after the last change")
}

func TestInvalidManifestRejected(t *testing.T) {
	ns := newNamespace(t)
	validOrder := order{Name: "so-invalid", Reference: "SO-5001", Customer: "Nordlicht Handel AG", SalespersonEmail: salespersonEmail(ns)}.yaml()
	validInvoice := invoice{Name: "inv-invalid", Order: "so-invalid", DueDate: dateFromToday(10), Total: "100.00"}.yaml()

	cases := []struct {
		name     string
		resource string
		manifest string
		// stderr must name the field and, where the message has one, the
		// rule that the value breaks.
		stderr []string
	}{
		{
			name:     "amountPaid above amountTotal",
			resource: "invoice/inv-invalid",
			manifest: strings.Replace(validInvoice, `amountPaid: "0"`, `amountPaid: "150.00"`, 1),
			stderr:   []string{"spec.amountPaid", "is larger than spec.amountTotal"},
		},
		{
			name:     "invoice currency not an ISO code",
			resource: "invoice/inv-invalid",
			manifest: strings.Replace(validInvoice, "currency: EUR", "currency: EURO", 1),
			stderr:   []string{"spec.currency"},
		},
		{
			name:     "order currency in lowercase",
			resource: "saleorder/so-invalid",
			manifest: strings.Replace(validOrder, "currency: EUR", "currency: eur", 1),
			stderr:   []string{"spec.currency"},
		},
		{
			name:     "cents on a JPY amount",
			resource: "invoice/inv-invalid",
			manifest: strings.Replace(strings.Replace(validInvoice, "currency: EUR", "currency: JPY", 1), `amountTotal: "100.00"`, `amountTotal: "100.50"`, 1),
			stderr:   []string{"spec.amountTotal", "JPY"},
		},
		{
			name:     "invoice without dueDate",
			resource: "invoice/inv-invalid",
			manifest: strings.Replace(validInvoice, fmt.Sprintf("  dueDate: %q\n", dateFromToday(10)), "", 1),
			stderr:   []string{"spec.dueDate"},
		},
		{
			name:     "salesperson email with a header",
			resource: "saleorder/so-invalid",
			manifest: strings.Replace(validOrder, strconv.Quote(salespersonEmail(ns)), `"ana@example.com\r\nBcc: all@example.com"`, 1),
			stderr:   []string{"spec.salesperson.email"},
		},
		{
			name:     "riskDays out of order",
			resource: "collectionpolicy/default",
			manifest: strings.Replace(policy{Name: "default"}.yaml(), "{low: 10, medium: 30, high: 60}", "{low: 30, medium: 10, high: 60}", 1),
			stderr:   []string{"spec.tiers[0].riskDays", "low < medium < high"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			stdout, stderr, err := suite.kubectl(tc.manifest, "apply", "--namespace", ns, "--filename", "-")
			if err == nil {
				t.Fatalf("kubectl apply accepted the manifest:\n%s\nstdout: %s", tc.manifest, stdout)
			}
			t.Logf("kubectl apply rejected the manifest: %s", stderr)
			for _, want := range tc.stderr {
				if !strings.Contains(stderr, want) {
					t.Errorf("stderr does not contain %q:\n%s", want, stderr)
				}
			}
			_, getErr, err := suite.kubectl("", "get", "--namespace", ns, tc.resource)
			if err == nil || !strings.Contains(getErr, "NotFound") {
				t.Errorf("the rejected %s exists, or reading it failed otherwise: %v: %s", tc.resource, err, getErr)
			}
		})
	}
}

func TestEventsOfLevelChange(t *testing.T) {
	ns := newNamespace(t)
	sales := salespersonEmail(ns)
	dueDate := dateFromToday(-40)
	kubectlWithInput(t, documents(
		policy{Name: "default"}.yaml(),
		order{Name: "so-events", Reference: "SO-6001", Customer: "Nordlicht Handel AG", SalespersonEmail: sales}.yaml(),
		invoice{Name: "inv-events", Order: "so-events", DueDate: dueDate, Total: "900.00"}.yaml(),
	), "apply", "--namespace", ns, "--filename", "-")

	// eventRows returns the rows of `kubectl get events` about the order
	// with the given reason.
	eventRows := func(g Gomega, reason string) []map[string]string {
		tb, err := getTable("events", "--namespace", ns, "--field-selector", "involvedObject.kind=SaleOrder,involvedObject.name=so-events")
		g.Expect(err).NotTo(HaveOccurred())
		var rows []map[string]string
		for _, row := range tb.Rows {
			g.Expect(row).To(HaveKeyWithValue("OBJECT", "saleorder/so-events"))
			// kubectl prints "5s (x2 over 9s)" for an event that was
			// emitted again with the same message.
			g.Expect(row["LAST SEEN"]).NotTo(ContainSubstring("(x"), "event emitted twice: %v", row)
			if row["REASON"] == reason {
				rows = append(rows, row)
			}
		}
		return rows
	}

	// 40 days overdue in the small tier is Medium. A rising level is a
	// Warning, because someone has to act on it.
	g := NewWithT(t)
	g.Eventually(func(g Gomega) {
		changed := eventRows(g, "RiskLevelChanged")
		g.Expect(changed).To(HaveLen(1), "RiskLevelChanged events")
		g.Expect(changed[0]).To(HaveKeyWithValue("TYPE", "Warning"))
		g.Expect(changed[0]["MESSAGE"]).To(ContainSubstring(fmt.Sprintf("rose from None to Medium: %d days overdue", overdueDays(dueDate))))

		sent := eventRows(g, "NotificationSent")
		g.Expect(sent).To(HaveLen(1), "NotificationSent events")
		g.Expect(sent[0]).To(HaveKeyWithValue("TYPE", "Normal"))
		g.Expect(sent[0]["MESSAGE"]).To(ContainSubstring(sales))
		g.Expect(sent[0]["MESSAGE"]).To(ContainSubstring("level Medium"))
	}).WithTimeout(waitTimeout).WithPolling(pollInterval).Should(Succeed())

	// A falling level is a Normal event, and its email another
	// NotificationSent.
	kubectl(t, "patch", "invoice", "inv-events", "--namespace", ns, "--type=merge", "--patch", `{"spec":{"amountPaid":"900.00"}}`)
	g.Eventually(func(g Gomega) {
		changed := eventRows(g, "RiskLevelChanged")
		g.Expect(changed).To(HaveLen(2), "RiskLevelChanged events")
		fell := slices.IndexFunc(changed, func(row map[string]string) bool {
			return strings.Contains(row["MESSAGE"], "fell from Medium to None")
		})
		g.Expect(fell).NotTo(Equal(-1), "a RiskLevelChanged event for the fall to None among %v", changed)
		g.Expect(changed[fell]).To(HaveKeyWithValue("TYPE", "Normal"))

		sent := eventRows(g, "NotificationSent")
		g.Expect(sent).To(HaveLen(2), "NotificationSent events")
	}).WithTimeout(waitTimeout).WithPolling(pollInterval).Should(Succeed())

	t.Logf("kubectl get events:\n%s", kubectl(t, "get", "events", "--namespace", ns))
}
