#!/bin/bash
# instructions.sh BINARY...: the user-space instructions one session costs
# pgstunnel, counted by callgrind, per BINARY: a process started for the
# connection (systemd-socket-activate --accept, as under inetd or a
# systemd Accept=yes unit) serves psql at sslmode=verify-full through two
# queries (select 1, and a 200 kB result) in front of a throwaway
# PostgreSQL 15, then exits. Instruction counts do not depend on the
# host's load, so this compares builds (e.g. before and after a change of
# shape) where timings could not. `--sandbox off`: callgrind makes its
# own system calls, which the seccomp filter would refuse. Run as root
# (PostgreSQL runs as postgres via runuser). Prints one line per BINARY:
#   BINARY: N instructions (callgrind Ir, one session)
set -eu
REPO=$(cd "$(dirname "$0")/../.." && pwd)
C=${CERTS:-$REPO/certs}
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
D=$(mktemp -d)
chown postgres "$D"
chmod 0755 "$D"
trap 'runuser -u postgres -- "$PGBIN/pg_ctl" -D "$D/data" -m fast stop >/dev/null 2>&1; rm -rf "$D"' EXIT
runuser -u postgres -- "$PGBIN/initdb" -N -A trust -D "$D/data" >/dev/null
pgport=$(port)
runuser -u postgres -- "$PGBIN/pg_ctl" -D "$D/data" -w -l "$D/log" \
    -o "-p $pgport -k $D -c listen_addresses=127.0.0.1" start >/dev/null
for bin in "$@"; do
	bin=$(readlink -f "$bin")
	lport=$(port)
	rm -f "$D"/cg.*
	systemd-socket-activate -l "127.0.0.1:$lport" -a \
	    valgrind --tool=callgrind --callgrind-out-file="$D/cg.%p" \
	    "$bin" --cert "$C/server.crt" --key "$C/server.key" --log stderr \
	    --sandbox off --upstream "127.0.0.1:$pgport" 2>"$D/ssa.log" &
	launcher=$!
	for _ in $(seq 50); do
		ss -Hltn "sport = :$lport" | grep -q . && break
		sleep 0.1
	done
	psql "host=localhost hostaddr=127.0.0.1 port=$lport sslmode=verify-full sslrootcert=$C/ca.crt user=postgres dbname=postgres connect_timeout=30" \
	    -Atc "select 1" -c "select repeat('x', 200000)" >/dev/null
	for _ in $(seq 100); do
		for f in "$D"/cg.*; do break; done
		[ -e "$f" ] && grep -q '^totals:' "$f" && break
		sleep 0.1
	done
	kill "$launcher"
	wait "$launcher" 2>/dev/null || true
	n=$(awk '/^totals:/ { print $2 }' "$f")
	printf '%s: %s instructions (callgrind Ir, one session)\n' "$bin" "$n"
done
