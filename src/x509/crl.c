/* see crl.h */
#include <string.h>

#include "crl.h"
#include "pem.h"
#include "signature.h"

#define STR_(x) #x
#define STR(x)  STR_(x)

/* Keep the first "unsupported" finding; DER errors return at once. */
static void
defer(int *deferred, int status)
{
	if (*deferred == CRL_OK)
		*deferred = status;
}

int
crl_serial_set(struct der_serial *s, const uint8_t *content, size_t len)
{
	switch (der_serial_set(s, content, len)) {
	case DER_SERIAL_OK:
		return CRL_OK;
	case DER_SERIAL_TOO_LONG:
		return CRL_ERR_SERIAL;
	default:
		return CRL_ERR_DER;
	}
}

/* The next element, which must be a Time. */
static int
next_time(struct der *d, int64_t *out)
{
	struct der t;
	unsigned tag;

	if (der_next(d, &tag, &t, NULL) != 0)
		return -1;
	return der_time(tag, &t, out);
}

static int
is_time_tag(const struct der *d)
{
	return d->len > 0 &&
	       (d->p[0] == DER_UTC_TIME || d->p[0] == DER_GENERALIZED_TIME);
}

/*
 * Extensions ::= SEQUENCE SIZE (1..MAX) OF Extension, given as the
 * SEQUENCE's contents (der_next_extension() reads each one). An explicit
 * FALSE is not DER, but common enough to be let through; a TRUE other
 * than 0xff is refused, an empty extnID too.
 */
static int
parse_extensions(struct der exts, int *deferred)
{
	struct der oid, val;
	int crit;

	if (exts.len == 0)
		return -1;
	while (exts.len > 0) {
		if (der_next_extension(&exts, &oid, &crit, &val) != 0 ||
		    oid.len == 0 || crit == DER_EXT_CRITICAL_BER)
			return -1;
		if (crit == DER_EXT_CRITICAL)
			defer(deferred, CRL_ERR_CRITICAL);
	}
	return 0;
}

/*
 * One revokedCertificates entry off list: SEQUENCE { userCertificate
 * INTEGER, revocationDate Time, crlEntryExtensions Extensions OPTIONAL
 * (version 2 only) }. CRL_OK, CRL_ERR_DER or CRL_ERR_SERIAL.
 */
static int
parse_entry(struct der *list, int version, struct der_serial *serial,
            int *deferred)
{
	struct der entry, num, exts;
	int64_t when;
	int rc;

	if (der_expect(list, DER_SEQUENCE, &entry) != 0 ||
	    der_expect(&entry, DER_INTEGER, &num) != 0)
		return CRL_ERR_DER;
	rc = crl_serial_set(serial, num.p, num.len);
	if (rc != CRL_OK)
		return rc;
	if (next_time(&entry, &when) != 0)
		return CRL_ERR_DER;
	if (entry.len > 0) {
		if (version != 2 ||
		    der_expect(&entry, DER_SEQUENCE, &exts) != 0 ||
		    entry.len != 0 || parse_extensions(exts, deferred) != 0)
			return CRL_ERR_DER;
	}
	return CRL_OK;
}

