/*
 * usermap: the --client-user-map file, which certificate names may log
 * in as which database users (PostgreSQL's pg_ident.conf for cert
 * authentication, without regular expressions). Pure: text in, a table
 * out; the caller reads the file.
 *
 * One entry a line: "CERTIFICATE-NAME DATABASE-USER", separated by
 * blanks; '#' starts a comment; blank lines are skipped. A name with
 * blanks or '#' (a DN often has them) goes in double quotes, which hold
 * any character but a double quote and a line end. A DATABASE-USER of
 * '*', unquoted, allows every user. A UTF-8 byte-order mark at the start
 * is skipped.
 */
#ifndef PGSTUNNEL_USERMAP_H
#define PGSTUNNEL_USERMAP_H

#include <stddef.h>

#define USERMAP_FILE_MAX    16384 /* bytes of a map file */
#define USERMAP_ENTRIES_MAX 256

struct usermap_entry {
	const char *cert; /* into the text */
	const char *user; /* NULL: '*', any user */
};

struct usermap {
	char text[USERMAP_FILE_MAX + 1]; /* the file, cut into names */
	size_t count;
	struct usermap_entry entry[USERMAP_ENTRIES_MAX];
};

/*
 * Parse the len bytes at m->text (the caller copies the file there; len
 * at most USERMAP_FILE_MAX). The text is cut into NUL-terminated names in
 * place. 0, or -1 with *line the 1-based line at fault and err saying
 * what is wrong with it (a NUL byte, an unclosed quote, not two names,
 * too many entries).
 */
int usermap_parse(struct usermap *m, size_t len, unsigned *line, char *err,
                  size_t errlen);

/* Whether some entry lets the certificate name log in as user. */
int usermap_allows(const struct usermap *m, const char *cert, const char *user);

/*
 * PostgreSQL's cert authentication: whether the certificate name cert
 * may log in as a startup's user. The user is first cut as PostgreSQL
 * cuts it (pgproto_server_user(): 63 bytes), since that cut name is the
 * role the server would let in; then, with a map (m not NULL), some entry
 * must allow cert that user, and without one cert must equal it. So a
 * name of 64 bytes or more never matches a user the server shortens.
 */
int usermap_cert_login(const struct usermap *m, const char *cert,
                       const char *user);

#endif
