#!/bin/bash
# Upstream forms: the absolute path of a Unix socket (the backend sees a
# local connection: client_port -1), a host name (localhost:PORT), and an
# IPv6 literal ([::1]:PORT) when this machine has IPv6 loopback.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$(dirname "$0")/../lib.sh"
need_pgstunnel

ipv6=no
if "$PYTHON" -c 'import socket; s = socket.socket(socket.AF_INET6); s.bind(("::1", 0))' 2>/dev/null; then
	ipv6=yes
	pg_start db listen_addresses=127.0.0.1,::1
else
	log "no IPv6 loopback here: the [::1] case is left out"
	pg_start db
fi

q='select s.client_port, s.client_addr from pg_stat_activity s where s.pid = pg_backend_pid()'

sock=$PG_SOCKDIR/.s.PGSQL.$PG_PORT
[ -S "$sock" ] || fail "no socket $sock"
port=$(free_port)
start_socat "$port" --cert "$CERTS/server.crt" --key "$CERTS/server.key" \
    --upstream "$sock" --log stderr
out=$(psql_tls "$port" -Atc "$q" 2>&1) ||
    { show psql "$out"; show log "$(cat "$LAUNCHER_LOG")"; fail "Unix socket upstream failed"; }
assert_eq "-1|" "$out" "backend sees a Unix-socket client"

port=$(free_port)
start_listen "$port" --cert "$CERTS/server.crt" --key "$CERTS/server.key" \
    --upstream "$sock" --log stderr
out=$(psql_tls "$port" -Atc "$q" 2>&1) ||
    { show psql "$out"; fail "Unix socket upstream (--listen) failed"; }
assert_eq "-1|" "$out" "backend sees a Unix-socket client (--listen)"

port=$(free_port)
start_listen "$port" --cert "$CERTS/server.crt" --key "$CERTS/server.key" \
    --upstream "localhost:$PG_PORT" --log stderr
out=$(psql_tls "$port" -Atc "select client_addr from pg_stat_activity where pid = pg_backend_pid()" 2>&1) ||
    { show psql "$out"; fail "upstream localhost:PORT failed"; }
assert_match "$out" '^(127\.0\.0\.1|::1)$' "backend sees a TCP client"

if [ "$ipv6" = yes ]; then
	port=$(free_port)
	start_listen "$port" --cert "$CERTS/server.crt" --key "$CERTS/server.key" \
	    --upstream "[::1]:$PG_PORT" --log stderr
	out=$(psql_tls "$port" -Atc "select client_addr from pg_stat_activity where pid = pg_backend_pid()" 2>&1) ||
	    { show psql "$out"; fail "upstream [::1]:PORT failed"; }
	assert_eq "::1" "$out" "backend sees an IPv6 client"
fi

pass
