/* see credentials.h */
#include "credentials.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "exitcodes.h"
#include "fmt.h"
#include "log.h"
#include "x509/hostname.h"
#include "x509/keymatch.h"
#include "x509/readfile.h"
#include "x509/scratch.h"

/* What a key or certificate that cannot be used is told. */
static const char supported_keys[] =
    "pgstunnel supports RSA keys (up to 4096 bits) and EC keys on P-256, "
    "P-384 and P-521";

static int
load_failed(const char *what, const char *path, int status)
{
	log_msg(LOG_ERR, "%s %s: %s%s%s", what, path, keys_strerror(status),
	        status == KEYS_ERR_IO ? ": " : "",
	        status == KEYS_ERR_IO ? strerror(errno) : "");
	return EXIT_NOINPUT;
}

/* A key file that fails keyperm_judge(): the message says the fix. */
static int
key_file_refused(const char *what, const char *path,
                 const struct keys_private *key, int status)
{
	if (status == KEYS_ERR_KEY_OPEN)
		log_msg(LOG_ERR,
		        "%s %s has group or world access (mode %04o): "
		        "chmod 600 %s, or make root its owner and the mode "
		        "0640 or less",
		        what, path, key->file_mode, path);
	else
		log_msg(LOG_ERR,
		        "%s %s is owned by uid %u, neither root nor this "
		        "process's user (uid %u): chown it to one of them and "
		        "chmod 600 %s",
		        what, path, key->file_owner, (unsigned)geteuid(), path);
	return EXIT_NOINPUT;
}

/* A chain and the key that must belong to its leaf; the names say which
 * for the log ("certificate" and "key", or the upstream's). */
static int
load_pair(struct credentials_pair *p, const char *cert_path,
          const char *key_path, const char *cert_name, const char *key_name,
          enum keymatch_depth depth)
{
	int st;

	if ((st = keys_chain_load(&p->chain, cert_path)) != KEYS_OK) {
		if (st == KEYS_ERR_CERT && p->chain.kind != NULL) {
			log_msg(
			    LOG_ERR,
			    "%s %s: certificate %zu in the file holds %s; %s",
			    cert_name, cert_path, p->chain.kind_cert,
			    p->chain.kind, supported_keys);
			return EXIT_NOINPUT;
		}
		return load_failed(cert_name, cert_path, st);
	}
	st = keys_private_load(&p->key, key_path);
	if (st == KEYS_ERR_KEY_OPEN || st == KEYS_ERR_KEY_OWNER)
		return key_file_refused(key_name, key_path, &p->key, st);
	if (st != KEYS_OK && p->key.kind != NULL) {
		log_msg(LOG_ERR, "%s %s: the file holds %s; %s", key_name,
		        key_path, p->key.kind, supported_keys);
		return EXIT_NOINPUT;
	}
	if (st != KEYS_OK && p->key.why != NULL) {
		log_msg(LOG_ERR, "%s %s: %s", key_name, key_path, p->key.why);
		return EXIT_NOINPUT;
	}
	if (st != KEYS_OK ||
	    (st = keymatch_check(&p->chain, &p->key, depth)) != KEYS_OK)
		return load_failed(key_name, key_path, st);
	return 0;
}

/* The CRLs of --client-crl, checked against the --client-ca anchors. */
/*
 * --client-crl: the file and one CRL's DER are mapped while the store is
 * filled (scratch_map()), so that a configuration without CRLs does not
 * reserve their 896 KiB. Public data: nothing is wiped.
 */
