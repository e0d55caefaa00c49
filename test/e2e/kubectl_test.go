package e2e

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// kubectlTimeout bounds one kubectl run. Every call of the tests returns
// within a second or two on a healthy control plane.
const kubectlTimeout = 30 * time.Second

// kubectl runs kubectl as the admin user with stdin as its standard input,
// empty for none. It returns the standard output, the standard error and
// an error when kubectl exits non-zero or runs longer than kubectlTimeout.
func (e *environment) kubectl(stdin string, args ...string) (stdout, stderr string, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), kubectlTimeout)
	defer cancel()

	cmd := exec.CommandContext(ctx, e.kubectlPath, append([]string{"--kubeconfig", e.kubeconfig}, args...)...)
	if stdin != "" {
		cmd.Stdin = strings.NewReader(stdin)
	}
	var out, errOut bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &errOut
	// A child that keeps the output pipes open must not block Wait after
	// the context has killed kubectl.
	cmd.WaitDelay = time.Second

	err = cmd.Run()
	command := "kubectl " + strings.Join(args, " ")
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		err = fmt.Errorf("%s timed out after %s", command, kubectlTimeout)
	case err != nil:
		err = fmt.Errorf("%s failed: %w", command, err)
	}
	return out.String(), errOut.String(), err
}

// kubectl runs kubectl and fails the test when it exits non-zero. It
// returns the standard output.
func kubectl(t testing.TB, args ...string) string {
	t.Helper()
	return kubectlWithInput(t, "", args...)
}

// kubectlWithInput runs kubectl with stdin as its standard input and fails
// the test when it exits non-zero. It returns the standard output.
func kubectlWithInput(t testing.TB, stdin string, args ...string) string {
	t.Helper()
	stdout, stderr, err := suite.kubectl(stdin, args...)
	if err != nil {
		t.Fatalf("%v\nstderr: %s\nstdout: %s", err, stderr, stdout)
	}
	return stdout
}

