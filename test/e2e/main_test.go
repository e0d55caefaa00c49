package e2e

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.uber.org/zap/zapcore"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	crenvtest "sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/overdue-dev/overdue-operator/test/envtest"
	"github.com/overdue-dev/overdue-operator/test/loopback"
	"github.com/overdue-dev/overdue-operator/test/mailpit"
)

// suite is the environment that every test shares. TestMain starts it
// before the first test and stops it after the last one.
var suite *environment

// environment is a running control plane, Mailpit and manager.
type environment struct {
	// workDir contains the kubeconfigs, Mailpit's database and the
	// manager's binary and log.
	workDir string
	// kubectlPath is bin/k8s/kubectl or its KUBEBUILDER_ASSETS equivalent.
	kubectlPath string
	// kubeconfig is the path of an admin kubeconfig, in the group
	// system:masters, that every kubectl call of the tests uses.
	kubeconfig string
	mail       *mailpit.Server
	manager    *managerProcess
	// managerBinary and managerKubeconfig start more managers, for the
	// leader election test.
	managerBinary     string
	managerKubeconfig string
}

// The identity of the manager in the test cluster. It holds only the
// ClusterRole that controller-gen generates from the RBAC markers.
const (
	managerUser        = "overdue-operator"
	managerClusterRole = "manager-role"
)

// senderAddress is the --smtp-from of the manager.
const senderAddress = "overdue@example.com"

func TestMain(m *testing.M) {
	// envtest logs its start retries through controller-runtime's logger.
	ctrllog.SetLogger(zap.New(zap.WriteTo(os.Stderr), zap.Level(zapcore.ErrorLevel)))
	os.Exit(runSuite(m))
}

// runSuite starts the environment, runs the tests and stops everything it
// started. It returns the exit code of the test binary.
func runSuite(m *testing.M) (code int) {
	workDir, err := os.MkdirTemp("", "overdue-e2e-")
	if err != nil {
		fmt.Fprintf(os.Stderr, "e2e: creating the work folder: %v\n", err)
		return 1
	}
	// A failed start returns the manager's log in its error, so only a run
	// whose tests or shutdown failed keeps the folder.
	keep := false
	defer func() {
		if keep || os.Getenv("E2E_KEEP_WORKDIR") != "" {
			fmt.Fprintf(os.Stderr, "e2e: kept %s, which contains the kubeconfigs and the manager's log (manager.log)\n", workDir)
			return
		}
		if err := os.RemoveAll(workDir); err != nil {
			fmt.Fprintf(os.Stderr, "e2e: removing the work folder: %v\n", err)
		}
	}()

	env, stop, err := startEnvironment(workDir)
	if err != nil {
		fmt.Fprintf(os.Stderr, "e2e: %v\n", err)
		return 1
	}
	suite = env
	code = m.Run()

	if err := stop(); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: stopping the environment: %v\n", err)
		if code == 0 {
			code = 1
		}
	}
	keep = code != 0
	return code
}

