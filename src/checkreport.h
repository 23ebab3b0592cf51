/*
 * checkreport: --check. Load the configuration's credentials exactly as a
 * connection would (credentials_load(), with the --listen parent's full
 * key check), then report on each certificate, chain, key and CRL, one
 * line each on out, and a last line with the verdict. Connects nowhere,
 * reads no socket, serves nothing; runs only when asked, never on a
 * connection's path.
 *
 * Lines: "ok: ...", "warning: ..." (expires within --warn-days) or
 * "error: ..." (expired, not yet valid, a broken chain, a load error of
 * credentials_load(), which stops the loading and so the report); the
 * last "result: OK|WARNING|ERROR: ...". pgstunnel.8 (--check) has the
 * format.
 */
#ifndef PGSTUNNEL_CHECKREPORT_H
#define PGSTUNNEL_CHECKREPORT_H

#include <stdint.h>
#include <stdio.h>

#include "config.h"
#include "credentials.h"

/* --check's exit statuses (Nagios-like: how bad, not which error). */
#define CHECKREPORT_OK      0 /* everything loads and is valid for long enough */
#define CHECKREPORT_ERROR   1 /* something does not load, or is not valid now */
#define CHECKREPORT_WARNING 2 /* something expires within cfg->warn_days */

/*
 * Load into cr what cfg names, at time now (seconds since 1970 UTC), and
 * report on out. Returns CHECKREPORT_OK, CHECKREPORT_ERROR or
 * CHECKREPORT_WARNING.
 */
int checkreport_run(const struct config *cfg, struct credentials *cr,
                    int64_t now, FILE *out);

#endif
