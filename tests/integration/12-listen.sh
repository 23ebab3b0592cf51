#!/bin/bash
# Standalone mode: pgstunnel --listen 127.0.0.1:P forks one child per
# connection; sequential and concurrent sessions work, and each
# connection adds exactly one log line.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$(dirname "$0")/../lib.sh"
need_pgstunnel

pg_start db
port=$(free_port)
start_listen "$port" --cert "$CERTS/server.crt" --key "$CERTS/server.key" \
    --upstream "127.0.0.1:$PG_PORT" --log stderr
before=$(log_lines "$LAUNCHER_LOG")

for i in 1 2 3; do
	out=$(psql_tls "$port" -Atc "select 'seq-$i'" 2>&1) ||
	    { show psql "$out"; fail "connection $i failed"; }
	assert_eq "seq-$i" "$out"
done

# Two sessions at the same time, both seen by the server at once.
psql_tls "$port" -Atc "select 'par-1', pg_sleep(1.5)" >"$TEST_TMP/p1" 2>&1 &
p1=$!
psql_tls "$port" -Atc "select 'par-2', pg_sleep(1.5)" >"$TEST_TMP/p2" 2>&1 &
p2=$!
# shellcheck disable=SC2317 # called through wait_for
both() {
	[ "$(psql_direct "select count(*) from pg_stat_activity
	    where query like 'select ''par-%'")" = 2 ]
}
wait_for 10 both || fail "the two sessions never ran at the same time"
wait "$p1" || { cat "$TEST_TMP/p1"; fail "concurrent session 1 failed"; }
wait "$p2" || { cat "$TEST_TMP/p2"; fail "concurrent session 2 failed"; }
assert_contains "$(cat "$TEST_TMP/p1")" "par-1"
assert_contains "$(cat "$TEST_TMP/p2")" "par-2"

# 5 connections, 5 more lines (whatever the listener logged at start).
n=$(wait_log_lines "$LAUNCHER_LOG" $((before + 5)))
show log "$(cat "$LAUNCHER_LOG")"
assert_eq 5 $((n - before)) "log lines for 5 connections"

pass
