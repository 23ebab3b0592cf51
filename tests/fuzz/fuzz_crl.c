/*
 * libFuzzer target for crl: the CRL parser, the signature check, the
 * store and its lookup. A --client-crl file is the operator's, but CRLs are
 * fetched from CAs and distribution points, and the parser must not
 * trust them.
 *
 * Each input is used three ways:
 *
 *  1. as one DER CertificateList: crl_parse(), then the contract of
 *     crl.h is checked (every span inside the input, the counts and
 *     codes in range); a CRL that parses is verified against the
 *     fixture anchors (root.pem, EC, and inter.pem, RSA, of
 *     tests/unit/fixtures/crl/, compiled in by fuzz.mk as
 *     build/fuzz/fixtures-crl.h) and added to an empty store, where each
 *     of its serials must then be found revoked, and another issuer
 *     must have no CRL;
 *  2. as that DER inside an "X509 CRL" PEM object the harness wraps
 *     around it, so that mutations reach the parser without having to
 *     keep valid base64: crl_store_load_pem() must say what 1. said;
 *  3. as a PEM file: crl_store_load_pem(), with a small DER buffer so
 *     that the size limit is reached too; on error the store is empty.
 *
 * The first bytes also go through crl_serial_set().
 */
#include <string.h>

#include "fixtures-crl.h"
#include "fuzz.h"
#include "x509/crl.h"
#include "x509/keys.h"

#define SMALL_DER 2048 /* the DER buffer of use 3 */

static struct keys_anchors fx_anchors;
/* The store and the DER buffer, with guard bytes after each (fuzz.h). */
static struct {
	struct crl_store store;
	uint8_t guard_store[FUZZ_GUARD_SIZE];
	uint8_t der[CRL_DER_MAX];
	uint8_t guard_der[FUZZ_GUARD_SIZE];
} g;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static uint8_t pem[sizeof(fx_crl_root_pem) + sizeof(fx_crl_inter_pem)];

	(void)argc;
	(void)argv;
	memcpy(pem, fx_crl_root_pem, sizeof(fx_crl_root_pem));
	memcpy(pem + sizeof(fx_crl_root_pem), fx_crl_inter_pem,
	       sizeof(fx_crl_inter_pem));
	FUZZ_CHECK(keys_anchors_parse(&fx_anchors, pem, sizeof(pem)) ==
	           KEYS_OK);
	FUZZ_CHECK(fx_anchors.count == 2);
	fuzz_guard_set(g.guard_store);
	fuzz_guard_set(g.guard_der);
	return 0;
}

static void
check_guards(void)
{
	fuzz_guard_check(g.guard_store);
	fuzz_guard_check(g.guard_der);
}

/* d lies in base[0..len); an empty span may also be NULL (absent). */
static int
in_span(const struct der *d, const uint8_t *base, size_t len)
{
	if (d->p == NULL)
		return d->len == 0;
	return d->p >= base && d->p <= base + len &&
	       d->len <= (size_t)(base + len - d->p);
}

static void
check_store(void)
{
	size_t i, total = 0;

	FUZZ_CHECK(g.store.count <= CRL_MAX);
	FUZZ_CHECK(g.store.revoked_count <= CRL_REVOKED_MAX);
	for (i = 0; i < g.store.count; i++) {
		const struct crl_entry *e = &g.store.crl[i];

		FUZZ_CHECK(e->first == total);
		total += e->count;
	}
	FUZZ_CHECK(total == g.store.revoked_count);
	for (i = 0; i < g.store.revoked_count; i++)
		FUZZ_CHECK(g.store.revoked[i].len <= CRL_SERIAL_MAX &&
		           g.store.revoked[i].neg <= 1);
}

