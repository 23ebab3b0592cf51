#!/bin/bash
# TLS to the upstream too (--upstream-tls): PostgreSQL with ssl=on and
# pg-server.crt, accepting only hostssl connections with SCRAM.
#  - verify-full against ca.crt: the backend's own connection is TLS;
#  - verify-full against the wrong CA: refused, the client is told why;
#  - disable (cleartext) to a hostssl-only server: refused by PostgreSQL;
#  - SCRAM channel binding (channel_binding=require) works when pgstunnel
#    presents the upstream's own certificate (PROTOCOL.md).
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$(dirname "$0")/../lib.sh"
need_pgstunnel

mkdir -p "$TEST_TMP/db"
cp "$CERTS/pg-server.crt" "$CERTS/pg-server.key" "$TEST_TMP/db/"
chmod 0600 "$TEST_TMP/db/pg-server.key"
pg_start db ssl=on "ssl_cert_file=$TEST_TMP/db/pg-server.crt" \
    "ssl_key_file=$TEST_TMP/db/pg-server.key" password_encryption=scram-sha-256
psql_direct "alter role postgres password 'sekret'" >/dev/null
cat >"$PG_DATA/pg_hba.conf" <<-EOF2
local all all trust
hostssl all all 127.0.0.1/32 scram-sha-256
EOF2
runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PG_DATA" reload >/dev/null
pw="password=sekret"

tls_q="select ssl, version from pg_stat_ssl where pid = pg_backend_pid()"

port=$(free_port)
start_listen "$port" --cert "$CERTS/server.crt" --key "$CERTS/server.key" \
    --upstream "127.0.0.1:$PG_PORT" --upstream-tls verify-full \
    --upstream-ca "$CERTS/ca.crt" --log stderr
out=$(psql_tls "$port" "$pw" channel_binding=disable -Atc "$tls_q" 2>&1) ||
    { show psql "$out"; show log "$(cat "$LAUNCHER_LOG")"; fail "upstream verify-full failed"; }
assert_eq "t|TLSv1.2" "$out" "the upstream connection is TLS 1.2"

port=$(free_port)
start_listen "$port" --cert "$CERTS/server.crt" --key "$CERTS/server.key" \
    --upstream "127.0.0.1:$PG_PORT" --upstream-tls verify-full \
    --upstream-ca "$CERTS/rogue-ca.crt" --log stderr
out=$(psql_tls "$port" "$pw" channel_binding=disable -Atc "select 'should-not-run'" 2>&1) &&
    fail "an upstream certificate from the wrong CA was accepted"
show "wrong upstream CA" "$out"
assert_contains "$out" upstream "the refusal names the upstream"
assert_not_contains "$out" should-not-run

port=$(free_port)
start_listen "$port" --cert "$CERTS/server.crt" --key "$CERTS/server.key" \
    --upstream "127.0.0.1:$PG_PORT" --log stderr
out=$(psql_tls "$port" "$pw" -Atc "select 'should-not-run'" 2>&1) &&
    fail "a cleartext upstream connection got into a hostssl-only server"
show "cleartext upstream" "$out"
assert_contains "$out" "no encryption" "PostgreSQL's own refusal is relayed"

# Same certificate on both sides: channel binding holds.
port=$(free_port)
start_listen "$port" --cert "$CERTS/pg-server.crt" --key "$CERTS/pg-server.key" \
    --upstream "127.0.0.1:$PG_PORT" --upstream-tls verify-full \
    --upstream-ca "$CERTS/ca.crt" --log stderr
out=$(psql_tls "$port" "$pw" channel_binding=require -Atc "select 'bound'" 2>&1) ||
    { show psql "$out"; show log "$(cat "$LAUNCHER_LOG")"; fail "channel_binding=require with the same certificate failed"; }
assert_eq bound "$out"

pass
