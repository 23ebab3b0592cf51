#!/bin/bash
# tests/bench/run.sh (make bench): pgstunnel against its peers, in front of
# one PostgreSQL 15 on loopback, and one Markdown table with ratios.
#
# Paths (all to the same PostgreSQL, all on 127.0.0.1):
#   A   plaintext, direct to PostgreSQL (the ceiling)
#   B   PostgreSQL's own TLS (ssl=on, certs/server.crt + server.key)
#   C   stunnel4 daemon (protocol = pgsql, one process, a thread a connection)
#   D   stunnel4 in inetd mode, one per connection: socat ... EXEC:stunnel4
#   E   pgstunnel under socat EXEC: (a socketpair; socat relays every byte)
#   E2  pgstunnel under systemd-socket-activate --accept (the socket itself)
#   F   pgstunnel --listen (fork per connection)
# TLS paths use the same ECDSA P-256 certificate and sslmode=require; A uses
# sslmode=disable.
#
# Measured per path, medians of BENCH_RUNS runs, interleaved (A B C D E E2
# F, then again): connection setup (pgbench -C -S TPS), steady state
# (pgbench -S TPS), COPY out / COPY in MB/s through psql, VmHWM and
# Private_Dirty of the process serving one open session. Once: CPU per
# connection of pgstunnel --listen children with ECDSA and RSA keys,
# CPU per connection of every process on the machine through E2 and F
# (perf record -a: pgstunnel, its launcher, PostgreSQL, pgbench),
# start-up CPU before the first byte of a process started per connection
# (tests/bench/startup.sh, per build and key type), syscalls
# per steady-state transaction (strace -c -f), binary sizes (dynamic, and
# make STATIC=1 stripped, built in a temporary copy), VmHWM/Private_Dirty
# of the static binary. A correctness pass first checks that data comes
# through every path byte for byte.
#
# Environment:
#   BENCH_QUICK=1        1 run, 3 s pgbench, 100 MB COPY out, 50 MB COPY in,
#                        100 handshakes (else 500), 2000 strace'd
#                        transactions (else 20000)
#   BENCH_ONLY="A F"     only these paths (the extras follow F and E2)
#   BENCH_RUNS, BENCH_SECONDS, BENCH_COPY_OUT_ROWS, BENCH_COPY_IN_ROWS,
#   BENCH_HANDSHAKES, BENCH_SYSCALL_TXNS   override the sizes
#   BENCH_E2=ssa|socat-nofork  E2's launcher: systemd-socket-activate
#                        --accept (default) or socat EXEC:...,nofork
#   BENCH_QUIET_WAIT=S   before each path's run, wait up to S seconds for
#                        other work on the machine to use < 15% CPU
#   BENCH_RETRIES=N      repeat a path's run disturbed by other work on the
#                        machine up to N times (default 2)
#   BENCH_DISTURBED=X    "disturbed": on average more than X runnable
#                        processes not ours during it (default 0.20)
#   BENCH_OUT=DIR        where results.md and raw.tsv go (default build/bench)
#   PGST_KEEP_TMP=1      keep the temporary directory
# Output: the table on stdout and in build/bench/results.md; every single
# figure in build/bench/raw.tsv; failures in build/bench/errors.log.

# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$(dirname "$0")/../lib.sh"
TEST_NAME=bench
BENCH_DIR=$REPO/tests/bench

# ---------------------------------------------------------------- settings

if [ "${BENCH_QUICK:-0}" = 1 ]; then
	RUNS=${BENCH_RUNS:-1}
	SECS=${BENCH_SECONDS:-3}
	OUT_ROWS=${BENCH_COPY_OUT_ROWS:-100000}
	IN_ROWS=${BENCH_COPY_IN_ROWS:-50000}
	HS_N=${BENCH_HANDSHAKES:-100}
	SC_T=${BENCH_SYSCALL_TXNS:-2000}
else
	RUNS=${BENCH_RUNS:-3}
	SECS=${BENCH_SECONDS:-10}
	OUT_ROWS=${BENCH_COPY_OUT_ROWS:-1000000}
	IN_ROWS=${BENCH_COPY_IN_ROWS:-500000}
	HS_N=${BENCH_HANDSHAKES:-500}
	SC_T=${BENCH_SYSCALL_TXNS:-20000}
fi
for v in RUNS SECS OUT_ROWS IN_ROWS HS_N SC_T; do
	case ${!v} in
	''|*[!0-9]*|0) fail "$v must be a positive integer (got [${!v}])" ;;
	esac
done

ALL_PATHS="A B C D E E2 F"
PATHS=""
for p in ${BENCH_ONLY:-$ALL_PATHS}; do
	case " $ALL_PATHS " in
	*" $p "*) ;;
	*) fail "BENCH_ONLY: unknown path [$p] (paths: $ALL_PATHS)" ;;
	esac
done
for p in $ALL_PATHS; do   # keep the canonical order
	case " ${BENCH_ONLY:-$ALL_PATHS} " in *" $p "*) PATHS="$PATHS $p" ;; esac
done
PATHS=${PATHS# }
[ -n "$PATHS" ] || fail "BENCH_ONLY selects no path"
has() { case " $PATHS " in *" $1 "*) return 0 ;; esac; return 1; }

E2_LAUNCHER=${BENCH_E2:-ssa}
case $E2_LAUNCHER in
ssa|socat-nofork) ;;
*) fail "BENCH_E2 must be ssa or socat-nofork (got [$E2_LAUNCHER])" ;;
esac

