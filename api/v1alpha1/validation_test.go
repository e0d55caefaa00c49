package v1alpha1_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/text/currency"
	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"github.com/overdue-dev/overdue-operator/test/envtest"
)

var env *envtest.Environment

func TestMain(m *testing.M) {
	var err error
	env, err = envtest.Start()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	if err := env.Stop(); err != nil {
		fmt.Fprintln(os.Stderr, "stopping the control plane:", err)
	}
	os.Exit(code)
}

// newNamespace creates a namespace of its own for one test.
func newNamespace(t *testing.T) string {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "validation-"}}
	if err := env.Client.Create(context.Background(), ns); err != nil {
		t.Fatalf("creating a namespace: %v", err)
	}
	return ns.Name
}

// decodeManifests splits a multi-document YAML stream into objects.
func decodeManifests(t *testing.T, data []byte) []*unstructured.Unstructured {
	t.Helper()
	decoder := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
	var objects []*unstructured.Unstructured
	for {
		obj := &unstructured.Unstructured{}
		err := decoder.Decode(&obj.Object)
		if errors.Is(err, io.EOF) {
			return objects
		}
		if err != nil {
			t.Fatalf("decoding a manifest: %v", err)
		}
		if len(obj.Object) > 0 {
			objects = append(objects, obj)
		}
	}
}

func TestSamplesAreAccepted(t *testing.T) {
	ns := newNamespace(t)
	files, err := filepath.Glob(filepath.Join(envtest.RepoRoot(), "config", "samples", "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no samples found in config/samples")
	}
	kinds := map[string]int{}
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, obj := range decodeManifests(t, data) {
			obj.SetNamespace(ns)
			if err := env.Client.Create(context.Background(), obj); err != nil {
				t.Errorf("%s: sample %s %s rejected: %v", filepath.Base(file), obj.GetKind(), obj.GetName(), err)
			}
			kinds[obj.GetKind()]++
		}
	}
	for _, kind := range []string{"CollectionPolicy", "SaleOrder", "Invoice"} {
		if kinds[kind] == 0 {
			t.Errorf("the samples have no %s", kind)
		}
	}
}

// Valid base manifests that each invalid case changes in one place.
const (
	validPolicy = `
apiVersion: collections.overdue.dev/v1alpha1
kind: CollectionPolicy
metadata: {name: p}
spec:
  currency: EUR
  tiers:
    - {name: small, minAmount: "0", riskDays: {low: 15, medium: 45, high: 90}}
    - {name: large, minAmount: "10000.00", riskDays: {low: 7, medium: 30, high: 60}}
`
	validOrder = `
apiVersion: collections.overdue.dev/v1alpha1
kind: SaleOrder
metadata: {name: o}
spec:
  customer: {name: Acme}
  salesperson: {name: Ana, email: ana@example.com}
  currency: EUR
`
	validInvoice = `
apiVersion: collections.overdue.dev/v1alpha1
kind: Invoice
metadata: {name: i}
spec:
  saleOrderRef: {name: o}
  currency: EUR
  invoiceDate: "2026-01-01"
  dueDate: "2026-01-31"
  amountTotal: "100.00"
`
)

// edit returns base with every old replaced by new, and fails the test when
// old is not in base, so that a case cannot silently test the valid base.
func edit(t *testing.T, base, old, new string) string {
	t.Helper()
	if !strings.Contains(base, old) {
		t.Fatalf("the base manifest has no %q", old)
	}
	return strings.ReplaceAll(base, old, new)
}

