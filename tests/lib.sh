# shellcheck shell=bash
# tests/lib.sh: helpers for the integration tests in tests/integration/.
#
# Source it from a bash test script:  . "$(dirname "$0")/../lib.sh"
# Each test is standalone: it starts its own PostgreSQL and pgstunnel
# launchers, asserts, and exits 0 on success. Everything started through
# these helpers is stopped and $TEST_TMP removed when the script exits.
#
# Environment:
#   PGSTUNNEL   the binary under test (default: $REPO/pgstunnel)
#   CERTS       the test certificates (default: $REPO/certs)
#   PGBIN       PostgreSQL binaries (default: /usr/lib/postgresql/15/bin)
#   PGST_KEEP_TMP=1  keep $TEST_TMP after the test, for debugging
#   PGST_CONNECT_TIMEOUT  psql_tls's default connect_timeout (5 s)
#   PGST_START_TIMEOUT    seconds start_listen waits for the port (10)
#   PGST_PG_TEMPLATE a fresh, never started data directory that pg_start
#               copies instead of running initdb (set by run-integration.sh)
#   PGST_PORT_BLOCK="FIRST END"  the ports free_port hands out, in order
#               (set by run-integration.sh, one block per test)
#   ASAN_OPTIONS, UBSAN_OPTIONS are passed on through every launcher
#   (systemd-socket-activate and xinetd would otherwise drop them).
#
# Functions (see each one below):
#   pg_start NAME [-c] [KEY=VALUE...]   pg_stop [DATADIR]
#   pg_start_tls NAME [KEY=VALUE...]   (ssl=on with pg-server.crt)
#   free_port  wait_port PORT [SECONDS]  wait_port_closed PORT [SECONDS]
#   start_socat PORT ARGS...   start_ssa PORT ARGS...
#   start_listen PORT ARGS...  start_xinetd PORT ARGS...
#   psql_tls PORT [KEY=VALUE...] [PSQL-ARGS...]   psql_direct SQL
#   fail MSG  assert_eq EXP ACT MSG  assert_contains HAY NEEDLE MSG
#   assert_log_has FILE TEXT
#   assert_not_contains HAY NEEDLE MSG  assert_match HAY ERE MSG
#   wait_for SECONDS COMMAND...  start_error STATUS TEXT ARGS...  pass  pass_with NOTE
#   wait_log_lines FILE N [SECONDS]  load_sessions  load_mode
#   knock PORT BIND N [HEX]  assert_rate_limited FILE TEXT SENT KNOCK...
#   issue_cert NAME SUBJECT EXTENSIONS [GENPKEY-ARGS...]

set -u

REPO=${REPO:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
PGSTUNNEL=${PGSTUNNEL:-$REPO/pgstunnel}
CERTS=${CERTS:-$REPO/certs}
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
PYTHON=${PYTHON:-/usr/bin/python3}   # Debian's, which has psycopg
PGWIRE="$REPO/tests/pgwire.py"
export PGWIRE
TEST_NAME=$(basename "$0" .sh)
export PGSTUNNEL CERTS

# Only our own libpq settings count.
unset PGHOST PGHOSTADDR PGPORT PGUSER PGDATABASE PGSSLMODE PGSERVICE \
    PGSSLCERT PGSSLKEY PGSSLROOTCERT PGOPTIONS PGPASSWORD PGCONNECT_TIMEOUT \
    PGSSLNEGOTIATION LISTEN_FDS LISTEN_PID LISTEN_FDNAMES

TEST_TMP=$(mktemp -d "${TMPDIR:-/tmp}/pgst-$TEST_NAME.XXXXXX")
chmod 0755 "$TEST_TMP"   # PostgreSQL runs as postgres and needs to get in
export TEST_TMP

_PIDS=()       # process group leaders we started
_PG_DATAS=()   # PostgreSQL data directories to stop

# ---------------------------------------------------------------- output

log() { printf '%s: %s\n' "$TEST_NAME" "$*"; }

fail() {
	printf '%s: FAIL: %s\n' "$TEST_NAME" "$*" >&2
	exit 1
}

# pass: the last line of a successful test.
pass() {
	printf '%s: PASS\n' "$TEST_NAME"
	exit 0
}

# pass_with NOTE: pass, and run-integration.sh prints NOTE after the
# test's PASS line (what the test proved when that depends on the run).
pass_with() {
	printf '%s: PASS (%s)\n' "$TEST_NAME" "$1"
	exit 0
}

# show NAME TEXT: print a captured output, indented, for the log.
show() {
	printf '%s: --- %s\n' "$TEST_NAME" "$1"
	printf '%s\n' "$2" | sed 's/^/    /'
}

assert_eq() {
	[ "$1" = "$2" ] || fail "${3:-values differ}: expected [$1], got [$2]"
}

assert_ne() {
	[ "$1" != "$2" ] || fail "${3:-values equal}: both are [$1]"
}

assert_contains() {
	case $1 in
	*"$2"*) ;;
	*) show "text that lacks [$2]" "$1"
	   fail "${3:-missing text}: [$2] not found" ;;
	esac
}

