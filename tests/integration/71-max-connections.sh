#!/bin/bash
# --listen with --max-connections 2: with two sessions open, a third
# client does not get a session but PostgreSQL's answer when it is full,
# FATAL 53300 "sorry, too many clients already", after the negotiation and
# the TLS handshake; PostgreSQL never sees more than two tunnel backends.
# At most 8 such refusals run at once: with 8 silent clients holding them,
# the next client is just closed, until the handshake deadline frees them.
# The refusal log line comes at most once a second, with a count. Once one
# session ends a new client gets in.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$(dirname "$0")/../lib.sh"
need_pgstunnel

pg_start db
port=$(free_port)
start_listen "$port" --cert "$CERTS/server.crt" --key "$CERTS/server.key" \
    --upstream "127.0.0.1:$PG_PORT" --max-connections 2 \
    --handshake-timeout 3 --log stderr

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

out=$(psql_tls "$port" connect_timeout=3 -Atc "select 'third-ran'" 2>&1) &&
    fail "a third session ran with --max-connections 2"
show "third client" "$out"
assert_not_contains "$out" third-ran
assert_contains "$out" "sorry, too many clients already"
assert_eq 2 "$(tunnel_backends)" "tunnel backends while at the limit"

# Eight silent clients hold every refusal slot (until the handshake
# deadline, 3 s): the next one is closed at once, without an answer.
"$PYTHON" - "$port" <<'PY' &
import socket, sys, time
held = [socket.create_connection(("127.0.0.1", int(sys.argv[1])))
        for _ in range(8)]
time.sleep(6)
PY
silent=$!
sleep 1
out=$(psql_tls "$port" connect_timeout=3 -Atc "select 'ninth'" 2>&1)
show "past the refusal slots" "$out"
assert_not_contains "$out" "too many clients" "a refusal past the 8 slots"
assert_not_contains "$out" ninth
# The silent ones end at the handshake deadline: answers come back.
# shellcheck disable=SC2317 # called through wait_for
answered_busy() {
	case $(psql_tls "$port" connect_timeout=3 -c 'select 1' 2>&1) in
	*"too many clients"*) return 0 ;;
	esac
	return 1
}
wait_for 10 answered_busy ||
	fail "no 53300 answer once the silent clients timed out"
wait "$silent"
lines=$(grep -c 'refusing connections:' "$LAUNCHER_LOG")
show "refusal log lines" "$(grep 'refusing connections:' "$LAUNCHER_LOG")"
# At least 11 refusals (the third client, 8 silent ones, the ninth, one
# answered again) in a few seconds: fewer lines than that, and one that
# stands for several.
if [ "$lines" -lt 1 ] || [ "$lines" -gt 8 ]; then
	fail "refusal lines not rate-limited: $lines for 11 and more refusals"
fi
assert_match "$(cat "$LAUNCHER_LOG")" ' ([2-9]|[1-9][0-9]+) refused since the last such line' \
    "a refusal line that counts several"

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