int
crl_parse(const uint8_t *der, size_t len, struct crl_info *ci)
{
	struct der d, cl, tbs, alg, alg_whole, tbs_alg, f, list, exts;
	struct der_serial serial;
	struct signature_alg sa;
	unsigned tag;
	int deferred = CRL_OK, rc;

	memset(ci, 0, sizeof(*ci));
	d.p = der;
	d.len = len;
	/* CertificateList ::= SEQUENCE { tbsCertList, signatureAlgorithm,
	 * signatureValue BIT STRING }: the whole buffer. */
	if (der_next(&d, &tag, &cl, NULL) != 0 || tag != DER_SEQUENCE ||
	    d.len != 0 || der_next(&cl, &tag, &tbs, &ci->tbs) != 0 ||
	    tag != DER_SEQUENCE || der_next(&cl, &tag, &alg, &alg_whole) != 0 ||
	    tag != DER_SEQUENCE ||
	    der_expect(&cl, DER_BIT_STRING, &ci->sig) != 0 || cl.len != 0)
		return CRL_ERR_DER;
	/* No unused bits, and a signature at all. */
	if (ci->sig.len < 2 || ci->sig.p[0] != 0)
		return CRL_ERR_DER;
	ci->sig.p++;
	ci->sig.len--;

	/* version Version OPTIONAL: if present, v2 (INTEGER 1). */
	ci->version = 1;
	if (tbs.len > 0 && tbs.p[0] == DER_INTEGER) {
		if (der_expect(&tbs, DER_INTEGER, &f) != 0 || f.len != 1 ||
		    f.p[0] != 1)
			return CRL_ERR_DER;
		ci->version = 2;
	}
	/* signature: the same AlgorithmIdentifier as outside (5.1.1.2). */
	if (der_next(&tbs, &tag, &f, &tbs_alg) != 0 || tag != DER_SEQUENCE ||
	    !der_is(&tbs_alg, alg_whole.p, alg_whole.len))
		return CRL_ERR_DER;
	if (signature_algorithm(alg, &sa) != 0) {
		/* Still a parse error when it is not even an OID. */
		if (der_expect(&alg, DER_OID, &f) != 0)
			return CRL_ERR_DER;
		defer(&deferred, CRL_ERR_ALGORITHM);
	} else {
		ci->hash_id = sa.hash_id;
		ci->key_type = sa.key_type;
	}

	/* issuer Name: a non-empty SEQUENCE; its shape is the anchors'
	 * business (names compare as bytes). */
	if (der_next(&tbs, &tag, &f, &ci->issuer) != 0 || tag != DER_SEQUENCE ||
	    f.len == 0)
		return CRL_ERR_DER;
	if (next_time(&tbs, &ci->this_update) != 0)
		return CRL_ERR_DER;
	if (is_time_tag(&tbs)) {
		if (next_time(&tbs, &ci->next_update) != 0)
			return CRL_ERR_DER;
		ci->has_next_update = 1;
	}

	/* revokedCertificates SEQUENCE OF SEQUENCE { ... } OPTIONAL */
	if (tbs.len > 0 && tbs.p[0] == DER_SEQUENCE) {
		if (der_expect(&tbs, DER_SEQUENCE, &list) != 0)
			return CRL_ERR_DER;
		ci->revoked = list;
		while (list.len > 0) {
			rc =
			    parse_entry(&list, ci->version, &serial, &deferred);
			if (rc != CRL_OK)
				return rc;
			ci->revoked_count++;
		}
	}

	/* crlExtensions [0] EXPLICIT Extensions OPTIONAL (v2 only) */
	if (tbs.len > 0) {
		if (ci->version != 2 ||
		    der_expect(&tbs, DER_CTX_CONS(0), &f) != 0 ||
		    der_expect(&f, DER_SEQUENCE, &exts) != 0 || f.len != 0 ||
		    parse_extensions(exts, &deferred) != 0)
			return CRL_ERR_DER;
	}
	if (tbs.len != 0)
		return CRL_ERR_DER;
	return deferred;
}

int
crl_verify(const struct crl_info *ci, const br_x509_trust_anchor *anchors,
           size_t anchor_count)
{
	const struct signature_alg alg = {ci->hash_id, ci->key_type};
	uint8_t hash[SIGNATURE_HASH_MAX];
	size_t i, hlen = signature_hash(ci->hash_id, &ci->tbs, hash);
	int named = 0;

	if (hlen == 0)
		return CRL_ERR_ALGORITHM;
	for (i = 0; i < anchor_count; i++) {
		const br_x509_trust_anchor *ta = &anchors[i];

		if (ta->dn.len != ci->issuer.len ||
		    memcmp(ta->dn.data, ci->issuer.p, ci->issuer.len) != 0)
			continue;
		named = 1;
		if (signature_signed(&alg, hash, hlen, &ci->sig, &ta->pkey))
			return CRL_OK;
	}
	return named ? CRL_ERR_SIGNATURE : CRL_ERR_ISSUER;
}

