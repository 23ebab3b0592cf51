#!/bin/bash
# --upstream-cert/--upstream-key: pgstunnel authenticates to PostgreSQL
# with a client certificate. The server (ssl=on, ssl_ca_file=ca.crt)
# accepts only "hostssl ... trust clientcert=verify-full", so the
# certificate's CN (pgtest) must also be the user name.
#  - with client.crt: user pgtest gets in; pg_stat_ssl shows the client DN;
#  - with client.crt but user postgres: PostgreSQL's own refusal
#    ("trust" authentication failed: the CN is not the user) reaches the
#    client;
#  - without a certificate: PostgreSQL's FATAL 28000 "connection requires
#    a valid client certificate" is relayed to the client (psql shows it);
#  - with a certificate from an untrusted CA: PostgreSQL refuses the
#    handshake ("certificate verify failed" in its log), the client gets
#    a FATAL error.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$(dirname "$0")/../lib.sh"
need_pgstunnel

PG_HBA="local all all trust
hostssl all all 127.0.0.1/32 trust clientcert=verify-full" pg_start_tls db
psql_direct "create role pgtest login" >/dev/null || fail "cannot create role pgtest"

q="select 'cert-ok', current_user, s.client_dn from pg_stat_ssl s where pid = pg_backend_pid()"

# tunnel ARGS...: a --listen pgstunnel with upstream verify-full; sets port.
tunnel() {
	port=$(free_port)
	start_listen "$port" --cert "$CERTS/server.crt" --key "$CERTS/server.key" \
	    --upstream "127.0.0.1:$PG_PORT" --upstream-tls verify-full \
	    --upstream-ca "$CERTS/ca.crt" --log stderr "$@"
}

tunnel --upstream-cert "$CERTS/client.crt" --upstream-key "$CERTS/client.key"
out=$(psql_tls "$port" user=pgtest -Atc "$q" 2>&1) ||
    { show psql "$out"; show log "$(cat "$LAUNCHER_LOG")"; fail "the upstream client certificate was not accepted"; }
assert_eq "cert-ok|pgtest|/CN=pgtest" "$out" "session authenticated by the upstream certificate"

out=$(psql_tls "$port" user=postgres -Atc "select 'should-not-run'" 2>&1) &&
    fail "user postgres got in with a certificate for pgtest"
show "certificate for pgtest, user postgres" "$out"
assert_contains "$out" 'authentication failed for user "postgres"' \
    "PostgreSQL's refusal is relayed"

# No certificate.
tunnel
out=$(psql_tls "$port" user=pgtest -Atc "select 'should-not-run'" 2>&1) &&
    fail "a connection without an upstream certificate got in"
show "no upstream certificate: psql" "$out"
assert_contains "$out" "connection requires a valid client certificate" "PostgreSQL's refusal is relayed"
assert_not_contains "$out" should-not-run
wire=$("$PYTHON" "$PGWIRE" steps "$port" --steps ssl,tls,startup,eof 2>&1)
show "no upstream certificate: wire" "$wire"
assert_match "$wire" '^E S=FATAL C=28000 M=connection requires a valid client certificate' \
    "PostgreSQL's ErrorResponse, unchanged, inside the client's TLS"
assert_match "$wire" '^eof after ' "closed after the refusal"

# A certificate from a CA that PostgreSQL does not trust: the handshake
# or the authentication fails; either way PostgreSQL refuses.
cp "$CERTS/rogue-client.key" "$TEST_TMP/rogue-client.key"
tunnel --upstream-cert "$CERTS/rogue-client.crt" --upstream-key "$TEST_TMP/rogue-client.key"
out=$(psql_tls "$port" user=pgtest -Atc "select 'should-not-run'" 2>&1) &&
    fail "an untrusted upstream client certificate got in"
show "untrusted upstream certificate" "$out"
assert_not_contains "$out" should-not-run
assert_contains "$out" "FATAL:" "the client is told"
wait_for 5 grep -q "could not accept SSL connection: certificate verify failed" "$PG_LOG" ||
    { show "PostgreSQL log" "$(cat "$PG_LOG")"; fail "PostgreSQL did not refuse the untrusted certificate"; }

pass
