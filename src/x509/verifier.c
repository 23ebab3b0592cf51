/* see verifier.h */
#include <string.h>
#include <time.h>

#include "crl.h"
#include "der.h"
#include "hostname.h"
#include "verifier.h"

/*
 * The X.509 engine. The vtable pointer is the first member of struct
 * verifier, so the engine's context pointer is the struct's address.
 */
static struct verifier *
xc_ctx(const br_x509_class **vt)
{
	return (struct verifier *)(void *)vt;
}

static const br_x509_class **
xc_minimal(struct verifier *ctx)
{
	return &ctx->minimal.vtable;
}

static void
xc_start_chain(const br_x509_class **vt, const char *server_name)
{
	struct verifier *ctx = xc_ctx(vt);

	(void)server_name; /* ctx->host is the name; see verifier_init */
	ctx->leaf_len = 0;
	ctx->depth = 0;
	ctx->leaf_err = 0;
	ctx->crl_err = 0;
	ctx->purpose_err = 0;
	ctx->err = BR_ERR_X509_TRUNCATED;
	memset(&ctx->peer, 0, sizeof(ctx->peer));
	if (ctx->mode == VERIFIER_NONE)
		br_x509_decoder_init(&ctx->dec, 0, NULL);
	else /* NULL: the minimal engine's DNS-only name check stays off */
		ctx->minimal.vtable->start_chain(xc_minimal(ctx), NULL);
}

static void
xc_start_cert(const br_x509_class **vt, uint32_t length)
{
	struct verifier *ctx = xc_ctx(vt);

	if (ctx->mode != VERIFIER_NONE)
		ctx->minimal.vtable->start_cert(xc_minimal(ctx), length);
	if (ctx->crl != NULL) { /* every certificate, in turn */
		ctx->leaf_len = 0;
		ctx->leaf_err = 0;
	}
	if ((ctx->depth == 0 || ctx->crl != NULL) && length > VERIFIER_LEAF_MAX)
		ctx->leaf_err = VERIFIER_ERR_LEAF_SIZE;
	ctx->depth++; /* 1 while the leaf comes */
}

static void
xc_append(const br_x509_class **vt, const unsigned char *buf, size_t len)
{
	struct verifier *ctx = xc_ctx(vt);

	if (ctx->mode != VERIFIER_NONE)
		ctx->minimal.vtable->append(xc_minimal(ctx), buf, len);
	if (ctx->depth != 1 && ctx->crl == NULL)
		return;
	if (ctx->leaf_err != 0)
		return;
	if (len > sizeof(ctx->leaf) - ctx->leaf_len) {
		ctx->leaf_err = VERIFIER_ERR_LEAF_SIZE;
		return;
	}
	memcpy(ctx->leaf + ctx->leaf_len, buf, len);
	ctx->leaf_len += len;
}

static int
same_pkey(const br_x509_pkey *a, const br_x509_pkey *b)
{
	if (a->key_type != b->key_type)
		return 0;
	if (a->key_type == BR_KEYTYPE_RSA)
		return a->key.rsa.nlen == b->key.rsa.nlen &&
		       a->key.rsa.elen == b->key.rsa.elen &&
		       memcmp(a->key.rsa.n, b->key.rsa.n, a->key.rsa.nlen) ==
		           0 &&
		       memcmp(a->key.rsa.e, b->key.rsa.e, a->key.rsa.elen) == 0;
	if (a->key_type == BR_KEYTYPE_EC)
		return a->key.ec.curve == b->key.ec.curve &&
		       a->key.ec.qlen == b->key.ec.qlen &&
		       memcmp(a->key.ec.q, b->key.ec.q, a->key.ec.qlen) == 0;
	return 0;
}

/*
 * Is the buffered certificate (issuer and subject given) self-issued and
 * a trust anchor itself: an anchor's name and key? The key comes from
 * BearSSL's decoder, pushed the whole certificate once (see xc_end_cert).
 */
