#!/bin/bash
# Every suite pgstunnel offers carries data both ways, with an ECDSA and
# with an RSA key: openssl s_client, limited to one TLS 1.2 suite, sends
# a StartupMessage inside TLS and must read PostgreSQL's ParameterStatus
# back; pgstunnel's log names the same suite. (pgstunnel picks the AES,
# GHASH, ChaCha20 and Poly1305 code itself, once a process: src/tls.c.)
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$(dirname "$0")/../lib.sh"
need_pgstunnel

pg_start db
startup=$TEST_TMP/startup.bin
"$PYTHON" -c '
import struct, sys
body = struct.pack("!I", 196608) + b"user\0postgres\0database\0postgres\0\0"
sys.stdout.buffer.write(struct.pack("!I", len(body) + 4) + body)' >"$startup" ||
    fail "cannot write the StartupMessage"

# one_suite KEYTYPE CERT KEY SUITE
one_suite() {
	local kind=$1 cert=$2 key=$3 suite=$4 port out log
	port=$(free_port)
	start_listen "$port" --cert "$cert" --key "$key" \
	    --upstream "127.0.0.1:$PG_PORT" --log stderr
	log=$LAUNCHER_LOG
	# Stdin stays open a moment after the StartupMessage, so that the
	# answer arrives before s_client closes.
	out=$({ cat "$startup"; sleep 1; } |
	    timeout 20 openssl s_client -starttls postgres -tls1_2 \
	        -cipher "$suite" -connect "127.0.0.1:$port" \
	        -servername localhost -CAfile "$CERTS/ca.crt" \
	        -verify_return_error 2>&1 | tr -d '\000')
	case $out in
	*"Cipher is $suite"*) ;;
	*) show s_client "$out"; fail "$kind: s_client did not negotiate $suite" ;;
	esac
	case $out in
	*server_version*) ;;
	*) show s_client "$out"; fail "$kind $suite: no ParameterStatus came back through TLS" ;;
	esac
	wait_for 10 grep -q "tls=TLSv1.2/$suite/" "$log" ||
	    { cat "$log"; fail "$kind: pgstunnel's log does not name $suite"; }
	kill -TERM "$LAUNCHER_PID"
	printf '%s: %s %s ok\n' "$TEST_NAME" "$kind" "$suite"
}

for s in ECDHE-ECDSA-AES128-GCM-SHA256 ECDHE-ECDSA-AES256-GCM-SHA384 \
    ECDHE-ECDSA-CHACHA20-POLY1305; do
	one_suite ECDSA "$CERTS/server.crt" "$CERTS/server.key" "$s"
done
for s in ECDHE-RSA-AES128-GCM-SHA256 ECDHE-RSA-AES256-GCM-SHA384 \
    ECDHE-RSA-CHACHA20-POLY1305; do
	one_suite RSA "$CERTS/server-rsa.crt" "$CERTS/server-rsa.key" "$s"
done

pass
