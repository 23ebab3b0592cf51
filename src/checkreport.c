/* see checkreport.h */
#include "checkreport.h"

#include <errno.h>
#include <string.h>

#include "fmt.h"
#include "log.h"
#include "x509/certinfo.h"
#include "x509/dn.h"
#include "x509/keys.h"
#include "x509/pem.h"
#include "x509/readfile.h"
#include "x509/scratch.h"

/*
 * A CA file read again for its certificates' dates and names (the
 * anchors credentials_load() keeps have only names and keys), and one
 * certificate's DER. Static, touched only by --check.
 */

struct report {
	FILE *out;
	int64_t now;
	int warn_days;
	unsigned certs, crls, errors, warnings;
};

static void
tally(struct report *r, const char *level)
{
	if (level[0] == 'e')
		r->errors++;
	else if (level[0] == 'w')
		r->warnings++;
}

/* A Name as RFC 2253 text, or a placeholder dn.c cannot print it. */
static void
name_text(const struct der *name, char *out, size_t cap)
{
	if (dn_rfc2253(name->p, name->len, out, cap) < 0)
		fmt_format(out, cap, "(a name pgstunnel cannot print)");
}

static void
time_text(int64_t t, char *out)
{
	if (certinfo_time_text(t, out, CERTINFO_TIME_MAX) < 0)
		fmt_format(out, CERTINFO_TIME_MAX, "?");
}

/* The level and the reason a validity period gives at r->now. */
static const char *
judge(const struct report *r, int64_t from, int64_t until, const char **why)
{
	switch (certinfo_when(from, until, r->now, r->warn_days)) {
	case CERTINFO_EXPIRED:
		*why = ": expired";
		return "error";
	case CERTINFO_NOT_YET_VALID:
		*why = ": not yet valid";
		return "error";
	case CERTINFO_EXPIRING:
		*why = ": expires within --warn-days";
		return "warning";
	default:
		*why = "";
		return "ok";
	}
}

/* One certificate's line; what and n name it ("certificate FILE[n]"). */
static void
report_cert(struct report *r, const char *what, const char *path, size_t n,
            const struct certinfo *ci)
{
	static char subject[DN_TEXT_MAX], issuer[DN_TEXT_MAX];
	static char san[CERTINFO_SAN_MAX];
	char from[CERTINFO_TIME_MAX], until[CERTINFO_TIME_MAX];
	const char *why, *level = judge(r, ci->not_before, ci->not_after, &why);

	r->certs++;
	tally(r, level);
	name_text(&ci->subject, subject, sizeof(subject));
	name_text(&ci->issuer, issuer, sizeof(issuer));
	if (!ci->has_san)
		fmt_format(san, sizeof(san), "none");
	else if (certinfo_san_text(&ci->san, san, sizeof(san)) < 0)
		fmt_format(san, sizeof(san), "(malformed or too long)");
	time_text(ci->not_before, from);
	time_text(ci->not_after, until);
	fmt_print(r->out,
	          "%s: %s %s[%zu]: subject=\"%s\" san=\"%s\" issuer=\"%s\" "
	          "ca=%s not_before=%s not_after=%s days_left=%lld%s\n",
	          level, what, path, n, subject, san, issuer,
	          ci->is_ca ? "yes" : "no", from, until,
	          (long long)certinfo_days_left(ci->not_after, r->now), why);
}

static void
unreadable_cert(struct report *r, const char *what, const char *path, size_t n)
{
	r->certs++;
	r->errors++;
	fmt_print(r->out, "error: %s %s[%zu]: does not parse\n", what, path, n);
}

/*
 * A chain, leaf first: each certificate's line, then each link: [i] must
 * name [i+1] as its issuer and be signed by its key. The last one's issuer
 * is not in the file (clients hold it) unless it is self-signed; either is
 * fine, and said.
 */
