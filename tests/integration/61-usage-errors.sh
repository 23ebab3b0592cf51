#!/bin/bash
# Usage errors: each makes pgstunnel exit non-zero at once with exactly one
# line on stderr, before touching the connection. --help and --version
# exit 0 and print to stdout.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$(dirname "$0")/../lib.sh"
need_pgstunnel

c=(--cert "$CERTS/server.crt")
k=(--key "$CERTS/server.key")
u=(--upstream 127.0.0.1:1)

# A stdin that stays open and never has data: pgstunnel must not wait on it.
mkfifo "$TEST_TMP/stdin"
exec 7<>"$TEST_TMP/stdin"

# usage_error WHAT ARGS...: expect a quick non-zero exit and one line.
usage_error() {
	local what=$1 err rc
	shift
	err=$(timeout 10 "$PGSTUNNEL" "$@" <&7 2>&1 >/dev/null)
	rc=$?
	show "$what (exit $rc)" "$err"
	[ "$rc" -ne 124 ] || fail "$what: still running after 10 s"
	[ "$rc" -ne 0 ] || fail "$what: exit status 0"
	assert_lines 1 "$err" "$what: message"
}

usage_error "no arguments"
usage_error "missing --upstream" "${c[@]}" "${k[@]}" --log stderr
usage_error "missing --cert" "${k[@]}" "${u[@]}" --log stderr
usage_error "missing --key" "${c[@]}" "${u[@]}" --log stderr
usage_error "unknown option" "${c[@]}" "${k[@]}" "${u[@]}" --no-such-option
usage_error "option without value" "${c[@]}" "${k[@]}" --upstream
usage_error "stray argument" "${c[@]}" "${k[@]}" "${u[@]}" stray
usage_error "bad --log" "${c[@]}" "${k[@]}" "${u[@]}" --log bogus
usage_error "bad --max-connections" "${c[@]}" "${k[@]}" "${u[@]}" --listen "127.0.0.1:$(free_port)" --max-connections many
usage_error "negative --connect-timeout" "${c[@]}" "${k[@]}" "${u[@]}" --connect-timeout -1
usage_error "trailing junk in --handshake-timeout" "${c[@]}" "${k[@]}" "${u[@]}" --handshake-timeout 5x
usage_error "bad --upstream" "${c[@]}" "${k[@]}" --upstream nocolon
# A FIFO (no writer) or a directory as a file: refused at once, never a
# hang (under inetd a hang is one stuck process per connection).
mkfifo "$TEST_TMP/fifo.pem"
usage_error "a FIFO as --cert" --cert "$TEST_TMP/fifo.pem" "${k[@]}" "${u[@]}" --log stderr
err=$(timeout 10 "$PGSTUNNEL" --cert "$TEST_TMP/fifo.pem" "${k[@]}" "${u[@]}" \
    --log stderr <&7 2>&1 >/dev/null)
assert_eq 66 "$?" "exit status for a FIFO as --cert"
assert_contains "$err" "not a regular file"
usage_error "a FIFO as --key" "${c[@]}" --key "$TEST_TMP/fifo.pem" "${u[@]}" --log stderr
usage_error "a FIFO as --client-ca" "${c[@]}" "${k[@]}" "${u[@]}" \
    --client-ca "$TEST_TMP/fifo.pem" --log stderr
usage_error "a FIFO as --config" --config "$TEST_TMP/fifo.pem" --log stderr
usage_error "a directory as --cert" --cert "$TEST_TMP" "${k[@]}" "${u[@]}" --log stderr
long_name=$(printf 'a%.0s' $(seq 300))
usage_error "300-character --upstream-servername" "${c[@]}" "${k[@]}" "${u[@]}" \
    --upstream-tls require --upstream-servername "$long_name"
usage_error "control character in --upstream-servername" "${c[@]}" "${k[@]}" \
    "${u[@]}" --upstream-tls require --upstream-servername "$(printf 'db\001x')"
