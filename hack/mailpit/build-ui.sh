#!/usr/bin/env bash
# Builds Mailpit with its web page into the folder given as the first argument
# (default: bin/mailpit-ui at the top of the repository). Only `make demo` and
# `make mailpit-ui` run this script, because it needs Node.js and npm, and the
# tests need only the HTTP API of the plain build by build.sh.
#
# The Go module of Mailpit contains the sources of the web page
# (server/ui-src) but not the JavaScript and CSS bundle that the binary embeds
# from server/ui/dist, because Mailpit's release build makes that bundle with
# npm and esbuild. This script does the same as that release build:
#
#   1. copies the module source from the Go module cache to OUT/build/src;
#   2. runs `npm ci` with the package-lock.json of that source, and then
#      `npm run package`, which writes the bundle to server/ui/dist;
#   3. builds the mailpit binary from the copy, with the dependency versions
#      of this folder's go.mod, and stamps the Mailpit version as build.sh
#      does.
#
# npm runs with --ignore-scripts, so no install script of a package can
# download anything. esbuild still works, because npm installs its native
# binary as the package @esbuild/linux-x64 (or the one for the platform).
# npm also runs with --omit=peer. The only peer dependencies in Mailpit
# v1.33.1's lock file are sass-embedded with its platform packages, which
# esbuild-sass-plugin loads only with its `embedded` option (Mailpit uses
# the plain `sass` package), and vue-eslint-parser, which only `npm run lint`
# uses. The locked sass-embedded 1.108.1 is missing from the npm registry
# that this project builds from, so installing the peers would fail.
#
# Mailpit's API documentation page (/api/v1/) is a separate bundle, docs.js,
# made of the rapidoc package. When the registry lacks the locked rapidoc
# version, the script removes rapidoc and builds only the web page's bundle,
# so the web page works and the API documentation page stays blank.
#
# Output in OUT: the binary `mailpit`, the stamp file `.mailpit.stamp`, which
# makes a second run with the same inputs return at once, and `build.log`,
# the output of npm and go. When a step fails, the script removes the old
# binary, writes a one-line reason to the file `failure` and exits with
# status 1.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
out=${1:-"$here/../../bin/mailpit-ui"}
mkdir -p "$out"
out=$(cd "$out" && pwd)

build_dir=$out/build
source_dir=$build_dir/src
log_file=$out/build.log
failure_file=$out/failure
stamp_file=$out/.mailpit.stamp
module=github.com/axllent/mailpit

# fail removes the binary and its stamp, so that the demo does not run an
# outdated binary, writes REASON to the failure file and to stderr and exits
# with status 1.
fail() {
	local reason=$1
	rm -f "$out/mailpit" "$stamp_file"
	printf '%s\n' "$reason" >"$failure_file"
	printf 'Mailpit web page build failed: %s\n' "$reason" >&2
	exit 1
}

# Any other failing command ends the build with its line number as the reason.
trap 'fail "the command on line $LINENO of $0 failed with exit status $?"' ERR

# run_step NAME COMMAND... runs COMMAND with its output appended to the log
# and fails with NAME when COMMAND fails. It prints how long COMMAND took.
run_step() {
	local name=$1 started=$SECONDS status=0
	shift
	printf '\n$ %s\n' "$*" >>"$log_file"
	"$@" >>"$log_file" 2>&1 || status=$?
	if ((status != 0)); then
		# npm warns about every package whose engines field requires a newer
		# Node.js, and these warnings bury the error.
		printf 'The last lines of %s without npm warnings:\n' "$log_file" >&2
		grep -v '^npm warn' "$log_file" | tail -n 20 >&2
		fail "$name failed with exit status $status; see $log_file"
	fi
	echo "  $name took $((SECONDS - started))s"
}

# remove_tree deletes a copy of module-cache files, which are read-only.
remove_tree() {
	if [[ -e $1 ]]; then
		chmod -R u+w "$1"
		rm -rf "$1"
	fi
}

