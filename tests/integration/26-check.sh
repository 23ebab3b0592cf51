#!/bin/bash
# --check: the credentials loaded as a connection would load them, a
# report on stdout (one line per finding, a last "result:" line) and the
# exit status for cron and monitoring: 0 fine, 1 error, 2 something
# expires within --warn-days (default 30). Certificates made here with
# openssl: a good root -> intermediate -> leaf, a leaf of 5 days, an
# expired and a not yet valid one (openssl ca -startdate/-enddate), a
# mismatched key, chains out of order, a client CA of 5 days, CRLs due in
# 5 days and overdue. Connects nowhere: no PostgreSQL here.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$(dirname "$0")/../lib.sh"
need_pgstunnel

cd "$TEST_TMP" || fail "cd $TEST_TMP"
cat > ca.cnf <<'CNF'
[ ca ]
default_ca = this_ca
[ this_ca ]
dir             = .
database        = $dir/index.txt
new_certs_dir   = $dir/new
serial          = $dir/serial
crlnumber       = $dir/crlnumber
default_md      = sha256
policy          = any
unique_subject  = no
copy_extensions = none
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
extendedKeyUsage = serverAuth
subjectAltName   = DNS:db.example.com, IP:127.0.0.1
CNF
: > index.txt
echo 1000 > serial
echo 01 > crlnumber
mkdir new

eckey() {
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
	    -out "$1" 2>/dev/null || fail "openssl genpkey $1"
}
csr() { # KEY CN OUT
	openssl req -new -config ca.cnf -key "$1" -subj "/CN=$2" -out "$3" ||
	    fail "openssl req $3"
}
# sign NAME CN ISSUER EXT DAYS|START:END (ISSUER "self": self-signed)
sign() {
	local dates=(-days "$5") issuer=(-cert "$3.crt" -keyfile "$3.key")
	case $5 in *:*) dates=(-startdate "${5%:*}" -enddate "${5#*:}") ;; esac
	[ "$3" != self ] || issuer=(-selfsign -keyfile "$1.key")
	[ -e "$1.key" ] || eckey "$1.key"
	csr "$1.key" "$2" "$1.csr"
	openssl ca -batch -config ca.cnf "${issuer[@]}" -in "$1.csr" \
	    -out "$1.crt" -notext -extensions "$4" "${dates[@]}" 2>/dev/null ||
	    fail "openssl ca $1"
}

sign root "check root" self ca_ext 3650
sign inter "check intermediate" root ca_ext 3650
sign leaf "db.example.com" inter leaf_ext 365
sign soon "soon.example.com" inter leaf_ext 5
sign old "old.example.com" inter leaf_ext 20000101000000Z:20010101000000Z
sign future "future.example.com" inter leaf_ext 21000101000000Z:21010101000000Z
sign shortca "short-lived CA" self ca_ext 5
eckey other.key
for n in leaf soon old future; do cat "$n.crt" inter.crt > "$n-chain.crt"; done
cat leaf.crt root.crt inter.crt > misordered.crt
cat inter.crt leaf.crt > inter-first.crt

# check ARGS...: run --check; sets out (stdout), err (stderr) and rc.
check() {
	out=$(timeout 20 "$PGSTUNNEL" --check --upstream 127.0.0.1:1 \
	    --log stderr "$@" </dev/null 2>"$TEST_TMP/stderr")
	rc=$?
	err=$(cat "$TEST_TMP/stderr")
	show "--check $* (exit $rc)" "$out"
}