static void
report_chain(struct report *r, const char *what, const char *path,
             const struct keys_chain *chain)
{
	static struct certinfo ci[KEYS_CHAIN_MAX];
	static char issuer[DN_TEXT_MAX];
	size_t i, n = chain->count;

	for (i = 0; i < n; i++) {
		if (certinfo_parse(chain->cert[i].data, chain->cert[i].data_len,
		                   &ci[i]) != 0) {
			unreadable_cert(r, what, path, i + 1);
			return;
		}
		report_cert(r, what, path, i + 1, &ci[i]);
	}
	for (i = 0; i + 1 < n; i++) {
		int named = der_is(&ci[i].issuer, ci[i + 1].subject.p,
		                   ci[i + 1].subject.len);
		int signed_ok =
		    ci[i + 1].key_known &&
		    certinfo_signed_by(&ci[i], &ci[i + 1].pkey) == 1;

		if (named && signed_ok) {
			fmt_print(r->out,
			          "ok: chain %s: [%zu] signed by [%zu]\n", path,
			          i + 1, i + 2);
			continue;
		}
		r->errors++;
		fmt_print(r->out,
		          "error: chain %s: [%zu] %s [%zu]: a chain goes leaf "
		          "first, each certificate followed by its issuer\n",
		          path, i + 1,
		          named ? "names as its issuer, but is not signed by"
		                : "is not issued by",
		          i + 2);
	}
	if (n == 0)
		return;
	i = n - 1;
	if (der_is(&ci[i].issuer, ci[i].subject.p, ci[i].subject.len) &&
	    ci[i].key_known && certinfo_signed_by(&ci[i], &ci[i].pkey) == 1) {
		fmt_print(r->out, "ok: chain %s: [%zu] is self-signed\n", path,
		          i + 1);
		return;
	}
	name_text(&ci[i].issuer, issuer, sizeof(issuer));
	fmt_print(r->out,
	          "ok: chain %s: ends at [%zu], issued by \"%s\" (not in the "
	          "file)\n",
	          path, i + 1, issuer);
}

static void
report_key(struct report *r, const char *what, const char *key_path,
           const char *cert_path)
{
	fmt_print(r->out, "ok: %s %s: belongs to %s[1] (full check)\n", what,
	          key_path, cert_path);
}

/* The PEM walk over a CA file: each CERTIFICATE's DER into der
 * (KEYS_FILE_MAX bytes). */
struct ca_walk {
	struct report *r;
	const char *what, *path;
	uint8_t *der;
	size_t len, count;
	int in_cert, overflow;
};

static int
ca_begin(void *ctx, enum pem_kind kind)
{
	struct ca_walk *w = ctx;

	w->in_cert = kind == PEM_CERT;
	w->len = 0;
	w->overflow = 0;
	return 0;
}

static void
ca_data(void *ctx, const void *buf, size_t len)
{
	struct ca_walk *w = ctx;

	if (!w->in_cert || w->overflow)
		return;
	if (len > KEYS_FILE_MAX - w->len) {
		w->overflow = 1;
		return;
	}
	memcpy(w->der + w->len, buf, len);
	w->len += len;
}

static int
ca_end(void *ctx)
{
	struct ca_walk *w = ctx;
	struct certinfo ci;

	if (!w->in_cert)
		return 0;
	w->count++;
	if (w->overflow || certinfo_parse(w->der, w->len, &ci) != 0)
		unreadable_cert(w->r, w->what, w->path, w->count);
	else
		report_cert(w->r, w->what, w->path, w->count, &ci);
	return 0;
}

/*
 * Every certificate of a CA file that credentials_load() took. The file
 * and one certificate's DER are mapped only for --check (scratch_map()):
 * a process that serves never reserves them.
 */
static void
report_ca_file(struct report *r, const char *what, const char *path)
{
	uint8_t *pem = scratch_map(KEYS_FILE_MAX);
	struct ca_walk w = {r, what, path, scratch_map(KEYS_FILE_MAX),
	                    0, 0,    0,    0};
	struct pem_sink sink = {ca_begin, ca_data, ca_end, &w};
	size_t len = 0;
	int st;

	if (pem == NULL || w.der == NULL) {
		r->errors++;
		fmt_print(r->out,
		          "error: %s %s: cannot map memory to read it: %s\n",
		          what, path, strerror(errno));
	} else if ((st = readfile(path, pem, KEYS_FILE_MAX, &len, NULL,
	                          NULL)) != KEYS_OK) {
		r->errors++;
		fmt_print(r->out, "error: %s %s: %s%s%s\n", what, path,
		          keys_strerror(st), st == KEYS_ERR_IO ? ": " : "",
		          st == KEYS_ERR_IO ? strerror(errno) : "");
	} else if (pem_walk(pem, len, &sink) != 0) {
		r->errors++;
		fmt_print(r->out, "error: %s %s: not valid PEM\n", what, path);
	}
	scratch_unmap(pem, KEYS_FILE_MAX);
	scratch_unmap(w.der, KEYS_FILE_MAX);
}

/* The client CA whose subject Name hashes to a CRL's issuer hash: the
 * store keeps only the hash, and crl.c took the CRL only from a CA. */
