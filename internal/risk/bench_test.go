package risk

import (
	"fmt"
	"testing"
	"time"
)

// benchmarkInvoices returns count documents for one order: mostly invoices
// due over the past and coming months, some partly paid, some with three
// installments, and every fifth a credit note (every other one reversing
// the invoice before it).
func benchmarkInvoices(count, seed int) []Invoice {
	invoices := make([]Invoice, count)
	for i := range invoices {
		name := fmt.Sprintf("inv-%d-%d", seed, i)
		due := testNow.AddDate(0, 0, 30-(i*37+seed)%150).Format(time.DateOnly)
		inv := posted(name, due, "1500.00")
		switch {
		case i%5 == 4:
			reverses := ""
			if i%10 == 9 {
				reverses = invoices[i-1].Name
			}
			inv = creditNote(name, "250.00", reverses)
		case i%3 == 1:
			inv.AmountPaid = "400.50"
		case i%4 == 2:
			inv.Installments = []Installment{
				{DueDate: due, Amount: "500.00"},
				{DueDate: testNow.AddDate(0, 0, (i*11)%60-20).Format(time.DateOnly), Amount: "500.00"},
				{DueDate: testNow.AddDate(0, 0, (i*13)%90).Format(time.DateOnly), Amount: "500.00"},
			}
		}
		invoices[i] = inv
	}
	return invoices
}

func benchmarkPolicy(b *testing.B) (Policy, *CompiledPolicy) {
	b.Helper()
	policy := testPolicy()
	policy.TimeZone = "Europe/Berlin"
	compiled, err := CompilePolicy(policy)
	if err != nil {
		b.Fatal(err)
	}
	return policy, compiled
}

// BenchmarkEvaluate10Invoices evaluates one order with 10 documents under a
// policy compiled once.
func BenchmarkEvaluate10Invoices(b *testing.B) {
	_, compiled := benchmarkPolicy(b)
	invoices := benchmarkInvoices(10, 1)
	b.ReportAllocs()
	for b.Loop() {
		compiled.Evaluate(testOrder, invoices, testNow)
	}
}

// BenchmarkEvaluateWithPolicy10Invoices is the same order through Evaluate,
// which validates and compiles the policy on every call, as a controller
// does when it reconciles one order at a time.
func BenchmarkEvaluateWithPolicy10Invoices(b *testing.B) {
	policy, _ := benchmarkPolicy(b)
	invoices := benchmarkInvoices(10, 1)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Evaluate(policy, testOrder, invoices, testNow); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEvaluate100kOrders evaluates 100,000 orders with 1 to 5
// documents each (3 on average) per iteration, under one compiled policy.
func BenchmarkEvaluate100kOrders(b *testing.B) {
	const orders = 100_000
	_, compiled := benchmarkPolicy(b)
	batch := make([][]Invoice, orders)
	for i := range batch {
		batch[i] = benchmarkInvoices(1+i%5, i)
	}

	b.ReportAllocs()
	for b.Loop() {
		for _, invoices := range batch {
			compiled.Evaluate(testOrder, invoices, testNow)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*orders), "ns/order")
}
