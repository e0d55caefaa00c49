// Package e2e tests overdue-operator end to end, the way a finance or sales
// team uses it. The manager binary runs as its own process on the real
// clock. It talks to a real kube-apiserver and etcd, and sends email to a
// real Mailpit on loopback. The tests drive it only through kubectl, built
// from the same Kubernetes release as the API server, and read the results
// from kubectl's table output, its JSONPath output and Mailpit's API.
//
// The manager runs as a user that holds only the ClusterRole in
// config/rbac/role.yaml, so a permission that the controllers need but the
// RBAC markers do not grant fails these tests.
//
// Run them with `go test ./test/e2e/` after `make controlplane mailpit`.
// Set E2E_KEEP_WORKDIR=1 to keep the kubeconfigs and the manager's log
// after a passing run; a failing run always keeps them and prints where.
package e2e
