#!/bin/bash
# A private key that does not belong to the certificate: pgstunnel exits
# non-zero at start-up with a one-line message, before serving anything,
# on stdin and in --listen mode (which then never listens). Keys and
# certificates of kinds pgstunnel cannot use (encrypted, Ed25519,
# secp256k1, RSA-PSS) are named as such.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$(dirname "$0")/../lib.sh"
need_pgstunnel

# Another RSA key, in PKCS#8 and traditional form, for an RSA/RSA pair.
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
    -out "$TEST_TMP/other-rsa.key" 2>/dev/null || fail "openssl genpkey"
openssl pkey -in "$TEST_TMP/other-rsa.key" -traditional \
    -out "$TEST_TMP/other-rsa-trad.key" || fail "openssl pkey"
cp "$CERTS"/*.key "$TEST_TMP/"

# certificate:key, EC and RSA, PKCS#8 and traditional; a process started
# per connection (the cheap check, keymatch.c) refuses them all.
for combo in server:server-rsa server:otherhost server-rsa:server \
    server:server-rsa-trad server-rsa:server-trad otherhost:server-trad \
    server-rsa:other-rsa server-rsa:other-rsa-trad; do
	IFS=: read -r crt key <<<"$combo"
	err=$(timeout 10 "$PGSTUNNEL" --cert "$CERTS/$crt.crt" --key "$TEST_TMP/$key.key" \
	    --upstream 127.0.0.1:1 --log stderr </dev/null 2>&1 >/dev/null)
	rc=$?
	show "$crt.crt + $key.key (exit $rc)" "$err"
	[ "$rc" -ne 124 ] || fail "$crt.crt + $key.key: still running after 10 s"
	[ "$rc" -ne 0 ] || fail "$crt.crt + $key.key: exit status 0"
	assert_lines 1 "$err" "$crt.crt + $key.key: message"
	assert_contains "$err" "does not match the certificate" \
	    "$crt.crt + $key.key: message says why"
done

# The --listen parent runs the full check (an EC key of the same curve).
port=$(free_port)
err=$(timeout 10 "$PGSTUNNEL" --listen "127.0.0.1:$port" --cert "$CERTS/server.crt" \
    --key "$CERTS/otherhost.key" --upstream 127.0.0.1:1 --log stderr </dev/null 2>&1 >/dev/null)
rc=$?
show "--listen (exit $rc)" "$err"
[ "$rc" -ne 124 ] || fail "--listen with a mismatched key still running after 10 s"
[ "$rc" -ne 0 ] || fail "--listen with a mismatched key: exit status 0"
assert_lines 1 "$err" "--listen: message"
assert_contains "$err" "does not match the certificate" "--listen: message says why"
port_listening "$port" && fail "something listens on $port"

# Keys and certificates pgstunnel cannot use say what they are, in one
# line, exit 66: an encrypted key, Ed25519, secp256k1 and RSA-PSS keys
# and certificates.
openssl pkey -in "$CERTS/server.key" -aes-128-cbc -passout pass:x \
    -out "$TEST_TMP/enc.key" 2>/dev/null || fail "openssl pkey -aes-128-cbc"
for alg in ED25519 EC:secp256k1 RSA-PSS; do
	name=${alg%%:*}
	case $alg in
	EC:*) opts=(-algorithm EC -pkeyopt "ec_paramgen_curve:${alg#EC:}") ;;
	*) opts=(-algorithm "$alg") ;;
	esac
	openssl genpkey "${opts[@]}" -out "$TEST_TMP/$name.key" 2>/dev/null ||
	    fail "openssl genpkey $alg"
	openssl req -new -x509 -key "$TEST_TMP/$name.key" -subj /CN=localhost \
	    -days 2 -out "$TEST_TMP/$name.crt" 2>/dev/null || fail "openssl req $alg"
done
chmod 0600 "$TEST_TMP"/*.key
up=(--upstream 127.0.0.1:1 --log stderr)
start_error 66 "key $TEST_TMP/enc.key: encrypted private keys are not supported; decrypt it first" \
    --cert "$CERTS/server.crt" --key "$TEST_TMP/enc.key" "${up[@]}"
for c in ED25519:"an Ed25519 key" EC:"an EC key on secp256k1" RSA-PSS:"an RSA-PSS key"; do
	name=${c%%:*} kind=${c#*:}
	start_error 66 "certificate $TEST_TMP/$name.crt: certificate 1 in the file holds $kind; pgstunnel supports RSA keys" \
	    --cert "$TEST_TMP/$name.crt" --key "$TEST_TMP/$name.key" "${up[@]}"
	start_error 66 "key $TEST_TMP/$name.key: the file holds $kind; pgstunnel supports RSA keys" \
	    --cert "$CERTS/server.crt" --key "$TEST_TMP/$name.key" "${up[@]}"
done

pass
