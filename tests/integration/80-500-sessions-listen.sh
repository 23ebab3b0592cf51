#!/bin/bash
# Load: 500 concurrent sessions through pgstunnel --listen
# (--max-connections 600), all open at the same time: 500 psycopg
# threads with sslmode=verify-full connect, wait for each other, each runs
# a query whose answer depends on its number while PostgreSQL counts
# exactly 500 tunnel backends, and all 500 answers are right. Then the
# listener has no child left and still serves a new client.
# 500 sessions against a plain build; 100 against a sanitizer build
# (memory safety under concurrency, not the host's speed); see
# load_sessions in lib.sh. PGST_LOAD_SESSIONS sets the number. Every
# deadline scales with it (manyconn.py says how).
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$(dirname "$0")/../lib.sh"
need_pgstunnel
n=$(load_sessions)
log "$n concurrent sessions ($(load_mode) build)"

pg_start db max_connections=$((n + 100))
port=$(free_port)
start_listen "$port" --cert "$CERTS/server.crt" --key "$CERTS/server.key" \
    --upstream "127.0.0.1:$PG_PORT" --max-connections $((n + 100)) --log stderr
listener=$LAUNCHER_PID

start=$SECONDS
out=$("$PYTHON" "$REPO/tests/manyconn.py" "$port" --n "$n" --hold 1 2>&1)
rc=$?
show "$n sessions ($((SECONDS - start)) s)" "$out"
[ "$rc" -eq 0 ] || { show "listener log (tail)" "$(tail -20 "$LAUNCHER_LOG")"; fail "not every session succeeded"; }
assert_match "$out" "^connected=$n correct=$n seen_min=$n seen_max=$n " "all $n sessions at once"

# Every session ended: no pgstunnel child left (zombie or not).
# shellcheck disable=SC2317 # called through wait_for
no_children() { [ -z "$(ps --ppid "$listener" -o pid= 2>/dev/null)" ]; }
wait_for $((10 + n / 25)) no_children || { ps --ppid "$listener" -o pid,stat,etime,args; fail "children left"; }
# One log line per session (and the listener's own).
n_log=$(wait_log_lines "$LAUNCHER_LOG" $((n + 1)) $((5 + n / 25)))
[ "$n_log" -ge $((n + 1)) ] || fail "only $n_log log lines for $n sessions"
assert_eq 0 "$(grep -c 'refusing connection' "$LAUNCHER_LOG")" "connections refused"
out=$(psql_tls "$port" -Atc "select 'after-load'" 2>&1) || { show psql "$out"; fail "no session after the load"; }
assert_eq after-load "$out"

pass_with "$n concurrent sessions, $(load_mode) build"
