#!/bin/bash
# The largest StartupMessage PostgreSQL takes is 10004 bytes in all
# (MAX_STARTUP_PACKET_LENGTH 10000 plus the 4 length bytes). Inside TLS:
#  - a StartupMessage of exactly 10004 bytes (padded with a custom
#    parameter pgst.pad) reaches PostgreSQL whole: the session starts and
#    current_setting('pgst.pad') has the full length;
#  - one of 10005 bytes is refused by pgstunnel without reaching
#    PostgreSQL, as PostgreSQL itself refuses it: no answer, and the TLS
#    session ended with a close_notify;
# and PostgreSQL 15 (ssl=on), sent the same two packets directly inside
# TLS, does the same.
# 33-pre-tls-probes covers bad lengths in a cleartext first packet.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$(dirname "$0")/../lib.sh"
need_pgstunnel

pg_start_tls db log_connections=on
port=$(free_port)
start_listen "$port" --cert "$CERTS/server.crt" --key "$CERTS/server.key" \
    --upstream "127.0.0.1:$PG_PORT" --log stderr

# The length of pgst.pad's value in a 10004-byte StartupMessage.
padlen=$("$PYTHON" -c '
import os, sys
sys.path.insert(0, os.path.dirname(os.environ["PGWIRE"]))
import pgwire
m = pgwire.startup_message(total=10004)
assert len(m) == 10004, len(m)
print(m.index(b"pgst.pad\0x") and len(m.split(b"pgst.pad\0")[1]) - 2)')
[ "$padlen" -gt 9000 ] || fail "bad pad length [$padlen]"
q="select length(current_setting('pgst.pad'))"

out=$("$PYTHON" "$PGWIRE" steps "$port" --steps ssl,tls,startup,query \
    --startup-len 10004 --query "$q" 2>&1)
show "10004 bytes inside TLS" "$out"
assert_contains "$out" "R code=0" "a 10004-byte StartupMessage starts a session"
assert_contains "$out" "D $padlen" "PostgreSQL got the whole StartupMessage"

received() { grep -c 'connection received' "$PG_LOG"; }
before=$(received)
out=$("$PYTHON" "$PGWIRE" steps "$port" --steps ssl,tls,startup,eof \
    --startup-len 10005 2>&1)
ours=$out
show "10005 bytes inside TLS" "$out"
assert_contains "$out" "tls=ok"
assert_not_contains "$out" "R code" "a 10005-byte StartupMessage got a session"
assert_match "$out" '^(eof after |startup=fail )' "the connection is closed"

# PostgreSQL 15 directly, inside TLS.
out=$("$PYTHON" "$PGWIRE" steps "$PG_PORT" --steps ssl,tls,startup,query \
    --startup-len 10004 --query "$q" 2>&1)
show "10004 bytes to PostgreSQL 15" "$out"
assert_contains "$out" "D $padlen" "PostgreSQL 15 takes 10004 bytes"
theirs=$("$PYTHON" "$PGWIRE" steps "$PG_PORT" --steps ssl,tls,startup,eof --startup-len 10005 2>&1)
show "10005 bytes to PostgreSQL 15" "$theirs"
assert_contains "$theirs" "tls=ok"
assert_not_contains "$theirs" "R code" "PostgreSQL 15 refuses 10005 bytes"
wait_for 5 grep -q "invalid length of startup packet" "$PG_LOG" ||
    fail "PostgreSQL did not log its refusal"

# Only the direct 10005-byte attempt reached PostgreSQL, not pgstunnel's.
after=$(received)
assert_eq 2 $((after - before)) "connections PostgreSQL received after the 10005-byte one through pgstunnel"

n=$(wait_log_lines "$LAUNCHER_LOG" 3)
log=$(pgstunnel_lines "$LAUNCHER_LOG")
show "pgstunnel log" "$log"
assert_contains "$log" "end=invalid length of startup packet" "pgstunnel says why"

# Last: the manner of the close, pgstunnel's against PostgreSQL's.
assert_eq "$(printf '%s\n' "$theirs" | grep '^eof after')" \
    "$(printf '%s\n' "$ours" | grep '^eof after')" \
    "the close after a 10005-byte StartupMessage inside TLS, as PostgreSQL's"

pass
