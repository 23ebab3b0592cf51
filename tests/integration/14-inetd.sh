#!/bin/bash
# inetd: contrib/inetd.conf.example's line, as shipped but for the
# address, the user and the paths, read by openbsd-inetd in the
# foreground. That line format is the classic one that busybox's inetd
# (OpenWrt, Buildroot) reads too; Debian's busybox is built without inetd,
# so openbsd-inetd stands in for it. stdin, stdout and stderr are the
# client socket: sessions work, and a refusal (upstream down) reaches
# psql as a clean ErrorResponse, nothing of a log line in the stream.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$(dirname "$0")/../lib.sh"
need_pgstunnel
# openbsd-inetd conflicts with xinetd (each is the inet-superserver), so
# .ci/run unpacks its binary under /opt/openbsd-inetd instead of
# installing it; PGST_INETD names another.
INETD=${PGST_INETD:-/opt/openbsd-inetd/usr/sbin/inetd}
[ -x "$INETD" ] || INETD=$(command -v inetd) ||
    fail "needs openbsd-inetd's inetd: unpack the package under /opt/openbsd-inetd (see .ci/run) or set PGST_INETD"

pg_start db

# start_inetd PORT UPSTREAM: the shipped line on 127.0.0.1:PORT, with a
# configuration file whose upstream is UPSTREAM. Sets LAUNCHER_PID.
start_inetd() {
	local port=$1 conf=$TEST_TMP/pgstunnel-$1.conf iconf=$TEST_TMP/inetd-$1.conf
	cat >"$conf" <<-EOC
	cert = $CERTS/server.crt
	key = $CERTS/server.key
	upstream = $2
	EOC
	grep -v '^#' "$REPO/contrib/inetd.conf.example" | grep . |
	    sed -e "s|^5433\t|127.0.0.1:$port\t|" \
	        -e "s|\tnowait\tpgstunnel\t|\tnowait\troot\t|" \
	        -e "s|/usr/local/sbin/pgstunnel|$PGSTUNNEL|" \
	        -e "s|/etc/pgstunnel/pgstunnel.conf|$conf|" >"$iconf"
	[ "$(wc -l <"$iconf")" = 1 ] || fail "contrib/inetd.conf.example: not one service line"
	grep -q "^127.0.0.1:$port	stream	tcp	nowait	root	$PGSTUNNEL	pgstunnel --config $conf\$" \
	    "$iconf" || fail "could not adjust contrib/inetd.conf.example: $(cat "$iconf")"
	# -i: in the foreground; -E: keep the environment (the sanitizer's).
	(cd "$TEST_TMP" && exec setsid "$INETD" -i -E "$iconf" \
	    >"$TEST_TMP/inetd-$port.out" 2>&1) &
	LAUNCHER_PID=$!
	_track "$LAUNCHER_PID"
	wait_for 10 port_listening "$port" ||
	    { cat "$iconf" "$TEST_TMP/inetd-$port.out"; fail "inetd does not listen on $port"; }
}

port=$(free_port)
start_inetd "$port" "127.0.0.1:$PG_PORT"
for i in 1 2; do
	out=$(psql_tls "$port" -At -c '\conninfo' -c "select 'inetd-$i'" 2>&1) ||
	    { show psql "$out"; show inetd "$(cat "$TEST_TMP/inetd-$port.out")"; fail "psql through inetd failed"; }
	assert_contains "$out" 'SSL connection (protocol: TLSv1.2'
	assert_contains "$out" "inetd-$i"
done

dead=$(free_port)
port2=$(free_port)
start_inetd "$port2" "127.0.0.1:$dead"
out=$(psql_tls "$port2" -Atc 'select 1' 2>&1) && fail "psql succeeded with the upstream down"
show psql "$out"
assert_contains "$out" upstream "the ErrorResponse reaches the client"
assert_not_contains "$out" "SSL SYSCALL" "TLS stream corrupted"

pass
