/*
 * Unit tests for verifier: the X.509 engine fed the way BearSSL's SSL
 * engine feeds it. The host-name rules themselves are check_hostname.c's.
 *
 * Fixtures: the PEM files in tests/unit/fixtures/x509, made by the script
 * make-fixtures.sh there, which lists what each certificate holds. Run
 * from the repository root.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "x509/verifier.h"

#define FIXDIR "tests/unit/fixtures/x509/"

/* The CERTIFICATE objects of a fixture; returns how many. */
static size_t
load_certs(const char *name, struct derobj *out, size_t max)
{
	char path[256];

	snprintf(path, sizeof(path), FIXDIR "%s", name);
	return fixture_load_pem(path, "CERTIFICATE", out, max);
}

static struct derobj one_cert;

static const struct derobj *
load_one(const char *name)
{
	ck_assert_uint_eq(load_certs(name, &one_cert, 1), 1);
	return &one_cert;
}

/* ------------------------------------------------------------------ */
/* The X.509 engine */

struct anchor {
	br_x509_trust_anchor ta;
	struct derobj dn;
	unsigned char key[BR_X509_BUFSIZE_KEY];
};

/* A CA trust anchor from a certificate (as keys.c will do, simply). */
static void
make_anchor(struct anchor *a, const struct derobj *cert)
{
	br_x509_decoder_context dc;
	const br_x509_pkey *pk;

	memset(a, 0, sizeof(*a));
	br_x509_decoder_init(&dc, fixture_der_append, &a->dn);
	br_x509_decoder_push(&dc, cert->data, cert->len);
	pk = br_x509_decoder_get_pkey(&dc);
	ck_assert_ptr_nonnull(pk);
	ck_assert(!a->dn.overflow);
	a->ta.dn.data = a->dn.data;
	a->ta.dn.len = a->dn.len;
	a->ta.flags = br_x509_decoder_isCA(&dc) ? BR_X509_TA_CA : 0;
	a->ta.pkey.key_type = pk->key_type;
	if (pk->key_type == BR_KEYTYPE_RSA) {
		memcpy(a->key, pk->key.rsa.n, pk->key.rsa.nlen);
		memcpy(a->key + pk->key.rsa.nlen, pk->key.rsa.e,
		       pk->key.rsa.elen);
		a->ta.pkey.key.rsa.n = a->key;
		a->ta.pkey.key.rsa.nlen = pk->key.rsa.nlen;
		a->ta.pkey.key.rsa.e = a->key + pk->key.rsa.nlen;
		a->ta.pkey.key.rsa.elen = pk->key.rsa.elen;
	} else {
		memcpy(a->key, pk->key.ec.q, pk->key.ec.qlen);
		a->ta.pkey.key.ec.curve = pk->key.ec.curve;
		a->ta.pkey.key.ec.q = a->key;
		a->ta.pkey.key.ec.qlen = pk->key.ec.qlen;
	}
}

static struct derobj chain[4];
static struct derobj extra[2];
static struct anchor root, other;
static struct verifier xc;

static void
load_anchor(struct anchor *a, const char *fixture)
{
	make_anchor(a, load_one(fixture));
}

/* Feed certificates as the SSL engine would, in chunks of `chunk`. */
static unsigned
feed(struct verifier *ctx, const struct derobj *certs, size_t n, size_t chunk,
     const char *server_name)
{
	const br_x509_class **vt = &ctx->vtable;
	size_t i, off, k;

	(*vt)->start_chain(vt, server_name);
	for (i = 0; i < n; i++) {
		(*vt)->start_cert(vt, (uint32_t)certs[i].len);
		for (off = 0; off < certs[i].len; off += k) {
			k = certs[i].len - off;
			if (k > chunk)
				k = chunk;
			(*vt)->append(vt, certs[i].data + off, k);
		}
		(*vt)->end_cert(vt);
	}
	return (*vt)->end_chain(vt);
}