// startEnvironment builds the manager, starts the control plane, grants the
// manager's RBAC role, starts Mailpit and then the manager. The returned
// function stops them in reverse order. On an error everything started so
// far is stopped already.
func startEnvironment(workDir string) (env *environment, stop func() error, err error) {
	var stops []func() error
	stopAll := func() error {
		var errs []error
		for i := len(stops) - 1; i >= 0; i-- {
			errs = append(errs, stops[i]())
		}
		return errors.Join(errs...)
	}
	defer func() {
		if err != nil {
			err = errors.Join(err, stopAll())
		}
	}()

	assets, err := envtest.AssetsDir()
	if err != nil {
		return nil, nil, err
	}
	env = &environment{
		workDir:     workDir,
		kubectlPath: filepath.Join(assets, "kubectl"),
		kubeconfig:  filepath.Join(workDir, "admin.kubeconfig"),
	}
	if _, err := os.Stat(env.kubectlPath); err != nil {
		return nil, nil, fmt.Errorf("kubectl not found in %s: run `make controlplane` first, or set KUBEBUILDER_ASSETS to a folder that has it: %w", assets, err)
	}
	if _, err := mailpit.Binary(); err != nil {
		return nil, nil, err
	}

	// The build links the manager while the control plane starts, because
	// both take several seconds.
	managerPath := filepath.Join(workDir, "manager")
	var buildErr error
	buildDone := make(chan struct{})
	go func() {
		buildErr = buildManager(managerPath)
		close(buildDone)
	}()
	stops = append(stops, func() error {
		<-buildDone // a failed start must not leave the compiler running
		return nil
	})

	plane, err := envtest.NewEnvironment()
	if err != nil {
		return nil, nil, err
	}
	if _, err := plane.Start(); err != nil {
		return nil, nil, fmt.Errorf("starting the control plane from %s: %w", assets, err)
	}
	stops = append(stops, plane.Stop)

	if err := writeUserKubeconfig(plane, crenvtest.User{Name: "e2e-admin", Groups: []string{"system:masters"}}, env.kubeconfig); err != nil {
		return nil, nil, err
	}
	managerKubeconfig := filepath.Join(workDir, "manager.kubeconfig")
	if err := writeUserKubeconfig(plane, crenvtest.User{Name: managerUser}, managerKubeconfig); err != nil {
		return nil, nil, err
	}
	if err := env.grantManagerRole(); err != nil {
		return nil, nil, err
	}

	mailDir := filepath.Join(workDir, "mailpit")
	if err := os.Mkdir(mailDir, 0o755); err != nil {
		return nil, nil, fmt.Errorf("creating Mailpit's data folder: %w", err)
	}
	mail, stopMail, err := mailpit.Start(mailDir)
	if err != nil {
		return nil, nil, err
	}
	stops = append(stops, stopMail)
	env.mail = mail

	<-buildDone
	if buildErr != nil {
		return nil, nil, buildErr
	}
	env.managerBinary, env.managerKubeconfig = managerPath, managerKubeconfig
	manager, err := startManager(managerPath, managerKubeconfig, mail.SMTPAddress, filepath.Join(workDir, "manager.log"))
	if err != nil {
		return nil, nil, err
	}
	// The leader election test replaces the manager for a while, so the stop
	// looks the current one up.
	stops = append(stops, func() error { return env.manager.stop() })
	env.manager = manager
	return env, stopAll, nil
}

// buildManager compiles the manager from the repository into path.
func buildManager(path string) error {
	goBinary, err := exec.LookPath("go")
	if err != nil {
		return fmt.Errorf("building the manager needs the go command in PATH: %w", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, goBinary, "build", "-o", path, "github.com/overdue-dev/overdue-operator")
	cmd.Dir = envtest.RepoRoot()
	output, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("building the manager with `go build -o %s github.com/overdue-dev/overdue-operator` failed: %w\n%s", path, err, output)
	}
	return nil
}

// writeUserKubeconfig provisions user in the control plane and writes a
// kubeconfig that authenticates as that user to path.
func writeUserKubeconfig(plane *crenvtest.Environment, user crenvtest.User, path string) error {
	authenticated, err := plane.ControlPlane.AddUser(user, nil)
	if err != nil {
		return fmt.Errorf("adding the user %s to the control plane: %w", user.Name, err)
	}
	config, err := authenticated.KubeConfig()
	if err != nil {
		return fmt.Errorf("creating the kubeconfig of %s: %w", user.Name, err)
	}
	if err := os.WriteFile(path, config, 0o600); err != nil {
		return fmt.Errorf("writing the kubeconfig of %s: %w", user.Name, err)
	}
	return nil
}

// grantManagerRole applies the generated ClusterRole and binds the
// manager's user to it, with kubectl as a cluster admin would.
func (e *environment) grantManagerRole() error {
	role := filepath.Join(envtest.RepoRoot(), "config", "rbac", "role.yaml")
	if _, stderr, err := e.kubectl("", "apply", "-f", role); err != nil {
		return fmt.Errorf("applying %s: %w: %s", role, err, stderr)
	}
	if _, stderr, err := e.kubectl("", "create", "clusterrolebinding", managerUser,
		"--clusterrole="+managerClusterRole, "--user="+managerUser); err != nil {
		return fmt.Errorf("binding the ClusterRole %s to the user %s: %w: %s", managerClusterRole, managerUser, err, stderr)
	}
	return nil
}

// managerProcess is the manager binary running as a child process.
type managerProcess struct {
	cmd     *exec.Cmd
	logPath string
	log     *os.File
	// exited is closed when the process has ended. exitErr is its exit
	// status, set before exited is closed.
	exited  chan struct{}
	exitErr error
}

