#!/bin/bash
# profile-setup.sh [BINARY]: where the CPU of connection setup goes, per
# connection, for B (PostgreSQL's own TLS) and F (BINARY --listen, default
# ./pgstunnel) in front of the same throwaway PostgreSQL 15.
#  1. perf record -a (cpu-clock) during `pgbench -n -C -S -c 4 -T 8`
#     through each path: CPU milliseconds per connection by command
#     (postgres, pgstunnel, pgbench; "idle" is swapper), so the two paths'
#     costs can be set side by side. perf's sampling slows every process,
#     so the connection rates here are below make bench's.
#  2. perf stat of the --listen process and its children over
#     PROFILE_N (300) sequential connections: CPU milliseconds, minor page
#     faults and context switches per connection of pgstunnel alone.
# Run as root (PostgreSQL runs as postgres via runuser); needs perf
# (Debian linux-perf). Not part of make check or make bench.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$(dirname "$0")/../lib.sh"

BIN=$(readlink -f "${1:-$REPO/pgstunnel}")
N=${PROFILE_N:-300}
PGBENCH=$PGBIN/pgbench
command -v perf >/dev/null || fail "perf is not installed (Debian: linux-perf)"

pg_start_tls prof >/dev/null
"$PGBENCH" -i -s 1 -h 127.0.0.1 -p "$PG_PORT" -U postgres postgres \
    >"$TEST_TMP/init.log" 2>&1 || fail "pgbench -i failed"
port=$(free_port)
PGSTUNNEL=$BIN start_listen "$port" --cert "$CERTS/server.crt" \
    --key "$CERTS/server.key" --upstream "127.0.0.1:$PG_PORT" --log syslog

conninfo() {
	echo "host=localhost port=$1 user=postgres dbname=postgres" \
	    "sslmode=verify-full sslrootcert=$CERTS/ca.crt"
}

# 1. Whole-machine samples, by command.
for path in B F; do
	p=$PG_PORT
	[ "$path" = F ] && p=$port
	perf record -q -a -e cpu-clock -o "$TEST_TMP/perf.$path" -- \
	    "$PGBENCH" -n -C -S -c 4 -j 2 -T 8 "$(conninfo "$p")" \
	    >"$TEST_TMP/pgbench.$path" 2>&1 || fail "pgbench through $path failed"
	tps=$(sed -n 's/^tps = \([0-9.]*\) .*/\1/p' "$TEST_TMP/pgbench.$path")
	conns=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' \
	    "$TEST_TMP/pgbench.$path")
	perf report -q -i "$TEST_TMP/perf.$path" --sort comm -F overhead,sample,comm \
	    --stdio 2>/dev/null >"$TEST_TMP/report.$path"
	# cpu-clock samples are 1/frequency seconds of one CPU each.
	freq=$(perf report -i "$TEST_TMP/perf.$path" --header-only 2>/dev/null |
	    sed -n 's/.*sample_freq } = \([0-9]*\).*/\1/p' | head -n 1)
	echo "$path: $tps connections/s under perf; CPU ms per connection:"
	awk -v n="$conns" -v f="${freq:-4000}" '
		{ ms[$3 == "swapper" ? "idle" : $3] += $2 * 1000 / f }
		END { for (c in ms) if (ms[c] / n >= 0.05)
			printf "    %-10s %.2f\n", c, ms[c] / n }' "$TEST_TMP/report.$path" |
	    sort -k2 -rn
done

# 2. pgstunnel alone: counters inherited by every child.
port2=$(free_port)
perf stat -e task-clock,minor-faults,context-switches -o "$TEST_TMP/stat" -- \
    "$BIN" --listen "127.0.0.1:$port2" --cert "$CERTS/server.crt" \
    --key "$CERTS/server.key" --upstream "127.0.0.1:$PG_PORT" --log syslog &
statpid=$!
wait_port "$port2"
"$PGBENCH" -n -C -S -c 1 -t "$N" "$(conninfo "$port2")" >"$TEST_TMP/pgbench.stat" 2>&1 ||
    fail "pgbench for perf stat failed"
pkill -INT -f -- "--listen 127.0.0.1:$port2"
wait "$statpid"
echo "F: pgstunnel --listen and its children, per connection ($N, one at a time):"
awk -v n="$N" '/task-clock|minor-faults|context-switches/ {
	gsub(",", "", $1); name = $2 == "msec" ? "CPU ms" : $2
	printf "    %-17s %.2f\n", name, $1 / n }' "$TEST_TMP/stat"
pass