# rapidoc_in_registry succeeds when the npm registry has rapidoc VERSION and
# fails when the registry returns 404 for it. Any other failure, such as an
# unreachable registry, ends the build.
rapidoc_in_registry() {
	local version=$1 output status=0
	output=$(npm view "rapidoc@$version" version --json 2>/dev/null) || status=$?
	printf '\n$ npm view rapidoc@%s version --json\n%s\n' "$version" "$output" >>"$log_file"
	if ((status == 0)); then
		return 0
	fi
	if [[ $output == *'"code": "E404"'* ]]; then
		return 1
	fi
	fail "querying the npm registry for rapidoc $version failed with exit status $status; see $log_file"
}

for tool in go node npm; do
	if ! command -v "$tool" >/dev/null; then
		fail "$tool is not installed, and building Mailpit's web page needs Node.js and npm"
	fi
done

mailpit_version=$(go -C "$here" list -m -f '{{.Version}}' "$module")
stamp="mailpit=$mailpit_version go=$(go env GOVERSION) node=$(node --version)"
stamp+=" sum=$(sha256sum "$here/go.sum" | cut -c1-16) script=$(sha256sum "${BASH_SOURCE[0]}" | cut -c1-16)"

if [[ -f $stamp_file && "$(cat "$stamp_file")" == "$stamp" && -x $out/mailpit ]]; then
	echo "Mailpit with its web page is current in $out ($stamp)"
	exit 0
fi

echo "Building mailpit with its web page ($stamp) into $out; npm and go output go to $log_file"
rm -f "$stamp_file" "$out/mailpit" "$failure_file"
: >"$log_file"

go -C "$here" mod download "$module"
module_dir=$(go -C "$here" list -m -f '{{.Dir}}' "$module")
if [[ ! -f $module_dir/package-lock.json ]]; then
	fail "the module source of $module@$mailpit_version has no package-lock.json (looked in '$module_dir')"
fi

remove_tree "$build_dir"
mkdir -p "$build_dir"
cp -R "$module_dir" "$source_dir"
chmod -R u+w "$source_dir"

cd "$source_dir"
npm_flags=(--ignore-scripts --no-audit --no-fund)
bundles=(server/ui/dist/app.js server/ui/dist/app.css server/ui/dist/docs.js)
rapidoc_version=$(node -p 'require("./package-lock.json").packages["node_modules/rapidoc"]?.version ?? ""')
if [[ -n $rapidoc_version ]] && ! rapidoc_in_registry "$rapidoc_version"; then
	echo "  rapidoc $rapidoc_version is not in the npm registry, so Mailpit's API documentation page (/api/v1/) stays blank"
	run_step "npm uninstall rapidoc" npm uninstall rapidoc --package-lock-only "${npm_flags[@]}"
	sed -i 's|"server/ui-src/app.js", "server/ui-src/docs.js"|"server/ui-src/app.js"|' esbuild.config.mjs
	if grep -q 'server/ui-src/docs.js' esbuild.config.mjs; then
		fail "removing the entry point server/ui-src/docs.js from $source_dir/esbuild.config.mjs failed, because its entryPoints line has changed"
	fi
	bundles=(server/ui/dist/app.js server/ui/dist/app.css)
fi

run_step "npm ci" npm ci --omit=peer "${npm_flags[@]}"
run_step "npm run package" npm run package
for file in "${bundles[@]}"; do
	[[ -s $file ]] || fail "npm run package did not write $file; see $log_file"
done

# The build module uses this folder's go.mod and go.sum with the copy in
# place of the Mailpit module, so it builds the same dependency versions as
# build.sh.
cp "$here/go.mod" "$here/go.sum" "$build_dir/"
go -C "$build_dir" mod edit -replace "$module=./src"
run_step "go build" env CGO_ENABLED=0 go -C "$build_dir" build -trimpath \
	-ldflags "-s -w -X $module/config.Version=$mailpit_version" \
	-o "$out/mailpit" "$module"

echo "$stamp" >"$stamp_file"
# --no-release-check keeps the version command from asking the internet for
# the latest release.
echo "Built $("$out/mailpit" version --no-release-check) with its web page"
