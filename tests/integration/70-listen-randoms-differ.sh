#!/bin/bash
# Each child of a --listen pgstunnel must seed its own random generator
# (FIELD-NOTES: reset the engine after fork(), never in the parent): the
# ServerHello randoms and the ECDHE public keys of three connections all
# differ. Read from openssl s_client -msg dumps.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$(dirname "$0")/../lib.sh"
need_pgstunnel

pg_start db
port=$(free_port)
start_listen "$port" --cert "$CERTS/server.crt" --key "$CERTS/server.key" \
    --upstream "127.0.0.1:$PG_PORT" --log stderr

# hello_values: "RANDOM ECDHE-POINT" in hex from one handshake.
hello_values() {
	openssl s_client -starttls postgres -connect "127.0.0.1:$port" \
	    -servername localhost -CAfile "$CERTS/ca.crt" -msg </dev/null 2>&1 |
	"$PYTHON" -c '
import re, sys
msgs, cur = {}, None
for line in sys.stdin:
    m = re.match(r"<<< TLS \S+, Handshake \[length \w+\], (\w+)$", line.rstrip())
    if m:
        cur = m.group(1)
        msgs[cur] = ""
    elif cur and re.match(r"^ +[0-9a-f]{2}( [0-9a-f]{2})*\s*$", line):
        msgs[cur] += line.replace(" ", "").strip()
    else:
        cur = None
hello = bytes.fromhex(msgs.get("ServerHello", ""))
ske = bytes.fromhex(msgs.get("ServerKeyExchange", ""))
if len(hello) < 38 or len(ske) < 8:
    sys.exit("no ServerHello/ServerKeyExchange in the dump")
# ServerHello: type(1) len(3) version(2) random(32); the first 4 bytes
# of the random may be a clock: compare the other 28.
random = hello[10:38].hex()
# ServerKeyExchange (ECDHE): type(1) len(3) curve_type(1) curve(2)
# point_len(1) point.
plen = ske[7]
point = ske[8:8 + plen].hex()
print(random, point)
'
}

values=()
for i in 1 2 3; do
	v=$(hello_values) || fail "handshake $i: could not read the ServerHello"
	log "handshake $i: random ${v% *} point ${v#* }"
	values+=("$v")
done
randoms=$(printf '%s\n' "${values[@]}" | cut -d' ' -f1 | sort -u | wc -l)
points=$(printf '%s\n' "${values[@]}" | cut -d' ' -f2 | sort -u | wc -l)
assert_eq 3 "$randoms" "distinct server randoms in 3 connections"
assert_eq 3 "$points" "distinct ECDHE public keys in 3 connections"

pass
