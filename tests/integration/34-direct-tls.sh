#!/bin/bash
# Direct TLS (PostgreSQL 17's sslnegotiation=direct: the first byte is a
# TLS ClientHello): accepted with ALPN "postgresql" (which pgstunnel
# selects), refused without ALPN or with another protocol, as PostgreSQL
# does by default.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$(dirname "$0")/../lib.sh"
need_pgstunnel

pg_start db
port=$(free_port)
start_listen "$port" --cert "$CERTS/server.crt" --key "$CERTS/server.key" \
    --upstream "127.0.0.1:$PG_PORT" --log stderr
probe() { "$PYTHON" "$PGWIRE" direct "$port" "$@" 2>&1; }

out=$(probe --alpn postgresql)
show "alpn postgresql" "$out"
assert_contains "$out" "tls=ok alpn=postgresql"
assert_contains "$out" "R code=0" "startup over direct TLS"

for alpn in "" "http/1.1"; do
	out=$(probe --alpn "$alpn")
	show "alpn [$alpn]" "$out"
	assert_not_contains "$out" "R code" "direct TLS with ALPN [$alpn] reached the server"
done

# The classic SSLRequest path is unaffected.
out=$("$PYTHON" "$PGWIRE" startup "$port" 2>&1)
assert_contains "$out" "R code=0" "SSLRequest after direct-TLS probes"

pass