/* 1. The input as DER; returns what a PEM load of it must say. */
static int
as_der(const uint8_t *data, size_t size)
{
	static const uint8_t other_name[] = {0x30, 0x00};
	struct crl_info ci;
	const struct crl_entry *e;
	enum crl_verdict v;
	size_t i;
	int rc, vrc;

	rc = crl_parse(data, size, &ci);
	FUZZ_CHECK(rc == CRL_OK || rc == CRL_ERR_DER || rc == CRL_ERR_SERIAL ||
	           rc == CRL_ERR_CRITICAL || rc == CRL_ERR_ALGORITHM);
	FUZZ_CHECK(crl_strerror(rc) != NULL);
	if (rc != CRL_OK)
		return rc;
	FUZZ_CHECK(in_span(&ci.tbs, data, size));
	FUZZ_CHECK(in_span(&ci.issuer, data, size));
	FUZZ_CHECK(in_span(&ci.sig, data, size));
	FUZZ_CHECK(in_span(&ci.revoked, data, size));
	FUZZ_CHECK(ci.issuer.len > 2 && ci.issuer.p[0] == DER_SEQUENCE);
	FUZZ_CHECK(ci.tbs.p[0] == DER_SEQUENCE && ci.sig.len > 0);
	FUZZ_CHECK(ci.version == 1 || ci.version == 2);
	FUZZ_CHECK(ci.key_type == BR_KEYTYPE_RSA ||
	           ci.key_type == BR_KEYTYPE_EC);
	FUZZ_CHECK(ci.hash_id >= br_sha1_ID && ci.hash_id <= br_sha512_ID);
	FUZZ_CHECK(ci.revoked_count <= ci.revoked.len / 2);

	vrc = crl_verify(&ci, fx_anchors.ta, fx_anchors.count);
	FUZZ_CHECK(vrc == CRL_OK || vrc == CRL_ERR_ISSUER ||
	           vrc == CRL_ERR_SIGNATURE);

	crl_store_clear(&g.store);
	rc = crl_store_add(&g.store, &ci);
	check_guards();
	if (ci.revoked_count > CRL_REVOKED_MAX) {
		FUZZ_CHECK(rc == CRL_ERR_REVOKED_MAX && g.store.count == 0);
		return vrc != CRL_OK ? vrc : rc;
	}
	FUZZ_CHECK(rc == CRL_OK && g.store.count == 1);
	FUZZ_CHECK(g.store.revoked_count == ci.revoked_count);
	check_store();
	e = &g.store.crl[0];
	for (i = 0; i < e->count; i++) {
		v = crl_store_check(&g.store, ci.issuer.p, ci.issuer.len,
		                    &g.store.revoked[e->first + i],
		                    ci.this_update);
		FUZZ_CHECK(v == CRL_REVOKED);
	}
	v = crl_store_check(&g.store, other_name, sizeof(other_name),
	                    &g.store.revoked[0], ci.this_update);
	FUZZ_CHECK(v == CRL_NO_CRL);
	return vrc;
}

/* The input in base64, 64 characters a line, inside PEM. */
static size_t
wrap_pem(const uint8_t *data, size_t size, char *out)
{
	static const char b64[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	static const char begin[] = "-----BEGIN X509 CRL-----\n";
	static const char end[] = "-----END X509 CRL-----\n";
	size_t i, n = 0, col = 0;
	uint32_t v;

	memcpy(out, begin, sizeof(begin) - 1);
	n = sizeof(begin) - 1;
	for (i = 0; i < size; i += 3) {
		v = (uint32_t)data[i] << 16;
		if (i + 1 < size)
			v |= (uint32_t)data[i + 1] << 8;
		if (i + 2 < size)
			v |= data[i + 2];
		out[n++] = b64[(v >> 18) & 63];
		out[n++] = b64[(v >> 12) & 63];
		out[n++] = i + 1 < size ? b64[(v >> 6) & 63] : '=';
		out[n++] = i + 2 < size ? b64[v & 63] : '=';
		col += 4;
		if (col == 64) {
			out[n++] = '\n';
			col = 0;
		}
	}
	if (col != 0)
		out[n++] = '\n';
	memcpy(out + n, end, sizeof(end) - 1);
	return n + sizeof(end) - 1;
}

static int
load(const uint8_t *pem, size_t len, size_t der_cap, size_t *which)
{
	int rc;

	rc = crl_store_load_pem(&g.store, pem, len, fx_anchors.ta,
	                        fx_anchors.count, g.der, der_cap, which);
	check_guards();
	FUZZ_CHECK(crl_strerror(rc) != NULL);
	if (rc != CRL_OK) {
		FUZZ_CHECK(g.store.count == 0 && g.store.revoked_count == 0);
	} else {
		FUZZ_CHECK(g.store.count >= 1 && *which == 0);
		check_store();
	}
	return rc;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct der_serial s;
	size_t which, len;
	char *pem;
	int want, rc;

	rc = crl_serial_set(&s, data, size < 24 ? size : 24);
	FUZZ_CHECK(rc == CRL_OK || rc == CRL_ERR_DER || rc == CRL_ERR_SERIAL);
	if (rc == CRL_OK)
		FUZZ_CHECK(s.len <= CRL_SERIAL_MAX && s.neg <= 1);

	/* 1 and 2. A DER of more than CRL_DER_MAX cannot come from
	 * libFuzzer's default lengths; it would be CRL_ERR_TOO_BIG. */
	want = as_der(data, size);
	pem = malloc(size / 3 * 4 + size / 48 + 64);
	FUZZ_CHECK(pem != NULL);
	len = wrap_pem(data, size, pem);
	rc = load((const uint8_t *)pem, len, sizeof(g.der), &which);
	if (size > sizeof(g.der))
		FUZZ_CHECK(rc == CRL_ERR_TOO_BIG);
	else
		FUZZ_CHECK(rc == want);
	if (rc != CRL_OK)
		FUZZ_CHECK(which == 1);
	free(pem);

	/* 3. */
	(void)load(data, size, SMALL_DER, &which);
	return 0;
}
