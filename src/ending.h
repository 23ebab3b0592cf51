/*
 * ending: how a session ended, the one result type of its phases. The
 * summary line prints it as "end=END: DETAIL", and the exit status
 * follows from clean. session.c owns one; each phase that can end the
 * session (gate.c, negotiate.c, client_tls.c, pump.c and session.c's
 * own) records its end here the same way, through these two functions.
 */
#ifndef PGSTUNNEL_ENDING_H
#define PGSTUNNEL_ENDING_H

#define ENDING_DETAIL_MAX 256

struct ending {
	const char *end; /* a fixed text; NULL while the session goes on */
	int clean;       /* an ending that is no failure: exit 0 */
	char detail[ENDING_DETAIL_MAX]; /* "" or what the line adds */
};

/*
 * The session ends: end (a fixed text), clean or not, and a detail
 * formatted from fmt (NULL: none). Returns -1, for "return ending_set()"
 * from a phase.
 */
int ending_set(struct ending *e, const char *end, int clean, const char *fmt,
               ...) __attribute__((format(printf, 4, 5)));

/* Replace the detail only (fmt as printf's). */
void ending_detail(struct ending *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
