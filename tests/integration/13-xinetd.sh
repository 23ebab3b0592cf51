#!/bin/bash
# xinetd: stdin, stdout and stderr are the client socket and the
# environment is empty. Sessions work, a refusal (upstream down) still
# reaches psql as a clean ErrorResponse (nothing written to stderr
# corrupts the stream), and contrib/xinetd.pgstunnel works as shipped
# (with port, user and paths adjusted for the test).
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$(dirname "$0")/../lib.sh"
need_pgstunnel

pg_start db
port=$(free_port)
start_xinetd "$port" --cert "$CERTS/server.crt" --key "$CERTS/server.key" \
    --upstream "127.0.0.1:$PG_PORT"
for i in 1 2; do
	out=$(psql_tls "$port" -At -c '\conninfo' -c "select 'xinetd-$i'" 2>&1) ||
	    { show psql "$out"; show xinetd "$(cat "$LAUNCHER_LOG")"; fail "psql through xinetd failed"; }
	assert_contains "$out" 'SSL connection (protocol: TLSv1.2'
	assert_contains "$out" "xinetd-$i"
done

dead=$(free_port)
port2=$(free_port)
start_xinetd "$port2" --cert "$CERTS/server.crt" --key "$CERTS/server.key" \
    --upstream "127.0.0.1:$dead"
out=$(psql_tls "$port2" -Atc 'select 1' 2>&1) && fail "psql succeeded with the upstream down"
show psql "$out"
assert_contains "$out" upstream "the ErrorResponse reaches the client"
assert_not_contains "$out" "SSL SYSCALL" "TLS stream corrupted"

# contrib/xinetd.pgstunnel, as shipped but for port, user, bind and paths.
conf=$TEST_TMP/pgstunnel.conf
cat >"$conf" <<-EOC
cert = $CERTS/server.crt
key = $CERTS/server.key
upstream = $PG_SOCKDIR/.s.PGSQL.$PG_PORT
EOC
port3=$(free_port)
xconf=$TEST_TMP/xinetd-contrib.conf
sed -e "s|^\(\tport\t*= \).*|\1$port3\n\tbind\t\t= 127.0.0.1|" \
    -e "s|^\(\tuser\t*= \).*|\1root|" -e "s|^\(\tgroup\t*= \).*|\1root|" \
    -e "s|/usr/local/sbin/pgstunnel|$PGSTUNNEL|" \
    -e "s|/etc/pgstunnel/pgstunnel.conf|$conf|" \
    -e "s|IPv6 ||" "$REPO/contrib/xinetd.pgstunnel" >"$xconf"
grep -q "port.*= $port3" "$xconf" || fail "could not adjust the port of contrib/xinetd.pgstunnel"
[ -n "${ASAN_OPTIONS:-}" ] &&
    sed -i "s|^}|\tenv = ASAN_OPTIONS=$ASAN_OPTIONS UBSAN_OPTIONS=${UBSAN_OPTIONS:-}\n}|" "$xconf"
(cd "$TEST_TMP" && exec setsid xinetd -dontfork -f "$xconf" \
    -pidfile "$TEST_TMP/xc.pid" -filelog "$TEST_TMP/xc.log" >"$TEST_TMP/xc.out" 2>&1) &
_track $!
wait_for 10 port_listening "$port3" ||
    { cat "$xconf" "$TEST_TMP/xc.log" "$TEST_TMP/xc.out"; fail "contrib xinetd config does not listen"; }
out=$(psql_tls "$port3" -Atc "select 'contrib-xinetd'" 2>&1) ||
    { show psql "$out"; fail "psql through contrib/xinetd.pgstunnel failed"; }
assert_eq contrib-xinetd "$out"

pass