assert_not_contains() {
	case $1 in
	*"$2"*) show "text that has [$2]" "$1"
	        fail "${3:-unexpected text}: [$2] found" ;;
	esac
}

# assert_match TEXT ERE [MSG]: TEXT matches the extended regex.
assert_match() {
	if ! printf '%s\n' "$1" | grep -Eq -- "$2"; then
		show "text that does not match /$2/" "$1"
		fail "${3:-no match}: /$2/"
	fi
}

# assert_lines N TEXT [MSG]: TEXT is exactly N lines (N=0: empty).
assert_lines() {
	local n
	if [ -z "$2" ]; then n=0; else n=$(printf '%s\n' "$2" | wc -l); fi
	if [ "$n" -ne "$1" ]; then
		show "text" "$2"
		fail "${3:-line count}: expected $1 lines, got $n"
	fi
}

# wait_for SECONDS COMMAND...: poll COMMAND every 50 ms until it succeeds.
wait_for() {
	local deadline=$((SECONDS + $1))
	shift
	while ! "$@"; do
		[ "$SECONDS" -lt "$deadline" ] || return 1
		sleep 0.05
	done
}

# start_error STATUS TEXT ARGS...: pgstunnel exits STATUS at start-up
# with one line on stderr that contains TEXT.
start_error() {
	local want=$1 text=$2 err rc
	shift 2
	err=$(timeout 10 "$PGSTUNNEL" "$@" </dev/null 2>&1 >/dev/null)
	rc=$?
	show "$text (exit $rc)" "$err"
	assert_eq "$want" "$rc" "exit status for [$text]"
	assert_lines 1 "$err" "message for [$text]"
	assert_contains "$err" "$text"
}

# ----------------------------------------------------------------- ports

# free_port: a free TCP port on 127.0.0.1, below the kernel's ephemeral
# range (so no client connection's source port can take it meanwhile),
# checked by binding it. Under run-integration.sh each test has its own
# block of ports (PGST_PORT_BLOCK="FIRST END"), handed out in order, so
# tests running side by side never pick the same port: a port picked at
# random by two tests could pass both checks before either bound it.
# Outside a block (or when it is used up), a random port.
free_port() {
	"$PYTHON" - "${PGST_PORT_BLOCK:-}" "$TEST_TMP/.next-port" <<-'EOF'
	import random, socket, sys
	block, state = sys.argv[1], sys.argv[2]
	def free(port):
	    s = socket.socket()
	    try:
	        s.bind(("127.0.0.1", port))
	        return True
	    except OSError:
	        return False
	    finally:
	        s.close()
	if block:
	    first, end = (int(x) for x in block.split())
	    try:
	        with open(state) as f:
	            first = max(first, int(f.read()))
	    except (OSError, ValueError):
	        pass
	    for port in range(first, end):
	        if free(port):
	            with open(state, "w") as f:
	                f.write(str(port + 1))
	            print(port)
	            sys.exit(0)
	    print("free_port: block %s used up; a random port" % block,
	          file=sys.stderr)
	lo = 32768
	try:
	    with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
	        lo = int(f.read().split()[0])
	except (OSError, ValueError):
	    pass
	lo = max(lo, 12000)
	for _ in range(200):
	    port = random.randrange(10000, lo)
	    if free(port):
	        print(port)
	        break
	else:
	    s = socket.socket()
	    s.bind(("127.0.0.1", 0))
	    print(s.getsockname()[1])
	EOF
}