# A good pair, leaf then intermediate: every field, then OK.
check --cert leaf-chain.crt --key leaf.key
assert_eq 0 "$rc" "good pair: exit status"
assert_contains "$out" 'ok: certificate leaf-chain.crt[1]: subject="CN=db.example.com" san="DNS:db.example.com,IP:127.0.0.1" issuer="CN=check intermediate"'
assert_match "$out" '^ok: certificate leaf-chain\.crt\[1\]: .* ca=no not_before=20[0-9-]{8}T[0-9:]{8}Z not_after=20[0-9-]{8}T[0-9:]{8}Z days_left=36[45]$'
want_after=$(date -u -d "$(openssl x509 -in leaf.crt -noout -enddate | cut -d= -f2)" +%Y-%m-%dT%H:%M:%SZ)
assert_contains "$out" "not_after=$want_after " "notAfter as openssl reads it"
assert_contains "$out" 'ok: certificate leaf-chain.crt[2]: subject="CN=check intermediate" san="none" issuer="CN=check root" ca=yes'
assert_contains "$out" 'ok: chain leaf-chain.crt: [1] signed by [2]'
assert_contains "$out" 'ok: chain leaf-chain.crt: ends at [2], issued by "CN=check root" (not in the file)'
assert_contains "$out" 'ok: key leaf.key: belongs to leaf-chain.crt[1] (full check)'
assert_eq "result: OK: 2 certificates, 0 CRLs checked; 0 errors, 0 warnings (--warn-days 30)" \
    "$(printf '%s\n' "$out" | tail -n 1)" "last line"
assert_eq "" "$err" "nothing on stderr"

# With --listen: checks, does not listen.
port=$(free_port)
check --cert leaf-chain.crt --key leaf.key --listen "127.0.0.1:$port"
assert_eq 0 "$rc" "--check --listen: exit status"
assert_contains "$out" "result: OK"
"$PYTHON" -c "import socket,sys; s=socket.socket(); sys.exit(s.connect_ex(('127.0.0.1', $port)) == 0)" ||
    fail "--check --listen left something listening"

# A whole chain to the root in the file: the end is self-signed.
cat leaf.crt inter.crt root.crt > full-chain.crt
check --cert full-chain.crt --key leaf.key
assert_eq 0 "$rc" "chain to the root: exit status"
assert_contains "$out" 'ok: chain full-chain.crt: [2] signed by [3]'
assert_contains "$out" 'ok: chain full-chain.crt: [3] is self-signed'

# 5 days left: a warning with the default 30, fine with --warn-days 3.
check --cert soon-chain.crt --key soon.key
assert_eq 2 "$rc" "expiring pair: exit status"
assert_match "$out" '^warning: certificate soon-chain\.crt\[1\]: .* days_left=[45]: expires within --warn-days$'
assert_contains "$out" "result: WARNING: 2 certificates, 0 CRLs checked; 0 errors, 1 warning (--warn-days 30)"
check --cert soon-chain.crt --key soon.key --warn-days 3
assert_eq 0 "$rc" "expiring pair, --warn-days 3: exit status"
check --cert soon-chain.crt --key soon.key --warn-days=6
assert_eq 2 "$rc" "expiring pair, --warn-days=6: exit status"

# Expired, and not yet valid.
check --cert old-chain.crt --key old.key
assert_eq 1 "$rc" "expired pair: exit status"
assert_contains "$out" 'error: certificate old-chain.crt[1]: subject="CN=old.example.com"'
assert_contains "$out" 'not_before=2000-01-01T00:00:00Z not_after=2001-01-01T00:00:00Z'
assert_match "$out" 'days_left=-[0-9]+: expired$'
assert_contains "$out" "result: ERROR"
check --cert future-chain.crt --key future.key
assert_eq 1 "$rc" "not yet valid pair: exit status"
assert_contains "$out" 'not_before=2100-01-01T00:00:00Z'
assert_match "$out" '^error: certificate future-chain\.crt\[1\]: .*: not yet valid$'

# A key that is not the certificate's: credentials_load()'s message, on
# stdout too, and exit 1 (not 66).
check --cert leaf-chain.crt --key other.key
assert_eq 1 "$rc" "mismatched pair: exit status"
assert_match "$out" '^error: key other\.key: .*does not match the certificate'
assert_contains "$err" "does not match the certificate" "the log line on stderr"
assert_contains "$out" "result: ERROR: 0 certificates, 0 CRLs checked; 1 error"
check --cert missing.crt --key leaf.key
assert_eq 1 "$rc" "unreadable certificate: exit status"
assert_match "$out" '^error: certificate missing\.crt: .*No such file'

