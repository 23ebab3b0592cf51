/*
 * Unit tests for keys.c, privkey.c and keymatch.c. Fixtures are in
 * tests/unit/fixtures/keys/, made by make-fixtures.sh there; the tests run from
 * the repository root.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/stat.h>
#include <unistd.h>

#include <check.h>

#include "fixture.h"
#include "x509/keymatch.h"
#include "x509/keys.h"
#include "x509/privkey.h"
#include "x509/readfile.h"

#define FIXTURES "tests/unit/fixtures/keys/"
#define BIG      (4 * KEYS_FILE_MAX)

/* Large objects are static: Check's default stack is fine, but why risk. */
static struct keys_chain chain, chain2;
static struct keys_private key, key2;
static struct keys_anchors anchors;
static uint8_t pem[BIG], pem2[BIG];
static size_t pem_len, pem2_len;

static size_t
fixture(const char *name, uint8_t *buf, size_t cap)
{
	char path[256];
	size_t len = 0;
	int rc;

	snprintf(path, sizeof path, FIXTURES "%s", name);
	rc = readfile(path, buf, cap, &len, NULL, NULL);
	ck_assert_msg(rc == KEYS_OK, "cannot read fixture %s: %s", path,
	              keys_strerror(rc));
	return len;
}

static void
load(const char *name)
{
	pem_len = fixture(name, pem, sizeof pem);
}

/* Append a fixture to pem[]. */
static void
append(const char *name)
{
	pem_len += fixture(name, pem + pem_len, sizeof pem - pem_len);
}

static int
chain_file(struct keys_chain *c, const char *name)
{
	load(name);
	return keys_chain_parse(c, pem, pem_len);
}

static int
key_file(struct keys_private *k, const char *name)
{
	load(name);
	return keys_private_parse(k, pem, pem_len);
}

/*
 * keymatch_check() at both depths, which must agree (a key whose damage
 * only the full check sees is tested on its own).
 */
static int
match(const struct keys_chain *c, const struct keys_private *k)
{
	int cheap = keymatch_check(c, k, KEYMATCH_PUBLIC);
	int full = keymatch_check(c, k, KEYMATCH_FULL);

	ck_assert_msg(cheap == full, "public check %d, full check %d", cheap,
	              full);
	return full;
}

/* Where needle first occurs in buf[0..len): memmem is not POSIX. */
static uint8_t *
find_mem(uint8_t *buf, size_t len, const void *needle, size_t n)
{
	size_t i;

	for (i = 0; len >= n && i <= len - n; i++)
		if (memcmp(buf + i, needle, n) == 0)
			return buf + i;
	return NULL;
}

static uint8_t *
find(uint8_t *buf, size_t len, const char *text)
{
	return find_mem(buf, len, text, strlen(text));
}

static int
chain_text(const char *text)
{
	return keys_chain_parse(&chain, (const uint8_t *)text, strlen(text));
}

static int
key_text(const char *text)
{
	return keys_private_parse(&key, (const uint8_t *)text, strlen(text));
}

static int
anchors_text(const char *text)
{
	return keys_anchors_parse(&anchors, (const uint8_t *)text,
	                          strlen(text));
}

/* The DER of the first certificate of a fixture file. */
static void
der_of(const char *name, uint8_t *der, size_t cap, size_t *len)
{
	ck_assert_int_eq(chain_file(&chain2, name), KEYS_OK);
	ck_assert_uint_le(chain2.cert[0].data_len, cap);
	memcpy(der, chain2.cert[0].data, chain2.cert[0].data_len);
	*len = chain2.cert[0].data_len;
}

/* Chains */

START_TEST(chain_single)
{
	ck_assert_int_eq(chain_file(&chain, "ec256.crt"), KEYS_OK);
	ck_assert_uint_eq(chain.count, 1);
	ck_assert_uint_eq(chain.cert[0].data_len, chain.used);
	ck_assert_ptr_eq(chain.cert[0].data, chain.der);
	ck_assert_uint_eq(chain.der[0], 0x30);
}
END_TEST

START_TEST(chain_with_intermediate)
{
	static uint8_t leaf[4096], inter[4096];
	size_t leaf_len, inter_len;

	der_of("ec256.crt", leaf, sizeof leaf, &leaf_len);
	der_of("inter.crt", inter, sizeof inter, &inter_len);
	ck_assert_int_eq(chain_file(&chain, "ec256-chain.pem"), KEYS_OK);
	ck_assert_uint_eq(chain.count, 2);
	ck_assert_uint_eq(chain.cert[0].data_len, leaf_len);
	ck_assert_mem_eq(chain.cert[0].data, leaf, leaf_len);
	ck_assert_uint_eq(chain.cert[1].data_len, inter_len);
	ck_assert_mem_eq(chain.cert[1].data, inter, inter_len);
	ck_assert_ptr_eq(chain.cert[1].data, chain.der + leaf_len);
	ck_assert_uint_eq(chain.used, leaf_len + inter_len);
}
END_TEST

START_TEST(chain_limit_count)
{
	int i;

	pem_len = 0;
	for (i = 0; i < KEYS_CHAIN_MAX; i++)
		append("ec256.crt");
	ck_assert_int_eq(keys_chain_parse(&chain, pem, pem_len), KEYS_OK);
	ck_assert_uint_eq(chain.count, KEYS_CHAIN_MAX);

	append("ec256.crt");
	ck_assert_int_eq(keys_chain_parse(&chain, pem, pem_len),
	                 KEYS_ERR_TOO_BIG);
	ck_assert_uint_eq(chain.count, 0);
	ck_assert_uint_eq(chain.used, 0);
}
END_TEST

START_TEST(chain_limit_bytes)
{
	static uint8_t der[KEYS_CHAIN_BYTES];
	size_t len, n = 0;

	der_of("big.crt", der, sizeof der, &len);
	pem_len = 0;
	/* As many copies as fit, then one more. */
	while ((n + 1) * len <= KEYS_CHAIN_BYTES) {
		append("big.crt");
		n++;
	}
	ck_assert_uint_ge(n, 1);
	ck_assert_uint_lt(n, KEYS_CHAIN_MAX);
	ck_assert_int_eq(keys_chain_parse(&chain, pem, pem_len), KEYS_OK);
	ck_assert_uint_eq(chain.count, n);
	append("big.crt");
	ck_assert_int_eq(keys_chain_parse(&chain, pem, pem_len),
	                 KEYS_ERR_TOO_BIG);
	ck_assert_uint_eq(chain.count, 0);
}
END_TEST

