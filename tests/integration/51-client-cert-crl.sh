#!/bin/bash
# --client-crl: client certificates checked against CRLs of the --client-ca CAs,
# as PostgreSQL's ssl_crl_file checks them (CRL_CHECK | CRL_CHECK_ALL).
# A PKI made here with openssl ca: a root, an intermediate, a second root
# without a CRL; psql connects with each client certificate through
# pgstunnel --listen and PostgreSQL 15.
#  - the same as one DER CRL (and a cut DER file refused at start-up);
#    the old option name --crl is refused, naming --client-crl;
#  - root.crl revokes one client: refused, the log says "certificate
#    revoked"; a client the CRL does not list gets in;
#  - a client of a CA that has no CRL loaded: refused ("no CRL");
#  - an expired CRL: refused ("CRL has expired"), and --listen warns at
#    start;
#  - a chain leaf + intermediate: in, and refused once the root's CRL
#    revokes the intermediate; a root sent along needs no CRL of its own;
#  - start-up: --client-crl without --client-ca exits 64; a CRL signed with the
#    wrong key, or by a CA not in --client-ca, exits 66 naming the file.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$(dirname "$0")/../lib.sh"
need_pgstunnel

pki=$TEST_TMP/pki
mkdir -m 0700 "$pki"
# openssl ca finds its database through $CADIR (see ca.cnf).
export CADIR=$pki
cat >"$pki/ca.cnf" <<'EOF'
[ ca ]
default_ca = this_ca
[ this_ca ]
dir             = $ENV::CADIR
database        = $dir/index.txt
new_certs_dir   = $dir
serial          = $dir/serial
crlnumber       = $dir/crlnumber
default_md      = sha256
policy          = any
unique_subject  = no
copy_extensions = none
default_days    = 3650
default_crl_days = 30
[ any ]
commonName = supplied
[ req ]
distinguished_name = dn
prompt             = no
[ dn ]
CN = placeholder
[ ca_ext ]
basicConstraints = critical, CA:true
keyUsage         = critical, keyCertSign, cRLSign
[ leaf_ext ]
basicConstraints = critical, CA:false
keyUsage         = critical, digitalSignature
extendedKeyUsage = clientAuth
EOF

# newca NAME: an openssl ca database in $pki/db-NAME.
newca() {
	mkdir "$pki/db-$1"
	: >"$pki/db-$1/index.txt"
	echo 1000 >"$pki/db-$1/serial"
	echo 01 >"$pki/db-$1/crlnumber"
}

# ca NAME ARGS...: openssl ca as CA NAME on its database.
ca() {
	local n=$1
	shift
	CADIR=$pki/db-$n openssl ca -batch -config "$pki/ca.cnf" \
	    -keyfile "$pki/$n.key" -cert "$pki/$n.crt" "$@" 2>"$pki/openssl.err" ||
	    { cat "$pki/openssl.err"; fail "openssl ca $*"; }
}

key() {
	(umask 077 && openssl genpkey -algorithm EC \
	    -pkeyopt ec_paramgen_curve:P-256 -out "$pki/$1.key") ||
	    fail "cannot make key $1"
}

# selfsigned NAME CN
selfsigned() {
	key "$1"
	newca "$1"
	openssl req -new -config "$pki/ca.cnf" -key "$pki/$1.key" \
	    -subj "/CN=$2" -out "$pki/$1.csr" || fail "req $1"
	CADIR=$pki/db-$1 openssl ca -batch -config "$pki/ca.cnf" -selfsign \
	    -keyfile "$pki/$1.key" -in "$pki/$1.csr" -out "$pki/$1.crt" \
	    -notext -extensions ca_ext 2>"$pki/openssl.err" ||
	    { cat "$pki/openssl.err"; fail "self-signed $1"; }
}

# issue CA NAME CN EXT
issue() {
	key "$2"
	openssl req -new -config "$pki/ca.cnf" -key "$pki/$2.key" \
	    -subj "/CN=$3" -out "$pki/$2.csr" || fail "req $2"
	ca "$1" -in "$pki/$2.csr" -out "$pki/$2.crt" -notext -extensions "$4"
}

