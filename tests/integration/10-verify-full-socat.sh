#!/bin/bash
# psql with sslmode=verify-full through socat TCP-LISTEN/EXEC: (pgstunnel
# on a socketpair as stdin/stdout): the query runs, \conninfo reports
# TLS 1.2, the upstream backend sees a plain TCP connection from
# 127.0.0.1, and pgstunnel writes one log line per connection.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$(dirname "$0")/../lib.sh"
need_pgstunnel

pg_start db
port=$(free_port)
start_socat "$port" --cert "$CERTS/server.crt" --key "$CERTS/server.key" \
    --upstream "127.0.0.1:$PG_PORT" --log stderr

out=$(psql_tls "$port" -At -c '\conninfo' \
    -c "select 6*7, s.ssl, a.client_addr
        from pg_stat_ssl s join pg_stat_activity a using (pid)
        where pid = pg_backend_pid()" 2>&1) ||
    { show psql "$out"; fail "psql verify-full through socat failed"; }
show psql "$out"
assert_contains "$out" 'SSL connection (protocol: TLSv1.2' "\\conninfo shows TLS 1.2"
# The tunnel terminates TLS: the backend's own connection is plaintext.
assert_contains "$out" '42|f|127.0.0.1' "query result through the tunnel"

# One log line per connection (socat's own lines left out).
for _ in 1 2; do
	psql_tls "$port" -Atc 'select 1' >/dev/null 2>&1 || fail "psql again failed"
done
n=$(wait_log_lines "$LAUNCHER_LOG" 3)
show "pgstunnel log" "$(pgstunnel_lines "$LAUNCHER_LOG")"
assert_eq 3 "$n" "log lines after 3 connections"

pass
