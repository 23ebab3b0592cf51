#!/bin/bash
# Private key files follow PostgreSQL's rule for ssl_key_file: a key
# readable by group or others is refused at start-up (exit 66, one line
# naming the file and the fix, chmod 600), unless root owns it and it is
# at most group-readable (0640); a key owned by someone else (nobody) is
# refused whatever its mode. Checked for --key and --upstream-key, per
# connection and under --listen (which then never listens); a session
# works with a 0600 key and with a root-owned 0640 one. Certificates are
# public: a 0644 certificate is fine.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$(dirname "$0")/../lib.sh"
need_pgstunnel

[ "$(id -u)" = 0 ] || fail "this test needs root (it chowns a key to nobody)"

key=$TEST_TMP/server.key
cp "$CERTS/server.key" "$key"
base=(--cert "$CERTS/server.crt" --key "$key" --upstream 127.0.0.1:1 --log stderr)


# starts MODE OWNER: with the key at MODE and OWNER, pgstunnel starts and
# ends cleanly on a client that sends nothing (exit 0).
starts() {
	local err rc
	chown "$2" "$key" && chmod "$1" "$key" || fail "chmod/chown"
	err=$(timeout 10 "$PGSTUNNEL" "${base[@]}" </dev/null 2>&1 >/dev/null)
	rc=$?
	show "key $1 $2 (exit $rc)" "$err"
	assert_eq 0 "$rc" "exit status with a key of mode $1 owned by $2"
	assert_not_contains "$err" "group or world" "no complaint about mode $1"
}

starts 0600 root
starts 0400 root
starts 0640 root
# What systemd's LoadCredential= hands over when the file system has
# ACLs: root's, and stat shows the ACL mask as group read.
starts 0440 root

for mode in 0644 0604 0660 0650 0641; do
	chown root "$key" && chmod "$mode" "$key"
	start_error 66 "key $key has group or world access (mode $mode): chmod 600 $key" \
	    "${base[@]}"
done
# Someone else's key: they could change it, or its mode, at any time.
for mode in 0640 0600; do
	chown nobody "$key" && chmod "$mode" "$key"
	start_error 66 "key $key is owned by uid $(id -u nobody), neither root nor this process's user" \
	    "${base[@]}"
done

# --upstream-key, by the same rule.
chown root "$key" && chmod 0600 "$key"
ukey=$TEST_TMP/client.key
cp "$CERTS/client.key" "$ukey"
chmod 0644 "$ukey"
start_error 66 "upstream key $ukey has group or world access (mode 0644): chmod 600 $ukey" \
    "${base[@]}" --upstream-tls require --upstream-cert "$CERTS/client.crt" \
    --upstream-key "$ukey"

# --listen: the same refusal, and nothing listens.
chmod 0644 "$key"
port=$(free_port)
start_error 66 "chmod 600 $key" --listen "127.0.0.1:$port" "${base[@]}"
port_listening "$port" && fail "something listens on $port after a key-file error"

# A session with a 0600 key, then with a root-owned 0640 one.
pg_start db
for mode in 0600 0640; do
	chmod "$mode" "$key"
	port=$(free_port)
	start_socat "$port" --cert "$CERTS/server.crt" --key "$key" \
	    --upstream "127.0.0.1:$PG_PORT" --log stderr
	out=$(psql_tls "$port" -Atc "select 'key $mode'" 2>&1) ||
	    { show psql "$out"; show log "$(cat "$LAUNCHER_LOG")"; fail "session with a $mode key failed"; }
	assert_eq "key $mode" "$out" "a session with a key of mode $mode"
done

pass
