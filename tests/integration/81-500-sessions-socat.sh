#!/bin/bash
# Load: 500 concurrent sessions through socat TCP-LISTEN,fork + EXEC:pgstunnel
# (one socat child and one pgstunnel per connection), all open at the same time: 500 psycopg
# threads with sslmode=verify-full connect, wait for each other, each runs
# a query whose answer depends on its number while PostgreSQL counts
# exactly 500 tunnel backends, and all 500 answers are right. Then no
# socat child or pgstunnel is left and a new client is served.
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
# socat's default listen backlog (5) would drop most of 500 SYNs at once.
SOCAT_LISTEN_OPTS=,backlog=1024 start_socat "$port" --cert "$CERTS/server.crt" --key "$CERTS/server.key" \
    --upstream "127.0.0.1:$PG_PORT" --log stderr
launcher=$LAUNCHER_PID

start=$SECONDS
out=$("$PYTHON" "$REPO/tests/manyconn.py" "$port" --n "$n" --hold 1 2>&1)
rc=$?
show "$n sessions ($((SECONDS - start)) s)" "$out"
[ "$rc" -eq 0 ] || { show "listener log (tail)" "$(tail -20 "$LAUNCHER_LOG")"; fail "not every session succeeded"; }
assert_match "$out" "^connected=$n correct=$n seen_min=$n seen_max=$n " "all $n sessions at once"

# Every session ended: nothing left in socat's process group but socat
# (socat children and pgstunnel processes, zombies included).
# shellcheck disable=SC2317 # called through wait_for
leftovers() { ps -eo pid=,pgid=,stat=,args= | awk -v g="$launcher" '$2 == g && $1 != g'; }
# shellcheck disable=SC2317 # called through wait_for
no_leftovers() { [ -z "$(leftovers)" ]; }
settle=$((15 + n / 25))
if ! wait_for "$settle" no_leftovers; then
	show leftovers "$(leftovers)"
	for p in $(leftovers | awk '{ print $1 }' | head -3); do
		show "process $p" "$(ps -o pid,stat,etime,time -p "$p"
		    command -v strace >/dev/null && timeout 0.3 strace -p "$p" 2>&1 | head -6)"
	done
	fail "$(leftovers | wc -l) processes left $settle s after the sessions ended"
fi
# One log line per session.
n_log=$(wait_log_lines "$LAUNCHER_LOG" "$n" $((5 + n / 25)))
[ "$n_log" -ge "$n" ] || fail "only $n_log log lines for $n sessions"
out=$(psql_tls "$port" -Atc "select 'after-load'" 2>&1) || { show psql "$out"; fail "no session after the load"; }
assert_eq after-load "$out"

pass_with "$n concurrent sessions, $(load_mode) build"
