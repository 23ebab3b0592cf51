#!/bin/bash
# --listen with --max-connections 2: with two sessions open, a third
# client does not get a session (refused, or left waiting until its
# connect_timeout), PostgreSQL never sees more than two tunnel backends,
# and once one session ends a new client gets in.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$(dirname "$0")/../lib.sh"
need_pgstunnel

pg_start db
port=$(free_port)
start_listen "$port" --cert "$CERTS/server.crt" --key "$CERTS/server.key" \
    --upstream "127.0.0.1:$PG_PORT" --max-connections 2 --log stderr

tunnel_backends() {
	psql_direct "select count(*) from pg_stat_activity
	    where backend_type = 'client backend' and client_addr = '127.0.0.1'"
}
# shellcheck disable=SC2317 # called through wait_for
two_sleeping() {
	[ "$(psql_direct "select count(*) from pg_stat_activity
	    where query = 'select pg_sleep(60)'")" = 2 ]
}

pids=()
for i in 1 2; do
	psql_tls "$port" -Atc 'select pg_sleep(60)' >"$TEST_TMP/held-$i" 2>&1 &
	pids+=($!)
done
wait_for 10 two_sleeping || fail "two sessions did not start"

start=$SECONDS
out=$(psql_tls "$port" connect_timeout=3 -Atc "select 'third-ran'" 2>&1) &&
    fail "a third session ran with --max-connections 2"
show "third client ($((SECONDS - start)) s)" "$out"
assert_not_contains "$out" third-ran
assert_eq 2 "$(tunnel_backends)" "tunnel backends while at the limit"

# End one held session from the server side; a new client then gets in.
psql_direct "select pg_terminate_backend(pid) from pg_stat_activity
    where query = 'select pg_sleep(60)' limit 1" >/dev/null
out=$(psql_tls "$port" connect_timeout=10 -Atc "select 'fourth-ran'" 2>&1) ||
    { show psql "$out"; fail "no session after one of two ended"; }
assert_eq fourth-ran "$out"

psql_direct "select pg_terminate_backend(pid) from pg_stat_activity
    where query = 'select pg_sleep(60)'" >/dev/null
for p in "${pids[@]}"; do wait "$p"; done

pass
