#!/bin/bash
# Bulk data at scale: PGST_BIG_COPY_MB (default 1024) MB each way through
# pgstunnel --listen, byte-identical:
#  - OUT: sha256 of "COPY (SELECT ...) TO STDOUT" through the tunnel equals
#    the sha256 of the same COPY done directly (Unix socket);
#  - IN: generated rows streamed through the tunnel into an unlogged table
#    (COPY FROM STDIN); the sha256 of what was sent equals the sha256 of
#    the table's COPY TO STDOUT done directly (fresh heap, one COPY, no
#    synchronized scans: rows come back in insertion order), and the row
#    count matches.
# The session log line accounts for every byte of each COPY.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$(dirname "$0")/../lib.sh"
need_pgstunnel
mb=${PGST_BIG_COPY_MB:-1024}
bytes=$((mb * 1024 * 1024))
# Rows of 960+ bytes: "i<TAB>" and 960 hex digits, varying with i.
rows=$((bytes / 960 + 1))

pg_start db synchronize_seqscans=off max_wal_size=4GB
psql_direct "create unlogged table t (i int, s text)" >/dev/null
port=$(free_port)
start_listen "$port" --cert "$CERTS/server.crt" --key "$CERTS/server.key" \
    --upstream "127.0.0.1:$PG_PORT" --log stderr

copy_out="copy (select i, repeat(md5(i::text), 30) from generate_series(1, $rows) i) to stdout"

t=$SECONDS
want=$(psql_direct "$copy_out" | sha256sum) || fail "direct COPY OUT failed"
log "direct COPY OUT: $((SECONDS - t)) s"
t=$SECONDS
got=$(psql_tls "$port" -X -q -c "$copy_out" 2>"$TEST_TMP/err" | tee >(wc -c >"$TEST_TMP/out.bytes") | sha256sum)
[ -s "$TEST_TMP/err" ] && { cat "$TEST_TMP/err"; fail "COPY OUT through the tunnel failed"; }
sleep 0.1
out_bytes=$(cat "$TEST_TMP/out.bytes")
log "COPY OUT through the tunnel: $out_bytes bytes in $((SECONDS - t)) s"
[ "$out_bytes" -ge "$bytes" ] || fail "COPY OUT: only $out_bytes bytes (want $bytes)"
assert_eq "$want" "$got" "COPY OUT through the tunnel is byte-identical"

# COPY IN: the generator writes the rows to stdout and their sha256 and
# length to a file.
t=$SECONDS
"$PYTHON" - "$rows" "$TEST_TMP/in.sum" <<-'PYEOF' |
	import hashlib, sys
	rows, sumfile = int(sys.argv[1]), sys.argv[2]
	h = hashlib.sha256()
	n = 0
	out = sys.stdout.buffer
	digits = [hashlib.md5(str(k).encode()).hexdigest() for k in range(997)]
	batch = []
	for i in range(1, rows + 1):
	    batch.append(b"%d\t%s\n" % (i, (digits[i % 997] + digits[(i * 7) % 997]).encode() * 15))
	    if len(batch) == 1000:
	        chunk = b"".join(batch)
	        h.update(chunk); n += len(chunk); out.write(chunk); batch = []
	chunk = b"".join(batch)
	h.update(chunk); n += len(chunk); out.write(chunk)
	out.flush()
	with open(sumfile, "w") as f:
	    f.write("%s %d\n" % (h.hexdigest(), n))
	PYEOF
    psql_tls "$port" -X -q -c "copy t from stdin" 2>"$TEST_TMP/err" ||
    { cat "$TEST_TMP/err"; fail "COPY IN through the tunnel failed"; }
read -r in_sha in_bytes <"$TEST_TMP/in.sum"
log "COPY IN through the tunnel: $in_bytes bytes in $((SECONDS - t)) s"
[ "$in_bytes" -ge "$bytes" ] || fail "COPY IN: only $in_bytes bytes generated"
assert_eq "$rows" "$(psql_direct "select count(*) from t")" "rows copied in"
t=$SECONDS
back=$(psql_direct "copy t to stdout" | sha256sum)
log "direct COPY of the table: $((SECONDS - t)) s"
assert_eq "$in_sha  -" "$back" "COPY IN through the tunnel is byte-identical"

# The log lines (one per session) count the COPY bytes.
n=$(wait_log_lines "$LAUNCHER_LOG" 3)
show log "$(cat "$LAUNCHER_LOG")"
out_line=$(grep -m1 'end=' "$LAUNCHER_LOG")
in_line=$(grep 'end=' "$LAUNCHER_LOG" | sed -n 2p)
[ "$(echo "$out_line" | sed -n 's/.*bytes_out=\([0-9]*\).*/\1/p')" -ge "$out_bytes" ] ||
    fail "COPY OUT session: bytes_out below the COPY size"
[ "$(echo "$in_line" | sed -n 's/.*bytes_in=\([0-9]*\).*/\1/p')" -ge "$in_bytes" ] ||
    fail "COPY IN session: bytes_in below the COPY size"
[ "$n" -ge 3 ] || fail "log lines: $n"

pass
