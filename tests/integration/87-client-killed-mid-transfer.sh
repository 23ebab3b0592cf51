#!/bin/bash
# The client dies in the middle of a session, through --listen and socat
# EXEC: psql is killed (SIGKILL) while a large COPY OUT streams to it, or
# while it streams a large COPY IN. The pgstunnel process of that session
# must end within 3 s (not spin writing to the dead socket), and the
# PostgreSQL backend must go away within 10 s (the upstream connection is
# closed, so the server gives up the COPY).
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$(dirname "$0")/../lib.sh"
need_pgstunnel

pg_start db
psql_direct "create unlogged table sink (i int, s text)" >/dev/null
lport=$(free_port)
start_listen "$lport" --cert "$CERTS/server.crt" --key "$CERTS/server.key" \
    --upstream "127.0.0.1:$PG_PORT" --log stderr
listener=$LAUNCHER_PID
sport=$(free_port)
start_socat "$sport" --cert "$CERTS/server.crt" --key "$CERTS/server.key" \
    --upstream "127.0.0.1:$PG_PORT" --log stderr
socat_group=$LAUNCHER_PID

# shellcheck disable=SC2317 # called through wait_for
tunnel_backends() {
	psql_direct "select count(*) from pg_stat_activity
	    where backend_type = 'client backend' and client_addr = '127.0.0.1'"
}
# shellcheck disable=SC2317 # called through wait_for
no_backends() { [ "$(tunnel_backends)" = 0 ]; }
# shellcheck disable=SC2317 # called through wait_for
copying() {
	[ "$(psql_direct "select count(*) from pg_stat_progress_copy")" = 1 ] &&
	    [ -n "$(session_pids "$1")" ]
}

big_out="copy (select i, repeat('x', 500) from generate_series(1, 50000000) i) to stdout"
problems=()
for mode in listen socat; do
	port=$lport
	[ "$mode" = socat ] && port=$sport
	for dir in out in; do
		case=$mode/copy-$dir
		conn="host=localhost hostaddr=127.0.0.1 port=$port sslmode=verify-full"
		conn="$conn sslrootcert=$CERTS/ca.crt user=postgres dbname=postgres"
		if [ "$dir" = out ]; then
			psql -X -w "$conn" -c "$big_out" >/dev/null 2>&1 &
		else
			# The generator ends with a broken pipe when psql dies.
			psql -X -w "$conn" -c "copy sink from stdin" >/dev/null 2>&1 < <(
			    exec "$PYTHON" -c '
import sys
row = b"x" * 500
out = sys.stdout.buffer
for i in range(50000000):
    out.write(b"%d\t%s\n" % (i, row))' 2>/dev/null) &
		fi
		client=$!   # psql itself
		wait_for 10 copying "$mode" || fail "$case: the COPY did not start"
		spid=$(session_pids "$mode")
		sleep 0.5
		kill -KILL "$client"
		t0=$(date +%s%N)
		wait "$client" 2>/dev/null
		if wait_for 3 ended "$mode" "$spid"; then
			log "$case: pgstunnel $spid ended $((($(date +%s%N) - t0) / 1000000)) ms after the client was killed"
		else
			show "$case: pgstunnel still there 3 s after the client was killed" \
			    "$(ps -o pid,stat,etime,time -p "$spid"; timeout 0.3 strace -p "$spid" 2>&1 | head -4)"
			problems+=("$case: pgstunnel $spid still running 3 s after its client was killed")
			kill -KILL "$spid"
		fi
		wait_for 10 no_backends ||
		    problems+=("$case: the PostgreSQL backend is still there 10 s after the client was killed")
		psql_direct "select pg_terminate_backend(pid) from pg_stat_activity
		    where backend_type = 'client backend' and client_addr = '127.0.0.1'" >/dev/null
		wait_for 10 no_backends || fail "$case: cannot clean up backends"
	done
done

for p in "$lport" "$sport"; do
	out=$(psql_tls "$p" -Atc "select 'still-serving'" 2>&1) || { show psql "$out"; fail "port $p: no session afterwards"; }
	assert_eq still-serving "$out"
done
if [ ${#problems[@]} -gt 0 ]; then
	printf '%s\n' "${problems[@]}" | sed "s/^/$TEST_NAME: problem: /" >&2
	fail "${#problems[@]} problem(s)"
fi
pass