selfsigned root "pgstunnel crl itest root"
selfsigned other "pgstunnel crl itest other root"
selfsigned rogue "pgstunnel crl itest rogue"
# The root's exact name with another key: its CRLs must not verify.
selfsigned impostor "pgstunnel crl itest root"
issue root inter "pgstunnel crl itest intermediate" ca_ext
newca inter
issue root good postgres leaf_ext
issue root revoked postgres leaf_ext
issue other stranger postgres leaf_ext
issue inter chained postgres leaf_ext

ca inter -gencrl -out "$pki/inter.crl"
ca root -gencrl -out "$pki/root-clean.crl"
ca root -revoke "$pki/revoked.crt"
ca root -gencrl -out "$pki/root.crl"
ca root -gencrl -out "$pki/root-expired.crl" \
    -crl_lastupdate 20000101000000Z -crl_nextupdate 20010101000000Z
ca root -revoke "$pki/inter.crt"
ca root -gencrl -out "$pki/root-inter-revoked.crl"
ca rogue -gencrl -out "$pki/rogue.crl"
ca impostor -gencrl -out "$pki/impostor.crl"

cat "$pki/root.crt" "$pki/inter.crt" "$pki/other.crt" >"$pki/client-ca.pem"
cat "$pki/root.crl" "$pki/inter.crl" >"$pki/crls.pem"
cat "$pki/root-expired.crl" "$pki/inter.crl" >"$pki/crls-expired.pem"
cat "$pki/root-inter-revoked.crl" "$pki/inter.crl" >"$pki/crls-inter-revoked.pem"
# What libpq sends: the file's chain, leaf first.
cat "$pki/chained.crt" "$pki/inter.crt" >"$pki/chained-chain.crt"
cat "$pki/good.crt" "$pki/root.crt" >"$pki/good-root.crt"
cat "$pki/chained.crt" "$pki/root.crt" >"$pki/chained-root.crt"

# OpenSSL's own verdicts, so the PKI is what this test says it is.
openssl verify -crl_check -CAfile "$pki/root.crt" -CRLfile "$pki/root.crl" \
    "$pki/good.crt" >/dev/null || fail "openssl: good.crt does not verify"
openssl verify -crl_check -CAfile "$pki/root.crt" -CRLfile "$pki/root.crl" \
    "$pki/revoked.crt" >/dev/null 2>&1 && fail "openssl: revoked.crt verifies"

pg_start db log_connections=on
base_args=(--cert "$CERTS/server.crt" --key "$CERTS/server.key"
    --upstream "127.0.0.1:$PG_PORT" --client-ca "$pki/client-ca.pem" --log stderr)

# connect PORT CERT [KEY]: psql with that client certificate; prints
# psql's output, returns its status.
connect() {
	psql_tls "$1" "sslcert=$pki/$2.crt" "sslkey=$pki/${3:-$2}.key" \
	    -Atc "select 'in-as-$2'" 2>&1
}

# admitted PORT CERT [KEY]
admitted() {
	local out
	out=$(connect "$@") ||
	    { show psql "$out"; show log "$(cat "$LAUNCHER_LOG")"; fail "$2 was refused"; }
	assert_eq "in-as-$2" "$out" "$2"
}

# new_log_has FROM TEXT: a line after the first FROM lines of the
# launcher's log contains TEXT.
new_log_has() {
	tail -n "+$(($1 + 1))" "$LAUNCHER_LOG" | grep -qF -- "$2"
}

# refused PORT CERT KEY REASON: psql fails, and the session's log line
# says the handshake failed for REASON.
refused() {
	local out from
	from=$(wc -l <"$LAUNCHER_LOG")
	out=$(connect "$1" "$2" "$3") && fail "$2 got in"
	show "$2 refused" "$out"
	assert_not_contains "$out" "in-as-$2"
	wait_for 5 new_log_has "$from" "client TLS handshake failed: $4" ||
	    { show log "$(cat "$LAUNCHER_LOG")"; fail "$2: the log does not say [$4]"; }
}

tcp_conns() { grep -c 'connection received: host=127\.0\.0\.1' "$PG_LOG"; }