OUT=${BENCH_OUT:-$REPO/build/bench}
# Kept in the temporary directory until the end: a "make clean" in the
# same tree meanwhile must not lose them.
RAW=$TEST_TMP/raw.tsv
ERRS=$TEST_TMP/errors.log
NOTES=$TEST_TMP/notes.txt
: >"$RAW"
: >"$ERRS"
: >"$NOTES"

PSQL=$PGBIN/psql
PGBENCH=$PGBIN/pgbench
STUNNEL=$(command -v stunnel4) || fail "stunnel4 not installed"
for t in socat systemd-socket-activate strace timeout "$PSQL" "$PGBENCH"; do
	command -v "$t" >/dev/null || fail "$t not found"
done
[ -x "$PGSTUNNEL" ] || fail "no executable $PGSTUNNEL (run make)"
if [ ! -r "$CERTS/server.crt" ] || [ ! -r "$CERTS/server-rsa.crt" ]; then
	log "no test certificates: running make certs"
	make -s -C "$REPO" certs >/dev/null || fail "make certs failed"
fi
# Work on snapshots of the binary, the certificates and the sources, so
# that a rebuild or "make clean" in the tree during the run changes
# nothing here.
mkdir -p "$TEST_TMP/bin" "$TEST_TMP/certs" "$TEST_TMP/static-build"
cp "$PGSTUNNEL" "$TEST_TMP/bin/pgstunnel" || fail "cannot copy $PGSTUNNEL"
PGSTUNNEL=$TEST_TMP/bin/pgstunnel
for f in server.crt server.key server-rsa.crt server-rsa.key; do
	cp "$CERTS/$f" "$TEST_TMP/certs/" || fail "cannot copy $CERTS/$f"
done
CERTS=$TEST_TMP/certs
cp -r "$REPO/src" "$REPO/Makefile" "$TEST_TMP/static-build/" ||
    fail "cannot copy the sources"

# Everything we start has the temporary directory as working directory,
# so lib.sh's cleanup finds and stops it whatever happens.
cd "$TEST_TMP" || fail "cannot enter $TEST_TMP"

say() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
# record RUN PATH METRIC VALUE
record() { printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" >>"$RAW"; }
note() { printf '%s\n' "$*" >>"$NOTES"; }
# err WHAT FILE: keep a failure's output for errors.log.
err() {
	say "ERROR: $1"
	{ printf '=== %s\n' "$1"; [ -n "${2:-}" ] && [ -r "$2" ] && tail -n 40 "$2"; } >>"$ERRS"
}
# run_bounded SECONDS CMD...: a command with a time limit, in the
# background so that a signal reaches the script's trap at once.
run_bounded() {
	local limit=$1
	shift
	# (An explicit stdin: a background command's would be /dev/null.)
	timeout -k 5 "$limit" "$@" <&0 &
	wait $!
}

# ---------------------------------------------------------------- PostgreSQL

say "paths: $PATHS; runs: $RUNS; pgbench: ${SECS}s; COPY out: $OUT_ROWS rows; COPY in: $IN_ROWS rows"
read -r LOAD1 _ </proc/loadavg
say "load average before start: $LOAD1"

PGSSL=$TEST_TMP/pgssl
mkdir -p "$PGSSL"
cp "$CERTS/server.crt" "$CERTS/server.key" "$PGSSL/"
chown -R postgres: "$PGSSL"
chmod 0600 "$PGSSL/server.key"
pg_start pg ssl=on "ssl_cert_file=$PGSSL/server.crt" \
    "ssl_key_file=$PGSSL/server.key" max_connections=600 \
    shared_buffers=256MB
say "PostgreSQL 15 on 127.0.0.1:$PG_PORT; pgbench -i -s 10"
run_bounded 600 "$PGBENCH" -i -s 10 -q -h "$PG_SOCKDIR" -p "$PG_PORT" \
    -U postgres postgres >"$TEST_TMP/pgbench-init.log" 2>&1 ||
    { cat "$TEST_TMP/pgbench-init.log"; fail "pgbench -i failed"; }
psql_direct "CREATE UNLOGGED TABLE bench_in (id int, v text);
    CREATE UNLOGGED TABLE bench_verify (i int, a text, b text);" >/dev/null ||
    fail "cannot create the COPY tables"
psql_direct "VACUUM ANALYZE" >/dev/null || fail "VACUUM ANALYZE failed"

# ---------------------------------------------------------------- launchers

declare -A PORT LPID
PORT[A]=$PG_PORT
PORT[B]=$PG_PORT
PGST_ARGS=(--cert "$CERTS/server.crt" --key "$CERTS/server.key"
    --upstream "127.0.0.1:$PG_PORT" --log stderr)

if has C; then
	PORT[C]=$(free_port)
	cat >"$TEST_TMP/stunnel-daemon.conf" <<-EOF
	foreground = yes
	pid =
	syslog = no
	output = $TEST_TMP/stunnel-daemon.log
	[pg]
	client = no
	accept = 127.0.0.1:${PORT[C]}
	connect = 127.0.0.1:$PG_PORT
	protocol = pgsql
	cert = $CERTS/server.crt
	key = $CERTS/server.key
	EOF
	(exec setsid "$STUNNEL" "$TEST_TMP/stunnel-daemon.conf" \
	    >"$TEST_TMP/stunnel-daemon.out" 2>&1) &
	LPID[C]=$!
	wait_for 10 port_listening "${PORT[C]}" ||
	    { cat "$TEST_TMP/stunnel-daemon.out"; fail "stunnel daemon did not start"; }
	_track "${LPID[C]}"
fi
if has D; then
	PORT[D]=$(free_port)
	# inetd mode: no service section, no accept: stdin/stdout is the client.
	cat >"$TEST_TMP/stunnel-inetd.conf" <<-EOF
	foreground = yes
	pid =
	syslog = no
	output = $TEST_TMP/stunnel-inetd.log
	client = no
	connect = 127.0.0.1:$PG_PORT
	protocol = pgsql
	cert = $CERTS/server.crt
	key = $CERTS/server.key
	EOF
	PGSTUNNEL=$STUNNEL start_socat "${PORT[D]}" "$TEST_TMP/stunnel-inetd.conf"
	LPID[D]=$LAUNCHER_PID
fi
if has E; then
	PORT[E]=$(free_port)
	start_socat "${PORT[E]}" "${PGST_ARGS[@]}"
	LPID[E]=$LAUNCHER_PID
fi
# start_socat_nofork PORT ARGS...: socat hands the accepted socket itself
# to "$PGSTUNNEL ARGS" (EXEC:...,nofork: no socketpair, no relay).
start_socat_nofork() {
	local port=$1 cmd a
	shift
	cmd=$(socat_escape "$PGSTUNNEL")
	for a in "$@"; do
		cmd="$cmd $(socat_escape "$a")" || exit 1
	done
	LAUNCHER_LOG=$TEST_TMP/socat-nofork-$port.log
	(exec setsid socat "TCP-LISTEN:$port,fork,reuseaddr,nodelay,bind=127.0.0.1" \
	    "EXEC:$cmd,nofork" 2>"$LAUNCHER_LOG") &
	LAUNCHER_PID=$!
	wait_port "$port"
	_track "$LAUNCHER_PID"
}
# start_e2 PORT ARGS...: the direct-socket launcher chosen for E2.
start_e2() {
	case $E2_LAUNCHER in
	ssa) start_ssa "$@" ;;
	socat-nofork) start_socat_nofork "$@" ;;
	esac
}
if has E2; then
	PORT[E2]=$(free_port)
	start_e2 "${PORT[E2]}" "${PGST_ARGS[@]}"
	LPID[E2]=$LAUNCHER_PID
