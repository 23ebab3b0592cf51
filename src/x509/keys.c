/* keys: see keys.h */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "der.h"
#include "keyperm.h"
#include "keys.h"
#include "pem.h"
#include "scratch.h"

/* How far object_der below was ever written, for
 * keys_release_buffers(). */
static SCRATCH_HOT size_t object_der_high;

static const char encrypted_why[] =
    "encrypted private keys are not supported; "
    "decrypt it first (openssl pkey -in FILE -out NEWFILE)";

/*
 * Zero memory that held key material. The volatile access keeps the
 * compiler from dropping stores to memory it sees as dead.
 */
static void
wipe(void *p, size_t len)
{
	volatile unsigned char *v = p;

	while (len-- > 0)
		*v++ = 0;
}

/* pem_walk() with its malformed-PEM result as a keys_status. */
static int
keys_pem_walk(const uint8_t *pem, size_t len, const struct pem_sink *sink)
{
	int rc = pem_walk(pem, len, sink);

	return rc == PEM_WALK_BAD ? KEYS_ERR_PEM : rc;
}

/* Chain */

struct chain_state {
	struct keys_chain *chain;
	int in_cert;
	int overflow;
	size_t start;
};

static int
chain_begin(void *ctx, enum pem_kind kind)
{
	struct chain_state *st = ctx;

	st->in_cert = kind == PEM_CERT;
	if (!st->in_cert)
		return KEYS_OK;
	if (st->chain->count >= KEYS_CHAIN_MAX)
		return KEYS_ERR_TOO_BIG;
	st->start = st->chain->used;
	return KEYS_OK;
}

static void
chain_data(void *ctx, const void *buf, size_t len)
{
	struct chain_state *st = ctx;
	struct keys_chain *chain = st->chain;

	if (!st->in_cert || st->overflow)
		return;
	if (len > sizeof chain->der - chain->used) {
		st->overflow = 1;
		return;
	}
	memcpy(chain->der + chain->used, buf, len);
	chain->used += len;
}

static int
chain_end(void *ctx)
{
	struct chain_state *st = ctx;
	struct keys_chain *chain = st->chain;
	struct der_cert_ids ids;
	struct der rest;
	br_x509_pkey pk;
	unsigned char *der;
	size_t len;

	if (!st->in_cert)
		return KEYS_OK;
	st->in_cert = 0;
	if (st->overflow)
		return KEYS_ERR_TOO_BIG;
	der = chain->der + st->start;
	len = chain->used - st->start;
	/* Exactly one Certificate, with a key BearSSL can use and
	 * well-formed extensions. */
	if (der_cert_ids(der, len, &ids, &rest) != 0)
		return KEYS_ERR_CERT;
	if (der_spki(&rest, &pk) != 0) {
		chain->kind = der_spki_unsupported(rest);
		chain->kind_cert = chain->count + 1;
		return KEYS_ERR_CERT;
	}
	if (der_cert_is_ca(rest) < 0)
		return KEYS_ERR_CERT;
	/* pk points into chain->der, which keeps the certificate. */
	if (chain->count == 0)
		chain->leaf_key = pk;
	chain->cert[chain->count].data = der;
	chain->cert[chain->count].data_len = len;
	chain->count++;
	return KEYS_OK;
}

int
keys_chain_parse(struct keys_chain *chain, const uint8_t *pem, size_t len)
{
	struct chain_state st = {.chain = chain};
	struct pem_sink sink = {chain_begin, chain_data, chain_end, &st};
	int rc;

	chain->count = 0;
	chain->used = 0;
	chain->kind = NULL;
	chain->kind_cert = 0;
	rc = keys_pem_walk(pem, len, &sink);
	if (rc == KEYS_OK && chain->count == 0)
		rc = KEYS_ERR_NO_CERT;
	if (rc != KEYS_OK) {
		chain->count = 0;
		chain->used = 0;
	}
	return rc;
}

/* Private key */

/*
 * Each key's and CA certificate's DER is collected here and decoded once,
 * whole (privkey.c, der.c): strict DER wants the object's end in sight.
 */
#define KEYS_OBJECT_MAX 16384
static _Alignas(SCRATCH_ALIGN) unsigned char object_der[KEYS_OBJECT_MAX];

struct key_state {
	struct keys_private *key;
	int in_key;
	int found;
	int overflow;
	size_t len;
};

/* Collect one PEM object's DER into object_der. */
static void
object_append(size_t *used, int *overflow, const void *buf, size_t len)
{
	if (*overflow)
		return;
	if (len > sizeof(object_der) - *used) {
		*overflow = 1;
		return;
	}
	memcpy(object_der + *used, buf, len);
	*used += len;
	if (*used > object_der_high)
		object_der_high = *used;
}

