/*
 * Exit statuses, mirrored in pgstunnel.8 (EXIT STATUS).
 * Values follow sysexits(3) where one fits, so inetd logs read naturally.
 */
#ifndef PGSTUNNEL_EXITCODES_H
#define PGSTUNNEL_EXITCODES_H

#define EXIT_SESSION_OK     0  /* session ran and ended cleanly; --help */
#define EXIT_SESSION_FAILED 1  /* refused or failed client, TLS or upstream */
#define EXIT_USAGE          64 /* bad command line or configuration file */
#define EXIT_NOINPUT        66 /* certificate, key or CA file unusable */
#define EXIT_OSERR          71 /* system error: socket, fork, poll... */

#endif
