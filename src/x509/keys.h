/*
 * keys: PEM certificate chains, private keys and trust anchors, decoded
 * into caller-owned fixed storage. Nothing here allocates; everything is
 * done once at start-up, before the first byte from the client is read.
 *
 * The TLS engine keeps pointers into these structs (certificate DER,
 * decoded key): they must outlive the engine, so main keeps them static.
 * They also point into themselves: never copy one after parsing.
 *
 * PEM labels: CERTIFICATE (also "X509 CERTIFICATE", "X.509 CERTIFICATE");
 * PRIVATE KEY (PKCS#8), RSA PRIVATE KEY, EC PRIVATE KEY. Other objects
 * (EC PARAMETERS, a key next to a chain, ...) are skipped, so one file may
 * hold both the chain and the key. Encrypted keys are refused. CRLF line
 * ends and a missing final newline are accepted.
 */
#ifndef PGSTUNNEL_KEYS_H
#define PGSTUNNEL_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include <bearssl.h>

#include "privkey.h"
#include "readfile.h"

#define KEYS_FILE_MAX     65536 /* largest PEM file we read */
#define KEYS_CHAIN_MAX    8     /* certificates in one chain */
#define KEYS_CHAIN_BYTES  24576 /* DER bytes of one whole chain */
#define KEYS_ANCHORS_MAX  32    /* trust anchors from one CA file */
#define KEYS_ANCHOR_BYTES 24576 /* DN + public key bytes of all anchors */

/* The first three failures are readfile()'s (readfile.h). */
enum keys_status {
	KEYS_OK = READFILE_OK,
	KEYS_ERR_IO = READFILE_ERR_IO, /* cannot open or read (errno set) */
	/* file, chain or anchors over the fixed limits */
	KEYS_ERR_TOO_BIG = READFILE_ERR_TOO_BIG,
	/* not a regular file (a FIFO, a device, ...) */
	KEYS_ERR_NOT_FILE = READFILE_ERR_NOT_FILE,
	KEYS_ERR_PEM = READFILE_STATUS_END, /* not valid PEM */
	KEYS_ERR_NO_CERT,                   /* no CERTIFICATE object found */
	KEYS_ERR_CERT,                      /* a certificate does not decode */
	KEYS_ERR_NO_KEY,                    /* no private key object found */
	KEYS_ERR_KEY,       /* the private key does not decode */
	KEYS_ERR_KEY_TYPE,  /* key type or curve not supported */
	KEYS_ERR_MISMATCH,  /* key is not the leaf certificate's key */
	KEYS_ERR_KEY_OWNER, /* key file owned by neither root nor us */
	KEYS_ERR_KEY_OPEN,  /* key file readable by group or others */
};

/* A certificate chain, leaf first. */
/* Counts first, then the storage: a short chain dirties only its first
 * pages (in every process that loads it). */
struct keys_chain {
	size_t count, used;
	/* The leaf's public key, decoded once with the chain, so that
	 * nothing decodes the leaf again (keymatch.c); it points into der. */
	br_x509_pkey leaf_key;
	br_x509_certificate cert[KEYS_CHAIN_MAX];
	/* After KEYS_ERR_CERT: the key a certificate holds that pgstunnel
	 * cannot use ("an Ed25519 key", der.h), or NULL; and which one
	 * (1-based, in file order). */
	const char *kind;
	size_t kind_cert;
	unsigned char der[KEYS_CHAIN_BYTES];
};

/*
 * A private key: RSA (up to 4096 bits) or EC (P-256, P-384, P-521).
 * After a failed parse, why is NULL or a static text more precise than
 * keys_strerror() (e.g. that encrypted keys are not supported).
 */
struct keys_private {
	struct privkey pk; /* the decoded key, and its public half */
	int type;          /* BR_KEYTYPE_RSA or BR_KEYTYPE_EC */
	const char *why;
	const char *kind; /* an unsupported key: what it is, or NULL */
	/* After KEYS_ERR_KEY_OWNER or KEYS_ERR_KEY_OPEN: the file's
	 * permission bits and owner, for the message. */
	unsigned file_mode, file_owner;
};

/* Trust anchors (CA certificates) for verifying a peer. */
struct keys_anchors {
	size_t count, used;
	br_x509_trust_anchor ta[KEYS_ANCHORS_MAX];
	unsigned char data[KEYS_ANCHOR_BYTES];
};

/*
 * Pure parsers over a PEM buffer. On error the struct is left empty
 * (count 0, type 0). keys_chain_parse keeps every certificate, in file
 * order; keys_private_parse wants exactly one unencrypted key;
 * keys_anchors_parse makes every certificate an anchor, flagged
 * BR_X509_TA_CA when its Basic Constraints say CA.
 */
int keys_chain_parse(struct keys_chain *chain, const uint8_t *pem, size_t len);
int keys_private_parse(struct keys_private *key, const uint8_t *pem,
                       size_t len);
int keys_anchors_parse(struct keys_anchors *anchors, const uint8_t *pem,
                       size_t len);

/* Whether the key belongs to the chain's leaf: keymatch.h. */

/* The decoded key, or NULL when the key is of the other type. */
const br_rsa_private_key *keys_private_rsa(const struct keys_private *key);
const br_ec_private_key *keys_private_ec(const struct keys_private *key);

/*
 * File wrappers around the parsers; they share one static read buffer of
 * KEYS_FILE_MAX bytes (not reentrant), wiped after each use.
 */
int keys_chain_load(struct keys_chain *chain, const char *path);
/* A private key file must also pass PostgreSQL's rule for ssl_key_file
 * (keyperm.h): KEYS_ERR_KEY_OWNER or KEYS_ERR_KEY_OPEN otherwise. */
int keys_private_load(struct keys_private *key, const char *path);

/* Forget a loaded key: its secret bytes are wiped. */
void keys_private_forget(struct keys_private *key);
int keys_anchors_load(struct keys_anchors *anchors, const char *path);

/*
 * After the last load: unmap the file buffer the first load mapped, and
 * give the DER buffer's pages back (scratch.h). 0, or -1 with errno. A
 * later load still works: it maps the file buffer again, and dirties
 * zeroed DER pages again.
 */
int keys_release_buffers(void);

/* A short English text for a keys_status value. */
const char *keys_strerror(int status);

#endif