static const br_x509_pkey *
pkey_of(struct verifier *ctx, unsigned *usages)
{
	const br_x509_class *const *vt = &ctx->vtable;

	return (*vt)->get_pkey(vt, usages);
}

/* The leaf's own key, by a plain decoder, to compare with get_pkey(). */
static int
same_key(const br_x509_pkey *a, const struct derobj *cert)
{
	static br_x509_decoder_context dc;
	const br_x509_pkey *b;

	br_x509_decoder_init(&dc, 0, NULL);
	br_x509_decoder_push(&dc, cert->data, cert->len);
	b = br_x509_decoder_get_pkey(&dc);
	if (a == NULL || b == NULL || a->key_type != b->key_type)
		return 0;
	if (a->key_type == BR_KEYTYPE_RSA)
		return a->key.rsa.nlen == b->key.rsa.nlen &&
		       a->key.rsa.elen == b->key.rsa.elen &&
		       memcmp(a->key.rsa.n, b->key.rsa.n, b->key.rsa.nlen) ==
		           0 &&
		       memcmp(a->key.rsa.e, b->key.rsa.e, b->key.rsa.elen) == 0;
	return a->key.ec.curve == b->key.ec.curve &&
	       a->key.ec.qlen == b->key.ec.qlen &&
	       memcmp(a->key.ec.q, b->key.ec.q, b->key.ec.qlen) == 0;
}

static void
engine_setup(void)
{
	ck_assert_uint_eq(load_certs("chain.pem", chain, 4), 2);
	load_anchor(&root, "root.pem");
	load_anchor(&other, "other-root.pem");
}

START_TEST(test_ca_ok)
{
	static const size_t chunks[] = {1, 7, 100, FIXTURE_DER_MAX};
	const br_x509_pkey *pk;
	unsigned usages;
	size_t i;

	for (i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
		verifier_init(&xc, VERIFIER_CA, &root.ta, 1, NULL);
		ck_assert_uint_eq(feed(&xc, chain, 2, chunks[i], NULL), 0);
		usages = 0;
		pk = pkey_of(&xc, &usages);
		ck_assert_ptr_nonnull(pk);
		ck_assert_int_eq(pk->key_type, BR_KEYTYPE_EC);
		ck_assert(usages & BR_KEYTYPE_SIGN);
		ck_assert(same_key(pk, &chain[0]));
	}
	/* The engine's server name is ignored in CA mode. */
	verifier_init(&xc, VERIFIER_CA, &root.ta, 1, NULL);
	ck_assert_uint_eq(feed(&xc, chain, 2, 64, "wrong.example.org"), 0);
}
END_TEST

START_TEST(test_ca_wrong_anchor)
{
	verifier_init(&xc, VERIFIER_CA, &other.ta, 1, NULL);
	ck_assert_uint_eq(feed(&xc, chain, 2, 100, NULL),
	                  BR_ERR_X509_NOT_TRUSTED);
	ck_assert_ptr_null(pkey_of(&xc, NULL));
	verifier_init(&xc, VERIFIER_CA, NULL, 0, NULL);
	ck_assert_uint_eq(feed(&xc, chain, 2, 100, NULL),
	                  BR_ERR_X509_NOT_TRUSTED);
}
END_TEST

START_TEST(test_ca_missing_intermediate)
{
	verifier_init(&xc, VERIFIER_CA, &root.ta, 1, NULL);
	ck_assert_uint_eq(feed(&xc, chain, 1, 100, NULL),
	                  BR_ERR_X509_NOT_TRUSTED);
}
END_TEST

START_TEST(test_ca_expired)
{
	ck_assert_uint_eq(load_certs("expired.pem", extra, 1), 1);
	extra[1] = chain[1];
	verifier_init(&xc, VERIFIER_CA, &root.ta, 1, NULL);
	ck_assert_uint_eq(feed(&xc, extra, 2, 100, NULL), BR_ERR_X509_EXPIRED);
}
END_TEST

