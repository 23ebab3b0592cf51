#!/bin/bash
# Direct TLS options (PROTOCOL.md "ALPN and direct TLS"):
#  - --direct-tls-without-alpn allow: a TLS-first client that offers no
#    ALPN gets a session (StartupMessage and a query answered); one that
#    offers "postgresql" still gets it selected;
#  - inside a direct TLS connection an SSLRequest and a GSSENCRequest are
#    answered N (PostgreSQL 17 does that) and a StartupMessage still works;
#  - --direct-tls off: a first byte 0x16 is the start of a PostgreSQL
#    length (0x1603.... is far over 10000): the connection is closed at
#    once with no TLS answer, as PostgreSQL 15/16 do, while SSLRequest
#    still works on the same listener;
#  - --tls off: no direct TLS either (a ClientHello is closed on).
# 34-direct-tls covers the default (ALPN required).
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$(dirname "$0")/../lib.sh"
need_pgstunnel

pg_start db
steps() { "$PYTHON" "$PGWIRE" steps "$port" --timeout 5 "$@" 2>&1; }

# --- TLS-first without ALPN, allowed.
port=$(free_port)
start_listen "$port" --cert "$CERTS/server.crt" --key "$CERTS/server.key" \
    --upstream "127.0.0.1:$PG_PORT" --direct-tls-without-alpn allow --log stderr
out=$(steps --alpn "" --steps direct,startup,query --query "select 'no-alpn-' || 6*7")
show "direct without ALPN, allowed" "$out"
assert_contains "$out" "tls=ok alpn=None" "no ALPN selected when none offered"
assert_contains "$out" "R code=0" "startup over direct TLS without ALPN"
assert_contains "$out" "D no-alpn-42" "query answer over direct TLS without ALPN"

out=$(steps --alpn postgresql --steps direct,startup,query --query "select 'alpn-ok'")
show "direct with ALPN, allow mode" "$out"
assert_contains "$out" "tls=ok alpn=postgresql" "ALPN still selected in allow mode"
assert_contains "$out" "D alpn-ok"

# A wrong ALPN list is still refused (no_application_protocol): "allow"
# is about clients that offer none.
out=$(steps --alpn http/1.1 --steps direct,startup)
show "direct with ALPN http/1.1, allow mode" "$out"
assert_contains "$out" "tls=fail" "ALPN without postgresql refused even in allow mode"
assert_not_contains "$out" "R code"

# The log line names the direct negotiation.
n=$(wait_log_lines "$LAUNCHER_LOG" 4)
log=$(pgstunnel_lines "$LAUNCHER_LOG")
show "pgstunnel log" "$log"
[ "$n" -ge 4 ] || fail "expected a log line per session"
assert_match "$log" 'tls=TLSv1\.2/[^ ]+/direct ' "log line of a direct session"

# --- Requests inside direct TLS: N, then a StartupMessage (default options).
port=$(free_port)
start_listen "$port" --cert "$CERTS/server.crt" --key "$CERTS/server.key" \
    --upstream "127.0.0.1:$PG_PORT" --log stderr
out=$(steps --steps direct,ssl,startup,query --query "select 'after-n'")
show "SSLRequest inside direct TLS" "$out"
assert_contains "$out" "tls=ok alpn=postgresql"
assert_contains "$out" "ssl=N" "SSLRequest inside direct TLS is answered N"
assert_contains "$out" "R code=0" "startup after the N"
assert_contains "$out" "D after-n"

out=$(steps --steps direct,gss,ssl,startup,query --query "select 'after-nn'")
show "GSSENC and SSLRequest inside direct TLS" "$out"
assert_contains "$out" "gssenc=N" "GSSENCRequest inside direct TLS is answered N"
assert_contains "$out" "ssl=N"
assert_contains "$out" "D after-nn"

# Each request at most once, inside direct TLS too (PostgreSQL 17).
out=$(steps --steps direct,ssl,ssl)
show "SSLRequest twice inside direct TLS" "$out"
assert_match "$out" '^E S=FATAL C=0A000 M=unsupported frontend protocol 1234\.5679' \
    "second SSLRequest inside direct TLS"

# --- --direct-tls off: 0x16 is a length.
port=$(free_port)
start_listen "$port" --cert "$CERTS/server.crt" --key "$CERTS/server.key" \
    --upstream "127.0.0.1:$PG_PORT" --direct-tls off --log stderr
out=$(steps --steps hello)
show "ClientHello with --direct-tls off" "$out"
assert_eq "answer=EOF" "$(printf '%s\n' "$out" | grep -o '^answer=[A-Za-z0-9]*')" \
    "a ClientHello gets no answer but the close"

out=$(steps --steps direct,startup)
show "direct TLS client with --direct-tls off" "$out"
assert_contains "$out" "tls=fail" "no TLS handshake with --direct-tls off"
assert_not_contains "$out" "R code"

# PostgreSQL 15 itself does the same with those bytes.
out=$("$PYTHON" "$PGWIRE" steps "$PG_PORT" --timeout 5 --steps hello 2>&1)
show "ClientHello to PostgreSQL 15" "$out"
assert_contains "$out" "answer=EOF" "PostgreSQL 15 closes on a ClientHello"

out=$(steps --steps ssl,tls,startup,query --query "select 'classic'")
show "SSLRequest with --direct-tls off" "$out"
assert_contains "$out" "ssl=S"
assert_contains "$out" "D classic" "SSLRequest still works with --direct-tls off"

n=$(wait_log_lines "$LAUNCHER_LOG" 4)
log=$(pgstunnel_lines "$LAUNCHER_LOG")
show "pgstunnel log (--direct-tls off)" "$log"
assert_contains "$log" "invalid length of startup packet" "why the ClientHello was refused"
assert_not_contains "$log" "/direct " "no direct TLS session with --direct-tls off"

# --- --tls off implies no direct TLS.
port=$(free_port)
start_listen "$port" --tls off --upstream "127.0.0.1:$PG_PORT" --log stderr
out=$(steps --steps direct,startup)
show "direct TLS client with --tls off" "$out"
assert_contains "$out" "tls=fail" "no TLS handshake with --tls off"
assert_not_contains "$out" "R code"

pass