# port_listening PORT: a socket is in LISTEN state on PORT (no connection
# is made, so nothing is spawned by an inetd-style launcher).
port_listening() {
	[ -n "$(ss -Hltn "sport = :$1" 2>/dev/null)" ]
}

port_closed() { ! port_listening "$1"; }

wait_port() {
	wait_for "${2:-10}" port_listening "$1" ||
	    fail "nothing listens on port $1 after ${2:-10} s"
}

wait_port_closed() {
	wait_for "${2:-10}" port_closed "$1"
}

# ------------------------------------------------------------ PostgreSQL

# pg_start NAME [-c] [KEY=VALUE...]: a fresh PostgreSQL 15 cluster in
# $TEST_TMP/NAME, trust authentication, listening on 127.0.0.1:$PG_PORT
# and in $PG_SOCKDIR. Extra settings go to postgresql.conf ("-c" words
# are skipped, so "pg_start db -c ssl=on" works too).
# PG_HBA, when set (PG_HBA=... pg_start ...), replaces the default
# pg_hba.conf (local, host 127.0.0.1/32 and ::1/128, all trust).
# Sets PG_PORT, PG_SOCKDIR, PG_DATA, PG_LOG.
pg_start() {
	local name=$1 dir
	shift
	dir=$TEST_TMP/$name
	mkdir -p "$dir/sock"
	chown -R postgres: "$dir"
	PG_DATA=$dir/data
	PG_SOCKDIR=$dir/sock
	PG_LOG=$dir/postgres.log
	PG_PORT=$(free_port)
	if [ -n "${PGST_PG_TEMPLATE:-}" ] && [ -f "$PGST_PG_TEMPLATE/PG_VERSION" ]; then
		# A copy of a cluster made once per run by run-integration.sh.
		cp -a "$PGST_PG_TEMPLATE" "$PG_DATA" || fail "cannot copy $PGST_PG_TEMPLATE"
	else
		runuser -u postgres -- "$PGBIN/initdb" -N -A trust -U postgres \
		    -D "$PG_DATA" >"$dir/initdb.log" 2>&1 ||
		    { cat "$dir/initdb.log"; fail "initdb $name failed"; }
	fi
	if [ -n "${PG_HBA:-}" ]; then
		printf '%s\n' "$PG_HBA" >"$PG_DATA/pg_hba.conf"
	else
		cat >"$PG_DATA/pg_hba.conf" <<-EOF
		local all all trust
		host all all 127.0.0.1/32 trust
		host all all ::1/128 trust
		EOF
	fi
	{
		echo "port = $PG_PORT"
		echo "listen_addresses = '127.0.0.1'"
		echo "unix_socket_directories = '$PG_SOCKDIR'"
		echo "fsync = off"
		echo "synchronous_commit = off"
		echo "full_page_writes = off"
		echo "shared_buffers = 16MB"
		echo "max_connections = 40"
		local a
		for a in "$@"; do
			[ "$a" = "-c" ] && continue
			echo "${a%%=*} = '${a#*=}'"
		done
	} >>"$PG_DATA/postgresql.conf"
	chown postgres: "$PG_DATA/pg_hba.conf" "$PG_DATA/postgresql.conf"
	_PG_DATAS+=("$PG_DATA")
	runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PG_DATA" -l "$PG_LOG" \
	    -w -t 30 start >/dev/null ||
	    { cat "$PG_LOG"; fail "PostgreSQL $name did not start"; }
	export PG_PORT PG_SOCKDIR PG_DATA PG_LOG
}

