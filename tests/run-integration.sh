#!/bin/bash
# run-integration.sh: run the integration tests against a real PostgreSQL.
#
# Usage: tests/run-integration.sh [-j N] [PATTERN]
#   Runs every tests/integration/[0-9][0-9]-*.sh whose name contains
#   PATTERN (a shell glob: "3?-", "x[in]"...), N at a time (default:
#   PGST_JOBS or 4), each with a timeout of PGST_TEST_TIMEOUT seconds
#   (default 180; twice that for tests 80-99, which run alone). A test's
#   output is shown only when it fails (a note it passes is shown). The last
#   line is "integration: N passed, N failed"; the exit status is non-zero
#   when a test failed. Must run as root (PostgreSQL via runuser, xinetd).
#
# Environment:
#   PGSTUNNEL_ASAN=1  test build/asan/pgstunnel (make asan), or the binary
#                     in PGSTUNNEL_ASAN_BIN. Sanitizer reports go to files
#                     (stderr may be the client socket); a test after which
#                     any report exists fails, and the report is printed.
#   PGSTUNNEL_VALGRIND=1  run the valgrind subset (VALGRIND_TESTS below, and
#                     PATTERN if given) with PGSTUNNEL a wrapper script that
#                     execs memcheck on ./pgstunnel (or PGSTUNNEL_VALGRIND_BIN):
#                     --error-exitcode=99 --leak-check=full
#                     --errors-for-leak-kinds=definite, one log file per
#                     process; a test after which any log is not empty
#                     fails, and the log is printed. psql_tls waits up to
#                     PGST_CONNECT_TIMEOUT (default 30 here) to connect,
#                     start_listen PGST_START_TIMEOUT (60); 2 tests at a
#                     time unless -j or PGST_JOBS says otherwise.
#   PGSTUNNEL_EMULATOR="qemu-ARCH-static [-L DIR]"  run the emulation
#                     subset (EMULATED_TESTS below, and PATTERN if given)
#                     against PGSTUNNEL, a cross-built binary, through a
#                     wrapper script that execs it under the emulator with
#                     --sandbox off (qemu-user cannot install the seccomp
#                     filter). psql_tls waits up to PGST_CONNECT_TIMEOUT
#                     (default 30 here). Used by make check-cross.
#   PGSTUNNEL=PATH    the binary for a plain run (default: ./pgstunnel).
#   PGST_KEEP_TMP=1   keep each test's temporary directory.
#
# The tests themselves use tests/lib.sh (see there) and tests/pgwire.py.

set -u

REPO=$(cd "$(dirname "$0")/.." && pwd)
export REPO
jobs=${PGST_JOBS:-4}
[ "${PGSTUNNEL_VALGRIND:-0}" = 1 ] && jobs=${PGST_JOBS:-2}
timeout=${PGST_TEST_TIMEOUT:-180}

while [ $# -gt 0 ]; do
	case $1 in
	-j) jobs=${2:?-j needs a number}; shift 2 ;;
	-j*) jobs=${1#-j}; shift ;;
	-h|--help) sed -n '3,/^$/s/^# \{0,1\}//p' "$0"; exit 0 ;;
	--) shift; break ;;
	-*) echo "run-integration: unknown option $1" >&2; exit 2 ;;
	*) break ;;
	esac
done
pattern=${1:-}
case $jobs in
''|*[!0-9]*|0) echo "run-integration: -j needs a positive number" >&2; exit 2 ;;
esac

# The valgrind subset: tests that find pgstunnel by port or log, not by
# its executable, and pass under memcheck's slowdown (a session takes
# about a second to start).
VALGRIND_TESTS=(10-verify-full-socat 12-listen 31-upstream-down 34-direct-tls
	33-pre-tls-probes 35-upstream-tls 37-repeated-requests 40-copy-20mb
	50-client-cert 51-client-cert-crl 60-config-file)

