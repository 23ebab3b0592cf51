#!/bin/bash
# A private key that does not belong to the certificate: pgstunnel exits
# non-zero at start-up with a one-line message, before serving anything,
# on stdin and in --listen mode (which then never listens).
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$(dirname "$0")/../lib.sh"
need_pgstunnel

for combo in server:server-rsa server:otherhost server-rsa:server; do
	IFS=: read -r crt key <<<"$combo"
	err=$(timeout 10 "$PGSTUNNEL" --cert "$CERTS/$crt.crt" --key "$CERTS/$key.key" \
	    --upstream 127.0.0.1:1 --log stderr </dev/null 2>&1 >/dev/null)
	rc=$?
	show "$crt.crt + $key.key (exit $rc)" "$err"
	[ "$rc" -ne 124 ] || fail "$crt.crt + $key.key: still running after 10 s"
	[ "$rc" -ne 0 ] || fail "$crt.crt + $key.key: exit status 0"
	assert_lines 1 "$err" "$crt.crt + $key.key: message"
	assert_match "$err" '[Kk]ey' "$crt.crt + $key.key: message names the key"
done

port=$(free_port)
err=$(timeout 10 "$PGSTUNNEL" --listen "127.0.0.1:$port" --cert "$CERTS/server.crt" \
    --key "$CERTS/server-rsa.key" --upstream 127.0.0.1:1 --log stderr </dev/null 2>&1 >/dev/null)
rc=$?
show "--listen (exit $rc)" "$err"
[ "$rc" -ne 124 ] || fail "--listen with a mismatched key still running after 10 s"
[ "$rc" -ne 0 ] || fail "--listen with a mismatched key: exit status 0"
assert_lines 1 "$err" "--listen: message"
port_listening "$port" && fail "something listens on $port"

pass
