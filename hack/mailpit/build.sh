#!/usr/bin/env bash
# Builds the mailpit binary from the Go module pinned in this folder's go.mod
# into the folder given as the first argument (default: bin at the top of the
# repository). The Mailpit version is stamped into the binary, so that
# `mailpit version` reports it. A stamp file records what was built, so a
# second run with the same version and the same go.sum returns at once.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
out=${1:-"$here/../../bin"}
mkdir -p "$out"
out=$(cd "$out" && pwd)

mailpit_version=$(go -C "$here" list -m -f '{{.Version}}' github.com/axllent/mailpit)
stamp="mailpit=$mailpit_version go=$(go env GOVERSION) sum=$(sha256sum "$here/go.sum" | cut -c1-16)"
stamp_file="$out/.mailpit.stamp"

if [[ -f "$stamp_file" && "$(cat "$stamp_file")" == "$stamp" && -x "$out/mailpit" ]]; then
	echo "Mailpit is current in $out ($stamp)"
	exit 0
fi

echo "Building mailpit ($stamp) into $out"
rm -f "$stamp_file"
cd "$here"
CGO_ENABLED=0 go build -trimpath \
	-ldflags "-s -w -X github.com/axllent/mailpit/config.Version=$mailpit_version" \
	-o "$out/mailpit" github.com/axllent/mailpit
echo "$stamp" > "$stamp_file"
# --no-release-check keeps the version command from asking the internet for
# the latest release.
echo "Built $("$out/mailpit" version --no-release-check)"
