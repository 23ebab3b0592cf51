#!/bin/sh
# mkcerts.sh: make the test certificates and keys described in README.md.
#
# Usage: certs/mkcerts.sh DIR          make everything in DIR (skipped when
#                                      all files exist and are up to date)
#        certs/mkcerts.sh --clean DIR  remove only the generated files
#
# Needs the openssl command line tool. Keys are mode 0600, certificates 0644.
# Everything is made afresh together (one root CA signs most of it), so a
# partial set is never mixed with new files.

set -eu

prog=mkcerts
days=3650

usage() {
	echo "usage: $0 [--clean] DIR" >&2
	exit 2
}

clean=0
case ${1:-} in
--clean) clean=1; shift ;;
-h|--help) usage ;;
esac
[ $# -eq 1 ] || usage
dir=$1

# Every file this script makes, certificates then keys.
CERTS="ca.crt intermediate.crt server.crt server-rsa.crt server-chain.crt
otherhost.crt client.crt rogue-ca.crt rogue-client.crt pg-server.crt"
KEYS="ca.key intermediate.key server.key server-trad.key server-rsa.key
server-rsa-trad.key server-chain.key otherhost.key client.key rogue-ca.key
rogue-client.key pg-server.key"

if [ "$clean" -eq 1 ]; then
	[ -d "$dir" ] || exit 0
	removed=0
	for f in $CERTS $KEYS; do
		if [ -e "$dir/$f" ]; then
			rm -f "$dir/$f"
			removed=$((removed + 1))
		fi
	done
	rm -rf "$dir/work"
	echo "$prog: removed $removed generated files from $dir"
	exit 0
fi

command -v openssl >/dev/null 2>&1 || {
	echo "$prog: the openssl command is needed (apt-get install openssl)" >&2
	exit 1
}
mkdir -p "$dir"

# Up to date: every file present, none older than this script, and the
# certificates valid for at least another 30 days.
up_to_date() {
	for f in $CERTS $KEYS; do
		[ -s "$dir/$f" ] || return 1
		[ -n "$(find "$dir/$f" -newer "$0")" ] || return 1
	done
	for f in $CERTS; do
		openssl x509 -in "$dir/$f" -noout -checkend 2592000 \
		    >/dev/null 2>&1 || return 1
	done
	return 0
}
if up_to_date; then
	echo "$prog: $dir is up to date"
	exit 0
fi

work=$dir/work
rm -rf "$work"
mkdir -p "$work"
umask 077

# A minimal private configuration, so the system's openssl.cnf does not
# add or change extensions behind our back.
cat >"$work/openssl.cnf" <<'EOF'
[ req ]
distinguished_name = dn
prompt = no
[ dn ]
EOF

made() {
	echo "$prog: made $dir/$1 ($2)"
}

# genkey NAME ec|rsa: a new private key in PKCS#8 form, mode 0600.
genkey() {
	case $2 in
	ec) openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
	        -pkeyopt ec_param_enc:named_curve -out "$dir/$1.key" ;;
	rsa) openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
	        -out "$dir/$1.key" 2>/dev/null ;;
	esac
	chmod 0600 "$dir/$1.key"
}

# ext NAME LINES...: write an extension section [v3] to work/NAME.ext.
ext() {
	name=$1
	shift
	{
		echo "[ v3 ]"
		for line in "$@"; do
			echo "$line"
		done
	} >"$work/$name.ext"
}

# selfsign NAME SUBJECT: a self-signed CA certificate for NAME.key.
selfsign() {
	ext "$1" "basicConstraints = critical, CA:TRUE" \
	    "keyUsage = critical, keyCertSign, cRLSign" \
	    "subjectKeyIdentifier = hash"
	cat "$work/openssl.cnf" "$work/$1.ext" >"$work/$1.cnf"
	openssl req -new -x509 -config "$work/$1.cnf" -key "$dir/$1.key" \
	    -subj "$2" -days "$days" -sha256 -set_serial "0x$(openssl rand -hex 12)" \
	    -extensions v3 -out "$dir/$1.crt"
	chmod 0644 "$dir/$1.crt"
}

# sign NAME SUBJECT ISSUER EXTLINES...: certificate for NAME.key signed
# by ISSUER.crt/ISSUER.key with the given extensions.
sign() {
	name=$1 subj=$2 issuer=$3
	shift 3
	ext "$name" "$@" "subjectKeyIdentifier = hash" \
	    "authorityKeyIdentifier = keyid:always"
	openssl req -new -config "$work/openssl.cnf" -key "$dir/$name.key" \
	    -subj "$subj" -out "$work/$name.csr"
	openssl x509 -req -in "$work/$name.csr" -CA "$dir/$issuer.crt" \
	    -CAkey "$dir/$issuer.key" -set_serial "0x$(openssl rand -hex 12)" \
	    -days "$days" -sha256 -extfile "$work/$name.ext" -extensions v3 \
	    -out "$dir/$name.crt" 2>/dev/null
	chmod 0644 "$dir/$name.crt"
}

