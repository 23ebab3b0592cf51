#!/bin/bash
# Each encryption request at most once (PostgreSQL's ProcessStartupPacket):
# a repeated one gets FATAL 0A000 "unsupported frontend protocol
# 1234.567x" and the close; and after S plus TLS both are used up.
#  - GSSENCRequest, N, GSSENCRequest again: 0A000 (1234.5680);
#  - --tls off: SSLRequest, N, SSLRequest again: 0A000 (1234.5679), the
#    same answer PostgreSQL 15 with ssl=off gives for the same bytes;
#  - SSLRequest, S, TLS, then a GSSENCRequest inside TLS: 0A000 (1234.5680)
#    inside the TLS session;
#  - SSLRequest, N (--tls off), then GSSENCRequest: N, and the cleartext
#    startup works (the reverse order of 33-pre-tls-probes).
# 33-pre-tls-probes covers GSSENC N, then SSLRequest S and TLS.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$(dirname "$0")/../lib.sh"
need_pgstunnel

pg_start db
steps() { "$PYTHON" "$PGWIRE" steps "$1" --timeout 5 --steps "$2" 2>&1; }

port=$(free_port)
start_listen "$port" --cert "$CERTS/server.crt" --key "$CERTS/server.key" \
    --upstream "127.0.0.1:$PG_PORT" --log stderr

out=$(steps "$port" gss,gss,eof)
show "GSSENC twice" "$out"
assert_contains "$out" "gssenc=N"
assert_match "$out" '^gssenc=E$' "second GSSENCRequest answered with an ErrorResponse"
assert_match "$out" '^E S=FATAL C=0A000 M=unsupported frontend protocol 1234\.5680: ' \
    "second GSSENCRequest"

out=$(steps "$port" ssl,tls,gss,eof)
show "GSSENC inside TLS" "$out"
assert_contains "$out" "ssl=S"
assert_contains "$out" "tls=ok"
assert_match "$out" '^E S=FATAL C=0A000 M=unsupported frontend protocol 1234\.5680: ' \
    "GSSENCRequest inside TLS after S"

out=$(steps "$port" ssl,tls,ssl,eof)
show "SSLRequest inside TLS" "$out"
assert_match "$out" '^E S=FATAL C=0A000 M=unsupported frontend protocol 1234\.5679: ' \
    "SSLRequest inside TLS after S"

# The session after a refusal is not left open and nothing reached
# PostgreSQL: the listener still serves.
out=$(steps "$port" gss,ssl,tls,startup,query)
assert_contains "$out" "D 1" "a normal session after the refusals"

# --- --tls off: N to SSLRequest.
port=$(free_port)
start_listen "$port" --tls off --upstream "127.0.0.1:$PG_PORT" --log stderr

out=$(steps "$port" ssl,ssl,eof)
show "SSLRequest twice, --tls off" "$out"
assert_contains "$out" "ssl=N"
assert_match "$out" '^E S=FATAL C=0A000 M=unsupported frontend protocol 1234\.5679: ' \
    "second SSLRequest with --tls off"
ours=$(printf '%s\n' "$out" | grep '^E ' | sed 's/: server supports.*//')

# PostgreSQL 15 with ssl=off, the same bytes.
theirs=$(steps "$PG_PORT" ssl,ssl,eof)
show "SSLRequest twice, PostgreSQL 15 ssl=off" "$theirs"
theirs=$(printf '%s\n' "$theirs" | grep '^E ' | sed 's/: server supports.*//')
assert_eq "$theirs" "$ours" "the refusal is PostgreSQL's (up to the version range)"

out=$(steps "$port" ssl,gss,startup,query)
show "SSLRequest N, GSSENCRequest N, cleartext startup (--tls off)" "$out"
assert_contains "$out" "ssl=N"
assert_contains "$out" "gssenc=N"
assert_contains "$out" "R code=0"
assert_contains "$out" "D 1" "the startup after both N answers"

out=$(steps "$port" gss,ssl,gss,eof)
show "GSSENC, SSL, GSSENC (--tls off)" "$out"
assert_match "$out" '^E S=FATAL C=0A000 M=unsupported frontend protocol 1234\.5680: ' \
    "GSSENCRequest after GSSENC N and SSL N"

n=$(wait_log_lines "$LAUNCHER_LOG" 4)
log=$(pgstunnel_lines "$LAUNCHER_LOG")
show "pgstunnel log (--tls off)" "$log"
[ "$n" -ge 4 ] || fail "one log line per connection"
assert_contains "$log" "end=repeated encryption request"

pass