static int
xc_is_anchor(struct verifier *ctx, const struct der *issuer,
             const struct der *subject)
{
	const br_x509_pkey *pk = NULL;
	size_t i;
	int decoded = 0;

	if (!der_is(issuer, subject->p, subject->len))
		return 0;
	for (i = 0; i < ctx->anchor_count; i++) {
		const br_x509_trust_anchor *ta = &ctx->anchors[i];

		if (ta->dn.len != subject->len ||
		    memcmp(ta->dn.data, subject->p, subject->len) != 0)
			continue;
		if (!decoded) {
			br_x509_decoder_init(&ctx->dec, 0, NULL);
			br_x509_decoder_push(&ctx->dec, ctx->leaf,
			                     ctx->leaf_len);
			decoded = 1;
			if (br_x509_decoder_last_error(&ctx->dec) == 0)
				pk = br_x509_decoder_get_pkey(&ctx->dec);
		}
		if (pk != NULL && same_pkey(pk, &ta->pkey))
			return 1;
	}
	return 0;
}

/* The revocation verdict on the certificate in ctx->leaf. */
static unsigned
xc_crl_cert(struct verifier *ctx)
{
	struct der_cert_ids ids;
	struct der rest;
	struct der_serial serial;

	if (ctx->leaf_err != 0)
		return VERIFIER_ERR_CERT_SIZE;
	if (der_cert_ids(ctx->leaf, ctx->leaf_len, &ids, &rest) != 0 ||
	    der_serial_set(&serial, ids.serial.p, ids.serial.len) !=
	        DER_SERIAL_OK)
		return VERIFIER_ERR_LEAF;
	if (xc_is_anchor(ctx, &ids.issuer, &ids.subject))
		return 0;
	switch (crl_store_check(ctx->crl, ids.issuer.p, ids.issuer.len, &serial,
	                        (int64_t)time(NULL))) {
	case CRL_GOOD:
		return 0;
	case CRL_REVOKED:
		return VERIFIER_ERR_REVOKED;
	case CRL_NO_CRL:
		return VERIFIER_ERR_NO_CRL;
	case CRL_EXPIRED:
		return VERIFIER_ERR_CRL_EXPIRED;
	default:
		return VERIFIER_ERR_CRL_NOT_YET_VALID;
	}
}

/* The leaf in ctx->leaf, for verifier_want_client(). */
static unsigned
xc_client_purpose(const struct verifier *ctx)
{
	struct der_cert_ids ids;
	struct der rest, spki;

	if (ctx->leaf_err != 0)
		return (unsigned)ctx->leaf_err;
	if (der_cert_ids(ctx->leaf, ctx->leaf_len, &ids, &rest) != 0 ||
	    der_expect(&rest, DER_SEQUENCE, &spki) != 0)
		return VERIFIER_ERR_LEAF;
	switch (der_cert_client_purpose(rest)) {
	case DER_PURPOSE_OK:
		return 0;
	case DER_PURPOSE_NO_CLIENT_AUTH:
	case DER_PURPOSE_NO_SIGNATURE:
		return VERIFIER_ERR_PURPOSE;
	default:
		return VERIFIER_ERR_LEAF;
	}
}

/* A Name into the identity: whole, or not at all. */
static void
keep_name(struct verifier_peer *p, unsigned field, uint8_t *dst,
          size_t *dst_len, const struct der *name)
{
	if (name->len > VERIFIER_DN_MAX) {
		p->overlong |= field;
		return;
	}
	memcpy(dst, name->p, name->len);
	*dst_len = name->len;
	p->present |= field;
}

/* The leaf, just read into ctx->leaf: its identity into ctx->peer. */
static void
xc_take_peer(struct verifier *ctx)
{
	struct verifier_peer *p = &ctx->peer;
	struct der_cert_ids ids;
	struct der rest, cn;
	int found;

	if (ctx->leaf_err != 0 ||
	    der_cert_ids(ctx->leaf, ctx->leaf_len, &ids, &rest) != 0)
		return;
	keep_name(p, VERIFIER_PEER_SUBJECT, p->subject, &p->subject_len,
	          &ids.subject);
	keep_name(p, VERIFIER_PEER_ISSUER, p->issuer, &p->issuer_len,
	          &ids.issuer);
	switch (der_serial_set(&p->serial, ids.serial.p, ids.serial.len)) {
	case DER_SERIAL_OK:
		p->present |= VERIFIER_PEER_SERIAL;
		break;
	case DER_SERIAL_TOO_LONG:
		p->overlong |= VERIFIER_PEER_SERIAL;
		break;
	default:
		break;
	}
	if (der_name_cn(&ids.subject, &cn, &found) != 0 || !found)
		return;
	if (cn.len > VERIFIER_CN_MAX)
		p->overlong |= VERIFIER_PEER_CN;
	else if (memchr(cn.p, '\0', cn.len) == NULL) {
		memcpy(p->cn, cn.p, cn.len);
		p->cn[cn.len] = '\0';
		p->present |= VERIFIER_PEER_CN;
	}
}

