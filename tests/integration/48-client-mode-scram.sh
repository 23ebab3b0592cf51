#!/bin/bash
# Client mode (--tls off --upstream-tls verify-full) with SCRAM, the
# default password method since PostgreSQL 14. Over the TLS upstream the
# server offers SCRAM-SHA-256-PLUS and SCRAM-SHA-256; libpq (14+) on a
# cleartext connection refuses a server that offers -PLUS ("server
# offered SCRAM-SHA-256-PLUS authentication over a non-SSL connection",
# its guard against TLS stripping), so a cleartext client cannot log in
# unless pgstunnel hides -PLUS from it. Without -PLUS libpq sends the gs2
# flag "n", which the server accepts; channel binding is then not used,
# exactly as when the client talks to PostgreSQL without TLS.
#  - psql sslmode=disable with the right password gets in (TLS upstream);
#  - a wrong password is still refused by PostgreSQL (28P01).
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$(dirname "$0")/../lib.sh"
need_pgstunnel

PG_HBA="local all all trust
hostssl all all 127.0.0.1/32 scram-sha-256" pg_start_tls db password_encryption=scram-sha-256
psql_direct "alter role postgres password 'sekret'" >/dev/null

port=$(free_port)
start_listen "$port" --tls off --upstream "127.0.0.1:$PG_PORT" \
    --upstream-tls verify-full --upstream-ca "$CERTS/ca.crt" --log stderr

conn="host=127.0.0.1 port=$port user=postgres dbname=postgres connect_timeout=5 sslmode=disable"
q="select 'scram-ok', s.ssl from pg_stat_ssl s where pid = pg_backend_pid()"

out=$(psql -X -w -At "$conn password=sekret" -c "$q" 2>&1) ||
    { show psql "$out"; show log "$(cat "$LAUNCHER_LOG")"; fail "SCRAM in client mode failed"; }
assert_eq "scram-ok|t" "$out" "SCRAM login over a TLS upstream from a cleartext client"

out=$(psql -X -w -At "$conn password=wrong" -c "select 'should-not-run'" 2>&1) &&
    fail "a wrong password got in"
show "wrong password" "$out"
assert_contains "$out" 'password authentication failed for user "postgres"'

pass
