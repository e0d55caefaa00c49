// Command demodata writes the demo data of overdue-operator as YAML for
// `kubectl apply`: two namespaces, sales-eu in EUR and sales-jp in JPY,
// each with a CollectionPolicy named default, and about 200 SaleOrders of
// five salespeople with their invoices and credit notes.
//
// Due dates are relative to a date, so that on that date the orders show
// every risk level, and partial payments, installments, credit notes with
// and without reversedInvoiceRef, drafts and a cancelled invoice. The same
// seed and date always produce the same output. Before writing, the command
// computes every order's status with the operator's own risk package and
// fails if an order would not get the level it was built for.
//
// Usage:
//
//	go run ./hack/demodata --seed 1 --today 2026-12-04 > demo.yaml
//
// A summary of the expected levels goes to standard error.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	collectionsv1alpha1 "github.com/overdue-dev/overdue-operator/api/v1alpha1"
)

func main() {
	opts, output := parseFlags()
	if err := run(opts, output, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintf(os.Stderr, "demodata: %v\n", err)
		os.Exit(1)
	}
}

func parseFlags() (Options, string) {
	opts := Options{Now: time.Now()}
	var output string
	flag.Uint64Var(&opts.Seed, "seed", 1,
		"Seed of the random choices. The same seed and --today give the same output.")
	flag.IntVar(&opts.Orders, "orders", 200,
		"Number of SaleOrders across both namespaces.")
	flag.StringVar(&opts.Today, "today", "",
		"Date, as YYYY-MM-DD, that due dates are relative to. Empty means the current date in each policy's time zone.")
	flag.StringVar(&output, "output", "-",
		`File to write the YAML to; "-" writes to standard output.`)
	flag.Parse()
	if flag.NArg() > 0 {
		fmt.Fprintf(flag.CommandLine.Output(), "unexpected arguments %q: demodata takes only flags\n", flag.Args())
		os.Exit(2)
	}
	return opts, output
}

// run generates the dataset, checks it against the risk computation, and
// writes the YAML to output ("-" for stdout) and the summary to summary.
func run(opts Options, output string, stdout, summary io.Writer) error {
	dataset, err := Generate(opts)
	if err != nil {
		return err
	}
	evaluations, err := evaluateRisk(dataset)
	if err != nil {
		return err
	}
	var errs []error
	for _, e := range evaluations {
		errs = append(errs, e.check())
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("the generated orders do not get the status they were built for:\n%w", err)
	}

	if output == "-" {
		err = Render(stdout, dataset, opts)
	} else {
		err = writeFile(output, dataset, opts)
	}
	if err != nil {
		return err
	}

	writeSummary(summary, dataset)
	return nil
}

func writeFile(path string, dataset *Dataset, opts Options) error {
	file, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("creating the output file: %w", err)
	}
	if err := Render(file, dataset, opts); err != nil {
		file.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := file.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

// levels are the risk levels in the order that summaries list them.
var levels = []collectionsv1alpha1.RiskLevel{
	collectionsv1alpha1.RiskLevelNone,
	collectionsv1alpha1.RiskLevelLow,
	collectionsv1alpha1.RiskLevelMedium,
	collectionsv1alpha1.RiskLevelHigh,
}

// writeSummary writes the expected levels per namespace and in total. The
// line "Expected risk levels: None N, Low N, Medium N, High N" has a fixed
// form that hack/demo.sh compares with the operator's result.
func writeSummary(w io.Writer, dataset *Dataset) {
	total := map[collectionsv1alpha1.RiskLevel]int{}
	for _, policy := range dataset.Policies {
		counts := map[collectionsv1alpha1.RiskLevel]int{}
		orders, invoices, today := 0, 0, ""
		for _, order := range dataset.Orders {
			if order.SaleOrder.Namespace != policy.Namespace {
				continue
			}
			orders++
			invoices += len(order.Invoices)
			today = order.Today
			counts[order.Level]++
			total[order.Level]++
		}
		fmt.Fprintf(w, "Namespace %s: %d SaleOrders and %d Invoices in %s, due dates relative to %s in %s: %s\n",
			policy.Namespace, orders, invoices, policy.Spec.Currency, today, policy.Spec.TimeZone, formatCounts(counts))
	}
	fmt.Fprintf(w, "Expected risk levels: %s\n", formatCounts(total))
}

func formatCounts(counts map[collectionsv1alpha1.RiskLevel]int) string {
	parts := make([]string, len(levels))
	for i, level := range levels {
		parts[i] = fmt.Sprintf("%s %d", level, counts[level])
	}
	return strings.Join(parts, ", ")
}
