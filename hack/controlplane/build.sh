#!/usr/bin/env bash
# Builds kube-apiserver, etcd and kubectl from the Go modules pinned in this
# folder's go.mod into the folder given as the first argument (default:
# bin/k8s at the top of the repository). The Kubernetes version is stamped
# into kube-apiserver and kubectl so that `kubectl version` reports it. A
# stamp file records what was built, so a second run with the same versions
# and the same go.sum returns at once.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
out=${1:-"$here/../../bin/k8s"}
mkdir -p "$out"
out=$(cd "$out" && pwd)

kube_version=$(go -C "$here" list -m -f '{{.Version}}' k8s.io/kubernetes)
etcd_version=$(go -C "$here" list -m -f '{{.Version}}' go.etcd.io/etcd/server/v3)
stamp="kubernetes=$kube_version etcd=$etcd_version go=$(go env GOVERSION) sum=$(sha256sum "$here/go.sum" | cut -c1-16)"

if [[ -f "$out/.stamp" && "$(cat "$out/.stamp")" == "$stamp" ]] &&
	[[ -x "$out/kube-apiserver" && -x "$out/etcd" && -x "$out/kubectl" ]]; then
	echo "Control plane binaries are current in $out ($stamp)"
	exit 0
fi

# The same keys that the Kubernetes release build sets with -X.
major=${kube_version#v}
major=${major%%.*}
minor=${kube_version#v*.}
minor=${minor%%.*}
build_date=$(date -u +%Y-%m-%dT%H:%M:%SZ)
ldflags="-s -w"
for pkg in k8s.io/client-go/pkg/version k8s.io/component-base/version; do
	ldflags+=" -X $pkg.gitVersion=$kube_version -X $pkg.gitMajor=$major -X $pkg.gitMinor=$minor"
	ldflags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=$build_date"
done

echo "Building kube-apiserver, etcd and kubectl ($stamp) into $out; the first build takes several minutes"
rm -f "$out/.stamp"
cd "$here"
# One go build per binary keeps the peak memory of the linker low.
CGO_ENABLED=0 go build -trimpath -ldflags "$ldflags" -o "$out/kube-apiserver" k8s.io/kubernetes/cmd/kube-apiserver
CGO_ENABLED=0 go build -trimpath -ldflags "$ldflags" -o "$out/kubectl" k8s.io/kubernetes/cmd/kubectl
CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$out/etcd" go.etcd.io/etcd/server/v3
echo "$stamp" > "$out/.stamp"
echo "Built $("$out/kube-apiserver" --version), $("$out/etcd" --version | head -1)"
