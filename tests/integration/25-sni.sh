#!/bin/bash
# Several --cert/--key pairs, chosen by the client's SNI (libpq sends the
# host name), and --route NAME=ADDR sending each name to its own cluster.
#  - localhost -> certs/server.crt (ECDSA), otherhost.example ->
#    otherhost.crt (ECDSA), *.pg.example -> a wildcard RSA certificate made
#    here: psql at verify-full gets in under each name (so each got its own
#    certificate; the RSA one proves both suite families are offered);
#  - openssl s_client: an unknown name and no SNI at all get the first pair;
#  - routes: localhost goes to --upstream (cluster one), otherhost.example
#    and a.pg.example to cluster two, every other name under *.pg.example
#    to cluster three (a wildcard route, listed before the exact one it
#    yields to); the log line names the SNI and the upstream chosen;
#  - a wildcard anywhere but the whole leftmost label stops start-up;
#  - a per-connection launcher (socat) chooses the same way.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$(dirname "$0")/../lib.sh"
need_pgstunnel

pg_start one
port_one=$PG_PORT
pg_start two
port_two=$PG_PORT
pg_start three
port_three=$PG_PORT

# A wildcard RSA certificate from the test CA.
issue_cert wild "/CN=*.pg.example" 'subjectAltName = DNS:*.pg.example\nextendedKeyUsage = serverAuth' \
    -algorithm RSA -pkeyopt rsa_keygen_bits:2048

args=(--cert "$CERTS/server.crt" --key "$CERTS/server.key"
    --cert "$CERTS/otherhost.crt" --key "$CERTS/otherhost.key"
    --cert "$TEST_TMP/wild.crt" --key "$TEST_TMP/wild.key"
    --upstream "127.0.0.1:$port_one"
    --route "otherhost.example=127.0.0.1:$port_two"
    --route "*.pg.example=127.0.0.1:$port_three"
    --route "a.pg.example=127.0.0.1:$port_two" --log stderr)

# served PORT NAME CLUSTER-PORT: psql at verify-full as NAME gets in and
# lands on that cluster.
served() {
	local out
	out=$(psql_tls "$1" "host=$2" -Atc "select current_setting('port')" 2>&1) ||
	    { show "psql as $2" "$out"; show log "$(cat "$LAUNCHER_LOG")"; fail "$2 was not served"; }
	assert_eq "$3" "$out" "the cluster $2 is routed to"
}
# subject_for PORT S_CLIENT-ARGS...: the subject of the certificate served.
subject_for() {
	local port=$1
	shift
	timeout 20 openssl s_client -starttls postgres -connect "127.0.0.1:$port" \
	    "$@" </dev/null 2>/dev/null | openssl x509 -noout -subject 2>/dev/null
}

port=$(free_port)
start_listen "$port" "${args[@]}"
served "$port" localhost "$port_one"
served "$port" otherhost.example "$port_two"
served "$port" a.pg.example "$port_two"
served "$port" b.pg.example "$port_three"
assert_contains "$(subject_for "$port" -servername otherhost.example)" "CN = otherhost.example"
assert_contains "$(subject_for "$port" -servername B.PG.EXAMPLE)" "CN = *.pg.example"
assert_contains "$(subject_for "$port" -servername unknown.example)" "CN = localhost"
assert_contains "$(subject_for "$port" -noservername)" "CN = localhost"
# A name no certificate holds gets the first, which libpq refuses.
out=$(psql_tls "$port" host=unknown.example -Atc "select 1" 2>&1) &&
    fail "verify-full accepted the first certificate for unknown.example"
assert_contains "$out" 'does not match host name "unknown.example"'
assert_log_has "$LAUNCHER_LOG" "sni=otherhost.example upstream=127.0.0.1:$port_two "
assert_log_has "$LAUNCHER_LOG" "sni=a.pg.example upstream=127.0.0.1:$port_two "
assert_log_has "$LAUNCHER_LOG" "sni=b.pg.example upstream=127.0.0.1:$port_three "
assert_log_has "$LAUNCHER_LOG" "sni=localhost upstream=127.0.0.1:$port_one "
assert_match "$(cat "$LAUNCHER_LOG")" "tls=TLSv1\.2/ECDHE-RSA-[A-Z0-9-]+/sslrequest user=postgres db=postgres sni=a\.pg\.example "
kill -TERM "$LAUNCHER_PID"

# The same per connection, under socat.
port=$(free_port)
start_socat "$port" "${args[@]}"
served "$port" otherhost.example "$port_two"
served "$port" localhost "$port_one"
served "$port" c.pg.example "$port_three"

# A bad --route stops start-up.
err=$(timeout 10 "$PGSTUNNEL" "${args[@]}" --route "otherhost.example=db:9" </dev/null 2>&1 >/dev/null)
rc=$?
assert_eq 64 "$rc" "exit status for a name routed twice"
assert_contains "$err" "otherhost.example is routed twice"
for bad in 'x.*.pg.example' 'a*.pg.example' '*'; do
	err=$(timeout 10 "$PGSTUNNEL" "${args[@]}" --route "$bad=db:9" </dev/null 2>&1 >/dev/null)
	rc=$?
	assert_eq 64 "$rc" "exit status for --route $bad"
	assert_contains "$err" "a wildcard must be the whole leftmost label"
done

pass