START_TEST(chain_skips_other_objects)
{
	/* A combined file: leaf, key, intermediate. */
	load("ec256.crt");
	append("ec256.key");
	append("inter.crt");
	ck_assert_int_eq(keys_chain_parse(&chain, pem, pem_len), KEYS_OK);
	ck_assert_uint_eq(chain.count, 2);
	ck_assert_int_eq(keys_private_parse(&key, pem, pem_len), KEYS_OK);
	ck_assert_int_eq(match(&chain, &key), KEYS_OK);
}
END_TEST

START_TEST(chain_no_final_newline)
{
	load("ec256-chain.pem");
	ck_assert_uint_eq(pem[pem_len - 1], '\n');
	ck_assert_int_eq(keys_chain_parse(&chain, pem, pem_len - 1), KEYS_OK);
	ck_assert_uint_eq(chain.count, 2);
}
END_TEST

START_TEST(chain_crlf)
{
	size_t i;

	load("ec256-chain.pem");
	pem2_len = 0;
	for (i = 0; i < pem_len; i++) {
		if (pem[i] == '\n')
			pem2[pem2_len++] = '\r';
		pem2[pem2_len++] = pem[i];
	}
	ck_assert_int_eq(keys_chain_parse(&chain, pem2, pem2_len), KEYS_OK);
	ck_assert_uint_eq(chain.count, 2);

	load("ec256.key");
	pem2_len = 0;
	for (i = 0; i < pem_len; i++) {
		if (pem[i] == '\n')
			pem2[pem2_len++] = '\r';
		pem2[pem2_len++] = pem[i];
	}
	ck_assert_int_eq(keys_private_parse(&key, pem2, pem2_len), KEYS_OK);
	ck_assert_int_eq(match(&chain, &key), KEYS_OK);
}
END_TEST

START_TEST(chain_empty)
{
	ck_assert_int_eq(keys_chain_parse(&chain, pem, 0), KEYS_ERR_NO_CERT);
	ck_assert_int_eq(keys_private_parse(&key, pem, 0), KEYS_ERR_NO_KEY);
	ck_assert_int_eq(keys_anchors_parse(&anchors, pem, 0),
	                 KEYS_ERR_NO_CERT);
}
END_TEST

START_TEST(chain_garbage)
{
	static const char text[] = "hello\nthis is not a certificate\n";
	uint32_t x = 12345;
	size_t i;

	/* Binary noise has no BEGIN line: nothing is found. */
	for (i = 0; i < 4096; i++) {
		x = x * 1103515245 + 12345;
		pem[i] = (uint8_t)(x >> 24);
	}
	ck_assert_int_eq(keys_chain_parse(&chain, pem, 4096), KEYS_ERR_NO_CERT);
	ck_assert_int_eq(keys_private_parse(&key, pem, 4096), KEYS_ERR_NO_KEY);
	ck_assert_int_eq(
	    keys_chain_parse(&chain, (const uint8_t *)text, sizeof text - 1),
	    KEYS_ERR_NO_CERT);
	/* A key file given as the chain: no certificate in it. */
	ck_assert_int_eq(chain_file(&chain, "ec256.key"), KEYS_ERR_NO_CERT);
	/* A chain given as the key file. */
	ck_assert_int_eq(key_file(&key, "ec256-chain.pem"), KEYS_ERR_NO_KEY);
}
END_TEST

START_TEST(chain_bad_pem)
{
	/* Not base64. */
	ck_assert_int_eq(chain_text("-----BEGIN CERTIFICATE-----\n"
	                            "!!!!\n"
	                            "-----END CERTIFICATE-----\n"),
	                 KEYS_ERR_PEM);
	/* Base64 cut inside a quantum. */
	ck_assert_int_eq(chain_text("-----BEGIN CERTIFICATE-----\n"
	                            "MII\n"
	                            "-----END CERTIFICATE-----\n"),
	                 KEYS_ERR_PEM);
	/* Good base64, but not DER: three zero bytes. */
	ck_assert_int_eq(chain_text("-----BEGIN CERTIFICATE-----\n"
	                            "AAAA\n"
	                            "-----END CERTIFICATE-----\n"),
	                 KEYS_ERR_CERT);
	/* An empty object. */
	ck_assert_int_eq(chain_text("-----BEGIN CERTIFICATE-----\n"
	                            "-----END CERTIFICATE-----\n"),
	                 KEYS_ERR_CERT);
}
END_TEST

START_TEST(chain_no_end_line)
{
	uint8_t *end;

	load("ec256.crt");
	end = find(pem, pem_len, "-----END");
	ck_assert_ptr_nonnull(end);
	ck_assert_int_eq(keys_chain_parse(&chain, pem, (size_t)(end - pem)),
	                 KEYS_ERR_PEM);
	ck_assert_uint_eq(chain.count, 0);
}
END_TEST

START_TEST(chain_truncated)
{
	uint8_t *second;
	size_t cut;

	load("ec256-chain.pem");
	second = find(pem + 1, pem_len - 1, "-----BEGIN");
	ck_assert_ptr_nonnull(second);
	/* Inside the first certificate's base64, at every few bytes. */
	for (cut = 40; cut < (size_t)(second - pem) - 30; cut += 7)
		ck_assert_msg(keys_chain_parse(&chain, pem, cut) ==
		                  KEYS_ERR_PEM,
		              "cut at %zu not refused", cut);
	/* Inside the second: a half chain is not a chain. */
	cut = (size_t)(second - pem) + (pem_len - (size_t)(second - pem)) / 2;
	ck_assert_int_eq(keys_chain_parse(&chain, pem, cut), KEYS_ERR_PEM);
	/* Right after the first END line: one whole certificate. */
	ck_assert_int_eq(keys_chain_parse(&chain, pem, (size_t)(second - pem)),
	                 KEYS_OK);
	ck_assert_uint_eq(chain.count, 1);
}
END_TEST

/* Wrap DER into a CERTIFICATE PEM object in pem2[]. */
static void
der_to_pem(const uint8_t *der, size_t len)
{
	pem2_len = br_pem_encode(pem2, der, len, "CERTIFICATE", BR_PEM_LINE64);
	ck_assert_uint_gt(pem2_len, 0);
}

