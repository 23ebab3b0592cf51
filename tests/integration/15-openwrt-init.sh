#!/bin/bash
# OpenWrt: contrib/openwrt/files/pgstunnel.init under busybox ash, with
# small stand-ins (written here) for what /etc/rc.common gives an init
# script: /lib/functions.sh's UCI readers (config_load reads a file in
# UCI's own syntax, which is shell once config, option and list are
# functions) and /lib/functions/procd.sh's procd_* calls, which write the
# instance they describe to a file. For three /etc/config/pgstunnel
# files it checks the exact argument vector procd would be given (a
# certificate path with spaces stays one argument; a disabled section
# gives no instance), then starts pgstunnel with that vector and connects
# with psql at verify-full. Not tested: OpenWrt's real rc.common, procd,
# uci and a device.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$(dirname "$0")/../lib.sh"
need_pgstunnel
BUSYBOX=$(command -v busybox) || fail "needs busybox (Debian package busybox)"
INIT=$REPO/contrib/openwrt/files/pgstunnel.init
sh -n "$INIT" || fail "sh -n $INIT"

stubs=$TEST_TMP/stubs
mkdir -p "$stubs"
# The UCI half of /lib/functions.sh: CONFIG_<section>_<option> variables,
# as OpenWrt's own keeps them.
cat >"$stubs/functions.sh" <<'SH'
CONFIG_SECTIONS=""
config() { CONFIG_SECTION=$2; CONFIG_SECTIONS="$CONFIG_SECTIONS $2"; eval "CONFIG_${2}_TYPE=\$1"; }
option() { eval "CONFIG_${CONFIG_SECTION}_$1=\$2"; }
list() {
	local n
	eval "n=\$((\${CONFIG_${CONFIG_SECTION}_${1}_LENGTH:-0} + 1))"
	eval "CONFIG_${CONFIG_SECTION}_${1}_ITEM$n=\$2"
	eval "CONFIG_${CONFIG_SECTION}_${1}_LENGTH=$n"
}
config_load() { . "$UCI_DIR/$1"; }
config_get() { eval "$1=\${CONFIG_${2}_${3}:-\$4}"; }
config_get_bool() {
	local v
	eval "v=\${CONFIG_${2}_${3}:-\$4}"
	case $v in 1|on|true|yes|enabled) v=1 ;; *) v=0 ;; esac
	eval "$1=$v"
}
config_foreach() {
	local fn=$1 type=$2 s t
	shift 2
	for s in $CONFIG_SECTIONS; do
		eval "t=\$CONFIG_${s}_TYPE"
		[ "$t" = "$type" ] && "$fn" "$s" "$@"
	done
}
config_list_foreach() {
	local s=$1 o=$2 fn=$3 n i v
	shift 3
	eval "n=\${CONFIG_${s}_${o}_LENGTH:-0}"
	i=1
	while [ "$i" -le "$n" ]; do
		eval "v=\$CONFIG_${s}_${o}_ITEM$i"
		"$fn" "$v" "$@"
		i=$((i + 1))
	done
}
SH
# procd.sh: each instance to $PROCD_OUT, one "param: value" per argument.
cat >"$stubs/procd.sh" <<'SH'
procd_open_instance() { echo "instance: $1" >>"$PROCD_OUT"; PROCD_PARAM=; }
procd_set_param() {
	local p=$1 a
	shift
	for a in "$@"; do echo "$p: $a" >>"$PROCD_OUT"; done
	[ $# -eq 0 ] && echo "$p" >>"$PROCD_OUT"
	return 0
}
procd_append_param() { procd_set_param "$@"; }
procd_close_instance() { echo "end" >>"$PROCD_OUT"; }
procd_add_reload_trigger() { echo "reload trigger: $*" >>"$PROCD_OUT"; }
procd_send_signal() { echo "signal: $*" >>"$PROCD_OUT"; }
SH

# run_init UCI-FILE: start_service as rc.common would call it; the
# instances it asks procd for, in $TEST_TMP/procd.out.
run_init() {
	rm -f "$TEST_TMP/procd.out"
	mkdir -p "$TEST_TMP/uci"
	cp "$1" "$TEST_TMP/uci/pgstunnel"
	# shellcheck disable=SC2016 # expanded by ash, from its arguments
	UCI_DIR=$TEST_TMP/uci PROCD_OUT=$TEST_TMP/procd.out "$BUSYBOX" ash -c \
	    '. "$0/functions.sh"; . "$0/procd.sh"; . "$1"; start_service; service_triggers' \
	    "$stubs" "$INIT" 2>"$TEST_TMP/init.err" ||
	    { cat "$TEST_TMP/init.err"; fail "the init script failed"; }
	touch "$TEST_TMP/procd.out"
}

# The vector procd would run: the "command:" lines, in order.
command_of() { sed -n 's/^command: //p' "$TEST_TMP/procd.out"; }

# serve_vector PORT TAG: run the vector procd was given (the binary under
# test for /usr/sbin/pgstunnel), listening on PORT; psql at verify-full
# through it must answer TAG.
serve_vector() {
	local argv out
	mapfile -t argv < <(command_of)
	LAUNCHER_LOG=$TEST_TMP/openwrt-$1.log
	(cd "$TEST_TMP" && exec setsid "$PGSTUNNEL" "${argv[@]:1}" --log stderr \
	    2>"$LAUNCHER_LOG") &
	_track $!
	wait_for 10 port_listening "$1" ||
	    { cat "$LAUNCHER_LOG"; fail "$2: pgstunnel from the init script does not listen"; }
	out=$(psql_tls "$1" -Atc "select '$2'" 2>&1) ||
	    { show psql "$out"; show log "$(cat "$LAUNCHER_LOG")"; fail "$2: psql through the init script's pgstunnel failed"; }
	assert_eq "$2" "$out"
}

pg_start db
# Certificates under a directory with spaces in its name.
certdir="$TEST_TMP/my certs"
mkdir -p "$certdir"
cp "$CERTS/server.crt" "$CERTS/server.key" "$CERTS/ca.crt" "$certdir/"
chmod 0600 "$certdir/server.key"

# 1. The shipped file, enabled and pointed at the test's files.
port=$(free_port)
sed -e "s|option enabled '0'|option enabled '1'|" \
    -e "s|option listen '.*'|option listen '127.0.0.1:$port'|" \
    -e "s|option cert '.*'|option cert '$certdir/server.crt'|" \
    -e "s|option key '.*'|option key '$certdir/server.key'|" \
    -e "s|option upstream '.*'|option upstream '127.0.0.1:$PG_PORT'|" \
    "$REPO/contrib/openwrt/files/pgstunnel.config" >"$TEST_TMP/uci1"
run_init "$TEST_TMP/uci1"
want="/usr/sbin/pgstunnel
--listen
127.0.0.1:$port
--cert
$certdir/server.crt
--key
$certdir/server.key
--upstream
127.0.0.1:$PG_PORT
--max-connections
16"
assert_eq "$want" "$(command_of)" "the argument vector from the shipped file"
assert_contains "$(cat "$TEST_TMP/procd.out")" "instance: main"
assert_contains "$(cat "$TEST_TMP/procd.out")" "respawn"
assert_contains "$(cat "$TEST_TMP/procd.out")" "file: /etc/config/pgstunnel"
assert_contains "$(cat "$TEST_TMP/procd.out")" "file: $certdir/server.key"
assert_contains "$(cat "$TEST_TMP/procd.out")" "reload trigger: pgstunnel"

# That vector, run (the binary under test for /usr/sbin/pgstunnel).
serve_vector "$port" openwrt

# 2. More options: lists, numbers, a client CA, sections in order.
port2=$(free_port)
cat >"$TEST_TMP/uci2" <<EOC
config pgstunnel 'lan'
	option enabled '1'
	option listen '127.0.0.1:$port2'
	option cert '$certdir/server.crt'
	option key '$certdir/server.key'
	option upstream '127.0.0.1:$PG_PORT'
	option client_ca '$certdir/ca.crt'
	option client_cert 'optional'
	option idle_timeout '600'
	list allow '127.0.0.0/8'
	list allow '::1/128'

config pgstunnel 'off'
	option enabled '0'
	option listen '127.0.0.1:1'
	option cert '/x'
	option key '/y'
	option upstream '/z'
EOC
run_init "$TEST_TMP/uci2"
want="/usr/sbin/pgstunnel
--listen
127.0.0.1:$port2
--cert
$certdir/server.crt
--key
$certdir/server.key
--upstream
127.0.0.1:$PG_PORT
--client-ca
$certdir/ca.crt
--client-cert
optional
--idle-timeout
600
--allow
127.0.0.0/8
--allow
::1/128"
assert_eq "$want" "$(command_of)" "the argument vector with lists"
assert_eq 1 "$(grep -c '^instance: ' "$TEST_TMP/procd.out")" "instances (one section disabled)"
serve_vector "$port2" openwrt-2

# 3. The shipped file as shipped: disabled, no instance.
run_init "$REPO/contrib/openwrt/files/pgstunnel.config"
assert_eq 0 "$(grep -c '^instance: ' "$TEST_TMP/procd.out")" "instances from the shipped (disabled) file"

pass
