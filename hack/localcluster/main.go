// Command localcluster runs a local Kubernetes control plane for trying the
// operator without a cluster or a container engine. It starts etcd and
// kube-apiserver from bin/k8s (built by `make controlplane`) on random free
// ports of 127.0.0.1, installs the CRDs from config/crd/bases, writes an
// admin kubeconfig and prints "ready". SIGINT or SIGTERM stops both
// processes and removes their data folders and the kubeconfig.
//
// The control plane has no kube-controller-manager, scheduler or kubelet.
// So Pods never run, a deleted Namespace stays Terminating, and objects are
// not garbage collected through their ownerReferences. The operator needs
// none of these, because it only reads and patches its own resources and
// writes Events.
//
// Usage:
//
//	go build -o bin/localcluster ./hack/localcluster
//	bin/localcluster --kubeconfig bin/demo/kubeconfig --log-dir bin/demo
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"k8s.io/client-go/discovery"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"sigs.k8s.io/controller-runtime/pkg/envtest"
)

// contextName names the cluster, the user and the context of the written
// kubeconfig.
const contextName = "overdue-local"

// Health polling of the running control plane: the API server is reported
// as failed, and the launcher stops, after healthFailureLimit failed
// /readyz requests in a row, one every healthInterval.
const (
	healthInterval     = 5 * time.Second
	healthTimeout      = 3 * time.Second
	healthFailureLimit = 3
)

// options are the launcher's command-line settings.
type options struct {
	kubeconfig   string
	assetsDir    string
	crdDir       string
	logDir       string
	startTimeout time.Duration
	stopTimeout  time.Duration
}

func main() {
	log.SetFlags(0)
	log.SetPrefix("localcluster: ")

	opts := parseFlags()

	// envtest logs its start retries through controller-runtime's logger.
	ctrllog.SetLogger(zap.New(zap.WriteTo(os.Stderr)))

	if err := run(opts); err != nil {
		log.Printf("Error: %v", err)
		os.Exit(1)
	}
}

func parseFlags() options {
	defaultAssets := os.Getenv("KUBEBUILDER_ASSETS")
	if defaultAssets == "" {
		defaultAssets = filepath.Join("bin", "k8s")
	}

	// A FlagSet of its own, because controller-runtime registers its own
	// --kubeconfig on flag.CommandLine.
	fs := flag.NewFlagSet("localcluster", flag.ExitOnError)
	var opts options
	fs.StringVar(&opts.kubeconfig, "kubeconfig", filepath.Join("bin", "demo", "kubeconfig"),
		"Path of the admin kubeconfig to write once the control plane is ready. It is removed on exit.")
	fs.StringVar(&opts.assetsDir, "assets-dir", defaultAssets,
		"Folder that contains the kube-apiserver and etcd binaries. Defaults to $KUBEBUILDER_ASSETS, or bin/k8s when it is unset.")
	fs.StringVar(&opts.crdDir, "crd-dir", filepath.Join("config", "crd", "bases"),
		"Folder of the CustomResourceDefinition manifests to install.")
	fs.StringVar(&opts.logDir, "log-dir", filepath.Join("bin", "demo"),
		"Folder for etcd.log and kube-apiserver.log, the output of the two processes. Empty discards their output.")
	fs.DurationVar(&opts.startTimeout, "start-timeout", time.Minute,
		"Time limit for each of etcd and kube-apiserver to become healthy.")
	fs.DurationVar(&opts.stopTimeout, "stop-timeout", 30*time.Second,
		"Time limit for each process to exit after SIGTERM before it is killed.")
	// ExitOnError makes Parse exit with status 2 on an invalid flag.
	_ = fs.Parse(os.Args[1:])

	if fs.NArg() > 0 {
		fmt.Fprintf(fs.Output(), "unexpected arguments %q: localcluster takes only flags\n", fs.Args())
		os.Exit(2)
	}
	return opts
}

