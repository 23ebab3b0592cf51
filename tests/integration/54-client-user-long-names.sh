#!/bin/bash
# --client-user with names of 64 bytes or more. PostgreSQL cuts the
# startup user to NAMEDATALEN-1 = 63 bytes before it authenticates, so a
# certificate name that long never equals the cut name and PostgreSQL's
# own cert authentication refuses it. pgstunnel must decide the same:
#  - cn: a CN of 64 'p' asking for user pppp...(64) is refused (FATAL
#    28000), does not reach the role of 63 'p', and nothing reaches
#    PostgreSQL; a CN of 63 'p' logs in as that role;
#  - dn: two subjects that share their first 63 bytes (...,C=US and
#    ...,C=DE) reach neither the role named by those 63 bytes nor, asked
#    for in full, anything else;
#  - a map: a mapped name of 64 bytes is compared with the cut user;
#  - each certificate gets the same answer from PostgreSQL's own cert
#    authentication (hostssl ... cert, clientname=DN) as from pgstunnel.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$(dirname "$0")/../lib.sh"
need_pgstunnel

p63=$(printf 'p%.0s' $(seq 63))
p64=${p63}p
dn_us='CN=alice,O=Example Corporation International Holdings Limited,C=US'
dn_de='CN=alice,O=Example Corporation International Holdings Limited,C=DE'
dn_cut=${dn_us:0:63}
assert_eq 63 "${#dn_cut}" "the cut DN's length"
assert_eq "${dn_us:0:63}" "${dn_de:0:63}" "the two DNs' first 63 bytes"

# pgstunnel's cleartext upstream connections: trust. Direct TLS clients:
# PostgreSQL's cert authentication, by CN into template1, by DN into
# postgres.
PG_HBA="local all all trust
hostssl template1 all 127.0.0.1/32 cert
hostssl postgres all 127.0.0.1/32 cert clientname=DN
hostnossl all all 127.0.0.1/32 trust" pg_start_tls db log_connections=on
psql_direct "CREATE ROLE \"$p63\" LOGIN; CREATE ROLE \"$dn_cut\" LOGIN;
    CREATE ROLE pgtest LOGIN" >/dev/null || fail "cannot create the roles"
assert_eq "$dn_cut" "$(psql_direct "select rolname from pg_roles where rolname like 'CN=alice%'")" \
    "the role PostgreSQL made of the DN"
tcp_conns() { grep -c 'connection received: host=127\.0\.0\.1' "$PG_LOG"; }

# client NAME SUBJECT: a client certificate signed by ca.crt.
client() {
	issue_cert "$1" "$2" 'basicConstraints = CA:false\nkeyUsage = critical, digitalSignature\nextendedKeyUsage = clientAuth'
}
client cn63 "/CN=$p63"
client cn64 "/CN=$p64"
client us "/C=US/O=Example Corporation International Holdings Limited/CN=alice"
client de "/C=DE/O=Example Corporation International Holdings Limited/CN=alice"
for c in us:"$dn_us" de:"$dn_de"; do
	got=$(openssl x509 -in "$TEST_TMP/${c%%:*}.crt" -noout -subject -nameopt RFC2253)
	assert_eq "subject=${c#*:}" "$got" "the RFC 2253 subject of ${c%%:*}"
done
cert() { echo "sslcert=$TEST_TMP/$1.crt" "sslkey=$TEST_TMP/$1.key"; }

# direct CERT DB USER: PostgreSQL's own answer (its output, exit status).
direct() {
	# shellcheck disable=SC2046 # cert's two words
	psql -X -w -At "host=localhost hostaddr=127.0.0.1 port=$PG_PORT sslmode=verify-full
	    sslrootcert=$CERTS/ca.crt connect_timeout=5 $(cert "$1") dbname=$2 user='$3'" \
	    -c "select current_user" 2>&1
}

listen() {
	port=$(free_port)
	start_listen "$port" --cert "$CERTS/server.crt" --key "$CERTS/server.key" \
	    --upstream "127.0.0.1:$PG_PORT" --client-ca "$CERTS/ca.crt" \
	    --log stderr "$@"
}
# admitted WHO CERT USER: through pgstunnel, and directly to PostgreSQL,
# the client gets in as the role WHO.
admitted() {
	local out
	# shellcheck disable=SC2046
	out=$(psql_tls "$port" $(cert "$2") "user='$3'" "dbname=$db" \
	    -Atc "select current_user" 2>&1) ||
	    { show psql "$out"; show log "$(cat "$LAUNCHER_LOG")"; fail "refused: $2 as $3"; }
	assert_eq "$1" "$out" "current_user through pgstunnel for $2 as $3"
	[ -z "$map" ] || return 0
	out=$(direct "$2" "$db" "$3") || { show psql "$out"; fail "PostgreSQL refused $2 as $3"; }
	assert_eq "$1" "$out" "current_user from PostgreSQL for $2 as $3"
}
# refused CERT USER: pgstunnel refuses with PostgreSQL's FATAL 28000,
# nothing reaches PostgreSQL, and PostgreSQL itself refuses the same.
refused() {
	local before out
	before=$(tcp_conns)
	# shellcheck disable=SC2046
	out=$(psql_tls "$port" $(cert "$1") "user='$2'" "dbname=$db" \
	    -Atc "select 'ran as ' || current_user" 2>&1) &&
	    { show psql "$out"; fail "$1 got in as $2"; }
	show "refused: $1 as ${2:0:20}..." "$out"
	assert_not_contains "$out" "ran as"
	assert_contains "$out" "FATAL:  certificate authentication failed for user"
	assert_eq "$before" "$(tcp_conns)" "connections that reached PostgreSQL"
	[ -z "$map" ] || return 0
	out=$(direct "$1" "$db" "$2") && { show psql "$out"; fail "PostgreSQL let $1 in as $2"; }
	assert_contains "$out" "certificate authentication failed for user" \
	    "PostgreSQL's own answer for $1 as $2"
}

map=
db=template1
listen --client-user cn
admitted "$p63" cn63 "$p63"
admitted "$p63" cn63 "$p64"   # the cut user is the certificate's name
refused cn64 "$p64"
refused cn64 "$p63"
refused cn64 "${p64}ppppp"
assert_log_has "$LAUNCHER_LOG" "certificate CN $p64 does not match user $p63 (cut to 63 bytes)"
kill -TERM "$LAUNCHER_PID"

db=postgres
listen --client-user dn
refused us "$dn_us"
refused de "$dn_us"
refused us "$dn_cut"
refused de "$dn_cut"
refused de "$dn_de"
kill -TERM "$LAUNCHER_PID"

# A map: the mapped user is compared with the cut name.
map=yes
printf 'pgtest %s\n%s %s\n' "$p64" "$p63" "$p63" >"$TEST_TMP/map"
client pgtest "/CN=pgtest"
db=template1
listen --client-user cn --client-user-map "$TEST_TMP/map"
refused pgtest "$p64"
refused pgtest "$p63"
admitted "$p63" cn63 "$p64"
kill -TERM "$LAUNCHER_PID"

pass
