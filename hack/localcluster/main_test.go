package main

import (
	"bufio"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	kruntime "k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/overdue-dev/overdue-operator/test/envtest"
)

// TestLauncherStartsAndStopsCleanly builds the launcher, starts it, reads a
// CRD through the kubeconfig it writes, sends SIGINT, and checks that etcd,
// kube-apiserver and the kubeconfig are gone afterwards.
func TestLauncherStartsAndStopsCleanly(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the test finds the launcher's child processes in /proc, which only Linux has")
	}
	assets, err := envtest.AssetsDir()
	if err != nil {
		t.Fatal(err)
	}
	root := envtest.RepoRoot()
	dir := t.TempDir()
	binary := filepath.Join(dir, "localcluster")
	build := exec.Command("go", "build", "-o", binary, ".")
	if output, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the launcher: %v\n%s", err, output)
	}

	kubeconfig := filepath.Join(dir, "kubeconfig")
	launcher := exec.Command(binary,
		"--kubeconfig", kubeconfig,
		"--assets-dir", assets,
		"--crd-dir", filepath.Join(root, "config", "crd", "bases"),
		"--log-dir", filepath.Join(dir, "logs"))
	stdout, err := launcher.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	launcher.Stderr = os.Stderr
	if err := launcher.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	var stopped atomic.Bool
	// A test that fails before its own SIGINT still stops the launcher, so
	// that no failure leaves etcd and kube-apiserver running.
	t.Cleanup(func() {
		if stopped.Load() {
			return
		}
		_ = launcher.Process.Signal(syscall.SIGINT)
		select {
		case <-exited:
		case <-time.After(time.Minute):
			_ = launcher.Process.Kill()
		}
	})

	lines := make(chan string, 16)
	go func() {
		scanner := bufio.NewScanner(stdout)
		for scanner.Scan() {
			lines <- scanner.Text()
		}
		close(lines)
		exited <- launcher.Wait()
	}()
	waitForLine(t, lines, "export KUBECONFIG="+kubeconfig, 2*time.Minute)

	info, err := os.Stat(kubeconfig)
	if err != nil {
		t.Fatalf("the launcher printed the export line but wrote no kubeconfig: %v", err)
	}
	if mode := info.Mode().Perm(); mode != 0o600 {
		t.Errorf("the kubeconfig has mode %o, want 600 because it contains a client key", mode)
	}
	readCRD(t, kubeconfig, "saleorders.collections.overdue.dev")

	children := childProcesses(t, launcher.Process.Pid)
	if len(children) != 2 {
		t.Errorf("the launcher has %d child processes %v, want etcd and kube-apiserver", len(children), children)
	}

	if err := launcher.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		stopped.Store(true)
		if err != nil {
			t.Errorf("the launcher exited with %v after SIGINT, want status 0", err)
		}
	case <-time.After(time.Minute):
		t.Fatal("the launcher did not exit within a minute of SIGINT")
	}

	for _, pid := range children {
		if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
			t.Errorf("child process %d is still running after the launcher exited", pid)
		}
	}
	if _, err := os.Stat(kubeconfig); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the kubeconfig %s is still there after the stop (stat: %v)", kubeconfig, err)
	}
}

func waitForLine(t *testing.T, lines <-chan string, want string, timeout time.Duration) {
	t.Helper()
	deadline := time.After(timeout)
	for {
		select {
		case line, ok := <-lines:
			if !ok {
				t.Fatalf("the launcher closed its output before printing %q", want)
			}
			if line == want {
				return
			}
		case <-deadline:
			t.Fatalf("the launcher did not print %q within %s", want, timeout)
		}
	}
}

func readCRD(t *testing.T, kubeconfig, name string) {
	t.Helper()
	config, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		t.Fatalf("loading the written kubeconfig: %v", err)
	}
	scheme := kruntime.NewScheme()
	if err := apiextensionsv1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	c, err := client.New(config, client.Options{Scheme: scheme})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var crd apiextensionsv1.CustomResourceDefinition
	if err := c.Get(ctx, types.NamespacedName{Name: name}, &crd); err != nil {
		t.Fatalf("reading CRD %s through the written kubeconfig: %v", name, err)
	}
}

// childProcesses returns the PIDs of the direct children of pid, from the
// children files of all its threads, because Go starts processes from any
// thread.
func childProcesses(t *testing.T, pid int) []int {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("/proc", strconv.Itoa(pid), "task", "*", "children"))
	if err != nil {
		t.Fatal(err)
	}
	var children []int
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			continue // The thread ended between the glob and the read.
		}
		for _, field := range strings.Fields(string(data)) {
			child, err := strconv.Atoi(field)
			if err != nil {
				t.Fatalf("reading %s: %v", file, err)
			}
			children = append(children, child)
		}
	}
	return children
}