START_TEST(chain_bad_der)
{
	static uint8_t der[4096];
	size_t len;

	der_of("ec256.crt", der, sizeof der - 1, &len);
	der_to_pem(der, len);
	ck_assert_int_eq(keys_chain_parse(&chain, pem2, pem2_len), KEYS_OK);

	/* Cut short: the DER ends inside the signature. */
	der_to_pem(der, len - 10);
	ck_assert_int_eq(keys_chain_parse(&chain, pem2, pem2_len),
	                 KEYS_ERR_CERT);
	/* A byte after the certificate. */
	der[len] = 0;
	der_to_pem(der, len + 1);
	ck_assert_int_eq(keys_chain_parse(&chain, pem2, pem2_len),
	                 KEYS_ERR_CERT);
	/* Not a SEQUENCE. */
	der[0] = 0x31;
	der_to_pem(der, len);
	ck_assert_int_eq(keys_chain_parse(&chain, pem2, pem2_len),
	                 KEYS_ERR_CERT);
}
END_TEST

/* Private keys: every supported form, each against its certificate. */

static const struct key_case {
	const char *key;
	const char *chain;
	int type;
	int curve;         /* EC */
	uint32_t n_bitlen; /* RSA */
} key_cases[] = {
    {"ec256.key", "ec256-chain.pem", BR_KEYTYPE_EC, BR_EC_secp256r1, 0},
    {"ec256-trad.key", "ec256-chain.pem", BR_KEYTYPE_EC, BR_EC_secp256r1, 0},
    {"ec384.key", "ec384-chain.pem", BR_KEYTYPE_EC, BR_EC_secp384r1, 0},
    {"ec384-trad.key", "ec384-chain.pem", BR_KEYTYPE_EC, BR_EC_secp384r1, 0},
    {"rsa2048.key", "rsa2048-chain.pem", BR_KEYTYPE_RSA, 0, 2048},
    {"rsa2048-trad.key", "rsa2048-chain.pem", BR_KEYTYPE_RSA, 0, 2048},
    {"rsa3mod4.key", "rsa3mod4.crt", BR_KEYTYPE_RSA, 0, 2048},
    {"rsa3072.key", "rsa3072.crt", BR_KEYTYPE_RSA, 0, 3072},
    {"rsa4096.key", "rsa4096.crt", BR_KEYTYPE_RSA, 0, 4096},
};

START_TEST(key_forms)
{
	const struct key_case *c = &key_cases[_i];

	ck_assert_int_eq(key_file(&key, c->key), KEYS_OK);
	ck_assert_ptr_null(key.why);
	ck_assert_int_eq(key.type, c->type);
	if (c->type == BR_KEYTYPE_EC) {
		ck_assert_ptr_null(keys_private_rsa(&key));
		ck_assert_ptr_nonnull(keys_private_ec(&key));
		ck_assert_int_eq(keys_private_ec(&key)->curve, c->curve);
	} else {
		ck_assert_ptr_null(keys_private_ec(&key));
		ck_assert_ptr_nonnull(keys_private_rsa(&key));
		ck_assert_uint_eq(keys_private_rsa(&key)->n_bitlen,
		                  c->n_bitlen);
	}
	ck_assert_int_eq(chain_file(&chain, c->chain), KEYS_OK);
	ck_assert_int_eq(match(&chain, &key), KEYS_OK);
}
END_TEST

START_TEST(key_pkcs8_equals_traditional)
{
	const br_ec_private_key *a, *b;
	const br_rsa_private_key *ra, *rb;

	ck_assert_int_eq(key_file(&key, "ec256.key"), KEYS_OK);
	ck_assert_int_eq(key_file(&key2, "ec256-trad.key"), KEYS_OK);
	a = keys_private_ec(&key);
	b = keys_private_ec(&key2);
	ck_assert_uint_eq(a->xlen, b->xlen);
	ck_assert_mem_eq(a->x, b->x, a->xlen);

	ck_assert_int_eq(key_file(&key, "rsa2048.key"), KEYS_OK);
	ck_assert_int_eq(key_file(&key2, "rsa2048-trad.key"), KEYS_OK);
	ra = keys_private_rsa(&key);
	rb = keys_private_rsa(&key2);
	ck_assert_uint_eq(ra->plen, rb->plen);
	ck_assert_mem_eq(ra->p, rb->p, ra->plen);
	ck_assert_uint_eq(ra->iqlen, rb->iqlen);
	ck_assert_mem_eq(ra->iq, rb->iq, ra->iqlen);
}
END_TEST

START_TEST(key_ec_parameters_skipped)
{
	/* openssl ecparam -genkey writes EC PARAMETERS first. */
	load("ec256-params.key");
	ck_assert_ptr_nonnull(find(pem, pem_len, "EC PARAMETERS"));
	ck_assert_int_eq(keys_private_parse(&key, pem, pem_len), KEYS_OK);
	ck_assert_int_eq(keys_private_ec(&key)->curve, BR_EC_secp256r1);
}
END_TEST

START_TEST(key_rsa_exponent_paths)
{
	br_rsa_compute_pubexp pubexp = br_rsa_compute_pubexp_get_default();

	/* BearSSL recomputes e only when both primes are 3 mod 4. */
	ck_assert_int_eq(key_file(&key, "rsa3mod4.key"), KEYS_OK);
	ck_assert_uint_eq(pubexp(keys_private_rsa(&key)), 65537);
	ck_assert_int_eq(chain_file(&chain, "rsa3mod4.crt"), KEYS_OK);
	ck_assert_int_eq(match(&chain, &key), KEYS_OK);

	ck_assert_int_eq(key_file(&key, "rsa2048.key"), KEYS_OK);
	ck_assert_uint_eq(pubexp(keys_private_rsa(&key)), 0);
	ck_assert_int_eq(chain_file(&chain, "rsa2048.crt"), KEYS_OK);
	ck_assert_int_eq(match(&chain, &key), KEYS_OK);
}
END_TEST

START_TEST(key_mismatch)
{
	static const struct {
		const char *key, *chain;
	} cases[] = {
	    {"ec256-other.key", "ec256-chain.pem"},     /* EC, other EC */
	    {"ec384.key", "ec256-chain.pem"},           /* other curve */
	    {"inter.key", "ec256-chain.pem"},           /* issuer's key */
	    {"rsa2048-other.key", "rsa2048-chain.pem"}, /* RSA, other RSA */
	    {"rsa3mod4.key", "rsa2048.crt"},
	    {"rsa2048.key", "rsa3mod4.crt"},
	    {"rsa4096.key", "rsa2048-chain.pem"}, /* 4096 against 2048 */
	    {"rsa2048.key", "rsa4096.crt"},
	    {"rsa3072.key", "rsa4096.crt"},
	    {"rsa2048.key", "ec256-chain.pem"}, /* RSA key, EC cert */
	    {"ec256.key", "rsa2048-chain.pem"}, /* EC key, RSA cert */
	};
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		ck_assert_int_eq(key_file(&key, cases[i].key), KEYS_OK);
		ck_assert_int_eq(chain_file(&chain, cases[i].chain), KEYS_OK);
		ck_assert_msg(match(&chain, &key) == KEYS_ERR_MISMATCH,
		              "%s matched %s", cases[i].key, cases[i].chain);
	}
}
END_TEST

