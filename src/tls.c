/* see tls.h */
#include "tls.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "fmt.h"
#include "x509/scratch.h"

/* BearSSL takes a non-const array; it never writes to it. */
static const char *alpn_names[] = {TLS_ALPN_POSTGRESQL};

/*
 * The AEAD implementations for this CPU, chosen once a process. Each of
 * BearSSL's getters (and its set_default_* helpers, which call them
 * again) runs CPUID on x86, which traps to the hypervisor in a virtual
 * machine: about 20 us a call measured under KVM, four calls a
 * connection otherwise. The fallbacks are the constant-time code that
 * BearSSL's own defaults pick for the word size.
 */
struct aead_impl {
	const br_block_ctr_class *aes_ctr;
	br_ghash ghash;
	br_chacha20_run chacha20;
	br_poly1305_run poly1305;
	int aes_fast;
};

/* Written by every process (tls_probe_cpu()): in initialized data, whose
 * page every process writes anyway, not alone on a page of .bss. */
static SCRATCH_HOT struct aead_impl aead;
static SCRATCH_HOT int aead_known;

void
tls_probe_cpu(void)
{
	const int wide = UINTPTR_MAX > 0xffffffffu;

	if (aead_known)
		return;
	aead.aes_ctr = br_aes_x86ni_ctr_get_vtable();
	if (aead.aes_ctr == NULL)
		aead.aes_ctr = br_aes_pwr8_ctr_get_vtable();
	aead.aes_fast = aead.aes_ctr != NULL;
	if (aead.aes_ctr == NULL)
		aead.aes_ctr =
		    wide ? &br_aes_ct64_ctr_vtable : &br_aes_ct_ctr_vtable;
	aead.ghash = br_ghash_pclmul_get();
	if (aead.ghash == 0)
		aead.ghash = br_ghash_pwr8_get();
	if (aead.ghash == 0)
		aead.ghash = wide ? &br_ghash_ctmul64 : &br_ghash_ctmul;
	aead.chacha20 = br_chacha20_sse2_get();
	if (aead.chacha20 == 0)
		aead.chacha20 = &br_chacha20_ct_run;
	aead.poly1305 = br_poly1305_ctmulq_get();
	if (aead.poly1305 == 0)
		aead.poly1305 = &br_poly1305_ctmul_run;
	aead_known = 1;
}

/* Suites for one key type, in preference order for this CPU. */
static size_t
pick_suites(uint16_t *out, int rsa)
{
	int aes_fast;

	tls_probe_cpu();
	aes_fast = aead.aes_fast;
	uint16_t gcm128 = rsa ? BR_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
	                      : BR_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256;
	uint16_t gcm256 = rsa ? BR_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384
	                      : BR_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384;
	uint16_t chapol =
	    rsa ? BR_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256
	        : BR_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256;

	if (aes_fast) {
		out[0] = gcm128;
		out[1] = gcm256;
		out[2] = chapol;
	} else {
		out[0] = chapol;
		out[1] = gcm128;
		out[2] = gcm256;
	}
	return 3;
}

/* What both sides share: versions, hashes, PRFs, AEADs, curves. */
static void
common_setup(br_ssl_engine_context *eng, const uint16_t *suites, size_t n)
{
	tls_probe_cpu();
	br_ssl_engine_set_versions(eng, BR_TLS12, BR_TLS12);
	br_ssl_engine_set_suites(eng, suites, n);
	br_ssl_engine_set_ec(eng, br_ec_get_default());
	br_ssl_engine_set_hash(eng, br_sha1_ID, &br_sha1_vtable);
	br_ssl_engine_set_hash(eng, br_sha224_ID, &br_sha224_vtable);
	br_ssl_engine_set_hash(eng, br_sha256_ID, &br_sha256_vtable);
	br_ssl_engine_set_hash(eng, br_sha384_ID, &br_sha384_vtable);
	br_ssl_engine_set_hash(eng, br_sha512_ID, &br_sha512_vtable);
	br_ssl_engine_set_prf_sha256(eng, &br_tls12_sha256_prf);
	br_ssl_engine_set_prf_sha384(eng, &br_tls12_sha384_prf);
	br_ssl_engine_set_gcm(eng, &br_sslrec_in_gcm_vtable,
	                      &br_sslrec_out_gcm_vtable);
	br_ssl_engine_set_aes_ctr(eng, aead.aes_ctr);
	br_ssl_engine_set_ghash(eng, aead.ghash);
	br_ssl_engine_set_chapol(eng, &br_sslrec_in_chapol_vtable,
	                         &br_sslrec_out_chapol_vtable);
	br_ssl_engine_set_chacha20(eng, aead.chacha20);
	br_ssl_engine_set_poly1305(eng, aead.poly1305);
	br_ssl_engine_set_protocol_names(eng, alpn_names, 1);
}

