#!/bin/bash
# Before TLS, pgstunnel answers like PostgreSQL (PROTOCOL.md):
#  - GSSENCRequest gets N, and an SSLRequest may follow on that connection;
#  - plaintext sent together with the SSLRequest (buffer stuffing,
#    CVE-2021-23214) never becomes part of a TLS session; as PostgreSQL,
#    pgstunnel answers S, ignores those bytes, and after a proper handshake
#    sends FATAL 08P01 "received unencrypted data after SSL request";
#  - a plaintext StartupMessage is not served;
#  - a packet length under 8 or over 10004 (PostgreSQL subtracts the 4
#    length bytes before comparing with MAX_STARTUP_PACKET_LENGTH 10000)
#    is refused at once.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$(dirname "$0")/../lib.sh"
need_pgstunnel

pg_start db
port=$(free_port)
start_listen "$port" --cert "$CERTS/server.crt" --key "$CERTS/server.key" \
    --upstream "127.0.0.1:$PG_PORT" --log stderr
probe() { "$PYTHON" "$PGWIRE" "$1" "$port" "${@:2}" 2>&1; }

out=$(probe gssenc)
show gssenc "$out"
assert_contains "$out" "gssenc=N"
assert_contains "$out" "ssl=S"
assert_contains "$out" "tls=ok"
assert_contains "$out" "R code=0" "startup after GSSENC refusal and TLS"

out=$(probe stuffing)
show stuffing "$out"
assert_contains "$out" "serverhello=no" "TLS must not start on pre-handshake bytes"
assert_contains "$out" "tls=ok"
assert_match "$out" '^E S=FATAL C=08P01 M=received unencrypted data after SSL request' \
    "refusal after the handshake"

out=$(probe plaintext)
show plaintext "$out"
assert_not_contains "$out" "R code" "a plaintext startup reached authentication"
assert_match "$out" '^(E |EOF)' "plaintext startup refused"

for len in 0 4 7 10005 1000000 4294967295; do
	out=$(probe badlen --length "$len" --timeout 8)
	show "length $len" "$out"
	assert_not_contains "$out" "answer=TIMEOUT" "length $len: connection left open"
	assert_match "$out" '^seconds=[0-4]\.' "length $len: refused at once"
done

pass
