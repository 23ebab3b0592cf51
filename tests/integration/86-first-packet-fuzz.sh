#!/bin/bash
# Garbage at the door, against pgstunnel --listen (--handshake-timeout 1):
#  1. known cases: inside TLS, a repeated SSLRequest, a CancelRequest, or
#     (upstream down) a StartupMessage, each followed by one more byte in
#     the same TLS record; pgstunnel answers or refuses, and the session
#     process must end within 2.5 s (it must not spin on the unread byte);
#  2. tests/wirefuzz.py makes PGST_FUZZ_COUNT (default 10000)
#     connections, each with random or mutated first packets (SSLRequest,
#     GSSENCRequest, CancelRequest, StartupMessage, TLS ClientHello, plain
#     random bytes, truncated writes, resets, requests inside TLS), 8
#     closing at once and up to 24 waiting for the server to close.
# Afterwards:
#  - no hang: every waiting client saw the connection closed within the
#    handshake timeout plus the refusal linger (3.5 s);
#  - no crash: the listener is alive, every connection got its log line
#    (a child that crashed would not log) and nothing else was logged;
#    with PGSTUNNEL_ASAN=1 the runner fails the test on any report;
#  - no stuck child, no zombie: no session process lives 15 s (a watchdog
#    kills and reports those, with the cases made as each one started),
#    and the listener has no child left after the run;
#  - a real psql verify-full client still works.
# PGST_FUZZ_SEED replays a run (the seed is printed).
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$(dirname "$0")/../lib.sh"
need_pgstunnel
count=${PGST_FUZZ_COUNT:-10000}
problems=()

pg_start db max_connections=100
port=$(free_port)
start_listen "$port" --cert "$CERTS/server.crt" --key "$CERTS/server.key" \
    --upstream "127.0.0.1:$PG_PORT" --handshake-timeout 1 \
    --max-connections 500 --log stderr
listener=$LAUNCHER_PID
listen_log=$LAUNCHER_LOG
dead=$(free_port)
port_down=$(free_port)
start_listen "$port_down" --cert "$CERTS/server.crt" --key "$CERTS/server.key" \
    --upstream "127.0.0.1:$dead" --handshake-timeout 1 --log stderr
listener_down=$LAUNCHER_PID

children() { ps --ppid "$1" -o pid= | tr -d ' '; }
# aged PARENT N: the children of PARENT, zombies aside, N seconds old or
# more. The age is the kernel's start time against the uptime read after
# it, not ps's etimes: procps-ng 4.0.2 reads the uptime first and shows a
# process forked while it runs as about 4e9 s old, so a watchdog trusting
# etimes kills fresh sessions as "stuck".
aged() {
	local c s up stats=""
	for c in $(children "$1"); do
		# Fields after "pid (comm) ": state is the 1st, starttime the 20th.
		s=$(sed 's/^.*) //' "/proc/$c/stat" 2>/dev/null) || continue
		[ -n "$s" ] && stats+="$c $s"$'\n'
	done
	read -r up _ </proc/uptime
	printf '%s' "$stats" | awk -v hz="$hz" -v up="$up" -v n="$2" \
	    '$2 != "Z" && up - $21 / hz >= n { print $1 }'
}
# snapshot PID: what a session process is doing, for the report of one
# that does not end (the system call it sits in, with its arguments,
# the kernel stack, its sockets and their TCP states).
snapshot() {
	local ino
	ps -o pid=,stat=,time=,wchan:32= -p "$1"
	echo "syscall: $(cat "/proc/$1/syscall" 2>&1)"
	head -12 "/proc/$1/stack" 2>/dev/null
	for f in /proc/"$1"/fd/*; do
		ino=$(readlink "$f") || continue
		echo "fd ${f##*/}: $ino"
		case $ino in
		socket:*)
			ino=${ino#socket:[}
			ss -tanoie 2>/dev/null | grep -A1 " ino:${ino%]} " | sed 's/^/    /' ;;
		esac
	done
}
# shellcheck disable=SC2317 # called through wait_for
no_children() { [ -z "$(children "$1")" ]; }

# ---- 1. known cases
cat >"$TEST_TMP/known.py" <<'PYEOF'
import os, socket, ssl, struct, sys
port, variant = int(sys.argv[1]), sys.argv[2]
SSLREQ = struct.pack("!II", 8, 80877103)
body = struct.pack("!I", 196608) + b"user\0postgres\0database\0postgres\0\0"
payload = {"repeated-sslrequest": SSLREQ,
           "cancel": struct.pack("!IIII", 16, 80877102, 1234, 5678),
           "startup": struct.pack("!I", len(body) + 4) + body}[variant]
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.load_verify_locations(os.path.join(os.environ["CERTS"], "ca.crt"))
s = socket.create_connection(("127.0.0.1", port), timeout=5)
s.sendall(SSLREQ)
assert s.recv(1) == b"S"
t = ctx.wrap_socket(s, server_hostname="localhost")
t.sendall(payload + b"x")   # one TLS record: the packet and one more byte
try:
    while t.recv(4096):
        pass
    print("closed")
except (OSError, ssl.SSLError) as e:
    print("closed (%s)" % type(e).__name__)
