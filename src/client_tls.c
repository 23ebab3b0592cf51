/* see client_tls.h */
#include "client_tls.h"

#include <stdio.h>
#include <string.h>

#include "pgproto.h"
#include "tls.h"
#include "x509/der.h"

/*
 * The hash for the ServerKeyExchange signature: of those the client
 * supports (a bit per hash identifier), BearSSL's own preference.
 */
static unsigned
pick_hash(unsigned supported)
{
	static const unsigned char pref[] = {
	    br_sha256_ID, br_sha384_ID, br_sha512_ID, br_sha224_ID, br_sha1_ID};

	for (size_t i = 0; i < sizeof(pref); i++) {
		if ((supported >> pref[i]) & 1)
			return pref[i];
	}
	return 0;
}

static int
policy_choose(const br_ssl_server_policy_class **pctx,
              const br_ssl_server_context *sc, br_ssl_server_choices *choices)
{
	struct client_tls_policy *p = (struct client_tls_policy *)(void *)pctx;
	const struct credentials_pair *pair = credentials_server_for(
	    p->cr, br_ssl_engine_get_server_name(&sc->eng));
	const br_suite_translated *suites;
	size_t n;
	int rsa;
	unsigned hash;

	if (pair == NULL)
		return 0;
	rsa = keys_private_rsa(&pair->key) != NULL;
	/* Client hashes: RSA signatures in bits 0-7, ECDSA in 8-15. */
	hash = pick_hash(br_ssl_server_get_client_hashes(sc) >> (rsa ? 0 : 8));
	if (hash == 0)
		return 0;
	suites = br_ssl_server_get_client_suites(sc, &n);
	for (size_t i = 0; i < n; i++) {
		unsigned kx = suites[i][1] >> 12;

		/* Only ECDHE suites are offered (tls.c). */
		if (kx != (rsa ? BR_SSLKEYX_ECDHE_RSA : BR_SSLKEYX_ECDHE_ECDSA))
			continue;
		choices->cipher_suite = suites[i][0];
		choices->algo_id = 0xFF00 + hash; /* data is the hash value */
		choices->chain = pair->chain.cert;
		choices->chain_len = pair->chain.count;
		p->chosen = pair;
		return 1;
	}
	return 0;
}

/* Static RSA and ECDH key exchange are never offered. */
static uint32_t
policy_keyx(const br_ssl_server_policy_class **pctx, unsigned char *data,
            size_t *len)
{
	(void)pctx;
	(void)data;
	(void)len;
	return 0;
}

static size_t
policy_sign(const br_ssl_server_policy_class **pctx, unsigned algo_id,
            unsigned char *data, size_t hv_len, size_t len)
{
	const struct client_tls_policy *p =
	    (const struct client_tls_policy *)(const void *)pctx;
	const br_rsa_private_key *rsa;
	const br_ec_private_key *ec;
	unsigned char hv[64];
	unsigned id = algo_id & 0xFF;

	if (p->chosen == NULL || (algo_id & 0xFF00) != 0xFF00 ||
	    hv_len > sizeof(hv))
		return 0;
	memcpy(hv, data, hv_len);
	rsa = keys_private_rsa(&p->chosen->key);
	ec = keys_private_ec(&p->chosen->key);
	if (rsa != NULL) {
		size_t sig_len = (rsa->n_bitlen + 7) >> 3;
		const unsigned char *oid = der_hash_oid((int)id);

		if (oid == NULL || len < sig_len)
			return 0;
		return br_rsa_pkcs1_sign_get_default()(oid, hv, hv_len, rsa,
		                                       data)
		           ? sig_len
		           : 0;
	}
	if (ec != NULL) {
		const br_hash_class *hc =
		    br_multihash_getimpl(&p->sc->eng.mhash, (int)id);

		/* 139 bytes: the largest ECDSA signature (P-521, ASN.1). */
		if (hc == NULL || len < 139)
			return 0;
		return br_ecdsa_sign_asn1_get_default()(br_ec_get_default(), hc,
		                                        hv, ec, data);
	}
	return 0;
}

static const br_ssl_server_policy_class policy_vtable = {
    sizeof(struct client_tls_policy),
    policy_choose,
    policy_keyx,
    policy_sign,
};

/*
 * Whether a record-layer error came from bytes that are no TLS record at
 * all (plaintext, a scanner's probe): the first record's header is still
 * at the start of the engine's input buffer, ours. A TLS record starts
 * with a content type (20-23) and major version 3.
 */