ca_ext="basicConstraints = critical, CA:TRUE, pathlen:0"
ca_ku="keyUsage = critical, keyCertSign, cRLSign"
ec_ku="keyUsage = critical, digitalSignature"
rsa_ku="keyUsage = critical, digitalSignature, keyEncipherment"
srv_eku="extendedKeyUsage = serverAuth"
srv_san="subjectAltName = DNS:localhost, IP:127.0.0.1, IP:::1"

# Root CA.
genkey ca ec
selfsign ca "/O=pgstunnel tests/CN=pgstunnel test root CA"
made ca.crt "root CA, ECDSA P-256; key ca.key"

# Intermediate CA, signed by the root.
genkey intermediate ec
sign intermediate "/O=pgstunnel tests/CN=pgstunnel test intermediate CA" ca \
    "$ca_ext" "$ca_ku"
made intermediate.crt "intermediate CA signed by the root; key intermediate.key"

# Server, ECDSA P-256, PKCS#8 and traditional forms of one key.
genkey server ec
sign server "/CN=localhost" ca "$srv_san" "$ec_ku" "$srv_eku"
made server.crt "server, ECDSA P-256, signed by the root; key server.key (PKCS#8)"
openssl pkey -in "$dir/server.key" -traditional -out "$dir/server-trad.key"
chmod 0600 "$dir/server-trad.key"
made server-trad.key "server.key in traditional EC PRIVATE KEY form"

# Server, RSA-2048.
genkey server-rsa rsa
sign server-rsa "/CN=localhost" ca "$srv_san" "$rsa_ku" "$srv_eku"
made server-rsa.crt "server, RSA-2048, signed by the root; key server-rsa.key (PKCS#8)"
openssl pkey -in "$dir/server-rsa.key" -traditional -out "$dir/server-rsa-trad.key"
chmod 0600 "$dir/server-rsa-trad.key"
made server-rsa-trad.key "server-rsa.key in traditional RSA PRIVATE KEY form"

# Server signed by the intermediate: the file holds leaf then intermediate.
genkey server-chain ec
sign server-chain "/CN=localhost" intermediate "$srv_san" "$ec_ku" "$srv_eku"
cat "$dir/intermediate.crt" >>"$dir/server-chain.crt"
made server-chain.crt "leaf signed by the intermediate + intermediate; key server-chain.key"

# A server certificate for another host name only.
genkey otherhost ec
sign otherhost "/CN=otherhost.example" ca \
    "subjectAltName = DNS:otherhost.example" "$ec_ku" "$srv_eku"
made otherhost.crt "server for DNS:otherhost.example only; key otherhost.key"

# Client certificate, trusted.
genkey client ec
sign client "/CN=pgtest" ca "$ec_ku" "extendedKeyUsage = clientAuth"
made client.crt "client CN=pgtest, signed by the root; key client.key"

# Client certificate from a CA nobody trusts.
genkey rogue-ca ec
selfsign rogue-ca "/O=pgstunnel tests/CN=pgstunnel rogue CA"
made rogue-ca.crt "untrusted separate CA; key rogue-ca.key"
genkey rogue-client ec
sign rogue-client "/CN=pgtest" rogue-ca "$ec_ku" "extendedKeyUsage = clientAuth"
made rogue-client.crt "client CN=pgtest signed by the rogue CA; key rogue-client.key"

# Certificate for a PostgreSQL server behind pgstunnel (upstream TLS).
genkey pg-server ec
sign pg-server "/CN=localhost" ca \
    "subjectAltName = DNS:localhost, IP:127.0.0.1" "$ec_ku" "$srv_eku"
made pg-server.crt "PostgreSQL upstream server, signed by the root; key pg-server.key"

# Check what we made, so a broken openssl shows up here and not in a test.
for c in server server-rsa otherhost client pg-server; do
	openssl verify -CAfile "$dir/ca.crt" "$dir/$c.crt" >/dev/null
done
openssl verify -CAfile "$dir/ca.crt" -untrusted "$dir/intermediate.crt" \
    "$dir/server-chain.crt" >/dev/null
openssl verify -CAfile "$dir/rogue-ca.crt" "$dir/rogue-client.crt" >/dev/null
if openssl verify -CAfile "$dir/ca.crt" "$dir/rogue-client.crt" \
    >/dev/null 2>&1; then
	echo "$prog: rogue-client.crt verifies against ca.crt" >&2
	exit 1
fi

rm -rf "$work"
echo "$prog: $dir done"