START_TEST(test_empty_chain)
{
	verifier_init(&xc, VERIFIER_CA, &root.ta, 1, NULL);
	ck_assert_uint_eq(feed(&xc, chain, 0, 100, NULL),
	                  BR_ERR_X509_EMPTY_CHAIN);
	verifier_init(&xc, VERIFIER_NONE, NULL, 0, NULL);
	ck_assert_uint_eq(feed(&xc, chain, 0, 100, NULL),
	                  BR_ERR_X509_EMPTY_CHAIN);
	ck_assert_ptr_null(pkey_of(&xc, NULL));
}
END_TEST

START_TEST(test_full_hosts)
{
	static const char *const good[] = {
	    "db.example.com", "DB.EXAMPLE.COM", "a.pg.example.com",
	    "192.0.2.10",     "2001:db8::10",
	};
	static const char *const bad[] = {
	    "evil.example.com",   "cn.example.net", "pg.example.com",
	    "a.b.pg.example.com", "192.0.2.11",
	};
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		verifier_init(&xc, VERIFIER_FULL, &root.ta, 1, good[i]);
		ck_assert_msg(feed(&xc, chain, 2, 100, "ignored") == 0, "%s",
		              good[i]);
		ck_assert_ptr_nonnull(pkey_of(&xc, NULL));
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		verifier_init(&xc, VERIFIER_FULL, &root.ta, 1, bad[i]);
		/* the engine's name (a matching one) must not be used */
		ck_assert_msg(feed(&xc, chain, 2, 100, "db.example.com") ==
		                  VERIFIER_ERR_NAME,
		              "%s", bad[i]);
		ck_assert_ptr_null(pkey_of(&xc, NULL));
	}
}
END_TEST

START_TEST(test_full_chain_error_first)
{
	verifier_init(&xc, VERIFIER_FULL, &other.ta, 1, "evil.example.com");
	ck_assert_uint_eq(feed(&xc, chain, 2, 100, NULL),
	                  BR_ERR_X509_NOT_TRUSTED);
}
END_TEST

START_TEST(test_full_no_host)
{
	char longhost[VERIFIER_HOST_MAX + 10];

	verifier_init(&xc, VERIFIER_FULL, &root.ta, 1, NULL);
	ck_assert_uint_eq(feed(&xc, chain, 2, 100, "db.example.com"),
	                  VERIFIER_ERR_HOST);
	verifier_init(&xc, VERIFIER_FULL, &root.ta, 1, "");
	ck_assert_uint_eq(feed(&xc, chain, 2, 100, NULL), VERIFIER_ERR_HOST);

	/* Never truncated into a name that might match. */
	memset(longhost, 'a', sizeof(longhost));
	longhost[sizeof(longhost) - 1] = '\0';
	verifier_init(&xc, VERIFIER_FULL, &root.ta, 1, longhost);
	ck_assert_uint_eq(feed(&xc, chain, 2, 100, NULL), VERIFIER_ERR_HOST);
}
END_TEST

START_TEST(test_full_bad_name)
{
	ck_assert_uint_eq(load_certs("nul-san.pem", extra, 1), 1);
	extra[1] = chain[1];
	verifier_init(&xc, VERIFIER_FULL, &root.ta, 1, "db.example.com");
	ck_assert_uint_eq(feed(&xc, extra, 2, 100, NULL),
	                  VERIFIER_ERR_BAD_NAME);
	/* CA mode does not look at names. */
	verifier_init(&xc, VERIFIER_CA, &root.ta, 1, NULL);
	ck_assert_uint_eq(feed(&xc, extra, 2, 100, NULL), 0);
}
END_TEST