func TestInvalidManifestsAreRejected(t *testing.T) {
	ns := newNamespace(t)
	cases := []struct {
		name     string
		manifest func(t *testing.T) string
		// want lists substrings of the rejection message: the field path,
		// and where it helps, the offending value.
		want []string
	}{
		{"policy_lowercase_currency", func(t *testing.T) string { return edit(t, validPolicy, "currency: EUR", "currency: eur") }, []string{"spec.currency", "eur", "such as EUR"}},
		{"policy_unknown_refresh_time", func(t *testing.T) string {
			return edit(t, validPolicy, "currency: EUR", "currency: EUR\n  refreshTime: \"24:00\"")
		}, []string{"spec.refreshTime", "24:00"}},
		{"policy_no_tiers", func(t *testing.T) string {
			return "apiVersion: collections.overdue.dev/v1alpha1\nkind: CollectionPolicy\nmetadata: {name: p}\nspec: {currency: EUR, tiers: []}\n"
		}, []string{"spec.tiers"}},
		{"policy_duplicate_tier_names", func(t *testing.T) string { return edit(t, validPolicy, "name: large", "name: small") }, []string{"spec.tiers[1]", "Duplicate value"}},
		{"policy_tier_name_not_dns_label", func(t *testing.T) string { return edit(t, validPolicy, "name: large", "name: Large_Tier") }, []string{"spec.tiers[1].name", "Large_Tier"}},
		{"policy_first_tier_not_zero", func(t *testing.T) string { return edit(t, validPolicy, `minAmount: "0"`, `minAmount: "5"`) }, []string{"spec.tiers", "must be \"0\"", "5"}},
		{"policy_tiers_not_ascending", func(t *testing.T) string {
			return edit(t, validPolicy, `{name: large, minAmount: "10000.00"`, `{name: large, minAmount: "0.00"`)
		}, []string{"spec.tiers", "strictly ascending"}},
		{"policy_risk_days_unordered", func(t *testing.T) string {
			return edit(t, validPolicy, "{low: 7, medium: 30, high: 60}", "{low: 30, medium: 7, high: 60}")
		}, []string{"spec.tiers[1].riskDays", "low < medium < high"}},
		{"policy_risk_days_zero", func(t *testing.T) string {
			return edit(t, validPolicy, "{low: 7, medium: 30, high: 60}", "{low: 0, medium: 30, high: 60}")
		}, []string{"spec.tiers[1].riskDays.low"}},
		{"policy_min_amount_negative", func(t *testing.T) string { return edit(t, validPolicy, `"10000.00"`, `"-10000.00"`) }, []string{"spec.tiers[1].minAmount", "-10000.00"}},
		{"policy_min_amount_too_precise_for_jpy", func(t *testing.T) string {
			return edit(t, edit(t, validPolicy, "currency: EUR", "currency: JPY"), `"10000.00"`, `"10000.5"`)
		}, []string{"spec.tiers[].minAmount", "JPY", "write a whole number"}},
		{"policy_cc_not_an_address", func(t *testing.T) string {
			return edit(t, validPolicy, "currency: EUR", "currency: EUR\n  notification: {email: {cc: [\"Finance <finance@example.com>\"]}}")
		}, []string{"spec.notification.email.cc[0]"}},
		{"policy_unknown_notify_direction", func(t *testing.T) string {
			return edit(t, validPolicy, "currency: EUR", "currency: EUR\n  notification: {email: {notifyOn: [Up]}}")
		}, []string{"spec.notification.email.notifyOn[0]", "Up"}},
		{"order_empty_customer_name", func(t *testing.T) string {
			return edit(t, validOrder, "customer: {name: Acme}", `customer: {name: ""}`)
		}, []string{"spec.customer.name"}},
		{"order_customer_name_with_line_break", func(t *testing.T) string {
			return edit(t, validOrder, "customer: {name: Acme}", `customer: {name: "Acme\r\nBcc: x@example.com"}`)
		}, []string{"spec.customer.name"}},
		{"order_salesperson_email_missing", func(t *testing.T) string { return edit(t, validOrder, ", email: ana@example.com", "") }, []string{"spec.salesperson.email", "Required"}},
		{"order_salesperson_email_invalid", func(t *testing.T) string { return edit(t, validOrder, "ana@example.com", "ana.example.com") }, []string{"spec.salesperson.email", "ana.example.com"}},
		{"order_salesperson_two_addresses", func(t *testing.T) string {
			return edit(t, validOrder, "ana@example.com", `"ana@example.com, bo@example.com"`)
		}, []string{"spec.salesperson.email"}},
		{"order_currency_not_iso_form", func(t *testing.T) string { return edit(t, validOrder, "currency: EUR", "currency: EURO") }, []string{"spec.currency", "EURO", "three capital letters"}},
		{"order_amount_with_exponent", func(t *testing.T) string {
			return edit(t, validOrder, "currency: EUR", "currency: EUR\n  amountTotal: \"1e3\"")
		}, []string{"spec.amountTotal", "1e3", "without a sign, an exponent"}},
		{"order_amount_too_precise_for_eur", func(t *testing.T) string {
			return edit(t, validOrder, "currency: EUR", "currency: EUR\n  amountTotal: \"10.005\"")
		}, []string{"spec.amountTotal", "10.005", "EUR", "at most 2"}},
		{"order_bad_order_date", func(t *testing.T) string {
			return edit(t, validOrder, "currency: EUR", "currency: EUR\n  orderDate: \"2026-02-30\"")
		}, []string{"spec.orderDate", "2026-02-30"}},
		{"invoice_missing_order_ref", func(t *testing.T) string { return edit(t, validInvoice, "  saleOrderRef: {name: o}\n", "") }, []string{"spec.saleOrderRef", "Required"}},
		{"invoice_negative_total", func(t *testing.T) string {
			return edit(t, validInvoice, `amountTotal: "100.00"`, `amountTotal: "-100.00"`)
		}, []string{"spec.amountTotal", "-100.00"}},
		{"invoice_zero_total", func(t *testing.T) string {
			return edit(t, validInvoice, `amountTotal: "100.00"`, `amountTotal: "0.00"`)
		}, []string{"spec.amountTotal", "greater than 0"}},
		{"invoice_paid_above_total", func(t *testing.T) string {
			return edit(t, validInvoice, `amountTotal: "100.00"`, "amountTotal: \"100.00\"\n  amountPaid: \"100.01\"")
		}, []string{"spec.amountPaid", "100.01", "larger than spec.amountTotal"}},
		{"invoice_due_before_invoice_date", func(t *testing.T) string {
			return edit(t, validInvoice, `dueDate: "2026-01-31"`, `dueDate: "2025-12-31"`)
		}, []string{"spec.dueDate", "earlier than spec.invoiceDate"}},
		{"invoice_without_due_date", func(t *testing.T) string { return edit(t, validInvoice, "  dueDate: \"2026-01-31\"\n", "") }, []string{"spec.dueDate", "required"}},
		{"invoice_unknown_type", func(t *testing.T) string {
			return edit(t, validInvoice, "currency: EUR", "currency: EUR\n  type: Receipt")
		}, []string{"spec.type", "Receipt"}},
		{"invoice_unknown_state", func(t *testing.T) string {
			return edit(t, validInvoice, "currency: EUR", "currency: EUR\n  state: Paid")
		}, []string{"spec.state", "Paid"}},
		{"invoice_kwd_four_decimals", func(t *testing.T) string {
			return edit(t, edit(t, validInvoice, "currency: EUR", "currency: KWD"), `"100.00"`, `"100.0005"`)
		}, []string{"spec.amountTotal", "100.0005", "KWD", "at most 3"}},
		{"invoice_reversal_on_invoice", func(t *testing.T) string {
			return edit(t, validInvoice, "currency: EUR", "currency: EUR\n  reversedInvoiceRef: {name: x}")
		}, []string{"spec.reversedInvoiceRef", "CreditNote"}},
		{"invoice_installment_bad_date", func(t *testing.T) string {
			return edit(t, validInvoice, "currency: EUR", "currency: EUR\n  installments: [{dueDate: \"31.01.2026\", amount: \"100.00\"}]")
		}, []string{"spec.installments[0].dueDate", "31.01.2026"}},
		{"invoice_installment_before_invoice_date", func(t *testing.T) string {
			return edit(t, validInvoice, "currency: EUR", "currency: EUR\n  installments: [{dueDate: \"2025-12-01\", amount: \"100.00\"}]")
		}, []string{"spec.installments", "cannot precede spec.invoiceDate"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			manifest := tc.manifest(t)
			objects := decodeManifests(t, []byte(manifest))
			if len(objects) != 1 {
				t.Fatalf("the case decodes to %d objects, want 1", len(objects))
			}
			obj := objects[0]
			obj.SetNamespace(ns)
			obj.SetName(strings.ReplaceAll(tc.name, "_", "-"))
			err := env.Client.Create(context.Background(), obj)
			if err == nil {
				t.Fatalf("the API server accepted the manifest:\n%s", manifest)
			}
			if !apierrors.IsInvalid(err) {
				t.Fatalf("rejected with %v, want an Invalid error", err)
			}
			for _, want := range tc.want {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("the rejection message lacks %q:\n%v", want, err)
				}
			}
		})
	}
}

