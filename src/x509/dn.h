/*
 * dn: a certificate's subject Name as PostgreSQL names it for
 * clientname=DN: the RFC 2253 text OpenSSL's X509_NAME_print_ex() makes
 * with XN_FLAG_RFC2253. Pure: bytes in, text out.
 */
#ifndef PGSTUNNEL_DN_H
#define PGSTUNNEL_DN_H

#include <stddef.h>
#include <stdint.h>

#define DN_TEXT_MAX 1024 /* bytes of text, NUL included, we produce */
#define DN_AVAS_MAX 64   /* attributes in one Name */

/*
 * The Name whose whole DER encoding is name[0..len) as RFC 2253 text in
 * out (NUL-terminated): the RDNs last first, separated by ',', the
 * attributes of one RDN by '+', each "SHORTNAME=value" with OpenSSL's
 * short names (CN, O, OU, C, ST, L, street, DC, UID, emailAddress,
 * serialNumber, SN, GN, title, ...). Values as OpenSSL prints them: ,+"\<>;
 * escaped by a backslash, and '#' or a space first or a space last; control
 * characters and every byte of a non-ASCII character's UTF-8 as \XX; a
 * value of a type that is not a string as '#' and the hex of its DER.
 * Returns the text's length, or -1: a malformed Name, a string that does
 * not decode, an attribute type not in the table (OpenSSL may know its
 * name; we would guess), more than DN_AVAS_MAX attributes, or text over
 * cap bytes.
 */
int dn_rfc2253(const uint8_t *name, size_t len, char *out, size_t cap);

#endif
