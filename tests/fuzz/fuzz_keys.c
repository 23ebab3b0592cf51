/*
 * libFuzzer target for keys: the PEM walk and what it hands to BearSSL's
 * X.509 and private-key decoders, plus keymatch_check().
 *
 * The files keys.c reads are the operator's, but --client-ca and
 * --upstream-ca files often come from elsewhere, and the parsers must not
 * trust any of them. Each input is used twice:
 *
 *  1. as a PEM file: keys_chain_parse(), keys_private_parse() and
 *     keys_anchors_parse() on it, and keymatch_check() when a chain and a key
 *     both come out;
 *  2. as the DER inside a PEM object the harness wraps around it
 *     (CERTIFICATE for the chain and anchor parsers, PRIVATE KEY for the
 *     key parser), so that mutations reach the decoders without having
 *     to keep valid base64. A certificate that decodes is matched
 *     against the fixture keys, a key that decodes against the fixture
 *     certificates (the EC P-256 and RSA 2048 pairs of
 *     tests/unit/fixtures/keys/, compiled in by fuzz.mk as
 *     build/fuzz/fixtures-keys.h).
 *
 * Every result is checked against the contract in keys.h: on success the
 * pointers lie in the struct's own storage, on failure it is empty.
 */
#include <string.h>

#include "fixtures-keys.h"
#include "fuzz.h"
#include "x509/keymatch.h"
#include "x509/keys.h"

/* Big structs: static, as in main; guard bytes after each (fuzz.h). */
static struct {
	struct keys_chain chain;
	uint8_t guard_chain[FUZZ_GUARD_SIZE];
	struct keys_private key;
	uint8_t guard_key[FUZZ_GUARD_SIZE];
	struct keys_anchors anchors;
	uint8_t guard_anchors[FUZZ_GUARD_SIZE];
} g;
static struct keys_chain fx_chain_ec, fx_chain_rsa;
static struct keys_private fx_key_ec, fx_key_rsa;

static int
in_span(const void *p, size_t len, const void *base, size_t used)
{
	const unsigned char *b = base, *q = p;

	return q >= b && q <= b + used && len <= (size_t)(b + used - q);
}

/* BearSSL wrote nothing past the structs (see fuzz.h). */
static void
check_guards(void)
{
	fuzz_guard_check(g.guard_chain);
	fuzz_guard_check(g.guard_key);
	fuzz_guard_check(g.guard_anchors);
}

static void
check_status(int rc)
{
	FUZZ_CHECK(rc >= KEYS_OK && rc <= KEYS_ERR_MISMATCH);
	FUZZ_CHECK(rc != KEYS_ERR_IO); /* no I/O in the parsers */
	FUZZ_CHECK(keys_strerror(rc) != NULL);
}

static void
check_chain(const struct keys_chain *c, int rc)
{
	const unsigned char *next = c->der;
	size_t i;

	check_guards();
	check_status(rc);
	if (rc != KEYS_OK) {
		FUZZ_CHECK(c->count == 0 && c->used == 0);
		return;
	}
	FUZZ_CHECK(c->count >= 1 && c->count <= KEYS_CHAIN_MAX);
	FUZZ_CHECK(c->used <= sizeof(c->der));
	/* The certificates lie end to end in der, in file order. */
	for (i = 0; i < c->count; i++) {
		FUZZ_CHECK(c->cert[i].data == next);
		FUZZ_CHECK(c->cert[i].data_len > 0);
		FUZZ_CHECK(in_span(next, c->cert[i].data_len, c->der, c->used));
		next += c->cert[i].data_len;
	}
	FUZZ_CHECK(next == c->der + c->used);
}

