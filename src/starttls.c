/* see starttls.h */
#include "starttls.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>

#include "fmt.h"
#include "io.h"
#include "pgproto.h"
#include "tls.h"

/* The SSLRequest exchange. 1: go on with TLS, 0: prefer met 'N', -1. */
static int
ssl_request(const struct config *cfg, struct conn *up, char *why, size_t whylen)
{
	uint8_t req[8], answer;
	enum conn_status st;

	pgproto_ssl_request(req);
	st = conn_write(up, req, sizeof(req));
	if (st == CONN_OK)
		st = conn_read(up, &answer, 1);
	if (st == CONN_TIMEOUT) {
		fmt_format(why, whylen,
		           "timeout: upstream did not answer the SSL request");
		return -1;
	}
	if (st != CONN_OK) {
		fmt_format(why, whylen,
		           "upstream closed the connection during SSL "
		           "negotiation");
		return -1;
	}
	if (answer == 'N' && cfg->upstream_tls == UPSTREAM_TLS_PREFER)
		return 0;
	if (answer == 'N') {
		fmt_format(why, whylen,
		           "upstream server does not support SSL, but SSL was "
		           "required");
		return -1;
	}
	if (answer == 'E') {
		/* Unauthenticated text: never shown (CVE-2024-10977). */
		fmt_format(why, whylen,
		           "upstream server refused the SSL request");
		return -1;
	}
	if (answer != 'S') {
		fmt_format(why, whylen,
		           "received invalid response to SSL negotiation from "
		           "upstream: 0x%02x",
		           answer);
		return -1;
	}
	/* CVE-2021-23222: nothing may come before the handshake. */
	if (io_pending(up->rfd) > 0) {
		fmt_format(why, whylen,
		           "received unencrypted data after SSL response from "
		           "upstream");
		return -1;
	}
	return 1;
}

int
starttls_upstream(struct starttls *t, const struct starttls_params *p,
                  struct conn *up, const char **desc, char *why, size_t whylen)
{
	const struct config *cfg = p->cfg;
	const struct addr *upstream = p->upstream;
	const struct credentials *cr = p->cr;
	const char *host = cfg->upstream_servername != NULL
	                       ? cfg->upstream_servername
	                       : upstream->host;
	const char *sni = host;
	struct in6_addr ip;
	br_ssl_session_parameters params;
	enum conn_status st;
	enum verifier_mode check =
	    cfg->upstream_tls == UPSTREAM_TLS_VERIFY_FULL ? VERIFIER_FULL
	    : cfg->upstream_tls == UPSTREAM_TLS_VERIFY_CA ? VERIFIER_CA
	                                                  : VERIFIER_NONE;

	if (!cfg->upstream_direct) {
		int r = ssl_request(cfg, up, why, whylen);

		if (r == 0)
			*desc = "declined";
		if (r <= 0)
			return r;
	}
	verifier_init(&t->verify, check,
	              cr->upstream_ca != NULL ? cr->upstream_ca->ta : NULL,
	              cr->upstream_ca != NULL ? cr->upstream_ca->count : 0,
	              check == VERIFIER_FULL ? host : NULL);
	if (tls_client_setup(&t->cc, &t->verify, cr->upstream_chain,
	                     cr->upstream_key) != 0) {
		fmt_format(why, whylen, "upstream client key is unusable");
		return -1;
	}
	br_ssl_engine_set_buffer(&t->cc.eng, t->buf, sizeof(t->buf), 1);
	/* libpq sends no SNI for an IP address. */
	if (inet_pton(AF_INET, host, &ip) == 1 ||
	    inet_pton(AF_INET6, host, &ip) == 1)
		sni = NULL;
	if (!br_ssl_client_reset(&t->cc, sni, 0)) {
		fmt_format(why, whylen, "upstream TLS engine reset failed");
		return -1;
	}
	conn_start_tls(up, &t->cc.eng);
	st = conn_handshake(up);
	if (st != CONN_OK) {
		int err = conn_tls_error(up);

		if (err == VERIFIER_ERR_NAME)
			fmt_format(why, whylen,
			           "upstream TLS handshake failed: server "
			           "certificate does not match host name "
			           "\"%.64s\"",
			           host);
		else
			fmt_format(
			    why, whylen, "upstream TLS handshake failed: %s",
			    st == CONN_TIMEOUT ? "timeout"
			    : err == BR_ERR_OK ? "server closed the connection"
			                       : tls_strerror(err));
		return -1;
	}
	if (cfg->upstream_direct &&
	    br_ssl_engine_get_selected_protocol(&t->cc.eng) == NULL) {
		fmt_format(why, whylen,
		           "upstream did not select ALPN \"postgresql\" for a "
		           "direct TLS connection");
		return -1;
	}
	br_ssl_engine_get_session_parameters(&t->cc.eng, &params);
	*desc = tls_suite_name(params.cipher_suite);
	return 0;
}

/*
 * Without -PLUS libpq uses SCRAM-SHA-256 with the gs2 flag "n", which the
 * server accepts. A TLS client cannot be helped this way: it sends "y"
 * and the server rightly calls that a downgrade (README, channel binding).
 */
ssize_t
starttls_hide_scram_plus(struct conn *client, struct conn *up, uint8_t *buf,
                         size_t cap)
{
	size_t total = 0;

	/* A NegotiateProtocolVersion or a notice may come first. */
	for (int i = 0; i < 8; i++) {
		uint32_t len;
		size_t body, n;

		if (conn_read(up, buf, 5) != CONN_OK)
			return -1;
		len = pgproto_get32(buf + 1);
		if (len < 4 || len - 4 > cap - 5) {
			/* Not for us to judge: the relay passes it on. */
			if (conn_write(client, buf, 5) != CONN_OK)
				return -1;
			return (ssize_t)(total + 5);
		}
		body = len - 4;
		if (body > 0 && conn_read(up, buf + 5, body) != CONN_OK)
			return -1;
		n = pgproto_sasl_drop_mechanism(buf, body + 5,
		                                "SCRAM-SHA-256-PLUS");
		if (conn_write(client, buf, n) != CONN_OK)
			return -1;
		total += n;
		if (buf[0] == 'R' || buf[0] == 'E')
			break;
	}
	return (ssize_t)total;
}
