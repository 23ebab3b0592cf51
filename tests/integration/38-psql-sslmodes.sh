#!/bin/bash
# libpq's sslmode words against pgstunnel, with psql (libpq 15):
#  - default (--plaintext reject): sslmode=disable is refused with
#    pgstunnel's ErrorResponse (FATAL 28000 "... requires TLS" and a HINT),
#    which psql prints; prefer, require and verify-full get TLS (\conninfo
#    says SSL) and the query runs; allow (cleartext first, TLS when that
#    is refused) ends up on TLS;
#  - --plaintext allow: sslmode=disable works in cleartext (\conninfo
#    without SSL) and prefer still gets TLS.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$(dirname "$0")/../lib.sh"
need_pgstunnel

pg_start db
port=$(free_port)
start_listen "$port" --cert "$CERTS/server.crt" --key "$CERTS/server.key" \
    --upstream "127.0.0.1:$PG_PORT" --log stderr

# run_psql PORT SSLMODE SQL: psql with that sslmode (no CA for the modes
# that do not verify), \conninfo first.
run_psql() {
	local conn="host=localhost hostaddr=127.0.0.1 port=$1 sslmode=$2"
	conn="$conn connect_timeout=5 user=postgres dbname=postgres"
	case $2 in verify-*) conn="$conn sslrootcert=$CERTS/ca.crt" ;; esac
	psql -X -w -At -v ON_ERROR_STOP=1 "$conn" -c '\conninfo' -c "$3"
}

# --- sslmode=disable refused, with pgstunnel's own words.
out=$(run_psql "$port" disable "select 'should-not-run'" 2>&1) &&
    fail "sslmode=disable got in with --plaintext reject"
show "sslmode=disable" "$out"
assert_contains "$out" "FATAL:  pgstunnel: this server requires TLS" "psql prints the refusal"
assert_contains "$out" "HINT:  Set sslmode=verify-full" "psql prints the HINT"
assert_not_contains "$out" should-not-run
# The SQLSTATE on the wire (psql does not print it for a failed connection).
wire=$("$PYTHON" "$PGWIRE" steps "$port" --steps startup,eof 2>&1)
show "cleartext startup on the wire" "$wire"
assert_match "$wire" '^E S=FATAL C=28000 M=pgstunnel: .*requires TLS' "SQLSTATE 28000"
assert_match "$wire" '^eof after ' "the connection is closed after the refusal"

# --- TLS modes.
for mode in prefer require verify-ca verify-full allow; do
	out=$(run_psql "$port" "$mode" "select 'mode-' || '$mode'" 2>&1) ||
	    { show "sslmode=$mode" "$out"; fail "sslmode=$mode failed"; }
	show "sslmode=$mode" "$out"
	assert_contains "$out" "SSL connection (protocol: TLSv1.2" "sslmode=$mode uses TLS"
	assert_contains "$out" "mode-$mode" "sslmode=$mode: query result"
done

# --- --plaintext allow.
port2=$(free_port)
start_listen "$port2" --cert "$CERTS/server.crt" --key "$CERTS/server.key" \
    --upstream "127.0.0.1:$PG_PORT" --plaintext allow --log stderr
out=$(run_psql "$port2" disable "select 'plain-ok'" 2>&1) ||
    { show "sslmode=disable, --plaintext allow" "$out"; fail "sslmode=disable with --plaintext allow failed"; }
show "sslmode=disable, --plaintext allow" "$out"
assert_contains "$out" "plain-ok"
assert_contains "$out" "You are connected to database" "\\conninfo ran"
assert_not_contains "$out" "SSL connection" "sslmode=disable is cleartext"

for mode in prefer verify-full; do
	out=$(run_psql "$port2" "$mode" "select 'tls-ok'" 2>&1) ||
	    { show "sslmode=$mode, --plaintext allow" "$out"; fail "sslmode=$mode with --plaintext allow failed"; }
	assert_contains "$out" "SSL connection (protocol: TLSv1.2" "sslmode=$mode with --plaintext allow uses TLS"
	assert_contains "$out" "tls-ok"
done

n=$(wait_log_lines "$LAUNCHER_LOG" 4)
log=$(pgstunnel_lines "$LAUNCHER_LOG")
show "pgstunnel log (--plaintext allow)" "$log"
[ "$n" -ge 4 ] || fail "one log line per session"
# psql ends with a Terminate message, on which PostgreSQL closes too: either
# end's close may reach pgstunnel first, so both are right here (test 88
# shows each attribution on its own, without that race).
assert_match "$log" 'tls=off user=postgres .* end=(client|upstream) closed' "the cleartext session's log line"

pass
