/* fixture: see fixture.h */
#include "fixture.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bearssl.h>

void
fixture_der_append(void *ctx, const void *buf, size_t len)
{
	struct derobj *o = ctx;

	if (len > sizeof(o->data) - o->len) {
		o->overflow = 1;
		return;
	}
	memcpy(o->data + o->len, buf, len);
	o->len += len;
}

size_t
fixture_load_pem(const char *path, const char *label, struct derobj *out,
                 size_t max)
{
	static unsigned char pem[FIXTURE_PEM_MAX];
	br_pem_decoder_context pc;
	FILE *f;
	size_t len, off, n = 0;
	int in_obj = 0;

	f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "cannot open %s (run from the repo root)",
	              path);
	len = fread(pem, 1, sizeof(pem) - 1, f);
	ck_assert_msg(feof(f), "%s is over %d bytes", path, FIXTURE_PEM_MAX);
	fclose(f);
	pem[len++] = '\n'; /* BearSSL wants the last line terminated */

	br_pem_decoder_init(&pc);
	for (off = 0; off < len;) {
		off += br_pem_decoder_push(&pc, pem + off, len - off);
		switch (br_pem_decoder_event(&pc)) {
		case BR_PEM_BEGIN_OBJ:
			ck_assert_uint_lt(n, max);
			if (label != NULL)
				ck_assert_str_eq(br_pem_decoder_name(&pc),
				                 label);
			out[n].len = 0;
			out[n].overflow = 0;
			br_pem_decoder_setdest(&pc, fixture_der_append,
			                       &out[n]);
			in_obj = 1;
			break;
		case BR_PEM_END_OBJ:
			ck_assert(in_obj && !out[n].overflow);
			n++;
			in_obj = 0;
			break;
		case BR_PEM_ERROR:
			ck_abort_msg("PEM error in %s", path);
			break;
		default:
			break;
		}
	}
	ck_assert(!in_obj);
	ck_assert_uint_gt(n, 0);
	return n;
}

int
fixture_key_load(struct keys_private *key, const char *path)
{
	static unsigned char pem[FIXTURE_PEM_MAX];
	char copy[] = "/tmp/pgst-unit-key.XXXXXX";
	FILE *f = fopen(path, "rb");
	size_t len;
	int fd, rc;

	ck_assert_msg(f != NULL, "cannot open %s (run from the repo root)",
	              path);
	len = fread(pem, 1, sizeof(pem), f);
	fclose(f);
	fd = mkstemp(copy); /* mode 0600 */
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, pem, len), (ssize_t)len);
	close(fd);
	rc = keys_private_load(key, copy);
	unlink(copy);
	return rc;
}
