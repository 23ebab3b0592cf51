/* see usermap.h */
#include "usermap.h"

#include "fmt.h"
#include "pgproto.h"

#include <stdio.h>
#include <string.h>

static int
blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/*
 * The next name on the line at *p (up to end, the line's end): its start,
 * NUL-terminated in place, *p past it; *quoted says how it was written.
 * NULL at the line's end or a comment; *bad on an unclosed quote.
 */
static char *
next_name(char **p, char *end, int *quoted, int *bad)
{
	char *s = *p, *name;

	while (s < end && blank(*s))
		s++;
	*quoted = 0;
	if (s == end || *s == '#') {
		*p = end;
		return NULL;
	}
	if (*s == '"') {
		name = ++s;
		while (s < end && *s != '"')
			s++;
		if (s == end) {
			*bad = 1;
			return NULL;
		}
		*quoted = 1;
	} else {
		name = s;
		while (s < end && !blank(*s) && *s != '#' && *s != '"')
			s++;
		if (s < end && *s == '"') {
			*bad = 1;
			return NULL;
		}
	}
	/* A comment may follow a name directly: the line ends there. */
	*p = s < end && *s == '#' ? end : s + (s < end);
	*s = '\0';
	return name;
}

int
usermap_parse(struct usermap *m, size_t len, unsigned *line, char *err,
              size_t errlen)
{
	char *p = m->text, *text_end = m->text + len;

	m->count = 0;
	*line = 0;
	m->text[len] = '\0';
	if (memchr(m->text, '\0', len) != NULL) {
		*line = 1;
		for (const char *q = m->text; *q != '\0'; q++)
			*line += *q == '\n';
		fmt_format(err, errlen, "a NUL byte");
		return -1;
	}
	/* A UTF-8 byte-order mark, as some editors write one: skipped, or
	 * the first certificate name would begin with it and never match. */
	if (len >= 3 && memcmp(m->text, "\xef\xbb\xbf", 3) == 0)
		p += 3;
	while (p < text_end) {
		char *nl = memchr(p, '\n', (size_t)(text_end - p));
		char *end = nl != NULL ? nl : text_end;
		char *names[3];
		int quoted[3], bad = 0, n = 0;

		++*line;
		*end = '\0';
		while (n < 3 && (names[n] = next_name(&p, end, &quoted[n],
		                                      &bad)) != NULL)
			n++;
		if (bad) {
			fmt_format(err, errlen,
			           "a name with a quote in it, or "
			           "an unclosed quote");
			return -1;
		}
		if (n != 0 && n != 2) {
			fmt_format(
			    err, errlen,
			    "expected \"certificate-name database-user\"");
			return -1;
		}
		if (n == 2) {
			if (m->count == USERMAP_ENTRIES_MAX) {
				fmt_format(err, errlen, "more than %d entries",
				           USERMAP_ENTRIES_MAX);
				return -1;
			}
			m->entry[m->count].cert = names[0];
			m->entry[m->count].user =
			    !quoted[1] && strcmp(names[1], "*") == 0 ? NULL
			                                             : names[1];
			m->count++;
		}
		p = nl != NULL ? nl + 1 : text_end;
	}
	*line = 0;
	return 0;
}

int
usermap_allows(const struct usermap *m, const char *cert, const char *user)
{
	for (size_t i = 0; i < m->count; i++) {
		const struct usermap_entry *e = &m->entry[i];

		if (strcmp(e->cert, cert) == 0 &&
		    (e->user == NULL || strcmp(e->user, user) == 0))
			return 1;
	}
	return 0;
}

int
usermap_cert_login(const struct usermap *m, const char *cert, const char *user)
{
	char cut[PGPROTO_NAMEDATALEN];

	pgproto_server_user(user, cut);
	return m != NULL ? usermap_allows(m, cert, cut)
	                 : strcmp(cert, cut) == 0;
}