START_TEST(test_full_leaf_too_big)
{
	ck_assert_uint_eq(load_certs("big.pem", extra, 1), 1);
	ck_assert_uint_gt(extra[0].len, VERIFIER_LEAF_MAX);
	extra[1] = chain[1];
	verifier_init(&xc, VERIFIER_FULL, &root.ta, 1, "db.example.com");
	ck_assert_uint_eq(feed(&xc, extra, 2, 1000, NULL),
	                  VERIFIER_ERR_LEAF_SIZE);
	verifier_init(&xc, VERIFIER_CA, &root.ta, 1, NULL);
	ck_assert_uint_eq(feed(&xc, extra, 2, 1000, NULL), 0);
	/* NONE decodes the buffered leaf in one go (BearSSL's decoder must
	 * not see bytes after it stopped), so it has the same limit. */
	verifier_init(&xc, VERIFIER_NONE, NULL, 0, NULL);
	ck_assert_uint_eq(feed(&xc, extra, 2, 1000, NULL),
	                  VERIFIER_ERR_LEAF_SIZE);
}
END_TEST

START_TEST(test_none_mode)
{
	const br_x509_pkey *pk;
	unsigned usages;

	/* Any chain, no anchors: the leaf's EC key comes back. */
	verifier_init(&xc, VERIFIER_NONE, NULL, 0, NULL);
	ck_assert_ptr_null(pkey_of(&xc, NULL));
	ck_assert_uint_eq(feed(&xc, chain, 2, 33, "whatever"), 0);
	usages = 0;
	pk = pkey_of(&xc, &usages);
	ck_assert_ptr_nonnull(pk);
	ck_assert_uint_eq(usages, BR_KEYTYPE_KEYX | BR_KEYTYPE_SIGN);
	ck_assert(same_key(pk, &chain[0]));
	ck_assert(pk->key.ec.q >= xc.pkey_data &&
	          pk->key.ec.q < xc.pkey_data + sizeof(xc.pkey_data));

	/* Reused for another chain, led by the RSA intermediate. */
	ck_assert_uint_eq(feed(&xc, chain + 1, 1, 5, NULL), 0);
	pk = pkey_of(&xc, NULL);
	ck_assert_int_eq(pk->key_type, BR_KEYTYPE_RSA);
	ck_assert(same_key(pk, &chain[1]));
}
END_TEST

START_TEST(test_none_bad_leaf)
{
	memcpy(&extra[0], &chain[0], sizeof(extra[0]));
	extra[0].len = 40; /* truncated */
	verifier_init(&xc, VERIFIER_NONE, NULL, 0, NULL);
	ck_assert_uint_ne(feed(&xc, extra, 1, 100, NULL), 0);
	ck_assert_ptr_null(pkey_of(&xc, NULL));
}
END_TEST

START_TEST(test_reuse_after_failure)
{
	verifier_init(&xc, VERIFIER_FULL, &root.ta, 1, "db.example.com");
	ck_assert_uint_eq(feed(&xc, chain, 1, 100, NULL),
	                  BR_ERR_X509_NOT_TRUSTED);
	ck_assert_uint_eq(feed(&xc, chain, 2, 100, NULL), 0);
	ck_assert_ptr_nonnull(pkey_of(&xc, NULL));
}
END_TEST

/* ------------------------------------------------------------------ */
/* verifier_strerror */

/* verifier_want_client(): a leaf must be meant for a TLS client. */
START_TEST(test_client_purpose)
{
	static const struct {
		const char *file;
		unsigned want;
	} cases[] = {
	    {"client.pem", 0},
	    {"both.pem", 0},
	    {"noext.pem", 0},
	    {"server.pem", VERIFIER_ERR_PURPOSE},
	    {"anyeku.pem", VERIFIER_ERR_PURPOSE},
	    {"nosig.pem", VERIFIER_ERR_PURPOSE},
	};
	static struct anchor purpose_root;
	static struct derobj leaf;
	char path[256];

	ck_assert_uint_eq(
	    fixture_load_pem("tests/unit/fixtures/purpose/root.pem",
	                     "CERTIFICATE", &leaf, 1),
	    1);
	make_anchor(&purpose_root, &leaf);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		snprintf(path, sizeof(path), "tests/unit/fixtures/purpose/%s",
		         cases[i].file);
		ck_assert_uint_eq(
		    fixture_load_pem(path, "CERTIFICATE", &leaf, 1), 1);
		verifier_init(&xc, VERIFIER_CA, &purpose_root.ta, 1, NULL);
		verifier_want_client(&xc);
		ck_assert_msg(feed(&xc, &leaf, 1, 50, NULL) == cases[i].want,
		              "%s", cases[i].file);
		ck_assert(cases[i].want == 0 || pkey_of(&xc, NULL) == NULL);
		/* Without the call (the upstream's verify-ca), any purpose. */
		verifier_init(&xc, VERIFIER_CA, &purpose_root.ta, 1, NULL);
		ck_assert_uint_eq(feed(&xc, &leaf, 1, 50, NULL), 0);
	}
	/* A chain error still comes first. */
	verifier_init(&xc, VERIFIER_CA, &other.ta, 1, NULL);
	verifier_want_client(&xc);
	ck_assert_uint_eq(feed(&xc, &leaf, 1, 50, NULL),
	                  BR_ERR_X509_NOT_TRUSTED);
}
END_TEST