static void
check_key(const struct keys_private *k, int rc)
{
	const br_rsa_private_key *rsa = keys_private_rsa(k);
	const br_ec_private_key *ec = keys_private_ec(k);

	check_guards();
	check_status(rc);
	if (rc != KEYS_OK) {
		FUZZ_CHECK(k->type == 0);
		FUZZ_CHECK(rsa == NULL && ec == NULL);
		FUZZ_CHECK(k->why == NULL || k->why[0] != '\0');
		return;
	}
	switch (k->type) {
	case BR_KEYTYPE_RSA:
		FUZZ_CHECK(rsa != NULL && ec == NULL);
		FUZZ_CHECK(rsa->n_bitlen > 0 && rsa->n_bitlen <= 4096);
		break;
	case BR_KEYTYPE_EC:
		FUZZ_CHECK(ec != NULL && rsa == NULL);
		FUZZ_CHECK(ec->curve == BR_EC_secp256r1 ||
		           ec->curve == BR_EC_secp384r1 ||
		           ec->curve == BR_EC_secp521r1);
		FUZZ_CHECK(ec->xlen > 0);
		break;
	default:
		FUZZ_CHECK(0);
	}
}

static void
check_anchors(const struct keys_anchors *a, int rc)
{
	const br_x509_trust_anchor *ta;
	size_t i;

	check_guards();
	check_status(rc);
	if (rc != KEYS_OK) {
		FUZZ_CHECK(a->count == 0 && a->used == 0);
		return;
	}
	FUZZ_CHECK(a->count >= 1 && a->count <= KEYS_ANCHORS_MAX);
	FUZZ_CHECK(a->used <= sizeof(a->data));
	for (i = 0; i < a->count; i++) {
		ta = &a->ta[i];
		FUZZ_CHECK((ta->flags & ~(unsigned)BR_X509_TA_CA) == 0);
		FUZZ_CHECK(in_span(ta->dn.data, ta->dn.len, a->data, a->used));
		switch (ta->pkey.key_type) {
		case BR_KEYTYPE_RSA:
			FUZZ_CHECK(in_span(ta->pkey.key.rsa.n,
			                   ta->pkey.key.rsa.nlen, a->data,
			                   a->used));
			FUZZ_CHECK(in_span(ta->pkey.key.rsa.e,
			                   ta->pkey.key.rsa.elen, a->data,
			                   a->used));
			break;
		case BR_KEYTYPE_EC:
			FUZZ_CHECK(in_span(ta->pkey.key.ec.q,
			                   ta->pkey.key.ec.qlen, a->data,
			                   a->used));
			break;
		default:
			FUZZ_CHECK(0);
		}
	}
}

static void
match(const struct keys_chain *c, const struct keys_private *k)
{
	/* Both depths: they may differ on a file whose own public half
	 * lies (keymatch.h), never crash. */
	int rc = keymatch_check(c, k, KEYMATCH_PUBLIC);

	check_status(rc);
	FUZZ_CHECK(rc == KEYS_OK || rc == KEYS_ERR_CERT ||
	           rc == KEYS_ERR_NO_KEY || rc == KEYS_ERR_KEY ||
	           rc == KEYS_ERR_KEY_TYPE || rc == KEYS_ERR_MISMATCH);
	rc = keymatch_check(c, k, KEYMATCH_FULL);
	check_status(rc);
	FUZZ_CHECK(rc == KEYS_OK || rc == KEYS_ERR_CERT ||
	           rc == KEYS_ERR_NO_KEY || rc == KEYS_ERR_KEY ||
	           rc == KEYS_ERR_KEY_TYPE || rc == KEYS_ERR_MISMATCH);
}

/* Base64 (RFC 4648), 64 characters a line as PEM writes it. */
static size_t
base64_lines(uint8_t *out, const uint8_t *in, size_t len)
{
	static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	                          "abcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i, o = 0, col = 0;
	uint32_t v;

	for (i = 0; i < len; i += 3) {
		v = (uint32_t)in[i] << 16;
		if (i + 1 < len)
			v |= (uint32_t)in[i + 1] << 8;
		if (i + 2 < len)
			v |= in[i + 2];
		out[o++] = (uint8_t)abc[v >> 18 & 63];
		out[o++] = (uint8_t)abc[v >> 12 & 63];
		out[o++] = i + 1 < len ? (uint8_t)abc[v >> 6 & 63] : '=';
		out[o++] = i + 2 < len ? (uint8_t)abc[v & 63] : '=';
		col += 4;
		if (col == 64) {
			out[o++] = '\n';
			col = 0;
		}
	}
	if (col != 0)
		out[o++] = '\n';
	return o;
}

