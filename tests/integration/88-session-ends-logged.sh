#!/bin/bash
# How a session ended, as the log line says it.
# A client that ends TLS with close_notify right after the handshake, before
# its StartupMessage, has closed cleanly: pgstunnel answers with its own
# close_notify, logs "end=client closed after TLS handshake" and exits 0,
# as for a probe that sends nothing. A client that drops the TCP connection
# at the same point without close_notify still ends as an incomplete
# startup packet (exit 1): only the authenticated close is a clean one.
# A StartupMessage cut short says how: close_notify, a TCP close without
# it, or (in the clear) the client's close.
# Both after an SSLRequest and with direct TLS; per-connection processes
# (socat EXEC:) so that each exit status can be seen.
# Then, in a cleartext relay (--tls off), the side that closed first is
# named: "upstream closed" when PostgreSQL ends the backend
# (pg_terminate_backend), "client closed" when the client drops the
# connection; and bytes that
# are no TLS record after 'S' are logged as "not a TLS record".
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$(dirname "$0")/../lib.sh"
need_pgstunnel

pg_start db
steps() { "$PYTHON" "$PGWIRE" steps "$port" --timeout 5 --steps "$1" 2>&1; }

# Each session process's exit status, one line per connection.
exits=$TEST_TMP/exits
cat >"$TEST_TMP/wrap.sh" <<WRAP
#!/bin/sh
"$PGSTUNNEL" "\$@"
echo "exit=\$?" >>"$exits"
WRAP
chmod +x "$TEST_TMP/wrap.sh"

port=$(free_port)
PGSTUNNEL=$TEST_TMP/wrap.sh start_socat "$port" \
    --cert "$CERTS/server.crt" --key "$CERTS/server.key" \
    --upstream "127.0.0.1:$PG_PORT" --log stderr
log=$LAUNCHER_LOG

# one STEPS WANT_END WANT_EXIT WHAT
one() {
	local n before out
	before=$(grep -c 'end=' "$log")
	: >"$exits"
	out=$(steps "$1")
	show "$4" "$out"
	wait_for 10 grep -q '^exit=' "$exits" || fail "$4: no exit status"
	n=$(grep 'end=' "$log" | sed -n "$((before + 1)),\$p")
	assert_contains "$n" "end=$2" "$4: log line"
	assert_eq "exit=$3" "$(cat "$exits")" "$4: exit status"
	echo "$out"
}

out=$(one ssl,tls,notify,eof "client closed after TLS handshake" 0 \
    "close_notify after S")
assert_contains "$out" "close_notify sent"
assert_match "$out" '^eof after [0-9.]+ s$' "pgstunnel answers with close_notify"

out=$(one direct,notify,eof "client closed after TLS handshake" 0 \
    "close_notify after direct TLS")
assert_match "$out" '^eof after [0-9.]+ s$' "pgstunnel answers with close_notify"

one ssl,tls "incomplete startup packet: the connection closed without TLS close_notify before the packet was complete" \
    1 "TCP close without close_notify" >/dev/null
# The same in the middle of the StartupMessage (8 of its 40 bytes), with
# and without close_notify, and in the clear (--tls off below).
one ssl,tls,raw:0000002800030000,notify,eof \
    "incomplete startup packet: the client ended TLS (close_notify) before the packet was complete" \
    1 "close_notify in the middle of the StartupMessage" >/dev/null
one ssl,tls,raw:0000002800030000 \
    "incomplete startup packet: the connection closed without TLS close_notify before the packet was complete" \
    1 "TCP close in the middle of the StartupMessage" >/dev/null

# PostgreSQL never saw any of these connections.
assert_not_contains "$(cat "$log")" "upstream failed" "no upstream attempt"

# Plaintext where the TLS handshake should start.
out=$(steps ssl,raw:474554202f20485454502f312e300d0a0d0a,eof)
show "HTTP after S" "$out"
wait_for 5 grep -q 'not a TLS record' "$log" || fail "log: $(tail -n 1 "$log")"
assert_contains "$(grep 'not a TLS record' "$log")" \
    "end=client TLS handshake failed: not a TLS record (first bytes 47 45 54)"

port=$(free_port)
start_listen "$port" --tls off --upstream "127.0.0.1:$PG_PORT" --log stderr
clear="host=127.0.0.1 port=$port sslmode=disable user=postgres dbname=postgres"
out=$(psql -X -w "$clear" -c 'select pg_terminate_backend(pg_backend_pid())' 2>&1)
show "backend terminated" "$out"
wait_for 5 grep -q 'end=' "$LAUNCHER_LOG" || fail "no log line"
assert_contains "$(grep 'end=' "$LAUNCHER_LOG")" "end=upstream closed"
# The client closes without a Terminate message, so that PostgreSQL cannot
# close first (after psql's Terminate either end may be seen first).
out=$(steps startup,query)
assert_contains "$out" "D 1" "a cleartext session"
# shellcheck disable=SC2317 # called through wait_for
two_lines() { [ "$(grep -c 'end=' "$LAUNCHER_LOG")" -ge 2 ]; }
wait_for 5 two_lines || fail "no second log line"
assert_contains "$(grep 'end=' "$LAUNCHER_LOG" | sed -n 2p)" "end=client closed"
# A cleartext StartupMessage cut short.
steps raw:0000002800030000 >/dev/null
assert_log_has "$LAUNCHER_LOG" "end=incomplete startup packet: the client closed the connection before the packet was complete"
pass