START_TEST(test_strerror)
{
	const char *unknown = verifier_strerror(-1);
	int e;

	for (e = BR_ERR_X509_INVALID_VALUE; e <= BR_ERR_X509_WEAK_PUBLIC_KEY;
	     e++)
		ck_assert_msg(verifier_strerror(e) != unknown, "code %d", e);
	for (e = VERIFIER_ERR_NAME; e <= VERIFIER_ERR_HOST; e++)
		ck_assert_msg(verifier_strerror(e) != unknown, "code %d", e);
	ck_assert_str_eq(verifier_strerror(VERIFIER_ERR_NAME),
	                 "certificate does not match host name");
	ck_assert_str_eq(verifier_strerror(BR_ERR_X509_NOT_TRUSTED),
	                 "certificate chain does not lead to a trusted CA "
	                 "(unknown issuer)");
	ck_assert_str_eq(verifier_strerror(BR_ERR_X509_EXPIRED),
	                 "certificate expired or not yet valid");
	/* Never read as "received/sent fatal alert N" by a caller. */
	ck_assert_int_ge(VERIFIER_ERR_NAME, BR_ERR_SEND_FATAL_ALERT + 256);
	ck_assert_ptr_nonnull(unknown);
	ck_assert_ptr_eq(verifier_strerror(61), unknown);
}
END_TEST

/* ------------------------------------------------------------------ */
/* The peer's identity (tests/unit/fixtures/peer/make-fixtures.sh) */

static struct anchor peer_root;
static struct derobj peer_leaf;

/* Verify the one-certificate chain of a peer fixture under peer_root. */
static const struct verifier_peer *
peer_of(const char *name)
{
	char path[256];

	make_anchor(&peer_root, &one_cert);
	snprintf(path, sizeof(path), "tests/unit/fixtures/peer/%s", name);
	ck_assert_uint_eq(fixture_load_pem(path, "CERTIFICATE", &peer_leaf, 1),
	                  1);
	verifier_init(&xc, VERIFIER_CA, &peer_root.ta, 1, NULL);
	ck_assert_uint_eq(feed(&xc, &peer_leaf, 1, 100, NULL), 0);
	return verifier_peer(&xc);
}

static void
peer_setup(void)
{
	ck_assert_uint_eq(fixture_load_pem("tests/unit/fixtures/peer/root.pem",
	                                   "CERTIFICATE", &one_cert, 1),
	                  1);
}

START_TEST(test_peer_fields)
{
	const struct verifier_peer *p = peer_of("cn64.pem");
	static const uint8_t serial[] = {
	    0x80, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09,
	    0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12, 0x13};

	ck_assert_ptr_nonnull(p);
	ck_assert_uint_eq(p->present,
	                  VERIFIER_PEER_SUBJECT | VERIFIER_PEER_ISSUER |
	                      VERIFIER_PEER_CN | VERIFIER_PEER_SERIAL);
	ck_assert_uint_eq(strlen(p->cn), 64);
	ck_assert_ptr_nonnull(strstr(p->cn, ".example.com"));
	/* The issuer is the root's subject, byte for byte. */
	ck_assert_uint_eq(p->issuer_len, peer_root.ta.dn.len);
	ck_assert_mem_eq(p->issuer, peer_root.ta.dn.data, p->issuer_len);
	ck_assert_uint_eq(p->serial.len, sizeof(serial));
	ck_assert_mem_eq(p->serial.v, serial, sizeof(serial));
	ck_assert_uint_gt(p->subject_len, 0);
}
END_TEST