void
tls_server_setup(br_ssl_server_context *sc,
                 const br_ssl_server_policy_class **policy, unsigned key_types,
                 struct verifier *verify,
                 const struct keys_anchors *client_anchors, int cert_optional)
{
	uint16_t suites[8];
	size_t n;

	br_ssl_server_zero(sc);
	n = 0;
	if (key_types & TLS_KEY_EC)
		n += pick_suites(suites + n, 0);
	if (key_types & TLS_KEY_RSA)
		n += pick_suites(suites + n, 1);
	common_setup(&sc->eng, suites, n);
	/* A client whose ALPN list lacks "postgresql" gets the fatal
	 * no_application_protocol alert, as from PostgreSQL 17. */
	br_ssl_engine_set_all_flags(&sc->eng,
	                            BR_OPT_ENFORCE_SERVER_PREFERENCES |
	                                BR_OPT_NO_RENEGOTIATION |
	                                BR_OPT_FAIL_ON_ALPN_MISMATCH);
	br_ssl_server_set_policy(sc, policy);
	if (verify != NULL) {
		br_ssl_server_set_trust_anchor_names_alt(sc, client_anchors->ta,
		                                         client_anchors->count);
		br_ssl_engine_set_x509(&sc->eng, &verify->vtable);
		br_ssl_engine_set_default_rsavrfy(&sc->eng);
		br_ssl_engine_set_default_ecdsa(&sc->eng);
		if (cert_optional)
			br_ssl_engine_add_flags(&sc->eng,
			                        BR_OPT_TOLERATE_NO_CLIENT_AUTH);
	}
}

int
tls_client_setup(br_ssl_client_context *cc, struct verifier *verify,
                 const struct keys_chain *chain, const struct keys_private *key)
{
	uint16_t suites[8];
	size_t n;

	br_ssl_client_zero(cc);
	/* Either server key type: RSA and ECDSA suites, AEAD only. */
	n = pick_suites(suites, 0);
	n += pick_suites(suites + n, 1);
	common_setup(&cc->eng, suites, n);
	br_ssl_engine_set_all_flags(&cc->eng, BR_OPT_NO_RENEGOTIATION);
	br_ssl_engine_set_default_rsavrfy(&cc->eng);
	br_ssl_engine_set_default_ecdsa(&cc->eng);
	br_ssl_engine_set_x509(&cc->eng, &verify->vtable);
	if (chain != NULL && key != NULL) {
		const br_rsa_private_key *rsa = keys_private_rsa(key);
		const br_ec_private_key *ec = keys_private_ec(key);

		if (rsa != NULL)
			br_ssl_client_set_single_rsa(
			    cc, chain->cert, chain->count, rsa,
			    br_rsa_pkcs1_sign_get_default());
		else if (ec != NULL)
			br_ssl_client_set_single_ec(
			    cc, chain->cert, chain->count, ec, BR_KEYTYPE_SIGN,
			    BR_KEYTYPE_EC, br_ec_get_default(),
			    br_ecdsa_sign_asn1_get_default());
		else
			return -1;
	}
	return 0;
}

struct name {
	int code;
	const char *text;
};

