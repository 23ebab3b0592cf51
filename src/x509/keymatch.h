/*
 * keymatch: whether a private key belongs to its certificate, at two
 * depths. A process started per connection (inetd, systemd Accept=yes)
 * pays for this check on every connection, so by default it costs no
 * private-key operation: the public half that the key file carries is
 * compared with the certificate's. The --listen parent, which pays once,
 * runs the full check. Pure: no I/O, no allocation.
 */
#ifndef PGSTUNNEL_KEYMATCH_H
#define PGSTUNNEL_KEYMATCH_H

#include <stddef.h>
#include <stdint.h>

#include "keys.h"

enum keymatch_depth {
	/*
	 * EC: the publicKey the file carries (ECPrivateKey's optional
	 * field, also inside PKCS#8) equals the certificate's point; a file
	 * without one, or with another encoding of the point, gets the full
	 * EC check. RSA: p*q equals the certificate's modulus and the
	 * file's publicExponent its exponent. Cost: microseconds.
	 */
	KEYMATCH_PUBLIC,
	/*
	 * Everything KEYMATCH_PUBLIC does not prove: EC, the public point
	 * recomputed from the private scalar; RSA, also one private-key
	 * operation undone with the certificate's key, which catches a
	 * damaged d, dp, dq or iq. Cost: an EC scalar multiplication, or
	 * an RSA private-key operation, a public one and the exponent's
	 * recomputation (README.md, "Start-up cost", has the numbers).
	 */
	KEYMATCH_FULL,
};

/*
 * KEYS_OK when key belongs to the leaf certificate of chain, else
 * KEYS_ERR_MISMATCH (or KEYS_ERR_NO_CERT, KEYS_ERR_NO_KEY, KEYS_ERR_KEY
 * for what cannot be compared).
 */
int keymatch_check(const struct keys_chain *chain,
                   const struct keys_private *key, enum keymatch_depth depth);

#endif