func TestPersonOwnedStatusIsValidated(t *testing.T) {
	ns := newNamespace(t)
	ctx := context.Background()
	order := decodeManifests(t, []byte(validOrder))[0]
	order.SetNamespace(ns)
	if err := env.Client.Create(ctx, order); err != nil {
		t.Fatalf("creating the order: %v", err)
	}

	cases := []struct {
		name  string
		patch string
		want  []string
	}{
		{"unknown_communication_status", `{"status":{"communicationStatus":"Called"}}`, []string{"status.communicationStatus", "Called"}},
		{"remark_too_long", fmt.Sprintf(`{"status":{"collectionRemark":%q}}`, strings.Repeat("x", 2001)), []string{"status.collectionRemark", "2000"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := env.Client.Status().Patch(ctx, order, client.RawPatch("application/merge-patch+json", []byte(tc.patch)))
			if err == nil {
				t.Fatal("the API server accepted the status patch")
			}
			for _, want := range tc.want {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("the rejection message lacks %q:\n%v", want, err)
				}
			}
		})
	}

	t.Run("valid_follow_up_is_kept", func(t *testing.T) {
		patch := `{"status":{"communicationStatus":"Contacted","collectionRemark":"Promised to pay on Friday"}}`
		if err := env.Client.Status().Patch(ctx, order, client.RawPatch("application/merge-patch+json", []byte(patch))); err != nil {
			t.Fatalf("patching the status: %v", err)
		}
		status, _, _ := unstructured.NestedMap(order.Object, "status")
		if status["communicationStatus"] != "Contacted" || status["collectionRemark"] != "Promised to pay on Friday" {
			t.Errorf("status after the patch = %v", status)
		}
	})
}