static size_t
put(uint8_t *out, size_t o, const char *s)
{
	size_t n = strlen(s);

	memcpy(out + o, s, n);
	return o + n;
}

/* The input as the DER of one PEM object; a malloc'd buffer. */
static uint8_t *
pem_wrap(const char *label, const uint8_t *der, size_t len, size_t *pem_len)
{
	size_t cap, o;
	uint8_t *pem;

	cap = 2 * (strlen(label) + 16) + (len + 2) / 3 * 4 + len / 48 + 2;
	pem = malloc(cap);
	FUZZ_CHECK(pem != NULL);
	o = put(pem, 0, "-----BEGIN ");
	o = put(pem, o, label);
	o = put(pem, o, "-----\n");
	o += base64_lines(pem + o, der, len);
	o = put(pem, o, "-----END ");
	o = put(pem, o, label);
	o = put(pem, o, "-----\n");
	FUZZ_CHECK(o <= cap);
	*pem_len = o;
	return pem;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	FUZZ_CHECK(keys_chain_parse(&fx_chain_ec, fx_keys_ec256_crt,
	                            sizeof(fx_keys_ec256_crt)) == KEYS_OK);
	FUZZ_CHECK(keys_chain_parse(&fx_chain_rsa, fx_keys_rsa2048_crt,
	                            sizeof(fx_keys_rsa2048_crt)) == KEYS_OK);
	FUZZ_CHECK(keys_private_parse(&fx_key_ec, fx_keys_ec256_key,
	                              sizeof(fx_keys_ec256_key)) == KEYS_OK);
	FUZZ_CHECK(keys_private_parse(&fx_key_rsa, fx_keys_rsa2048_key,
	                              sizeof(fx_keys_rsa2048_key)) == KEYS_OK);
	FUZZ_CHECK(keymatch_check(&fx_chain_ec, &fx_key_ec, KEYMATCH_FULL) ==
	           KEYS_OK);
	FUZZ_CHECK(keymatch_check(&fx_chain_rsa, &fx_key_rsa, KEYMATCH_FULL) ==
	           KEYS_OK);
	fuzz_guard_set(g.guard_chain);
	fuzz_guard_set(g.guard_key);
	fuzz_guard_set(g.guard_anchors);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *pem;
	size_t pem_len;
	int rc_chain, rc_key, rc;

	/* 1. The input is a PEM file. */
	rc_chain = keys_chain_parse(&g.chain, data, size);
	check_chain(&g.chain, rc_chain);
	rc_key = keys_private_parse(&g.key, data, size);
	check_key(&g.key, rc_key);
	rc = keys_anchors_parse(&g.anchors, data, size);
	check_anchors(&g.anchors, rc);
	if (rc_chain == KEYS_OK && rc_key == KEYS_OK)
		match(&g.chain, &g.key);

	/* 2. The input is the DER of a certificate, then of a key. */
	pem = pem_wrap("CERTIFICATE", data, size, &pem_len);
	rc_chain = keys_chain_parse(&g.chain, pem, pem_len);
	check_chain(&g.chain, rc_chain);
	if (rc_chain == KEYS_OK) {
		FUZZ_CHECK(g.chain.count == 1 && g.chain.used == size);
		FUZZ_CHECK(memcmp(g.chain.der, data, size) == 0);
		match(&g.chain, &fx_key_ec);
		match(&g.chain, &fx_key_rsa);
	}
	rc = keys_anchors_parse(&g.anchors, pem, pem_len);
	check_anchors(&g.anchors, rc);
	/* Both run BearSSL's X.509 decoder over the same bytes. */
	if (size <= KEYS_CHAIN_BYTES)
		FUZZ_CHECK((rc_chain == KEYS_OK) == (rc == KEYS_OK));
	free(pem);

	pem = pem_wrap("PRIVATE KEY", data, size, &pem_len);
	rc_key = keys_private_parse(&g.key, pem, pem_len);
	check_key(&g.key, rc_key);
	if (rc_key == KEYS_OK) {
		match(&fx_chain_ec, &g.key);
		match(&fx_chain_rsa, &g.key);
	}
	free(pem);
	return 0;
}