fi
if has F; then
	PORT[F]=$(free_port)
	start_listen "${PORT[F]}" "${PGST_ARGS[@]}"
	LPID[F]=$LAUNCHER_PID
fi

# ---------------------------------------------------------------- clients

sslmode() { if [ "$1" = A ]; then echo disable; else echo require; fi; }

# client PATH CMD...: CMD with libpq aimed at PATH.
client() {
	local p=$1
	shift
	PGHOST=127.0.0.1 PGPORT=${PORT[$p]} PGUSER=postgres PGDATABASE=postgres \
	    PGSSLMODE=$(sslmode "$p") PGGSSENCMODE=disable PGCONNECT_TIMEOUT=10 \
	    "$@"
}

# pgbench_tps PATH LOG ARGS...: run pgbench, print its TPS (nothing on
# failure: a non-zero status, an aborted client or a failed transaction).
pgbench_tps() {
	local p=$1 out=$2
	shift 2
	if ! client "$p" run_bounded $((SECS + 120)) "$PGBENCH" "$@" >"$out" 2>&1; then
		return 1
	fi
	grep -q 'aborted' "$out" && return 1
	grep -Eq '^number of failed transactions: [1-9]' "$out" && return 1
	sed -n 's/^tps = \([0-9.]*\) .*/\1/p' "$out" | head -n 1
}

# now: seconds since the epoch with microseconds.
now() { printf '%s' "$EPOCHREALTIME"; }
mbps() { awk -v b="$1" -v t0="$2" -v t1="$3" 'BEGIN { printf "%.1f", b / 1e6 / (t1 - t0) }'; }

COPY_OUT_SQL="COPY (SELECT repeat('x', 1000) FROM generate_series(1, $OUT_ROWS)) TO STDOUT"
COPY_OUT_BYTES=$((OUT_ROWS * 1001))
COPY_IN_FILE=$TEST_TMP/copy-in.txt
say "generating $IN_ROWS rows of COPY data"
awk -v n="$IN_ROWS" 'BEGIN {
	s = sprintf("%1000s", ""); gsub(/ /, "y", s)
	for (i = 1; i <= n; i++) print i "\t" s
}' >"$COPY_IN_FILE" || fail "cannot write $COPY_IN_FILE"
COPY_IN_BYTES=$(stat -c %s "$COPY_IN_FILE")

# copy_out PATH LOG: MB/s of COPY out to /dev/null.
copy_out() {
	local p=$1 out=$2 t0 t1
	t0=$(now)
	client "$p" run_bounded 900 "$PSQL" -X -q -v ON_ERROR_STOP=1 \
	    -c "$COPY_OUT_SQL" >/dev/null 2>"$out" || return 1
	t1=$(now)
	[ -s "$out" ] && return 1
	mbps "$COPY_OUT_BYTES" "$t0" "$t1"
}

# copy_in PATH LOG: MB/s of COPY FROM STDIN into an unlogged table.
copy_in() {
	local p=$1 out=$2 t0 t1
	psql_direct "TRUNCATE bench_in" >/dev/null || return 1
	t0=$(now)
	client "$p" run_bounded 900 "$PSQL" -X -v ON_ERROR_STOP=1 \
	    -c "COPY bench_in FROM STDIN" <"$COPY_IN_FILE" >"$out" 2>&1 || return 1
	t1=$(now)
	grep -qx "COPY $IN_ROWS" "$out" || return 1
	mbps "$COPY_IN_BYTES" "$t0" "$t1"
}