static int
load_crl(struct crl_store *crl, const char *path,
         const struct keys_anchors *anchors)
{
	uint8_t *pem = scratch_map(CRL_FILE_MAX);
	uint8_t *der = scratch_map(CRL_DER_MAX);
	size_t len = 0, which = 0;
	int st, rc = EXIT_NOINPUT;

	if (pem == NULL || der == NULL) {
		log_msg(LOG_ERR,
		        "CRL file %s: cannot map %d KiB to load it: %s", path,
		        (CRL_FILE_MAX + CRL_DER_MAX) / 1024, strerror(errno));
		rc = EXIT_OSERR;
	} else if ((st = readfile(path, pem, CRL_FILE_MAX, &len, NULL, NULL)) !=
	           KEYS_OK) {
		rc = load_failed("CRL file", path, st);
	} else {
		if (crl_file_is_der(pem, len))
			st = crl_store_load_der(crl, pem, len, anchors->ta,
			                        anchors->count);
		else
			st = crl_store_load_pem(crl, pem, len, anchors->ta,
			                        anchors->count, der,
			                        CRL_DER_MAX, &which);
		if (st == CRL_OK)
			rc = 0;
		else if (which > 0)
			log_msg(LOG_ERR, "CRL file %s: CRL number %zu: %s",
			        path, which, crl_strerror(st));
		else
			log_msg(LOG_ERR, "CRL file %s: %s", path,
			        crl_strerror(st));
	}
	scratch_unmap(pem, CRL_FILE_MAX);
	scratch_unmap(der, CRL_DER_MAX);
	return rc;
}

/*
 * Storage that only some configurations use, mapped by the first load
 * that needs it and kept for the next: *slot, size bytes. 0, or
 * EXIT_OSERR (logged).
 */
static int
map_storage(void **slot, size_t size, const char *what)
{
	if (*slot == NULL && (*slot = scratch_map(size)) == NULL) {
		log_msg(LOG_ERR, "cannot map %zu KiB for %s: %s", size / 1024,
		        what, strerror(errno));
		return EXIT_OSERR;
	}
	return 0;
}

/* CRLs past their nextUpdate: each refuses every certificate it covers
 * ("CRL has expired", as PostgreSQL's OpenSSL does). */
static void
warn_expired_crls(const struct crl_store *st, const char *path, int64_t now)
{
	for (size_t i = 0; i < st->count; i++) {
		const struct crl_entry *e = &st->crl[i];
		time_t t = (time_t)e->next_update;
		struct tm tm;
		char when[32];

		if (!e->has_next_update || e->next_update >= now)
			continue;
		if (gmtime_r(&t, &tm) == NULL)
			fmt_format(when, sizeof(when), "?");
		else
			fmt_format(when, sizeof(when),
			           "%04d-%02d-%02d %02d:%02d:%02d UTC",
			           tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
			           tm.tm_hour, tm.tm_min, tm.tm_sec);
		log_msg(LOG_WARNING,
		        "CRL file %s: CRL number %zu expired at %s (its next "
		        "update): client certificates of its issuer are "
		        "refused until a new CRL is in place",
		        path, i + 1, when);
	}
}

/* --client-user-map: read and parsed at start-up, as the CAs are. */
static int
load_user_map(struct usermap *m, const char *path)
{
	size_t len = 0;
	unsigned line;
	char why[96];
	int st = readfile(path, (uint8_t *)m->text, USERMAP_FILE_MAX, &len,
	                  NULL, NULL);

	if (st == KEYS_ERR_TOO_BIG) {
		log_msg(LOG_ERR,
		        "client user map %s: larger than %d bytes, the most a "
		        "map may have (at most %d entries)",
		        path, USERMAP_FILE_MAX, USERMAP_ENTRIES_MAX);
		return EXIT_NOINPUT;
	}
	if (st != KEYS_OK)
		return load_failed("client user map", path, st);
	if (usermap_parse(m, len, &line, why, sizeof(why)) != 0) {
		log_msg(LOG_ERR, "client user map %s:%u: %s", path, line, why);
		return EXIT_NOINPUT;
	}
	return 0;
}

static int
load_anchors(struct keys_anchors *store, const struct keys_anchors **view,
             const char *path, const char *what)
{
	int st = keys_anchors_load(store, path);

	if (st != KEYS_OK)
		return load_failed(what, path, st);
	*view = store;
	return 0;
}

