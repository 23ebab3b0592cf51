#!/bin/bash
# --client-ca: a client certificate signed by the CA is required. psql
# with client.crt connects; without a certificate, with one from a CA
# that is not trusted, or with a server's certificate (extendedKeyUsage
# serverAuth only), the connection fails with the TLS alert psql prints
# (certificate_required, unknown_ca, unsupported_certificate), the log
# names the reason and the alert, and nothing reaches PostgreSQL.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$(dirname "$0")/../lib.sh"
need_pgstunnel

pg_start db log_connections=on
port=$(free_port)
start_listen "$port" --cert "$CERTS/server.crt" --key "$CERTS/server.key" \
    --upstream "127.0.0.1:$PG_PORT" --client-ca "$CERTS/ca.crt" --log stderr

# libpq wants client keys private to the user.
cp "$CERTS/client.key" "$CERTS/rogue-client.key" "$CERTS/server.key" "$TEST_TMP/"
chmod 0600 "$TEST_TMP/client.key" "$TEST_TMP/rogue-client.key" "$TEST_TMP/server.key"

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
assert_contains "$out" "SSL error: tlsv13 alert certificate required"

out=$(psql_tls "$port" "sslcert=$CERTS/rogue-client.crt" "sslkey=$TEST_TMP/rogue-client.key" \
    -Atc "select 'rogue-ran'" 2>&1) &&
    fail "a client certificate from an untrusted CA got in"
show "rogue certificate" "$out"
assert_not_contains "$out" rogue-ran
assert_contains "$out" "SSL error: tlsv1 alert unknown ca"

# A server's certificate, from the trusted CA, is not a client's: OpenSSL
# and PostgreSQL say "unsupported certificate purpose".
out=$(psql_tls "$port" "sslcert=$CERTS/server.crt" "sslkey=$TEST_TMP/server.key" \
    -Atc "select 'server-cert-ran'" 2>&1) &&
    fail "a server certificate was accepted as a client certificate"
show "server certificate" "$out"
assert_not_contains "$out" server-cert-ran
assert_contains "$out" "SSL error: sslv3 alert unsupported certificate"

assert_log_has "$LAUNCHER_LOG" "client sent no certificate (BearSSL error 29); sent alert certificate_required"
assert_log_has "$LAUNCHER_LOG" "; sent alert unknown_ca"
assert_log_has "$LAUNCHER_LOG" "unsupported certificate purpose (its extendedKeyUsage lacks clientAuth, or its keyUsage digitalSignature) (BearSSL error 1034); sent alert unsupported_certificate"
assert_not_contains "$(cat "$LAUNCHER_LOG")" "Connection reset"

# A trusted certificate still works after the refusals.
out=$(psql_tls "$port" "sslcert=$CERTS/client.crt" "sslkey=$TEST_TMP/client.key" \
    -Atc "select 'cert-ok-again'" 2>&1) ||
    { show psql "$out"; fail "a trusted client certificate was refused after the refusals"; }
assert_eq cert-ok-again "$out"
assert_eq $((base + 1)) "$(tcp_conns)" "connections that reached PostgreSQL"

pass
