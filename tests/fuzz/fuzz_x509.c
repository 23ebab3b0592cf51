/*
 * libFuzzer target for hostname and verifier: hostname_match(),
 * pgstunnel's own DER walk over the upstream server's (or a client's)
 * certificate, and the X.509 engine around BearSSL's minimal engine, fed
 * the way the SSL engine feeds it.
 *
 * Input: a host name, a NUL, then the DER of one certificate. The host is
 * looked for in the first VERIFIER_HOST_MAX + 8 bytes (so too-long hosts
 * are tried too); without a NUL there, the host is NULL and the whole
 * input is the DER. The host is copied to an exact-size buffer and the
 * DER ends where libFuzzer's buffer ends, so AddressSanitizer sees a read
 * past either.
 *
 * Trust anchors, fixed: root.pem (EC, self-signed) and inter.pem (RSA CA)
 * of tests/unit/fixtures/x509/, compiled in by fuzz.mk as
 * build/fuzz/fixtures-x509.h and decoded at start-up by keys.c. With
 * inter.pem as an anchor, the fixture leaves verify as one-certificate
 * chains, so mutations that keep the signed part reach the name check.
 *
 * Each input:
 *  - the subject's and issuer's RFC 2253 text (dn.c) and the client
 *    purpose verdict (der.c), with their buffer bounds;
 *  - hostname_match() with the host, the host upper-cased (names compare
 *    case-insensitively, so the answer must not change), "" and NULL;
 *  - the engine in modes NONE, CA and FULL, the certificate appended in
 *    different slices in each mode; the answers must agree: FULL fails
 *    exactly as CA when CA fails, and otherwise says what
 *    hostname_match() says; get_pkey() is non-NULL exactly when
 *    end_chain() returned 0;
 *  - the engine in mode FULL with root.pem as the only anchor and the
 *    chain [input, inter.pem], as a server sends it;
 *  - the engine in mode CA with an empty CRL store, the chain [input,
 *    root.pem]: it must fail where CA fails, and otherwise fail for want
 *    of a CRL unless the input is a trust anchor itself (root.pem, sent
 *    along after it, never needs one);
 *  - --check's reading (certinfo.h): the fields, the SAN text into a
 *    buffer of every size up to its length, the times as text, the
 *    signature against both anchors' keys.
 */
#include <string.h>

#include "fixtures-x509.h"
#include "fuzz.h"
#include "x509/certinfo.h"
#include "x509/crl.h"
#include "x509/dn.h"
#include "x509/hostname.h"
#include "x509/keys.h"
#include "x509/verifier.h"

#define HOST_SCAN (VERIFIER_HOST_MAX + 8)

static struct keys_anchors fx_root, fx_inter;
static struct keys_chain fx_inter_chain;
static br_x509_trust_anchor anchors[2]; /* root, inter */
static struct keys_chain fx_root_chain;
static struct crl_store empty_store; /* no CRL: zeroed */
/* The context, with guard bytes after it (see fuzz.h). */
static struct {
	struct verifier xc;
	uint8_t guard[FUZZ_GUARD_SIZE];
} g;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	FUZZ_CHECK(keys_anchors_parse(&fx_root, fx_x509_root_pem,
	                              sizeof(fx_x509_root_pem)) == KEYS_OK);
	FUZZ_CHECK(keys_anchors_parse(&fx_inter, fx_x509_inter_pem,
	                              sizeof(fx_x509_inter_pem)) == KEYS_OK);
	FUZZ_CHECK(keys_chain_parse(&fx_inter_chain, fx_x509_inter_pem,
	                            sizeof(fx_x509_inter_pem)) == KEYS_OK);
	FUZZ_CHECK(keys_chain_parse(&fx_root_chain, fx_x509_root_pem,
	                            sizeof(fx_x509_root_pem)) == KEYS_OK);
	FUZZ_CHECK(fx_root.count == 1 && fx_inter.count == 1);
	FUZZ_CHECK(fx_root.ta[0].flags & BR_X509_TA_CA);
	FUZZ_CHECK(fx_inter.ta[0].flags & BR_X509_TA_CA);
	fuzz_guard_set(g.guard);
	anchors[0] = fx_root.ta[0];
	anchors[1] = fx_inter.ta[0];
	return 0;
}