PYEOF
for k in repeated-sslrequest:$port:$listener cancel:$port:$listener \
    startup:$port_down:$listener_down; do
	IFS=: read -r variant p l <<<"$k"
	out=$("$PYTHON" "$TEST_TMP/known.py" "$p" "$variant" 2>&1)
	if wait_for 3 no_children "$l"; then
		log "known case $variant + 1 byte inside TLS: client $out; session ended"
	else
		show "known case $variant: stuck" "$(ps -o pid,stat,etime,time,wchan:20 -p "$(children "$l" | head -1)")"
		problems+=("known case: $variant followed by one byte in the same TLS record: the session process does not end")
		for c in $(children "$l"); do kill -KILL "$c" 2>/dev/null; done
	fi
done

# ---- 2. the fuzz run
before=$(log_lines "$listen_log")
seed=()
[ -n "${PGST_FUZZ_SEED:-}" ] && seed=(--seed "$PGST_FUZZ_SEED")
start=$SECONDS
"$PYTHON" "$REPO/tests/wirefuzz.py" "$port" --count "$count" \
    --handshake-timeout 1 --record "$TEST_TMP/record" "${seed[@]}" \
    >"$TEST_TMP/fuzz.out" 2>&1 &
fuzz=$!
# Watchdog: no session may live 15 s (handshake timeout 1 s, refusal
# linger 2.5 s at most). A stuck child (it may spin at 100% CPU) is noted
# with its start time and killed at once, so that a bug does not load
# the machine for the whole run. One alive for 5 s is described first
# (snapshot), while it still sits where it is stuck.
: >"$TEST_TMP/stuck"
mkdir "$TEST_TMP/snap"
hz=$(getconf CLK_TCK)
while kill -0 "$fuzz" 2>/dev/null || ! no_children "$listener"; do
	# (A zombie is killed already, waiting for the listener to reap it.)
	for c in $(aged "$listener" 5); do
		[ -e "$TEST_TMP/snap/$c" ] || snapshot "$c" >"$TEST_TMP/snap/$c" 2>&1
	done
	for c in $(aged "$listener" 15); do
		grep -q "^$c " "$TEST_TMP/stuck" && continue
		st=$(awk '{ print $22 }' "/proc/$c/stat" 2>/dev/null) || continue
		echo "$c $st $(ps -o stat=,time= -p "$c")" >>"$TEST_TMP/stuck"
		kill -KILL "$c" 2>/dev/null
	done
	[ $((SECONDS - start)) -lt 170 ] || break
	sleep 1
done
wait "$fuzz"
rc=$?
out=$(cat "$TEST_TMP/fuzz.out")
show "wirefuzz ($((SECONDS - start)) s)" "$out"
[ "$rc" -eq 0 ] || problems+=("wirefuzz reported hangs or errors (rc $rc)")
assert_match "$out" "^cases=$count " "fuzz summary"

kill -0 "$listener" 2>/dev/null || fail "the listener died"
port_listening "$port" || fail "the listener no longer listens"

if [ -s "$TEST_TMP/stuck" ]; then
	show "session processes killed after living 15 s (pid, start, state, cpu)" "$(head -20 "$TEST_TMP/stuck")"
	# The cases whose connection was made within 20 ms of a stuck
	# child's start (a client reset leaves no socket to match by port).
	while read -r c st _; do
		show "child $c when 5 s old" "$(cat "$TEST_TMP/snap/$c" 2>/dev/null)"
		show "cases made when child $c started (t=$(awk -v s="$st" -v hz="$hz" 'BEGIN { printf "%.2f", s / hz }'))" \
		    "$(awk -v s="$st" -v hz="$hz" '{ d = $1 - s / hz; if (d < 0) d = -d; if (d <= 0.02) print }' \
		        "$TEST_TMP/record" | cut -c1-300 | head -12)"
	done < <(head -3 "$TEST_TMP/stuck")
	problems+=("$(wc -l <"$TEST_TMP/stuck") session processes lived 15 s or more (stuck)")
fi
no_children "$listener" || problems+=("children left after the run: $(children "$listener" | tr '\n' ' ')")

n=$(wait_log_lines "$listen_log" $((before + count)))
show "log: session endings" "$(pgstunnel_lines "$listen_log" | sed -n 's/.* end=\([^:]*\).*/\1/p' | sort | uniq -c | sort -rn)"
refused=$(grep -c 'refusing connection' "$listen_log")
[ "$refused" = 0 ] || problems+=("$refused connections refused by --max-connections")
stuck=$(wc -l <"$TEST_TMP/stuck")
[ $((n - before + stuck)) = "$count" ] ||
    problems+=("$((n - before)) log lines for $count connections ($stuck stuck ones killed)")
# Anything else the listener said (a child killed by a signal, etc.).
other=$(pgstunnel_lines "$listen_log" | grep -v ' peer=.* end=' | grep -v 'listening on')
[ -z "$other" ] || { show "other log lines" "$other"; problems+=("unexpected log lines"); }

out=$(psql_tls "$port" -Atc "select 'after-fuzz'" 2>&1)
[ "$out" = after-fuzz ] || { show psql "$out"; problems+=("no session after the fuzz"); }

if [ ${#problems[@]} -gt 0 ]; then
	printf '%s\n' "${problems[@]}" | sed "s/^/$TEST_NAME: problem: /" >&2
	fail "${#problems[@]} problem(s)"
fi
pass
