#!/bin/bash
# --sandbox on (the default) where the kernel or an emulator refuses
# seccomp filters, simulated by tests/seccomp-deny/denyseccomp.c:
#  - "all" (no seccomp at all, as under qemu-user): pgstunnel refuses to
#    start, per connection and with --listen, before any client, exit 64
#    and one line naming --sandbox off; with --sandbox off it serves;
#  - "install" (the start-up probe passes, the session's own install
#    fails): psql gets a FATAL ErrorResponse saying so, not a closed
#    connection, and the log line ends "end=sandbox failed".
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$(dirname "$0")/../lib.sh"
need_pgstunnel

deny=$TEST_TMP/denyseccomp
cc -O2 -Wall -Wextra -Werror -o "$deny" "$REPO/tests/seccomp-deny/denyseccomp.c" \
    2>"$TEST_TMP/cc.log" || { cat "$TEST_TMP/cc.log"; fail "cannot build denyseccomp"; }
real=$PGSTUNNEL
# wrapper MODE: the real pgstunnel, run under denyseccomp MODE.
wrapper() {
	printf '#!/bin/sh\nexec %s %s %s "$@"\n' "$deny" "$1" "$real" \
	    >"$TEST_TMP/pgstunnel-$1"
	chmod 0755 "$TEST_TMP/pgstunnel-$1"
	echo "$TEST_TMP/pgstunnel-$1"
}
pg_start db
files=(--cert "$CERTS/server.crt" --key "$CERTS/server.key" --upstream "127.0.0.1:$PG_PORT")

# The helper does what it claims: a filter install fails under it.
out=$("$deny" all "$deny" all true 2>&1) && fail "denyseccomp let a filter be installed"
assert_contains "$out" "cannot install the filter"

# "all": refused at start, before any client.
PGSTUNNEL=$(wrapper all)
start_error 64 "this kernel cannot install the seccomp filter" "${files[@]}" --log stderr
err=$(timeout 10 "$PGSTUNNEL" "${files[@]}" --log stderr 2>&1 </dev/null)
assert_contains "$err" "run with --sandbox off"
port=$(free_port)
err=$(timeout 10 "$PGSTUNNEL" "${files[@]}" --listen "127.0.0.1:$port" --log stderr 2>&1 </dev/null)
rc=$?
assert_eq 64 "$rc" "--listen's exit status without seccomp"
assert_contains "$err" "run with --sandbox off"
port_listening "$port" && fail "--listen bound its port although it cannot serve"
# With --sandbox off it serves.
port=$(free_port)
start_socat "$port" "${files[@]}" --sandbox off --log stderr
out=$(psql_tls "$port" -Atc "select 'unfiltered'" 2>&1) ||
    { show psql "$out"; show log "$(cat "$LAUNCHER_LOG")"; fail "--sandbox off did not serve"; }
assert_eq unfiltered "$out"

# "install": the probe passes, the session's install fails; the client is
# told.
PGSTUNNEL=$(wrapper install)
for how in socat listen; do
	port=$(free_port)
	"start_$how" "$port" "${files[@]}" --log stderr
	out=$(psql_tls "$port" -Atc "select 'ran'" 2>&1) && fail "$how: a session ran without its sandbox"
	show "$how: psql" "$out"
	assert_not_contains "$out" ran
	assert_contains "$out" "FATAL:  pgstunnel: cannot set up the session's seccomp sandbox"
	assert_log_has "$LAUNCHER_LOG" "end=sandbox failed: cannot install the seccomp filter"
done
PGSTUNNEL=$real

pass
