#!/bin/bash
# demo.sh (make demo): pgstunnel in front of a throwaway PostgreSQL 15.
#
# 1. checks the Debian packages it needs (as root: installs missing ones),
# 2. builds pgstunnel and the test certificates,
# 3. starts PostgreSQL in a temporary directory (Unix socket only),
# 4. starts pgstunnel --listen 127.0.0.1:PORT in front of it,
# 5. connects with psql sslmode=verify-full and shows \conninfo and
#    select version(),
# then stops everything and removes the temporary directory.

set -eu

REPO=$(cd "$(dirname "$0")/.." && pwd)
cd "$REPO"
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
PACKAGES="libbearssl-dev check postgresql-15 postgresql-client-15 socat openssl"

if [ -t 1 ]; then bold=$(printf '\033[1m'); plain=$(printf '\033[0m'); else bold=; plain=; fi
step() { printf '\n%s==> %s%s\n' "$bold" "$*" "$plain"; }
die() { printf 'demo: %s\n' "$*" >&2; exit 1; }

tmp=
pg_data=
tunnel_pid=
cleanup() {
	set +e
	step "Cleaning up"
	if [ -n "$tunnel_pid" ] && kill "$tunnel_pid" 2>/dev/null; then
		wait "$tunnel_pid" 2>/dev/null
		echo "stopped pgstunnel (pid $tunnel_pid)"
	fi
	if [ -n "$pg_data" ] && [ -f "$pg_data/postmaster.pid" ]; then
		as_pg "$PGBIN/pg_ctl" -D "$pg_data" -m fast stop >/dev/null &&
		    echo "stopped PostgreSQL"
	fi
	[ -n "$tmp" ] && rm -rf "$tmp" && echo "removed $tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# as_pg CMD...: PostgreSQL refuses to run as root; use the postgres user.
as_pg() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

step "Checking Debian packages: $PACKAGES"
missing=
for p in $PACKAGES; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing="$missing $p"
	fi
done
if [ -n "$missing" ]; then
	if [ "$(id -u)" -eq 0 ]; then
		echo "installing:$missing"
		apt-get update -q
		# shellcheck disable=SC2086 # one word per package
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q $missing
	else
		die "missing packages:$missing (run as root, or: sudo apt-get install$missing)"
	fi
else
	echo "all installed"
fi

step "Building pgstunnel (make)"
make --no-print-directory
./pgstunnel --version

step "Making the test certificates (make certs)"
make --no-print-directory certs

step "Starting a throwaway PostgreSQL 15"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/pgstunnel-demo.XXXXXX")
chmod 0755 "$tmp"
pg=$tmp/pg   # owned by the user PostgreSQL runs as
mkdir "$pg" "$pg/sock"
if [ "$(id -u)" -eq 0 ]; then chown -R postgres: "$pg"; fi
pg_data=$pg/data
pg_port=5432   # only a Unix socket: no TCP port can clash
as_pg "$PGBIN/initdb" -N -A trust -U postgres -D "$pg_data" >"$tmp/initdb.log" 2>&1 ||
    { cat "$tmp/initdb.log"; die "initdb failed"; }
as_pg "$PGBIN/pg_ctl" -D "$pg_data" -l "$pg/postgres.log" -w \
    -o "-c listen_addresses='' -k $pg/sock -p $pg_port -c fsync=off" start >/dev/null ||
    { cat "$pg/postgres.log"; die "PostgreSQL did not start"; }
upstream=$pg/sock/.s.PGSQL.$pg_port
echo "PostgreSQL listens on the Unix socket $upstream (no TCP)"

step "Starting pgstunnel --listen in front of it"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
set -x
./pgstunnel --listen "127.0.0.1:$port" --cert certs/server.crt --key certs/server.key \
    --upstream "$upstream" --log stderr 2>"$tmp/pgstunnel.log" &
{ set +x; } 2>/dev/null
tunnel_pid=$!
for _ in $(seq 100); do
	ss -Hltn "sport = :$port" 2>/dev/null | grep -q . && break
	kill -0 "$tunnel_pid" 2>/dev/null || { cat "$tmp/pgstunnel.log"; die "pgstunnel exited"; }
	sleep 0.05
done
echo "pgstunnel (pid $tunnel_pid) listens on 127.0.0.1:$port"

step "Connecting with psql, sslmode=verify-full against certs/ca.crt"
conn="host=localhost port=$port sslmode=verify-full sslrootcert=certs/ca.crt user=postgres dbname=postgres connect_timeout=5"
echo "psql \"$conn\" -c '\\conninfo' -c 'select version()'"
psql -X "$conn" -c '\conninfo' -c 'select version()'

step "What pgstunnel logged (one line per connection)"
sleep 0.2
cat "$tmp/pgstunnel.log"

step "Done: psql talked TLS 1.2 to pgstunnel, which relayed to PostgreSQL"