# session_procs SID COMM [all]: the live processes named COMM in session
# SID (a launcher started with setsid), the session leader left out; with
# "all", zombies too (socat's EXEC children outlive their socat and wait a
# while for PID 1 to reap them).
session_procs() {
	ps -e -o pid=,sid=,stat=,comm= |
	    awk -v s="$1" -v c="$2" -v all="${3:-}" '$2 == s && $4 == c && $1 != s &&
		(all == "all" || $3 !~ /^Z/) { print $1 }'
}
status_kib() { awk -v f="$2:" '$1 == f { print $2; exit }' "/proc/$1/status" 2>/dev/null; }
pdirty_kib() { awk '$1 == "Private_Dirty:" { print $2; exit }' "/proc/$1/smaps_rollup" 2>/dev/null; }

# probe_active: the memory probe's session sits in its pg_sleep.
# shellcheck disable=SC2317 # called through wait_for
probe_active() {
	[ "$(psql_direct "SELECT count(*) FROM pg_stat_activity
	    WHERE state = 'active' AND query LIKE 'SELECT ''bench-mem-probe''%'")" = 1 ]
}

# mem_probe PATH LAUNCHER_PID COMM LABEL RUN: open a session through PATH,
# run a few queries, and while it sleeps read VmHWM and Private_Dirty of
# the process serving it (for C: the whole daemon).
mem_probe() {
	local p=$1 lpid=$2 comm=$3 label=$4 run=$5 ppid pids pid hwm pd
	# Earlier sessions' processes still closing would be mistaken for ours.
	[ "$p" = C ] || wait_for 10 no_live "$lpid" "$comm" ||
	    err "memory probe $label: processes of earlier sessions still alive: $(session_procs "$lpid" "$comm" | tr '\n' ' ')"
	client "$p" run_bounded 30 "$PSQL" -X -q -v ON_ERROR_STOP=1 \
	    -c "SELECT count(*) FROM pgbench_accounts" \
	    -c "SELECT * FROM pgbench_branches" \
	    -c "SELECT * FROM pgbench_accounts LIMIT 2000" \
	    -c "SELECT repeat('m', 200000)" \
	    -c "SELECT 'bench-mem-probe', pg_sleep(2)" \
	    >/dev/null 2>"$TEST_TMP/mem-$label.err" &
	ppid=$!
	if ! wait_for 15 probe_active; then
		err "memory probe $label: the session never reached its pg_sleep" "$TEST_TMP/mem-$label.err"
		wait "$ppid"
		return 1
	fi
	if [ "$p" = C ]; then
		pids=$lpid
	else
		pids=$(session_procs "$lpid" "$comm")
	fi
	if [ "$(printf '%s\n' "$pids" | grep -c .)" != 1 ]; then
		err "memory probe $label: expected one $comm process in session $lpid, found [$pids]"
		wait "$ppid"
		return 1
	fi
	pid=$pids
	hwm=$(status_kib "$pid" VmHWM)
	pd=$(pdirty_kib "$pid")
	record "$run" "$label" rssanon_kib "$(status_kib "$pid" RssAnon)"
	record "$run" "$label" rssfile_kib "$(status_kib "$pid" RssFile)"
	wait "$ppid" || err "memory probe $label: psql failed" "$TEST_TMP/mem-$label.err"
	[ -n "$hwm" ] && record "$run" "$label" vmhwm_kib "$hwm"
	[ -n "$pd" ] && record "$run" "$label" pdirty_kib "$pd"
	say "  $label memory: VmHWM ${hwm:-?} KiB, Private_Dirty ${pd:-?} KiB (pid $pid)"
}

# shellcheck disable=SC2317 # called through wait_for
no_live() { [ -z "$(session_procs "$1" "$2")" ]; }

comm_of() {
	case $1 in
	C|D) echo stunnel4 ;;
	*) echo pgstunnel ;;
	esac
}

# ---------------------------------------------------------------- correctness

# Varied rows (0 to 6 KB) out through each path must be what the Unix
# socket gives, and the same rows in through each path must land intact.
VERIFY_SQL="COPY (SELECT i, md5(i::text), repeat(md5(i::text), i % 200)
    FROM generate_series(1, 5000) i) TO STDOUT"
psql_direct "$VERIFY_SQL" >"$TEST_TMP/verify-ref.txt" || fail "verify: reference COPY failed"
VERIFY_MD5=$(md5sum <"$TEST_TMP/verify-ref.txt" | cut -d' ' -f1)
VERIFY_OK=1
say "correctness pass (COPY out/in of $(stat -c %s "$TEST_TMP/verify-ref.txt") bytes, TLS parameters)"
for p in $PATHS; do
	info=$(client "$p" run_bounded 30 "$PSQL" -X -At -c '\conninfo' 2>&1 |
	    sed -n 's/^SSL connection (\(.*\))$/\1/p')
	note "tls[$p] ${info:-none}"
	got=$(client "$p" run_bounded 60 "$PSQL" -X -q -v ON_ERROR_STOP=1 \
	    -c "$VERIFY_SQL" 2>"$TEST_TMP/verify-$p.err" | md5sum | cut -d' ' -f1)
	if [ "$got" != "$VERIFY_MD5" ]; then
		err "verify $p: COPY out differs from the direct reference" "$TEST_TMP/verify-$p.err"
		note "verify[$p] FAIL copy-out"
		VERIFY_OK=0
		continue
	fi
	psql_direct "TRUNCATE bench_verify" >/dev/null
	client "$p" run_bounded 60 "$PSQL" -X -q -v ON_ERROR_STOP=1 \
	    -c "COPY bench_verify FROM STDIN" <"$TEST_TMP/verify-ref.txt" \
	    >"$TEST_TMP/verify-in-$p.err" 2>&1
	got=$(psql_direct "COPY (SELECT * FROM bench_verify ORDER BY i) TO STDOUT" | md5sum | cut -d' ' -f1)
	if [ "$got" != "$VERIFY_MD5" ]; then
		err "verify $p: COPY in did not store the same rows" "$TEST_TMP/verify-in-$p.err"
		note "verify[$p] FAIL copy-in"
		VERIFY_OK=0
		continue
	fi
	note "verify[$p] ok"