// run starts the control plane, waits for a signal or a failure, and stops
// the control plane again. It stops the processes on every path that
// started them, including a failed start.
func run(opts options) error {
	// Signals are caught before anything starts, so that a Ctrl-C during
	// the start still reaches the cleanup instead of orphaning etcd.
	signals := make(chan os.Signal, 2)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM)

	if err := checkAssets(opts.assetsDir); err != nil {
		return err
	}
	kubeconfigPath, err := filepath.Abs(opts.kubeconfig)
	if err != nil {
		return fmt.Errorf("resolving --kubeconfig %q: %w", opts.kubeconfig, err)
	}
	// A kubeconfig left by an earlier run that was killed points at a dead
	// API server, so it goes before anyone waits for the new one.
	if err := removeIfExists(kubeconfigPath); err != nil {
		return err
	}

	env, closeLogs, err := newEnvironment(opts)
	if err != nil {
		return err
	}
	defer closeLogs()

	log.Printf("Starting etcd and kube-apiserver from %s", opts.assetsDir)
	started := make(chan error, 1)
	go func() {
		_, err := env.Start()
		started <- err
	}()

	select {
	case err := <-started:
		if err != nil {
			return errors.Join(fmt.Errorf("starting the control plane: %w", err), stop(env, kubeconfigPath))
		}
	case sig := <-signals:
		log.Printf("Received %s while starting, stopping when the start returns", sig)
		return errors.Join(<-started, stop(env, kubeconfigPath))
	}

	if err := writeKubeconfig(env.KubeConfig, kubeconfigPath); err != nil {
		return errors.Join(err, stop(env, kubeconfigPath))
	}
	fmt.Printf("ready: kube-apiserver at %s, CRDs installed from %s\n", env.Config.Host, opts.crdDir)
	fmt.Printf("export KUBECONFIG=%s\n", kubeconfigPath)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	failed := make(chan error, 1)
	go func() { failed <- watchHealth(ctx, env.Config) }()

	var runErr error
	select {
	case sig := <-signals:
		log.Printf("Received %s, stopping", sig)
	case runErr = <-failed:
		log.Printf("Stopping, because the control plane is unhealthy")
	}
	cancel()

	// Further signals during the stop are reported and otherwise ignored,
	// because exiting early would leave etcd and kube-apiserver running.
	go func() {
		for sig := range signals {
			log.Printf("Received %s, already stopping etcd and kube-apiserver", sig)
		}
	}()
	return errors.Join(runErr, stop(env, kubeconfigPath))
}

// checkAssets fails early, with the fix, when a binary is missing, because
// envtest's own error reports only that the process did not start.
func checkAssets(dir string) error {
	for _, name := range []string{"etcd", "kube-apiserver"} {
		path := filepath.Join(dir, name)
		if _, err := os.Stat(path); err != nil {
			return fmt.Errorf("control plane binary %s not found: run `make controlplane`, or pass --assets-dir with a folder that contains it: %w", path, err)
		}
	}
	return nil
}

// newEnvironment configures the envtest environment and opens the log files
// of etcd and kube-apiserver. The returned function closes the files.
func newEnvironment(opts options) (*envtest.Environment, func(), error) {
	etcd := &envtest.Etcd{}
	apiServer := &envtest.APIServer{}
	closeLogs := func() {}

	if opts.logDir != "" {
		etcdLog, err := openLog(opts.logDir, "etcd.log")
		if err != nil {
			return nil, nil, err
		}
		apiServerLog, err := openLog(opts.logDir, "kube-apiserver.log")
		if err != nil {
			etcdLog.Close()
			return nil, nil, err
		}
		etcd.Out, etcd.Err = etcdLog, etcdLog
		apiServer.Out, apiServer.Err = apiServerLog, apiServerLog
		closeLogs = func() {
			closeLog(etcdLog)
			closeLog(apiServerLog)
		}
		log.Printf("Writing the output of etcd and kube-apiserver to %s", opts.logDir)
	}

	env := &envtest.Environment{
		ControlPlane:             envtest.ControlPlane{Etcd: etcd, APIServer: apiServer},
		BinaryAssetsDirectory:    opts.assetsDir,
		CRDDirectoryPaths:        []string{opts.crdDir},
		ErrorIfCRDPathMissing:    true,
		ControlPlaneStartTimeout: opts.startTimeout,
		ControlPlaneStopTimeout:  opts.stopTimeout,
	}
	return env, closeLogs, nil
}

