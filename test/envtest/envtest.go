// Package envtest starts a real kube-apiserver and etcd for integration
// tests, with the CRDs of this repository installed. The binaries come from
// bin/k8s, which `make controlplane` builds from Go modules, or from the
// folder that KUBEBUILDER_ASSETS names.
package envtest

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"

	"k8s.io/apimachinery/pkg/runtime/serializer"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	kruntime "k8s.io/apimachinery/pkg/runtime"

	collectionsv1alpha1 "github.com/overdue-dev/overdue-operator/api/v1alpha1"
)

// Scheme registers the built-in kinds and the kinds of this repository.
var Scheme = newScheme()

// Codecs decodes manifests of every kind that Scheme registers.
var Codecs = serializer.NewCodecFactory(Scheme)

func newScheme() *kruntime.Scheme {
	s := kruntime.NewScheme()
	if err := clientgoscheme.AddToScheme(s); err != nil {
		panic(err)
	}
	if err := collectionsv1alpha1.AddToScheme(s); err != nil {
		panic(err)
	}
	return s
}

// RepoRoot returns the top folder of the repository, found from this file's
// location so that tests work from any working directory.
func RepoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// AssetsDir returns the folder of the kube-apiserver, etcd and kubectl
// binaries: KUBEBUILDER_ASSETS when set, else bin/k8s in the repository.
func AssetsDir() (string, error) {
	dir := os.Getenv("KUBEBUILDER_ASSETS")
	if dir == "" {
		dir = filepath.Join(RepoRoot(), "bin", "k8s")
	}
	for _, name := range []string{"kube-apiserver", "etcd"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			return "", fmt.Errorf("control plane binary %s not found in %s: run `make controlplane` first, or set KUBEBUILDER_ASSETS to a folder that has it: %w", name, dir, err)
		}
	}
	return dir, nil
}

// Environment is a running control plane with the CRDs installed.
type Environment struct {
	env    *envtest.Environment
	Config *rest.Config
	Client client.Client
}

// NewEnvironment returns a control plane that is not started yet, with the
// binaries of AssetsDir and the CRDs of config/crd/bases. Tests that need
// more than a client, such as users with their own kubeconfig, start it
// themselves.
func NewEnvironment() (*envtest.Environment, error) {
	assets, err := AssetsDir()
	if err != nil {
		return nil, err
	}
	return &envtest.Environment{
		BinaryAssetsDirectory: assets,
		CRDDirectoryPaths:     []string{filepath.Join(RepoRoot(), "config", "crd", "bases")},
		ErrorIfCRDPathMissing: true,
		Scheme:                Scheme,
	}, nil
}

// Start starts kube-apiserver and etcd and installs the CRDs from
// config/crd/bases. Stop must be called to end both processes.
func Start() (*Environment, error) {
	env, err := NewEnvironment()
	if err != nil {
		return nil, err
	}
	cfg, err := env.Start()
	if err != nil {
		return nil, fmt.Errorf("starting the control plane from %s: %w", env.BinaryAssetsDirectory, err)
	}
	c, err := client.New(cfg, client.Options{Scheme: Scheme})
	if err != nil {
		return nil, errors.Join(fmt.Errorf("creating a client: %w", err), env.Stop())
	}
	return &Environment{env: env, Config: cfg, Client: c}, nil
}

// Stop ends kube-apiserver and etcd and removes their data.
func (e *Environment) Stop() error {
	return e.env.Stop()
}