static const br_x509_trust_anchor *
crl_issuer(const struct keys_anchors *cas, const struct crl_entry *e)
{
	uint8_t hash[CRL_HASH_LEN];
	br_sha256_context h;

	for (size_t i = 0; cas != NULL && i < cas->count; i++) {
		br_sha256_init(&h);
		br_sha256_update(&h, cas->ta[i].dn.data, cas->ta[i].dn.len);
		br_sha256_out(&h, hash);
		if (memcmp(hash, e->issuer_hash, sizeof(hash)) == 0)
			return &cas->ta[i];
	}
	return NULL;
}

static void
report_crls(struct report *r, const char *path, const struct crl_store *st,
            const struct keys_anchors *cas)
{
	static char issuer[DN_TEXT_MAX];
	char from[CERTINFO_TIME_MAX], until[CERTINFO_TIME_MAX];
	char days[32];

	for (size_t i = 0; i < st->count; i++) {
		const struct crl_entry *e = &st->crl[i];
		const br_x509_trust_anchor *ta = crl_issuer(cas, e);
		int64_t end = e->has_next_update ? e->next_update : INT64_MAX;
		const char *why, *level = judge(r, e->this_update, end, &why);

		r->crls++;
		tally(r, level);
		if (ta != NULL) {
			struct der dn = {ta->dn.data, ta->dn.len};

			name_text(&dn, issuer, sizeof(issuer));
		} else {
			fmt_format(issuer, sizeof(issuer), "?");
		}
		time_text(e->this_update, from);
		if (e->has_next_update) {
			time_text(e->next_update, until);
			fmt_format(days, sizeof(days), "%lld",
			           (long long)certinfo_days_left(e->next_update,
			                                         r->now));
		} else {
			fmt_format(until, sizeof(until), "none");
			fmt_format(days, sizeof(days), "none");
		}
		fmt_print(r->out,
		          "%s: CRL %s[%zu]: issuer=\"%s\" revoked=%zu "
		          "this_update=%s next_update=%s days_left=%s%s\n",
		          level, path, i + 1, issuer, e->count, from, until,
		          days, why);
	}
}

static void
report_all(struct report *r, const struct config *cfg,
           const struct credentials *cr)
{
	for (size_t i = 0; i < cr->server_count; i++) {
		report_chain(r, "certificate", cfg->cert.item[i],
		             &cr->server[i].chain);
		report_key(r, "key", cfg->key.item[i], cfg->cert.item[i]);
	}
	if (cr->client_ca != NULL)
		report_ca_file(r, "client CA", cfg->client_ca);
	if (cr->crl != NULL)
		report_crls(r, cfg->client_crl, cr->crl, cr->client_ca);
	if (cr->upstream_ca != NULL)
		report_ca_file(r, "upstream CA", cfg->upstream_ca);
	if (cr->upstream_chain != NULL) {
		report_chain(r, "upstream certificate", cfg->upstream_cert,
		             cr->upstream_chain);
		report_key(r, "upstream key", cfg->upstream_key,
		           cfg->upstream_cert);
	}
}

int
checkreport_run(const struct config *cfg, struct credentials *cr, int64_t now,
                FILE *out)
{
	struct report r = {out, now, cfg->warn_days, 0, 0, 0, 0};
	const char *verdict = "OK";
	int rc;

	/* A load error is one log line: on stdout too, for a cron mail. */
	log_copy_errors(out);
	rc = credentials_load(cr, cfg, KEYMATCH_FULL);
	log_copy_errors(NULL);
	if (rc != 0)
		r.errors++; /* and loading stopped there: nothing to report */
	else
		report_all(&r, cfg, cr);
	if (r.errors > 0)
		verdict = "ERROR";
	else if (r.warnings > 0)
		verdict = "WARNING";
	fmt_print(out,
	          "result: %s: %u certificate%s, %u CRL%s checked; %u error%s, "
	          "%u warning%s (--warn-days %d)\n",
	          verdict, r.certs, r.certs == 1 ? "" : "s", r.crls,
	          r.crls == 1 ? "" : "s", r.errors, r.errors == 1 ? "" : "s",
	          r.warnings, r.warnings == 1 ? "" : "s", cfg->warn_days);
	if (fflush(out) != 0 && r.errors == 0)
		return CHECKREPORT_ERROR; /* a report nobody can read is no "OK"
		                           */
	if (r.errors > 0)
		return CHECKREPORT_ERROR;
	return r.warnings > 0 ? CHECKREPORT_WARNING : CHECKREPORT_OK;
}
