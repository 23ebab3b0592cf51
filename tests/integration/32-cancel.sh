#!/bin/bash
# Query cancellation: libpq 15 (psycopg's conn.cancel(), psql's Ctrl-C)
# sends a plaintext CancelRequest on a new connection, even for a
# verify-full session. pgstunnel must forward it to the upstream, through
# --listen and through socat.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$(dirname "$0")/../lib.sh"
need_pgstunnel

pg_start db
cancel_test() {
	"$PYTHON" - "$1" <<-'PY'
	import os, sys, threading, time
	import psycopg
	port = sys.argv[1]
	conn = psycopg.connect(
	    "host=localhost hostaddr=127.0.0.1 port=%s sslmode=verify-full "
	    "sslrootcert=%s/ca.crt user=postgres dbname=postgres connect_timeout=5"
	    % (port, os.environ["CERTS"]), autocommit=True)
	print("ssl in use:", conn.pgconn.ssl_in_use)
	def cancel():
	    time.sleep(0.5)
	    conn.cancel()
	threading.Thread(target=cancel).start()
	start = time.monotonic()
	try:
	    conn.execute("select pg_sleep(20)")
	    print("not canceled")
	except psycopg.errors.QueryCanceled:
	    print("canceled after %.1f s" % (time.monotonic() - start))
	# The session survives the cancel.
	print("after:", conn.execute("select 'still-alive'").fetchone()[0])
	PY
}

port=$(free_port)
start_listen "$port" --cert "$CERTS/server.crt" --key "$CERTS/server.key" \
    --upstream "127.0.0.1:$PG_PORT" --log stderr
out=$(cancel_test "$port" 2>&1)
show "--listen" "$out"
assert_contains "$out" "ssl in use: True"
assert_match "$out" '^canceled after [0-9.]+ s$' "cancel through --listen"
assert_contains "$out" "after: still-alive"

port=$(free_port)
start_socat "$port" --cert "$CERTS/server.crt" --key "$CERTS/server.key" \
    --upstream "$PG_SOCKDIR/.s.PGSQL.$PG_PORT" --log stderr
out=$(cancel_test "$port" 2>&1)
show socat "$out"
assert_match "$out" '^canceled after [0-9.]+ s$' "cancel through socat"
assert_contains "$out" "after: still-alive"

pass