# The emulation subset: a session per connection (socat EXEC) and under
# --listen, and 20 MB both ways, byte for byte.
EMULATED_TESTS=(10-verify-full-socat 12-listen 40-copy-20mb)

mode=plain
n=0
[ "${PGSTUNNEL_VALGRIND:-0}" = 1 ] && n=$((n + 1))
[ "${PGSTUNNEL_ASAN:-0}" = 1 ] && n=$((n + 1))
[ -n "${PGSTUNNEL_EMULATOR:-}" ] && n=$((n + 1))
if [ "$n" -gt 1 ]; then
	echo "run-integration: PGSTUNNEL_VALGRIND, PGSTUNNEL_ASAN and PGSTUNNEL_EMULATOR exclude each other" >&2
	exit 2
fi
if [ -n "${PGSTUNNEL_EMULATOR:-}" ]; then
	mode=emulated
	PGSTUNNEL=${PGSTUNNEL:?PGSTUNNEL_EMULATOR needs PGSTUNNEL, the cross-built binary}
	export PGST_CONNECT_TIMEOUT=${PGST_CONNECT_TIMEOUT:-30}
elif [ "${PGSTUNNEL_VALGRIND:-0}" = 1 ]; then
	mode=valgrind
	PGSTUNNEL=${PGSTUNNEL_VALGRIND_BIN:-$REPO/pgstunnel}
	VALGRIND=$(command -v valgrind) || {
		echo "run-integration: PGSTUNNEL_VALGRIND=1 needs valgrind" >&2
		echo "integration: 0 passed, 1 failed"
		exit 1
	}
elif [ "${PGSTUNNEL_ASAN:-0}" = 1 ]; then
	mode=asan
	# Not $PGSTUNNEL: one exported for a plain run must not slip in here.
	PGSTUNNEL=${PGSTUNNEL_ASAN_BIN:-$REPO/build/asan/pgstunnel}
else
	PGSTUNNEL=${PGSTUNNEL:-$REPO/pgstunnel}
fi
export PGSTUNNEL
export CERTS=${CERTS:-$REPO/certs}

if [ "$(id -u)" -ne 0 ]; then
	echo "run-integration: must run as root (PostgreSQL runs as postgres via runuser; xinetd)" >&2
	exit 2
fi
if [ ! -x "$PGSTUNNEL" ]; then
	hint="make"
	[ "$mode" = asan ] && hint="make asan"
	echo "run-integration: no executable $PGSTUNNEL (run $hint)" >&2
	echo "integration: 0 passed, 1 failed"
	exit 1
fi
if [ ! -r "$CERTS/server.crt" ]; then
	"$REPO/certs/mkcerts.sh" "$CERTS" || exit 1
fi

RUN_TMP=$(mktemp -d "${TMPDIR:-/tmp}/pgst-run.XXXXXX")
chmod 0755 "$RUN_TMP"
trap 'rm -rf "$RUN_TMP"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

tests=()
for t in "$REPO"/tests/integration/[0-9][0-9]-*.sh; do
	[ -e "$t" ] || continue
	if [ "$mode" = valgrind ]; then
		case " ${VALGRIND_TESTS[*]} " in
		*" $(basename "$t" .sh) "*) ;;
		*) continue ;;
		esac
	fi
	if [ "$mode" = emulated ]; then
		case " ${EMULATED_TESTS[*]} " in
		*" $(basename "$t" .sh) "*) ;;
		*) continue ;;
		esac
	fi
	# shellcheck disable=SC2254 # PATTERN is a glob on purpose
	case $(basename "$t") in
	*$pattern*) tests+=("$t") ;;
	esac