static int
key_begin(void *ctx, enum pem_kind kind)
{
	struct key_state *st = ctx;

	st->in_key = 0;
	switch (kind) {
	case PEM_KEY:
		if (st->found) {
			st->key->why = "more than one private key in the file";
			return KEYS_ERR_KEY;
		}
		st->in_key = 1;
		st->len = 0;
		st->overflow = 0;
		return KEYS_OK;
	case PEM_ENCRYPTED_KEY:
		st->key->why = encrypted_why;
		return KEYS_ERR_KEY;
	default:
		return KEYS_OK;
	}
}

static void
key_data(void *ctx, const void *buf, size_t len)
{
	struct key_state *st = ctx;

	if (st->in_key)
		object_append(&st->len, &st->overflow, buf, len);
}

static int
key_end(void *ctx)
{
	struct key_state *st = ctx;
	struct keys_private *key = st->key;
	int rc;

	if (!st->in_key)
		return KEYS_OK;
	st->in_key = 0;
	st->found = 1;
	if (st->overflow) {
		key->why = "private key too large";
		return KEYS_ERR_KEY_TYPE;
	}
	rc = privkey_decode(&key->pk, object_der, st->len);
	if (rc == PRIVKEY_UNSUPPORTED || rc == PRIVKEY_CURVE)
		key->kind = privkey_kind(object_der, st->len);
	wipe(object_der, st->len);
	switch (rc) {
	case PRIVKEY_OK:
		key->type = key->pk.type;
		return KEYS_OK;
	case PRIVKEY_UNSUPPORTED:
		key->why = "only RSA and EC (P-256, P-384, P-521) keys "
		           "are supported";
		return KEYS_ERR_KEY_TYPE;
	case PRIVKEY_CURVE:
		/* The curves BearSSL's TLS engine signs with. */
		key->why = "only the EC curves P-256, P-384 and P-521 "
		           "are supported";
		return KEYS_ERR_KEY_TYPE;
	case PRIVKEY_TOO_BIG:
		key->why = "RSA keys over 4096 bits are not supported";
		return KEYS_ERR_KEY_TYPE;
	case PRIVKEY_MULTI_PRIME:
		key->why = "multi-prime RSA keys are not supported";
		return KEYS_ERR_KEY_TYPE;
	default:
		return KEYS_ERR_KEY;
	}
}

/*
 * Traditional encrypted keys carry RFC 1421 headers, which BearSSL's PEM
 * decoder rejects as bad base64: look for the header to say why.
 */
static int
has_encrypted_header(const uint8_t *pem, size_t len)
{
	static const char hdr[] = "Proc-Type: 4,ENCRYPTED";
	const size_t hlen = sizeof hdr - 1;
	size_t i;

	for (i = 0; len >= hlen && i <= len - hlen; i++)
		if (memcmp(pem + i, hdr, hlen) == 0)
			return 1;
	return 0;
}

int
keys_private_parse(struct keys_private *key, const uint8_t *pem, size_t len)
{
	struct key_state st = {.key = key};
	struct pem_sink sink = {key_begin, key_data, key_end, &st};
	int rc;

	key->type = 0;
	key->why = NULL;
	key->kind = NULL;
	rc = keys_pem_walk(pem, len, &sink);
	if (rc == KEYS_ERR_PEM && has_encrypted_header(pem, len)) {
		key->why = encrypted_why;
		rc = KEYS_ERR_KEY;
	}
	if (rc == KEYS_OK && !st.found)
		rc = KEYS_ERR_NO_KEY;
	if (rc != KEYS_OK) {
		wipe(&key->pk, sizeof key->pk);
		key->type = 0;
	}
	return rc;
}

void
keys_private_forget(struct keys_private *key)
{
	wipe(&key->pk, sizeof key->pk);
	key->type = 0;
}

const br_rsa_private_key *
keys_private_rsa(const struct keys_private *key)
{
	if (key->type != BR_KEYTYPE_RSA)
		return NULL;
	return &key->pk.rsa;
}

const br_ec_private_key *
keys_private_ec(const struct keys_private *key)
{
	if (key->type != BR_KEYTYPE_EC)
		return NULL;
	return &key->pk.ec;
}

/* Trust anchors */

struct anchors_state {
	struct keys_anchors *anchors;
	int in_cert;
	int overflow;
	int der_overflow;
	size_t der_len;
	size_t start;
};

static void
anchors_append(struct anchors_state *st, const void *buf, size_t len)
{
	struct keys_anchors *a = st->anchors;

	if (st->overflow)
		return;
	if (len > sizeof a->data - a->used) {
		st->overflow = 1;
		return;
	}
	memcpy(a->data + a->used, buf, len);
	a->used += len;
}

