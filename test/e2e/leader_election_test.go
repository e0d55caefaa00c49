package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"

	"github.com/overdue-dev/overdue-operator/test/envtest"
	"github.com/overdue-dev/overdue-operator/test/mailpit"
)

// leaseName is the leader election Lease of the manager, the
// LeaderElectionID in main.go.
const leaseName = "overdue-operator.collections.overdue.dev"

// TestLeaderElection runs two replicas with --leader-elect in place of the
// suite's manager: only one of them sends the email about a level change,
// and when that one stops, the other takes over and sends the next one.
func TestLeaderElection(t *testing.T) {
	ns := newNamespace(t)
	sales := salespersonEmail(ns)
	grantLeaderElection(t, ns)

	// Replace the suite's manager, which runs without leader election, by
	// two replicas that elect a leader through a Lease in this namespace.
	if err := suite.manager.stop(); err != nil {
		t.Fatalf("stopping the suite's manager: %v", err)
	}
	t.Cleanup(func() {
		manager, err := startManager(suite.managerBinary, suite.managerKubeconfig, suite.mail.SMTPAddress, suite.manager.logPath)
		if err != nil {
			t.Fatalf("restarting the suite's manager: %v", err)
		}
		suite.manager = manager
	})
	replicas := make([]*managerProcess, 2)
	for i := range replicas {
		replica, err := startManager(suite.managerBinary, suite.managerKubeconfig, suite.mail.SMTPAddress,
			filepath.Join(suite.workDir, fmt.Sprintf("replica-%d.log", i)),
			"--leader-elect", "--leader-election-namespace", ns)
		if err != nil {
			t.Fatalf("starting replica %d: %v", i, err)
		}
		replicas[i] = replica
		t.Cleanup(func() {
			if err := replica.stop(); err != nil {
				t.Errorf("stopping replica %d: %v", i, err)
			}
		})
	}

	g := NewWithT(t)
	leader := func() (string, error) {
		return jsonPath(ns, "lease", leaseName, "{.spec.holderIdentity}")
	}
	g.Eventually(leader).WithTimeout(waitTimeout).WithPolling(pollInterval).ShouldNot(BeEmpty(), "no replica became the leader")
	first, err := leader()
	g.Expect(err).NotTo(HaveOccurred())

	// 70 days overdue: High, one email from whichever replica leads.
	kubectlWithInput(t, documents(
		policy{Name: "default"}.yaml(),
		order{Name: "so-replicas", Reference: "SO-5001", Customer: "Nordlicht Handel AG", SalespersonEmail: sales}.yaml(),
		invoice{Name: "inv-old", Order: "so-replicas", DueDate: dateFromToday(-70), Total: "1200.00"}.yaml(),
	), "apply", "--namespace", ns, "--filename", "-")
	expectEmails(g, sales, "Risk High: SO-5001")

	// The leader releases the Lease when it stops, so the other replica
	// takes over without waiting for the Lease to expire.
	var leading *managerProcess
	g.Eventually(func() error {
		leading, err = leaderOf(replicas)
		return err
	}).WithTimeout(waitTimeout).WithPolling(pollInterval).Should(Succeed())
	g.Expect(leading.stop()).To(Succeed(), "stopping the leader")
	g.Eventually(leader).WithTimeout(waitTimeout).WithPolling(pollInterval).ShouldNot(Or(BeEmpty(), Equal(first)), "no replica took over the Lease")

	// Paying the invoice in full: None, one more email from the new leader.
	kubectl(t, "patch", "invoice", "inv-old", "--namespace", ns, "--type=merge", "--patch", `{"spec":{"amountPaid":"1200.00"}}`)
	expectEmails(g, sales, "Risk High: SO-5001", "Risk None: SO-5001")
}

// leaderOf returns the one replica that logged that it acquired the leader
// election Lease.
func leaderOf(replicas []*managerProcess) (*managerProcess, error) {
	var leaders []*managerProcess
	for _, replica := range replicas {
		if strings.Contains(strings.ToLower(replica.logTail(0)), "successfully acquired lease") {
			leaders = append(leaders, replica)
		}
	}
	if len(leaders) != 1 {
		return nil, fmt.Errorf("%d replicas logged that they acquired the Lease, want 1", len(leaders))
	}
	return leaders[0], nil
}

// expectEmails waits until the emails to address have exactly the given
// subject prefixes, oldest first, and checks that no further email arrives
// for a few seconds.
func expectEmails(g Gomega, address string, subjects ...string) {
	match := func(g Gomega) {
		emails, err := emailsTo(address)
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(emails).To(HaveLen(len(subjects)), "emails to %s: %v", address, subjectsOf(emails))
		for i, subject := range subjects {
			g.Expect(emails[i].Subject).To(HavePrefix(subject))
		}
	}
	g.Eventually(match).WithTimeout(waitTimeout).WithPolling(pollInterval).Should(Succeed())
	g.Consistently(match).WithTimeout(3 * time.Second).WithPolling(pollInterval).Should(Succeed())
}

func subjectsOf(emails []mailpit.Message) []string {
	subjects := make([]string, 0, len(emails))
	for _, email := range emails {
		subjects = append(subjects, email.Subject)
	}
	return subjects
}

// grantLeaderElection lets the manager's user hold the leader election
// Lease in namespace, with the Role of config/rbac that a deployment binds.
func grantLeaderElection(t *testing.T, namespace string) {
	t.Helper()
	path := filepath.Join(envtest.RepoRoot(), "config", "rbac", "leader_election_role.yaml")
	role, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// kustomize sets the namespace of a deployment; here the test sets it.
	manifest := strings.ReplaceAll(string(role), "namespace: system", "namespace: "+namespace)
	kubectlWithInput(t, manifest, "apply", "--filename", "-")
	kubectl(t, "create", "rolebinding", "leader-election", "--namespace", namespace,
		"--role=leader-election-role", "--user="+managerUser)
}