START_TEST(key_mismatch_chain_order)
{
	/* Intermediate first: the key is checked against the first cert. */
	load("inter.crt");
	append("ec256.crt");
	ck_assert_int_eq(keys_chain_parse(&chain, pem, pem_len), KEYS_OK);
	ck_assert_uint_eq(chain.count, 2);
	ck_assert_int_eq(key_file(&key, "ec256.key"), KEYS_OK);
	ck_assert_int_eq(match(&chain, &key), KEYS_ERR_MISMATCH);
}
END_TEST

START_TEST(key_rsa_corrupt_crt)
{
	const br_rsa_private_key *sk;

	/* The modulus still matches; only the private operation is off,
	 * which only the full check runs (keymatch.h). */
	ck_assert_int_eq(key_file(&key, "rsa2048.key"), KEYS_OK);
	ck_assert_int_eq(chain_file(&chain, "rsa2048.crt"), KEYS_OK);
	sk = keys_private_rsa(&key);
	ck_assert_uint_gt(sk->dplen, 1);
	sk->dp[sk->dplen - 1] ^= 0x02;
	ck_assert_int_eq(keymatch_check(&chain, &key, KEYMATCH_FULL),
	                 KEYS_ERR_MISMATCH);
	ck_assert_int_eq(keymatch_check(&chain, &key, KEYMATCH_PUBLIC),
	                 KEYS_OK);
}
END_TEST

/* What each key file carries for the cheap check. */
START_TEST(keymatch_public_half)
{
	static const struct {
		const char *key;
		size_t pub_len;
	} cases[] = {
	    {"ec256.key", 65},      /* PKCS#8: inside the ECPrivateKey */
	    {"ec256-trad.key", 65}, /* 04 || X || Y */
	    {"ec384.key", 97},
	    {"ec384-trad.key", 97},
	    {"ec256-compressed.key", 33}, /* 02/03 || X */
	    {"ec256-nopub.key", 0},       /* openssl ec -no_public */
	    {"ec256-nopub-pkcs8.key", 0},
	    {"rsa2048.key", 3}, /* e = 65537 */
	    {"rsa2048-trad.key", 3},
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		ck_assert_int_eq(key_file(&key, cases[i].key), KEYS_OK);
		ck_assert_msg(key.pk.pub_len == cases[i].pub_len,
		              "%s: public half of %zu bytes, want %zu",
		              cases[i].key, key.pk.pub_len, cases[i].pub_len);
	}
	ck_assert_int_eq(key_file(&key, "rsa2048.key"), KEYS_OK);
	ck_assert_mem_eq(key.pk.pub, "\x01\x00\x01", 3);
	ck_assert_int_eq(key_file(&key, "ec256.key"), KEYS_OK);
	ck_assert_uint_eq(key.pk.pub[0], 0x04);
}
END_TEST

START_TEST(keymatch_without_public_half)
{
	/* Without the point, or with it in another form, the point is
	 * computed: the key still matches its own certificate and no other. */
	static const char *const names[] = {
	    "ec256-nopub.key", "ec256-nopub-pkcs8.key", "ec256-compressed.key"};

	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		ck_assert_int_eq(key_file(&key, names[i]), KEYS_OK);
		ck_assert_int_eq(chain_file(&chain, "ec256.crt"), KEYS_OK);
		ck_assert_int_eq(match(&chain, &key), KEYS_OK);
		ck_assert_int_eq(chain_file(&chain, "ec384.crt"), KEYS_OK);
		ck_assert_int_eq(match(&chain, &key), KEYS_ERR_MISMATCH);
		ck_assert_int_eq(chain_file(&chain, "inter.crt"), KEYS_OK);
		ck_assert_int_eq(match(&chain, &key), KEYS_ERR_MISMATCH);
	}
}
END_TEST

START_TEST(keymatch_public_half_that_lies)
{
	/* A file whose publicKey is the certificate's but whose scalar is
	 * another key's: the cheap check trusts the file, the full one
	 * does not (the --listen parent's). */
	ck_assert_int_eq(chain_file(&chain, "ec256.crt"), KEYS_OK);
	ck_assert_int_eq(key_file(&key, "ec256-other.key"), KEYS_OK);
	ck_assert_uint_eq(key.pk.pub_len, chain.leaf_key.key.ec.qlen);
	memcpy(key.pk.pub, chain.leaf_key.key.ec.q, key.pk.pub_len);
	ck_assert_int_eq(keymatch_check(&chain, &key, KEYMATCH_PUBLIC),
	                 KEYS_OK);
	ck_assert_int_eq(keymatch_check(&chain, &key, KEYMATCH_FULL),
	                 KEYS_ERR_MISMATCH);
}
END_TEST

START_TEST(privkey_bad_der)
{
	static const uint8_t cases[][16] = {
	    {0x30, 0x03, 0x02, 0x01, 0x01},             /* version only */
	    {0x30, 0x05, 0x02, 0x01, 0x01, 0x05, 0x00}, /* NULL after it */
	    /* an EC scalar, but no curve anywhere */
	    {0x30, 0x06, 0x02, 0x01, 0x01, 0x04, 0x01, 0x07},
	    /* [1] holding a BIT STRING with unused bits */
	    {0x30, 0x0c, 0x02, 0x01, 0x01, 0x04, 0x01, 0x07, 0xa1, 0x04, 0x03,
	     0x02, 0x01, 0x04},
	    /* an INTEGER cut short */
	    {0x30, 0x08, 0x02, 0x01, 0x00, 0x02, 0x01, 0x07, 0x02, 0x01},
	    /* RSA with a negative modulus */
	    {0x30, 0x06, 0x02, 0x01, 0x00, 0x02, 0x01, 0x87},
	};
	static const size_t lens[] = {5, 7, 8, 14, 10, 8};
	static struct privkey pk;

	for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
		ck_assert_msg(privkey_decode(&pk, cases[i], lens[i]) ==
		                  PRIVKEY_BAD,
		              "case %zu decoded", i);
		ck_assert_int_eq(pk.type, 0);
	}
}
END_TEST

