#!/bin/bash
# --upstream-tls verify-ca and verify-full, and --upstream-servername,
# against PostgreSQL with ssl=on (pg-server.crt: SAN DNS:localhost,
# IP:127.0.0.1), accepting hostssl only:
#  - verify-ca with the right CA works even with a wrong server name (the
#    name is not checked, as in libpq);
#  - verify-ca with a CA that did not sign the server: refused, 08001;
#  - verify-full with --upstream-servername wrong.example: refused with
#    08001, the message says the certificate does not match the host name;
#  - verify-full with --upstream-servername localhost and --upstream
#    127.0.0.1:P: works (the name, not the address, is checked).
# 35-upstream-tls covers verify-full by IP address and a wrong CA.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$(dirname "$0")/../lib.sh"
need_pgstunnel

PG_HBA="local all all trust
hostssl all all 127.0.0.1/32 trust" pg_start_tls db

q="select 'q-ok', s.ssl from pg_stat_ssl s where pid = pg_backend_pid()"

# tunnel MODE ARGS...: a --listen pgstunnel to the cluster; sets port.
tunnel() {
	local mode=$1
	shift
	port=$(free_port)
	start_listen "$port" --cert "$CERTS/server.crt" --key "$CERTS/server.key" \
	    --upstream "127.0.0.1:$PG_PORT" --upstream-tls "$mode" --log stderr "$@"
}

# works NAME: psql through $port must run the query over upstream TLS.
works() {
	out=$(psql_tls "$port" -Atc "$q" 2>&1) ||
	    { show psql "$out"; show log "$(cat "$LAUNCHER_LOG")"; fail "$1 failed"; }
	assert_eq "q-ok|t" "$out" "$1: query over TLS upstream"
}

# refused NAME TEXT: psql and a raw client are refused with 08001 and TEXT.
refused() {
	out=$(psql_tls "$port" -Atc "select 'should-not-run'" 2>&1) &&
	    fail "$1: got in"
	show "$1: psql" "$out"
	assert_contains "$out" "$2" "$1: psql shows why"
	assert_not_contains "$out" should-not-run
	wire=$("$PYTHON" "$PGWIRE" steps "$port" --steps ssl,tls,startup 2>&1)
	show "$1: wire" "$wire"
	assert_match "$wire" "^E S=FATAL C=08001 M=pgstunnel: upstream TLS handshake failed: .*$2" \
	    "$1: ErrorResponse 08001"
}

tunnel verify-ca --upstream-ca "$CERTS/ca.crt" --upstream-servername wrong.example
works "verify-ca with a wrong server name"

tunnel verify-ca --upstream-ca "$CERTS/rogue-ca.crt"
refused "verify-ca with the wrong CA" "unknown issuer"

tunnel verify-full --upstream-ca "$CERTS/ca.crt" --upstream-servername wrong.example
refused "verify-full with a wrong server name" "does not match host name"

tunnel verify-full --upstream-ca "$CERTS/ca.crt" --upstream-servername localhost
works "verify-full with --upstream-servername localhost"

# Another name under the same CA that pg-server.crt does not carry.
tunnel verify-full --upstream-ca "$CERTS/ca.crt" --upstream-servername otherhost.example
refused "verify-full with otherhost.example" "does not match host name"

pass