done
[ "$VERIFY_OK" = 1 ] && say "correctness pass: all paths ok"

# ---------------------------------------------------------------- static build

STATIC_BIN=""
if has F || has E2; then
	say "building make STATIC=1 in a temporary copy"
	sdir=$TEST_TMP/static-build
	if run_bounded 600 make -s -C "$sdir" STATIC=1 pgstunnel >"$TEST_TMP/static-build.log" 2>&1; then
		mkdir -p "$TEST_TMP/static"
		strip -o "$TEST_TMP/static/pgstunnel" "$sdir/pgstunnel"
		STATIC_BIN=$TEST_TMP/static/pgstunnel
		file "$sdir/pgstunnel" | grep -q 'statically linked' ||
		    note "static: file(1) does not call it statically linked"
	else
		err "make STATIC=1 failed" "$TEST_TMP/static-build.log"
	fi
	strip -o "$TEST_TMP/pgstunnel.stripped" "$PGSTUNNEL"
	record 1 "dynamic" size_bytes "$(stat -c %s "$PGSTUNNEL")"
	record 1 "dynamic stripped" size_bytes "$(stat -c %s "$TEST_TMP/pgstunnel.stripped")"
	[ -n "$STATIC_BIN" ] &&
	    record 1 "STATIC=1 stripped" size_bytes "$(stat -c %s "$STATIC_BIN")"
fi
if [ -n "$STATIC_BIN" ]; then
	if has F; then
		PORT[Fs]=$(free_port)
		PGSTUNNEL=$STATIC_BIN start_listen "${PORT[Fs]}" "${PGST_ARGS[@]}"
		LPID[Fs]=$LAUNCHER_PID
	fi
	if has E2; then
		PORT[E2s]=$(free_port)
		PGSTUNNEL=$STATIC_BIN start_e2 "${PORT[E2s]}" "${PGST_ARGS[@]}"
		LPID[E2s]=$LAUNCHER_PID
	fi
fi
# The static builds run as paths of their own, after the others.
RUN_PATHS=$PATHS
[ -n "${LPID[Fs]:-}" ] && RUN_PATHS="$RUN_PATHS Fs"
[ -n "${LPID[E2s]:-}" ] && RUN_PATHS="$RUN_PATHS E2s"

# ---------------------------------------------------------------- the runs

# cpu_busy: percent of CPU time not idle over the next second (all CPUs).
# Between two measurements nothing of ours runs, so this is other work.
cpu_busy() {
	local a b
	a=$(head -n 1 /proc/stat)
	sleep 1
	b=$(head -n 1 /proc/stat)
	awk -v a="$a" -v b="$b" 'BEGIN {
		n = split(a, x); split(b, y); t = 0
		for (i = 2; i <= n; i++) t += y[i] - x[i]
		idle = (y[5] - x[5]) + (y[6] - x[6])
		printf "%.0f", (t > 0 ? 100 * (t - idle) / t : 0) }'
}
# quiet_wait: wait (BENCH_QUIET_WAIT seconds at most, default 0) until
# other work uses under 15% of the CPUs; print the last reading.
quiet_wait() {
	local deadline=$((SECONDS + ${BENCH_QUIET_WAIT:-0})) b
	b=$(cpu_busy)
	while [ "$b" -ge 15 ] && [ "$SECONDS" -lt "$deadline" ]; do
		b=$(cpu_busy)
	done
	echo "$b"
}

# label_of PATH: the table's label (the static builds' paths Fs, E2s).
label_of() {
	case $1 in
	Fs) echo "F static" ;;
	E2s) echo "E2 static" ;;
	*) echo "$1" ;;
	esac
}

# measure PATH RUN: the four throughput figures of one path; only the two
# pgbench figures for the static builds (COPY is the relay's, the same).
measure() {
	local p=$1 run=$2 v lab
	lab=$(label_of "$p")
	if v=$(pgbench_tps "$p" "$TEST_TMP/conn-$p-$run.log" -n -C -S -T "$SECS" -c 4 -j 2); [ -n "$v" ]; then
		record "$run" "$lab" conn_tps "$v"
		say "  $p connection setup: $v TPS"
	else
		err "run $run $p: pgbench -C failed" "$TEST_TMP/conn-$p-$run.log"
		record "$run" "$lab" conn_tps ERR
	fi
	sleep 1
	if v=$(pgbench_tps "$p" "$TEST_TMP/steady-$p-$run.log" -n -S -T "$SECS" -c 4 -j 2); [ -n "$v" ]; then
		record "$run" "$lab" steady_tps "$v"
		say "  $p steady state: $v TPS"
	else
		err "run $run $p: pgbench (steady) failed" "$TEST_TMP/steady-$p-$run.log"
		record "$run" "$lab" steady_tps ERR
	fi
	case $p in Fs|E2s) return 0 ;; esac
	if v=$(copy_out "$p" "$TEST_TMP/copyout-$p-$run.log"); then
		record "$run" "$p" copy_out_mbs "$v"
		say "  $p COPY out: $v MB/s"
	else
		err "run $run $p: COPY out failed" "$TEST_TMP/copyout-$p-$run.log"
		record "$run" "$p" copy_out_mbs ERR
	fi
	if v=$(copy_in "$p" "$TEST_TMP/copyin-$p-$run.log"); then
		record "$run" "$p" copy_in_mbs "$v"
		say "  $p COPY in: $v MB/s"
	else
		err "run $run $p: COPY in failed" "$TEST_TMP/copyin-$p-$run.log"
		record "$run" "$p" copy_in_mbs ERR
	fi
}