static void
xc_end_cert(const br_x509_class **vt)
{
	struct verifier *ctx = xc_ctx(vt);

	if (ctx->mode != VERIFIER_NONE)
		ctx->minimal.vtable->end_cert(xc_minimal(ctx));
	/*
	 * BearSSL 0.6's decoder keeps running on bytes pushed after it has
	 * failed or finished (out-of-bounds writes, a NULL jump), so the
	 * leaf goes in once, whole, from the buffer.
	 */
	if (ctx->mode == VERIFIER_NONE && ctx->depth == 1 && ctx->leaf_err == 0)
		br_x509_decoder_push(&ctx->dec, ctx->leaf, ctx->leaf_len);
	/* Now, before a CRL check has the next certificate overwrite it. */
	if (ctx->depth == 1) {
		xc_take_peer(ctx);
		if (ctx->want_client)
			ctx->purpose_err = xc_client_purpose(ctx);
	}
	if (ctx->crl != NULL && ctx->crl_err == 0)
		ctx->crl_err = xc_crl_cert(ctx);
}

/* Mode NONE: copy the leaf's key out of the decoder into ctx->pkey. */
static unsigned
xc_take_key(struct verifier *ctx)
{
	const br_x509_pkey *pk;
	int err;

	if (ctx->leaf_err != 0)
		return (unsigned)ctx->leaf_err;
	err = br_x509_decoder_last_error(&ctx->dec);
	if (err != 0)
		return (unsigned)err;
	pk = br_x509_decoder_get_pkey(&ctx->dec);
	if (pk == NULL)
		return VERIFIER_ERR_LEAF;
	memset(&ctx->pkey, 0, sizeof(ctx->pkey));
	ctx->pkey.key_type = pk->key_type;
	switch (pk->key_type) {
	case BR_KEYTYPE_RSA:
		if (pk->key.rsa.nlen > sizeof(ctx->pkey_data) ||
		    pk->key.rsa.elen >
		        sizeof(ctx->pkey_data) - pk->key.rsa.nlen)
			return VERIFIER_ERR_LEAF;
		memcpy(ctx->pkey_data, pk->key.rsa.n, pk->key.rsa.nlen);
		memcpy(ctx->pkey_data + pk->key.rsa.nlen, pk->key.rsa.e,
		       pk->key.rsa.elen);
		ctx->pkey.key.rsa.n = ctx->pkey_data;
		ctx->pkey.key.rsa.nlen = pk->key.rsa.nlen;
		ctx->pkey.key.rsa.e = ctx->pkey_data + pk->key.rsa.nlen;
		ctx->pkey.key.rsa.elen = pk->key.rsa.elen;
		return 0;
	case BR_KEYTYPE_EC:
		if (pk->key.ec.qlen > sizeof(ctx->pkey_data))
			return VERIFIER_ERR_LEAF;
		memcpy(ctx->pkey_data, pk->key.ec.q, pk->key.ec.qlen);
		ctx->pkey.key.ec.curve = pk->key.ec.curve;
		ctx->pkey.key.ec.q = ctx->pkey_data;
		ctx->pkey.key.ec.qlen = pk->key.ec.qlen;
		return 0;
	default:
		return BR_ERR_X509_UNSUPPORTED;
	}
}