static const struct name errors[] = {
    {BR_ERR_OK, "ok"},
    {BR_ERR_BAD_PARAM, "bad parameter"},
    {BR_ERR_BAD_STATE, "bad state"},
    {BR_ERR_UNSUPPORTED_VERSION, "unsupported TLS version (need TLS 1.2)"},
    {BR_ERR_BAD_VERSION, "bad record version"},
    {BR_ERR_BAD_LENGTH, "bad record length"},
    {BR_ERR_TOO_LARGE, "record too large"},
    {BR_ERR_BAD_MAC, "bad record MAC"},
    {BR_ERR_NO_RANDOM, "no random source"},
    {BR_ERR_UNKNOWN_TYPE, "unknown record type (not TLS?)"},
    {BR_ERR_UNEXPECTED, "unexpected message"},
    {BR_ERR_BAD_CCS, "bad ChangeCipherSpec"},
    {BR_ERR_BAD_ALERT, "bad alert"},
    {BR_ERR_BAD_HANDSHAKE, "bad handshake message"},
    {BR_ERR_OVERSIZED_ID, "oversized session ID"},
    {BR_ERR_BAD_CIPHER_SUITE, "bad cipher suite"},
    {BR_ERR_BAD_COMPRESSION, "bad compression"},
    {BR_ERR_BAD_FRAGLEN, "bad fragment length"},
    {BR_ERR_BAD_SECRENEG, "bad secure renegotiation"},
    {BR_ERR_EXTRA_EXTENSION, "unexpected extension"},
    {BR_ERR_BAD_SNI, "bad server name"},
    {BR_ERR_BAD_HELLO_DONE, "bad ServerHelloDone"},
    {BR_ERR_LIMIT_EXCEEDED, "limit exceeded"},
    {BR_ERR_BAD_FINISHED, "bad Finished"},
    {BR_ERR_RESUME_MISMATCH, "session resumption mismatch"},
    {BR_ERR_INVALID_ALGORITHM, "invalid algorithm"},
    {BR_ERR_BAD_SIGNATURE, "bad signature"},
    {BR_ERR_WRONG_KEY_USAGE, "wrong key usage"},
    {BR_ERR_NO_CLIENT_AUTH, "client sent no certificate"},
    {BR_ERR_IO, "the peer closed the connection during the handshake"},
    {BR_ERR_SEND_FATAL_ALERT + 40, "handshake failure (no common suite "
                                   "or curve; TLS 1.2 with ECDHE and AEAD "
                                   "needed)"},
    {BR_ERR_SEND_FATAL_ALERT + 120,
     "client offered ALPN without \"postgresql\" (no_application_protocol)"},
};

static const struct name alerts[] = {
    {10, "unexpected_message"},      {20, "bad_record_mac"},
    {40, "handshake_failure"},       {42, "bad_certificate"},
    {43, "unsupported_certificate"}, {44, "certificate_revoked"},
    {45, "certificate_expired"},     {46, "certificate_unknown"},
    {47, "illegal_parameter"},       {48, "unknown_ca"},
    {49, "access_denied"},           {50, "decode_error"},
    {51, "decrypt_error"},           {70, "protocol_version"},
    {71, "insufficient_security"},   {80, "internal_error"},
    {86, "inappropriate_fallback"},  {109, "missing_extension"},
    {110, "unsupported_extension"},  {112, "unrecognized_name"},
    {116, "certificate_required"},   {120, "no_application_protocol"},
};

int
tls_alert_for(int err)
{
	switch (err) {
	case BR_ERR_NO_CLIENT_AUTH:
		return 116; /* certificate_required */
	case BR_ERR_X509_NOT_TRUSTED:
		return 48; /* unknown_ca */
	case BR_ERR_X509_EXPIRED:
		return 45; /* certificate_expired */
	case VERIFIER_ERR_REVOKED:
		return 44; /* certificate_revoked */
	case BR_ERR_X509_FORBIDDEN_KEY_USAGE:
	case VERIFIER_ERR_PURPOSE:
		return 43; /* unsupported_certificate */
	case BR_ERR_UNSUPPORTED_VERSION:
		return 70; /* protocol_version */
	case BR_ERR_BAD_SIGNATURE:
	case BR_ERR_BAD_FINISHED:
		return 51; /* decrypt_error */
	case BR_ERR_BAD_MAC:
		return 20; /* bad_record_mac */
	case BR_ERR_UNEXPECTED:
	case BR_ERR_BAD_CCS:
		return 10; /* unexpected_message */
	case BR_ERR_BAD_HANDSHAKE:
	case BR_ERR_BAD_FRAGLEN:
	case BR_ERR_OVERSIZED_ID:
	case BR_ERR_BAD_SNI:
		return 50; /* decode_error */
	case BR_ERR_BAD_SECRENEG:
	case BR_ERR_EXTRA_EXTENSION:
	case BR_ERR_BAD_COMPRESSION:
	case BR_ERR_BAD_CIPHER_SUITE:
		return 47; /* illegal_parameter */
	case BR_ERR_WRONG_KEY_USAGE:
	case BR_ERR_INVALID_ALGORITHM:
		return 40; /* handshake_failure */
	default:
		break;
	}
	/* Any other refusal of the peer's certificate by the verifier. */
	if ((err > BR_ERR_X509_OK && err < BR_ERR_X509_OK + 32) ||
	    (err >= VERIFIER_ERR_NAME && err <= VERIFIER_ERR_LAST))
		return 42; /* bad_certificate */
	return 0;
}

