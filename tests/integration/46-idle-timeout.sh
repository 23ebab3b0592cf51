#!/bin/bash
# --idle-timeout 2: a session with no traffic either way for 2 s is
# closed; one that keeps talking is not.
#  - an idle psql session: pgstunnel logs end=idle timeout 2 to 5 s
#    after the last query, its session process exits, the client sees
#    the connection gone (the next query fails);
#  - a raw TLS session: EOF 2 to 5 s after ReadyForQuery, with a TLS
#    close_notify before the TCP close;
#  - a psql session that runs pg_sleep(0.5) six times (3 s in all,
#    never 2 s quiet) is not cut.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$(dirname "$0")/../lib.sh"
need_pgstunnel

pg_start db
port=$(free_port)
start_listen "$port" --cert "$CERTS/server.crt" --key "$CERTS/server.key" \
    --upstream "127.0.0.1:$PG_PORT" --idle-timeout 2 --log stderr
listener=$LAUNCHER_PID

# Session processes: the children of the listener.
children() { ps -o pid= --ppid "$listener" | wc -l; }
# shellcheck disable=SC2317 # called through wait_for
no_children() { [ "$(children)" -eq 0 ]; }
idle_lines() { pgstunnel_lines "$LAUNCHER_LOG" | grep -c 'end=idle timeout'; }
# shellcheck disable=SC2317 # called through wait_for
idle_lines_at_least() { [ "$(idle_lines)" -ge "$1" ]; }

# --- A raw session: seconds from ReadyForQuery to EOF.
out=$("$PYTHON" "$PGWIRE" steps "$port" --timeout 10 --steps ssl,tls,startup,eof 2>&1)
show "raw idle session" "$out"
assert_contains "$out" "Z I"
assert_match "$out" '^eof after [2-4]\.[0-9] s' "an idle raw session is closed after 2 to 5 s"
raw_out=$out
wait_for 5 idle_lines_at_least 1 || fail "no 'end=idle timeout' log line"

# --- An idle psql session, fed through a FIFO.
fifo=$TEST_TMP/psql.in
mkfifo "$fifo"
psql_tls "$port" -At -v ON_ERROR_STOP=0 -f "$fifo" >"$TEST_TMP/psql.out" 2>&1 &
psql_pid=$!
exec 3>"$fifo"
echo "select 'before-idle';" >&3
wait_for 5 grep -q before-idle "$TEST_TMP/psql.out" || fail "psql did not run the first query"
t0=$SECONDS
[ "$(children)" -ge 1 ] || fail "no session process for the psql session"
wait_for 6 idle_lines_at_least 2 || fail "the idle psql session was not closed"
elapsed=$((SECONDS - t0))
if [ "$elapsed" -lt 1 ] || [ "$elapsed" -gt 5 ]; then
	fail "the idle psql session was closed after $elapsed s, not about 2"
fi
wait_for 5 no_children || fail "the session process did not exit after the idle timeout"
echo "select 'after-idle';" >&3
exec 3>&-
wait "$psql_pid"
out=$(cat "$TEST_TMP/psql.out")
show "idle psql" "$out"
assert_contains "$out" before-idle
assert_not_contains "$out" after-idle "a query ran on a timed-out session"
assert_match "$out" 'server closed the connection|connection to server was lost|SSL SYSCALL error|no connection to the server' \
    "psql sees the connection gone"

# --- A busy session is not cut.
out=$(psql_tls "$port" -At \
    -c "select pg_sleep(0.5)" -c "select pg_sleep(0.5)" -c "select pg_sleep(0.5)" \
    -c "select pg_sleep(0.5)" -c "select pg_sleep(0.5)" -c "select pg_sleep(0.5)" \
    -c "select 'busy-ok'" 2>&1) ||
    { show psql "$out"; fail "a busy session was cut"; }
assert_contains "$out" busy-ok "a session with traffic every 0.5 s outlives the idle timeout"

log=$(pgstunnel_lines "$LAUNCHER_LOG")
show "pgstunnel log" "$log"
assert_eq 2 "$(idle_lines)" "idle timeouts in the log"

# Last, as it is about the manner of the close: a TLS session is ended
# with a close_notify (as PostgreSQL's own idle_session_timeout does, after
# its FATAL 57P05), not a bare TCP close a client cannot tell from a
# truncation.
assert_match "$raw_out" '^eof after [0-9.]+ s$' "the idle close is a TLS close_notify, not a bare TCP close"

pass
