#!/bin/bash
# --client-cert optional, --client-user cn|dn, --client-user-map, and the
# certificate's CN and serial in the log line.
#  - optional: a client without a certificate and one with a good one get
#    in; one with a certificate from another CA is refused (FATAL 28000)
#    and reaches no PostgreSQL;
#  - cn: the startup user must be the CN (pgtest); postgres gets FATAL
#    28000 'certificate authentication failed for user "postgres"' as from
#    PostgreSQL, and PostgreSQL sees no connection at all, also with
#    --upstream-connect during-handshake; the log names both;
#  - a map: the certificate name alone is no longer enough; '*' allows
#    any user; a map that does not parse stops start-up with its line;
#  - dn: the subject in RFC 2253 text, compared with what
#    openssl x509 -nameopt RFC2253 prints (what PostgreSQL matches), for a
#    subject with several RDNs, escaped characters and UTF-8.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$(dirname "$0")/../lib.sh"
need_pgstunnel

pg_start db log_connections=on
psql_direct "CREATE ROLE pgtest LOGIN; CREATE ROLE \"jürgen\" LOGIN" >/dev/null ||
    fail "cannot create the roles"
cp "$CERTS/client.key" "$CERTS/rogue-client.key" "$TEST_TMP/"
chmod 0600 "$TEST_TMP/client.key" "$TEST_TMP/rogue-client.key"
good=("sslcert=$CERTS/client.crt" "sslkey=$TEST_TMP/client.key")
rogue=("sslcert=$CERTS/rogue-client.crt" "sslkey=$TEST_TMP/rogue-client.key")
none=("sslcert=$TEST_TMP/none.crt" "sslkey=$TEST_TMP/none.key")
tcp_conns() { grep -c 'connection received: host=127\.0\.0\.1' "$PG_LOG"; }
serial=$(openssl x509 -in "$CERTS/client.crt" -noout -serial | sed 's/^serial=//')

# listen ARGS...: a --listen pgstunnel with the client CA; sets $port.
listen() {
	port=$(free_port)
	start_listen "$port" --cert "$CERTS/server.crt" --key "$CERTS/server.key" \
	    --upstream "127.0.0.1:$PG_PORT" --client-ca "$CERTS/ca.crt" \
	    --log stderr "$@"
}
# admitted WHO CONNINFO...: psql gets in, as the current_user WHO.
admitted() {
	local who=$1 out
	shift
	out=$(psql_tls "$port" "$@" -Atc "select current_user" 2>&1) ||
	    { show psql "$out"; show log "$(cat "$LAUNCHER_LOG")"; fail "refused: $*"; }
	assert_eq "$who" "$out" "current_user for $*"
}
# refused TEXT CONNINFO...: psql is refused with TEXT, and nothing reached
# PostgreSQL.
refused() {
	local want=$1 before out
	shift
	before=$(tcp_conns)
	out=$(psql_tls "$port" "$@" -Atc "select 'ran'" 2>&1) &&
	    fail "got in: $*"
	show refused "$out"
	assert_not_contains "$out" ran
	assert_contains "$out" "$want"
	sleep 0.2
	assert_eq "$before" "$(tcp_conns)" "connections that reached PostgreSQL"
}

# --client-cert optional
listen --client-cert optional
admitted postgres "${none[@]}"
admitted postgres "${good[@]}"
refused 'FATAL:  pgstunnel: client certificate refused: certificate chain does not lead to a trusted CA' "${rogue[@]}"
assert_log_has "$LAUNCHER_LOG" "cert_cn=- cert_serial=- sni="
assert_log_has "$LAUNCHER_LOG" "cert_cn=pgtest cert_serial=$serial sni="
assert_log_has "$LAUNCHER_LOG" "end=client certificate refused: certificate chain does not lead to a trusted CA"
rogue_serial=$(openssl x509 -in "$CERTS/rogue-client.crt" -noout -serial | sed 's/^serial=//')
assert_log_has "$LAUNCHER_LOG" "cert_cn=pgtest cert_serial=$rogue_serial sni="
kill -TERM "$LAUNCHER_PID"

# --client-user cn, with the upstream connect during the handshake (which
# client certificates turn off: only a proven client costs a backend);
# with optional certificates, a client without one cannot be that user.
listen --client-user cn --client-cert optional \
    --upstream-connect during-handshake
admitted pgtest "${good[@]}" user=pgtest
refused 'FATAL:  certificate authentication failed for user "postgres"' "${good[@]}"
refused 'FATAL:  certificate authentication failed for user "pgtest"' "${none[@]}" user=pgtest
assert_log_has "$LAUNCHER_LOG" "end=client certificate refused for the user: certificate CN pgtest does not match user postgres"
assert_log_has "$LAUNCHER_LOG" "end=client certificate refused for the user: no client certificate (--client-user CN)"
kill -TERM "$LAUNCHER_PID"

