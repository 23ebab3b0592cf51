#!/usr/bin/env bash
# PROXY protocol in, behind a real HAProxy (mode tcp) that connects from
# 127.0.0.3, the only --proxy-from address; clients come from 127.0.0.1
# (psql) and 127.0.0.2 (bound by pgwire.py):
#  - HAProxy with send-proxy (v1) in front of --listen, send-proxy-v2 in
#    front of socat EXEC: and systemd-socket-activate: psql at
#    verify-full works, and the log line names the client's address and
#    port, never HAProxy's 127.0.0.3;
#  - a balancer that is not in --proxy-from (HAProxy in front of a
#    pgstunnel that believes only 10.0.0.0/8) is refused, and so is a
#    forged v1 line a client sends directly, under the rate-limited
#    refusal line --allow uses (a burst adds no line; the next counts it);
#  - a v2 LOCAL header (a health check) keeps the balancer's address
#    and ends cleanly; so does v1 UNKNOWN with a session after it;
#  - malformed headers from the balancer's address (wrong signature, a
#    length over the bound, truncated, a v1 line without CRLF, TCP6 with
#    IPv4 addresses, no header at all; a line ending in LF alone while the
#    client waits) close the connection with a log line, nothing answered, and
#    nothing reaches PostgreSQL (log_connections=on);
#  - --allow through PROXY: the address in the header is the one checked;
#  - a connection reset at once is logged by its address (--listen) or
#    as "gone", never as "stdin".
# Runs alone (9x): it counts PostgreSQL's connection lines.
. "$(dirname "$0")/../lib.sh"
need_pgstunnel
command -v haproxy >/dev/null || fail "haproxy is not installed (Debian package haproxy)"

BALANCER=127.0.0.3
pg_start db log_connections=on

common=(--cert "$CERTS/server.crt" --key "$CERTS/server.key"
	--upstream "127.0.0.1:$PG_PORT" --log stderr
	--proxy-protocol any --proxy-from "$BALANCER/32" --handshake-timeout 5)

listen_port=$(free_port)
start_listen "$listen_port" "${common[@]}"
listen_log=$LAUNCHER_LOG
socat_port=$(free_port)
start_socat "$socat_port" "${common[@]}"
socat_log=$LAUNCHER_LOG
ssa_port=$(free_port)
start_ssa "$ssa_port" "${common[@]}"
ssa_log=$LAUNCHER_LOG
# A pgstunnel that believes another balancer only.
other_port=$(free_port)
start_listen "$other_port" --cert "$CERTS/server.crt" --key "$CERTS/server.key" \
	--upstream "127.0.0.1:$PG_PORT" --log stderr \
	--proxy-protocol any --proxy-from 10.0.0.0/8
other_log=$LAUNCHER_LOG
# --allow checks the address from the header.
allow_port=$(free_port)
start_listen "$allow_port" "${common[@]}" --allow 127.0.0.2/32
allow_log=$LAUNCHER_LOG

hp_v1=$(free_port) hp_v2_socat=$(free_port) hp_v2_ssa=$(free_port)
hp_other=$(free_port) hp_allow=$(free_port)
cat >"$TEST_TMP/haproxy.cfg" <<CFG
global
	maxconn 100
defaults
	mode tcp
	timeout connect 5s
	timeout client 30s
	timeout server 30s
listen v1_listen
	bind 127.0.0.1:$hp_v1
	bind 127.0.0.2:$hp_v1
	server s 127.0.0.1:$listen_port send-proxy source $BALANCER
listen v2_socat
	bind 127.0.0.1:$hp_v2_socat
	bind 127.0.0.2:$hp_v2_socat
	server s 127.0.0.1:$socat_port send-proxy-v2 source $BALANCER
listen v2_ssa
	bind 127.0.0.1:$hp_v2_ssa
	bind 127.0.0.2:$hp_v2_ssa
	server s 127.0.0.1:$ssa_port send-proxy-v2 source $BALANCER
listen other
	bind 127.0.0.1:$hp_other
	server s 127.0.0.1:$other_port send-proxy-v2 source $BALANCER
listen allow
	bind 127.0.0.1:$hp_allow
	bind 127.0.0.2:$hp_allow
	server s 127.0.0.1:$allow_port send-proxy-v2 source $BALANCER
CFG
haproxy -c -q -f "$TEST_TMP/haproxy.cfg" || fail "haproxy rejects its configuration"
(cd "$TEST_TMP" && exec setsid haproxy -db -f "$TEST_TMP/haproxy.cfg" \
	>"$TEST_TMP/haproxy.log" 2>&1) &
_track $!
for p in $hp_v1 $hp_v2_socat $hp_v2_ssa $hp_other $hp_allow; do
	wait_port "$p"
done