// startManager starts the manager with email sent to smtpAddress and its
// output appended to logPath, and waits until its /readyz endpoint returns
// 200.
// A probe port that another process takes between the check and the
// manager's bind makes the manager exit, so the start is tried three times.
func startManager(binary, kubeconfig, smtpAddress, logPath string, extraArgs ...string) (*managerProcess, error) {
	var lastErr error
	for range 3 {
		manager, err := startManagerOnce(binary, kubeconfig, smtpAddress, logPath, extraArgs)
		if err == nil {
			return manager, nil
		}
		lastErr = err
	}
	return nil, fmt.Errorf("the manager did not become ready after 3 attempts: %w", lastErr)
}

func startManagerOnce(binary, kubeconfig, smtpAddress, logPath string, extraArgs []string) (*managerProcess, error) {
	probeAddress, err := loopback.FreeAddress()
	if err != nil {
		return nil, err
	}
	log, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("opening the manager's log: %w", err)
	}
	args := append([]string{
		"--kubeconfig", kubeconfig,
		"--smtp-address", smtpAddress,
		"--smtp-tls", "none",
		"--smtp-from", "Overdue Operator <" + senderAddress + ">",
		"--metrics-bind-address", "0",
		"--health-probe-bind-address", probeAddress,
		"--zap-log-level", "debug",
	}, extraArgs...)
	cmd := exec.Command(binary, args...)
	cmd.Stdout = log
	cmd.Stderr = log
	if err := cmd.Start(); err != nil {
		return nil, errors.Join(fmt.Errorf("starting %s: %w", binary, err), log.Close())
	}
	manager := &managerProcess{cmd: cmd, logPath: logPath, log: log, exited: make(chan struct{})}
	go func() {
		manager.exitErr = cmd.Wait()
		close(manager.exited)
	}()

	if err := manager.waitReady("http://" + probeAddress + "/readyz"); err != nil {
		return nil, errors.Join(err, manager.stop())
	}
	return manager, nil
}

// waitReady polls url until it returns 200, the process exits, or a minute
// passes.
func (p *managerProcess) waitReady(url string) error {
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		select {
		case <-p.exited:
			return fmt.Errorf("the manager exited before it was ready (%v). Its log:\n%s", p.exitErr, p.logTail(0))
		default:
		}
		resp, err := client.Get(url)
		if err == nil {
			_ = resp.Body.Close() // only the status code matters
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("the manager's %s did not return 200 within a minute. Its log:\n%s", url, p.logTail(0))
}

// running returns an error when the manager has exited.
func (p *managerProcess) running() error {
	select {
	case <-p.exited:
		return fmt.Errorf("the manager exited during the tests (%v)", p.exitErr)
	default:
		return nil
	}
}

// stop sends SIGTERM, which makes the manager finish its reconciles and
// exit, and kills it when it has not exited within 15 seconds.
func (p *managerProcess) stop() error {
	defer p.log.Close()
	select {
	case <-p.exited:
		return nil
	default:
	}
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("sending SIGTERM to the manager: %w", err)
	}
	select {
	case <-p.exited:
		if p.exitErr != nil {
			return fmt.Errorf("the manager exited with %v after SIGTERM; see %s", p.exitErr, p.logPath)
		}
		return nil
	case <-time.After(15 * time.Second):
		return errors.Join(fmt.Errorf("the manager did not exit within 15s of SIGTERM, killing it"), p.cmd.Process.Kill())
	}
}

// logSize returns the current size of the manager's log, which marks where
// a test's log lines start.
func (p *managerProcess) logSize() int64 {
	info, err := os.Stat(p.logPath)
	if err != nil {
		return 0
	}
	return info.Size()
}

// maxLogTail is the number of bytes of the manager's log that a failure
// message shows at most. The whole log stays in the work folder.
const maxLogTail = 64 << 10

// logTail returns the manager's log from offset on, at most its last
// maxLogTail bytes.
func (p *managerProcess) logTail(offset int64) string {
	data, err := os.ReadFile(p.logPath)
	if err != nil {
		return fmt.Sprintf("(reading %s failed: %v)", p.logPath, err)
	}
	if offset > int64(len(data)) {
		offset = 0
	}
	data = data[offset:]
	if len(data) > maxLogTail {
		data = data[len(data)-maxLogTail:]
		if i := strings.IndexByte(string(data), '\n'); i >= 0 {
			data = data[i+1:]
		}
		return "(earlier lines cut)\n" + string(data)
	}
	return string(data)
}
