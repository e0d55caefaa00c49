package controllers

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	"go.uber.org/zap/zapcore"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clocktesting "k8s.io/utils/clock/testing"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/config"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	collectionsv1alpha1 "github.com/overdue-dev/overdue-operator/api/v1alpha1"
	"github.com/overdue-dev/overdue-operator/internal/notify"
	"github.com/overdue-dev/overdue-operator/test/envtest"
	"github.com/overdue-dev/overdue-operator/test/mailpit"
)

// The integration tests run the reconcilers in a manager against a real
// kube-apiserver and etcd, and send email to a real Mailpit on loopback.
// Each test works in a namespace of its own, with a manager whose cache
// watches only that namespace and a fake clock that the test pins.

var (
	env  *envtest.Environment
	mail *mailpit.Server
)

func TestMain(m *testing.M) {
	ctrl.SetLogger(zap.New(zap.UseDevMode(true), zap.Level(testLogLevel())))
	os.Exit(runSuite(m))
}

// testLogLevel returns the log level of the tests: errors only, unless
// TEST_VERBOSE is set, because the reconcilers log every step at V(1).
func testLogLevel() zapcore.Level {
	if os.Getenv("TEST_VERBOSE") != "" {
		return zapcore.DebugLevel - 1
	}
	return zapcore.ErrorLevel
}

func runSuite(m *testing.M) int {
	var err error
	env, err = envtest.Start()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer func() {
		if err := env.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "stopping the control plane:", err)
		}
	}()

	dir, err := os.MkdirTemp("", "mailpit-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	var stopMail func() error
	mail, stopMail, err = mailpit.Start(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer func() {
		if err := stopMail(); err != nil {
			fmt.Fprintln(os.Stderr, "stopping Mailpit:", err)
		}
	}()
	return m.Run()
}

// testNow is the instant that every test pins its clock to first: a Monday
// noon in Berlin, in summer time.
var testNow = time.Date(2026, time.June, 15, 10, 0, 0, 0, time.UTC)

// newNamespace creates a namespace for one test.
func newNamespace(t *testing.T) string {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "controllers-"}}
	if err := env.Client.Create(context.Background(), ns); err != nil {
		t.Fatalf("creating a namespace: %v", err)
	}
	return ns.Name
}

// newSender returns a notifier that sends to the suite's Mailpit.
func newSender(t *testing.T, clk *clocktesting.FakeClock) *notify.Sender {
	t.Helper()
	sender, err := notify.NewSender(notify.Config{
		Address: mail.SMTPAddress,
		From:    "Overdue <overdue@example.com>",
		TLS:     notify.TLSNone,
		Timeout: 5 * time.Second,
	}, clk.Now)
	if err != nil {
		t.Fatalf("creating the sender: %v", err)
	}
	return sender
}

// newUnconfiguredSender returns a notifier like the manager's without
// --smtp-address: it sends nothing.
func newUnconfiguredSender(t *testing.T, clk *clocktesting.FakeClock) *notify.Sender {
	t.Helper()
	sender, err := notify.NewSender(notify.Config{TLS: notify.TLSStartTLS, Timeout: time.Second}, clk.Now)
	if err != nil {
		t.Fatalf("creating the sender: %v", err)
	}
	return sender
}

// harness is a running manager for one test.
type harness struct {
	t         *testing.T
	namespace string
	clock     *clocktesting.FakeClock
	client    client.Client
	// orders reconciles directly, beside the manager, for tests that count
	// reconciles or check a returned result.
	orders *SaleOrderReconciler
	stop   func()
}

