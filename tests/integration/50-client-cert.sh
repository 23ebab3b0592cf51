#!/bin/bash
# --client-ca: a client certificate signed by the CA is required. psql
# with client.crt connects; without a certificate, or with one from a CA
# that is not trusted, the connection fails and never reaches PostgreSQL.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$(dirname "$0")/../lib.sh"
need_pgstunnel

pg_start db log_connections=on
port=$(free_port)
start_listen "$port" --cert "$CERTS/server.crt" --key "$CERTS/server.key" \
    --upstream "127.0.0.1:$PG_PORT" --client-ca "$CERTS/ca.crt" --log stderr

# libpq wants client keys private to the user.
cp "$CERTS/client.key" "$CERTS/rogue-client.key" "$TEST_TMP/"
chmod 0600 "$TEST_TMP/client.key" "$TEST_TMP/rogue-client.key"

out=$(psql_tls "$port" "sslcert=$CERTS/client.crt" "sslkey=$TEST_TMP/client.key" \
    -Atc "select 'cert-ok'" 2>&1) ||
    { show psql "$out"; show log "$(cat "$LAUNCHER_LOG")"; fail "a trusted client certificate was refused"; }
assert_eq cert-ok "$out"

# TCP connections PostgreSQL has received (log_connections).
tcp_conns() { grep -c 'connection received: host=127\.0\.0\.1' "$PG_LOG"; }
base=$(tcp_conns)
[ "$base" -ge 1 ] || fail "log_connections shows no TCP connection for the first session"

# sslcert pointing at a file that does not exist: libpq sends no certificate.
out=$(psql_tls "$port" "sslcert=$TEST_TMP/none.crt" "sslkey=$TEST_TMP/none.key" \
    -Atc "select 'no-cert-ran'" 2>&1) &&
    fail "a client without a certificate got in"
show "no certificate" "$out"
assert_not_contains "$out" no-cert-ran

out=$(psql_tls "$port" "sslcert=$CERTS/rogue-client.crt" "sslkey=$TEST_TMP/rogue-client.key" \
    -Atc "select 'rogue-ran'" 2>&1) &&
    fail "a client certificate from an untrusted CA got in"
show "rogue certificate" "$out"
assert_not_contains "$out" rogue-ran

# A trusted certificate still works after the refusals.
out=$(psql_tls "$port" "sslcert=$CERTS/client.crt" "sslkey=$TEST_TMP/client.key" \
    -Atc "select 'cert-ok-again'" 2>&1) ||
    { show psql "$out"; fail "a trusted client certificate was refused after the refusals"; }
assert_eq cert-ok-again "$out"
assert_eq $((base + 1)) "$(tcp_conns)" "connections that reached PostgreSQL"

pass