# Out of order: leaf, root, intermediate (the key still matches the leaf).
check --cert misordered.crt --key leaf.key
assert_eq 1 "$rc" "misordered chain: exit status"
assert_contains "$out" 'error: chain misordered.crt: [1] is not issued by [2]: a chain goes leaf first, each certificate followed by its issuer'
assert_contains "$out" 'error: chain misordered.crt: [2] is not issued by [3]'
# The intermediate first: the key is checked against the first one.
check --cert inter-first.crt --key leaf.key
assert_eq 1 "$rc" "intermediate first: exit status"
assert_contains "$out" "error: key leaf.key"

# A client CA of 5 days, and a CRL due in 5 days; --warn-days 3 clears both.
openssl ca -batch -config ca.cnf -gencrl -cert shortca.crt -keyfile shortca.key \
    -crldays 5 -out soon.crl 2>/dev/null || fail "openssl ca -gencrl"
openssl ca -batch -config ca.cnf -gencrl -cert root.crt -keyfile root.key \
    -crldays 60 -out root.crl 2>/dev/null || fail "openssl ca -gencrl"
cat shortca.crt root.crt > cas.crt
check --cert leaf-chain.crt --key leaf.key --client-ca shortca.crt
assert_eq 2 "$rc" "expiring client CA: exit status"
assert_match "$out" '^warning: client CA shortca\.crt\[1\]: subject="CN=short-lived CA" .* ca=yes .* days_left=[45]: expires within --warn-days$'
check --cert leaf-chain.crt --key leaf.key --client-ca root.crt \
    --client-crl root.crl
assert_eq 0 "$rc" "client CA and a CRL of 60 days: exit status"
assert_match "$out" '^ok: CRL root\.crl\[1\]: issuer="CN=check root" revoked=0 this_update=[0-9T:Z-]+ next_update=[0-9T:Z-]+ days_left=(59|60)$'
assert_contains "$out" "result: OK: 3 certificates, 1 CRL checked"
cat root.crl soon.crl > both.crl
check --cert leaf-chain.crt --key leaf.key --client-ca cas.crt \
    --client-crl both.crl
assert_eq 2 "$rc" "a CRL due in 5 days: exit status"
assert_match "$out" '^warning: CRL both\.crl\[2\]: issuer="CN=short-lived CA" .* days_left=[45]: expires within --warn-days$'
assert_contains "$out" "ok: CRL both.crl[1]: issuer=\"CN=check root\""
check --cert leaf-chain.crt --key leaf.key --client-ca cas.crt \
    --client-crl both.crl --warn-days 3
assert_eq 0 "$rc" "CA and CRL, --warn-days 3: exit status"
# Overdue: nextUpdate one second after thisUpdate.
openssl ca -batch -config ca.cnf -gencrl -cert root.crt -keyfile root.key \
    -crlsec 1 -out overdue.crl 2>/dev/null || fail "openssl ca -gencrl -crlsec"
sleep 2
check --cert leaf-chain.crt --key leaf.key --client-ca root.crt \
    --client-crl overdue.crl
assert_eq 1 "$rc" "overdue CRL: exit status"
assert_match "$out" '^error: CRL overdue\.crl\[1\]: .*: expired$'

# The upstream's CA and client certificate are reported too.
check --cert leaf-chain.crt --key leaf.key --upstream-tls verify-ca \
    --upstream-ca root.crt --upstream-cert soon-chain.crt --upstream-key soon.key
assert_eq 2 "$rc" "upstream CA and certificate: exit status"
assert_contains "$out" 'ok: upstream CA root.crt[1]: subject="CN=check root"'
assert_contains "$out" 'warning: upstream certificate soon-chain.crt[1]'
assert_contains "$out" 'ok: upstream key soon.key: belongs to soon-chain.crt[1] (full check)'

# Usage: --warn-days needs --check; a bad configuration is still 64.
err=$("$PGSTUNNEL" --cert leaf-chain.crt --key leaf.key --upstream 127.0.0.1:1 \
    --warn-days 3 --log stderr </dev/null 2>&1 >/dev/null)
rc=$?
assert_eq 64 "$rc" "--warn-days without --check"
assert_contains "$err" "--warn-days needs --check"
check --cert leaf-chain.crt --key leaf.key --warn-days -1
assert_eq 64 "$rc" "--warn-days -1"
check --cert leaf-chain.crt
assert_eq 64 "$rc" "--check without --key"

pass