pg_connections() { grep -c 'connection received' "$PG_LOG" || true; }
# wire PORT BIND STEPS: pgwire.py steps from BIND (ADDR:PORT).
wire() {
	"$PYTHON" "$PGWIRE" steps "$1" --bind "$2" --steps "$3" --timeout 8
}
# send_close PORT BIND HEX: send the bytes from BIND, close the sending
# half as a health check does, print what came back: "answer=EOF" if
# nothing, "answer=EOF ConnectionResetError" and the like for a reset.
send_close() {
	"$PYTHON" - "$@" <<-'PY'
	import socket, sys
	port, bind, data = int(sys.argv[1]), sys.argv[2], bytes.fromhex(sys.argv[3])
	host, _, bport = bind.rpartition(":")
	s = socket.create_connection(("127.0.0.1", port), timeout=8,
	                             source_address=(host, int(bport)))
	print("local=%s:%d" % s.getsockname()[:2])
	got = b""
	try:
	    # A refusal may reset the connection before all is sent.
	    s.sendall(data)
	    s.shutdown(socket.SHUT_WR)
	    while True:
	        b = s.recv(4096)
	        if not b:
	            break
	        got += b
	except OSError as e:
	    print("answer=%s %s" % (got.hex() or "EOF", e.__class__.__name__))
	    sys.exit(0)
	print("answer=%s" % (got.hex() or "EOF"))
	PY
}
# local OUTPUT: the client's address and port from a "local=" line.
local_of() { printf '%s\n' "$1" | sed -n 's/^local=//p'; }
hex() { printf '%s' "$1" | od -An -v -tx1 | tr -d ' \n'; }

