#!/bin/bash
# CancelRequest inside TLS (libpq 17's PQcancelCreate reuses the session's
# TLS settings, PROTOCOL.md), and CancelRequest lengths of protocol 3.2.
#  - A raw session through pgstunnel reads its BackendKeyData and runs
#    pg_sleep(30); a second connection sends SSLRequest, S, TLS and then
#    the 16-byte CancelRequest: the query ends with SQLSTATE 57014 within
#    2 s and the session goes on. The same with a cancel inside direct TLS.
#  - A cancel with a wrong key reaches PostgreSQL (it logs "wrong key in
#    cancel request") and cancels nothing.
#  - A 268-byte (protocol 3.2 maximum) cancel inside TLS reaches
#    PostgreSQL 15, which logs "invalid length of startup packet" for it,
#    as it does when the same bytes are sent to it directly; a 16-byte
#    one for an unknown pid gets "did not match any process".
#  - Against a recording fake upstream: cancels of total length 16, 20
#    and 268, in cleartext and inside TLS, are forwarded byte for byte and
#    nothing comes back to the client; lengths 15 and 269 (and 12) are not
#    forwarded at all. With --upstream-connect during-handshake the same,
#    except that inside TLS the connection made during the handshake is
#    there, closed without a byte.
# Plaintext cancels (psycopg, psql Ctrl-C) are covered by 32-cancel.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$(dirname "$0")/../lib.sh"
need_pgstunnel

pg_start db
port=$(free_port)
start_listen "$port" --cert "$CERTS/server.crt" --key "$CERTS/server.key" \
    --upstream "127.0.0.1:$PG_PORT" --log stderr

out=$("$PYTHON" - "$port" <<-'PY' 2>&1
	import os, socket, ssl, struct, sys, time, types
	sys.path.insert(0, os.path.dirname(os.environ["PGWIRE"]))
	import pgwire
	import psycopg

	port = int(sys.argv[1])
	args = types.SimpleNamespace(host="127.0.0.1", port=port, timeout=10,
	                             ca=os.path.join(os.environ["CERTS"], "ca.crt"),
	                             cert=None, key=None, name="localhost")
	direct_pg = psycopg.connect("host=%s port=%s user=postgres dbname=postgres"
	                            % (os.environ["PG_SOCKDIR"], os.environ["PG_PORT"]),
	                            autocommit=True)

	def tls_conn(direct=False):
	    sock = pgwire.connect(args)
	    if not direct:
	        sock.sendall(pgwire.SSLREQUEST)
	        assert pgwire.recv_exact(sock, 1) == b"S"
	    ctx = pgwire.tls_context(args, ["postgresql"])
	    return ctx.wrap_socket(sock, server_hostname="localhost")

	def session():
	    s = tls_conn()
	    s.sendall(pgwire.startup_message())
	    pid = key = None
	    for mtype, body in pgwire.read_until_ready(s):
	        if mtype == b"K":
	            pid, key = struct.unpack("!I", body[:4])[0], body[4:]
	    assert pid is not None, "no BackendKeyData"
	    return s, pid, key

	def wait_active(pid):
	    deadline = time.monotonic() + 5
	    while time.monotonic() < deadline:
	        row = direct_pg.execute(
	            "select state, query from pg_stat_activity where pid = %s",
	            (pid,)).fetchone()
	        if row and row[0] == "active" and "pg_sleep" in row[1]:
	            return
	        time.sleep(0.02)
	    raise SystemExit("query never became active")

	def finish(s, start):
	    """Messages up to ReadyForQuery: the SQLSTATE and the seconds."""
	    code = None
	    for mtype, body in pgwire.read_until_ready(s):
	        if mtype == b"E":
	            code = pgwire.error_fields(body).get("C")
	    return code, time.monotonic() - start

	def still_alive(s, tag):
	    s.sendall(pgwire.query_message("select '%s'" % tag))
	    rows = [pgwire.data_row(b)[0] for t, b in pgwire.read_until_ready(s)
	            if t == b"D"]
	    print("%s alive=%s" % (tag, rows))

	def try_cancel(name, direct, make_packet, timeout):
	    s, pid, key = session()
	    s.sendall(pgwire.query_message("SELECT pg_sleep(30)"))
	    wait_active(pid)
	    c = tls_conn(direct)
	    start = time.monotonic()
	    c.sendall(make_packet(pid, key))
	    try:
	        rest = c.recv(1)
	    except (ssl.SSLError, OSError) as e:
	        rest = b"<%s>" % e.__class__.__name__.encode()
	    print("%s answer=%r" % (name, rest))
	    c.close()
	    s.settimeout(timeout)
	    try:
	        code, secs = finish(s, start)
	        print("%s code=%s seconds=%.1f" % (name, code, secs))
	    except socket.timeout:
	        print("%s code=none (still running after %.0f s)" % (name, timeout))
	        # Stop it, so that the session can be reused.
	        direct_pg.execute("select pg_cancel_backend(%s)", (pid,))
	        finish(s, start)
	    still_alive(s, name)
	    s.close()
	    return pid

	try_cancel("tls16", False, lambda p, k: pgwire.cancel_request(p, k), 5)
	try_cancel("direct16", True, lambda p, k: pgwire.cancel_request(p, k), 5)
	pid = try_cancel("wrongkey", False,
	                 lambda p, k: pgwire.cancel_request(p, bytes(b ^ 0xff for b in k)),
	                 1.5)
	print("wrongkey pid=%d" % pid)
	PY
)
show "cancels through pgstunnel" "$out"
for name in tls16 direct16; do
	assert_contains "$out" "$name answer=b''" "$name: the cancel connection is closed without an answer"
	assert_match "$out" "^$name code=57014 seconds=[01]\." "$name: canceled within 2 s"
	assert_contains "$out" "$name alive=['$name']" "$name: the session goes on"
