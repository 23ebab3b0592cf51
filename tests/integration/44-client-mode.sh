#!/bin/bash
# Client mode: --tls off --upstream-tls verify-full. Cleartext clients on
# the local side, TLS (verified against ca.crt) to a PostgreSQL that takes
# only hostssl connections. No --cert/--key needed.
#  - psql sslmode=disable gets in; the backend's connection is TLS 1.2;
#  - sslmode=prefer gets N and goes on in cleartext;
#  - sslmode=require fails in libpq ("server does not support SSL");
#  - the same pgstunnel without --upstream-tls is refused by the
#    hostssl-only server (its own "no encryption" error is relayed).
# Password authentication with SCRAM in client mode: 48-client-mode-scram.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$(dirname "$0")/../lib.sh"
need_pgstunnel

PG_HBA="local all all trust
hostssl all all 127.0.0.1/32 trust" pg_start_tls db

port=$(free_port)
start_listen "$port" --tls off --upstream "127.0.0.1:$PG_PORT" \
    --upstream-tls verify-full --upstream-ca "$CERTS/ca.crt" --log stderr

conn="host=127.0.0.1 port=$port user=postgres dbname=postgres connect_timeout=5"
q="select 'client-mode', s.ssl, s.version from pg_stat_ssl s where pid = pg_backend_pid()"

for mode in disable prefer; do
	out=$(psql -X -w -At "$conn sslmode=$mode" -c '\conninfo' -c "$q" 2>&1) ||
	    { show "sslmode=$mode" "$out"; show log "$(cat "$LAUNCHER_LOG")"; fail "sslmode=$mode in client mode failed"; }
	show "sslmode=$mode" "$out"
	assert_contains "$out" "client-mode|t|TLSv1.2" "sslmode=$mode: the upstream connection is TLS"
	assert_contains "$out" "You are connected to database"
	assert_not_contains "$out" "SSL connection" "sslmode=$mode: the local side is cleartext"
done

out=$(psql -X -w -At "$conn sslmode=require" -c "select 'should-not-run'" 2>&1) &&
    fail "sslmode=require got in with --tls off"
show "sslmode=require" "$out"
assert_contains "$out" "server does not support SSL, but SSL was required"

n=$(wait_log_lines "$LAUNCHER_LOG" 4)
log=$(pgstunnel_lines "$LAUNCHER_LOG")
show "pgstunnel log" "$log"
assert_eq 2 "$(printf '%s\n' "$log" | grep -c 'tls=off user=postgres .*upstream_tls=ECDHE-')" \
    "two cleartext sessions with TLS upstream in the log"

# Without upstream TLS, the hostssl-only server says no.
port2=$(free_port)
start_listen "$port2" --tls off --upstream "127.0.0.1:$PG_PORT" --log stderr
out=$(psql -X -w -At "host=127.0.0.1 port=$port2 user=postgres dbname=postgres connect_timeout=5 sslmode=disable" \
    -c "select 'should-not-run'" 2>&1) &&
    fail "cleartext upstream got into a hostssl-only server"
show "no upstream TLS" "$out"
assert_contains "$out" "no encryption" "PostgreSQL's refusal is relayed"

pass
