#!/bin/bash
# Least privilege: --user nobody (Uid, Gid and Groups in /proc/PID/status
# of the serving process before the client sends a byte, per connection
# under socat and in the --listen parent and its child), NoNewPrivs, and
# a session working under it; --chroot with a Unix-socket upstream inside
# the chroot and with a TCP upstream by IP address; the seccomp filter
# (Seccomp: 2 during a live session by default, 0 with --sandbox off);
# and the configuration errors of the new options.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$(dirname "$0")/../lib.sh"
need_pgstunnel

[ "$(id -u)" = 0 ] || fail "this test needs root (--user, --chroot)"
nobody_uid=$(id -u nobody)
nobody_gid=$(id -g nobody)
base=(--cert "$CERTS/server.crt" --key "$CERTS/server.key" --log stderr)

# status PID FIELD: one field of /proc/PID/status, tabs as spaces.
status() { awk -v f="$2:" '$1 == f { $1 = ""; sub(/^ /, ""); print }' "/proc/$1/status"; }

# serving_pid MODE: the pgstunnel serving the one open connection.
serving_pid() {
	if [ "$1" = listen ]; then
		pgrep -P "$LAUNCHER_PID" | head -1
	else
		local p exe
		exe=$(readlink -f "$PGSTUNNEL")
		for p in $(pgrep -g "$LAUNCHER_PID"); do
			[ "$(readlink "/proc/$p/exe" 2>/dev/null)" = "$exe" ] && { echo "$p"; return; }
		done
	fi
}

# check_dropped WHAT PID: runs as nobody:nogroup, no supplementary group.
check_dropped() {
	show "$1 status" "$(grep -E '^(Uid|Gid|Groups|NoNewPrivs|Seccomp):' "/proc/$2/status")"
	assert_eq "$nobody_uid $nobody_uid $nobody_uid $nobody_uid" "$(status "$2" Uid)" "$1: Uid"
	assert_eq "$nobody_gid $nobody_gid $nobody_gid $nobody_gid" "$(status "$2" Gid)" "$1: Gid"
	assert_eq "" "$(status "$2" Groups)" "$1: no supplementary groups"
	assert_eq 1 "$(status "$2" NoNewPrivs)" "$1: NoNewPrivs"
}

# silent_client PORT MODE: connect, send nothing, check the serving
# process, then close.
silent_client() {
	local pid
	exec 3<>"/dev/tcp/127.0.0.1/$1" || fail "cannot connect to $1"
	wait_for 5 eval '[ -n "$(serving_pid "$2")" ]' || fail "$2: no serving process"
	pid=$(serving_pid "$2")
	check_dropped "$2 session before the first byte" "$pid"
	# Set up but not relaying yet: no filter so far.
	assert_eq 0 "$(status "$pid" Seccomp)" "$2: no seccomp filter before the relay"
	exec 3>&-
}

pg_start db

# Per connection (socat EXEC:), --user nobody: the group is nobody's own.
port=$(free_port)
start_socat "$port" "${base[@]}" --upstream "127.0.0.1:$PG_PORT" --user nobody
silent_client "$port" socat
out=$(psql_tls "$port" -Atc "select 'as nobody'" 2>&1) ||
    { show psql "$out"; show log "$(cat "$LAUNCHER_LOG")"; fail "session under --user nobody failed"; }
assert_eq "as nobody" "$out" "a session under --user nobody"

# --listen: the parent drops after bind, and its children inherit it.
port=$(free_port)
start_listen "$port" "${base[@]}" --upstream "127.0.0.1:$PG_PORT" \
    --user nobody --group nogroup
check_dropped "--listen parent" "$LAUNCHER_PID"
silent_client "$port" listen
out=$(psql_tls "$port" -Atc "select 'listen as nobody'" 2>&1) ||
    { show psql "$out"; show log "$(cat "$LAUNCHER_LOG")"; fail "--listen session under --user nobody failed"; }
assert_eq "listen as nobody" "$out" "a --listen session under --user nobody"

# The seccomp filter is on during the relay (the default), off on demand.
psql_tls "$port" -Atc "select pg_sleep(3)" >/dev/null 2>&1 &
client=$!
wait_for 5 eval '[ -n "$(serving_pid listen)" ] && [ "$(status "$(serving_pid listen)" Seccomp)" = 2 ]' ||
    fail "no live session with Seccomp: 2 (got $(status "$(serving_pid listen)" Seccomp))"
wait "$client" || fail "the session under the filter failed"
port=$(free_port)
start_listen "$port" "${base[@]}" --upstream "127.0.0.1:$PG_PORT" --sandbox off
psql_tls "$port" -Atc "select pg_sleep(2)" >/dev/null 2>&1 &
client=$!
wait_for 5 eval '[ -n "$(serving_pid listen)" ] && [ "$(status "$(serving_pid listen)" Seccomp)" = 0 ]' ||
    fail "--sandbox off: the session has a filter after all"
wait "$client" || fail "the session under the filter failed"

# --chroot with the upstream's Unix socket inside it: the path is as seen
# from inside.
pg_start jail
jail=$TEST_TMP/jail
port=$(free_port)
start_listen "$port" "${base[@]}" --upstream "/sock/.s.PGSQL.$PG_PORT" \
    --user nobody --chroot "$jail"
assert_eq "$jail" "$(readlink "/proc/$LAUNCHER_PID/root")" "the parent's root is the chroot"
out=$(psql_tls "$port" -Atc "select 'chrooted unix'" 2>&1) ||
    { show psql "$out"; show log "$(cat "$LAUNCHER_LOG")"; fail "chrooted session over a Unix socket failed"; }
assert_eq "chrooted unix" "$out" "a chrooted session over a Unix socket"
# ... and with a TCP upstream by IP address, per connection, in an empty
# directory.
mkdir -m 0755 "$TEST_TMP/empty"
port=$(free_port)
start_socat "$port" "${base[@]}" --upstream "127.0.0.1:$PG_PORT" \
    --user nobody --chroot "$TEST_TMP/empty"
out=$(psql_tls "$port" -Atc "select 'chrooted tcp'" 2>&1) ||
    { show psql "$out"; show log "$(cat "$LAUNCHER_LOG")"; fail "chrooted session over TCP failed"; }
assert_eq "chrooted tcp" "$out" "a chrooted session over TCP"

# Configuration errors: exit 64 and one line on stderr.
up=(--upstream 127.0.0.1:1)
start_error 64 "--chroot needs --user" "${base[@]}" "${up[@]}" --chroot /
start_error 64 "--group needs --user" "${base[@]}" "${up[@]}" --group nogroup
start_error 64 "--chroot takes an absolute path" "${base[@]}" "${up[@]}" --user nobody --chroot jail
start_error 64 "a host name cannot be resolved inside the chroot" "${base[@]}" \
    --upstream localhost:5432 --user nobody --chroot /
start_error 64 "--user no-such-user-here: no such user" "${base[@]}" "${up[@]}" --user no-such-user-here
start_error 64 "--group no-such-group-here: no such group" "${base[@]}" "${up[@]}" --user nobody --group no-such-group-here
start_error 64 "--user root is root" "${base[@]}" "${up[@]}" --user root
start_error 64 "--user 0 is root" "${base[@]}" "${up[@]}" --user 0 --group 0
start_error 64 "sandbox: 'maybe' is not one of on|off" "${base[@]}" "${up[@]}" --sandbox maybe
start_error 71 "chroot $TEST_TMP/none: No such file or directory" "${base[@]}" "${up[@]}" \
    --user nobody --chroot "$TEST_TMP/none"

pass