static unsigned
xc_check_name(struct verifier *ctx)
{
	if (!ctx->host_ok)
		return VERIFIER_ERR_HOST;
	if (ctx->leaf_err != 0)
		return (unsigned)ctx->leaf_err;
	switch (hostname_match(ctx->leaf, ctx->leaf_len, ctx->host)) {
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

static unsigned
xc_end_chain(const br_x509_class **vt)
{
	struct verifier *ctx = xc_ctx(vt);
	unsigned err;

	if (ctx->mode == VERIFIER_NONE) {
		if (ctx->depth == 0)
			err = BR_ERR_X509_EMPTY_CHAIN;
		else
			err = xc_take_key(ctx);
	} else {
		err = ctx->minimal.vtable->end_chain(xc_minimal(ctx));
		if (err == 0 && ctx->mode == VERIFIER_FULL)
			err = xc_check_name(ctx);
		if (err == 0)
			err = ctx->purpose_err;
		if (err == 0 && ctx->crl != NULL)
			err = ctx->crl_err;
	}
	ctx->err = err;
	return err;
}

static const br_x509_pkey *
xc_get_pkey(const br_x509_class *const *vt, unsigned *usages)
{
	const struct verifier *ctx = (const struct verifier *)(const void *)vt;

	if (ctx->err != 0)
		return NULL;
	if (ctx->mode == VERIFIER_NONE) {
		if (usages != NULL)
			*usages = BR_KEYTYPE_KEYX | BR_KEYTYPE_SIGN;
		return &ctx->pkey;
	}
	return ctx->minimal.vtable->get_pkey(&ctx->minimal.vtable, usages);
}

static const br_x509_class verifier_vtable = {
    sizeof(struct verifier),
    xc_start_chain,
    xc_start_cert,
    xc_append,
    xc_end_cert,
    xc_end_chain,
    xc_get_pkey,
};

void
verifier_init(struct verifier *ctx, enum verifier_mode mode,
              const br_x509_trust_anchor *anchors, size_t anchor_count,
              const char *host)
{
	size_t hlen;

	memset(ctx, 0, sizeof(*ctx));
	ctx->vtable = &verifier_vtable;
	/* An unknown mode is treated as the strictest. */
	ctx->mode = (mode == VERIFIER_NONE || mode == VERIFIER_CA)
	                ? mode
	                : VERIFIER_FULL;
	ctx->err = BR_ERR_X509_TRUNCATED;
	ctx->anchors = anchors;
	ctx->anchor_count = anchors != NULL ? anchor_count : 0;
	if (host != NULL) {
		hlen = strnlen(host, sizeof(ctx->host));
		if (hlen > 0 && hlen < sizeof(ctx->host)) {
			memcpy(ctx->host, host, hlen + 1);
			ctx->host_ok = 1;
		}
	}
	if (ctx->mode == VERIFIER_NONE)
		return;
	br_x509_minimal_init(&ctx->minimal, &br_sha256_vtable, anchors,
	                     anchor_count);
	br_x509_minimal_set_hash(&ctx->minimal, br_sha1_ID, &br_sha1_vtable);
	br_x509_minimal_set_hash(&ctx->minimal, br_sha224_ID,
	                         &br_sha224_vtable);
	br_x509_minimal_set_hash(&ctx->minimal, br_sha256_ID,
	                         &br_sha256_vtable);
	br_x509_minimal_set_hash(&ctx->minimal, br_sha384_ID,
	                         &br_sha384_vtable);
	br_x509_minimal_set_hash(&ctx->minimal, br_sha512_ID,
	                         &br_sha512_vtable);
	br_x509_minimal_set_rsa(&ctx->minimal, br_rsa_pkcs1_vrfy_get_default());
	br_x509_minimal_set_ecdsa(&ctx->minimal, br_ec_get_default(),
	                          br_ecdsa_vrfy_asn1_get_default());
}

int
verifier_set_crl(struct verifier *ctx, const struct crl_store *crl)
{
	if (crl != NULL && ctx->mode != VERIFIER_CA)
		return -1;
	ctx->crl = crl;
	return 0;
}

void
verifier_want_client(struct verifier *ctx)
{
	ctx->want_client = 1;
}

unsigned
verifier_refused(const struct verifier *ctx)
{
	return ctx->depth > 0 ? ctx->err : 0;
}

const struct verifier_peer *
verifier_peer(const struct verifier *ctx)
{
	if (ctx->err != 0 || ctx->depth == 0)
		return NULL;
	return &ctx->peer;
}

const struct verifier_peer *
verifier_claimed(const struct verifier *ctx)
{
	return ctx->depth > 0 ? &ctx->peer : NULL;
}

_Static_assert(VERIFIER_ERR_NAME >= BR_ERR_SEND_FATAL_ALERT + 256,
               "VERIFIER_ERR_* must not overlap BearSSL's alert codes");

static const struct {
	int err;
	const char *text;
} verifier_errors[] = {
    {0, "no error"},
    {BR_ERR_X509_OK, "no error"},
    {BR_ERR_X509_INVALID_VALUE, "invalid value in an ASN.1 structure"},
    {BR_ERR_X509_TRUNCATED, "truncated certificate"},
    {BR_ERR_X509_EMPTY_CHAIN, "empty certificate chain (no certificate)"},
    {BR_ERR_X509_INNER_TRUNC,
     "certificate decoding error: inner element overruns its container"},
    {BR_ERR_X509_BAD_TAG_CLASS,
     "certificate decoding error: unsupported tag class"},
    {BR_ERR_X509_BAD_TAG_VALUE,
     "certificate decoding error: unsupported tag value"},
    {BR_ERR_X509_INDEFINITE_LENGTH,
     "certificate decoding error: indefinite length"},
    {BR_ERR_X509_EXTRA_ELEMENT,
     "certificate decoding error: extraneous element"},
    {BR_ERR_X509_UNEXPECTED, "certificate decoding error: unexpected element"},
    {BR_ERR_X509_NOT_CONSTRUCTED,
     "certificate decoding error: primitive element where a constructed "
     "one was expected"},
    {BR_ERR_X509_NOT_PRIMITIVE,
     "certificate decoding error: constructed element where a primitive "
     "one was expected"},
    {BR_ERR_X509_PARTIAL_BYTE,
     "certificate decoding error: BIT STRING not a whole number of bytes"},
    {BR_ERR_X509_BAD_BOOLEAN,
     "certificate decoding error: BOOLEAN of invalid length"},
    {BR_ERR_X509_OVERFLOW, "certificate decoding error: value out of range"},
    {BR_ERR_X509_BAD_DN, "invalid distinguished name in certificate"},
    {BR_ERR_X509_BAD_TIME, "invalid date or time in certificate"},
    {BR_ERR_X509_UNSUPPORTED,
     "certificate uses an unsupported feature (key or signature type)"},
    {BR_ERR_X509_LIMIT_EXCEEDED,
     "certificate key or signature larger than supported"},
    {BR_ERR_X509_WRONG_KEY_TYPE,
     "certificate key type does not fit the cipher suite"},
    {BR_ERR_X509_BAD_SIGNATURE, "certificate signature is invalid"},
    {BR_ERR_X509_TIME_UNKNOWN,
     "current time unknown: cannot check certificate validity"},
    {BR_ERR_X509_EXPIRED, "certificate expired or not yet valid"},
    {BR_ERR_X509_DN_MISMATCH,
     "certificate chain broken: issuer name does not match the next "
     "certificate's subject"},
    {BR_ERR_X509_BAD_SERVER_NAME,
     "certificate does not match the expected server name"},
    {BR_ERR_X509_CRITICAL_EXTENSION,
     "certificate has an unsupported critical extension"},
    {BR_ERR_X509_NOT_CA,
     "certificate chain: an issuer is not a CA or exceeds its path "
     "length"},
    {BR_ERR_X509_FORBIDDEN_KEY_USAGE, "certificate key usage forbids this use"},
    {BR_ERR_X509_WEAK_PUBLIC_KEY, "certificate public key is too small"},
    {BR_ERR_X509_NOT_TRUSTED,
     "certificate chain does not lead to a trusted CA (unknown issuer)"},
    {VERIFIER_ERR_NAME, "certificate does not match host name"},
    {VERIFIER_ERR_LEAF_SIZE,
     "server certificate too large to check its host name"},
    {VERIFIER_ERR_LEAF, "certificate does not decode"},
    {VERIFIER_ERR_BAD_NAME,
     "certificate contains a malformed name (embedded NUL, or an IP "
     "address neither 4 nor 16 bytes long)"},
    {VERIFIER_ERR_HOST, "no valid host name to verify the certificate "
                        "against"},
    {VERIFIER_ERR_REVOKED, "certificate revoked"},
    {VERIFIER_ERR_NO_CRL, "no CRL for the certificate's issuer"},
    {VERIFIER_ERR_CRL_EXPIRED, "CRL has expired"},
    {VERIFIER_ERR_CRL_NOT_YET_VALID, "CRL not yet valid"},
    {VERIFIER_ERR_CERT_SIZE, "certificate too large to check for revocation"},
    {VERIFIER_ERR_PURPOSE,
     "unsupported certificate purpose (its extendedKeyUsage lacks "
     "clientAuth, or its keyUsage digitalSignature)"},
};

const char *
verifier_strerror(int err)
{
	size_t i;

	for (i = 0; i < sizeof(verifier_errors) / sizeof(verifier_errors[0]);
	     i++)
		if (verifier_errors[i].err == err)
			return verifier_errors[i].text;
	return "unknown certificate verification error";
}