# pg_start_tls NAME [KEY=VALUE...]: pg_start with ssl=on, the server
# certificate pg-server.crt (SAN localhost, 127.0.0.1, signed by ca.crt)
# and ssl_ca_file=ca.crt (for clientcert= rules); copies of those files
# in $TEST_TMP/NAME, owned by postgres. PG_HBA works as for pg_start.
pg_start_tls() {
	local name=$1 d
	shift
	d=$TEST_TMP/$name
	mkdir -p "$d"
	cp "$CERTS/pg-server.crt" "$CERTS/pg-server.key" "$CERTS/ca.crt" "$d/" ||
	    fail "cannot copy the PostgreSQL server certificate"
	chmod 0600 "$d/pg-server.key"
	pg_start "$name" ssl=on "ssl_cert_file=$d/pg-server.crt" \
	    "ssl_key_file=$d/pg-server.key" "ssl_ca_file=$d/ca.crt" "$@"
}

# pg_stop [DATADIR]: stop a cluster (default: the last one started).
pg_stop() {
	runuser -u postgres -- "$PGBIN/pg_ctl" -D "${1:-$PG_DATA}" \
	    -m immediate stop >/dev/null 2>&1
}

# psql_direct SQL: run SQL on the last cluster over its Unix socket,
# bypassing pgstunnel; unaligned, tuples only.
psql_direct() {
	psql -X -q -At -v ON_ERROR_STOP=1 \
	    "host=$PG_SOCKDIR port=$PG_PORT user=postgres dbname=postgres" \
	    -c "$1"
}

# psql_tls PORT [KEY=VALUE...] [PSQL-ARGS...]: psql through a tunnel on
# 127.0.0.1:PORT, checking the certificate against ca.crt and the name
# "localhost" (verify-full). Leading KEY=VALUE words (lowercase keys) are
# added to the connection string and override the defaults; the rest are
# psql's arguments. The default connect_timeout is PGST_CONNECT_TIMEOUT
# (5; run-integration.sh raises it under valgrind).
psql_tls() {
	local port=$1 conn
	shift
	conn="host=localhost hostaddr=127.0.0.1 port=$port sslmode=verify-full"
	conn="$conn sslrootcert=$CERTS/ca.crt connect_timeout=${PGST_CONNECT_TIMEOUT:-5}"
	conn="$conn user=postgres dbname=postgres"
	while [ $# -gt 0 ]; do
		case $1 in
		[a-z]*=*) conn="$conn $1"; shift ;;
		*) break ;;
		esac
	done
	psql -X -w -v ON_ERROR_STOP=1 "$conn" "$@"
}

# ---------------------------------------------------------- certificates

