#!/bin/bash
# A --listen child does not keep the reload's spare credentials (a mapping
# of its own, over 256 KiB, in the listener): it unmaps it unless its
# session is served from it, so that strict overcommit does not charge
# every session for it and no session holds keys it does not use. After
# one reload the listener serves from that mapping (the children keep
# it); after a second, from its first credentials again (they drop it).
# Sessions work in every case.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$(dirname "$0")/../lib.sh"
need_pgstunnel

pg_start db
port=$(free_port)
start_listen "$port" --cert "$CERTS/server.crt" --key "$CERTS/server.key" \
    --upstream "127.0.0.1:$PG_PORT" --log stderr
listener=$LAUNCHER_PID

# big_anon PID: the process's anonymous writable private mappings of
# 256 KiB or more, one "START-END" a line.
big_anon() {
	local range perms inode rest
	while read -r range perms _ _ inode rest; do
		if [ "$perms" = rw-p ] && [ "$inode" = 0 ] && [ -z "$rest" ] &&
		    [ $((16#${range#*-} - 16#${range%-*})) -ge $((256 * 1024)) ]; then
			echo "$range"
		fi
	done <"/proc/$1/maps"
}

# dropped_by_child LABEL: open a session, and print the big mappings the
# listener has and its child does not.
dropped_by_child() {
	local label=$1 child
	psql_tls "$port" -Atc "select '$label', pg_sleep(2)" >"$TEST_TMP/$label" 2>&1 &
	local client=$!
	# shellcheck disable=SC2317 # called through wait_for
	has_child() { [ -n "$(ps --ppid "$listener" -o pid= | head -n 1)" ]; }
	wait_for 10 has_child || fail "[$label] no child process"
	sleep 0.5 # the child is past its start (the unmap comes first)
	child=$(ps --ppid "$listener" -o pid= | head -n 1 | tr -d ' ')
	comm -23 <(big_anon "$listener" | sort) <(big_anon "$child" | sort)
	wait "$client" || { cat "$TEST_TMP/$label"; fail "[$label] session failed"; }
	assert_contains "$(cat "$TEST_TMP/$label")" "$label"
}

reloads=0
reload_once() {
	local n
	n=$(grep -c "reload" "$LAUNCHER_LOG")
	kill -HUP "$listener"
	reloads=$((reloads + 1))
	# shellcheck disable=SC2317 # called through wait_for
	reloaded() { [ "$(grep -c "reload" "$LAUNCHER_LOG")" -gt "$n" ]; }
	wait_for 10 reloaded || fail "no reload logged after SIGHUP $reloads"
}

dropped=$(dropped_by_child first)
show "dropped before any reload" "$dropped"
assert_lines 1 "$dropped" "the child drops the reload's mapping"

reload_once
dropped=$(dropped_by_child after-one-reload)
show "dropped after one reload" "$dropped"
assert_eq "" "$dropped" "served from the mapping, the child keeps it"

reload_once
dropped=$(dropped_by_child after-two-reloads)
show "dropped after two reloads" "$dropped"
assert_lines 1 "$dropped" "served from its first credentials, the child drops the mapping"

pass