err=$("$PGSTUNNEL" "${c[@]}" "${k[@]}" "${u[@]}" --upstream-tls require \
    --upstream-servername "$long_name" --log stderr <&7 2>&1 >/dev/null)
assert_eq 64 "$?" "exit status for a servername over 253 characters"
assert_contains "$err" "at most 253 characters"
usage_error "relative Unix socket path" "${c[@]}" "${k[@]}" --upstream relative/.s.PGSQL.5432
usage_error "missing --cert file" --cert "$TEST_TMP/none.crt" "${k[@]}" "${u[@]}" --log stderr
usage_error "missing --key file" "${c[@]}" --key "$TEST_TMP/none.key" "${u[@]}" --log stderr
usage_error "missing --client-ca file" "${c[@]}" "${k[@]}" "${u[@]}" --client-ca "$TEST_TMP/none.crt" --log stderr
usage_error "certificate file given as key" "${c[@]}" --key "$CERTS/server.crt" "${u[@]}" --log stderr
usage_error "key file given as certificate" --cert "$CERTS/server.key" "${k[@]}" "${u[@]}" --log stderr
usage_error "option given twice" "${c[@]}" "${k[@]}" "${u[@]}" --upstream 127.0.0.1:2 --log stderr
usage_error "a --cert without its --key" "${c[@]}" "${k[@]}" "${c[@]}" "${u[@]}" --log stderr

# The messages say which file is missing.
err=$("$PGSTUNNEL" --cert "$TEST_TMP/none.crt" "${k[@]}" "${u[@]}" --log stderr </dev/null 2>&1 >/dev/null)
assert_contains "$err" "none.crt"

# A repeated option is named; a --cert without its --key is refused.
err=$("$PGSTUNNEL" "${c[@]}" "${k[@]}" "${u[@]}" --upstream 127.0.0.1:2 </dev/null 2>&1 >/dev/null)
assert_contains "$err" "--upstream given twice on the command line"
err=$("$PGSTUNNEL" "${c[@]}" "${k[@]}" "${c[@]}" "${u[@]}" </dev/null 2>&1 >/dev/null)
assert_contains "$err" "--cert and --key go in pairs, matched in order"

# Run by hand in a terminal (stdin, stdout and stderr are one tty) or with
# "2>&1": the message must still be shown. Only a socket shared with the
# client (inetd, xinetd) is a reason to keep quiet on stderr.
out=$(script -qec "$PGSTUNNEL --cert $TEST_TMP/none.crt --key $CERTS/server.key --upstream 127.0.0.1:1" /dev/null </dev/null 2>&1)
show "in a terminal" "$out"
assert_contains "$out" "none.crt" "usage error shown in a terminal"
out=$("$PGSTUNNEL" --no-such-option </dev/null 2>&1)
assert_contains "$out" "no-such-option" "usage error shown with 2>&1"

out=$("$PGSTUNNEL" --help </dev/null 2>/dev/null)
rc=$?
assert_eq 0 "$rc" "--help exit status"
assert_contains "$out" "--upstream" "--help lists the options"
assert_contains "$out" "--cert"

out=$("$PGSTUNNEL" --version </dev/null 2>/dev/null)
rc=$?
assert_eq 0 "$rc" "--version exit status"
version=$(sed -n 's/^VERSION *= *//p' "$REPO/Makefile")
assert_contains "$out" "$version" "--version shows the Makefile's VERSION"

# Control bytes that a configuration file quotes back are escaped, so an
# error line cannot end early or move a terminal's cursor; a UTF-8
# byte-order mark at the start of the file is skipped.
printf 'cert\001x = a\n' >"$TEST_TMP/ctl.conf"
start_error 64 "$TEST_TMP/ctl.conf:1: unknown option 'cert\x01x'" --config "$TEST_TMP/ctl.conf"
printf '\357\273\277upstream = 127.0.0.1:1\nbogus = 1\n' >"$TEST_TMP/bom.conf"
start_error 64 "$TEST_TMP/bom.conf:2: unknown option 'bogus'" --config "$TEST_TMP/bom.conf"

pass