# issue_cert NAME SUBJECT EXTENSIONS [GENPKEY-ARGS...]: a key
# $TEST_TMP/NAME.key (mode 0600; EC P-256 unless GENPKEY-ARGS say
# otherwise) and a certificate $TEST_TMP/NAME.crt for SUBJECT (as
# openssl's -subj takes it), signed by the test CA ($CERTS/ca.crt), valid
# for 2 days, with the extension lines EXTENSIONS ("\n" between them).
issue_cert() {
	local name=$1 subj=$2 ext=$3
	shift 3
	[ $# -gt 0 ] || set -- -algorithm EC -pkeyopt ec_paramgen_curve:P-256
	openssl genpkey "$@" -out "$TEST_TMP/$name.key" 2>/dev/null ||
	    fail "openssl genpkey for $name"
	chmod 0600 "$TEST_TMP/$name.key"
	openssl req -new -key "$TEST_TMP/$name.key" -subj "$subj" \
	    -out "$TEST_TMP/$name.csr" || fail "openssl req for $name"
	printf '%b\n' "$ext" >"$TEST_TMP/$name.ext"
	openssl x509 -req -in "$TEST_TMP/$name.csr" -CA "$CERTS/ca.crt" \
	    -CAkey "$CERTS/ca.key" -CAcreateserial -CAserial "$TEST_TMP/ca.srl" \
	    -days 2 -sha256 -extfile "$TEST_TMP/$name.ext" \
	    -out "$TEST_TMP/$name.crt" 2>/dev/null || fail "openssl x509 -req for $name"
}

# ------------------------------------------------------------- launchers

# A launcher runs in its own session (setsid without a fork: a background
# job of a script is never a group leader), so the cleanup can signal its
# whole process group, pgstunnel children included. Launchers run with
# $TEST_TMP as working directory, which the cleanup also uses to find
# strays.

# _track PID: remember a launcher for the cleanup. Its subshell becomes a
# group leader only once it has run setsid, which a loaded machine may
# not have scheduled yet: wait for that (10 s at most), then check.
_is_leader() {
	local pgid
	pgid=$(ps -o pgid= -p "$1" 2>/dev/null | tr -d ' ')
	[ -z "$pgid" ] || [ "$pgid" = "$1" ]
}
_track() {
	local pid=$1
	_PIDS+=("$pid")
	wait_for 10 _is_leader "$pid" ||
	    fail "internal: launcher $pid is not a process group leader"
}

# socat_escape WORD: escape a word for socat's EXEC address. socat splits
# the command at spaces and its two levels of unquoting mangle quotes and
# backslashes, so words holding those are refused.
socat_escape() {
	case $1 in
	*[[:space:]\\\"\']*) fail "socat_escape: cannot pass [$1] through socat EXEC" ;;
	esac
	printf '%s' "$1" | sed -e 's/[:,!()[{}]/\\&/g' -e 's/]/\\]/g'
}

# start_socat PORT ARGS...: socat listens on 127.0.0.1:PORT and runs
# "$PGSTUNNEL ARGS" per connection on a socketpair. socat's and
# pgstunnel's stderr go to $TEST_TMP/socat-PORT.log. SOCAT_LISTEN_OPTS
# adds options to the TCP-LISTEN address (",backlog=1024": socat's
# default listen backlog is 5, too short for hundreds of clients at once).
# Sets LAUNCHER_PID and LAUNCHER_LOG.
start_socat() {
	local port=$1 cmd a
	shift
	cmd=$(socat_escape "$PGSTUNNEL")
	for a in "$@"; do
		cmd="$cmd $(socat_escape "$a")" || exit 1
	done
	LAUNCHER_LOG=$TEST_TMP/socat-$port.log
	(cd "$TEST_TMP" && exec setsid socat \
	    "TCP-LISTEN:$port,fork,reuseaddr,nodelay,bind=127.0.0.1${SOCAT_LISTEN_OPTS:-}" \
	    "EXEC:$cmd" 2>"$LAUNCHER_LOG") &
	LAUNCHER_PID=$!
	wait_port "$port"
	_track "$LAUNCHER_PID"
}

# start_ssa PORT ARGS...: systemd-socket-activate --accept on
# 127.0.0.1:PORT; each connection is fd 3 with LISTEN_FDS=1 (what a
# systemd Accept=yes socket unit does). Stderr to $TEST_TMP/ssa-PORT.log.
start_ssa() {
	local port=$1
	shift
	local envs=()
	[ -n "${ASAN_OPTIONS:-}" ] && envs+=(-E ASAN_OPTIONS)
	[ -n "${UBSAN_OPTIONS:-}" ] && envs+=(-E UBSAN_OPTIONS)
	LAUNCHER_LOG=$TEST_TMP/ssa-$port.log
	(cd "$TEST_TMP" && exec setsid systemd-socket-activate \
	    -l "127.0.0.1:$port" -a "${envs[@]}" \
	    "$PGSTUNNEL" "$@" 2>"$LAUNCHER_LOG") &
	LAUNCHER_PID=$!
	wait_port "$port"
	_track "$LAUNCHER_PID"
}

# start_listen PORT ARGS...: pgstunnel --listen 127.0.0.1:PORT ARGS.
# LAUNCHER_PID is pgstunnel itself. Stderr to $TEST_TMP/listen-PORT.log.
start_listen() {
	local port=$1
	shift
	LAUNCHER_LOG=$TEST_TMP/listen-$port.log
	(cd "$TEST_TMP" && exec setsid "$PGSTUNNEL" \
	    --listen "127.0.0.1:$port" "$@" 2>"$LAUNCHER_LOG") &
	LAUNCHER_PID=$!
	if ! wait_for "${PGST_START_TIMEOUT:-10}" port_listening "$port"; then
		cat "$LAUNCHER_LOG" >&2
		fail "pgstunnel --listen 127.0.0.1:$port is not listening"
	fi
	_track "$LAUNCHER_PID"
}

# start_xinetd PORT ARGS...: xinetd serving 127.0.0.1:PORT with
# "$PGSTUNNEL ARGS". The environment is empty (but for the sanitizer
# options) and stdin, stdout and stderr are all the client socket.
# xinetd's own log is $TEST_TMP/xinetd-PORT.log.
start_xinetd() {
	local port=$1 conf
	shift
	conf=$TEST_TMP/xinetd-$port.conf
	LAUNCHER_LOG=$TEST_TMP/xinetd-$port.log
	{
		echo "defaults"
		echo "{"
		echo "	instances = UNLIMITED"
		echo "}"
		echo "service pgstunnel-test-$port"
		echo "{"
		echo "	type = UNLISTED"
		echo "	port = $port"
		echo "	socket_type = stream"
		echo "	protocol = tcp"
		echo "	wait = no"
		echo "	user = root"
		echo "	bind = 127.0.0.1"
		echo "	server = $PGSTUNNEL"
		echo "	server_args = $*"
		echo "	per_source = UNLIMITED"
		echo "	cps = 10000 1"
		[ -n "${ASAN_OPTIONS:-}" ] && echo "	env = ASAN_OPTIONS=$ASAN_OPTIONS"
		[ -n "${UBSAN_OPTIONS:-}" ] && echo "	env += UBSAN_OPTIONS=$UBSAN_OPTIONS"
		echo "}"
	} >"$conf"
	(cd "$TEST_TMP" && exec setsid xinetd -dontfork -f "$conf" \
	    -pidfile "$TEST_TMP/xinetd-$port.pid" -filelog "$LAUNCHER_LOG" \
	    >"$TEST_TMP/xinetd-$port.out" 2>&1) &
	LAUNCHER_PID=$!
	if ! wait_for 10 port_listening "$port"; then
		cat "$LAUNCHER_LOG" "$TEST_TMP/xinetd-$port.out" >&2
		fail "xinetd is not listening on port $port"
	fi
	_track "$LAUNCHER_PID"
}

# pgstunnel_lines FILE: the lines of a launcher log written by pgstunnel
# (socat's own "YYYY/MM/DD hh:mm:ss socat[N]" lines left out).
pgstunnel_lines() {
	grep -Ev '^[0-9]{4}/[0-9]{2}/[0-9]{2} [0-9:]{8} socat\[' "$1" || true
}

# log_lines FILE: how many lines pgstunnel wrote to a launcher log.
log_lines() {
	pgstunnel_lines "$1" | wc -l
}

# wait_log_lines FILE N [SECONDS]: wait (5 s at most, or SECONDS) until
# FILE has at least N pgstunnel lines, let late writers settle, and print
# the final count.
wait_log_lines() {
	local deadline=$((SECONDS + ${3:-5}))
	while [ "$(log_lines "$1")" -lt "$2" ] && [ "$SECONDS" -lt "$deadline" ]; do
		sleep 0.05
	done
	sleep 0.3
	log_lines "$1"
}

# assert_log_has FILE TEXT: FILE (a launcher log) gets a line with TEXT
# within 10 s. A session writes its line when it has closed, which may be
# after its client has already given up (a refused client is drained for
# up to 500 ms first), and later still under valgrind.
assert_log_has() {
	wait_for 10 grep -qF -- "$2" "$1" && return 0
	show "log without [$2]" "$(cat "$1")"
	fail "missing text in $1: [$2]"
}

# knock PORT BIND N [HEX]: N connections at once to 127.0.0.1:PORT from
# BIND (HOST:PORT), each sending the bytes HEX (none by default), then
# waiting (8 s at most) for the server to close. One process for all, so
# that a burst stays a burst on a slow host.
knock() {
	"$PYTHON" - "$@" <<-'PY'
	import socket, sys, threading
	port, bind, n = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
	data = bytes.fromhex(sys.argv[4]) if len(sys.argv) > 4 else b""
	host, _, bport = bind.rpartition(":")
	def one():
	    try:
	        s = socket.create_connection(("127.0.0.1", port), timeout=8,
	                                     source_address=(host, int(bport)))
	        if data:
	            s.sendall(data)
	        while s.recv(4096):
	            pass
	        s.close()
	    except OSError:
	        pass
	ts = [threading.Thread(target=one) for _ in range(n)]
	for t in ts:
	    t.start()
	for t in ts:
	    t.join()
	PY
}

# assert_rate_limited FILE TEXT SENT KNOCK...: the refusal lines with
# TEXT in FILE ("N refused since the last such line") count every one of
# SENT refusals made so far, in fewer lines than refusals. While the
# counts fall short, one more refusal (the command KNOCK...) a little
# over a second apart brings the next line, up to 10 s.
assert_rate_limited() {
	local file=$1 text=$2 sent=$3 deadline=$((SECONDS + 10)) sum lines
	shift 3
	while :; do
		sum=$(grep -F -- "$text" "$file" |
		    sed -n 's/.*: \([0-9][0-9]*\) refused since the last such line.*/\1/p' |
		    awk '{ s += $1 } END { print s + 0 }')
		[ "$sum" -ge "$sent" ] || [ "$SECONDS" -ge "$deadline" ] && break
		sleep 1.2
		"$@" >/dev/null 2>&1
		sent=$((sent + 1))
		sleep 0.3
	done
	lines=$(grep -cF -- "$text" "$file")
	show "rate-limited lines" "$(grep -F -- "$text" "$file")"
	assert_eq "$sent" "$sum" "refusals counted by the lines"
	[ "$lines" -lt "$sent" ] || fail "$lines lines for $sent refusals: not rate-limited"
}

# ---------------------------------------------------------------- cleanup

# Processes whose working directory is inside $TEST_TMP (started by us),
# but this shell. One find for the whole scan, not a readlink per
# process: on a loaded host hundreds of forks per scan took minutes. The
# cleanup runs from / so that its own subshells do not count.
_strays() {
	find /proc -mindepth 2 -maxdepth 2 -name cwd \
	    \( -lname "$TEST_TMP" -o -lname "$TEST_TMP/*" \) 2>/dev/null |
	    awk -F/ -v self="$$" '$3 != self { print $3 }'
}

# _alive: some process we started is still running (zombies, waiting to
# be reaped by this shell, do not count).
_alive() {
	[ ${#_PIDS[@]} -gt 0 ] &&
	    ps -eo pgid=,stat= | awk -v groups=" ${_PIDS[*]} " '
		$2 !~ /^Z/ && index(groups, " " $1 " ") { found = 1 }
		END { exit !found }' && return 0
	[ -n "$(_strays)" ]
}

_cleanup() {
	local rc=$? pid d
	trap - EXIT INT TERM
	# A test may have cd'ed into $TEST_TMP; its subshells would be strays.
	cd / || true
	for pid in "${_PIDS[@]}"; do
		kill -TERM -- "-$pid" 2>/dev/null
	done
	for d in "${_PG_DATAS[@]}"; do
		pg_stop "$d"
	done
	# Give them time to exit on their own: a sanitizer build writes its
	# leak report at exit.
	for _ in $(seq 60); do
		_alive || break
		sleep 0.05
	done
	for pid in "${_PIDS[@]}" $(_strays); do
		kill -KILL -- "-$pid" 2>/dev/null
		kill -KILL "$pid" 2>/dev/null
	done
	wait 2>/dev/null
	if [ "${PGST_KEEP_TMP:-0}" = 1 ]; then
		echo "$TEST_NAME: kept $TEST_TMP" >&2
	else
		rm -rf "$TEST_TMP"
	fi
	exit "$rc"
}
trap _cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ------------------------------------------------------------ preflight

# need_pgstunnel: fail early and clearly when the binary or certs are missing.
need_pgstunnel() {
	[ -x "$PGSTUNNEL" ] || fail "no executable $PGSTUNNEL (run make)"
	[ -r "$CERTS/server.crt" ] || fail "no $CERTS/server.crt (run make certs)"
}

# load_sessions: how many concurrent sessions a load test opens.
# PGST_LOAD_SESSIONS if set; else 500 against a plain build, and 100
# against a sanitizer build (ASAN_OPTIONS set by run-integration.sh) or
# under valgrind: enough to check memory safety under concurrency without
# measuring how fast the host runs 500 instrumented processes.
load_sessions() {
	if [ -n "${PGST_LOAD_SESSIONS:-}" ]; then
		echo "$PGST_LOAD_SESSIONS"
	elif [ -n "${ASAN_OPTIONS:-}" ] || [ "${PGSTUNNEL_VALGRIND:-0}" = 1 ]; then
		echo 100
	else
		echo 500
	fi
}

# load_mode: "plain" or "instrumented" (the build load_sessions saw).
load_mode() {
	if [ -n "${ASAN_OPTIONS:-}" ] || [ "${PGSTUNNEL_VALGRIND:-0}" = 1 ]; then
		echo instrumented
	else
		echo plain
	fi
}

# For load and fault tests that watch session processes. They set
# $listener (the --listen pid) or $socat_group (socat's process group).
# shellcheck disable=SC2154 # set by the test that calls these
# session_pids MODE: the pgstunnel session processes open in MODE
# ("listen": the listener's children; "socat": its EXEC children).
session_pids() {
	if [ "$1" = listen ]; then
		ps --ppid "$listener" -o pid= | tr -d ' '
	else
		local p exe
		exe=$(readlink -f "$PGSTUNNEL")
		for p in $(ps -eo pid=,pgid= | awk -v g="$socat_group" '$2 == g && $1 != g { print $1 }'); do
			[ "$(readlink "/proc/$p/exe" 2>/dev/null)" = "$exe" ] && echo "$p"
		done
	fi
}
# shellcheck disable=SC2317 # these are called through wait_for
gone() { [ ! -e "/proc/$1" ]; }
# ended MODE PID: with --listen the process must be gone, reaped by the
# listener; a socat EXEC child may outlive its socat process and be
# re-parented to PID 1, whose reaping is none of pgstunnel's business, so
# there a zombie counts as ended.
# shellcheck disable=SC2317
ended() {
	gone "$2" && return 0
	[ "$1" = socat ] && [ "$(ps -o stat= -p "$2" 2>/dev/null | cut -c1)" = Z ]
}
