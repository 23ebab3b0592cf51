#!/bin/bash
# Bulk data both ways: 20+ MB COPY OUT through the tunnel (--listen and
# socat) is byte-identical to the same COPY done directly, and the same
# data COPY'd IN through the tunnel comes back identical.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$(dirname "$0")/../lib.sh"
need_pgstunnel

pg_start db
psql_direct "create table t as
    select i, md5(i::text) || repeat('x', 110) as s, now()::date as d
    from generate_series(1, 150000) i;
    create table t2 (like t)" >/dev/null || fail "could not create the data"
copy_out="copy (select * from t order by i) to stdout"

psql_direct "$copy_out" >"$TEST_TMP/direct.copy" || fail "direct COPY failed"
size=$(stat -c %s "$TEST_TMP/direct.copy")
log "direct COPY: $size bytes"
[ "$size" -ge $((20 * 1024 * 1024)) ] || fail "only $size bytes of test data"
want=$(sha256sum <"$TEST_TMP/direct.copy")

port=$(free_port)
start_listen "$port" --cert "$CERTS/server.crt" --key "$CERTS/server.key" \
    --upstream "127.0.0.1:$PG_PORT" --log stderr
sport=$(free_port)
start_socat "$sport" --cert "$CERTS/server.crt" --key "$CERTS/server.key" \
    --upstream "127.0.0.1:$PG_PORT" --log stderr

for p in "$port" "$sport"; do
	psql_tls "$p" -X -q -c "$copy_out" >"$TEST_TMP/tunnel.copy" 2>"$TEST_TMP/err" ||
	    { cat "$TEST_TMP/err"; fail "COPY OUT through port $p failed"; }
	assert_eq "$want" "$(sha256sum <"$TEST_TMP/tunnel.copy")" \
	    "COPY OUT through port $p ($(stat -c %s "$TEST_TMP/tunnel.copy") bytes)"
done

psql_tls "$port" -X -q -c "copy t2 from stdin" <"$TEST_TMP/direct.copy" 2>"$TEST_TMP/err" ||
    { cat "$TEST_TMP/err"; fail "COPY IN through the tunnel failed"; }
psql_direct "copy (select * from t2 order by i) to stdout" >"$TEST_TMP/back.copy"
assert_eq "$want" "$(sha256sum <"$TEST_TMP/back.copy")" "COPY IN through the tunnel"
assert_eq 150000 "$(psql_direct 'select count(*) from t2')" "rows copied in"

pass
