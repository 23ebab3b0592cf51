#!/bin/bash
# A session process ignores SIGHUP, SIGUSR1 and SIGUSR2: what an operator
# sends every pgstunnel after rotating files (pkill -HUP pgstunnel; the
# --listen parent reloads on it) must not drop live sessions, which read
# their files when they started. Under --listen and under socat: each
# signal to the session process during a query, the query finishes, the
# log line ends normally; SIGTERM still ends a session, logged.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$(dirname "$0")/../lib.sh"
need_pgstunnel

pg_start db
# shellcheck disable=SC2317 # called through wait_for
query_running() {
	[ "$(psql_direct "select count(*) from pg_stat_activity
	    where query like 'select ''done after%' and state = 'active'")" = 1 ]
}
long_session() {
	psql_tls "$port" -Atc "select 'done after ' || pg_sleep($1)::text" \
	    >"$TEST_TMP/long" 2>&1
}

for mode in listen socat; do
	port=$(free_port)
	"start_$mode" "$port" --cert "$CERTS/server.crt" --key "$CERTS/server.key" \
	    --upstream "127.0.0.1:$PG_PORT" --log stderr
	# session_pids reads one of these.
	listener=$LAUNCHER_PID
	socat_group=$LAUNCHER_PID

	long_session 2 &
	long=$!
	wait_for 10 query_running || { cat "$TEST_TMP/long"; fail "$mode: the query did not start"; }
	pid=$(session_pids "$mode")
	assert_lines 1 "$pid" "$mode: session processes"
	for sig in HUP USR1 USR2; do
		kill -"$sig" "$pid" || fail "$mode: cannot signal $pid"
		sleep 0.1
		kill -0 "$pid" 2>/dev/null || fail "$mode: SIG$sig ended the session process"
	done
	wait "$long" || fail "$mode: the session failed after the signals: $(cat "$TEST_TMP/long")"
	assert_eq "done after " "$(cat "$TEST_TMP/long")" "$mode: the query's result"
	# After psql's Terminate either end may be seen closing first (see
	# test 88): both are the normal end of a session.
	wait_for 10 grep -qE 'end=(client|upstream) closed$' "$LAUNCHER_LOG" ||
	    { show log "$(cat "$LAUNCHER_LOG")"; fail "$mode: no normal end logged"; }
	assert_not_contains "$(cat "$LAUNCHER_LOG")" "terminated by signal"

	# SIGTERM still ends a session, and says so.
	long_session 5 &
	long=$!
	wait_for 10 query_running || { cat "$TEST_TMP/long"; fail "$mode: the query did not start"; }
	pid=$(session_pids "$mode")
	kill -TERM "$pid"
	wait "$long" && fail "$mode: the session outlived SIGTERM"
	assert_log_has "$LAUNCHER_LOG" "end=terminated by signal"
	# Its backend sleeps on, unaware: end it for the next round.
	psql_direct "select pg_terminate_backend(pid) from pg_stat_activity
	    where query like 'select ''done after%'" >/dev/null
	wait_for 10 eval '! query_running' || fail "the old backend lingers"
	kill -TERM "$LAUNCHER_PID"
done

pass
