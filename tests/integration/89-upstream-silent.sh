#!/bin/bash
# Every wait on the upstream is bounded, and the client is told why:
#  - an upstream that accepts but never answers the SSLRequest
#    (--upstream-tls require): the client gets FATAL 08001 naming the
#    timeout after --connect-timeout, not "upstream closed";
#  - a cleartext upstream that takes the StartupMessage and never answers
#    it: FATAL 08006 within the handshake deadline (--handshake-timeout),
#    instead of waiting until the upstream closes, or for ever.
# The fake upstream is a few lines of Python on loopback that accept and
# keep every connection open without a word.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$(dirname "$0")/../lib.sh"
need_pgstunnel

silent=$(free_port)
(cd "$TEST_TMP" && exec setsid "$PYTHON" -c '
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(16)
held = []
while True:
    held.append(s.accept()[0])   # read nothing, answer nothing
' "$silent") &
_track $!
wait_port "$silent"

# elapsed COMMAND...: run it, print its output, then "seconds=N".
elapsed() {
	local start=$SECONDS out
	out=$("$@" 2>&1)
	printf '%s\nseconds=%d\n' "$out" $((SECONDS - start))
}

port=$(free_port)
start_listen "$port" --cert "$CERTS/server.crt" --key "$CERTS/server.key" \
    --upstream "127.0.0.1:$silent" --upstream-tls require \
    --connect-timeout 2 --handshake-timeout 30 --log stderr
out=$(PGST_CONNECT_TIMEOUT=20 elapsed psql_tls "$port" -c 'select 1')
show "silent at the SSLRequest" "$out"
assert_contains "$out" "timeout: upstream did not answer the SSL request"
assert_match "$out" '^seconds=[2-5]$' "ended after --connect-timeout"
wait_for 5 grep -q 'end=upstream failed: timeout' "$LAUNCHER_LOG" ||
	fail "log: $(tail -n 1 "$LAUNCHER_LOG")"

port=$(free_port)
start_listen "$port" --cert "$CERTS/server.crt" --key "$CERTS/server.key" \
    --upstream "127.0.0.1:$silent" --handshake-timeout 3 --log stderr
out=$(PGST_CONNECT_TIMEOUT=20 elapsed psql_tls "$port" -c 'select 1')
show "silent after the startup" "$out"
assert_contains "$out" "did not answer the startup packet within 3 s"
assert_match "$out" '^seconds=[3-6]$' "ended at the handshake deadline"
wait_for 5 grep -q 'end=upstream failed: timeout: no answer to the startup packet' \
    "$LAUNCHER_LOG" || fail "log: $(tail -n 1 "$LAUNCHER_LOG")"
pass
