#!/bin/bash
# A chain file (leaf signed by an intermediate CA, then the intermediate):
# pgstunnel sends both certificates, and a client trusting only the root
# verifies it. Control: the leaf alone is not enough for that client.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$(dirname "$0")/../lib.sh"
need_pgstunnel

pg_start db
port=$(free_port)
start_listen "$port" --cert "$CERTS/server-chain.crt" --key "$CERTS/server-chain.key" \
    --upstream "127.0.0.1:$PG_PORT" --log stderr
out=$(psql_tls "$port" -Atc "select 'chain-ok'" 2>&1) ||
    { show psql "$out"; fail "verify-full with a root-only client failed"; }
assert_eq chain-ok "$out"

# What the server presents: two certificates, verified against the root.
sc=$(openssl s_client -starttls postgres -connect "127.0.0.1:$port" \
    -servername localhost -showcerts -CAfile "$CERTS/ca.crt" \
    -verify_hostname localhost </dev/null 2>&1)
n=$(printf '%s\n' "$sc" | grep -c -- '-----BEGIN CERTIFICATE-----')
assert_eq 2 "$n" "certificates presented"
assert_contains "$sc" "Verify return code: 0 (ok)"
assert_contains "$sc" "pgstunnel test intermediate CA" "intermediate in the chain"

# Control: the same leaf without its intermediate does not verify.
sed -n '1,/-----END CERTIFICATE-----/p' "$CERTS/server-chain.crt" >"$TEST_TMP/leaf-only.crt"
port2=$(free_port)
start_listen "$port2" --cert "$TEST_TMP/leaf-only.crt" --key "$CERTS/server-chain.key" \
    --upstream "127.0.0.1:$PG_PORT" --log stderr
out=$(psql_tls "$port2" -Atc "select 'leaf-only'" 2>&1) &&
    fail "a leaf without its intermediate verified against the root"
show "leaf only" "$out"
assert_contains "$out" "certificate verify failed"

pass