// startHarness starts a manager with the three reconcilers for namespace,
// sending email through notifier.
func startHarness(t *testing.T, namespace string, clk *clocktesting.FakeClock, notifier Notifier) *harness {
	t.Helper()
	mgr, err := ctrl.NewManager(env.Config, ctrl.Options{
		Scheme:                 envtest.Scheme,
		Metrics:                metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0",
		Cache:                  cache.Options{DefaultNamespaces: map[string]cache.Config{namespace: {}}},
		// Each test starts managers with the same controller names.
		Controller: config.Controller{SkipNameValidation: ptr.To(true)},
	})
	if err != nil {
		t.Fatalf("creating the manager: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cfg := Config{Clock: clk, Notifier: notifier, MaxRefreshJitter: DefaultMaxRefreshJitter, MaxConcurrentReconciles: 2}
	if err := Setup(ctx, mgr, cfg); err != nil {
		cancel()
		t.Fatalf("setting up the controllers: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- mgr.Start(ctx) }()
	if !mgr.GetCache().WaitForCacheSync(ctx) {
		cancel()
		t.Fatal("the manager's cache did not sync")
	}

	h := &harness{
		t:         t,
		namespace: namespace,
		clock:     clk,
		client:    env.Client,
		orders: &SaleOrderReconciler{
			Client:           mgr.GetClient(),
			APIReader:        mgr.GetAPIReader(),
			Clock:            clk,
			Recorder:         mgr.GetEventRecorder("overdue-operator"),
			Notifier:         notifier,
			MaxRefreshJitter: DefaultMaxRefreshJitter,
		},
	}
	stopped := false
	h.stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		if err := <-done; err != nil {
			t.Errorf("the manager stopped with an error: %v", err)
		}
	}
	t.Cleanup(h.stop)
	return h
}

// create creates obj in the harness's namespace.
func (h *harness) create(obj client.Object) {
	h.t.Helper()
	obj.SetNamespace(h.namespace)
	if err := h.client.Create(context.Background(), obj); err != nil {
		h.t.Fatalf("creating %T %s: %v", obj, obj.GetName(), err)
	}
}

// order reads the named SaleOrder from the API server.
func (h *harness) order(name string) *collectionsv1alpha1.SaleOrder {
	h.t.Helper()
	order := &collectionsv1alpha1.SaleOrder{}
	if err := h.client.Get(context.Background(), client.ObjectKey{Namespace: h.namespace, Name: name}, order); err != nil {
		h.t.Fatalf("reading SaleOrder %s: %v", name, err)
	}
	return order
}

// eventuallyOrder polls the named SaleOrder until match returns nil, and
// fails with match's last error otherwise.
func (h *harness) eventuallyOrder(name string, match func(*collectionsv1alpha1.SaleOrder) error) *collectionsv1alpha1.SaleOrder {
	h.t.Helper()
	var order *collectionsv1alpha1.SaleOrder
	NewWithT(h.t).Eventually(func() error {
		order = &collectionsv1alpha1.SaleOrder{}
		if err := h.client.Get(context.Background(), client.ObjectKey{Namespace: h.namespace, Name: name}, order); err != nil {
			return err
		}
		return match(order)
	}).WithTimeout(20 * time.Second).WithPolling(50 * time.Millisecond).Should(Succeed())
	return order
}

// settle waits until the manager has finished with the named order: its
// resourceVersion stays the same for a second.
func (h *harness) settle(name string) {
	h.t.Helper()
	last := h.order(name).ResourceVersion
	stableSince := time.Now()
	deadline := time.Now().Add(30 * time.Second)
	for time.Since(stableSince) < time.Second {
		if time.Now().After(deadline) {
			h.t.Fatalf("SaleOrder %s kept changing for 30s", name)
		}
		time.Sleep(100 * time.Millisecond)
		if current := h.order(name).ResourceVersion; current != last {
			last, stableSince = current, time.Now()
		}
	}
}

// reconcileOrder calls the order reconciler directly, beside the manager.
// When the reconciler finds its cached copy out of date, for example because
// the manager has just written the order, it returns a short RequeueAfter,
// and reconcileOrder retries as the manager's work queue would.
func (h *harness) reconcileOrder(name string) ctrl.Result {
	h.t.Helper()
	for range 100 {
		result, err := h.orders.Reconcile(context.Background(), reconcileRequest(h.namespace, name))
		if err != nil {
			h.t.Fatalf("reconciling SaleOrder %s: %v", name, err)
		}
		if result.RequeueAfter != staleCacheRetry {
			return result
		}
		time.Sleep(staleCacheRetry)
	}
	h.t.Fatalf("reconciling SaleOrder %s: the cache stayed out of date for 100 attempts", name)
	return ctrl.Result{}
}

// events returns the events about the named object with the given reason.
func (h *harness) events(name, reason string) []eventsv1.Event {
	h.t.Helper()
	var list eventsv1.EventList
	if err := h.client.List(context.Background(), &list, client.InNamespace(h.namespace)); err != nil {
		h.t.Fatalf("listing events: %v", err)
	}
	var matching []eventsv1.Event
	for _, event := range list.Items {
		if event.Regarding.Name == name && event.Reason == reason {
			matching = append(matching, event)
		}
	}
	return matching
}

// NewWithTEventually polls check until it returns nil.
func NewWithTEventually(t *testing.T, check func() error) {
	t.Helper()
	NewWithT(t).Eventually(check).WithTimeout(20 * time.Second).WithPolling(50 * time.Millisecond).Should(Succeed())
}

func reconcileRequest(namespace, name string) ctrl.Request {
	return ctrl.Request{NamespacedName: client.ObjectKey{Namespace: namespace, Name: name}}
}
