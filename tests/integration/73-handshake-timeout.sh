#!/bin/bash
# --handshake-timeout: a client that connects and sends nothing, or stops
# in the middle of the handshake, is dropped after about that many
# seconds. An established session lasts longer than the timeout.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$(dirname "$0")/../lib.sh"
need_pgstunnel

pg_start db
port=$(free_port)
start_listen "$port" --cert "$CERTS/server.crt" --key "$CERTS/server.key" \
    --upstream "127.0.0.1:$PG_PORT" --handshake-timeout 1 --log stderr

out=$("$PYTHON" "$PGWIRE" idle "$port" --timeout 10 2>&1)
show "idle client" "$out"
assert_contains "$out" "answer=EOF" "an idle client is dropped"
assert_match "$out" '^seconds=[1-3]\.' "dropped after about 1 s"

# An established session is not cut by the handshake timeout.
out=$(psql_tls "$port" -Atc "select 'slept ' || pg_sleep(1.6)::text" 2>&1) ||
    { show psql "$out"; fail "a session was cut after the handshake"; }
assert_eq "slept " "$out"

pass