static int
load_all(struct credentials *cr, const struct config *cfg,
         enum keymatch_depth depth)
{
	int rc;

	/* config_check() saw to it that certificates and keys pair up. */
	for (size_t i = 0; cfg->tls && i < cfg->cert.count; i++) {
		rc = load_pair(&cr->server[i], cfg->cert.item[i],
		               cfg->key.item[i], "certificate", "key", depth);
		if (rc != 0)
			return rc;
		cr->server_count = i + 1;
	}
	if (cfg->client_ca != NULL &&
	    (rc = load_anchors(&cr->client_ca_store, &cr->client_ca,
	                       cfg->client_ca, "client CA")) != 0)
		return rc;
	if (cfg->client_crl != NULL) {
		if ((rc = map_storage((void **)&cr->crl_store,
		                      sizeof(*cr->crl_store),
		                      "the --client-crl store")) != 0 ||
		    (rc = load_crl(cr->crl_store, cfg->client_crl,
		                   &cr->client_ca_store)) != 0)
			return rc;
		cr->crl = cr->crl_store;
		/* Loaded once for many clients (--listen, a reload): say now
		 * what every client it covers will meet. */
		if (depth == KEYMATCH_FULL)
			warn_expired_crls(cr->crl_store, cfg->client_crl,
			                  (int64_t)time(NULL));
	}
	if (cfg->client_user_map != NULL) {
		if ((rc = map_storage((void **)&cr->user_map_store,
		                      sizeof(*cr->user_map_store),
		                      "the --client-user-map")) != 0 ||
		    (rc = load_user_map(cr->user_map_store,
		                        cfg->client_user_map)) != 0)
			return rc;
		cr->user_map = cr->user_map_store;
	}
	if (cfg->upstream_ca != NULL &&
	    (rc = load_anchors(&cr->upstream_ca_store, &cr->upstream_ca,
	                       cfg->upstream_ca, "upstream CA")) != 0)
		return rc;
	if (cfg->upstream_cert != NULL) {
		rc = load_pair(&cr->upstream_pair, cfg->upstream_cert,
		               cfg->upstream_key, "upstream certificate",
		               "upstream key", depth);
		if (rc != 0)
			return rc;
		cr->upstream_chain = &cr->upstream_pair.chain;
		cr->upstream_key = &cr->upstream_pair.key;
	}
	return 0;
}

void
credentials_forget(struct credentials *cr)
{
	for (size_t i = 0; i < cr->server_count; i++)
		keys_private_forget(&cr->server[i].key);
	if (cr->upstream_key != NULL)
		keys_private_forget(&cr->upstream_pair.key);
	cr->client_ca = NULL;
	cr->crl = NULL;
	cr->upstream_ca = NULL;
	cr->upstream_chain = NULL;
	cr->upstream_key = NULL;
	cr->user_map = NULL;
	cr->server_count = 0;
}

int
credentials_load(struct credentials *cr, const struct config *cfg,
                 enum keymatch_depth depth)
{
	int rc = load_all(cr, cfg, depth);

	/* Loading is over: its buffers' pages go back (scratch.h). Should
	 * that fail, they only stay in memory. */
	(void)keys_release_buffers();
	return rc;
}

const struct credentials_pair *
credentials_server_for(const struct credentials *cr, const char *server_name)
{
	/* The first pair whose certificate names server_name, by libpq's
	 * rule (hostname.c); without SNI, or for a name none has, the
	 * first pair. With one pair there is nothing to choose. */
	for (size_t i = 0; cr->server_count > 1 && server_name != NULL &&
	                   server_name[0] != '\0' && i < cr->server_count;
	     i++) {
		const br_x509_certificate *leaf = &cr->server[i].chain.cert[0];

		if (hostname_match(leaf->data, leaf->data_len, server_name) ==
		    HOSTNAME_MATCH)
			return &cr->server[i];
	}
	return cr->server_count > 0 ? &cr->server[0] : NULL;
}
