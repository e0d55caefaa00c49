package main

import (
	"fmt"
	"time"

	collectionsv1alpha1 "github.com/overdue-dev/overdue-operator/api/v1alpha1"
	"github.com/overdue-dev/overdue-operator/internal/risk"
)

// evaluation is the result of the operator's risk computation for one
// generated order.
type evaluation struct {
	order  *Order
	result risk.Result
}

// evaluateRisk computes every order's risk with package risk, the computation
// that the operator runs, at noon of the order's Today in its policy's time
// zone. The generator checks its own arithmetic against this.
func evaluateRisk(dataset *Dataset) ([]evaluation, error) {
	policies := make(map[string]*risk.CompiledPolicy, len(dataset.Policies))
	for _, p := range dataset.Policies {
		compiled, err := risk.CompilePolicy(toRiskPolicy(p))
		if err != nil {
			return nil, fmt.Errorf("namespace %s: %w", p.Namespace, err)
		}
		policies[p.Namespace] = compiled
	}

	evaluations := make([]evaluation, 0, len(dataset.Orders))
	for _, order := range dataset.Orders {
		policy := policies[order.SaleOrder.Namespace]
		if policy == nil {
			return nil, fmt.Errorf("order %s/%s: namespace has no policy", order.SaleOrder.Namespace, order.SaleOrder.Name)
		}
		today, err := time.ParseInLocation(dateLayout, order.Today, policy.Location())
		if err != nil {
			return nil, fmt.Errorf("order %s/%s: invalid date %q: %w", order.SaleOrder.Namespace, order.SaleOrder.Name, order.Today, err)
		}
		now := today.Add(12 * time.Hour)

		invoices := make([]risk.Invoice, len(order.Invoices))
		for i, invoice := range order.Invoices {
			invoices[i] = toRiskInvoice(invoice)
		}
		result := policy.Evaluate(risk.Order{
			Name:     order.SaleOrder.Name,
			Currency: string(order.SaleOrder.Spec.Currency),
		}, invoices, now)
		evaluations = append(evaluations, evaluation{order: order, result: result})
	}
	return evaluations, nil
}

// check returns an error when the computed status differs from what the
// generator built the order for, or when an object has a problem.
func (e evaluation) check() error {
	name := e.order.SaleOrder.Namespace + "/" + e.order.SaleOrder.Name
	if len(e.result.Problems) > 0 {
		return fmt.Errorf("order %s (%s): %s", name, e.order.Scenario, e.result.Problems[0].Message)
	}
	if e.result.Today != e.order.Today {
		return fmt.Errorf("order %s: computed today %s, expected %s", name, e.result.Today, e.order.Today)
	}
	if got, want := collectionsv1alpha1.RiskLevel(e.result.RiskLevel), e.order.Level; got != want {
		return fmt.Errorf("order %s (%s): computed level %s, expected %s", name, e.order.Scenario, got, want)
	}
	if e.result.OverdueDays != e.order.OverdueDays {
		return fmt.Errorf("order %s (%s): computed %d overdue days, expected %d", name, e.order.Scenario, e.result.OverdueDays, e.order.OverdueDays)
	}
	if e.result.Tier != e.order.Tier {
		return fmt.Errorf("order %s (%s): computed tier %s, expected %s", name, e.order.Scenario, e.result.Tier, e.order.Tier)
	}
	return nil
}

func toRiskPolicy(p *collectionsv1alpha1.CollectionPolicy) risk.Policy {
	tiers := make([]risk.Tier, len(p.Spec.Tiers))
	for i, t := range p.Spec.Tiers {
		tiers[i] = risk.Tier{
			Name:      t.Name,
			MinAmount: string(t.MinAmount),
			Low:       t.RiskDays.Low,
			Medium:    t.RiskDays.Medium,
			High:      t.RiskDays.High,
		}
	}
	return risk.Policy{
		Name:        p.Name,
		Currency:    string(p.Spec.Currency),
		TimeZone:    p.Spec.TimeZone,
		RefreshTime: p.Spec.RefreshTime,
		Tiers:       tiers,
	}
}

func toRiskInvoice(invoice *collectionsv1alpha1.Invoice) risk.Invoice {
	spec := invoice.Spec
	installments := make([]risk.Installment, len(spec.Installments))
	for i, installment := range spec.Installments {
		installments[i] = risk.Installment{DueDate: string(installment.DueDate), Amount: string(installment.Amount)}
	}
	reversed := ""
	if spec.ReversedInvoiceRef != nil {
		reversed = spec.ReversedInvoiceRef.Name
	}
	return risk.Invoice{
		Name:            invoice.Name,
		Number:          spec.Number,
		Type:            string(spec.Type),
		State:           string(spec.State),
		Currency:        string(spec.Currency),
		InvoiceDate:     string(spec.InvoiceDate),
		DueDate:         string(spec.DueDate),
		AmountTotal:     string(spec.AmountTotal),
		AmountPaid:      string(spec.AmountPaid),
		Installments:    installments,
		ReversedInvoice: reversed,
	}
}
