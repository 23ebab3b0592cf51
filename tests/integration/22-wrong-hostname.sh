#!/bin/bash
# A certificate for another host name (otherhost.example): libpq's
# verify-full refuses it with a name-mismatch message; verify-ca and
# require still connect (the chain is good, only the name is wrong).
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$(dirname "$0")/../lib.sh"
need_pgstunnel

pg_start db
port=$(free_port)
start_listen "$port" --cert "$CERTS/otherhost.crt" --key "$CERTS/otherhost.key" \
    --upstream "127.0.0.1:$PG_PORT" --log stderr

out=$(psql_tls "$port" -Atc "select 'should-not-run'" 2>&1) &&
    fail "verify-full accepted a certificate for otherhost.example"
show verify-full "$out"
assert_contains "$out" 'server certificate for "otherhost.example" does not match host name "localhost"'
assert_not_contains "$out" should-not-run

for mode in verify-ca require; do
	out=$(psql_tls "$port" "sslmode=$mode" -Atc "select '$mode-ok'" 2>&1) ||
	    { show psql "$out"; fail "sslmode=$mode failed"; }
	assert_eq "$mode-ok" "$out"
done

pass
