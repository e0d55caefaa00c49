package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/types"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/controller-runtime/pkg/client"

	collectionsv1alpha1 "github.com/overdue-dev/overdue-operator/api/v1alpha1"
	"github.com/overdue-dev/overdue-operator/test/envtest"
)

// TestRenderedYAMLPassesAPIValidation creates every rendered object on a
// real kube-apiserver with the CRDs installed, so that the OpenAPI schema
// and the CEL rules of the CRDs check the demo data, as `kubectl apply`
// would.
func TestRenderedYAMLPassesAPIValidation(t *testing.T) {
	env, err := envtest.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := env.Stop(); err != nil {
			t.Errorf("stopping the control plane: %v", err)
		}
	})

	opts := Options{Seed: 1, Orders: 200, Today: "2026-12-04"}
	dataset, err := Generate(opts)
	if err != nil {
		t.Fatal(err)
	}
	var rendered bytes.Buffer
	if err := Render(&rendered, dataset, opts); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	counts := map[string]int{}
	reader := utilyaml.NewYAMLReader(bufio.NewReader(&rendered))
	for {
		document, err := reader.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("reading the rendered YAML: %v", err)
		}
		if isOnlyComments(document) {
			continue
		}

		object, kind, err := envtest.Codecs.UniversalDeserializer().Decode(document, nil, nil)
		if err != nil {
			t.Fatalf("decoding a rendered document: %v\n%s", err, document)
		}
		if err := env.Client.Create(ctx, object.(client.Object)); err != nil {
			t.Errorf("the API server rejected %s %s: %v", kind.Kind, object.(client.Object).GetName(), err)
			continue
		}
		counts[kind.Kind]++
	}

	invoices := 0
	for _, order := range dataset.Orders {
		invoices += len(order.Invoices)
	}
	want := map[string]int{"Namespace": 2, "CollectionPolicy": 2, "SaleOrder": 200, "Invoice": invoices}
	for kind, n := range want {
		if counts[kind] != n {
			t.Errorf("created %d objects of kind %s, want %d", counts[kind], kind, n)
		}
	}

	// A name in another script survives the YAML and the API server as it was
	// generated.
	for _, order := range dataset.Orders {
		if isASCII(string(order.SaleOrder.Spec.Customer.Name)) {
			continue
		}
		var stored collectionsv1alpha1.SaleOrder
		key := types.NamespacedName{Namespace: order.SaleOrder.Namespace, Name: order.SaleOrder.Name}
		if err := env.Client.Get(ctx, key, &stored); err != nil {
			t.Fatalf("reading SaleOrder %s: %v", key, err)
		}
		if stored.Spec.Customer.Name != order.SaleOrder.Spec.Customer.Name {
			t.Errorf("SaleOrder %s: stored customer name %q, generated %q", key, stored.Spec.Customer.Name, order.SaleOrder.Spec.Customer.Name)
		}
		break
	}
}

// isOnlyComments reports whether a YAML document has no content, such as
// the header comment before the first "---".
func isOnlyComments(document []byte) bool {
	for _, line := range strings.Split(string(document), "\n") {
		line = strings.TrimSpace(line)
		if line != "" && !strings.HasPrefix(line, "#") {
			return false
		}
	}
	return true
}