static int
not_tls(const unsigned char *buf, size_t len, int err)
{
	if (len < 3 ||
	    (err != BR_ERR_UNSUPPORTED_VERSION && err != BR_ERR_BAD_VERSION &&
	     err != BR_ERR_UNKNOWN_TYPE && err != BR_ERR_BAD_LENGTH &&
	     err != BR_ERR_TOO_LARGE))
		return 0;
	return buf[0] < 20 || buf[0] > 23 || buf[1] != 3;
}

/* The key types of the server pairs: the suites to offer. */
static unsigned
key_types(const struct credentials *cr)
{
	unsigned types = 0;

	for (size_t i = 0; i < cr->server_count; i++)
		types |= keys_private_rsa(&cr->server[i].key) != NULL
		             ? TLS_KEY_RSA
		             : TLS_KEY_EC;
	return types;
}

int
client_tls_handshake(struct client_tls *t, const struct client_tls_params *p,
                     struct conn *c, struct ending *e)
{
	const struct config *cfg = p->cfg;
	const struct credentials *cr = p->cr;
	const struct credentials_pair *first = credentials_server_for(cr, NULL);
	struct verifier *verify = NULL;
	enum conn_status st;

	if (first == NULL || (keys_private_rsa(&first->key) == NULL &&
	                      keys_private_ec(&first->key) == NULL))
		return ending_set(e, "server key unusable", 0, NULL);
	if (cfg->client_ca != NULL) {
		verify = p->verify;
		verifier_init(verify, VERIFIER_CA, cr->client_ca->ta,
		              cr->client_ca->count, NULL);
		/* Cannot fail: the mode is CA. */
		(void)verifier_set_crl(verify, cr->crl);
		verifier_want_client(verify);
	}
	t->policy.vtable = &policy_vtable;
	t->policy.sc = &t->sc;
	t->policy.cr = cr;
	t->policy.chosen = NULL;
	tls_server_setup(&t->sc, &t->policy.vtable, key_types(cr), verify,
	                 cr->client_ca, cfg->client_cert_optional);
	br_ssl_engine_set_buffer(&t->sc.eng, p->buf, p->len, 1);
	if (!br_ssl_server_reset(&t->sc))
		return ending_set(e, "TLS engine reset failed", 0, NULL);
	/*
	 * Until its ServerHello, BearSSL heads its records (only an alert can
	 * go then: protocol_version to a TLS 1.0 client) with version 0,
	 * which clients take for "not TLS" ("wrong version number"). TLS
	 * 1.0's is what every client accepts there; the ServerHello sets the
	 * version agreed.
	 */
	t->sc.eng.version_out = BR_TLS10;
	conn_start_tls(c, &t->sc.eng);
	if (p->direct) {
		size_t room;
		unsigned char *rec =
		    br_ssl_engine_recvrec_buf(&t->sc.eng, &room);

		rec[0] = PGPROTO_TLS_HANDSHAKE;
		br_ssl_engine_recvrec_ack(&t->sc.eng, 1);
	}
	st = conn_handshake(c);
	if (st != CONN_OK) {
		static const char failed[] = "client TLS handshake failed";
		const unsigned char *b = p->buf;
		char text[160];
		const char *why;
		int alert;

		if (not_tls(p->buf, p->len, conn_tls_error(c)))
			return ending_set(e, failed, 0,
			                  "not a TLS record (first bytes %02x "
			                  "%02x %02x)",
			                  b[0], b[1], b[2]);
		why = conn_why(c, st, text, sizeof(text));
		alert = st == CONN_ERROR ? conn_fail_handshake(c) : 0;
		if (alert != 0)
			return ending_set(e, failed, 0, "%s; sent alert %s",
			                  why, tls_alert_name(alert));
		return ending_set(e, failed, 0, "%s", why);
	}
	if (p->direct &&
	    br_ssl_engine_get_selected_protocol(&t->sc.eng) == NULL &&
	    !cfg->direct_without_alpn) {
		/* PostgreSQL 17 closes such a connection without a word. */
		conn_close(c);
		return ending_set(e,
		                  "direct TLS connection without ALPN "
		                  "\"postgresql\" refused",
		                  0, NULL);
	}
	return 0;
}

const struct credentials_pair *
client_tls_chosen(const struct client_tls *t)
{
	return t->policy.chosen;
}
