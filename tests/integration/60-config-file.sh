#!/bin/bash
# --config FILE: "name = value" lines with the long option names, comments
# and blank lines. Options from the file work; the command line wins over
# the file (its --cert list replaces the file's); a bad line makes
# pgstunnel exit non-zero with one message naming the line number, an
# option set twice names both lines.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$(dirname "$0")/../lib.sh"
need_pgstunnel

pg_start db
dead=$(free_port)

conf=$TEST_TMP/good.conf
cat >"$conf" <<-EOC
# pgstunnel test configuration

cert = $CERTS/server.crt
	key	=	$CERTS/server.key
# the command line overrides this upstream, which is down:
upstream = 127.0.0.1:$dead
log = stderr
EOC

# Everything from the file but the upstream: the command line wins.
port=$(free_port)
start_listen "$port" --config "$conf" --upstream "127.0.0.1:$PG_PORT"
out=$(psql_tls "$port" -Atc "select 'config-ok'" 2>&1) ||
    { show psql "$out"; show log "$(cat "$LAUNCHER_LOG")"; fail "options from --config plus --upstream failed"; }
assert_eq config-ok "$out" "command line --upstream overrides the file"

# Without the override, the file's (dead) upstream is used.
port2=$(free_port)
start_listen "$port2" --config "$conf"
out=$(psql_tls "$port2" -Atc "select 'should-not-run'" 2>&1) &&
    fail "the file's upstream was not used"
assert_contains "$out" "127.0.0.1:$dead" "the file's upstream is used"

# The order of --config and the other options does not matter.
port3=$(free_port)
start_listen "$port3" --upstream "127.0.0.1:$PG_PORT" --config "$conf"
out=$(psql_tls "$port3" -Atc "select 'order-ok'" 2>&1) ||
    { show psql "$out"; fail "--upstream before --config was overridden by the file"; }
assert_eq order-ok "$out"

# Bad lines: each makes start-up fail with one line naming line 3.
bad() {
	printf '# comment\n\n%s\ncert = %s\n' "$1" "$CERTS/server.crt" >"$TEST_TMP/bad.conf"
	err=$(timeout 10 "$PGSTUNNEL" --config "$TEST_TMP/bad.conf" \
	    --key "$CERTS/server.key" --upstream "127.0.0.1:$PG_PORT" --log stderr \
	    </dev/null 2>&1 >/dev/null)
	rc=$?
	show "bad line [$1] (exit $rc)" "$err"
	[ "$rc" -ne 124 ] || fail "bad line [$1]: still running after 10 s"
	[ "$rc" -ne 0 ] || fail "bad line [$1]: exit status 0"
	assert_lines 1 "$err" "bad line [$1]: message"
	assert_match "$err" '(:3\b|line 3\b)' "bad line [$1]: line number"
}
bad "this line has no equals sign"
bad "no-such-option = 1"
bad "handshake-timeout = soon"

# An option set twice in the file: the message names both lines. The
# command line may still give it once more (it wins).
printf '# comment\n\nlog = stderr\ncert = %s\nlog = syslog\n' "$CERTS/server.crt" >"$TEST_TMP/twice.conf"
err=$(timeout 10 "$PGSTUNNEL" --config "$TEST_TMP/twice.conf" --key "$CERTS/server.key" \
    --upstream "127.0.0.1:$PG_PORT" --log stderr </dev/null 2>&1 >/dev/null)
rc=$?
show "option twice in the file (exit $rc)" "$err"
assert_eq 64 "$rc" "option twice in the file: exit status"
assert_lines 1 "$err" "option twice in the file: message"
assert_contains "$err" "twice.conf:5: log already set at line 3"

# --cert and --key on the command line replace the file's: here the
# file's cert does not exist, the command line's does.
printf 'cert = %s\nkey = %s\nupstream = 127.0.0.1:%s\nlog = stderr\n' \
    "$TEST_TMP/none.crt" "$CERTS/server.key" "$PG_PORT" >"$TEST_TMP/list.conf"
port4=$(free_port)
start_listen "$port4" --config "$TEST_TMP/list.conf" --cert "$CERTS/server.crt"
out=$(psql_tls "$port4" -Atc "select 'list-ok'" 2>&1) ||
    { show psql "$out"; show log "$(cat "$LAUNCHER_LOG")"; fail "--cert on the command line did not replace the file's"; }
assert_eq list-ok "$out" "the command line's --cert replaces the file's"

# A configuration file that does not exist.
err=$(timeout 10 "$PGSTUNNEL" --config "$TEST_TMP/missing.conf" </dev/null 2>&1 >/dev/null)
rc=$?
show "missing file (exit $rc)" "$err"
if [ "$rc" -eq 0 ] || [ "$rc" -eq 124 ]; then
	fail "missing --config file: exit status $rc"
fi
assert_lines 1 "$err" "missing --config file: message"
assert_contains "$err" "missing.conf"

pass