# Current CRLs for the root and the intermediate.
port=$(free_port)
start_listen "$port" "${base_args[@]}" --client-crl "$pki/crls.pem"
admitted "$port" good
base=$(tcp_conns)
refused "$port" revoked revoked "certificate revoked"
# The refused certificate's CN and serial are in the line: the revoked
# serial shows.
revoked_serial=$(openssl x509 -in "$pki/revoked.crt" -noout -serial | sed 's/^serial=//')
revoked_cn=$(openssl x509 -in "$pki/revoked.crt" -noout -subject -nameopt multiline |
    sed -n 's/^ *commonName *= *//p')
assert_log_has "$LAUNCHER_LOG" "cert_cn=$revoked_cn cert_serial=$revoked_serial sni="
refused "$port" stranger stranger "no CRL for the certificate's issuer"
admitted "$port" chained-chain chained
admitted "$port" good-root good
assert_eq $((base + 2)) "$(tcp_conns)" "connections that reached PostgreSQL"

# The root's CRL alone, in DER (openssl crl -outform DER), as PostgreSQL's
# ssl_crl_file also takes it.
openssl crl -in "$pki/root.crl" -outform DER -out "$pki/root.crl.der" ||
    fail "openssl crl -outform DER failed"
port=$(free_port)
start_listen "$port" "${base_args[@]}" --client-crl "$pki/root.crl.der"
admitted "$port" good
refused "$port" revoked revoked "certificate revoked"

# The root's CRL has expired.
port=$(free_port)
start_listen "$port" "${base_args[@]}" --client-crl "$pki/crls-expired.pem"
# Said at start, before any client meets it.
assert_log_has "$LAUNCHER_LOG" "CRL file $pki/crls-expired.pem: CRL number 1 expired at "
refused "$port" good good "CRL has expired"

# The root's CRL revokes the intermediate the client sends.
port=$(free_port)
start_listen "$port" "${base_args[@]}" --client-crl "$pki/crls-inter-revoked.pem"
refused "$port" chained-chain chained "certificate revoked"
admitted "$port" good

# Only the intermediate's CRL: its clients get in, even with the root
# sent along (a trust anchor itself); the root's clients have no CRL.
port=$(free_port)
start_listen "$port" "${base_args[@]}" --client-crl "$pki/inter.crl"
admitted "$port" chained-root chained
refused "$port" good good "no CRL for the certificate's issuer"

# The same option from a --config file.
printf 'client-crl = %s\n' "$pki/crls.pem" >"$pki/pgstunnel.conf"
port=$(free_port)
start_listen "$port" "${base_args[@]}" --config "$pki/pgstunnel.conf"
refused "$port" revoked revoked "certificate revoked"
admitted "$port" good

start_error 64 "--client-crl needs --client-ca" --cert "$CERTS/server.crt" \
    --key "$CERTS/server.key" --upstream 127.0.0.1:1 --log stderr \
    --client-crl "$pki/crls.pem"
start_error 66 "$pki/impostor.crl" "${base_args[@]}" --client-crl "$pki/impostor.crl"
start_error 66 "signature does not verify" "${base_args[@]}" --client-crl "$pki/impostor.crl"
start_error 66 "issuer is not a certificate in --client-ca" "${base_args[@]}" \
    --client-crl "$pki/rogue.crl"
start_error 66 "$pki/none.crl" "${base_args[@]}" --client-crl "$pki/none.crl"
head -c 100 "$pki/root.crl.der" >"$pki/cut.crl.der"
start_error 66 "$pki/cut.crl.der" "${base_args[@]}" --client-crl "$pki/cut.crl.der"
start_error 64 "unknown option '--crl' (now --client-crl)" "${base_args[@]}" \
    --crl "$pki/crls.pem"
start_error 66 "no X509 CRL found" "${base_args[@]}" --client-crl "$pki/root.crt"
# In --listen mode nothing listens after such an error.
port=$(free_port)
cat "$pki/root.crl" "$pki/rogue.crl" >"$pki/two.crl"
start_error 66 "CRL number 2" --listen "127.0.0.1:$port" "${base_args[@]}" \
    --client-crl "$pki/two.crl"
# A pipe is not a file: refused at once, never read.
start_error 66 "not a regular file" "${base_args[@]}" \
    --client-crl <(cat "$pki/root.crl")
port_listening "$port" && fail "something listens on $port after a CRL error"

pass