static int
anchors_begin(void *ctx, enum pem_kind kind)
{
	struct anchors_state *st = ctx;

	st->in_cert = kind == PEM_CERT;
	if (!st->in_cert)
		return KEYS_OK;
	if (st->anchors->count >= KEYS_ANCHORS_MAX)
		return KEYS_ERR_TOO_BIG;
	st->start = st->anchors->used;
	st->der_len = 0;
	st->der_overflow = 0;
	return KEYS_OK;
}

static void
anchors_data(void *ctx, const void *buf, size_t len)
{
	struct anchors_state *st = ctx;

	if (st->in_cert)
		object_append(&st->der_len, &st->der_overflow, buf, len);
}

/* Copy a key element after the DN; NULL when the storage is full. */
static unsigned char *
anchors_copy(struct anchors_state *st, const unsigned char *buf, size_t len)
{
	struct keys_anchors *a = st->anchors;
	size_t at = a->used;

	anchors_append(st, buf, len);
	return st->overflow ? NULL : a->data + at;
}

static int
anchors_end(void *ctx)
{
	struct anchors_state *st = ctx;
	struct keys_anchors *a = st->anchors;
	br_x509_trust_anchor *ta;
	struct der_cert_ids ids;
	struct der rest;
	br_x509_pkey key;
	const br_x509_pkey *pk;
	size_t dn_len;
	int is_ca;

	if (!st->in_cert)
		return KEYS_OK;
	st->in_cert = 0;
	if (st->der_overflow)
		return KEYS_ERR_TOO_BIG;
	/* The anchor: the subject DN (its whole encoding, as BearSSL
	 * compares it with an issuer's), the key, the CA flag. */
	if (der_cert_ids(object_der, st->der_len, &ids, &rest) != 0 ||
	    der_spki(&rest, &key) != 0 || (is_ca = der_cert_is_ca(rest)) < 0)
		return KEYS_ERR_CERT;
	pk = &key;
	dn_len = ids.subject.len;
	(void)anchors_copy(st, ids.subject.p, dn_len);
	if (st->overflow)
		return KEYS_ERR_TOO_BIG;

	ta = &a->ta[a->count];
	memset(ta, 0, sizeof *ta);
	ta->dn.data = a->data + st->start;
	ta->dn.len = dn_len;
	ta->flags = is_ca ? BR_X509_TA_CA : 0;
	ta->pkey.key_type = pk->key_type;
	switch (pk->key_type) {
	case BR_KEYTYPE_RSA:
		ta->pkey.key.rsa.n =
		    anchors_copy(st, pk->key.rsa.n, pk->key.rsa.nlen);
		ta->pkey.key.rsa.nlen = pk->key.rsa.nlen;
		ta->pkey.key.rsa.e =
		    anchors_copy(st, pk->key.rsa.e, pk->key.rsa.elen);
		ta->pkey.key.rsa.elen = pk->key.rsa.elen;
		break;
	case BR_KEYTYPE_EC:
		ta->pkey.key.ec.curve = pk->key.ec.curve;
		ta->pkey.key.ec.q =
		    anchors_copy(st, pk->key.ec.q, pk->key.ec.qlen);
		ta->pkey.key.ec.qlen = pk->key.ec.qlen;
		break;
	default:
		return KEYS_ERR_CERT;
	}
	if (st->overflow)
		return KEYS_ERR_TOO_BIG;
	a->count++;
	return KEYS_OK;
}

int
keys_anchors_parse(struct keys_anchors *anchors, const uint8_t *pem, size_t len)
{
	struct anchors_state st = {.anchors = anchors};
	struct pem_sink sink = {anchors_begin, anchors_data, anchors_end, &st};
	int rc;

	anchors->count = 0;
	anchors->used = 0;
	rc = keys_pem_walk(pem, len, &sink);
	if (rc == KEYS_OK && anchors->count == 0)
		rc = KEYS_ERR_NO_CERT;
	if (rc != KEYS_OK) {
		anchors->count = 0;
		anchors->used = 0;
	}
	return rc;
}

/* Files */

/*
 * A private key file's owner and mode must pass keyperm_judge(), on the
 * opened file's fstat().
 */
static int
judge_key_file(const struct stat *st, void *arg)
{
	struct keys_private *key = arg;
	enum keyperm_verdict v =
	    keyperm_judge(st->st_mode, st->st_uid, geteuid());

	if (v == KEYPERM_OK)
		return 0;
	key->file_mode = st->st_mode & 07777;
	key->file_owner = st->st_uid;
	return v == KEYPERM_OWNER ? KEYS_ERR_KEY_OWNER : KEYS_ERR_KEY_OPEN;
}