# A run disturbed by other work on the machine (foreign.py: on average
# more than DISTURBED runnable processes not ours) is done again, up to
# RETRIES times; the last attempt counts whatever it saw.
RETRIES=${BENCH_RETRIES:-2}
DISTURBED=${BENCH_DISTURBED:-0.20}
RUNS_REPEATED=0
for run in $(seq 1 "$RUNS"); do
	for p in $RUN_PATHS; do
		attempt=0
		while :; do
			l=$(quiet_wait)
			say "run $run/$RUNS path $p (port ${PORT[$p]}; CPU busy before it: $l%)"
			main_raw=$RAW
			RAW=$TEST_TMP/attempt.tsv
			: >"$RAW"
			rm -f "$TEST_TMP/foreign.out"
			"$PYTHON" "$BENCH_DIR/foreign.py" "$TEST_TMP" "$TEST_TMP/foreign.out" 900 &
			fpid=$!
			measure "$p" "$run"
			kill -TERM "$fpid" 2>/dev/null
			wait "$fpid"
			RAW=$main_raw
			f=$(cat "$TEST_TMP/foreign.out" 2>/dev/null || echo 0)
			if awk -v f="$f" -v d="$DISTURBED" 'BEGIN { exit !(f > d) }' &&
			    [ "$attempt" -lt "$RETRIES" ]; then
				attempt=$((attempt + 1))
				RUNS_REPEATED=$((RUNS_REPEATED + 1))
				say "  run $run path $p disturbed by other work ($f runnable processes on average): again ($attempt/$RETRIES)"
				continue
			fi
			cat "$TEST_TMP/attempt.tsv" >>"$RAW"
			record "$run" "$(label_of "$p")" foreign "$f"
			record "$run" "$(label_of "$p")" busy_pct "$l"
			break
		done
		case $p in
		A|B) ;;
		C)
			record "$run" C pdirty_idle_kib "$(pdirty_kib "${LPID[C]}")"
			mem_probe C "${LPID[C]}" stunnel4 C "$run" ;;
		*) mem_probe "$p" "${LPID[$p]}" "$(comm_of "$p")" "$(label_of "$p")" "$run" ;;
		esac
	done
done
psql_direct "TRUNCATE bench_in" >/dev/null

# ---------------------------------------------------------------- CPU by process

# Where E2's connection set-up goes against F's: every process's CPU per
# connection, from system-wide sampling (perf record -a, cpu-clock every
# 250 us) while pgbench -C -c 1 makes HS_N connections through one path.
# E2's launcher is systemd-socket-activate (its accept and fork) and its
# child before execve ("(activate)"), or socat for socat-nofork; F's
# launcher is the pgstunnel --listen parent, counted with its children.
SPLIT_US=250
# conn_lines LOG: connections pgstunnel has logged there.
conn_lines() { grep -c 'peer=' "$1" 2>/dev/null || true; }
# cpu_split PATH LOG: record "P pgstunnel", "P launcher", "P postgres" and
# "P pgbench" (ms per connection); LOG is where pgstunnel logs each one.
cpu_split() {
	local p=$1 log=$2 d n0 n1 conns
	d=$TEST_TMP/split-$p.data
	n0=$(conn_lines "$log")
	if ! client "$p" run_bounded 600 perf record -q -a -e cpu-clock \
	    -c $((SPLIT_US * 1000)) -o "$d" -- "$PGBENCH" -n -C -S -t "$HS_N" \
	    -c 1 -j 1 >"$TEST_TMP/split-$p.log" 2>&1; then
		err "CPU by process $p: perf record or pgbench failed" "$TEST_TMP/split-$p.log"
		return 1
	fi
	sleep 0.5
	n1=$(conn_lines "$log")
	conns=$((n1 - n0))
	[ "$conns" -gt 0 ] || { err "CPU by process $p: no connection logged" "$log"; return 1; }
	perf report -i "$d" -n --sort comm --stdio 2>/dev/null >"$TEST_TMP/split-$p.txt"
	awk -v p="$p" -v n="$conns" -v us="$SPLIT_US" '
	    /^#/ || NF < 3 { next }
	    { c = $3; s = $2 + 0
	      if (c ~ /^pgstunnel/) g = "pgstunnel"
	      else if (c ~ /^systemd-socket/ || c == "(activate)" || c ~ /^socat/) g = "launcher"
	      else if (c ~ /^postgres/) g = "postgres"
	      else if (c ~ /^pgbench/) g = "pgbench"
	      else next
	      ms[g] += s * us / 1000 / n }
	    END { for (g in ms) printf "%s %s %.3f\n", p, g, ms[g] }' \
	    "$TEST_TMP/split-$p.txt" >"$TEST_TMP/split-$p.tsv"
	# The table shows pgstunnel and the launcher; the notes all four.
	while read -r path what ms; do
		case $what in pgstunnel|launcher) ;; *) continue ;; esac
		record 1 "$(label_of "$path") $what" cpu_split_ms "$ms"
	done <"$TEST_TMP/split-$p.tsv"
	note "split[$(label_of "$p")] $conns connections: $(sort -k2 "$TEST_TMP/split-$p.tsv" | awk '{ printf "%s%s %s ms", sep, $2, $3; sep = ", " }')"
	say "  $p: $(tr '\n' ';' <"$TEST_TMP/split-$p.tsv")"
}