START_TEST(test_peer_absent_fields)
{
	const struct verifier_peer *p = peer_of("cn65.pem");

	ck_assert_uint_eq(p->present & VERIFIER_PEER_CN, 0);
	ck_assert_uint_eq(p->overlong & VERIFIER_PEER_CN, VERIFIER_PEER_CN);
	ck_assert_str_eq(p->cn, "");
	p = peer_of("cn-nul.pem");
	ck_assert_uint_eq(p->present & VERIFIER_PEER_CN, 0);
	p = peer_of("no-cn.pem");
	ck_assert_uint_eq(p->present & VERIFIER_PEER_CN, 0);
	ck_assert(p->present & VERIFIER_PEER_SUBJECT);
	p = peer_of("two-cn.pem");
	ck_assert_str_eq(p->cn, "first.example.com");
	p = peer_of("dn512.pem");
	ck_assert(p->present & VERIFIER_PEER_SUBJECT);
	ck_assert_uint_eq(p->subject_len, 512);
	p = peer_of("dn513.pem");
	ck_assert_uint_eq(p->present & VERIFIER_PEER_SUBJECT, 0);
	ck_assert(p->overlong & VERIFIER_PEER_SUBJECT);
	p = peer_of("serial21.pem");
	ck_assert_uint_eq(p->present & VERIFIER_PEER_SERIAL, 0);
	ck_assert(p->overlong & VERIFIER_PEER_SERIAL);
}
END_TEST

/* No identity before a chain, nor after one that failed. */
START_TEST(test_peer_only_after_success)
{
	verifier_init(&xc, VERIFIER_CA, &root.ta, 1, NULL);
	ck_assert_ptr_null(verifier_peer(&xc));
	load_anchor(&other, "other-root.pem");
	ck_assert_uint_eq(load_certs("chain.pem", chain, 4), 2);
	verifier_init(&xc, VERIFIER_CA, &other.ta, 1, NULL);
	ck_assert_uint_ne(feed(&xc, chain, 2, 100, NULL), 0);
	ck_assert_ptr_null(verifier_peer(&xc));
}
END_TEST

static Suite *
verifier_suite(void)
{
	Suite *s = suite_create("verifier");
	TCase *tc;

	tc = tcase_create("engine");
	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, engine_setup, NULL);
	tcase_add_test(tc, test_ca_ok);
	tcase_add_test(tc, test_ca_wrong_anchor);
	tcase_add_test(tc, test_ca_missing_intermediate);
	tcase_add_test(tc, test_ca_expired);
	tcase_add_test(tc, test_empty_chain);
	tcase_add_test(tc, test_full_hosts);
	tcase_add_test(tc, test_full_chain_error_first);
	tcase_add_test(tc, test_full_no_host);
	tcase_add_test(tc, test_full_bad_name);
	tcase_add_test(tc, test_full_leaf_too_big);
	tcase_add_test(tc, test_none_mode);
	tcase_add_test(tc, test_none_bad_leaf);
	tcase_add_test(tc, test_reuse_after_failure);
	tcase_add_test(tc, test_client_purpose);
	suite_add_tcase(s, tc);

	tc = tcase_create("peer");
	tcase_add_checked_fixture(tc, peer_setup, NULL);
	tcase_add_test(tc, test_peer_fields);
	tcase_add_test(tc, test_peer_absent_fields);
	tcase_add_test(tc, test_peer_only_after_success);
	suite_add_tcase(s, tc);

	tc = tcase_create("strerror");
	tcase_add_test(tc, test_strerror);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(verifier_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
