#!/bin/bash
# install-check.sh: make install into a temporary DESTDIR, twice (the
# default PREFIX, and PREFIX=/usr as a package would), then make
# uninstall: every file lands where the README says with its mode, the
# installed units and examples name the installed binary and SYSCONFDIR,
# the binary runs, and uninstall leaves no file behind. Run by make check.
set -u
REPO=$(cd "$(dirname "$0")/.." && pwd)
cd "$REPO" || exit 1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "install-check: FAIL: $*"; exit 1; }

# check PREFIX SBINDIR SYSCONFDIR UNITDIR DOCDIR MANDIR
check() {
	local prefix=$1 sbin=$2 etc=$3 unit=$4 doc=$5 man=$6 d=$tmp/root f want
	rm -rf "$d"
	make --no-print-directory -s install DESTDIR="$d" PREFIX="$prefix" \
	    >"$tmp/log" 2>&1 || { cat "$tmp/log"; fail "make install PREFIX=$prefix"; }
	want=$(printf '%s\n' "$sbin/pgstunnel 755" "$man/man8/pgstunnel.8 644" \
	    "$unit/pgstunnel.socket 644" "$unit/pgstunnel@.service 644" \
	    "$doc/examples/pgstunnel.conf.example 644" \
	    "$doc/examples/xinetd.pgstunnel 644" \
	    "$doc/examples/inetd.conf.example 644" | sort)
	got=$(cd "$d" && find . -type f -printf '/%P %m\n' | sort)
	[ "$got" = "$want" ] || fail "PREFIX=$prefix installed:
$got
expected:
$want"
	"$d$sbin/pgstunnel" --version | grep -q '^pgstunnel ' ||
	    fail "the installed binary does not run"
	grep -qx "ExecStart=$sbin/pgstunnel --config $etc/pgstunnel/pgstunnel.conf --key %d/server.key" \
	    "$d$unit/pgstunnel@.service" || fail "ExecStart in the installed unit:
$(grep ExecStart "$d$unit/pgstunnel@.service")"
	grep -qx "LoadCredential=server.key:$etc/pgstunnel/server.key" \
	    "$d$unit/pgstunnel@.service" || fail "LoadCredential in the installed unit"
	grep -q "^[[:space:]]*server[[:space:]]*= $sbin/pgstunnel\$" \
	    "$d$doc/examples/xinetd.pgstunnel" || fail "server in the xinetd example"
	grep -q "^[[:space:]]*server_args[[:space:]]*= --config $etc/pgstunnel/pgstunnel.conf\$" \
	    "$d$doc/examples/xinetd.pgstunnel" || fail "server_args in the xinetd example"
	grep -q "	$sbin/pgstunnel	pgstunnel --config $etc/pgstunnel/pgstunnel.conf\$" \
	    "$d$doc/examples/inetd.conf.example" || fail "the inetd.conf line"
	grep -qx "cert = $etc/pgstunnel/server.crt" \
	    "$d$doc/examples/pgstunnel.conf.example" || fail "cert in the configuration example"
	# The example configuration is one pgstunnel reads.
	"$d$sbin/pgstunnel" --config "$d$doc/examples/pgstunnel.conf.example" \
	    --help >/dev/null || fail "the configuration example does not parse"
	make --no-print-directory -s uninstall DESTDIR="$d" PREFIX="$prefix" \
	    >"$tmp/log" 2>&1 || { cat "$tmp/log"; fail "make uninstall"; }
	f=$(find "$d" -type f)
	[ -z "$f" ] || fail "make uninstall left: $f"
	echo "install-check: PREFIX=$prefix: $(echo "$want" | wc -l) files installed, paths rewritten, all removed again"
}

check /usr/local /usr/local/sbin /usr/local/etc /usr/local/lib/systemd/system \
    /usr/local/share/doc/pgstunnel /usr/local/share/man
check /usr /usr/sbin /etc /usr/lib/systemd/system /usr/share/doc/pgstunnel \
    /usr/share/man
