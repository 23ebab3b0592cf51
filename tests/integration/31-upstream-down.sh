#!/bin/bash
# The upstream cannot be reached: after the TLS handshake the client gets
# a PostgreSQL ErrorResponse (severity FATAL, SQLSTATE 08006) that names
# the upstream and the reason, and psql prints it. Nothing is listening
# on the TCP port; the Unix socket path does not exist.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$(dirname "$0")/../lib.sh"
need_pgstunnel

dead=$(free_port)
port=$(free_port)
start_socat "$port" --cert "$CERTS/server.crt" --key "$CERTS/server.key" \
    --upstream "127.0.0.1:$dead" --log stderr

out=$(psql_tls "$port" -v VERBOSITY=verbose -Atc "select 'should-not-run'" 2>&1) &&
    fail "psql succeeded with the upstream down"
show psql "$out"
assert_contains "$out" "FATAL:" "psql shows a FATAL error"
assert_contains "$out" "upstream" "the error names the upstream"
assert_contains "$out" "127.0.0.1:$dead" "the error names the address"
assert_contains "$out" "Connection refused" "the error says why"
assert_not_contains "$out" "should-not-run"

# The same refusal on the wire: TLS first, then E with SQLSTATE 08006.
wire=$("$PYTHON" "$PGWIRE" startup "$port" 2>&1)
show wire "$wire"
assert_contains "$wire" "ssl=S"
assert_contains "$wire" "tls=ok TLSv1.2"
assert_match "$wire" '^E S=FATAL C=08006 M=.*upstream' "ErrorResponse fields"

# A Unix socket that does not exist, in --listen mode.
port2=$(free_port)
start_listen "$port2" --cert "$CERTS/server.crt" --key "$CERTS/server.key" \
    --upstream "$TEST_TMP/nowhere/.s.PGSQL.5432" --log stderr
out=$(psql_tls "$port2" -Atc "select 'should-not-run'" 2>&1) &&
    fail "psql succeeded with no upstream socket"
show psql "$out"
assert_contains "$out" "upstream"
assert_contains "$out" "No such file or directory"
# The listener survives its child's failure.
out=$(psql_tls "$port2" -Atc "select 1" 2>&1)
assert_contains "$out" "upstream" "second refusal from the same listener"

pass