START_TEST(privkey_one_asymmetric_key)
{
	/* RFC 5958 v2: P-256, scalar 07, the point outside the
	 * ECPrivateKey as [1] IMPLICIT (not a real point: nothing here
	 * checks it). */
	static const uint8_t der[] = {
	    0x30, 0x27, 0x02, 0x01, 0x01, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86,
	    0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce,
	    0x3d, 0x03, 0x01, 0x07, 0x04, 0x08, 0x30, 0x06, 0x02, 0x01, 0x01,
	    0x04, 0x01, 0x07, 0x81, 0x03, 0x00, 0x04, 0xaa};
	static struct privkey pk;

	ck_assert_int_eq(privkey_decode(&pk, der, sizeof der), PRIVKEY_OK);
	ck_assert_int_eq(pk.type, BR_KEYTYPE_EC);
	ck_assert_int_eq(pk.ec.curve, BR_EC_secp256r1);
	ck_assert_uint_eq(pk.ec.xlen, 1);
	ck_assert_uint_eq(pk.ec.x[0], 7);
	ck_assert_uint_eq(pk.pub_len, 2);
	ck_assert_mem_eq(pk.pub, "\x04\xaa", 2);
	/* Cut short by one byte, and with a byte after it. */
	ck_assert_int_eq(privkey_decode(&pk, der, sizeof der - 1), PRIVKEY_BAD);
	ck_assert_uint_eq(pk.pub_len, 0);
}
END_TEST

START_TEST(key_rsa_other_exponent)
{
	static const char *const names[][2] = {
	    {"rsa3mod4.key", "rsa3mod4.crt"}, /* e compared directly */
	    {"rsa2048.key", "rsa2048.crt"},   /* e settled by round trip */
	};
	static uint8_t der[4096];
	uint8_t *e;
	size_t len, i;

	for (i = 0; i < 2; i++) {
		/*
		 * Same modulus, e = 65539 instead of 65537. Nothing here
		 * checks the certificate's signature, so patching is fine.
		 */
		der_of(names[i][1], der, sizeof der, &len);
		/* INTEGER 65537 */
		e = find_mem(der, len, "\x02\x03\x01\x00\x01", 5);
		ck_assert_ptr_nonnull(e);
		e[4] = 0x03;
		der_to_pem(der, len);
		ck_assert_int_eq(keys_chain_parse(&chain, pem2, pem2_len),
		                 KEYS_OK);
		ck_assert_int_eq(key_file(&key, names[i][0]), KEYS_OK);
		ck_assert_msg(match(&chain, &key) == KEYS_ERR_MISMATCH,
		              "%s matched a certificate with another e",
		              names[i][0]);
	}
}
END_TEST

START_TEST(key_match_needs_both)
{
	ck_assert_int_eq(chain_file(&chain, "ec256.crt"), KEYS_OK);
	ck_assert_int_eq(key_file(&key, "k256.key"), KEYS_ERR_KEY_TYPE);
	ck_assert_int_eq(match(&chain, &key), KEYS_ERR_NO_KEY);

	ck_assert_int_eq(key_file(&key, "ec256.key"), KEYS_OK);
	ck_assert_int_eq(chain_file(&chain, "ec256.key"), KEYS_ERR_NO_CERT);
	ck_assert_int_eq(match(&chain, &key), KEYS_ERR_NO_CERT);
}
END_TEST

START_TEST(key_encrypted)
{
	ck_assert_int_eq(key_file(&key, "ec256-enc.key"), KEYS_ERR_KEY);
	ck_assert_ptr_nonnull(key.why);
	ck_assert_ptr_nonnull(strstr(key.why, "encrypted"));
	ck_assert_int_eq(key.type, 0);
	ck_assert_ptr_null(keys_private_ec(&key));

	/* Traditional form, with Proc-Type and DEK-Info headers. */
	ck_assert_int_eq(key_file(&key, "rsa2048-enc-trad.key"), KEYS_ERR_KEY);
	ck_assert_ptr_nonnull(key.why);
	ck_assert_ptr_nonnull(strstr(key.why, "encrypted"));
	ck_assert_ptr_null(keys_private_rsa(&key));
}
END_TEST

START_TEST(key_unsupported)
{
	static const char *const files[] = {"k256.key", "k256-trad.key",
	                                    "ed25519.key"};

	static const char *const kinds[] = {"an EC key on secp256k1",
	                                    "an EC key on secp256k1",
	                                    "an Ed25519 key"};
	size_t i;

	for (i = 0; i < sizeof files / sizeof files[0]; i++) {
		ck_assert_msg(key_file(&key, files[i]) == KEYS_ERR_KEY_TYPE,
		              "%s accepted", files[i]);
		ck_assert_ptr_nonnull(key.why);
		ck_assert_int_eq(key.type, 0);
		/* What it is, for the message. */
		ck_assert_ptr_nonnull(key.kind);
		ck_assert_str_eq(key.kind, kinds[i]);
	}
	ck_assert_int_eq(key_file(&key, "ec256-enc.key"), KEYS_ERR_KEY);
	ck_assert_ptr_null(key.kind);
}
END_TEST

/* A certificate with a key of another kind is named, not "broken". */
START_TEST(cert_unsupported_key)
{
	ck_assert_int_eq(chain_file(&chain, "ed25519.crt"), KEYS_ERR_CERT);
	ck_assert_ptr_nonnull(chain.kind);
	ck_assert_str_eq(chain.kind, "an Ed25519 key");
	ck_assert_uint_eq(chain.kind_cert, 1);
	ck_assert_int_eq(chain_file(&chain, "k256.crt"), KEYS_ERR_CERT);
	ck_assert_str_eq(chain.kind, "an EC key on secp256k1");
	/* A good chain leaves no reason behind. */
	ck_assert_int_eq(chain_file(&chain, "ec256-chain.pem"), KEYS_OK);
	ck_assert_ptr_null(chain.kind);
}
END_TEST

START_TEST(key_two_keys)
{
	load("ec256.key");
	append("ec384.key");
	ck_assert_int_eq(keys_private_parse(&key, pem, pem_len), KEYS_ERR_KEY);
	ck_assert_ptr_nonnull(key.why);
	ck_assert_ptr_nonnull(strstr(key.why, "more than one"));
	/* The first key decoded fine, but is not left half-usable. */
	ck_assert_int_eq(key.type, 0);
	ck_assert_ptr_null(keys_private_ec(&key));
}
END_TEST