done
assert_contains "$out" "wrongkey code=none" "a wrong key cancels nothing"
assert_contains "$out" "wrongkey alive=['wrongkey']"
wpid=$(printf '%s\n' "$out" | sed -n 's/^wrongkey pid=//p')
[ -n "$wpid" ] || fail "no pid for the wrong-key session"
wait_for 5 grep -q "wrong key in cancel request for process $wpid" "$PG_LOG" ||
    { show "PostgreSQL log" "$(cat "$PG_LOG")"; fail "the wrong-key cancel did not reach PostgreSQL"; }

# --- What PostgreSQL 15 makes of other lengths, through pgstunnel and directly.
count() { grep -c "$1" "$PG_LOG"; }
# wait_count TEXT N: the PostgreSQL log has N lines with TEXT.
# shellcheck disable=SC2317 # called through wait_for
count_at_least() { [ "$(count "$1")" -ge "$2" ]; }
wait_count() {
	wait_for 5 count_at_least "$1" "$2" ||
	    { show "PostgreSQL log" "$(cat "$PG_LOG")"; fail "PostgreSQL did not log [$1] $2 times"; }
}
invalid="invalid length of startup packet"
base=$(count "$invalid")
out=$("$PYTHON" "$PGWIRE" steps "$port" --steps ssl,tls,cancel,eof \
    --cancel-pid 4242 --cancel-keylen 256 2>&1)
show "268-byte cancel inside TLS" "$out"
assert_contains "$out" "cancel sent len=268"
assert_match "$out" '^eof after 0\.' "no answer to a cancel, just the close"
wait_count "$invalid" $((base + 1))
out=$("$PYTHON" "$PGWIRE" steps "$PG_PORT" --steps cancel,eof \
    --cancel-pid 4242 --cancel-keylen 256 2>&1)
show "268-byte cancel to PostgreSQL 15 directly" "$out"
assert_match "$out" '^eof after 0\.' "PostgreSQL closes too"
wait_count "$invalid" $((base + 2))

nomatch="PID 4243 in cancel request did not match any process"
out=$("$PYTHON" "$PGWIRE" steps "$port" --steps direct,cancel,eof --cancel-pid 4243 2>&1)
show "16-byte cancel for an unknown pid inside direct TLS" "$out"
assert_match "$out" '^eof after 0\.'
wait_count "$nomatch" 1

n=$(wait_log_lines "$LAUNCHER_LOG" 9)
log=$(pgstunnel_lines "$LAUNCHER_LOG")
show "pgstunnel log" "$log"
assert_eq 3 "$(printf '%s\n' "$log" | grep -c 'tls=TLSv1\.2/[^ ]*/sslrequest .*end=cancel request forwarded')" \
    "cancels inside TLS after SSLRequest in the log"