# A map: pgtest may be postgres, not pgtest; "ops" (no such CN) anyone.
cat >"$TEST_TMP/map" <<'MAP'
# certificate-name  database-user
pgtest   postgres   # the CN alone is no longer enough
ops      *
MAP
listen --client-user cn --client-user-map "$TEST_TMP/map"
admitted postgres "${good[@]}"
refused 'FATAL:  certificate authentication failed for user "pgtest"' "${good[@]}" user=pgtest
assert_log_has "$LAUNCHER_LOG" "certificate CN pgtest is not mapped to user pgtest"
kill -TERM "$LAUNCHER_PID"
printf 'pgtest *\n' >"$TEST_TMP/map-any"
listen --client-user cn --client-user-map "$TEST_TMP/map-any"
admitted pgtest "${good[@]}" user=pgtest
admitted postgres "${good[@]}"
kill -TERM "$LAUNCHER_PID"

# A map saved with a UTF-8 byte-order mark: its first entry still counts.
printf '\357\273\277pgtest postgres\n' >"$TEST_TMP/map-bom"
listen --client-user cn --client-user-map "$TEST_TMP/map-bom"
admitted postgres "${good[@]}"
kill -TERM "$LAUNCHER_PID"
# A map over the size limit says what the limit is.
for i in $(seq 10000); do echo "cn$i user$i"; done >"$TEST_TMP/map-big"
start_error 66 "client user map $TEST_TMP/map-big: larger than 16384 bytes" \
    --cert "$CERTS/server.crt" --key "$CERTS/server.key" --upstream "127.0.0.1:$PG_PORT" \
    --client-ca "$CERTS/ca.crt" --client-user cn --client-user-map "$TEST_TMP/map-big" --log stderr

# A map that does not parse: start-up stops, naming the line.
printf 'pgtest postgres\n"unclosed postgres\n' >"$TEST_TMP/map-bad"
err=$(timeout 10 "$PGSTUNNEL" --cert "$CERTS/server.crt" --key "$CERTS/server.key" \
    --upstream "127.0.0.1:$PG_PORT" --client-ca "$CERTS/ca.crt" --client-user cn \
    --client-user-map "$TEST_TMP/map-bad" --log stderr </dev/null 2>&1 >/dev/null)
rc=$?
show "bad map (exit $rc)" "$err"
assert_eq 66 "$rc" "exit status for a bad map"
assert_contains "$err" "client user map $TEST_TMP/map-bad:2:"

# dn: a subject with several RDNs, characters RFC 2253 escapes, UTF-8.
subj='/C=DE/O=Acme, Inc./OU=db+OU=ops/CN=j\C3\BCrgen <x>'
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
    -out "$TEST_TMP/dn.key" 2>/dev/null || fail "genpkey"
chmod 0600 "$TEST_TMP/dn.key"
openssl req -new -key "$TEST_TMP/dn.key" -utf8 -multivalue-rdn \
    -subj "$(printf '%b' "${subj//\\C3\\BC/\\xc3\\xbc}")" -out "$TEST_TMP/dn.csr" ||
    fail "req"
printf 'basicConstraints = CA:false\nkeyUsage = critical, digitalSignature\nextendedKeyUsage = clientAuth\n' \
    >"$TEST_TMP/dn.ext"
openssl x509 -req -in "$TEST_TMP/dn.csr" -CA "$CERTS/ca.crt" -CAkey "$CERTS/ca.key" \
    -CAcreateserial -CAserial "$TEST_TMP/ca.srl" -days 2 -sha256 \
    -extfile "$TEST_TMP/dn.ext" -out "$TEST_TMP/dn.crt" 2>/dev/null || fail "x509 -req"
dn=$(openssl x509 -in "$TEST_TMP/dn.crt" -noout -subject -nameopt RFC2253 | sed 's/^subject=//')
show "openssl's RFC 2253 subject" "$dn"
assert_contains "$dn" 'CN=j\C3\BCrgen \<x\>,OU='
printf '"%s" "jürgen"\n' "$dn" >"$TEST_TMP/map-dn"
listen --client-user dn --client-user-map "$TEST_TMP/map-dn"
admitted "jürgen" "sslcert=$TEST_TMP/dn.crt" "sslkey=$TEST_TMP/dn.key" "user=jürgen"
refused 'FATAL:  certificate authentication failed for user "postgres"' \
    "sslcert=$TEST_TMP/dn.crt" "sslkey=$TEST_TMP/dn.key"
refused 'FATAL:  certificate authentication failed for user "jürgen"' "${good[@]}" "user=jürgen"
kill -TERM "$LAUNCHER_PID"
# Without a map the DN itself must be the user: CN=pgtest is one.
psql_direct 'CREATE ROLE "CN=pgtest" LOGIN' >/dev/null || fail "cannot create the role"
listen --client-user dn
admitted "CN=pgtest" "${good[@]}" "user=CN=pgtest"
refused 'FATAL:  certificate authentication failed for user "pgtest"' "${good[@]}" user=pgtest

pass