/*
 * One buffer of KEYS_FILE_MAX bytes for all three: start-up reads one
 * file at a time. It is mapped by the first load (scratch_map(): the
 * stack stays small, the heap untouched) and unmapped by
 * keys_release_buffers(), so a process keeps neither its pages nor its
 * address space once loaded. What a load read is wiped after it, since
 * any of the files may hold a private key (a chain and its key often
 * share one file).
 */
static SCRATCH_HOT uint8_t *file_buf; /* written by every process */

/* file_buf, mapped if it is not: KEYS_OK, or KEYS_ERR_IO (errno set). */
static int
file_buf_map(void)
{
	if (file_buf == NULL && (file_buf = scratch_map(KEYS_FILE_MAX)) == NULL)
		return KEYS_ERR_IO;
	return KEYS_OK;
}

/* Wipe what a load left in file_buf: the bytes read, or on an error
 * every byte (a read may have stopped anywhere). */
static void
file_buf_done(int rc, size_t len)
{
	wipe(file_buf, rc == KEYS_OK ? len : KEYS_FILE_MAX);
}

int
keys_chain_load(struct keys_chain *chain, const char *path)
{
	size_t len = 0;
	int rc;

	chain->count = 0;
	chain->used = 0;
	if ((rc = file_buf_map()) != KEYS_OK)
		return rc;
	rc = readfile(path, file_buf, KEYS_FILE_MAX, &len, NULL, NULL);
	if (rc == KEYS_OK)
		rc = keys_chain_parse(chain, file_buf, len);
	/* Only the bytes read: wiping the whole buffer would dirty 64 KiB
	 * of memory in every inetd-launched process. */
	file_buf_done(rc, len);
	return rc;
}

int
keys_private_load(struct keys_private *key, const char *path)
{
	size_t len = 0;
	int rc;

	key->type = 0;
	key->why = NULL;
	if ((rc = file_buf_map()) != KEYS_OK)
		return rc;
	rc = readfile(path, file_buf, KEYS_FILE_MAX, &len, judge_key_file, key);
	if (rc == KEYS_OK)
		rc = keys_private_parse(key, file_buf, len);
	/* Only the bytes read: wiping the whole buffer would dirty 64 KiB
	 * of memory in every inetd-launched process. */
	file_buf_done(rc, len);
	return rc;
}

int
keys_anchors_load(struct keys_anchors *anchors, const char *path)
{
	size_t len = 0;
	int rc;

	anchors->count = 0;
	anchors->used = 0;
	if ((rc = file_buf_map()) != KEYS_OK)
		return rc;
	rc = readfile(path, file_buf, KEYS_FILE_MAX, &len, NULL, NULL);
	if (rc == KEYS_OK)
		rc = keys_anchors_parse(anchors, file_buf, len);
	/* Only the bytes read: wiping the whole buffer would dirty 64 KiB
	 * of memory in every inetd-launched process. */
	file_buf_done(rc, len);
	return rc;
}

int
keys_release_buffers(void)
{
	int rc = scratch_release_used(object_der, sizeof object_der,
	                              object_der_high);

	object_der_high = 0;
	scratch_unmap(file_buf, KEYS_FILE_MAX);
	file_buf = NULL;
	return rc;
}

_Static_assert(KEYS_FILE_MAX == 65536 && KEYS_CHAIN_MAX == 8 &&
                   KEYS_CHAIN_BYTES == 24576 && KEYS_ANCHORS_MAX == 32,
               "keys_strerror() names the limits");

const char *
keys_strerror(int status)
{
	switch (status) {
	case KEYS_OK:
		return "success";
	case KEYS_ERR_IO:
		return "cannot read the file";
	case KEYS_ERR_TOO_BIG:
		return "larger than the built-in limits (a file of 65536 "
		       "bytes, a chain of 8 certificates and 24576 bytes, 32 "
		       "CA certificates)";
	case KEYS_ERR_PEM:
		return "not valid PEM (bad base64 or missing END line)";
	case KEYS_ERR_NO_CERT:
		return "no CERTIFICATE found";
	case KEYS_ERR_CERT:
		return "a certificate does not decode";
	case KEYS_ERR_NO_KEY:
		return "no private key found";
	case KEYS_ERR_KEY:
		return "the private key does not decode";
	case KEYS_ERR_KEY_TYPE:
		return "unsupported key type or curve";
	case KEYS_ERR_MISMATCH:
		return "the private key does not match the certificate";
	case KEYS_ERR_NOT_FILE:
		return "not a regular file (a FIFO, a device or a directory)";
	case KEYS_ERR_KEY_OWNER:
		return "the private key file is owned by neither root nor "
		       "this process's user";
	case KEYS_ERR_KEY_OPEN:
		return "the private key file has group or world access";
	default:
		return "unknown error";
	}
}
