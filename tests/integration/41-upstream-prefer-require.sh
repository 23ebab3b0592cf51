#!/bin/bash
# --upstream-tls prefer and require, with libpq's meaning, against a
# PostgreSQL with ssl=off and one with ssl=on that accepts only hostssl:
#  - prefer, ssl=off server: it says N, the session goes on in cleartext
#    (pg_stat_ssl.ssl = f; log "upstream_tls=declined");
#  - prefer and require, ssl=on server: TLS 1.2 upstream (pg_stat_ssl);
#  - require (and verify-full), ssl=off server: the client gets FATAL
#    08001 "... does not support SSL, but SSL was required" (libpq's
#    words), inside its TLS session, and psql shows it; nothing reaches
#    PostgreSQL but the SSLRequest.
# 35-upstream-tls covers verify-full with the right and a wrong CA.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$(dirname "$0")/../lib.sh"
need_pgstunnel

pg_start plain log_connections=on
plain_port=$PG_PORT plain_log=$PG_LOG
PG_HBA="local all all trust
hostssl all all 127.0.0.1/32 trust" pg_start_tls tls
tls_port=$PG_PORT

q="select 'q-ok', s.ssl, coalesce(s.version, '-') from pg_stat_ssl s where pid = pg_backend_pid()"

# tunnel MODE UPSTREAM-PORT [ARGS...]: a --listen pgstunnel; sets port.
tunnel() {
	local mode=$1 up=$2
	shift 2
	port=$(free_port)
	start_listen "$port" --cert "$CERTS/server.crt" --key "$CERTS/server.key" \
	    --upstream "127.0.0.1:$up" --upstream-tls "$mode" --log stderr "$@"
}

# --- prefer against ssl=off: cleartext.
tunnel prefer "$plain_port"
out=$(psql_tls "$port" -Atc "$q" 2>&1) ||
    { show psql "$out"; show log "$(cat "$LAUNCHER_LOG")"; fail "prefer against an ssl=off server failed"; }
assert_eq "q-ok|f|-" "$out" "prefer against ssl=off: cleartext upstream"
wait_log_lines "$LAUNCHER_LOG" 2 >/dev/null
log=$(pgstunnel_lines "$LAUNCHER_LOG")
show "prefer, ssl=off: log" "$log"
assert_contains "$log" "upstream_tls=declined" "the log says the server said N"

# --- prefer and require against ssl=on: TLS upstream.
for mode in prefer require; do
	tunnel "$mode" "$tls_port"
	out=$(psql_tls "$port" -Atc "$q" 2>&1) ||
	    { show psql "$out"; show log "$(cat "$LAUNCHER_LOG")"; fail "$mode against an ssl=on server failed"; }
	assert_eq "q-ok|t|TLSv1.2" "$out" "$mode against ssl=on: TLS upstream"
	wait_log_lines "$LAUNCHER_LOG" 2 >/dev/null
	log=$(pgstunnel_lines "$LAUNCHER_LOG")
	show "$mode, ssl=on: log" "$log"
	assert_match "$log" 'upstream_tls=ECDHE-[A-Z0-9-]+ ' "$mode: the log names the upstream suite"
done

# --- require (and verify-full) against ssl=off: refused with 08001.
before=$(grep -c 'connection received' "$plain_log")
for mode in require verify-full; do
	extra=()
	[ "$mode" = verify-full ] && extra=(--upstream-ca "$CERTS/ca.crt")
	tunnel "$mode" "$plain_port" "${extra[@]}"
	out=$(psql_tls "$port" -Atc "select 'should-not-run'" 2>&1) &&
	    fail "$mode against an ssl=off server got in"
	show "$mode, ssl=off: psql" "$out"
	assert_contains "$out" "does not support SSL, but SSL was required" "$mode: psql shows why"
	assert_not_contains "$out" should-not-run
	wire=$("$PYTHON" "$PGWIRE" steps "$port" --steps ssl,tls,startup,eof 2>&1)
	show "$mode, ssl=off: wire" "$wire"
	assert_contains "$wire" "tls=ok" "the refusal comes inside the client's TLS"
	assert_match "$wire" '^E S=FATAL C=08001 M=pgstunnel: upstream server does not support SSL, but SSL was required' \
	    "$mode against ssl=off: ErrorResponse 08001"
	assert_match "$wire" '^eof after ' "closed after the refusal"
	wait_log_lines "$LAUNCHER_LOG" 3 >/dev/null
	log=$(pgstunnel_lines "$LAUNCHER_LOG")
	assert_contains "$log" "upstream_tls=failed" "$mode: the log says the upstream TLS failed"
done
# PostgreSQL saw the four connections (each an SSLRequest answered N),
# and no session but the first (prefer) one started.
after=$(grep -c 'connection received' "$plain_log")
assert_eq 4 $((after - before)) "connections that reached the ssl=off server under require"
assert_eq 1 "$(grep -c 'connection authorized' "$plain_log")" \
    "sessions on the ssl=off server (only the prefer one)"

pass
