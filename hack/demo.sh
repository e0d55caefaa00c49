#!/usr/bin/env bash
# Runs the overdue-operator demo on this machine, without a cluster and
# without a container engine, and stops everything on Ctrl-C:
#
#   1. a local control plane (etcd and kube-apiserver from bin/k8s, on random
#      free ports of 127.0.0.1) with the CRDs installed, by hack/localcluster;
#   2. Mailpit, which catches the emails: SMTP on 127.0.0.1:1025, web page
#      and HTTP API on 127.0.0.1:8025;
#   3. the demo data of hack/demodata: two namespaces with a
#      CollectionPolicy each and about 200 SaleOrders with their invoices;
#   4. the manager (bin/manager), which computes the risk levels and emails
#      the salespeople through Mailpit. Its health probes listen on
#      127.0.0.1:8081 and its metrics endpoint is off.
#
# `make demo` builds bin/k8s, bin/mailpit and bin/manager first, tries to
# build Mailpit with its web page into bin/mailpit-ui, and then runs this
# script from the top of the repository. Logs, the kubeconfig and the
# applied YAML go to bin/demo/.
#
# Environment variables:
#   DEMO_SMTP_PORT   Mailpit's SMTP port on 127.0.0.1 (default 1025)
#   DEMO_HTTP_PORT   Mailpit's web page and API port on 127.0.0.1 (default 8025)
#   DEMO_PROBE_PORT  the manager's /healthz and /readyz port on 127.0.0.1 (default 8081)
#   DEMO_SEED        seed of the demo data (default 1)
#   DEMO_TIMEOUT     seconds to wait for the risk levels and the emails (default 180)
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

demo_dir=$root/bin/demo
kubectl=$root/bin/k8s/kubectl
kubeconfig=$demo_dir/kubeconfig
pid_file=$demo_dir/pids

smtp_port=${DEMO_SMTP_PORT:-1025}
http_port=${DEMO_HTTP_PORT:-8025}
probe_port=${DEMO_PROBE_PORT:-8081}
seed=${DEMO_SEED:-1}
timeout=${DEMO_TIMEOUT:-180}
mailpit_url=http://127.0.0.1:$http_port
# Mailpit with its web page, which hack/mailpit/build-ui.sh builds with npm.
mailpit_ui_dir=bin/mailpit-ui

# The processes that this script started, by name, in start order.
declare -A pids=()
started=()
# etcd and kube-apiserver, children of localcluster, recorded so that the
# stop can check that they are gone.
control_plane_pids=()

log() { printf '%s\n' "$*"; }
fail() {
	printf 'demo: %s\n' "$*" >&2
	exit 1
}