static void
name_hash(const uint8_t *name, size_t len, uint8_t out[CRL_HASH_LEN])
{
	br_sha256_context h;

	br_sha256_init(&h);
	br_sha256_update(&h, name, len);
	br_sha256_out(&h, out);
}

void
crl_store_clear(struct crl_store *st)
{
	st->count = 0;
	st->revoked_count = 0;
}

int
crl_store_add(struct crl_store *st, const struct crl_info *ci)
{
	struct crl_entry *e;
	struct der list = ci->revoked;
	size_t i;
	int deferred = CRL_OK, rc;

	if (st->count >= CRL_MAX)
		return CRL_ERR_TOO_MANY;
	if (ci->revoked_count > CRL_REVOKED_MAX - st->revoked_count)
		return CRL_ERR_REVOKED_MAX;
	e = &st->crl[st->count];
	name_hash(ci->issuer.p, ci->issuer.len, e->issuer_hash);
	e->this_update = ci->this_update;
	e->next_update = ci->next_update;
	e->has_next_update = ci->has_next_update;
	e->first = st->revoked_count;
	/* The entries were checked by crl_parse(); walk them again. */
	for (i = 0; i < ci->revoked_count; i++) {
		rc = parse_entry(&list, ci->version, &st->revoked[e->first + i],
		                 &deferred);
		if (rc != CRL_OK)
			return rc;
	}
	e->count = ci->revoked_count;
	st->revoked_count += ci->revoked_count;
	st->count++;
	return CRL_OK;
}

/* PEM */

struct pem_state {
	struct crl_store *st;
	const br_x509_trust_anchor *anchors;
	size_t anchor_count;
	uint8_t *der;
	size_t cap, len;
	int in_obj, in_crl, overflow;
	size_t seen, *which;
};

static int
pem_begin(void *ctx, enum pem_kind kind)
{
	struct pem_state *ps = ctx;

	ps->in_obj = 1;
	ps->in_crl = kind == PEM_CRL;
	ps->len = 0;
	ps->overflow = 0;
	if (ps->in_crl)
		*ps->which = ++ps->seen;
	return CRL_OK;
}

static void
pem_data(void *ctx, const void *buf, size_t len)
{
	struct pem_state *ps = ctx;

	if (!ps->in_crl || ps->overflow)
		return;
	if (len > ps->cap - ps->len) {
		ps->overflow = 1;
		return;
	}
	memcpy(ps->der + ps->len, buf, len);
	ps->len += len;
}

/* One CRL's DER: parse, verify, add. */
static int
take_crl(struct crl_store *st, const uint8_t *der, size_t len,
         const br_x509_trust_anchor *anchors, size_t anchor_count)
{
	struct crl_info ci;
	int rc = crl_parse(der, len, &ci);

	if (rc == CRL_OK)
		rc = crl_verify(&ci, anchors, anchor_count);
	if (rc == CRL_OK)
		rc = crl_store_add(st, &ci);
	return rc;
}

/* One decoded CRL object: parse, verify, add. */
static int
pem_end(void *ctx)
{
	struct pem_state *ps = ctx;

	ps->in_obj = 0;
	if (!ps->in_crl)
		return CRL_OK;
	ps->in_crl = 0;
	if (ps->overflow)
		return CRL_ERR_TOO_BIG;
	return take_crl(ps->st, ps->der, ps->len, ps->anchors,
	                ps->anchor_count);
}

int
crl_file_is_der(const uint8_t *buf, size_t len)
{
	/* PEM text starts with '-' or a blank; DER with SEQUENCE, 0x30. */
	return len > 0 && buf[0] == DER_SEQUENCE;
}

int
crl_store_load_der(struct crl_store *st, const uint8_t *der, size_t len,
                   const br_x509_trust_anchor *anchors, size_t anchor_count)
{
	int rc;

	crl_store_clear(st);
	rc = take_crl(st, der, len, anchors, anchor_count);
	if (rc != CRL_OK)
		crl_store_clear(st);
	return rc;
}