func openLog(dir, name string) (*os.File, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("creating the log folder: %w", err)
	}
	file, err := os.Create(filepath.Join(dir, name))
	if err != nil {
		return nil, fmt.Errorf("creating the log file: %w", err)
	}
	return file, nil
}

func closeLog(file io.Closer) {
	if err := file.Close(); err != nil {
		log.Printf("Error: closing a log file: %v", err)
	}
}

// writeKubeconfig renames envtest's context to contextName and writes the
// kubeconfig with mode 0600, because it contains the admin's client key. It
// writes a temporary file and renames it, so that a script waiting for the
// file never reads half of it.
func writeKubeconfig(data []byte, path string) error {
	config, err := clientcmd.Load(data)
	if err != nil {
		return fmt.Errorf("parsing the kubeconfig that envtest generated: %w", err)
	}
	current := config.Contexts[config.CurrentContext]
	if current == nil {
		return fmt.Errorf("the kubeconfig that envtest generated has no context %q", config.CurrentContext)
	}

	renamed := clientcmdapi.NewConfig()
	renamed.Clusters[contextName] = config.Clusters[current.Cluster]
	renamed.AuthInfos[contextName] = config.AuthInfos[current.AuthInfo]
	renamed.Contexts[contextName] = &clientcmdapi.Context{Cluster: contextName, AuthInfo: contextName}
	renamed.CurrentContext = contextName
	if renamed.Clusters[contextName] == nil || renamed.AuthInfos[contextName] == nil {
		return fmt.Errorf("the kubeconfig that envtest generated lacks the cluster or user of context %q", config.CurrentContext)
	}

	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("creating the folder of the kubeconfig: %w", err)
	}
	temporary := path + ".tmp"
	if err := clientcmd.WriteToFile(*renamed, temporary); err != nil {
		return fmt.Errorf("writing the kubeconfig: %w", err)
	}
	if err := os.Chmod(temporary, 0o600); err != nil {
		return fmt.Errorf("restricting the kubeconfig to its owner: %w", err)
	}
	if err := os.Rename(temporary, path); err != nil {
		return fmt.Errorf("moving the kubeconfig into place: %w", err)
	}
	return nil
}

// watchHealth polls the API server's /readyz until ctx ends. It returns an
// error when healthFailureLimit polls in a row fail, for example because
// etcd or kube-apiserver crashed.
func watchHealth(ctx context.Context, config *rest.Config) error {
	config = rest.CopyConfig(config)
	config.Timeout = healthTimeout
	client, err := discovery.NewDiscoveryClientForConfig(config)
	if err != nil {
		return fmt.Errorf("creating a client for the health checks: %w", err)
	}

	ticker := time.NewTicker(healthInterval)
	defer ticker.Stop()
	failures := 0
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-ticker.C:
		}

		err := client.RESTClient().Get().AbsPath("/readyz").Do(ctx).Error()
		if err == nil || ctx.Err() != nil {
			failures = 0
			continue
		}
		failures++
		log.Printf("Health check %d of %d failed: %v", failures, healthFailureLimit, err)
		if failures >= healthFailureLimit {
			return fmt.Errorf("kube-apiserver failed %d health checks in a row. Its log and etcd's are in --log-dir", failures)
		}
	}
}

// stop ends kube-apiserver and etcd, removes their data and certificate
// folders, and removes the kubeconfig, which would point at nothing.
func stop(env *envtest.Environment, kubeconfigPath string) error {
	log.Printf("Stopping kube-apiserver and etcd")
	err := env.Stop()
	if err != nil {
		err = fmt.Errorf("stopping the control plane: %w", err)
	}
	err = errors.Join(err, removeIfExists(kubeconfigPath), removeIfExists(kubeconfigPath+".tmp"))
	if err == nil {
		log.Printf("Stopped")
	}
	return err
}

func removeIfExists(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("removing %s: %w", path, err)
	}
	return nil
}