START_TEST(key_bad)
{
	uint8_t *end;

	/* Valid base64 of three zero bytes. */
	ck_assert_int_eq(key_text("-----BEGIN PRIVATE KEY-----\n"
	                          "AAAA\n"
	                          "-----END PRIVATE KEY-----\n"),
	                 KEYS_ERR_KEY);
	/* No END line. */
	load("rsa2048.key");
	end = find(pem, pem_len, "-----END");
	ck_assert_ptr_nonnull(end);
	ck_assert_int_eq(keys_private_parse(&key, pem, (size_t)(end - pem)),
	                 KEYS_ERR_PEM);
	/* Truncated in the middle. */
	ck_assert_int_eq(keys_private_parse(&key, pem, pem_len / 2),
	                 KEYS_ERR_PEM);
	ck_assert_int_eq(key.type, 0);
}
END_TEST

/*
 * Regressions found by tests/fuzz: BearSSL's decoders must see each
 * object once, whole (trailing bytes in the object jumped through NULL;
 * an oversized element was copied past the context). The guard after
 * the struct must survive.
 */
START_TEST(key_regress_decoder_reuse)
{
	static struct {
		struct keys_private key;
		unsigned char guard[4096];
	} g;

	memset(g.guard, 0xA5, sizeof(g.guard));
	load("regress-trailing-bytes.key");
	ck_assert_int_ne(keys_private_parse(&g.key, pem, pem_len), KEYS_OK);
	load("regress-ec-privkey-3000.key");
	ck_assert_int_ne(keys_private_parse(&g.key, pem, pem_len), KEYS_OK);
	for (size_t i = 0; i < sizeof(g.guard); i++)
		ck_assert_uint_eq(g.guard[i], 0xA5);
}
END_TEST

START_TEST(anchors_regress_oversized_key)
{
	load("regress-anchor-ec-key-3000.crt");
	ck_assert_int_ne(keys_anchors_parse(&anchors, pem, pem_len), KEYS_OK);
	ck_assert_uint_eq(anchors.count, 0);
}
END_TEST

/* Trust anchors */

static void
check_anchor_pkey(const br_x509_trust_anchor *ta, const char *file)
{
	br_x509_decoder_context xd;
	const br_x509_pkey *pk;

	ck_assert_int_eq(chain_file(&chain2, file), KEYS_OK);
	br_x509_decoder_init(&xd, NULL, NULL);
	br_x509_decoder_push(&xd, chain2.cert[0].data, chain2.cert[0].data_len);
	pk = br_x509_decoder_get_pkey(&xd);
	ck_assert_ptr_nonnull(pk);
	ck_assert_int_eq(ta->pkey.key_type, pk->key_type);
	if (pk->key_type == BR_KEYTYPE_EC) {
		ck_assert_int_eq(ta->pkey.key.ec.curve, pk->key.ec.curve);
		ck_assert_uint_eq(ta->pkey.key.ec.qlen, pk->key.ec.qlen);
		ck_assert_mem_eq(ta->pkey.key.ec.q, pk->key.ec.q,
		                 pk->key.ec.qlen);
	} else {
		ck_assert_uint_eq(ta->pkey.key.rsa.nlen, pk->key.rsa.nlen);
		ck_assert_mem_eq(ta->pkey.key.rsa.n, pk->key.rsa.n,
		                 pk->key.rsa.nlen);
		ck_assert_uint_eq(ta->pkey.key.rsa.elen, pk->key.rsa.elen);
		ck_assert_mem_eq(ta->pkey.key.rsa.e, pk->key.rsa.e,
		                 pk->key.rsa.elen);
	}
	/* Every byte the anchor points at lies in anchors.data. */
	ck_assert(ta->dn.data >= anchors.data &&
	          ta->dn.data + ta->dn.len <= anchors.data + anchors.used);
}

START_TEST(anchors_bundle)
{
	load("bundle.pem");
	ck_assert_int_eq(keys_anchors_parse(&anchors, pem, pem_len), KEYS_OK);
	ck_assert_uint_eq(anchors.count, 4);
	/* root, RSA root, intermediate, leaf (kept, but not a CA) */
	ck_assert_uint_eq(anchors.ta[0].flags, BR_X509_TA_CA);
	ck_assert_uint_eq(anchors.ta[1].flags, BR_X509_TA_CA);
	ck_assert_uint_eq(anchors.ta[2].flags, BR_X509_TA_CA);
	ck_assert_uint_eq(anchors.ta[3].flags, 0);
	ck_assert_int_eq(anchors.ta[0].pkey.key_type, BR_KEYTYPE_EC);
	ck_assert_int_eq(anchors.ta[1].pkey.key_type, BR_KEYTYPE_RSA);
	check_anchor_pkey(&anchors.ta[0], "root.crt");
	check_anchor_pkey(&anchors.ta[1], "rsaroot.crt");
	check_anchor_pkey(&anchors.ta[2], "inter.crt");
	check_anchor_pkey(&anchors.ta[3], "ec256.crt");
	ck_assert_uint_gt(anchors.ta[0].dn.len, 0);
	ck_assert(anchors.ta[0].dn.len != anchors.ta[1].dn.len ||
	          memcmp(anchors.ta[0].dn.data, anchors.ta[1].dn.data,
	                 anchors.ta[0].dn.len) != 0);
}
END_TEST

/* Run a chain through BearSSL's minimal X.509 engine. */
static int
validate(const struct keys_chain *c, const struct keys_anchors *a)
{
	static br_x509_minimal_context xc;
	const br_x509_class **vt = &xc.vtable;
	size_t i;

	br_x509_minimal_init_full(&xc, a->ta, a->count);
	(*vt)->start_chain(vt, NULL);
	for (i = 0; i < c->count; i++) {
		(*vt)->start_cert(vt, (uint32_t)c->cert[i].data_len);
		(*vt)->append(vt, c->cert[i].data, c->cert[i].data_len);
		(*vt)->end_cert(vt);
	}
	return (int)(*vt)->end_chain(vt);
}