int
crl_store_load_pem(struct crl_store *st, const uint8_t *pem, size_t len,
                   const br_x509_trust_anchor *anchors, size_t anchor_count,
                   uint8_t *der, size_t der_cap, size_t *which)
{
	struct pem_state ps;
	struct pem_sink sink = {pem_begin, pem_data, pem_end, &ps};
	int rc;

	crl_store_clear(st);
	*which = 0;
	memset(&ps, 0, sizeof(ps));
	ps.st = st;
	ps.anchors = anchors;
	ps.anchor_count = anchor_count;
	ps.der = der;
	ps.cap = der_cap;
	ps.which = which;
	rc = pem_walk(pem, len, &sink);
	if (rc == PEM_WALK_BAD) {
		rc = CRL_ERR_PEM;
		/* Name a CRL only when the bad PEM was inside one. */
		if (!(ps.in_obj && ps.in_crl))
			*which = 0;
	}
	if (rc == CRL_OK) {
		*which = 0;
		if (ps.seen == 0)
			rc = CRL_ERR_NONE;
	}
	if (rc != CRL_OK)
		crl_store_clear(st);
	return rc;
}

/* Lookup */

static int
same_serial(const struct der_serial *a, const struct der_serial *b)
{
	return a->len == b->len && a->neg == b->neg &&
	       memcmp(a->v, b->v, a->len) == 0;
}

static enum crl_verdict
entry_time(const struct crl_entry *e, int64_t now)
{
	if (e->this_update > now)
		return CRL_NOT_YET_VALID;
	if (e->has_next_update && e->next_update <= now)
		return CRL_EXPIRED;
	return CRL_GOOD;
}

enum crl_verdict
crl_store_check(const struct crl_store *st, const uint8_t *issuer,
                size_t issuer_len, const struct der_serial *serial, int64_t now)
{
	uint8_t hash[CRL_HASH_LEN];
	enum crl_verdict first = CRL_NO_CRL, t;
	size_t i, j;
	int current = 0;

	name_hash(issuer, issuer_len, hash);
	for (i = 0; i < st->count && i < CRL_MAX; i++) {
		const struct crl_entry *e = &st->crl[i];

		if (memcmp(e->issuer_hash, hash, sizeof(hash)) != 0)
			continue;
		for (j = 0; j < e->count; j++)
			if (same_serial(&st->revoked[e->first + j], serial))
				return CRL_REVOKED;
		t = entry_time(e, now);
		if (t == CRL_GOOD)
			current = 1;
		else if (first == CRL_NO_CRL)
			first = t;
	}
	if (current)
		return CRL_GOOD;
	return first;
}

const char *
crl_strerror(int status)
{
	switch (status) {
	case CRL_OK:
		return "success";
	case CRL_ERR_PEM:
		return "not valid PEM (bad base64 or missing END line)";
	case CRL_ERR_NONE:
		return "no X509 CRL found";
	case CRL_ERR_DER:
		return "a CRL does not parse (malformed DER)";
	case CRL_ERR_SERIAL:
		return "a CRL lists a serial number longer than 20 octets";
	case CRL_ERR_TOO_BIG:
		return "a CRL is larger than the built-in limit (" STR(
		    CRL_DER_MAX) " bytes of DER)";
	case CRL_ERR_TOO_MANY:
		return "more CRLs than the built-in limit (" STR(CRL_MAX) ")";
	case CRL_ERR_REVOKED_MAX:
		return "more revoked certificates than the built-in limit "
		       "(" STR(CRL_REVOKED_MAX) " in all CRLs)";
	case CRL_ERR_CRITICAL:
		return "a CRL has a critical extension pgstunnel does not "
		       "process (e.g. issuingDistributionPoint, delta CRL)";
	case CRL_ERR_ALGORITHM:
		return "unsupported CRL signature algorithm (RSA PKCS#1 v1.5 "
		       "or ECDSA with SHA-1/224/256/384/512 only)";
	case CRL_ERR_ISSUER:
		return "the CRL's issuer is not a certificate in --client-ca";
	case CRL_ERR_SIGNATURE:
		return "the CRL's signature does not verify with its issuer's "
		       "key from --client-ca";
	default:
		return "unknown error";
	}
}
