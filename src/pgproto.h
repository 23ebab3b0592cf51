/*
 * pgproto: pure parsers and encoders for the PostgreSQL messages pgstunnel
 * sees before the session is relayed: SSLRequest, GSSENCRequest,
 * CancelRequest, StartupMessage and a direct TLS ClientHello, plus the
 * ErrorResponse it sends when it refuses a client. No system calls: every
 * function works on caller-provided byte buffers, so the unit tests cover
 * each edge with plain byte vectors.
 *
 * Reading discipline: pgproto_classify() says how many bytes the packet
 * needs in total, so the caller reads exactly that much and never reads
 * ahead into bytes that belong to the TLS handshake (buffer stuffing,
 * CVE-2021-23214).
 */
#ifndef PGSTUNNEL_PGPROTO_H
#define PGSTUNNEL_PGPROTO_H

#include <stddef.h>
#include <stdint.h>

#define PGPROTO_SSLREQUEST_CODE 80877103u /* 1234.5679 */
#define PGPROTO_GSSENC_CODE     80877104u /* 1234.5680 */
#define PGPROTO_CANCEL_CODE     80877102u /* 1234.5678 */
#define PGPROTO_PROTOCOL_3_0    196608u
#define PGPROTO_PROTOCOL_3_2    196610u

#define PGPROTO_MAX_STARTUP   10000 /* PostgreSQL's MAX_STARTUP_PACKET_LENGTH */
#define PGPROTO_CANCEL_MIN    16    /* protocol 3.0: 4-byte key */
#define PGPROTO_CANCEL_MAX    268   /* protocol 3.2: key of up to 256 bytes */
#define PGPROTO_TLS_HANDSHAKE 0x16  /* first byte of a TLS ClientHello */

/* The largest packet pgproto_classify() accepts, header included. */
#define PGPROTO_PACKET_MAX (PGPROTO_MAX_STARTUP + 4)

/* PostgreSQL's NAMEDATALEN: names hold at most 63 bytes and a NUL. */
#define PGPROTO_NAMEDATALEN 64

enum pgproto_kind {
	PGPROTO_NEED_MORE, /* read more bytes: see pgproto_packet.need */
	PGPROTO_SSLREQUEST,
	PGPROTO_GSSENCREQUEST,
	PGPROTO_CANCEL,
	PGPROTO_STARTUP,
	PGPROTO_DIRECT_TLS, /* first byte 0x16: feed it to the TLS engine */
	PGPROTO_INVALID,    /* see pgproto_packet.why; close the connection */
};

struct pgproto_packet {
	enum pgproto_kind kind;
	size_t need;     /* bytes the whole packet needs (NEED_MORE and
	                    complete packets alike) */
	uint32_t code;   /* request code or protocol version */
	const char *why; /* for PGPROTO_INVALID: a log-ready reason */
};

/*
 * Classify the first packet of a connection (or the first packet after
 * an 'N' or inside TLS) from the len bytes received so far. With
 * allow_direct_tls, a first byte 0x16 is PGPROTO_DIRECT_TLS. Never
 * asks for more than PGPROTO_PACKET_MAX bytes.
 */
void pgproto_classify(const uint8_t *buf, size_t len, int allow_direct_tls,
                      struct pgproto_packet *out);

/* Startup parameters pgstunnel logs. Pointers into the caller's buffer. */
struct pgproto_startup {
	uint32_t version;
	const char *user;     /* NULL when absent */
	const char *database; /* NULL when absent */
	const char *application_name;
};

/*
 * Check a complete StartupMessage of len bytes (header included): the
 * name/value pairs are NUL-terminated and the list ends with a NUL.
 * Returns 0, or -1 with *why set.
 */
int pgproto_parse_startup(const uint8_t *buf, size_t len,
                          struct pgproto_startup *out, const char **why);

/*
 * What PostgreSQL's ProcessStartupPacket refuses in a complete
 * StartupMessage of protocol 3.x, so that such a packet costs PostgreSQL
 * nothing: a layout that pgproto_parse_startup() rejects ("invalid startup
 * packet layout: expected terminator as last byte", 08P01) or no user
 * name ("no PostgreSQL user name specified in startup packet", 28000).
 * Returns NULL when PostgreSQL would take it, or its message with
 * *sqlstate set. Other major versions are left for the server to answer.
 */
const char *pgproto_startup_refusal(const uint8_t *buf, size_t len,
                                    const char **sqlstate);

/*
 * The user name PostgreSQL authenticates for a startup's user: the name
 * cut to NAMEDATALEN-1 bytes, as ProcessStartupPacket() cuts it before
 * authentication (a byte cut, even inside a UTF-8 character). Writes it
 * NUL-terminated to out.
 */
void pgproto_server_user(const char *user, char out[PGPROTO_NAMEDATALEN]);

/*
 * Encode an ErrorResponse (severity FATAL) into out. Returns its length,
 * or 0 when cap is too small. sqlstate is five characters.
 */
size_t pgproto_error_response(uint8_t *out, size_t cap, const char *sqlstate,
                              const char *message, const char *detail,
                              const char *hint);

/*
 * In a complete backend message of len bytes (type, length, body): when it
 * is an AuthenticationSASL ('R', code 10), remove the mechanism name from
 * its list and fix the length. Returns the message's new length.
 */
size_t pgproto_sasl_drop_mechanism(uint8_t *msg, size_t len, const char *name);

/* Big-endian helpers shared by the callers. */
uint32_t pgproto_get32(const uint8_t *p);
void pgproto_put32(uint8_t *p, uint32_t v);

/* The 8-byte SSLRequest, for the upstream side. */
void pgproto_ssl_request(uint8_t out[8]);

#endif
