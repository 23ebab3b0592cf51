#!/bin/bash
# A refused handshake ends with a TLS alert the client prints, never a
# reset: TLS 1.0 and 1.1 clients get protocol_version in a record version
# they accept (BearSSL's own is 0 before the ServerHello, which OpenSSL
# calls "wrong version number"); a client with no suite in common gets
# handshake_failure; a TLS 1.3-only client gets handshake_failure too
# (BearSSL has no TLS 1.3, and its ClientHello offers only 1.3 suites); a
# direct-TLS client whose ALPN lacks "postgresql" gets
# no_application_protocol. psql shows the alert text; pgstunnel's log
# names the refusal; nothing reaches PostgreSQL.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$(dirname "$0")/../lib.sh"
need_pgstunnel

pg_start db log_connections=on
port=$(free_port)
start_listen "$port" --cert "$CERTS/server.crt" --key "$CERTS/server.key" \
    --upstream "127.0.0.1:$PG_PORT" --log stderr

# refused WHAT EXPECTED-TEXT PSQL-CONNINFO...: psql must fail with it.
refused() {
	local what=$1 want=$2 out
	shift 2
	out=$(psql_tls "$port" "$@" -Atc "select 'ran'" 2>&1) &&
	    fail "$what: psql connected"
	show "$what" "$out"
	assert_not_contains "$out" ran
	assert_not_contains "$out" "reset by peer"
	assert_contains "$out" "$want" "$what"
}
refused "TLS 1.1 at most" "SSL error: tlsv1 alert protocol version" \
    ssl_min_protocol_version=TLSv1 ssl_max_protocol_version=TLSv1.1
refused "TLS 1.3 only" "SSL error: sslv3 alert handshake failure" \
    ssl_min_protocol_version=TLSv1.3

# s_client TLS-OPTION...: what openssl s_client prints through SSLRequest.
s_client() {
	timeout 20 openssl s_client -starttls postgres -connect "127.0.0.1:$port" \
	    -servername localhost "$@" </dev/null 2>&1
}
out=$(s_client -tls1)
show "s_client -tls1" "$out"
assert_contains "$out" "tlsv1 alert protocol version"
assert_not_contains "$out" "wrong version number"
out=$(s_client -tls1_2 -cipher AES128-SHA)
show "no common suite" "$out"
assert_contains "$out" "alert handshake failure"

# Direct TLS (PostgreSQL 17): ALPN without "postgresql".
out=$(timeout 20 openssl s_client -connect "127.0.0.1:$port" \
    -servername localhost -alpn http/1.1 </dev/null 2>&1)
show "direct TLS, ALPN http/1.1" "$out"
assert_contains "$out" "alert no application protocol"
assert_not_contains "$out" "wrong version number"

assert_log_has "$LAUNCHER_LOG" "sent fatal alert 70 (protocol_version)"
assert_log_has "$LAUNCHER_LOG" "handshake failure (no common suite or curve; TLS 1.2 with ECDHE and AEAD needed) (BearSSL error 552)"
assert_log_has "$LAUNCHER_LOG" "no_application_protocol"
# None of them reached PostgreSQL.
if grep -q 'connection received: host=127\.0\.0\.1' "$PG_LOG"; then
	fail "a refused handshake reached PostgreSQL"
fi

pass