static void
certinfo(const uint8_t *der, size_t len)
{
	struct certinfo ci;
	char san[CERTINFO_SAN_MAX], when[CERTINFO_TIME_MAX];
	int n;

	if (certinfo_parse(der, len, &ci) != 0)
		return;
	FUZZ_CHECK(ci.tbs.p >= der && ci.tbs.p + ci.tbs.len <= der + len);
	if (ci.has_san) {
		n = certinfo_san_text(&ci.san, san, sizeof(san));
		if (n >= 0) {
			FUZZ_CHECK((size_t)n == strlen(san));
			FUZZ_CHECK(certinfo_san_text(&ci.san, san, (size_t)n) ==
			           -1);
			FUZZ_CHECK(certinfo_san_text(&ci.san, san,
			                             (size_t)n + 1) == n);
		}
	}
	(void)certinfo_time_text(ci.not_before, when, sizeof(when));
	(void)certinfo_time_text(ci.not_after, when, sizeof(when));
	for (size_t i = 0; i < 2; i++)
		FUZZ_CHECK(certinfo_signed_by(&ci, &anchors[i].pkey) <= 1);
}

static int
hostname(const uint8_t *der, size_t len, const char *host)
{
	int rc = hostname_match(der, len, host);

	FUZZ_CHECK(rc == HOSTNAME_MATCH || rc == HOSTNAME_MISMATCH ||
	           rc == HOSTNAME_BAD_CERT || rc == HOSTNAME_BAD_NAME);
	return rc;
}

/* One certificate through the engine's vtable, in slices of step. */
static void
feed_cert(const br_x509_class **vt, const uint8_t *der, size_t len, size_t step)
{
	size_t off, n;

	(*vt)->start_cert(vt, (uint32_t)len);
	for (off = 0; off < len; off += n) {
		n = len - off < step ? len - off : step;
		(*vt)->append(vt, der + off, n);
	}
	(*vt)->end_cert(vt);
}

/* end_chain() and get_pkey(), checked against each other. */
static unsigned
finish(const br_x509_class **vt, enum verifier_mode mode)
{
	const br_x509_pkey *pk;
	unsigned err, usages = 0;

	err = (*vt)->end_chain(vt);
	fuzz_guard_check(g.guard);
	FUZZ_CHECK(err == g.xc.err);
	FUZZ_CHECK(verifier_strerror((int)err) != NULL);
	pk = (*vt)->get_pkey(vt, &usages);
	FUZZ_CHECK((err == 0) == (pk != NULL));
	if (pk == NULL)
		return err;
	if (mode == VERIFIER_NONE) {
		const uint8_t *lo = g.xc.pkey_data,
		              *hi = lo + sizeof(g.xc.pkey_data);

		FUZZ_CHECK(pk == &g.xc.pkey);
		FUZZ_CHECK(usages == (BR_KEYTYPE_KEYX | BR_KEYTYPE_SIGN));
		switch (pk->key_type) {
		case BR_KEYTYPE_RSA:
			FUZZ_CHECK(pk->key.rsa.n >= lo &&
			           pk->key.rsa.nlen <=
			               (size_t)(hi - pk->key.rsa.n));
			FUZZ_CHECK(pk->key.rsa.e >= lo &&
			           pk->key.rsa.elen <=
			               (size_t)(hi - pk->key.rsa.e));
			break;
		case BR_KEYTYPE_EC:
			FUZZ_CHECK(pk->key.ec.q >= lo &&
			           pk->key.ec.qlen <=
			               (size_t)(hi - pk->key.ec.q));
			break;
		default:
			FUZZ_CHECK(0);
		}
	} else {
		FUZZ_CHECK(pk->key_type == BR_KEYTYPE_RSA ||
		           pk->key_type == BR_KEYTYPE_EC);
	}
	return err;
}