if has F && has E2 && command -v perf >/dev/null; then
	say "CPU per connection by process (perf record -a, $HS_N connections each)"
	e2log() {
		case $E2_LAUNCHER in
		ssa) echo "$TEST_TMP/ssa-$1.log" ;;
		socat-nofork) echo "$TEST_TMP/socat-nofork-$1.log" ;;
		esac
	}
	cpu_split F "$TEST_TMP/listen-${PORT[F]}.log"
	cpu_split E2 "$(e2log "${PORT[E2]}")"
	[ -n "${LPID[Fs]:-}" ] && cpu_split Fs "$TEST_TMP/listen-${PORT[Fs]}.log"
	[ -n "${LPID[E2s]:-}" ] && cpu_split E2s "$(e2log "${PORT[E2s]}")"
fi

# ---------------------------------------------------------------- handshake CPU

# children_ticks PID: cutime + cstime of PID (its reaped children), in
# clock ticks, as "user system".
children_ticks() {
	local s
	s=$(cat "/proc/$1/stat") || return 1
	s=${s##*) }
	# shellcheck disable=SC2086 # split the fields on purpose
	set -- $s
	echo "${14} ${15}"
}
# shellcheck disable=SC2317 # called through wait_for
no_children() { [ -z "$(session_procs "$1" pgstunnel all)" ]; }

# hs_cpu LABEL CERT KEY: CPU time of pgstunnel --listen's children per
# connection, over HS_N connections of one query each (pgbench -C -t).
hs_cpu() {
	local label=$1 cert=$2 key=$3 port lpid before after n0 n1 conns hz
	port=$(free_port)
	start_listen "$port" --cert "$cert" --key "$key" \
	    --upstream "127.0.0.1:$PG_PORT" --log stderr
	lpid=$LAUNCHER_PID
	PORT[hs]=$port
	hz=$(getconf CLK_TCK)
	before=$(children_ticks "$lpid")
	n0=$(conn_lines "$LAUNCHER_LOG")
	if ! pgbench_tps hs "$TEST_TMP/hs-$label.log" -n -C -S -t "$HS_N" -c 1 -j 1 >/dev/null; then
		err "handshake CPU $label: pgbench failed" "$TEST_TMP/hs-$label.log"
		return 1
	fi
	# All children gone and reaped, every connection logged.
	wait_for 10 no_children "$lpid" ||
	    err "handshake CPU $label: children still running"
	sleep 0.3
	after=$(children_ticks "$lpid")
	n1=$(conn_lines "$LAUNCHER_LOG")
	conns=$((n1 - n0))
	[ "$conns" -gt 0 ] || { err "handshake CPU $label: no connection logged" "$LAUNCHER_LOG"; return 1; }
	# shellcheck disable=SC2086
	set -- $before $after
	local res
	# (Short children get their user/system split from tick sampling,
	# so only the sum means something.)
	res=$(awk -v u0="$1" -v s0="$2" -v u1="$3" -v s1="$4" -v n="$conns" -v hz="$hz" 'BEGIN {
		printf "%.3f", (u1 + s1 - u0 - s0) * 1000 / hz / n }')
	record 1 "F $label" hs_cpu_ms "$res"
	note "hs[$label] $res ms per connection, $conns connections (pgbench's own scale query included), $(awk -v a="$1" -v b="$2" -v c="$3" -v d="$4" -v hz="$hz" 'BEGIN { printf "%.2f", (c + d - a - b) / hz }') s in all"
	say "  handshake CPU $label: $res ms per connection ($conns connections)"
	kill -TERM "$lpid" 2>/dev/null
}
if has F; then
	say "handshake CPU per connection (pgstunnel --listen children, $HS_N connections)"
	hs_cpu ECDSA "$CERTS/server.crt" "$CERTS/server.key"
	hs_cpu RSA "$CERTS/server-rsa.crt" "$CERTS/server-rsa.key"
fi

# ---------------------------------------------------------------- start-up

# What a process started per connection spends before the first client
# byte (tests/bench/startup.sh: perf stat of a start with </dev/null).
if command -v perf >/dev/null; then
	say "start-up CPU before the first byte (tests/bench/startup.sh)"
	bins=(dynamic="$PGSTUNNEL")
	[ -n "$STATIC_BIN" ] && bins+=(static="$STATIC_BIN")
	if CERTS=$CERTS "$BENCH_DIR/startup.sh" "${bins[@]}" >"$TEST_TMP/startup.tsv" 2>"$TEST_TMP/startup.err"; then
		while IFS=$'\t' read -r build what ms; do
			case $what in
			ecdsa) what=ECDSA ;;
			rsa) what=RSA ;;
			version) what=--version ;;
			esac
			record 1 "$build $what" startup_cpu_ms "$ms"
			say "  $build $what: $ms ms"
		done <"$TEST_TMP/startup.tsv"
	else
		err "startup.sh failed" "$TEST_TMP/startup.err"
	fi
else
	note "start-up CPU: perf not installed (Debian: linux-perf)"
fi

# ---------------------------------------------------------------- syscalls

