#!/bin/bash
# --upstream-negotiation direct: TLS to the upstream at once (PostgreSQL
# 17's sslnegotiation=direct, ALPN "postgresql"), no SSLRequest.
# PostgreSQL 15 cannot do that, so two pgstunnels are chained:
#   psql (cleartext) -> A (--tls off --upstream-tls verify-full
#   --upstream-negotiation direct) -> B (default: direct TLS accepted)
#   -> PostgreSQL
#  - the query runs; B's log line shows tls=TLSv1.2/.../direct and A's
#    shows the upstream suite;
#  - A against PostgreSQL 15 itself (which takes the ClientHello for a
#    bad startup packet and closes): FATAL 08001 for the client, quickly;
#  - A against B with --direct-tls off: the same, 08001.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$(dirname "$0")/../lib.sh"
need_pgstunnel

pg_start db
portb=$(free_port)
start_listen "$portb" --cert "$CERTS/server.crt" --key "$CERTS/server.key" \
    --upstream "127.0.0.1:$PG_PORT" --log stderr
log_b=$LAUNCHER_LOG

# direct_a PORT UPSTREAM-PORT: pgstunnel A on PORT.
direct_a() {
	start_listen "$1" --tls off --upstream "127.0.0.1:$2" \
	    --upstream-tls verify-full --upstream-ca "$CERTS/ca.crt" \
	    --upstream-negotiation direct --connect-timeout 5 --log stderr
}
plain() {
	psql -X -w -At "host=127.0.0.1 port=$1 user=postgres dbname=postgres sslmode=disable connect_timeout=8" "${@:2}"
}

porta=$(free_port)
direct_a "$porta" "$portb"
log_a=$LAUNCHER_LOG
out=$(plain "$porta" -c "select 'chained-' || 6*7" 2>&1) ||
    { show psql "$out"; show "log A" "$(cat "$log_a")"; show "log B" "$(cat "$log_b")"; fail "psql through A and B failed"; }
assert_eq "chained-42" "$out" "query through the direct-TLS chain"

wait_log_lines "$log_b" 2 >/dev/null
wait_log_lines "$log_a" 2 >/dev/null
lb=$(pgstunnel_lines "$log_b")
la=$(pgstunnel_lines "$log_a")
show "log B" "$lb"
show "log A" "$la"
assert_match "$lb" 'tls=TLSv1\.2/[A-Z0-9-]+/direct user=postgres ' "B took a direct TLS connection"
assert_match "$la" 'tls=off user=postgres .*upstream_tls=ECDHE-' "A used TLS to B"

# A against PostgreSQL 15: no direct TLS there.
porta2=$(free_port)
direct_a "$porta2" "$PG_PORT"
start=$SECONDS
wire=$("$PYTHON" "$PGWIRE" steps "$porta2" --steps startup,eof 2>&1)
show "A against PostgreSQL 15: wire" "$wire"
assert_match "$wire" '^E S=FATAL C=08001 M=pgstunnel: upstream' "08001 when the upstream cannot do direct TLS"
assert_match "$wire" '^eof after ' "closed after the refusal"
[ $((SECONDS - start)) -le 3 ] || fail "the refusal took $((SECONDS - start)) s"
out=$(plain "$porta2" -c "select 'should-not-run'" 2>&1) &&
    fail "direct TLS to PostgreSQL 15 got in"
show "A against PostgreSQL 15: psql" "$out"
assert_contains "$out" "FATAL:  pgstunnel: upstream" "psql shows the refusal"
wait_for 5 grep -q "invalid length of startup packet" "$PG_LOG" ||
    { show "PostgreSQL log" "$(cat "$PG_LOG")"; fail "PostgreSQL did not see the ClientHello"; }

# A against a pgstunnel with --direct-tls off.
portc=$(free_port)
start_listen "$portc" --cert "$CERTS/server.crt" --key "$CERTS/server.key" \
    --upstream "127.0.0.1:$PG_PORT" --direct-tls off --log stderr
porta3=$(free_port)
direct_a "$porta3" "$portc"
wire=$("$PYTHON" "$PGWIRE" steps "$porta3" --steps startup,eof 2>&1)
show "A against --direct-tls off" "$wire"
assert_match "$wire" '^E S=FATAL C=08001 M=pgstunnel: upstream' "08001 against --direct-tls off"

# A TLS server that ignores ALPN: records what it receives after the
# handshake, one line per connection.
portd=$(free_port)
rec=$TEST_TMP/noalpn.rec
(cd "$TEST_TMP" && exec setsid "$PYTHON" - "$portd" "$rec" >"$TEST_TMP/noalpn.log" 2>&1 <<-'PY'
	import os, socket, ssl, sys
	port, rec = int(sys.argv[1]), sys.argv[2]
	ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
	ctx.load_cert_chain(os.path.join(os.environ["CERTS"], "server.crt"),
	                    os.path.join(os.environ["CERTS"], "server.key"))
	ls = socket.socket()
	ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
	ls.bind(("127.0.0.1", port))
	ls.listen(8)
	while True:
	    c, _ = ls.accept()
	    c.settimeout(3)
	    line = "handshake=fail"
	    try:
	        t = ctx.wrap_socket(c, server_side=True)
	        line = "handshake=ok alpn=%s" % t.selected_alpn_protocol()
	        data = b""
	        try:
	            while True:
	                chunk = t.recv(4096)
	                if not chunk:
	                    break
	                data += chunk
	        except (OSError, ssl.SSLError):
	            pass
	        line += " received=%d" % len(data)
	    except (OSError, ssl.SSLError) as e:
	        line += " %s" % e
	    with open(rec, "a") as f:
	        f.write(line + "\n")
	    c.close()
	PY
) &
noalpn_pid=$!
wait_port "$portd"
_track "$noalpn_pid"   # after the exec of setsid, as the launchers do
porta4=$(free_port)
direct_a "$porta4" "$portd"
wire=$("$PYTHON" "$PGWIRE" steps "$porta4" --steps startup,eof 2>&1)
show "A against a TLS server without ALPN" "$wire"
assert_match "$wire" '^E S=FATAL C=08001 M=pgstunnel: upstream did not select ALPN' \
    "08001 when the upstream selects no ALPN"
wait_for 5 test -s "$rec" || { cat "$TEST_TMP/noalpn.log"; fail "the TLS server saw no connection"; }
got=$(cat "$rec")
show "TLS server without ALPN" "$got"
assert_eq "handshake=ok alpn=None received=0" "$got" \
    "nothing but the handshake reached the server that selected no ALPN"

pass
