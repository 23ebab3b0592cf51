#!/bin/bash
# No heap allocation in the relay: tests/malloc-count/malloccount.c, an
# LD_PRELOAD shim, counts malloc/calloc/realloc/free (and the memalign
# family) that pgstunnel calls after its first readv() (only the relay,
# src/pump.c, calls readv). Through socat EXEC and through --listen (its
# children end with _exit), with --log stderr:
#  (a) one query;
#  (b) a 20+ MB COPY OUT, 2000 queries and a 20+ MB COPY IN in one session;
#  (c) as (b) with TLS to the upstream too (two engines in the relay);
# the count after the first readv must be 0 in every session. So that the
# test cannot pass vacuously, every session must have called readv and
# made heap calls before it (the socat sessions name the upstream
# "localhost", and getaddrinfo allocates; an IP literal needs no heap at
# all, and a --listen child counts its parent's calls), and a control
# program that allocates after a readv must be counted.
# The shim needs the dynamically linked release binary: under
# PGSTUNNEL_ASAN=1 (or the valgrind wrapper) it uses $REPO/pgstunnel.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$(dirname "$0")/../lib.sh"

target=$PGSTUNNEL
if [ ! -f "$target" ] || head -c 2 "$target" | grep -q '#!' ||
    ldd "$target" 2>/dev/null | grep -q 'libasan'; then
	target=$REPO/pgstunnel
	log "$PGSTUNNEL is no plain dynamic binary: counting $target"
fi
PGSTUNNEL=$(readlink -f "$target")
export PGSTUNNEL
need_pgstunnel
ldd "$PGSTUNNEL" 2>/dev/null | grep -q 'libc\.so' ||
    fail "$PGSTUNNEL is not dynamically linked to libc: LD_PRELOAD cannot count it (build without STATIC=1)"

shim=$TEST_TMP/malloccount.so
cc -shared -fPIC -O2 -Wall -Wextra -Werror -o "$shim" \
    "$REPO/tests/malloc-count/malloccount.c" -ldl 2>"$TEST_TMP/cc.log" ||
    { cat "$TEST_TMP/cc.log"; fail "cannot build the malloc-count shim"; }

# Control: a program that allocates after a readv() is counted.
py=$(readlink -f "$PYTHON")
MALLOC_COUNT_TARGET=$py MALLOC_COUNT_FILE=$TEST_TMP/control LD_PRELOAD=$shim \
    "$PYTHON" -c '
import os
r, w = os.pipe()
os.write(w, b"x")
os.readv(r, [bytearray(1)])
keep = [bytes(100000 + i) for i in range(10)]' || fail "control program failed"
control=$(cat "$TEST_TMP"/control.* 2>/dev/null)
show control "$control"
assert_match "$control" "readv=1 before=[1-9][0-9]* after=[1-9]" \
    "the shim counts allocations after a readv"
assert_match "$control" "after_malloc=[1-9]" "the shim counts malloc after a readv"
# ... and one that is not the target is not counted at all.
MALLOC_COUNT_TARGET=/nonexistent MALLOC_COUNT_FILE=$TEST_TMP/other LD_PRELOAD=$shim \
    "$PYTHON" -c 'pass'
[ -z "$(ls "$TEST_TMP"/other.* 2>/dev/null)" ] || fail "a non-target process was counted"

mkdir -p "$TEST_TMP/db"
cp "$CERTS/pg-server.crt" "$CERTS/pg-server.key" "$TEST_TMP/db/"
chmod 0600 "$TEST_TMP/db/pg-server.key"
chown -R postgres: "$TEST_TMP/db"
pg_start db ssl=on "ssl_cert_file=$TEST_TMP/db/pg-server.crt" \
    "ssl_key_file=$TEST_TMP/db/pg-server.key"
psql_direct "create table t as
    select i, md5(i::text) || repeat('x', 110) as s
    from generate_series(1, 150000) i;
    create table t2 (like t)" >/dev/null || fail "could not create the data"
psql_direct "copy t to stdout" >"$TEST_TMP/data.copy"
size=$(stat -c %s "$TEST_TMP/data.copy")
[ "$size" -ge $((20 * 1024 * 1024)) ] || fail "only $size bytes of COPY data"
for i in $(seq 2000); do echo "select $i;"; done >"$TEST_TMP/queries.sql"

