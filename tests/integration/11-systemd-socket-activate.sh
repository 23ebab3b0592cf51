#!/bin/bash
# systemd socket activation as contrib/pgstunnel.socket and
# pgstunnel@.service set it up: systemd-socket-activate --accept passes
# each connection as fd 3 with LISTEN_FDS=1 and LISTEN_PID, and the
# command line is the unit's ExecStart= with its paths moved under the
# test directory; the configuration is contrib/pgstunnel.conf.example with
# this test's files. Also: a stale LISTEN_FDS/LISTEN_PID inherited from a
# parent (not naming pgstunnel's own pid) is ignored (stdin is used).
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$(dirname "$0")/../lib.sh"
need_pgstunnel

unit=$REPO/contrib/pgstunnel@.service
socket=$REPO/contrib/pgstunnel.socket
example=$REPO/contrib/pgstunnel.conf.example
grep -qx 'Accept=yes' "$socket" || fail "pgstunnel.socket lacks Accept=yes"
grep -qx 'StandardInput=socket' "$unit" || fail "pgstunnel@.service lacks StandardInput=socket"

pg_start db

# The configuration: the example with this test's paths, log to stderr.
conf=$TEST_TMP/pgstunnel.conf
sed -e "s|^cert = .*|cert = $CERTS/server.crt|" \
    -e "s|^key = .*|key = $CERTS/server.key|" \
    -e "s|^upstream = .*|upstream = 127.0.0.1:$PG_PORT|" "$example" >"$conf"
echo "log = stderr" >>"$conf"
grep -q "^upstream = 127.0.0.1:$PG_PORT\$" "$conf" || fail "example has no upstream line"

# The credentials directory (%d) with what LoadCredential= would copy.
creds=$TEST_TMP/credentials
mkdir -m 0700 "$creds"
while IFS=: read -r name path; do
	[ -r "$CERTS/$(basename "$path")" ] || fail "no test file for credential $name ($path)"
	cp "$CERTS/$(basename "$path")" "$creds/$name"
done < <(sed -n 's/^LoadCredential=//p' "$unit")

# ExecStart= with the installed paths replaced.
execstart=$(sed -n 's/^ExecStart=//p' "$unit")
[ -n "$execstart" ] || fail "no ExecStart= in $unit"
read -r -a words <<<"$execstart"
assert_eq /usr/local/sbin/pgstunnel "${words[0]}" "ExecStart= program"
args=()
for w in "${words[@]:1}"; do
	w=${w//\/etc\/pgstunnel\/pgstunnel.conf/$conf}
	w=${w//%d/$creds}
	case $w in *%*) fail "unhandled specifier in ExecStart= word [$w]" ;; esac
	args+=("$w")
done
log "ExecStart: pgstunnel ${args[*]}"

port=$(free_port)
start_ssa "$port" "${args[@]}"
for i in 1 2; do
	out=$(psql_tls "$port" -At -c '\conninfo' -c "select 'ssa-$i'" 2>&1) ||
	    { show psql "$out"; show log "$(cat "$LAUNCHER_LOG")"; fail "psql through systemd-socket-activate failed"; }
	assert_contains "$out" 'SSL connection (protocol: TLSv1.2'
	assert_contains "$out" "ssa-$i"
done

# Stale LISTEN_* from a parent: socat passes its environment on, and the
# pid is not pgstunnel's own, so pgstunnel must use stdin/stdout.
port2=$(free_port)
LISTEN_FDS=1 LISTEN_PID=1 start_socat "$port2" --config "$conf"
out=$(psql_tls "$port2" -Atc "select 'stale-env-ignored'" 2>&1) ||
    { show psql "$out"; show log "$(cat "$LAUNCHER_LOG")"; fail "stale LISTEN_FDS/LISTEN_PID not ignored"; }
assert_contains "$out" stale-env-ignored

pass