# port_in_use succeeds when something accepts connections on 127.0.0.1:$1.
port_in_use() {
	(: <"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# http_ok succeeds when the URL returns a 2xx status.
http_ok() {
	curl --silent --fail --max-time 2 --output /dev/null "$1"
}

# start NAME LOG COMMAND... runs COMMAND in the background in a session of
# its own, so that a Ctrl-C in the terminal reaches only this script, which
# then stops the processes in order: the manager first, the control plane
# last.
start() {
	local name=$1 logfile=$2
	shift 2
	setsid "$@" >"$logfile" 2>&1 &
	pids[$name]=$!
	started+=("$name")
	printf '%s %s\n' "$name" "${pids[$name]}" >>"$pid_file"
}

# check_running fails with the end of NAME's log when NAME has exited.
check_running() {
	local name=$1 logfile=$2
	if ! kill -0 "${pids[$name]}" 2>/dev/null; then
		log "demo: $name exited unexpectedly. The last lines of $logfile:" >&2
		tail -n 20 "$logfile" >&2
		exit 1
	fi
}

# stop_process NAME SECONDS sends SIGTERM and waits up to SECONDS for the
# process to exit, then kills it.
stop_process() {
	local name=$1 seconds=$2 pid=${pids[$1]:-}
	[[ -n $pid ]] || return 0
	kill -0 "$pid" 2>/dev/null || return 0
	kill -TERM "$pid" 2>/dev/null || true
	local deadline=$((SECONDS + seconds))
	while kill -0 "$pid" 2>/dev/null; do
		if ((SECONDS >= deadline)); then
			log "demo: $name (PID $pid) did not stop within ${seconds}s, killing it" >&2
			kill -KILL "$pid" 2>/dev/null || true
			break
		fi
		sleep 0.2
	done
	wait "$pid" 2>/dev/null || true
	log "Stopped $name (PID $pid)"
}

# cleanup stops every process that the script started, newest first, and
# checks that none is left.
cleanup() {
	local status=$?
	# A second Ctrl-C must not cut the stop short.
	trap '' INT TERM HUP
	((${#started[@]} > 0)) || exit "$status"

	log ""
	log "Stopping the demo"
	stop_process manager 40
	stop_process mailpit 10
	stop_process localcluster 90

	local left=()
	for pid in "${pids[@]}" "${control_plane_pids[@]}"; do
		if kill -0 "$pid" 2>/dev/null; then
			left+=("$pid")
		fi
	done
	if ((${#left[@]} > 0)); then
		log "demo: processes still running after the stop, killing them: ${left[*]}" >&2
		kill -KILL "${left[@]}" 2>/dev/null || true
		status=1
	else
		log "All demo processes have stopped: ${started[*]}, etcd and kube-apiserver"
	fi
	rm -f "$pid_file"
	exit "$status"
}

# check_leftovers fails when a demo that was killed without its cleanup
# left processes behind.
check_leftovers() {
	[[ -f $pid_file ]] || return 0
	local name pid alive=()
	while read -r name pid; do
		if kill -0 "$pid" 2>/dev/null && grep -q "$name" "/proc/$pid/cmdline" 2>/dev/null; then
			alive+=("$name=$pid")
		fi
	done <"$pid_file"
	if ((${#alive[@]} > 0)); then
		fail "an earlier demo is still running (${alive[*]}): press Ctrl-C in its terminal, or stop the processes with kill and these PIDs"
	fi
	rm -f "$pid_file"
}

# find_mailpit sets mailpit_binary to the Mailpit with its web page when
# hack/mailpit/build-ui.sh has built it, and to the API-only bin/mailpit
# otherwise. In that case web_page_missing gets the reason.
find_mailpit() {
	mailpit_binary=bin/mailpit
	web_page_missing=""
	if [[ -x $mailpit_ui_dir/mailpit ]]; then
		mailpit_binary=$mailpit_ui_dir/mailpit
	elif [[ -s $mailpit_ui_dir/failure ]]; then
		web_page_missing="building it failed: $(cat "$mailpit_ui_dir/failure")"
	else
		web_page_missing="bin/mailpit lacks its JavaScript bundle, which hack/mailpit/build-ui.sh builds with npm"
	fi
}

# count_levels prints "None N, Low N, Medium N, High N" for the SaleOrders
# that have a level, and the number of orders without one as "pending N".
count_levels() {
	"$kubectl" get saleorders --all-namespaces \
		-o jsonpath='{range .items[*]}{.status.riskLevel}{"\n"}{end}' |
		awk '{ n[$1 == "" ? "pending" : $1]++ }
			END { printf "None %d, Low %d, Medium %d, High %d, pending %d\n", n["None"], n["Low"], n["Medium"], n["High"], n["pending"] }'
}

# mailpit_total prints the number of messages that Mailpit stores.
mailpit_total() {
	curl --silent --fail --max-time 5 "$mailpit_url/api/v1/messages?limit=1" |
		grep -o '"total":[0-9]*' | cut -d: -f2
}

main() {
	trap 'exit 130' INT
	trap 'exit 143' TERM
	trap 'exit 129' HUP
	trap cleanup EXIT

	for tool in curl setsid awk; do
		command -v "$tool" >/dev/null || fail "$tool is required but not installed"
	done
	for binary in "$kubectl" bin/k8s/etcd bin/k8s/kube-apiserver bin/mailpit bin/manager; do
		[[ -x $binary ]] || fail "$binary is missing: run 'make demo', which builds it"
	done

	mkdir -p "$demo_dir"
	check_leftovers
	for port in "$smtp_port" "$http_port" "$probe_port"; do
		if port_in_use "$port"; then
			fail "port 127.0.0.1:$port is in use; stop what listens there, or choose other ports with DEMO_SMTP_PORT, DEMO_HTTP_PORT and DEMO_PROBE_PORT"
		fi
	done

	log "Building the local control plane launcher and the demo data generator"
	go build -o bin/localcluster ./hack/localcluster
	go build -o bin/demodata ./hack/demodata

	log "Starting etcd and kube-apiserver on 127.0.0.1 (logs in bin/demo/)"
	rm -f "$kubeconfig"
	start localcluster "$demo_dir/localcluster.log" \
		bin/localcluster --kubeconfig "$kubeconfig" --log-dir "$demo_dir"
	local deadline=$((SECONDS + 120))
	until grep -q '^ready' "$demo_dir/localcluster.log" 2>/dev/null && [[ -f $kubeconfig ]]; do
		check_running localcluster "$demo_dir/localcluster.log"
		((SECONDS < deadline)) || fail "the control plane was not ready within 120s; see bin/demo/localcluster.log"
		sleep 0.5
	done
	mapfile -t control_plane_pids < <(pgrep -P "${pids[localcluster]}" || true)
	export KUBECONFIG=$kubeconfig
	grep '^ready' "$demo_dir/localcluster.log" | sed 's/^ready: /Control plane ready: /'

	find_mailpit
	log "Starting Mailpit ($mailpit_binary): SMTP on 127.0.0.1:$smtp_port, HTTP on $mailpit_url"
	rm -f "$demo_dir"/mailpit.db*
	start mailpit "$demo_dir/mailpit.log" \
		"$mailpit_binary" --smtp "127.0.0.1:$smtp_port" --listen "127.0.0.1:$http_port" \
		--database "$demo_dir/mailpit.db" --disable-version-check --smtp-disable-rdns \
		--block-remote-css-and-fonts
	deadline=$((SECONDS + 30))
	until http_ok "$mailpit_url/readyz"; do
		check_running mailpit "$demo_dir/mailpit.log"
		((SECONDS < deadline)) || fail "Mailpit was not ready within 30s; see bin/demo/mailpit.log"
		sleep 0.5
	done

	log "Generating and applying the demo data (seed $seed)"
	# The due dates are relative to the current date in each policy's time
	# zone, because the manager computes the levels with the real clock.
	bin/demodata --seed "$seed" --output "$demo_dir/demodata.yaml" 2>"$demo_dir/demodata-summary.txt" ||
		fail "generating the demo data failed: $(cat "$demo_dir/demodata-summary.txt")"
	sed 's/^/  /' "$demo_dir/demodata-summary.txt"
	"$kubectl" apply --server-side --field-manager=overdue-demo -f "$demo_dir/demodata.yaml" >"$demo_dir/apply.log" ||
		fail "applying the demo data failed; see bin/demo/apply.log"
	log "  Applied $(wc -l <"$demo_dir/apply.log") objects"

	log "Starting the manager (health probes on 127.0.0.1:$probe_port)"
	start manager "$demo_dir/manager.log" \
		bin/manager --smtp-address "127.0.0.1:$smtp_port" --smtp-from "Overdue demo <overdue-demo@example.com>" \
		--smtp-tls none --metrics-bind-address 0 --health-probe-bind-address "127.0.0.1:$probe_port"
	deadline=$((SECONDS + 60))
	until http_ok "http://127.0.0.1:$probe_port/readyz"; do
		check_running manager "$demo_dir/manager.log"
		((SECONDS < deadline)) || fail "the manager was not ready within 60s; see bin/demo/manager.log"
		sleep 0.5
	done

	log "Waiting until every SaleOrder has a risk level"
	local counts
	deadline=$((SECONDS + timeout))
	while true; do
		check_running manager "$demo_dir/manager.log"
		# A failed request is retried on the next round.
		counts=$(count_levels) || counts="unavailable"
		[[ $counts == *", pending 0" ]] && break
		((SECONDS < deadline)) || fail "not every SaleOrder had a risk level after ${timeout}s ($counts); see bin/demo/manager.log"
		sleep 2
	done
	counts=${counts%, pending 0}
	local expected
	expected=$(sed -n 's/^Expected risk levels: //p' "$demo_dir/demodata-summary.txt")
	log "  Risk levels: $counts"
	if [[ $counts != "$expected" ]]; then
		log "demo: warning: the generator expected $expected" >&2
	fi

	# Every order that reaches a level above None sends one email.
	local want_emails have_emails
	want_emails=$(awk -F', ' '{ total = 0; for (i = 2; i <= NF; i++) { split($i, p, " "); total += p[2] } print total }' <<<"$counts")
	log "Waiting for the $want_emails emails in Mailpit"
	deadline=$((SECONDS + timeout))
	while true; do
		check_running manager "$demo_dir/manager.log"
		have_emails=$(mailpit_total || echo 0)
		((have_emails >= want_emails)) && break
		if ((SECONDS >= deadline)); then
			log "demo: warning: Mailpit has $have_emails emails after ${timeout}s, expected $want_emails. See bin/demo/manager.log" >&2
			break
		fi
		sleep 2
	done
	log "  Mailpit caught $have_emails emails"

	local web_page="open $mailpit_url/ in a browser"
	if ! http_ok "$mailpit_url/dist/app.js"; then
		web_page="not available, because ${web_page_missing:-$mailpit_binary returned an error for /dist/app.js}. Use the API"
	fi

	cat <<EOF

ready

  export KUBECONFIG=$kubeconfig

Try:
  bin/k8s/kubectl get collectionpolicies --all-namespaces
  bin/k8s/kubectl get saleorders -n sales-eu --sort-by=.status.overdueDays
  bin/k8s/kubectl describe saleorder so-eu-0001 -n sales-eu

Read the caught emails:
  curl -s '$mailpit_url/api/v1/messages?limit=5'     # the newest five, as JSON
  curl -s $mailpit_url/view/latest.txt                # the newest one, as plain text
  Web page: $web_page

Logs are in bin/demo/. Press Ctrl-C to stop everything.
EOF

	# Wake up every second, so that a crashed process ends the demo and a
	# Ctrl-C runs the trap without waiting for a long sleep.
	while true; do
		for name in "${started[@]}"; do
			check_running "$name" "$demo_dir/$name.log"
		done
		sleep 1 &
		wait $! || true
	done
}

main "$@"
