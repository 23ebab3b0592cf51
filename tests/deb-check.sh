#!/bin/bash
# deb-check.sh: the Debian package, built, checked and used as installed
# (make check-deb; CI runs it). As root on Debian 12, with dpkg-dev,
# debhelper and lintian:
#  1. make deb (dpkg-buildpackage -us -uc -b in a copy of the tree, with
#     contrib/debian as debian/; the unit tests run there, as
#     dh_auto_test); lintian: no error; and,
#     where the armhf cross compiler is installed, the same package
#     cross-built with -aarmhf: an ARM binary that runs under qemu;
#  2. apt-get install ./pgstunnel_*.deb: the files where the package puts
#     them, the conffile all comments, the pgstunnel system user, the
#     socket unit not enabled;
#  3. a real psql at sslmode=verify-full through the installed binary,
#     started by systemd-socket-activate with the arguments of the
#     installed unit's ExecStart= (read from the file; %d, the unit's
#     credentials directory, becomes a directory holding the key), and by
#     xinetd with the installed example (port and bind adjusted), running
#     as the pgstunnel user with the key root's and group-readable; the
#     configuration is the installed conffile with the certificate paths
#     and the upstream filled in;
#  4. apt-get remove keeps the conffile, apt-get purge leaves nothing of
#     the package (every path dpkg -L listed) and no pgstunnel user.
# The package is removed and purged at the end whatever happened.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" -eq 0 ] || fail "run as root (it installs the package)"
for c in dpkg-buildpackage dh lintian xinetd systemd-socket-activate; do
	command -v "$c" >/dev/null || fail "needs $c (dpkg-dev, debhelper, lintian, xinetd, systemd)"
done
if dpkg -s pgstunnel >/dev/null 2>&1; then
	fail "a pgstunnel package is installed already: remove it first"
fi
# shellcheck disable=SC2317 # run by the EXIT trap through _cleanup
purge_package() {
	rm -f /etc/pgstunnel/server.crt /etc/pgstunnel/server.key
	apt-get purge -y -q pgstunnel >/dev/null 2>&1 || true
}
trap 'purge_package; _cleanup' EXIT

# ------------------------------------------------------------- 1. build
log "make deb (dpkg-buildpackage -us -uc -b)"
make -C "$REPO" --no-print-directory deb DEB_DIR="$TEST_TMP/deb" \
    >"$TEST_TMP/build.log" 2>&1 ||
    { tail -n 40 "$TEST_TMP/build.log"; fail "make deb failed"; }
grep -E '^unit: [0-9]+ passed, 0 failed' "$TEST_TMP/build.log" ||
    fail "the build ran no unit tests"
deb=$(ls "$TEST_TMP"/deb/pgstunnel_*_"$(dpkg --print-architecture)".deb)
changes=$(ls "$TEST_TMP"/deb/pgstunnel_*_"$(dpkg --print-architecture)".changes)
lintian --fail-on error --display-info "$changes" >"$TEST_TMP/lintian.log" 2>&1
rc=$?
show lintian "$(cat "$TEST_TMP/lintian.log")"
[ "$rc" -eq 0 ] || fail "lintian reports errors"

if command -v arm-linux-gnueabihf-gcc >/dev/null && command -v qemu-arm-static >/dev/null; then
	log "make deb DEB_ARCH=armhf (dpkg-buildpackage -aarmhf -us -uc -b)"
	make -C "$REPO" --no-print-directory deb DEB_DIR="$TEST_TMP/cross" \
	    DEB_ARCH=armhf >"$TEST_TMP/build-armhf.log" 2>&1 ||
	    { tail -n 40 "$TEST_TMP/build-armhf.log"; fail "the armhf cross build failed"; }
	mkdir "$TEST_TMP/armhf"
	dpkg-deb -x "$TEST_TMP/cross/pgstunnel_0.1.0_armhf.deb" "$TEST_TMP/armhf" ||
	    fail "no armhf package"
	readelf -h "$TEST_TMP/armhf/usr/sbin/pgstunnel" | grep -q 'Machine: *ARM$' ||
	    fail "the armhf package's binary is not ARM"
	qemu-arm-static -L /usr/arm-linux-gnueabihf \
	    "$TEST_TMP/armhf/usr/sbin/pgstunnel" --version | grep -q '^pgstunnel ' ||
	    fail "the armhf package's binary does not run under qemu"
	lintian --fail-on error "$TEST_TMP"/cross/pgstunnel_*_armhf.changes \
	    >"$TEST_TMP/lintian-armhf.log" 2>&1 ||
	    { cat "$TEST_TMP/lintian-armhf.log"; fail "lintian reports errors (armhf)"; }
else
	log "no armhf cross compiler or qemu: the cross-built package is not tried"
fi

# ----------------------------------------------------------- 2. install
log "apt-get install $deb"
apt-get install -y -q "$deb" >"$TEST_TMP/install.log" 2>&1 ||
    { cat "$TEST_TMP/install.log"; fail "apt-get install failed"; }
listing=$(dpkg -L pgstunnel)
for f in /usr/sbin/pgstunnel /usr/share/man/man8/pgstunnel.8.gz \
    /etc/pgstunnel/pgstunnel.conf \
    /usr/share/doc/pgstunnel/examples/xinetd.pgstunnel \
    /usr/share/doc/pgstunnel/examples/inetd.conf.example \
    /usr/share/doc/pgstunnel/examples/pgstunnel.conf.example; do
	[ -f "$f" ] || fail "not installed: $f"
