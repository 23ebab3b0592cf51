#!/bin/bash
# The upstream backend dies in the middle of a query (select pg_sleep(30)
# through the tunnel): ended by pg_terminate_backend() from a direct
# connection, or killed with SIGKILL. Through --listen and through socat
# EXEC, the client gets an error within a few seconds (the FATAL text of
# the termination, or "server closed the connection"), and the pgstunnel
# process of that session is gone (reaped: no zombie) within 3 s.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$(dirname "$0")/../lib.sh"
need_pgstunnel

pg_start db
lport=$(free_port)
start_listen "$lport" --cert "$CERTS/server.crt" --key "$CERTS/server.key" \
    --upstream "127.0.0.1:$PG_PORT" --log stderr
listener=$LAUNCHER_PID
sport=$(free_port)
start_socat "$sport" --cert "$CERTS/server.crt" --key "$CERTS/server.key" \
    --upstream "127.0.0.1:$PG_PORT" --log stderr
socat_group=$LAUNCHER_PID

backend_pid() {
	psql_direct "select pid from pg_stat_activity
	    where query = 'select pg_sleep(30)' and state = 'active'"
}
# shellcheck disable=SC2317 # called through wait_for
query_running() { [ -n "$(backend_pid)" ] && [ -n "$(session_pids "$1")" ]; }

# pg_accepting: PostgreSQL answers again (after a crash restart).
# shellcheck disable=SC2317
pg_accepting() { psql_direct "select 1" >/dev/null 2>&1; }

for mode in listen socat; do
	port=$lport
	[ "$mode" = socat ] && port=$sport
	for how in terminate sigkill; do
		case=$mode/$how
		psql_tls "$port" -Atc 'select pg_sleep(30)' >"$TEST_TMP/out" 2>&1 &
		client=$!
		wait_for 10 query_running "$mode" || fail "$case: the query did not start"
		bpid=$(backend_pid)
		spid=$(session_pids "$mode")
		if [ -z "$spid" ] || [ "$(printf '%s\n' "$spid" | wc -l)" != 1 ]; then
			fail "$case: expected one pgstunnel session process, got [$spid]"
		fi
		t0=$(date +%s%N)
		if [ "$how" = terminate ]; then
			assert_eq t "$(psql_direct "select pg_terminate_backend($bpid)")" \
			    "$case: pg_terminate_backend"
		else
			kill -KILL "$bpid" || fail "$case: cannot kill backend $bpid"
		fi
		# The client has its error promptly.
		wait_for 5 gone "$client" ||
		    { kill "$client"; fail "$case: psql still waiting 5 s after the backend died"; }
		t_client=$((($(date +%s%N) - t0) / 1000000))
		wait "$client" && fail "$case: psql succeeded"
		out=$(cat "$TEST_TMP/out")
		show "$case: psql after ${t_client} ms" "$out"
		if [ "$how" = terminate ]; then
			assert_contains "$out" "terminating connection due to administrator command" \
			    "$case: the backend's FATAL reaches the client"
		else
			assert_match "$out" "server closed the connection|connection to server was lost|SSL SYSCALL|EOF detected" \
			    "$case: the client is told the connection is lost"
		fi
		# The session's process ends (and, with --listen, is reaped).
		wait_for 3 ended "$mode" "$spid" ||
		    { ps -o pid,ppid,stat,etime,args -p "$spid"; fail "$case: pgstunnel $spid still there 3 s later"; }
		t_proc=$((($(date +%s%N) - t0) / 1000000))
		log "$case: client error after $t_client ms, pgstunnel $spid gone after $t_proc ms"
		assert_eq "" "$(session_pids "$mode")" "$case: session processes left"
		if [ "$how" = sigkill ]; then
			# The postmaster restarts after a crashed backend.
			wait_for 20 pg_accepting || fail "PostgreSQL did not come back after the SIGKILL"
		fi
	done
done
show log "$(pgstunnel_lines "$LAUNCHER_LOG"; grep -v 'listening on' "$TEST_TMP/listen-$lport.log")"

# Both launchers still serve.
for p in "$lport" "$sport"; do
	out=$(psql_tls "$p" -Atc "select 'still-serving'" 2>&1) || { show psql "$out"; fail "port $p: no session afterwards"; }
	assert_eq still-serving "$out"
done

pass
