#!/bin/bash
# A client that stops or dies before the session starts, with
# --handshake-timeout 2, through --listen and socat EXEC:
#  - sends nothing; sends half a startup packet; sends an SSLRequest,
#    reads S and sends nothing more; or sends half a ClientHello after
#    the S, and then waits: pgstunnel closes the connection and its
#    process is gone (reaped) 2 s after the connection, within 8 s;
#  - sends half a ClientHello and closes, or is killed (SIGKILL): the
#    pgstunnel process is gone within 1.5 s of the close, without
#    waiting for the timeout.
# Afterwards no session process is left and a real client still works.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$(dirname "$0")/../lib.sh"
need_pgstunnel

pg_start db
lport=$(free_port)
start_listen "$lport" --cert "$CERTS/server.crt" --key "$CERTS/server.key" \
    --upstream "127.0.0.1:$PG_PORT" --handshake-timeout 2 --log stderr
listener=$LAUNCHER_PID
sport=$(free_port)
start_socat "$sport" --cert "$CERTS/server.crt" --key "$CERTS/server.key" \
    --upstream "127.0.0.1:$PG_PORT" --handshake-timeout 2 --log stderr
socat_group=$LAUNCHER_PID

# The client: does MODE's part, prints "ready", then (wait modes) reads
# until the server closes, or (close) closes, or (kill) waits to be killed.
cat >"$TEST_TMP/client.py" <<'PYEOF'
import os, socket, ssl, struct, sys, time
port, mode, action = int(sys.argv[1]), sys.argv[2], sys.argv[3]
def hello():
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(os.path.join(os.environ["CERTS"], "ca.crt"))
    i, o = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(i, o, server_hostname="localhost")
    try:
        obj.do_handshake()
    except ssl.SSLWantReadError:
        pass
    return o.read()
s = socket.create_connection(("127.0.0.1", port), timeout=10)
start = time.monotonic()
if mode == "half-startup":
    s.sendall(struct.pack("!II", 60, 196608) + b"user\0")
elif mode in ("sslrequest", "half-hello"):
    s.sendall(struct.pack("!II", 8, 80877103))
    if s.recv(1) != b"S":
        print("no S"); sys.exit(1)
    if mode == "half-hello":
        h = hello()
        s.sendall(h[:len(h) // 2])
print("ready", flush=True)
if action == "close":
    # Wait for the test to find our pgstunnel process first.
    for _ in range(1000):
        if os.path.exists(sys.argv[4]):
            break
        time.sleep(0.01)
    s.close(); sys.exit(0)
if action == "kill":
    time.sleep(30); sys.exit(0)
try:
    data = s.recv(4096)
    while data:
        data = s.recv(4096)
    print("eof after %.1f s" % (time.monotonic() - start))
except socket.timeout:
    print("timeout: no close after %.1f s" % (time.monotonic() - start))
except OSError as e:
    print("closed (%s) after %.1f s" % (type(e).__name__, time.monotonic() - start))
PYEOF

# shellcheck disable=SC2317 # called through wait_for
is_ready() { grep -q '^ready' "$TEST_TMP/client.out"; }
# shellcheck disable=SC2317 # called through wait_for
one_session() { [ -n "$(session_pids "$1")" ]; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }

for launcher in listen socat; do
	port=$lport
	[ "$launcher" = socat ] && port=$sport
	for c in idle:wait half-startup:wait sslrequest:wait half-hello:wait \
	    half-hello:close half-hello:kill; do
		mode=${c%%:*} action=${c##*:}
		case=$launcher/$mode/$action
		: >"$TEST_TMP/client.out"
		rm -f "$TEST_TMP/go"
		t0=$(now_ms)
		"$PYTHON" "$TEST_TMP/client.py" "$port" "$mode" "$action" "$TEST_TMP/go" \
		    >"$TEST_TMP/client.out" 2>&1 &
		client=$!
		wait_for 5 is_ready || { cat "$TEST_TMP/client.out"; fail "$case: client not ready"; }
		wait_for 5 one_session "$launcher" || fail "$case: no session process"
		spid=$(session_pids "$launcher")
		[ "$(printf '%s\n' "$spid" | wc -l)" = 1 ] || fail "$case: several sessions: $spid"
		[ "$action" = wait ] || t0=$(now_ms)
		[ "$action" = kill ] && kill -KILL "$client"
		[ "$action" = close ] && touch "$TEST_TMP/go"
		# Generous limits: they tell "ended by the deadline" from
		# "hangs", and must hold on a loaded machine too.
		limit=8
		[ "$action" = wait ] || limit=5
		wait_for 10 ended "$launcher" "$spid" || fail "$case: pgstunnel $spid still there after 10 s"
		ms=$(($(now_ms) - t0))
		wait "$client" 2>/dev/null
		out=$(cat "$TEST_TMP/client.out")
		log "$case: pgstunnel gone after ${ms} ms; client: ${out//$'\n'/ }"
		if [ "$action" = wait ]; then
			[ "$ms" -ge 1900 ] || fail "$case: pgstunnel ended after $ms ms, before the 2 s timeout"
			assert_match "$out" "^(eof|closed)" "$case: the client sees the connection closed"
		fi
		[ "$ms" -le "$(awk -v l="$limit" 'BEGIN { print l * 1000 }')" ] ||
		    fail "$case: pgstunnel lived $ms ms (limit $limit s)"
		assert_eq "" "$(session_pids "$launcher")" "$case: session processes left"
	done
done
show log "$(pgstunnel_lines "$TEST_TMP/socat-$sport.log"; grep -v 'listening on' "$TEST_TMP/listen-$lport.log")"

for p in "$lport" "$sport"; do
	out=$(psql_tls "$p" -Atc "select 'still-serving'" 2>&1) || { show psql "$out"; fail "port $p: no session afterwards"; }
	assert_eq still-serving "$out"
done
pass