void
tls_alert_record(unsigned char out[TLS_ALERT_RECORD_LEN], unsigned version,
                 int alert)
{
	out[0] = 21; /* alert */
	out[1] = (unsigned char)(version >> 8);
	out[2] = (unsigned char)version;
	out[3] = 0;
	out[4] = 2;
	out[5] = 2; /* fatal */
	out[6] = (unsigned char)alert;
}

static const char *
find_name(const struct name *table, size_t n, int code)
{
	for (size_t i = 0; i < n; i++) {
		if (table[i].code == code)
			return table[i].text;
	}
	return NULL;
}

const char *
tls_alert_name(int alert)
{
	return find_name(alerts, sizeof(alerts) / sizeof(alerts[0]), alert);
}

const char *
tls_strerror(int err)
{
	static char buf[96];
	const char *text =
	    find_name(errors, sizeof(errors) / sizeof(errors[0]), err);

	if (text != NULL)
		return text;
	if (err >= BR_ERR_RECV_FATAL_ALERT &&
	    err < BR_ERR_RECV_FATAL_ALERT + 256) {
		text = find_name(alerts, sizeof(alerts) / sizeof(alerts[0]),
		                 err - BR_ERR_RECV_FATAL_ALERT);
		fmt_format(buf, sizeof(buf), "peer sent fatal alert %d (%s)",
		           err - BR_ERR_RECV_FATAL_ALERT,
		           text != NULL ? text : "unknown");
		return buf;
	}
	if (err >= BR_ERR_SEND_FATAL_ALERT &&
	    err < BR_ERR_SEND_FATAL_ALERT + 256) {
		text = find_name(alerts, sizeof(alerts) / sizeof(alerts[0]),
		                 err - BR_ERR_SEND_FATAL_ALERT);
		fmt_format(buf, sizeof(buf), "sent fatal alert %d (%s)",
		           err - BR_ERR_SEND_FATAL_ALERT,
		           text != NULL ? text : "unknown");
		return buf;
	}
	return verifier_strerror(err);
}

static const struct name suites[] = {
    {BR_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
     "ECDHE-ECDSA-AES128-GCM-SHA256"},
    {BR_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
     "ECDHE-ECDSA-AES256-GCM-SHA384"},
    {BR_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
     "ECDHE-ECDSA-CHACHA20-POLY1305"},
    {BR_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, "ECDHE-RSA-AES128-GCM-SHA256"},
    {BR_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, "ECDHE-RSA-AES256-GCM-SHA384"},
    {BR_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
     "ECDHE-RSA-CHACHA20-POLY1305"},
};

const char *
tls_suite_name(unsigned suite)
{
	for (size_t i = 0; i < sizeof(suites) / sizeof(suites[0]); i++) {
		if ((unsigned)suites[i].code == suite)
			return suites[i].text;
	}
	return "unknown-suite";
}

const char *
tls_version_name(unsigned version)
{
	switch (version) {
	case BR_TLS10:
		return "TLSv1.0";
	case BR_TLS11:
		return "TLSv1.1";
	case BR_TLS12:
		return "TLSv1.2";
	default:
		return "TLS?";
	}
}
