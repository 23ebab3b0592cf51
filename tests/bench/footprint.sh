#!/bin/bash
# footprint.sh BINARY...: stripped size, and VmSize / VmHWM / Private_Dirty
# / committed memory (see committed_kb) of one `BINARY --listen` child
# serving a psql verify-full session (a few queries, a 200 kB result), in
# front of a throwaway PostgreSQL 15, then the listener's own.
# FOOTPRINT_LAUNCH=ssa measures a process started per connection instead
# (systemd-socket-activate --accept, as a systemd Accept=yes unit does).
# "of it zeros": the private dirty pages that hold only zeros
# (tests/bench/zeropages.py): on a kernel without the shared zero page,
# pages that were only read.
# Build the variants first, e.g. in a copy of the tree:
#   make && strip -o /tmp/dyn pgstunnel
#   make STATIC=1 LIBC=musl && strip -o /tmp/musl pgstunnel
# Run as root (PostgreSQL runs as postgres via runuser).
set -eu
REPO=$(cd "$(dirname "$0")/../.." && pwd)
C=${CERTS:-$REPO/certs}
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
D=$(mktemp -d); chown postgres "$D"
trap 'runuser -u postgres -- "$PGBIN/pg_ctl" -D "$D/data" -m fast stop >/dev/null 2>&1; rm -rf "$D"' EXIT
runuser -u postgres -- "$PGBIN/initdb" -N -A trust -D "$D/data" >/dev/null
pgport=$(port)
runuser -u postgres -- "$PGBIN/pg_ctl" -D "$D/data" -w -l "$D/log" \
    -o "-p $pgport -k $D -c listen_addresses=127.0.0.1" start >/dev/null
sync # freshly written binaries would show dirty page-cache pages

# committed_kb PID: what strict overcommit (vm.overcommit_memory=2)
# charges the process: its writable private mappings (data, .bss, heap,
# stack, anonymous maps) and its writable shared anonymous ones.
committed_kb() {
	local range perms inode rest kb=0
	while read -r range perms _ _ inode rest; do
		case $perms in
		?w?p) ;;
		?w?s) [ "$inode" = 0 ] || continue ;;
		*) continue ;;
		esac
		kb=$((kb + (16#${range#*-} - 16#${range%-*}) / 1024))
	done <"/proc/$1/maps"
	echo "$kb"
}
for bin in "$@"; do
	lport=$(port)
	args=(--cert "$C/server.crt" --key "$C/server.key" --log stderr
	    --upstream "127.0.0.1:$pgport")
	if [ "${FOOTPRINT_LAUNCH:-listen}" = ssa ]; then
		systemd-socket-activate -l "127.0.0.1:$lport" -a "$bin" \
		    "${args[@]}" 2>/dev/null &
	else
		"$bin" "${args[@]}" --listen "127.0.0.1:$lport" 2>/dev/null &
	fi
	listener=$!
	sleep 0.3
	psql "host=localhost hostaddr=127.0.0.1 port=$lport sslmode=verify-full sslrootcert=$C/ca.crt user=postgres dbname=postgres" \
	    -c "select 1" -c "select repeat('x', 200000)" -c "select pg_sleep(2)" >/dev/null &
	client=$!
	sleep 1.2
	child=$(pgrep -P "$listener" | head -n 1)
	printf '%s: %s bytes; VmSize %s kB; VmHWM %s kB; Private_Dirty %s kB (of it zeros %s kB); committed %s kB\n' "$bin" \
	    "$(stat -c %s "$bin")" \
	    "$(awk '/^VmSize/ { print $2 }' "/proc/$child/status")" \
	    "$(awk '/^VmHWM/ { print $2 }' "/proc/$child/status")" \
	    "$(awk '/^Private_Dirty/ { print $2 }' "/proc/$child/smaps_rollup")" \
	    "$(python3 "$REPO/tests/bench/zeropages.py" "$child")" \
	    "$(committed_kb "$child")"
	if [ "${FOOTPRINT_LAUNCH:-listen}" != ssa ]; then
		printf '  the listener itself: VmSize %s kB; VmHWM %s kB; Private_Dirty %s kB (of it zeros %s kB); committed %s kB\n' \
		    "$(awk '/^VmSize/ { print $2 }' "/proc/$listener/status")" \
		    "$(awk '/^VmHWM/ { print $2 }' "/proc/$listener/status")" \
		    "$(awk '/^Private_Dirty/ { print $2 }' "/proc/$listener/smaps_rollup")" \
		    "$(python3 "$REPO/tests/bench/zeropages.py" "$listener")" \
		    "$(committed_kb "$listener")"
	fi
	wait "$client"
	kill "$listener"
	wait "$listener" 2>/dev/null || true
done
