// Command manager runs overdue-operator: the controllers that compute the
// collection risk of SaleOrders from their Invoices and CollectionPolicy,
// and email salespeople when an order's risk level changes.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"time"

	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	collectionsv1alpha1 "github.com/overdue-dev/overdue-operator/api/v1alpha1"
	"github.com/overdue-dev/overdue-operator/controllers"
	"github.com/overdue-dev/overdue-operator/internal/notify"
)

// options are the manager's command-line settings.
type options struct {
	metricsAddress          string
	probeAddress            string
	leaderElection          bool
	leaderElectionNamespace string
	maxConcurrentReconciles int
	maxRefreshJitter        time.Duration
	smtp                    notify.Config
	zap                     zap.Options
}

func main() {
	opts := parseFlags(flag.CommandLine, os.Args[1:])
	ctrl.SetLogger(zap.New(zap.UseFlagOptions(&opts.zap)))
	if err := run(ctrl.SetupSignalHandler(), opts); err != nil {
		ctrl.Log.Error(err, "Manager stopped with an error")
		os.Exit(1)
	}
}

// parseFlags registers and parses the flags, and exits with a usage error
// when a value is invalid.
func parseFlags(fs *flag.FlagSet, args []string) *options {
	opts := &options{}
	fs.StringVar(&opts.metricsAddress, "metrics-bind-address", ":8080",
		`Address of the Prometheus metrics endpoint, such as ":8080"; "0" turns it off.`)
	fs.StringVar(&opts.probeAddress, "health-probe-bind-address", ":8081",
		"Address of the /healthz and /readyz endpoints.")
	fs.BoolVar(&opts.leaderElection, "leader-elect", false,
		"Elect a leader through a Lease, so that of several replicas only one reconciles and sends email. Turn it on whenever more than one replica may run.")
	fs.StringVar(&opts.leaderElectionNamespace, "leader-election-namespace", "",
		"Namespace of the leader election Lease; empty means the namespace the manager runs in.")
	fs.IntVar(&opts.maxConcurrentReconciles, "max-concurrent-reconciles", 4,
		"Number of objects of each kind reconciled at once. More than 1 keeps a slow SMTP server from delaying every other order.")
	fs.DurationVar(&opts.maxRefreshJitter, "refresh-jitter", controllers.DefaultMaxRefreshJitter,
		"Upper bound of the per-object delay added to the policy's daily refresh time, so that many orders do not hit the API server in the same second.")
	opts.smtp.AddFlags(fs)
	opts.zap.BindFlags(fs)
	if err := fs.Parse(args); err != nil {
		os.Exit(2)
	}
	if err := opts.validate(); err != nil {
		fmt.Fprintf(fs.Output(), "invalid flags: %v\n", err)
		os.Exit(2)
	}
	return opts
}

func (o *options) validate() error {
	var errs []error
	if o.maxConcurrentReconciles < 1 {
		errs = append(errs, fmt.Errorf("--max-concurrent-reconciles must be at least 1, got %d", o.maxConcurrentReconciles))
	}
	if o.maxRefreshJitter < 0 {
		errs = append(errs, fmt.Errorf("--refresh-jitter must not be negative, got %s", o.maxRefreshJitter))
	}
	if err := o.smtp.Validate(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// run starts the manager and blocks until ctx ends.
func run(ctx context.Context, opts *options) error {
	log := ctrl.Log.WithName("setup")

	scheme := runtime.NewScheme()
	utilruntime.Must(clientgoscheme.AddToScheme(scheme))
	utilruntime.Must(collectionsv1alpha1.AddToScheme(scheme))

	cfg, err := ctrl.GetConfig()
	if err != nil {
		return fmt.Errorf("loading the kubeconfig: %w", err)
	}
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme:                        scheme,
		Metrics:                       metricsserver.Options{BindAddress: opts.metricsAddress},
		HealthProbeBindAddress:        opts.probeAddress,
		LeaderElection:                opts.leaderElection,
		LeaderElectionID:              "overdue-operator.collections.overdue.dev",
		LeaderElectionNamespace:       opts.leaderElectionNamespace,
		LeaderElectionReleaseOnCancel: true,
	})
	if err != nil {
		return fmt.Errorf("creating the manager: %w", err)
	}

	sender, err := notify.NewSender(opts.smtp, nil)
	if err != nil {
		return fmt.Errorf("configuring email: %w", err)
	}
	if !sender.Enabled() {
		log.Info("Email is not configured, risk levels are recorded without notifications; set --smtp-address and --smtp-from to send them")
	}

	if err := controllers.Setup(ctx, mgr, controllers.Config{
		Clock:                   clock.RealClock{},
		Notifier:                sender,
		MaxRefreshJitter:        opts.maxRefreshJitter,
		MaxConcurrentReconciles: opts.maxConcurrentReconciles,
	}); err != nil {
		return err
	}

	if err := mgr.AddHealthzCheck("healthz", healthz.Ping); err != nil {
		return fmt.Errorf("adding the health check: %w", err)
	}
	if err := mgr.AddReadyzCheck("readyz", healthz.Ping); err != nil {
		return fmt.Errorf("adding the readiness check: %w", err)
	}

	log.Info("Starting the manager", "leaderElection", opts.leaderElection, "smtpAddress", opts.smtp.Address)
	return mgr.Start(ctx)
}
