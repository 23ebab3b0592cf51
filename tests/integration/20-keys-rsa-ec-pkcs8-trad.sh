#!/bin/bash
# Every key form works: ECDSA P-256 and RSA-2048 certificates, each with
# its key in PKCS#8 ("PRIVATE KEY") and traditional ("EC PRIVATE KEY",
# "RSA PRIVATE KEY") PEM. The negotiated suite matches the key type.
# RSA at every size the man page promises (2048, 3072, 4096 bits), each
# per connection (socat: the cheap key check) and under --listen (the
# full one), and --check accepts each.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$(dirname "$0")/../lib.sh"
need_pgstunnel

pg_start db
for combo in server:server:ECDSA server:server-trad:ECDSA \
    server-rsa:server-rsa:RSA server-rsa:server-rsa-trad:RSA; do
	IFS=: read -r crt key kind <<<"$combo"
	port=$(free_port)
	start_listen "$port" --cert "$CERTS/$crt.crt" --key "$CERTS/$key.key" \
	    --upstream "127.0.0.1:$PG_PORT" --log stderr
	out=$(psql_tls "$port" -At -c '\conninfo' -c "select '$key'" 2>&1) ||
	    { show psql "$out"; show log "$(cat "$LAUNCHER_LOG")"; fail "$crt.crt with $key.key: psql failed"; }
	assert_contains "$out" "$key" "$crt.crt with $key.key: query"
	assert_contains "$out" "cipher: ECDHE-$kind-" "$crt.crt with $key.key: suite"
	log "$crt.crt + $key.key: $(printf '%s\n' "$out" | grep -o 'cipher: [^,]*')"
done

# RSA 3072 and 4096: a leaf for localhost signed by the test CA.
for bits in 3072 4096; do
	issue_cert "rsa$bits" /CN=localhost 'basicConstraints = CA:false\nsubjectAltName = DNS:localhost' \
	    -algorithm RSA -pkeyopt "rsa_keygen_bits:$bits"
	assert_contains "$(openssl x509 -in "$TEST_TMP/rsa$bits.crt" -noout -text)" \
	    "Public-Key: ($bits bit)"
	files=(--cert "$TEST_TMP/rsa$bits.crt" --key "$TEST_TMP/rsa$bits.key")
	out=$("$PGSTUNNEL" --check "${files[@]}" --upstream "127.0.0.1:$PG_PORT" 2>&1)
	assert_contains "$out" "rsa$bits.key: belongs to" "--check, RSA-$bits"
	for how in socat listen; do
		port=$(free_port)
		"start_$how" "$port" "${files[@]}" --upstream "127.0.0.1:$PG_PORT" --log stderr
		out=$(psql_tls "$port" -At -c '\conninfo' -c "select 'rsa$bits'" 2>&1) ||
		    { show psql "$out"; show log "$(cat "$LAUNCHER_LOG")"; fail "RSA-$bits under $how: psql failed"; }
		assert_contains "$out" "rsa$bits" "RSA-$bits under $how: query"
		assert_contains "$out" "cipher: ECDHE-RSA-" "RSA-$bits under $how: suite"
	done
	log "RSA-$bits: --check, socat and --listen"
done

# The first line of each key file really is the form the test claims.
assert_eq "-----BEGIN PRIVATE KEY-----" "$(head -n 1 "$CERTS/server.key")"
assert_eq "-----BEGIN EC PRIVATE KEY-----" "$(head -n 1 "$CERTS/server-trad.key")"
assert_eq "-----BEGIN PRIVATE KEY-----" "$(head -n 1 "$CERTS/server-rsa.key")"
assert_eq "-----BEGIN RSA PRIVATE KEY-----" "$(head -n 1 "$CERTS/server-rsa-trad.key")"

pass
