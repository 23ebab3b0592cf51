#!/usr/bin/env bash
# --allow, checked before any byte is answered (127.0.0.1 and 127.0.0.2
# are both loopback; pgwire.py binds the second):
#  - --listen: a client inside the list (psql from 127.0.0.1) gets its
#    session; one outside (127.0.0.2) is closed with nothing answered and
#    no session line, only the rate-limited refusal line; a burst of
#    refusals gives one line, and the next line after a second counts
#    them all (one limit for the parent and its children);
#  - IPv6: --listen [::1] with --allow ::1/128 serves ::1, and with an
#    IPv4-only list refuses it;
#  - socat EXEC: (a socketpair): SOCAT_PEERADDR is the address checked;
#  - systemd socket activation: the socket's peer.
# Runs alone (9x): the rate limit is about time.
. "$(dirname "$0")/../lib.sh"
need_pgstunnel

pg_start db
common=(--cert "$CERTS/server.crt" --key "$CERTS/server.key"
	--upstream "127.0.0.1:$PG_PORT" --log stderr)

wire() {
	"$PYTHON" "$PGWIRE" steps "$1" --host "${3:-127.0.0.1}" --bind "$2" \
		--steps ssl,tls,startup --timeout 8 2>&1
}
local_of() { printf '%s\n' "$1" | sed -n 's/^local=//p'; }
refusals() { grep -c 'not in --allow' "$1" || true; }

# --- --listen
port=$(free_port)
start_listen "$port" "${common[@]}" --allow 127.0.0.1/32 --allow ::1
listen_log=$LAUNCHER_LOG
out=$(psql_tls "$port" -At -c "select 'inside'" 2>&1)
assert_eq "inside" "$out" "psql from 127.0.0.1"
out=$(wire "$port" 127.0.0.2:0)
refused=$(local_of "$out")
assert_not_contains "$out" "ssl=S" "127.0.0.2 was answered"
assert_contains "$out" "ssl=EOF" "how 127.0.0.2 was refused"
wait_for 5 grep -q "refusing connections from addresses not in --allow: 1 refused since the last such line, the last one from $refused\$" "$listen_log" ||
	{ show log "$(cat "$listen_log")"; fail "no refusal line for $refused"; }
assert_not_contains "$(cat "$listen_log")" "peer=$refused" "a session line for a refused client"
# A burst: fewer lines than refusals, and the lines count every one.
knock "$port" 127.0.0.2:0 4
assert_rate_limited "$listen_log" "not in --allow" 5 knock "$port" 127.0.0.2:0 1

# --- IPv6 ::1
ip -6 addr show dev lo 2>/dev/null | grep -q '::1/128' || fail "no IPv6 loopback here"
port6=$(free_port)
LAUNCHER_LOG=$TEST_TMP/listen6.log
(cd "$TEST_TMP" && exec setsid "$PGSTUNNEL" --listen "[::1]:$port6" "${common[@]}" \
	--allow 10.0.0.0/8 --allow ::1/128 2>"$LAUNCHER_LOG") &
_track $!
wait_port "$port6"
out=$(wire "$port6" "[::1]:0" ::1)
assert_contains "$out" "R code=0" "a session from ::1"
client=$(local_of "$out")
wait_for 5 grep -q "peer=\[::1\]:${client##*:} " "$LAUNCHER_LOG" ||
	{ show log "$(cat "$LAUNCHER_LOG")"; fail "no session line for [::1]"; }
port6b=$(free_port)
log6b=$TEST_TMP/listen6b.log
(cd "$TEST_TMP" && exec setsid "$PGSTUNNEL" --listen "[::1]:$port6b" "${common[@]}" \
	--allow 127.0.0.0/8 2>"$log6b") &
_track $!
wait_port "$port6b"
out=$(wire "$port6b" "[::1]:0" ::1)
assert_not_contains "$out" "ssl=S" "::1 answered by an IPv4-only --allow"
wait_for 5 grep -q "not in --allow: 1 refused .* from \[::1\]:" "$log6b" ||
	{ show log "$(cat "$log6b")"; fail "no refusal line for ::1"; }

# --- socat EXEC: (the address comes from SOCAT_PEERADDR)
sport=$(free_port)
start_socat "$sport" "${common[@]}" --allow 127.0.0.1
socat_log=$LAUNCHER_LOG
out=$(psql_tls "$sport" -At -c "select 'socat inside'" 2>&1)
assert_eq "socat inside" "$out" "psql through socat from 127.0.0.1"
out=$(wire "$sport" 127.0.0.2:0)
refused=$(local_of "$out")
assert_not_contains "$out" "ssl=S" "socat: 127.0.0.2 was answered"
wait_for 5 grep -q "not in --allow: 1 refused since the last such line, the last one from $refused\$" "$socat_log" ||
	{ show log "$(cat "$socat_log")"; fail "socat: no refusal line for $refused"; }

# --- systemd-socket-activate
aport=$(free_port)
start_ssa "$aport" "${common[@]}" --allow 127.0.0.2/32
ssa_log=$LAUNCHER_LOG
out=$(wire "$aport" 127.0.0.2:0)
assert_contains "$out" "R code=0" "ssa: a session from 127.0.0.2"
out=$(psql_tls "$aport" -At -c "select 1" 2>&1) && fail "ssa: psql from 127.0.0.1 was served: $out"
wait_for 5 grep -q "not in --allow: 1 refused since the last such line, the last one from 127.0.0.1:" "$ssa_log" ||
	{ show log "$(cat "$ssa_log")"; fail "ssa: no refusal line for 127.0.0.1"; }

pass
