#!/bin/bash
# A StartupMessage that PostgreSQL's ProcessStartupPacket would refuse is
# refused by pgstunnel with the same words, and never reaches PostgreSQL:
#  - no final NUL, a parameter without a value, data after the terminator:
#    FATAL 08P01 "invalid startup packet layout: expected terminator as
#    last byte";
#  - no user, or an empty one: FATAL 28000 "no PostgreSQL user name
#    specified in startup packet";
# inside TLS and in cleartext (--tls off). PostgreSQL runs with
# log_connections = on: it logs no connection for any of them. Then names
# in the log line: a UTF-8 user name stays readable (jürgen), control
# characters, spaces and '=' are replaced.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$(dirname "$0")/../lib.sh"
need_pgstunnel

pg_start db log_connections=on
tls_port=$(free_port)
start_listen "$tls_port" --cert "$CERTS/server.crt" --key "$CERTS/server.key" \
    --upstream "127.0.0.1:$PG_PORT" --log stderr
tls_log=$LAUNCHER_LOG
clear_port=$(free_port)
start_listen "$clear_port" --tls off --upstream "127.0.0.1:$PG_PORT" \
    --log stderr
clear_log=$LAUNCHER_LOG

# A StartupMessage (protocol 3.0) with this body, as hex.
packet() {
	"$PYTHON" -c 'import struct, sys
body = sys.argv[1].encode().decode("unicode_escape").encode("latin1")
sys.stdout.write((struct.pack("!II", 8 + len(body), 196608) + body).hex())' "$1"
}
steps() { "$PYTHON" "$PGWIRE" steps "$1" --timeout 5 --steps "$2" 2>&1; }

# shellcheck disable=SC2034 # read through ${!want}
layout='^E S=FATAL C=08P01 M=invalid startup packet layout: expected terminator as last byte'
# shellcheck disable=SC2034
nouser='^E S=FATAL C=28000 M=no PostgreSQL user name specified in startup packet'
while IFS='|' read -r what body want; do
	hex=$(packet "$body")
	out=$(steps "$tls_port" "ssl,tls,raw:$hex,read,eof")
	show "TLS: $what" "$out"
	assert_match "$out" "${!want}" "TLS: $what"
	out=$(steps "$clear_port" "raw:$hex,read,eof")
	show "cleartext: $what" "$out"
	assert_match "$out" "${!want}" "cleartext: $what"
done <<'CASES'
no final NUL|user\x00bob\x00|layout
parameter without a value|user\x00bob\x00database\x00\x00|layout
data after the terminator|user\x00bob\x00\x00x\x00|layout
unterminated value|user\x00bo|layout
no user|database\x00postgres\x00\x00|nouser
empty user|user\x00\x00\x00|nouser
CASES

assert_contains "$(cat "$tls_log")" "end=startup packet refused: invalid startup packet layout"
assert_contains "$(cat "$clear_log")" "end=startup packet refused: no PostgreSQL user name"
assert_not_contains "$(cat "$PG_LOG")" "connection received" \
    "a refused startup packet reached PostgreSQL"

# A good one does reach it (log_connections works), and names stay
# readable: the role does not exist, PostgreSQL refuses it, and the log
# line shows the UTF-8 name as sent.
out=$(psql_tls "$tls_port" "user=jürgen" "dbname='caf$(printf '\t')é=x'" -c 'select 1' 2>&1)
show "psql as jürgen" "$out"
assert_contains "$out" 'role "jürgen" does not exist'
wait_for 5 grep -q 'user=jürgen' "$tls_log" ||
	fail "log line lacks user=jürgen: $(tail -n 2 "$tls_log")"
assert_contains "$(cat "$tls_log")" "db=caf?é?x"
assert_contains "$(cat "$PG_LOG")" "connection received"
pass
