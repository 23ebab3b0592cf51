#!/bin/bash
# Signals to a --listen pgstunnel:
#  - SIGHUP does not end it (its default action would close the port under
#    live sessions and leave them to init): it reloads the files and logs
#    one line, the open session goes on, and new clients are served;
#  - SIGINT behaves like SIGTERM (72-sigterm-listen): the port closes, the
#    open session finishes, then the listener exits with status 0.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$(dirname "$0")/../lib.sh"
need_pgstunnel

pg_start db
port=$(free_port)
start_listen "$port" --cert "$CERTS/server.crt" --key "$CERTS/server.key" \
    --upstream "127.0.0.1:$PG_PORT" --log stderr
listener=$LAUNCHER_PID

long_session() {
	psql_tls "$port" -Atc "select 'done after ' || pg_sleep(3)::text" \
	    >"$TEST_TMP/long" 2>&1
}
# shellcheck disable=SC2317 # called through wait_for
query_running() {
	[ "$(psql_direct "select count(*) from pg_stat_activity
	    where query like 'select ''done after%' and state = 'active'")" = 1 ]
}

long_session &
long=$!
wait_for 10 query_running || { cat "$TEST_TMP/long"; fail "the long query did not start"; }
kill -HUP "$listener"
wait_for 5 grep -q 'reloaded the certificates, keys and CRLs (SIGHUP)' "$LAUNCHER_LOG" ||
    fail "no log line for SIGHUP"
kill -0 "$listener" 2>/dev/null || fail "SIGHUP ended the listener"
out=$(psql_tls "$port" -Atc "select 'new-ran'" 2>&1)
assert_eq new-ran "$out" "a new session after SIGHUP"
wait "$long" || fail "the open session failed after SIGHUP: $(cat "$TEST_TMP/long")"
assert_eq "done after " "$(cat "$TEST_TMP/long")" "the open session's result"

long_session &
long=$!
wait_for 10 query_running || { cat "$TEST_TMP/long"; fail "the long query did not start"; }
kill -INT "$listener"
wait_port_closed "$port" 3 || fail "still listening 3 s after SIGINT"
wait "$long" || fail "the open session failed after SIGINT: $(cat "$TEST_TMP/long")"
assert_eq "done after " "$(cat "$TEST_TMP/long")" "the open session's result"
# shellcheck disable=SC2317 # called through wait_for
listener_gone() { ! kill -0 "$listener" 2>/dev/null; }
wait_for 10 listener_gone || fail "the listener still runs 10 s after SIGINT"
wait "$listener"
assert_eq 0 "$?" "the listener's exit status after SIGINT"
pass
