/*
 * fixture: PEM test fixtures as DER objects, for the libcheck tests that
 * feed certificates and CRLs to the code under test. Linked into every
 * unit-test binary (see the Makefile); failures are check assertions.
 */
#ifndef PGSTUNNEL_TEST_FIXTURE_H
#define PGSTUNNEL_TEST_FIXTURE_H

#include <stddef.h>

#include "x509/keys.h"

#define FIXTURE_DER_MAX 16384 /* DER bytes of one object */
#define FIXTURE_PEM_MAX 65536 /* bytes of one fixture file */

struct derobj {
	unsigned char data[FIXTURE_DER_MAX];
	size_t len;
	int overflow;
};

/* A BearSSL byte sink (void *ctx is a struct derobj) that appends, or
 * sets overflow when the object is full. */
void fixture_der_append(void *ctx, const void *buf, size_t len);

/*
 * Decode the PEM objects of the file at path (relative to the repository
 * root) into out[0..max), in file order; returns how many, at least one.
 * With label not NULL, every object must have that label.
 */
size_t fixture_load_pem(const char *path, const char *label, struct derobj *out,
                        size_t max);

/*
 * keys_private_load() on a copy of the key file at path in a new file of
 * mode 0600: git keeps the fixtures 0644, which the key file rule
 * (keyperm.h) refuses.
 */
int fixture_key_load(struct keys_private *key, const char *path);

#endif