# The launchers (socat, and the pgstunnel it starts) get the shim; only
# the process whose /proc/self/exe is $PGSTUNNEL counts.
export MALLOC_COUNT_TARGET=$PGSTUNNEL MALLOC_COUNT_FILE=$TEST_TMP/mc/count
mkdir "$TEST_TMP/mc"
# --sandbox off: the shim writes its count file at exit, an open() that
# the relay's seccomp filter would answer with SIGSYS (the filter
# changes no allocation).
keys=(--cert "$CERTS/server.crt" --key "$CERTS/server.key" --log stderr --sandbox off)
up_tls=(--upstream-tls verify-full --upstream-ca "$CERTS/ca.crt"
    --upstream-servername localhost)
socat_port=$(free_port)
socat_tls_port=$(free_port)
listen_port=$(free_port)
LD_PRELOAD=$shim start_socat "$socat_port" "${keys[@]}" --upstream "localhost:$PG_PORT"
LD_PRELOAD=$shim start_socat "$socat_tls_port" "${keys[@]}" \
    --upstream "localhost:$PG_PORT" "${up_tls[@]}"
LD_PRELOAD=$shim start_listen "$listen_port" "${keys[@]}" --upstream "127.0.0.1:$PG_PORT"
listener=$LAUNCHER_PID

# session NAME PORT PSQL-ARGS...: run psql through PORT, then wait for the
# count file of the pgstunnel session (written at its exit) and check it.
session() {
	local name=$1 port=$2 before_files out f files line
	shift 2
	before_files=$(cd "$TEST_TMP/mc" && printf '%s\n' count.*)
	out=$(psql_tls "$port" -X -q -At "$@" 2>&1 >"$TEST_TMP/$name.out") ||
	    { show psql "$out"; fail "$name: psql failed"; }
	# shellcheck disable=SC2317 # called through wait_for
	new_file() {
		files=$(cd "$TEST_TMP/mc" && printf '%s\n' count.* |
		    grep -vxF -e "$before_files" -e 'count.*' | grep -v "\.$listener\$")
		[ -n "$files" ]
	}
	wait_for 10 new_file || fail "$name: no count file from the pgstunnel session"
	sleep 0.2
	new_file
	[ "$(printf '%s\n' "$files" | wc -l)" = 1 ] ||
	    fail "$name: several count files: $files"
	f=$TEST_TMP/mc/$files
	line=$(cat "$f")
	log "$name: $line"
	assert_match "$line" "^exe=$PGSTUNNEL readv=[1-9]" "$name: the relay ran (readv called)"
	assert_match "$line" " before=[1-9]" "$name: heap calls before the relay were counted"
	assert_match "$line" " after=0 " "$name: heap calls in the relay (after the first readv)"
	echo "$name" >>"$TEST_TMP/sessions"
}

copy_out="copy (select * from t order by i) to stdout"
big=(-c "$copy_out" -f "$TEST_TMP/queries.sql" -c "copy t2 from stdin")

session socat-1-query "$socat_port" -c "select 6*7"
assert_eq 42 "$(cat "$TEST_TMP/socat-1-query.out")" "one query"

for s in socat:$socat_port listen:$listen_port socat-upstream-tls:$socat_tls_port; do
	name=${s%%:*}-bulk
	psql_direct "truncate t2" >/dev/null
	session "$name" "${s##*:}" "${big[@]}" <"$TEST_TMP/data.copy"
	n=$(wc -l <"$TEST_TMP/$name.out")
	assert_eq $((150000 + 2000)) "$n" "$name: lines of COPY OUT and query output"
	assert_eq 150000 "$(psql_direct 'select count(*) from t2')" "$name: rows copied in"
	assert_eq "$(psql_direct 'select sum(hashtext(s)) from t')" \
	    "$(psql_direct 'select sum(hashtext(s)) from t2')" "$name: data copied in"
done

session listen-1-query "$listen_port" -c "select 'listen'"
assert_eq listen "$(cat "$TEST_TMP/listen-1-query.out")"

# The upstream TLS session really had TLS to PostgreSQL.
out=$(psql_tls "$socat_tls_port" -Atc "select ssl from pg_stat_ssl where pid = pg_backend_pid()" 2>&1)
assert_eq t "$out" "upstream TLS in the last scenario"

assert_eq 5 "$(wc -l <"$TEST_TMP/sessions")" "sessions checked"
pass