// getTables runs `kubectl get` with args and parses its table output.
func getTables(args ...string) ([]table, error) {
	stdout, stderr, err := suite.kubectl("", append([]string{"get"}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("%w: %s", err, stderr)
	}
	return parseTables(stdout)
}

// getTable runs `kubectl get` with args and parses its output, which must
// be exactly one table.
func getTable(args ...string) (table, error) {
	tables, err := getTables(args...)
	if err != nil {
		return table{}, err
	}
	if len(tables) != 1 {
		return table{}, fmt.Errorf("kubectl get %s printed %d tables, want 1", strings.Join(args, " "), len(tables))
	}
	return tables[0], nil
}

// jsonPath returns one field of a namespaced object, read with
// `kubectl get -o jsonpath`.
func jsonPath(namespace, resource, name, path string) (string, error) {
	stdout, stderr, err := suite.kubectl("", "get", "--namespace", namespace, resource, name, "--output", "jsonpath="+path)
	if err != nil {
		return "", fmt.Errorf("%w: %s", err, stderr)
	}
	return stdout, nil
}

// newNamespace creates a namespace for one test with `kubectl create
// namespace`. When the test fails, it prints the manager's log lines that
// were written during the test. The namespace is not deleted, because the
// test control plane has no namespace controller to finish a deletion.
func newNamespace(t *testing.T) string {
	t.Helper()
	if err := suite.manager.running(); err != nil {
		t.Fatalf("%v. Its log:\n%s", err, suite.manager.logTail(0))
	}
	logStart := suite.manager.logSize()
	t.Cleanup(func() {
		if !t.Failed() {
			return
		}
		if err := suite.manager.running(); err != nil {
			t.Log(err)
		}
		t.Logf("Manager log during %s (all of it is in %s):\n%s", t.Name(), suite.manager.logPath, suite.manager.logTail(logStart))
	})

	name := namespaceName(t.Name())
	kubectl(t, "create", "namespace", name)
	return name
}

var notLabelCharacters = regexp.MustCompile(`[^a-z0-9]+`)

// namespaceName derives a DNS label from a test name, with a random suffix
// so that `go test -count=2` does not reuse a namespace.
func namespaceName(testName string) string {
	base := strings.Trim(notLabelCharacters.ReplaceAllString(strings.ToLower(testName), "-"), "-")
	base = strings.TrimPrefix(base, "test")
	base = strings.Trim(base, "-")
	if len(base) > 40 {
		base = strings.TrimRight(base[:40], "-")
	}
	return "e2e-" + base + "-" + strconv.FormatUint(rand.Uint64N(1<<30), 36)
}

// table is one table of `kubectl get` output.
type table struct {
	// Columns are the headers as kubectl prints them, such as "NAME" or
	// "TIME ZONE".
	Columns []string
	// Rows map each header to the cell's text, with the padding removed.
	Rows []map[string]string
}

// row returns the row whose NAME cell is name.
func (tb table) row(name string) (map[string]string, error) {
	for _, row := range tb.Rows {
		if row["NAME"] == name {
			return row, nil
		}
	}
	names := make([]string, 0, len(tb.Rows))
	for _, row := range tb.Rows {
		names = append(names, row["NAME"])
	}
	return nil, fmt.Errorf("no row named %q among %v", name, names)
}

// column returns the cells of one column, top to bottom.
func (tb table) column(header string) []string {
	cells := make([]string, 0, len(tb.Rows))
	for _, row := range tb.Rows {
		cells = append(cells, row[header])
	}
	return cells
}

// headerGap is the smallest run of spaces that separates two headers.
// kubectl pads its columns with at least three spaces, and a header such
// as "TIME ZONE" contains single spaces.
var headerGap = regexp.MustCompile(` {2,}`)

// parseTables parses the output of `kubectl get` into tables. A blank line
// separates the tables that kubectl prints for a category such as
// `kubectl get collections`, one per kind. Cells are cut at the positions
// where the headers start, counted in characters, because kubectl aligns
// columns by character count and cells may contain spaces ("Ana Lima").
func parseTables(output string) ([]table, error) {
	var tables []table
	for _, block := range strings.Split(strings.TrimRight(output, "\n"), "\n\n") {
		lines := strings.Split(strings.Trim(block, "\n"), "\n")
		if len(lines) == 0 || strings.TrimSpace(lines[0]) == "" {
			continue
		}
		parsed, err := parseTable(lines)
		if err != nil {
			return nil, fmt.Errorf("%w\nin the output:\n%s", err, output)
		}
		tables = append(tables, parsed)
	}
	return tables, nil
}

func parseTable(lines []string) (table, error) {
	header := []rune(lines[0])
	starts := []int{0}
	for _, gap := range headerGap.FindAllStringIndex(lines[0], -1) {
		// The regexp returns byte offsets. Headers are ASCII, so these are
		// character offsets too.
		starts = append(starts, gap[1])
	}
	var parsed table
	for i, start := range starts {
		end := len(header)
		if i+1 < len(starts) {
			end = starts[i+1]
		}
		parsed.Columns = append(parsed.Columns, strings.TrimSpace(string(header[start:end])))
	}

	for _, line := range lines[1:] {
		cells := []rune(line)
		row := make(map[string]string, len(starts))
		for i, start := range starts {
			if start > 0 && start < len(cells) && cells[start-1] != ' ' {
				return table{}, fmt.Errorf("row %q is not aligned with the header %q at column %s", line, lines[0], parsed.Columns[i])
			}
			end := len(cells)
			if i+1 < len(starts) {
				end = min(starts[i+1], len(cells))
			}
			if start >= end {
				row[parsed.Columns[i]] = ""
				continue
			}
			row[parsed.Columns[i]] = strings.TrimSpace(string(cells[start:end]))
		}
		parsed.Rows = append(parsed.Rows, row)
	}
	return parsed, nil
}

func TestParseTables(t *testing.T) {
	output := "" +
		"NAME       CURRENCY   TIME ZONE            ORDERS   HIGH   READY   AGE\n" +
		"default    EUR        Pacific/Kiritimati   7        1      True    12s\n" +
		"\n" +
		"NAME            CUSTOMER              SALESPERSON   OVERDUE   RISK\n" +
		"so-0041         Müller Maschinenbau   Ana Lima      <none>    None\n" +
		"so-0042-long    Nordlicht             Jonas Berg    31        High\n"

	tables, err := parseTables(output)
	if err != nil {
		t.Fatal(err)
	}
	if len(tables) != 2 {
		t.Fatalf("parsed %d tables, want 2", len(tables))
	}

	policies := tables[0]
	if got, want := strings.Join(policies.Columns, "|"), "NAME|CURRENCY|TIME ZONE|ORDERS|HIGH|READY|AGE"; got != want {
		t.Errorf("policy columns = %s, want %s", got, want)
	}
	policy, err := policies.row("default")
	if err != nil {
		t.Fatal(err)
	}
	if policy["TIME ZONE"] != "Pacific/Kiritimati" {
		t.Errorf("TIME ZONE = %q, want Pacific/Kiritimati", policy["TIME ZONE"])
	}
	if policy["AGE"] != "12s" {
		t.Errorf("AGE = %q, want 12s", policy["AGE"])
	}

	orders := tables[1]
	first, err := orders.row("so-0041")
	if err != nil {
		t.Fatal(err)
	}
	if first["CUSTOMER"] != "Müller Maschinenbau" {
		t.Errorf("CUSTOMER = %q, want the name with its non-ASCII letter and space", first["CUSTOMER"])
	}
	if first["SALESPERSON"] != "Ana Lima" {
		t.Errorf("SALESPERSON = %q, want Ana Lima", first["SALESPERSON"])
	}
	if first["OVERDUE"] != "<none>" {
		t.Errorf("OVERDUE = %q, want <none>", first["OVERDUE"])
	}
	second, err := orders.row("so-0042-long")
	if err != nil {
		t.Fatal(err)
	}
	if second["RISK"] != "High" {
		t.Errorf("RISK = %q, want High", second["RISK"])
	}
	if got := strings.Join(orders.column("RISK"), ","); got != "None,High" {
		t.Errorf("RISK column = %s, want None,High", got)
	}

	if _, err := parseTables("NAME     RISK\nso-123456789 Low\n"); err == nil {
		t.Error("a row that is not aligned with its header parsed without an error")
	}
	if tables, err := parseTables(""); err != nil || len(tables) != 0 {
		t.Errorf("empty output parsed to %d tables and error %v, want none", len(tables), err)
	}
}