// celList matches a list of quoted currency codes in a CEL rule and the
// start of the branch taken for them. The branch is "!" when an amount may
// have no point at all, a quoted digit count in messages, or a bound on
// size(amount) - indexOf('.'), which is the fraction digits plus one.
var celList = regexp.MustCompile(`self\.currency in \[([A-Z',]+)\] \? (!|'([0-9])'|([0-9]))`)

// TestFractionDigitsMatchCLDR checks that the fraction digits that the CRDs'
// CEL rules allow per currency agree with golang.org/x/text/currency, which
// the controller uses to round. A difference would let the API server
// accept an amount that the controller then rejects, or the reverse.
func TestFractionDigitsMatchCLDR(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(envtest.RepoRoot(), "config", "crd", "bases", "*.yaml"))
	if err != nil || len(files) != 3 {
		t.Fatalf("found CRDs %v (%v), want 3", files, err)
	}
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var crd apiextensionsv1.CustomResourceDefinition
		if err := yaml.Unmarshal(data, &crd); err != nil {
			t.Fatal(err)
		}
		var matches [][]string
		for _, version := range crd.Spec.Versions {
			for _, expr := range celExpressions(version.Schema.OpenAPIV3Schema) {
				matches = append(matches, celList.FindAllStringSubmatch(expr, -1)...)
			}
		}
		if len(matches) == 0 {
			t.Errorf("%s: no currency lists found in the CEL rules", crd.Spec.Names.Kind)
		}
		for _, m := range matches {
			digits := "0"
			switch {
			case m[3] != "":
				digits = m[3]
			case m[4] != "":
				digits = fmt.Sprint(int(m[4][0]-'0') - 1)
			}
			checkDigits(t, crd.Spec.Names.Kind, m[1], digits)
		}
	}
}

// celExpressions returns every CEL rule and message expression in a schema.
func celExpressions(schema *apiextensionsv1.JSONSchemaProps) []string {
	if schema == nil {
		return nil
	}
	var exprs []string
	for _, rule := range schema.XValidations {
		exprs = append(exprs, rule.Rule, rule.MessageExpression)
	}
	for _, property := range schema.Properties {
		exprs = append(exprs, celExpressions(&property)...)
	}
	if schema.Items != nil {
		exprs = append(exprs, celExpressions(schema.Items.Schema)...)
	}
	return exprs
}

// checkDigits compares one list of codes that a CEL rule gives digits to with
// x/text, in both directions.
func checkDigits(t *testing.T, kind, quotedCodes, digits string) {
	t.Helper()
	listed := map[string]bool{}
	for _, code := range strings.Split(quotedCodes, ",") {
		listed[strings.Trim(code, "'")] = true
	}
	for a := 'A'; a <= 'Z'; a++ {
		for b := 'A'; b <= 'Z'; b++ {
			for c := 'A'; c <= 'Z'; c++ {
				code := string([]rune{a, b, c})
				unit, err := currency.ParseISO(code)
				if err != nil {
					if listed[code] {
						t.Errorf("%s: the CEL rule lists %s, which x/text does not know", kind, code)
					}
					continue
				}
				scale, _ := currency.Standard.Rounding(unit)
				if got := fmt.Sprint(scale); (got == digits) != listed[code] {
					t.Errorf("%s: %s has %d fraction digits in x/text, but the CEL list for %s digits includes it: %v", kind, code, scale, digits, listed[code])
				}
			}
		}
	}
}