/* The input as a one-certificate chain. */
static unsigned
engine(enum verifier_mode mode, const char *host, const uint8_t *der,
       size_t len, size_t step)
{
	const br_x509_class **vt = &g.xc.vtable;

	if (mode == VERIFIER_NONE)
		verifier_init(&g.xc, mode, NULL, 0, host);
	else
		verifier_init(&g.xc, mode, anchors, 2, host);
	(*vt)->start_chain(vt, "ignored.invalid");
	feed_cert(vt, der, len, step);
	/* The leaf is kept for the name check whenever it fits. */
	if (g.xc.leaf_err == 0) {
		FUZZ_CHECK(g.xc.leaf_len == len);
		FUZZ_CHECK(len == 0 || memcmp(g.xc.leaf, der, len) == 0);
	} else {
		FUZZ_CHECK(g.xc.leaf_err == VERIFIER_ERR_LEAF_SIZE);
		FUZZ_CHECK(len > VERIFIER_LEAF_MAX);
	}
	return finish(vt, mode);
}

/* The input then inter.pem, trusted through root.pem only. */
static void
engine_chain(const char *host, const uint8_t *der, size_t len, int hc)
{
	const br_x509_class **vt = &g.xc.vtable;
	const br_x509_certificate *inter = &fx_inter_chain.cert[0];
	unsigned err;

	verifier_init(&g.xc, VERIFIER_FULL, anchors, 1, host);
	(*vt)->start_chain(vt, NULL);
	feed_cert(vt, der, len, 512);
	feed_cert(vt, inter->data, inter->data_len, 512);
	err = finish(vt, VERIFIER_FULL);
	if (err == 0)
		FUZZ_CHECK(hc == HOSTNAME_MATCH);
}

/* [input, root.pem] in mode CA, with no CRL store or with an empty one. */
static unsigned
engine_ca_root(const uint8_t *der, size_t len, const struct crl_store *crl)
{
	const br_x509_class **vt = &g.xc.vtable;
	const br_x509_certificate *root = &fx_root_chain.cert[0];

	verifier_init(&g.xc, VERIFIER_CA, anchors, 2, NULL);
	FUZZ_CHECK(verifier_set_crl(&g.xc, crl) == 0);
	(*vt)->start_chain(vt, NULL);
	feed_cert(vt, der, len, 700);
	feed_cert(vt, root->data, root->data_len, 700);
	return finish(vt, VERIFIER_CA);
}

/* The CRLs count only after the chain: an empty store adds refusals. */
static void
engine_crl(const uint8_t *der, size_t len)
{
	const br_x509_certificate *root = &fx_root_chain.cert[0];
	unsigned err_plain, err;

	err_plain = engine_ca_root(der, len, NULL);
	err = engine_ca_root(der, len, &empty_store);
	if (err_plain != 0)
		FUZZ_CHECK(err == err_plain);
	else
		FUZZ_CHECK(err == 0 || err == VERIFIER_ERR_NO_CRL ||
		           err == VERIFIER_ERR_CERT_SIZE ||
		           err == VERIFIER_ERR_LEAF);
	if (err == 0)
		FUZZ_CHECK(len == root->data_len &&
		           memcmp(der, root->data, len) == 0);
}

/* What FULL must say once the chain itself is good. */
static unsigned
expected_name_err(const char *host, size_t len, int hc)
{
	size_t hlen = host != NULL ? strlen(host) : 0;

	if (hlen == 0 || hlen >= VERIFIER_HOST_MAX)
		return VERIFIER_ERR_HOST;
	if (len > VERIFIER_LEAF_MAX)
		return VERIFIER_ERR_LEAF_SIZE;
	switch (hc) {
	case HOSTNAME_MATCH:
		return 0;
	case HOSTNAME_MISMATCH:
		return VERIFIER_ERR_NAME;
	case HOSTNAME_BAD_NAME:
		return VERIFIER_ERR_BAD_NAME;
	default:
		return VERIFIER_ERR_LEAF;
	}
}

