# overdue-operator build, test and run targets. `make help` lists them.

SHELL := /usr/bin/env bash -o pipefail
.SHELLFLAGS := -ec

# Binaries that the project builds for itself land in bin/, which git ignores.
BIN ?= $(CURDIR)/bin
# kube-apiserver, etcd and kubectl, built from Go modules by hack/controlplane.
K8S_BIN ?= $(BIN)/k8s
KUBECTL ?= $(K8S_BIN)/kubectl
MAILPIT ?= $(BIN)/mailpit
IMG ?= overdue-operator:dev

export KUBEBUILDER_ASSETS := $(K8S_BIN)

.PHONY: all
all: build

##@ General

.PHONY: help
help: ## Show this help.
	@awk 'BEGIN {FS = ":.*##"; printf "Usage: make <target>\n"} /^[a-zA-Z_0-9-]+:.*?##/ { printf "  %-16s %s\n", $$1, $$2 } /^##@/ { printf "\n%s\n", substr($$0, 5) }' $(MAKEFILE_LIST)

##@ Development

.PHONY: manifests
manifests: ## Generate the CRDs and RBAC under config/ from the markers in api/ and controllers/.
	go tool controller-gen rbac:roleName=manager-role crd webhook paths="./..." output:crd:artifacts:config=config/crd/bases

.PHONY: generate
generate: ## Generate the DeepCopy methods of the API types.
	go tool controller-gen object:headerFile="hack/boilerplate.go.txt" paths="./api/..."

.PHONY: fmt
fmt: ## Run gofmt on the module.
	gofmt -l -w $$(git ls-files '*.go')

.PHONY: vet
vet: ## Run go vet and check that gofmt leaves every Go file as it is.
	go vet ./...
	@unformatted=$$(gofmt -l $$(git ls-files '*.go')); \
	if [ -n "$$unformatted" ]; then echo "Files that gofmt would change; run 'make fmt':"; echo "$$unformatted"; exit 1; fi

.PHONY: verify-generated
verify-generated: generate manifests ## Fail when generated files differ from the committed ones.
	@git diff --exit-code -- api config || { echo "Generated files are stale: run 'make generate manifests' and commit the result"; exit 1; }

##@ Test

.PHONY: controlplane
controlplane: ## Build kube-apiserver, etcd and kubectl from Go modules into bin/k8s (cached).
	hack/controlplane/build.sh $(K8S_BIN)

.PHONY: mailpit
mailpit: ## Build bin/mailpit, a loopback SMTP server for tests and the demo, from Go modules (cached).
	hack/mailpit/build.sh $(BIN)

.PHONY: test
test: controlplane mailpit vet verify-generated ## Build what the tests need, then run vet, every test and a short run of each fuzz target.
	go test -count=1 -timeout 30m ./...
	$(MAKE) fuzz-short

# FUZZTIME is how long fuzz-short runs each fuzz target.
FUZZTIME ?= 10s

.PHONY: fuzz-short
fuzz-short: ## Run each fuzz target of money, risk and schedule for $(FUZZTIME).
	go test -run='^$$' -fuzz='^FuzzParse$$' -fuzztime=$(FUZZTIME) ./internal/money/
	go test -run='^$$' -fuzz='^FuzzEvaluate$$' -fuzztime=$(FUZZTIME) ./internal/risk/
	go test -run='^$$' -fuzz='^FuzzNext$$' -fuzztime=$(FUZZTIME) ./internal/schedule/
	go test -run='^$$' -fuzz='^FuzzJitter$$' -fuzztime=$(FUZZTIME) ./internal/schedule/

.PHONY: bench
bench: ## Run the benchmarks of the risk engine.
	go test -run '^$$' -bench . -benchmem ./internal/...

##@ Demo

.PHONY: mailpit-ui
mailpit-ui: ## Build Mailpit with its web page into bin/mailpit-ui with Node.js and npm (cached). Only the demo uses it.
	hack/mailpit/build-ui.sh $(BIN)/mailpit-ui

# The web page build runs in the recipe rather than as a prerequisite, so
# that its failure does not stop the demo: hack/demo.sh then runs the
# API-only bin/mailpit and prints why the web page is not available.
# `make test` never runs build-ui.sh, so the tests do not depend on npm.

.PHONY: demo
demo: controlplane mailpit build ## Run the operator with demo data on a local control plane and Mailpit, no cluster needed; Ctrl-C stops everything.
	hack/mailpit/build-ui.sh $(BIN)/mailpit-ui || echo "demo: continuing with the API-only $(MAILPIT), without Mailpit's web page"
	hack/demo.sh

# The kubeconfig and logs of `make localcluster`.
LOCAL_DIR ?= $(BIN)/local

.PHONY: localcluster
localcluster: controlplane ## Run etcd and kube-apiserver on 127.0.0.1 with the CRDs installed until Ctrl-C, for `make run` in another terminal.
	go build -o $(BIN)/localcluster ./hack/localcluster
	$(BIN)/localcluster --kubeconfig $(LOCAL_DIR)/kubeconfig --log-dir $(LOCAL_DIR)

##@ Deployment

# Flags of `make run`. The default keeps the metrics and probe endpoints on
# loopback, where a manager on a workstation belongs.
ARGS ?= --metrics-bind-address=127.0.0.1:8080 --health-probe-bind-address=127.0.0.1:8081

.PHONY: run
run: ## Run the manager from source against the cluster of the current kubeconfig; install the CRDs first with `make install`. Manager flags go in ARGS.
	go run . $(ARGS)

# Server-side apply keeps the objects free of the last-applied annotation,
# which would copy every CRD into its own metadata, and --force-conflicts
# makes the manifests in config/ win over fields that another field
# manager, such as envtest's CRD installer, set before.
.PHONY: install
install: ## Install the CRDs into the cluster of the current kubeconfig.
	$(KUBECTL) apply --server-side --force-conflicts -k config/crd

.PHONY: uninstall
uninstall: ## Delete the CRDs, and with them every CollectionPolicy, SaleOrder and Invoice, from the cluster.
	$(KUBECTL) delete --ignore-not-found -k config/crd

.PHONY: deploy
deploy: ## Deploy the CRDs, the RBAC and the manager (image set in config/manager/kustomization.yaml) to overdue-operator-system.
	$(KUBECTL) apply --server-side --force-conflicts -k config/default

.PHONY: undeploy
undeploy: ## Delete what `make deploy` created, the CRDs and so every collections object included.
	$(KUBECTL) delete --ignore-not-found -k config/default

.PHONY: docker-build
docker-build: ## Build the manager image $(IMG) with Docker (not available on every machine).
	docker build -t $(IMG) .

##@ Build

.PHONY: build
build: ## Build the manager binary into bin/manager.
	go build -o $(BIN)/manager .