START_TEST(anchors_verify_chain)
{
	/* The anchors are good enough for BearSSL to verify with. */
	ck_assert_int_eq(chain_file(&chain, "ec256-chain.pem"), KEYS_OK);
	ck_assert_int_eq(keys_anchors_load(&anchors, FIXTURES "root.crt"),
	                 KEYS_OK);
	ck_assert_int_eq(validate(&chain, &anchors), 0);
	ck_assert_int_eq(chain_file(&chain, "rsa2048-chain.pem"), KEYS_OK);
	ck_assert_int_eq(validate(&chain, &anchors), 0);

	ck_assert_int_eq(keys_anchors_load(&anchors, FIXTURES "rsaroot.crt"),
	                 KEYS_OK);
	ck_assert_int_eq(validate(&chain, &anchors), BR_ERR_X509_NOT_TRUSTED);
}
END_TEST

START_TEST(anchors_limit)
{
	int i;

	pem_len = 0;
	for (i = 0; i < KEYS_ANCHORS_MAX; i++)
		append("root.crt");
	ck_assert_int_eq(keys_anchors_parse(&anchors, pem, pem_len), KEYS_OK);
	ck_assert_uint_eq(anchors.count, KEYS_ANCHORS_MAX);
	append("root.crt");
	ck_assert_int_eq(keys_anchors_parse(&anchors, pem, pem_len),
	                 KEYS_ERR_TOO_BIG);
	ck_assert_uint_eq(anchors.count, 0);
}
END_TEST

START_TEST(anchors_bad)
{
	ck_assert_int_eq(anchors_text("-----BEGIN CERTIFICATE-----\n"
	                              "AAAA\n"
	                              "-----END CERTIFICATE-----\n"),
	                 KEYS_ERR_CERT);
	ck_assert_int_eq(keys_anchors_load(&anchors, FIXTURES "ec256.key"),
	                 KEYS_ERR_NO_CERT);
	load("bundle.pem");
	ck_assert_int_eq(keys_anchors_parse(&anchors, pem, pem_len - 40),
	                 KEYS_ERR_PEM);
	ck_assert_uint_eq(anchors.count, 0);
}
END_TEST

/* Files */

START_TEST(file_missing)
{
	size_t len = 99;

	errno = 0;
	ck_assert_int_eq(readfile(FIXTURES "no-such-file", pem, sizeof pem,
	                          &len, NULL, NULL),
	                 KEYS_ERR_IO);
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_uint_eq(len, 0);
	errno = 0;
	ck_assert_int_eq(keys_chain_load(&chain, FIXTURES "no-such-file"),
	                 KEYS_ERR_IO);
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_int_eq(keys_private_load(&key, FIXTURES "no-such-file"),
	                 KEYS_ERR_IO);
	ck_assert_int_eq(keys_anchors_load(&anchors, FIXTURES "no-such-file"),
	                 KEYS_ERR_IO);
	/* Only regular files, found without blocking: a directory, and a
	 * FIFO that no one writes to (opening it would wait for ever). */
	ck_assert_int_eq(keys_chain_load(&chain, FIXTURES), KEYS_ERR_NOT_FILE);
	{
		char fifo[] = "/tmp/check_keys_fifo.XXXXXX";
		int fd = mkstemp(fifo);

		ck_assert_int_ge(fd, 0);
		close(fd);
		unlink(fifo);
		ck_assert_int_eq(mkfifo(fifo, 0600), 0);
		ck_assert_int_eq(keys_chain_load(&chain, fifo),
		                 KEYS_ERR_NOT_FILE);
		ck_assert_int_eq(keys_private_load(&key, fifo),
		                 KEYS_ERR_NOT_FILE);
		unlink(fifo);
	}
}
END_TEST

START_TEST(file_loaders_after_release)
{
	/* Released buffers come back as zeroed pages: loading still works,
	 * and gives what it gave before. */
	ck_assert_int_eq(keys_chain_load(&chain, FIXTURES "ec256-chain.pem"),
	                 KEYS_OK);
	ck_assert_int_eq(fixture_key_load(&key, FIXTURES "ec256.key"), KEYS_OK);
	ck_assert_int_eq(keys_release_buffers(), 0);
	ck_assert_int_eq(keys_chain_load(&chain2, FIXTURES "ec256-chain.pem"),
	                 KEYS_OK);
	ck_assert_int_eq(fixture_key_load(&key2, FIXTURES "ec256.key"),
	                 KEYS_OK);
	ck_assert_uint_eq(chain2.count, chain.count);
	ck_assert_uint_eq(chain2.cert[0].data_len, chain.cert[0].data_len);
	ck_assert_mem_eq(chain2.cert[0].data, chain.cert[0].data,
	                 chain.cert[0].data_len);
	ck_assert_int_eq(match(&chain2, &key2), KEYS_OK);
	ck_assert_int_eq(keys_release_buffers(), 0);
	ck_assert_int_eq(keys_release_buffers(), 0);
}
END_TEST

START_TEST(file_cap)
{
	size_t size, len;

	size = fixture("ec256.crt", pem, sizeof pem);
	ck_assert_int_eq(
	    readfile(FIXTURES "ec256.crt", pem2, size, &len, NULL, NULL),
	    KEYS_OK);
	ck_assert_uint_eq(len, size);
	ck_assert_mem_eq(pem, pem2, size);
	ck_assert_int_eq(
	    readfile(FIXTURES "ec256.crt", pem2, size - 1, &len, NULL, NULL),
	    KEYS_ERR_TOO_BIG);
	ck_assert_int_eq(
	    readfile(FIXTURES "ec256.crt", pem2, 0, &len, NULL, NULL),
	    KEYS_ERR_TOO_BIG);
}
END_TEST

START_TEST(file_too_big)
{
	char path[] = "/tmp/check_keys.XXXXXX";
	ssize_t n;
	int fd, rc;

	/* A valid chain, padded past KEYS_FILE_MAX with comment text. */
	load("ec256-chain.pem");
	memset(pem + pem_len, '#', KEYS_FILE_MAX);
	pem_len += KEYS_FILE_MAX;
	fd = mkstemp(path);
	ck_assert_int_ne(fd, -1);
	n = write(fd, pem, pem_len);
	close(fd);
	rc = keys_chain_load(&chain, path);
	unlink(path);
	ck_assert_int_eq(n, (ssize_t)pem_len);
	ck_assert_int_eq(rc, KEYS_ERR_TOO_BIG);
	ck_assert_uint_eq(chain.count, 0);
	/* The same bytes, in memory: too big only for the file reader. */
	ck_assert_int_eq(keys_chain_parse(&chain, pem, pem_len), KEYS_OK);
}
END_TEST