done
if [ ${#tests[@]} -eq 0 ]; then
	echo "run-integration: no test matches [$pattern]" >&2
	echo "integration: 0 passed, 0 failed"
	exit 1
fi

echo "integration ($mode): ${#tests[@]} tests against $PGSTUNNEL${PGSTUNNEL_EMULATOR:+ under $PGSTUNNEL_EMULATOR}, $jobs at a time"

if [ "$mode" = emulated ]; then
	# One wrapper for the run: the emulator, the binary, --sandbox off.
	printf '#!/bin/sh\nexec %s '\''%s'\'' --sandbox off "$@"\n' \
	    "$PGSTUNNEL_EMULATOR" "$PGSTUNNEL" >"$RUN_TMP/pgstunnel-emulated"
	chmod 0755 "$RUN_TMP/pgstunnel-emulated"
	export PGSTUNNEL=$RUN_TMP/pgstunnel-emulated
fi

# One initdb for the whole run; each test's pg_start copies it.
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
mkdir "$RUN_TMP/pg"
chown postgres: "$RUN_TMP/pg"
if runuser -u postgres -- "$PGBIN/initdb" -N -A trust -U postgres \
    -D "$RUN_TMP/pg/template" >"$RUN_TMP/initdb.log" 2>&1; then
	export PGST_PG_TEMPLATE=$RUN_TMP/pg/template
else
	echo "run-integration: initdb failed; each test runs its own:" >&2
	cat "$RUN_TMP/initdb.log" >&2
fi

# Ports: each test has its own block of PORT_BLOCK ports, which lib.sh's
# free_port hands out in order, so tests running side by side never take
# the same one. A run holds one of 8 slots of 2,500 ports (10000-29999,
# below the ephemeral ports) by a lock for as long as it runs, so two runs
# at once (a CI and a developer's, say) do not share ports either.
PORT_BLOCK=32
port_base=
ephemeral=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null)
if [ $((${#tests[@]} * PORT_BLOCK)) -le 2500 ]; then
	for slot in 0 1 2 3 4 5 6 7; do
		[ $((10000 + (slot + 1) * 2500)) -le "${ephemeral:-32768}" ] || break
		exec {port_lock}>"${TMPDIR:-/tmp}/pgstunnel-test-ports.$slot"
		if flock -n "$port_lock"; then
			port_base=$((10000 + slot * 2500))
			break
		fi
		exec {port_lock}>&-
	done
fi
[ -n "$port_base" ] || echo "run-integration: no port slot free; random ports" >&2

# run_one TEST INDEX: run in the background; leaves $RUN_TMP/NAME.{log,rc,secs}.
run_one() {
	local t=$1 name start rc sandir limit_s=$timeout
	if [ -n "$port_base" ]; then
		# The tests do not inherit the lock (the run holds it).
		exec {port_lock}>&-
		export PGST_PORT_BLOCK="$((port_base + $2 * PORT_BLOCK)) $((port_base + ($2 + 1) * PORT_BLOCK))"
	fi
	name=$(basename "$t" .sh)
	# A heavy test's stages have deadlines that scale with its load.
	is_heavy "$t" && limit_s=$((2 * timeout))
	start=$(date +%s.%N)
	(
		if [ "$mode" = asan ]; then
			# World-writable like /tmp: pgstunnel may drop privileges.
			sandir=$RUN_TMP/$name.san
			mkdir -m 1777 "$sandir"
			export ASAN_OPTIONS="log_path=$sandir/asan:halt_on_error=1:detect_leaks=1:abort_on_error=0"
			export UBSAN_OPTIONS="log_path=$sandir/ubsan:halt_on_error=1:print_stacktrace=1"
		fi
		if [ "$mode" = valgrind ]; then
			# A wrapper per test, so that its logs stay apart.
			# --sandbox off: memcheck makes the guest's system
			# calls itself, and its own ones too, which the seccomp
			# filter would kill.
			vgdir=$RUN_TMP/$name.vg
			mkdir -m 1777 "$vgdir"
			printf '#!/bin/sh\nexec '\''%s'\'' --quiet --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite '\''--log-file=%s/vg.%%p'\'' '\''%s'\'' --sandbox off "$@"\n' \
			    "$VALGRIND" "$vgdir" "$PGSTUNNEL" >"$RUN_TMP/$name.pgstunnel"
			chmod 0755 "$RUN_TMP/$name.pgstunnel"
			export PGSTUNNEL=$RUN_TMP/$name.pgstunnel
			# Each session starts a valgrind: seconds, not milliseconds.
			export PGST_CONNECT_TIMEOUT=${PGST_CONNECT_TIMEOUT:-30}
			export PGST_START_TIMEOUT=${PGST_START_TIMEOUT:-60}
		fi
		cd "$REPO" || exit 1
		exec timeout -k 10 "$limit_s" bash "$t"
	) >"$RUN_TMP/$name.log" 2>&1 </dev/null
	rc=$?
	[ "$rc" -eq 124 ] && echo "run-integration: $name timed out after $limit_s s" \
	    >>"$RUN_TMP/$name.log"
	echo "$rc" >"$RUN_TMP/$name.rc"
	echo "$start $(date +%s.%N)" |
	    awk '{ printf "%.1f\n", $2 - $1 }' >"$RUN_TMP/$name.secs.tmp"
	mv "$RUN_TMP/$name.secs.tmp" "$RUN_TMP/$name.secs"
}

# report TEST: print the outcome of a finished test; count it.
passed=0
failed=0
failed_names=()
report() {
	local name rc secs f note
	name=$(basename "$1" .sh)
	rc=$(cat "$RUN_TMP/$name.rc")
	secs=$(cat "$RUN_TMP/$name.secs")
	local sanlogs=()
	if [ -d "$RUN_TMP/$name.san" ]; then
		for f in "$RUN_TMP/$name.san"/*; do
			[ -e "$f" ] && sanlogs+=("$f")
		done
	fi
	if [ -d "$RUN_TMP/$name.vg" ]; then
		# memcheck with --quiet writes nothing unless it found an error.
		for f in "$RUN_TMP/$name.vg"/vg.*; do
			[ -s "$f" ] && sanlogs+=("$f")
		done
	fi
	if [ "$rc" -eq 0 ] && [ ${#sanlogs[@]} -eq 0 ]; then
		# "pass_with NOTE" in a test: the note follows its PASS line.
		note=$(sed -n 's/^.*: PASS (\(.*\))$/  (\1)/p' "$RUN_TMP/$name.log" | tail -1)
		printf 'PASS  %-40s %6ss%s\n' "$name" "$secs" "$note"
		passed=$((passed + 1))
		return
	fi
	failed=$((failed + 1))
	failed_names+=("$name")
	printf 'FAIL  %-40s %6ss (exit %s)\n' "$name" "$secs" "$rc"
	sed 's/^/    | /' "$RUN_TMP/$name.log"
	for f in "${sanlogs[@]}"; do
		if [ "$mode" = valgrind ]; then
			echo "    valgrind report $(basename "$f"):"
		else
			echo "    sanitizer report $(basename "$f"):"
		fi
		sed 's/^/    ! /' "$f"
	done
}

# Load and fault tests (80-99) run alone: they measure deadlines and
# count processes, which other tests' load would blur.
is_heavy() {
	case $(basename "$1") in [89][0-9]-*) return 0 ;; esac
	return 1
}

start_all=$(date +%s)
running=()
index=0
for t in "${tests[@]}"; do
	limit=$jobs
	is_heavy "$t" && limit=1
	# Nothing starts beside a heavy test either.
	for r in "${running[@]}"; do is_heavy "$r" && limit=1; done
	while [ ${#running[@]} -ge "$limit" ]; do
		wait -n
		still=()
		for r in "${running[@]}"; do
			if [ -e "$RUN_TMP/$(basename "$r" .sh).secs" ]; then
				report "$r"
			else
				still+=("$r")
			fi
		done
		running=("${still[@]}")
	done
	run_one "$t" "$index" &
	index=$((index + 1))
	running+=("$t")
done
wait
for r in "${running[@]}"; do
	report "$r"
done

if [ "$failed" -gt 0 ]; then
	echo "failed: ${failed_names[*]}"
fi
echo "($mode run took $(($(date +%s) - start_all)) s)"
echo "integration: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
