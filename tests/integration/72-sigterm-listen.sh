#!/bin/bash
# SIGTERM to a --listen pgstunnel: it stops accepting at once (the port
# closes, new clients are refused), but a session already open finishes
# its query and gets its result; the listener then exits.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$(dirname "$0")/../lib.sh"
need_pgstunnel

pg_start db
port=$(free_port)
start_listen "$port" --cert "$CERTS/server.crt" --key "$CERTS/server.key" \
    --upstream "127.0.0.1:$PG_PORT" --log stderr
listener=$LAUNCHER_PID

psql_tls "$port" -Atc "select 'done after ' || pg_sleep(2)::text" >"$TEST_TMP/long" 2>&1 &
long=$!
# shellcheck disable=SC2317 # called through wait_for
query_running() {
	[ "$(psql_direct "select count(*) from pg_stat_activity
	    where query like 'select ''done after%' and state = 'active'")" = 1 ]
}
wait_for 10 query_running || { cat "$TEST_TMP/long"; fail "the long query did not start"; }

kill -TERM "$listener"
wait_port_closed "$port" 3 || fail "still listening 3 s after SIGTERM"
out=$(psql_tls "$port" connect_timeout=2 -Atc "select 'new-ran'" 2>&1) &&
    fail "a new session ran after SIGTERM"
assert_not_contains "$out" new-ran

wait "$long"
rc=$?
out=$(cat "$TEST_TMP/long")
show "open session" "$out"
assert_eq 0 "$rc" "the open session's psql exit status"
assert_eq "done after " "$out" "the open session's result"

# shellcheck disable=SC2317 # called through wait_for
listener_gone() { ! kill -0 "$listener" 2>/dev/null; }
wait_for 10 listener_gone || fail "the listener still runs 10 s after SIGTERM"

pass