START_TEST(file_loaders)
{
	ck_assert_int_eq(keys_chain_load(&chain, FIXTURES "rsa2048-chain.pem"),
	                 KEYS_OK);
	ck_assert_uint_eq(chain.count, 2);
	ck_assert_int_eq(fixture_key_load(&key, FIXTURES "rsa2048.key"),
	                 KEYS_OK);
	ck_assert_int_eq(match(&chain, &key), KEYS_OK);
	ck_assert_int_eq(keys_anchors_load(&anchors, FIXTURES "bundle.pem"),
	                 KEYS_OK);
	ck_assert_uint_eq(anchors.count, 4);
	ck_assert_int_eq(fixture_key_load(&key, FIXTURES "ec256-enc.key"),
	                 KEYS_ERR_KEY);
	ck_assert_ptr_nonnull(key.why);
}
END_TEST

/* The key file rule on the descriptor the key is read from: its mode
 * and, when the test runs as root, its owner. Certificates and CAs are
 * public: any mode. */
START_TEST(file_key_permissions)
{
	char path[] = "/tmp/check_keys_perm.XXXXXX";
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_int_eq(fixture_key_load(&key, FIXTURES "ec256.key"), KEYS_OK);
	{
		/* The same bytes at path, mode by mode. */
		FILE *in = fopen(FIXTURES "ec256.key", "rb");
		FILE *out = fopen(path, "wb");
		size_t n;

		ck_assert_ptr_nonnull(in);
		ck_assert_ptr_nonnull(out);
		n = fread(pem, 1, sizeof pem, in);
		ck_assert_uint_eq(fwrite(pem, 1, n, out), n);
		fclose(in);
		fclose(out);
	}
	ck_assert_int_eq(chmod(path, 0644), 0);
	ck_assert_int_eq(keys_private_load(&key, path), KEYS_ERR_KEY_OPEN);
	ck_assert_uint_eq(key.file_mode, 0644);
	ck_assert_int_eq(keys_chain_load(&chain, path), KEYS_ERR_NO_CERT);
	ck_assert_int_eq(chmod(path, 0604), 0);
	ck_assert_int_eq(keys_private_load(&key, path), KEYS_ERR_KEY_OPEN);
	ck_assert_int_eq(chmod(path, 0600), 0);
	ck_assert_int_eq(keys_private_load(&key, path), KEYS_OK);
	ck_assert_int_eq(chmod(path, 0640), 0);
	ck_assert_int_eq(keys_private_load(&key, path),
	                 geteuid() == 0 ? KEYS_OK : KEYS_ERR_KEY_OPEN);
	if (geteuid() == 0) {
		ck_assert_int_eq(chown(path, 65534, 65534), 0);
		ck_assert_int_eq(keys_private_load(&key, path),
		                 KEYS_ERR_KEY_OWNER);
		ck_assert_uint_eq(key.file_owner, 65534);
		ck_assert_int_eq(chmod(path, 0600), 0);
		ck_assert_int_eq(keys_private_load(&key, path),
		                 KEYS_ERR_KEY_OWNER);
	}
	unlink(path);
}
END_TEST

START_TEST(strerror_texts)
{
	int a, b;

	for (a = KEYS_OK; a <= KEYS_ERR_KEY_OPEN; a++) {
		ck_assert_ptr_nonnull(keys_strerror(a));
		ck_assert_uint_gt(strlen(keys_strerror(a)), 0);
		for (b = KEYS_OK; b < a; b++)
			ck_assert_str_ne(keys_strerror(a), keys_strerror(b));
	}
	ck_assert_str_eq(keys_strerror(-1), "unknown error");
	ck_assert_str_eq(keys_strerror(KEYS_ERR_KEY_OPEN + 1), "unknown error");
}
END_TEST

static Suite *
keys_suite(void)
{
	Suite *s = suite_create("keys");
	TCase *tc;

	tc = tcase_create("chain");
	tcase_add_test(tc, chain_single);
	tcase_add_test(tc, chain_with_intermediate);
	tcase_add_test(tc, chain_limit_count);
	tcase_add_test(tc, chain_limit_bytes);
	tcase_add_test(tc, chain_skips_other_objects);
	tcase_add_test(tc, chain_no_final_newline);
	tcase_add_test(tc, chain_crlf);
	tcase_add_test(tc, chain_empty);
	tcase_add_test(tc, chain_garbage);
	tcase_add_test(tc, chain_bad_pem);
	tcase_add_test(tc, chain_no_end_line);
	tcase_add_test(tc, chain_truncated);
	tcase_add_test(tc, chain_bad_der);
	suite_add_tcase(s, tc);

	tc = tcase_create("private");
	tcase_add_loop_test(tc, key_forms, 0,
	                    (int)(sizeof key_cases / sizeof key_cases[0]));
	tcase_add_test(tc, key_pkcs8_equals_traditional);
	tcase_add_test(tc, key_ec_parameters_skipped);
	tcase_add_test(tc, key_rsa_exponent_paths);
	tcase_add_test(tc, key_mismatch);
	tcase_add_test(tc, key_mismatch_chain_order);
	tcase_add_test(tc, key_rsa_corrupt_crt);
	tcase_add_test(tc, keymatch_public_half);
	tcase_add_test(tc, keymatch_without_public_half);
	tcase_add_test(tc, keymatch_public_half_that_lies);
	tcase_add_test(tc, privkey_bad_der);
	tcase_add_test(tc, privkey_one_asymmetric_key);
	tcase_add_test(tc, key_rsa_other_exponent);
	tcase_add_test(tc, key_match_needs_both);
	tcase_add_test(tc, key_encrypted);
	tcase_add_test(tc, key_unsupported);
	tcase_add_test(tc, cert_unsupported_key);
	tcase_add_test(tc, key_two_keys);
	tcase_add_test(tc, key_bad);
	tcase_add_test(tc, key_regress_decoder_reuse);
	suite_add_tcase(s, tc);

	tc = tcase_create("anchors");
	tcase_add_test(tc, anchors_bundle);
	tcase_add_test(tc, anchors_verify_chain);
	tcase_add_test(tc, anchors_limit);
	tcase_add_test(tc, anchors_bad);
	tcase_add_test(tc, anchors_regress_oversized_key);
	suite_add_tcase(s, tc);

	tc = tcase_create("files");
	tcase_add_test(tc, file_missing);
	tcase_add_test(tc, file_loaders_after_release);
	tcase_add_test(tc, file_cap);
	tcase_add_test(tc, file_too_big);
	tcase_add_test(tc, file_loaders);
	tcase_add_test(tc, file_key_permissions);
	tcase_add_test(tc, strerror_texts);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(keys_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