done
unitdir=$(dirname "$(echo "$listing" | grep '/systemd/system/pgstunnel.socket$')")
[ -f "$unitdir/pgstunnel@.service" ] || fail "no pgstunnel@.service (listing: $listing)"
grep -qx /etc/pgstunnel/pgstunnel.conf /var/lib/dpkg/info/pgstunnel.conffiles ||
    fail "/etc/pgstunnel/pgstunnel.conf is not a conffile"
grep -v '^#' /etc/pgstunnel/pgstunnel.conf | grep -q '[^[:space:]]' &&
    fail "the conffile has settings that are not commented out"
getent passwd pgstunnel | grep -q ':/usr/sbin/nologin$' ||
    fail "no pgstunnel system user with no shell: $(getent passwd pgstunnel)"
[ -e /etc/systemd/system/sockets.target.wants/pgstunnel.socket ] &&
    fail "pgstunnel.socket is enabled"
/usr/sbin/pgstunnel --version || fail "the installed binary does not run"

# ------------------------------------------------------ 3. serve, as set up
pg_start db
install -m 0644 "$CERTS/server.crt" /etc/pgstunnel/server.crt
install -m 0640 -o root -g pgstunnel "$CERTS/server.key" /etc/pgstunnel/server.key
sed -i -e 's|^#cert = .*|cert = /etc/pgstunnel/server.crt|' \
    -e 's|^#key = .*|key = /etc/pgstunnel/server.key|' \
    -e "s|^#upstream = .*|upstream = 127.0.0.1:$PG_PORT|" \
    /etc/pgstunnel/pgstunnel.conf
grep -q "^upstream = 127.0.0.1:$PG_PORT\$" /etc/pgstunnel/pgstunnel.conf ||
    fail "could not fill in the conffile"

# systemd: ExecStart= of the installed unit, %d a credentials directory.
exec_start=$(sed -n 's/^ExecStart=//p' "$unitdir/pgstunnel@.service")
[ -n "$exec_start" ] || fail "no ExecStart= in $unitdir/pgstunnel@.service"
creds=$TEST_TMP/credentials
install -d -m 0700 "$creds"
install -m 0400 "$CERTS/server.key" "$creds/server.key"
read -r -a argv <<<"${exec_start//%d/$creds}"
[ "${argv[0]}" = /usr/sbin/pgstunnel ] || fail "ExecStart runs ${argv[0]}"
log "systemd-socket-activate: ${argv[*]}"
port=$(free_port)
PGSTUNNEL=${argv[0]}
start_ssa "$port" "${argv[@]:1}"
out=$(psql_tls "$port" -Atc "select 'installed, systemd'" 2>&1) ||
    { show psql "$out"; show log "$(cat "$LAUNCHER_LOG")"; fail "psql through the unit's command failed"; }
assert_eq "installed, systemd" "$out"

# xinetd: the installed example, on a loopback port.
xport=$(free_port)
xconf=$TEST_TMP/xinetd.conf
sed -e "s|^\(\tport\t*= \).*|\1$xport\n\tbind\t\t= 127.0.0.1|" -e "s|IPv6 ||" \
    /usr/share/doc/pgstunnel/examples/xinetd.pgstunnel >"$xconf"
grep -q "^	user		= pgstunnel" "$xconf" || fail "the xinetd example's user"
grep -q "^	server		= /usr/sbin/pgstunnel" "$xconf" || fail "the xinetd example's server"
(cd "$TEST_TMP" && exec setsid xinetd -dontfork -f "$xconf" \
    -pidfile "$TEST_TMP/xinetd.pid" -filelog "$TEST_TMP/xinetd.log" \
    >"$TEST_TMP/xinetd.out" 2>&1) &
_track $!
wait_port "$xport"
out=$(psql_tls "$xport" -Atc "select 'installed, xinetd', current_user" 2>&1) ||
    { show psql "$out"; show xinetd "$(cat "$TEST_TMP/xinetd.log" "$TEST_TMP/xinetd.out")"; fail "psql through the installed xinetd example failed"; }
assert_eq "installed, xinetd|postgres" "$out"

# ------------------------------------------------------ 4. remove, purge
rm -f /etc/pgstunnel/server.crt /etc/pgstunnel/server.key
apt-get remove -y -q pgstunnel >"$TEST_TMP/remove.log" 2>&1 ||
    { cat "$TEST_TMP/remove.log"; fail "apt-get remove failed"; }
[ -e /usr/sbin/pgstunnel ] && fail "apt-get remove left /usr/sbin/pgstunnel"
[ -f /etc/pgstunnel/pgstunnel.conf ] || fail "apt-get remove took the conffile"
apt-get purge -y -q pgstunnel >"$TEST_TMP/purge.log" 2>&1 ||
    { cat "$TEST_TMP/purge.log"; fail "apt-get purge failed"; }
# Every file the package had is gone, and every directory of its own
# (a shared one such as /usr/sbin stays).
left=()
while read -r f; do
	if [ -d "$f" ]; then # /lib may be a link to /usr/lib
		case $f in *pgstunnel*) left+=("$f") ;; esac
	elif [ -e "$f" ] || [ -L "$f" ]; then
		left+=("$f")
	fi
done <<<"$listing"
[ ${#left[@]} -eq 0 ] || fail "purge left: ${left[*]}"
[ -e /etc/pgstunnel ] && fail "purge left /etc/pgstunnel"
getent passwd pgstunnel >/dev/null && fail "purge left the pgstunnel user"
pass_with "$(basename "$deb"); lintian: $(grep -c '^E:' "$TEST_TMP/lintian.log") errors, $(grep -c '^W:' "$TEST_TMP/lintian.log") warnings"
