package controllers

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	collectionsv1alpha1 "github.com/overdue-dev/overdue-operator/api/v1alpha1"
	"github.com/overdue-dev/overdue-operator/internal/risk"
	"github.com/overdue-dev/overdue-operator/internal/schedule"
)

// orderInputs are the objects that an order's status is computed from.
type orderInputs struct {
	// policyName is the policy the order uses, whether or not it exists.
	policyName string
	// policy is nil when the policy does not exist.
	policy *collectionsv1alpha1.CollectionPolicy
	// compiled is nil when the policy does not exist or is invalid, and
	// policyErr then contains the reason.
	compiled  *risk.CompiledPolicy
	policyErr *policyUnusableError
	invoices  []collectionsv1alpha1.Invoice
}

// policyUnusableError is the reason why an order cannot be classified by its
// policy.
type policyUnusableError struct {
	reason  string
	message string
}

func (e *policyUnusableError) Error() string { return e.message }

// loadOrderInputs reads the policy and the invoices of order from the cache.
func loadOrderInputs(ctx context.Context, c client.Reader, order *collectionsv1alpha1.SaleOrder) (*orderInputs, error) {
	in := &orderInputs{policyName: policyNameOf(order)}

	policy := &collectionsv1alpha1.CollectionPolicy{}
	err := c.Get(ctx, client.ObjectKey{Namespace: order.Namespace, Name: in.policyName}, policy)
	switch {
	case apierrors.IsNotFound(err):
		in.policyErr = &policyUnusableError{
			reason: collectionsv1alpha1.ReasonPolicyNotFound,
			message: fmt.Sprintf("CollectionPolicy %q not found in namespace %q; create it, or set spec.policyRef.name to an existing policy",
				in.policyName, order.Namespace),
		}
	case err != nil:
		return nil, fmt.Errorf("reading CollectionPolicy %s/%s: %w", order.Namespace, in.policyName, err)
	default:
		in.policy = policy
		in.compiled, in.policyErr = compilePolicy(policy)
	}

	in.invoices, err = listInvoices(ctx, c, order.Namespace, order.Name)
	if err != nil {
		return nil, err
	}
	return in, nil
}

// compilePolicy validates policy for the risk engine.
func compilePolicy(policy *collectionsv1alpha1.CollectionPolicy) (*risk.CompiledPolicy, *policyUnusableError) {
	compiled, err := risk.CompilePolicy(toRiskPolicy(policy))
	if err == nil {
		return compiled, nil
	}
	var policyErr *risk.PolicyError
	if !errors.As(err, &policyErr) {
		return nil, &policyUnusableError{reason: collectionsv1alpha1.ReasonPolicyNotReady, message: err.Error()}
	}
	return nil, &policyUnusableError{
		reason:  collectionsv1alpha1.ReasonPolicyNotReady,
		message: fmt.Sprintf("CollectionPolicy %q is invalid: %s", policy.Name, joinProblems(policyErr.Problems)),
	}
}

// listInvoices returns the invoices that reference the order, sorted by name
// so that every caller sees them in the same order.
func listInvoices(ctx context.Context, c client.Reader, namespace, orderName string) ([]collectionsv1alpha1.Invoice, error) {
	var list collectionsv1alpha1.InvoiceList
	err := c.List(ctx, &list, client.InNamespace(namespace), client.MatchingFields{invoiceOrderIndex: orderName})
	if err != nil {
		return nil, fmt.Errorf("listing the invoices of SaleOrder %s/%s: %w", namespace, orderName, err)
	}
	slices.SortFunc(list.Items, func(a, b collectionsv1alpha1.Invoice) int { return strings.Compare(a.Name, b.Name) })
	return list.Items, nil
}

// evaluate runs the risk engine on the inputs. It must only be called when
// in.compiled is set.
func (in *orderInputs) evaluate(order *collectionsv1alpha1.SaleOrder, now time.Time) risk.Result {
	invoices := make([]risk.Invoice, 0, len(in.invoices))
	for i := range in.invoices {
		invoices = append(invoices, toRiskInvoice(&in.invoices[i]))
	}
	return in.compiled.Evaluate(risk.Order{Name: order.Name, Currency: string(order.Spec.Currency)}, invoices, now)
}

// nextRefresh returns when the daily refresh recomputes the object named by
// key next: the policy's next local refresh time after now, plus a jitter
// of at most maxJitter that is fixed per key. It returns the zero time when
// no policy can be used.
func (in *orderInputs) nextRefresh(now time.Time, key string, maxJitter time.Duration) time.Time {
	if in.compiled == nil {
		return time.Time{}
	}
	next := in.compiled.RefreshTime().Next(now, in.compiled.Location())
	// The API stores timestamps in whole seconds.
	return next.Add(schedule.Jitter(key, maxJitter)).Truncate(time.Second)
}

func toRiskPolicy(policy *collectionsv1alpha1.CollectionPolicy) risk.Policy {
	p := risk.Policy{
		Name:        policy.Name,
		Currency:    string(policy.Spec.Currency),
		TimeZone:    policy.Spec.TimeZone,
		RefreshTime: policy.Spec.RefreshTime,
	}
	// The API server defaults both fields; an object written before those
	// defaults existed may still lack them.
	if p.TimeZone == "" {
		p.TimeZone = "UTC"
	}
	if p.RefreshTime == "" {
		p.RefreshTime = "00:00"
	}
	for _, tier := range policy.Spec.Tiers {
		p.Tiers = append(p.Tiers, risk.Tier{
			Name:      tier.Name,
			MinAmount: string(tier.MinAmount),
			Low:       tier.RiskDays.Low,
			Medium:    tier.RiskDays.Medium,
			High:      tier.RiskDays.High,
		})
	}
	return p
}

func toRiskInvoice(invoice *collectionsv1alpha1.Invoice) risk.Invoice {
	out := risk.Invoice{
		Name:        invoice.Name,
		Number:      invoice.Spec.Number,
		Type:        string(invoice.Spec.Type),
		State:       string(invoice.Spec.State),
		Currency:    string(invoice.Spec.Currency),
		InvoiceDate: string(invoice.Spec.InvoiceDate),
		DueDate:     string(invoice.Spec.DueDate),
		AmountTotal: string(invoice.Spec.AmountTotal),
		AmountPaid:  string(invoice.Spec.AmountPaid),
	}
	if out.Type == "" {
		out.Type = string(collectionsv1alpha1.InvoiceTypeInvoice)
	}
	if out.State == "" {
		out.State = string(collectionsv1alpha1.InvoiceStatePosted)
	}
	if out.AmountPaid == "" {
		out.AmountPaid = "0"
	}
	for _, installment := range invoice.Spec.Installments {
		out.Installments = append(out.Installments, risk.Installment{DueDate: string(installment.DueDate), Amount: string(installment.Amount)})
	}
	if invoice.Spec.ReversedInvoiceRef != nil {
		out.ReversedInvoice = invoice.Spec.ReversedInvoiceRef.Name
	}
	return out
}

// maxProblemsInMessage bounds how many problems a condition message lists,
// so that an order with hundreds of bad invoices keeps a readable status.
const maxProblemsInMessage = 5

// joinProblems returns the messages of problems as one string.
func joinProblems(problems []risk.Problem) string {
	messages := make([]string, 0, min(len(problems), maxProblemsInMessage))
	for i, problem := range problems {
		if i == maxProblemsInMessage {
			messages = append(messages, fmt.Sprintf("and %d more", len(problems)-i))
			break
		}
		messages = append(messages, problem.Message)
	}
	return strings.Join(messages, "; ")
}