/*
 * --client-user dn's text of the subject and issuer, and the client
 * purpose check: the text is NUL-terminated within the buffer, as long as
 * returned, and the same again; an exact fit works, one byte less fails.
 */
static void
names(const uint8_t *der, size_t len)
{
	static char text[DN_TEXT_MAX], again[DN_TEXT_MAX];
	struct der_cert_ids ids;
	struct der rest, spki;
	const struct der *which[2];

	if (der_cert_ids(der, len, &ids, &rest) != 0)
		return;
	which[0] = &ids.subject;
	which[1] = &ids.issuer;
	for (int i = 0; i < 2; i++) {
		int n =
		    dn_rfc2253(which[i]->p, which[i]->len, text, sizeof(text));

		if (n < 0)
			continue;
		FUZZ_CHECK((size_t)n < sizeof(text) && text[n] == '\0' &&
		           strlen(text) == (size_t)n);
		FUZZ_CHECK(dn_rfc2253(which[i]->p, which[i]->len, again,
		                      (size_t)n + 1) == n);
		FUZZ_CHECK(memcmp(text, again, (size_t)n + 1) == 0);
		FUZZ_CHECK(dn_rfc2253(which[i]->p, which[i]->len, again,
		                      (size_t)n) == -1);
	}
	if (der_expect(&rest, DER_SEQUENCE, &spki) == 0) {
		int p = der_cert_client_purpose(rest);

		FUZZ_CHECK(p >= -1 && p <= DER_PURPOSE_NO_SIGNATURE);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul, *der;
	char *host = NULL, *upper = NULL;
	size_t len, hlen, i;
	unsigned err_ca, err_full;
	int hc, hc_upper, hc_empty, hc_null;

	nul = memchr(data, '\0', size < HOST_SCAN ? size : HOST_SCAN);
	if (nul != NULL) {
		hlen = (size_t)(nul - data);
		host = malloc(hlen + 1);
		upper = malloc(hlen + 1);
		FUZZ_CHECK(host != NULL && upper != NULL);
		memcpy(host, data, hlen + 1);
		for (i = 0; i <= hlen; i++)
			upper[i] = (host[i] >= 'a' && host[i] <= 'z')
			               ? (char)(host[i] - 'a' + 'A')
			               : host[i];
		der = nul + 1;
		len = size - hlen - 1;
	} else {
		der = data;
		len = size;
	}

	hc = hostname(der, len, host);
	hc_empty = hostname(der, len, "");
	hc_null = hostname(der, len, NULL);
	FUZZ_CHECK(hc_empty == HOSTNAME_BAD_CERT ||
	           hc_empty == HOSTNAME_MISMATCH);
	FUZZ_CHECK(hc_null == hc_empty);
	FUZZ_CHECK((hc == HOSTNAME_BAD_CERT) ==
	           (hc_empty == HOSTNAME_BAD_CERT));
	if (upper != NULL) {
		hc_upper = hostname(der, len, upper);
		FUZZ_CHECK(hc_upper == hc);
	}

	/* 256: BearSSL's SSL engine appends a certificate in such slices. */
	(void)engine(VERIFIER_NONE, host, der, len, 256);
	err_ca = engine(VERIFIER_CA, host, der, len, 1);
	err_full = engine(VERIFIER_FULL, host, der, len, len > 0 ? len : 1);
	if (err_ca != 0)
		FUZZ_CHECK(err_full == err_ca);
	else
		FUZZ_CHECK(err_full == expected_name_err(host, len, hc));

	engine_chain(host, der, len, hc);
	engine_crl(der, len);
	certinfo(der, len);
	names(der, len);

	free(host);
	free(upper);
	return 0;
}
