#!/bin/bash
# tests/bench/startup.sh: the CPU a process started per connection (inetd,
# systemd Accept=yes) spends before the first client byte, per build and
# key type: perf stat -r N of
#   pgstunnel --cert C --key K --upstream 127.0.0.1:9 </dev/null
# (everything from execve() to the read of the client, which finds end of
# file at once, and the log line that says so), next to --version (the
# cost of exec alone).
#
# Usage: startup.sh LABEL=BINARY...   (e.g. dynamic=./pgstunnel
#        static=build/pgstunnel-static-musl)
# Environment: STARTUP_RUNS (default 200), CERTS (default certs/).
# Output: one line a measurement, "LABEL<TAB>WHAT<TAB>MS", WHAT one of
# ecdsa, rsa, version; task-clock milliseconds, the mean of the runs.
set -u
REPO=$(cd "$(dirname "$0")/../.." && pwd)
CERTS=${CERTS:-$REPO/certs}
RUNS=${STARTUP_RUNS:-200}

command -v perf >/dev/null || {
	echo "startup.sh: needs perf (Debian: linux-perf)" >&2
	exit 2
}
[ "$#" -gt 0 ] || {
	echo "usage: startup.sh LABEL=BINARY..." >&2
	exit 2
}
out=$(mktemp)
trap 'rm -f "$out"' EXIT

# task_ms ARGS...: mean task-clock of RUNS runs of ARGS, in ms. perf's
# CSV prints the value itself with two decimals; its fifth field, the
# time the counter ran (for task-clock the same quantity), is in ns.
task_ms() {
	perf stat -r "$RUNS" -x, -e task-clock -o "$out" "$@" </dev/null \
	    >/dev/null 2>&1 || return 1
	awk -F, '$3 == "task-clock" { printf "%.3f\n", $5 / 1e6 }' "$out"
}

for spec in "$@"; do
	label=${spec%%=*}
	bin=${spec#*=}
	[ -x "$bin" ] || {
		echo "startup.sh: $bin: not an executable" >&2
		exit 2
	}
	for what in ecdsa rsa version; do
		case $what in
		ecdsa) args=(--cert "$CERTS/server.crt" --key "$CERTS/server.key") ;;
		rsa) args=(--cert "$CERTS/server-rsa.crt" --key "$CERTS/server-rsa.key") ;;
		version) args=(--version) ;;
		esac
		[ "$what" = version ] || args+=(--upstream 127.0.0.1:9 --log stderr)
		ms=$(task_ms "$bin" "${args[@]}") || {
			echo "startup.sh: perf stat of $bin failed" >&2
			exit 1
		}
		printf '%s\t%s\t%s\n' "$label" "$what" "$ms"
	done
done