# --- through HAProxy: psql, then a client with a known address and port
for front in "$hp_v1:$listen_log" "$hp_v2_socat:$socat_log" "$hp_v2_ssa:$ssa_log"; do
	port=${front%%:*} logf=${front#*:}
	out=$(psql_tls "$port" -At -c "select 'through haproxy'" 2>&1) ||
		{ show "psql" "$out"; cat "$TEST_TMP/haproxy.log"; fail "psql through HAProxy :$port failed"; }
	assert_eq "through haproxy" "$out" "psql through HAProxy :$port"
	out=$(wire "$port" 127.0.0.2:0 ssl,tls,startup)
	client=$(local_of "$out")
	assert_contains "$out" "R code=0" "a session from $client through :$port"
	wait_for 5 grep -q "peer=$client " "$logf" ||
		{ show log "$(cat "$logf")"; fail "no log line with the client's address and port $client"; }
	wait_for 5 grep -q "peer=127.0.0.1:[0-9]* tls=TLSv1.2" "$logf" ||
		fail "no log line with psql's address"
	assert_not_contains "$(cat "$logf")" "peer=$BALANCER" "HAProxy's address in a log line"
	assert_not_contains "$(cat "$logf")" "PROXY header" "a header refused"
done

# --- a balancer that is not in --proxy-from
before=$(pg_connections)
out=$(psql_tls "$hp_other" -At -c "select 1" 2>&1) && fail "psql through an untrusted balancer worked: $out"
proxy_refused="refusing connections from peers not in --proxy-from (--proxy-protocol)"
wait_for 5 grep -q "$proxy_refused: 1 refused since the last such line, the last one from $BALANCER:[0-9]*\$" "$other_log" ||
	{ show log "$(cat "$other_log")"; fail "no refusal of the balancer not in --proxy-from"; }

# --- a forged v1 line sent directly (127.0.0.1 is not the balancer)
forged=$(hex $'PROXY TCP4 10.9.8.7 127.0.0.1 1234 5432\r\n')
out=$(wire "$listen_port" 127.0.0.1:0 "raw:$forged,ssl,eof")
assert_not_contains "$out" "ssl=S" "a forged PROXY line was answered"
wait_for 5 grep -q "$proxy_refused: 1 refused since the last such line, the last one from 127.0.0.1:[0-9]*\$" "$listen_log" ||
	{ show log "$(cat "$listen_log")"; fail "no refusal of the forged line"; }
assert_not_contains "$(cat "$listen_log")" "10.9.8.7" "the forged address was believed"
# Refusals of peers not in --proxy-from share --allow's rate limit: a
# burst within the second adds no line, the next one counts them.
knock "$listen_port" 127.0.0.1:0 4 "$forged"
assert_rate_limited "$listen_log" "$proxy_refused" 5 knock "$listen_port" 127.0.0.1:0 1 "$forged"
assert_not_contains "$(cat "$listen_log")" "end=PROXY header refused: the peer is not in" \
    "a session line of its own for a rate-limited refusal"

# --- v2 LOCAL (a health check) and v1 UNKNOWN from the balancer
local_hdr=$(hex $'\r\n\r\n')000d0a515549540a20000000
out=$(send_close "$socat_port" "$BALANCER:0" "$local_hdr")
assert_contains "$out" "answer=EOF" "what a LOCAL health check got back"
assert_not_contains "$out" "answer=EOF " "how a LOCAL health check ended"
client=$(local_of "$out")
wait_for 5 grep -q "peer=$client .*end=closed before sending a packet$" "$socat_log" ||
	{ show log "$(cat "$socat_log")"; fail "no clean line for the LOCAL health check"; }
assert_not_contains "$(cat "$socat_log")" "exited with status" "a health check's exit status"
out=$(wire "$listen_port" "$BALANCER:0" "raw:$(hex $'PROXY UNKNOWN\r\n'),ssl,tls,startup")
assert_contains "$out" "R code=0" "a session after PROXY UNKNOWN"
client=$(local_of "$out")
wait_for 5 grep -q "peer=$client tls=TLSv1.2" "$listen_log" ||
	fail "UNKNOWN did not keep the balancer's address"

# --- malformed headers from the balancer: a line each, nothing to PostgreSQL
sig=$(hex $'\r\n\r\n')000d0a515549540a
inet=2111000c7f0000017f000001a0001538
bad=(
	"$(hex $'\r\n\r\n')000d0a51554958 0a$inet:not a PROXY v2 signature"
	"${sig}21110401:header longer than the 1040 bytes"
	"${sig}2111000c7f000001:PROXY header incomplete: peer closed"
	"$(hex $'PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n')0000000804d2162f:the line ends in LF without CR"
	"0000000804d2162f:no PROXY protocol header"
	"$(hex $'PROXY TCP6 1.2.3.4 5.6.7.8 1 2\r\n')0000000804d2162f:TCP6 with an IPv4 address"
)
before=$(pg_connections)
for b in "${bad[@]}"; do
	bytes=${b%%:*} want=${b#*:}
	bytes=${bytes// /}
	out=$(send_close "$listen_port" "$BALANCER:0" "$bytes")
	assert_contains "$out" "answer=EOF" "a malformed header was answered ($want)"
	client=$(local_of "$out")
	wait_for 5 grep -q "peer=$client .*$want" "$listen_log" ||
		{ show log "$(cat "$listen_log")"; fail "no log line saying '$want'"; }
done
# A line that ends in LF alone, the client then waiting (as a health
# check may): refused for what it is, not left to the handshake timeout.
for line in $'PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n' $'PROXY UNKNOWN\n'; do
	out=$(wire "$listen_port" "$BALANCER:0" "raw:$(hex "$line"),eof")
	client=$(local_of "$out")
	wait_for 5 grep -q "peer=$client .*end=PROXY header refused: PROXY v1: the line ends in LF without CR" "$listen_log" ||
		{ show log "$(cat "$listen_log")"; fail "a line ending in LF alone: not refused as such"; }
done
sleep 0.3
assert_eq "$before" "$(pg_connections)" "connections that reached PostgreSQL after malformed headers"

# --- --allow checks the address in the header
out=$(wire "$hp_allow" 127.0.0.2:0 ssl,tls,startup)
assert_contains "$out" "R code=0" "127.0.0.2 is in --allow"
allowed=$(local_of "$out")
out=$(wire "$hp_allow" 127.0.0.1:0 ssl,eof)
assert_not_contains "$out" "ssl=S" "127.0.0.1 is not in --allow, but was answered"
refused=$(local_of "$out")
wait_for 5 grep -q "not in --allow: 1 refused since the last such line, the last one from $refused\$" "$allow_log" ||
	{ show log "$(cat "$allow_log")"; fail "no --allow refusal line for $refused"; }
assert_contains "$(cat "$allow_log")" "peer=$allowed " "the allowed client's line"
assert_not_contains "$(cat "$allow_log")" "peer=$refused " "a session line for the refused client"

# --- a balancer's connection reset at once (as HAProxy's check-send-proxy
# health checks may end): --listen names it by accept()'s address, a
# per-connection process whose socket has no peer left says "gone";
# never "stdin", and never a --proxy-from refusal of its own address.
reset_at_once() {
	"$PYTHON" - "$1" "$BALANCER" <<-'PY'
	import socket, struct, sys
	s = socket.socket()
	s.bind((sys.argv[2], 0))
	s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
	s.connect(("127.0.0.1", int(sys.argv[1])))
	print(s.getsockname()[1])
	s.close()  # RST
	PY
}
rport=$(reset_at_once "$listen_port")
wait_for 5 grep -q "peer=$BALANCER:$rport " "$listen_log" ||
	{ show log "$(tail -5 "$listen_log")"; fail "the reset connection is not named by its address"; }
reset_at_once "$ssa_port" >/dev/null
# Without an address it cannot be in --proxy-from: refused as such.
wait_for 5 grep -Eq "peer=$BALANCER:[0-9]+ |the last one from (gone|$BALANCER:[0-9]+)\$" "$ssa_log" ||
	{ show log "$(tail -5 "$ssa_log")"; fail "no line for the reset connection under systemd-socket-activate"; }
for f in "$listen_log" "$ssa_log"; do
	assert_not_contains "$(cat "$f")" "peer=stdin" "a socket logged as stdin"
done

pass