assert_eq 2 "$(printf '%s\n' "$log" | grep -c 'tls=TLSv1\.2/[^ ]*/direct .*end=cancel request forwarded')" \
    "cancel inside direct TLS in the log"

# --- Byte for byte, against a recording fake upstream.
fake=$(free_port)
port2=$(free_port)
start_listen "$port2" --cert "$CERTS/server.crt" --key "$CERTS/server.key" \
    --upstream "127.0.0.1:$fake" --log stderr
# record_cancels PORT: what the fake upstream got, through PORT.
record_cancels() {
"$PYTHON" - "$1" "$fake" <<-'PY' 2>&1
	import os, socket, struct, sys, types
	sys.path.insert(0, os.path.dirname(os.environ["PGWIRE"]))
	import pgwire

	port, fake = int(sys.argv[1]), int(sys.argv[2])
	args = types.SimpleNamespace(host="127.0.0.1", port=port, timeout=5,
	                             ca=os.path.join(os.environ["CERTS"], "ca.crt"),
	                             cert=None, key=None, name="localhost")
	lsock = socket.socket()
	lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
	lsock.bind(("127.0.0.1", fake))
	lsock.listen(16)

	def accept_one():
	    """What one upstream connection received, or None if none came.
	    pgstunnel connects upstream before it closes the client, so the
	    connection, if any, is already in the backlog."""
	    lsock.settimeout(0.5)
	    try:
	        c, _ = lsock.accept()
	    except socket.timeout:
	        return None
	    c.settimeout(5)
	    data = b""
	    while True:
	        chunk = c.recv(4096)
	        if not chunk:
	            break
	        data += chunk
	    c.close()
	    return data

	def send(packet, tls):
	    """Send the packet, return what came back before the close."""
	    sock = pgwire.connect(args)
	    if tls:
	        sock.sendall(pgwire.SSLREQUEST)
	        assert pgwire.recv_exact(sock, 1) == b"S"
	        sock = pgwire.tls_context(args, ["postgresql"]).wrap_socket(
	            sock, server_hostname="localhost")
	    try:
	        sock.sendall(packet)
	        answer = sock.recv(1)
	    except OSError as e:
	        answer = b"<%s>" % e.__class__.__name__.encode()
	    sock.close()
	    return answer

	for tls in (False, True):
	    for total in (16, 20, 268, 15, 269, 12):
	        keylen = total - 12
	        packet = struct.pack("!III", total, pgwire.CANCEL_CODE, 4242) + \
	            bytes((i * 7 + total) & 0xff for i in range(keylen))
	        answer = send(packet, tls)
	        data = accept_one()
	        what = ("none" if data is None else
	                "empty" if data == b"" else
	                "same" if data == packet else "differs:" + data.hex())
	        print("tls=%d total=%d upstream=%s answer=%r"
	              % (tls, total, what, answer))
	PY
}
out=$(record_cancels "$port2")
show "cancels to a recording upstream" "$out"
for tls in 0 1; do
	for total in 16 20 268; do
		assert_contains "$out" "tls=$tls total=$total upstream=same answer=b''" \
		    "a $total-byte cancel (tls=$tls) is forwarded unchanged"
	done
	for total in 15 269 12; do
		assert_match "$out" "^tls=$tls total=$total upstream=none " \
		    "a $total-byte cancel (tls=$tls) is not forwarded"
	done
done

# --upstream-connect during-handshake: inside TLS the connection is made
# during the handshake, and a refused packet leaves it closed empty.
port3=$(free_port)
start_listen "$port3" --cert "$CERTS/server.crt" --key "$CERTS/server.key" \
    --upstream "127.0.0.1:$fake" --upstream-connect during-handshake --log stderr
out=$(record_cancels "$port3")
show "cancels to a recording upstream, connect during the handshake" "$out"
for total in 16 20 268; do
	assert_contains "$out" "tls=1 total=$total upstream=same answer=b''" \
	    "early connect: a $total-byte cancel is forwarded unchanged"
done
for total in 15 269 12; do
	assert_match "$out" "^tls=1 total=$total upstream=empty " \
	    "early connect: a $total-byte cancel inside TLS is not forwarded"
	assert_match "$out" "^tls=0 total=$total upstream=none " \
	    "early connect: a cleartext $total-byte cancel makes no connection"
done

pass
