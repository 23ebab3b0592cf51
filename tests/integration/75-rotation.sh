#!/bin/bash
# Certificate rotation without a restart.
#  - --listen: the server certificate and key are replaced (renamed over,
#    as a careful operator or certbot does) between two connections; the
#    next connection gets the new certificate, without a signal (the parent
#    looks at the files when a client comes, at most once a second); the
#    log says so;
#  - a broken replacement (a key that is not the certificate's) keeps the
#    old pair served, with an error line naming the file, never an exit;
#    once the files are good again they are taken;
#  - per connection (socat): the next connection reads the new files.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$(dirname "$0")/../lib.sh"
need_pgstunnel

pg_start db
dir=$TEST_TMP/tls
mkdir -p "$dir"
# install CERT KEY: replace the served pair by rename, as one does.
install_pair() {
	cp "$1" "$dir/.new.crt" && cp "$2" "$dir/.new.key" || fail "cp"
	chmod 0600 "$dir/.new.key"
	mv -f "$dir/.new.key" "$dir/server.key" && mv -f "$dir/.new.crt" "$dir/server.crt" ||
	    fail "mv"
}
install_pair "$CERTS/server.crt" "$CERTS/server.key"
args=(--cert "$dir/server.crt" --key "$dir/server.key"
    --upstream "127.0.0.1:$PG_PORT" --log stderr)

# serial PORT: the serial of the certificate served.
serial_of() {
	timeout 20 openssl s_client -starttls postgres -connect "127.0.0.1:$1" \
	    -servername localhost </dev/null 2>/dev/null |
	    openssl x509 -noout -serial 2>/dev/null
}
old=$(openssl x509 -in "$CERTS/server.crt" -noout -serial)
new=$(openssl x509 -in "$CERTS/server-rsa.crt" -noout -serial)
[ "$old" != "$new" ] || fail "the two certificates have one serial"
# (The listener looks at the files at most once a second.)
wait_serial() { [ "$(serial_of "$1")" = "$2" ]; }

port=$(free_port)
start_listen "$port" "${args[@]}"
assert_eq "$old" "$(serial_of "$port")" "the first certificate"
sleep 1.1
install_pair "$CERTS/server-rsa.crt" "$CERTS/server-rsa.key"
wait_for 10 wait_serial "$port" "$new" || fail "the new certificate is not served"
out=$(psql_tls "$port" -Atc "select 'after-rotation'" 2>&1)
assert_eq after-rotation "$out" "psql at verify-full after the rotation"
assert_contains "$(cat "$LAUNCHER_LOG")" "reloaded the certificates, keys and CRLs (a file changed)"

# A broken replacement: the ECDSA certificate with the RSA key.
sleep 1.1
cp "$CERTS/server.crt" "$dir/.new.crt" && mv -f "$dir/.new.crt" "$dir/server.crt"
# (The files are looked at when a client comes.)
# shellcheck disable=SC2317 # called through wait_for
failed_reload_seen() {
	serial_of "$port" >/dev/null
	grep -q "reload (a file changed) failed" "$LAUNCHER_LOG"
}
wait_for 10 failed_reload_seen ||
    { cat "$LAUNCHER_LOG"; fail "no line for the failed reload"; }
assert_contains "$(cat "$LAUNCHER_LOG")" "key $dir/server.key:"
kill -0 "$LAUNCHER_PID" || fail "a broken replacement ended the listener"
assert_eq "$new" "$(serial_of "$port")" "the pair served after a broken replacement"
out=$(psql_tls "$port" -Atc "select 'still-serving'" 2>&1)
assert_eq still-serving "$out" "psql after a broken replacement"
# Fixed: the good pair is taken.
sleep 1.1
install_pair "$CERTS/server.crt" "$CERTS/server.key"
wait_for 10 wait_serial "$port" "$old" || fail "the fixed pair is not served"
kill -TERM "$LAUNCHER_PID"

# Per connection: each process reads the files it is started with.
port=$(free_port)
start_socat "$port" "${args[@]}"
assert_eq "$old" "$(serial_of "$port")" "socat: the first certificate"
install_pair "$CERTS/server-rsa.crt" "$CERTS/server-rsa.key"
assert_eq "$new" "$(serial_of "$port")" "socat: the next connection"

pass