# strace_calls PATH TXNS: strace -c -f on the launcher (it follows the
# forked children from their birth) while pgbench runs TXNS transactions
# on one connection; prints the summary file's name.
strace_calls() {
	local p=$1 t=$2 lpid=${LPID[$1]} spid
	local st=$TEST_TMP/strace-$p-$t.txt
	strace -c -f -p "$lpid" -o "$st" 2>"$st.err" &
	spid=$!
	if ! wait_for 10 grep -qs attached "$st.err"; then
		err "syscalls $p: strace did not attach" "$st.err"
		kill -TERM "$spid" 2>/dev/null
		wait "$spid"
		return 1
	fi
	if ! pgbench_tps "$p" "$st.pgbench" -n -S -t "$t" -c 1 -j 1 >/dev/null; then
		err "syscalls $p: pgbench -t $t failed" "$st.pgbench"
	fi
	# Let the sessions end (the children exit, strace sees it), then stop.
	wait_for 10 no_live "$lpid" "$(comm_of "$p")"
	sleep 0.5
	kill -INT "$spid" 2>/dev/null
	wait "$spid"
	grep -q ' total$' "$st" || { err "syscalls $p: no strace summary" "$st"; return 1; }
	echo "$st"
}
# calls FILE [SYSCALL]: the calls column of strace -c's summary.
calls() {
	awk -v n="${2:-total}" '$NF == n && NF >= 5 { print $4; found = 1 }
	    END { if (!found) print 0 }' "$1"
}

# syscalls PATH: syscalls per steady-state transaction, as the difference
# between a run of SC_T transactions and one of SC_T/10 (what both
# sessions cost to open and close cancels out); the plain quotient
# calls/SC_T goes to the notes.
syscalls() {
	local p=$1 t0=$((SC_T / 10)) big small per raw top
	[ "$t0" -ge 1 ] || t0=1
	big=$(strace_calls "$p" "$SC_T") || return 1
	small=$(strace_calls "$p" "$t0") || return 1
	per=$(awk -v a="$(calls "$big")" -v b="$(calls "$small")" -v t="$SC_T" -v t0="$t0" \
	    'BEGIN { printf "%.2f", (a - b) / (t - t0) }')
	raw=$(awk -v a="$(calls "$big")" -v t="$SC_T" 'BEGIN { printf "%.2f", a / t }')
	top=$(awk '/^-/ { sep++; next } sep == 1 && NF >= 5 { print $NF }' "$big" |
	    while read -r sc; do
		awk -v sc="$sc" -v a="$(calls "$big" "$sc")" -v b="$(calls "$small" "$sc")" \
		    -v t="$SC_T" -v t0="$t0" 'BEGIN { x = (a - b) / (t - t0)
			if (x >= 0.005) printf "%s %.2f\n", sc, x }'
	    done | sort -k2,2nr | tr '\n' ',' | sed 's/,$//; s/,/, /g')
	record 1 "$p" syscalls_per_txn "$per"
	note "syscalls[$p] $per per transaction ($top); calls($SC_T txns)/$SC_T = $raw"
	say "  $p: $per syscalls per transaction ($top); all calls / $SC_T = $raw"
}
say "syscalls per steady-state transaction (strace -c -f, $SC_T transactions, 1 client)"
for p in C D E E2 F; do
	has "$p" && syscalls "$p"
done

# ---------------------------------------------------------------- report

read -r LOAD2 _ </proc/loadavg
{
	echo "date=$(date -u '+%Y-%m-%d %H:%M:%S UTC')"
	echo "uname=$(uname -srm)"
	echo "nproc=$(nproc)"
	echo "cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
	echo "postgres=$("$PGBIN/postgres" --version)"
	echo "stunnel=$("$STUNNEL" -version 2>&1 | sed -n 's/^stunnel \([0-9.]*\) .*/stunnel \1/p' | head -n 1)"
	echo "openssl=$(openssl version 2>/dev/null)"
	echo "socat=$(socat -V 2>/dev/null | sed -n 's/^socat version \([^ ]*\).*/socat \1/p')"
	echo "pgstunnel=$("$PGSTUNNEL" --version) ($(git -C "$REPO" describe --always --dirty 2>/dev/null || echo unknown))"
	echo "runs=$RUNS"
	echo "secs=$SECS"
	echo "out_rows=$OUT_ROWS"
	echo "out_bytes=$COPY_OUT_BYTES"
	echo "in_rows=$IN_ROWS"
	echo "in_bytes=$COPY_IN_BYTES"
	echo "hs_n=$HS_N"
	echo "sc_t=$SC_T"
	echo "paths=$PATHS"
	echo "e2=$E2_LAUNCHER"
	echo "repeated=$RUNS_REPEATED"
	echo "disturbed=$DISTURBED"
	echo "quick=${BENCH_QUICK:-0}"
	echo "load=$LOAD1 -> $LOAD2"
	printf 'command='
	env | grep -E '^BENCH_[A-Z0-9_]+=' | sort | sed -E 's/^([^=]*)=(.*)$/\1="\2"/' | tr '\n' ' '
	echo "make bench"
} >"$TEST_TMP/meta.txt"

"$PYTHON" "$BENCH_DIR/report.py" "$RAW" "$TEST_TMP/meta.txt" "$NOTES" "$ERRS" \
    >"$TEST_TMP/results.md" || fail "report.py failed"
cat "$TEST_TMP/results.md"
mkdir -p "$OUT" || fail "cannot create $OUT"
cp "$TEST_TMP/results.md" "$RAW" "$ERRS" "$OUT/" || fail "cannot write to $OUT"
say "written: $OUT/results.md, $OUT/raw.tsv"
[ -s "$ERRS" ] && say "some measurements failed: see $OUT/errors.log"
exit 0
