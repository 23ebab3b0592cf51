/*
 * Unit tests for scratch.c: which bytes scratch_release() gives back
 * (they read as zeros afterwards) and which it must leave alone.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "x509/scratch.h"

#define PAGES 4
static _Alignas(SCRATCH_ALIGN) uint8_t buf[PAGES * SCRATCH_ALIGN];

static size_t
page(void)
{
	return (size_t)sysconf(_SC_PAGESIZE);
}

/* 1 when buf[from..to) holds only byte b. */
static int
all(size_t from, size_t to, uint8_t b)
{
	for (size_t i = from; i < to; i++) {
		if (buf[i] != b)
			return 0;
	}
	return 1;
}

START_TEST(whole_buffer)
{
	if (page() != SCRATCH_ALIGN)
		return; /* the layout below assumes 4 KiB pages */
	memset(buf, 0xAA, sizeof buf);
	ck_assert_int_eq(scratch_release(buf, sizeof buf), 0);
	ck_assert(all(0, sizeof buf, 0));
	/* The pages are usable again. */
	memset(buf, 0x55, sizeof buf);
	ck_assert(all(0, sizeof buf, 0x55));
}
END_TEST

START_TEST(only_whole_pages)
{
	size_t p = page();

	if (p != SCRATCH_ALIGN)
		return;
	memset(buf, 0xAA, sizeof buf);
	/* From inside page 0 to inside page 3: pages 1 and 2 go. */
	ck_assert_int_eq(scratch_release(buf + 100, 3 * p - 100 + 50), 0);
	ck_assert(all(0, p, 0xAA));
	ck_assert(all(p, 3 * p, 0));
	ck_assert(all(3 * p, sizeof buf, 0xAA));
}
END_TEST

START_TEST(less_than_a_page)
{
	size_t p = page();

	memset(buf, 0xAA, sizeof buf);
	ck_assert_int_eq(scratch_release(buf, 0), 0);
	ck_assert_int_eq(scratch_release(buf + 1, p - 1), 0);
	ck_assert_int_eq(scratch_release(buf + 1, p), 0);
	ck_assert(all(0, sizeof buf, 0xAA));
}
END_TEST

START_TEST(only_what_was_used)
{
	size_t p = page();

	if (p != SCRATCH_ALIGN)
		return;
	memset(buf, 0xAA, sizeof buf);
	/* Nothing used: nothing given back. */
	ck_assert_int_eq(scratch_release_used(buf, sizeof buf, 0), 0);
	ck_assert(all(0, sizeof buf, 0xAA));
	/* One byte and a page and a byte: the pages they touched. */
	ck_assert_int_eq(scratch_release_used(buf, sizeof buf, 1), 0);
	ck_assert(all(0, p, 0));
	ck_assert(all(p, sizeof buf, 0xAA));
	ck_assert_int_eq(scratch_release_used(buf, sizeof buf, p + 1), 0);
	ck_assert(all(0, 2 * p, 0));
	ck_assert(all(2 * p, sizeof buf, 0xAA));
	/* More than the buffer: the buffer. */
	ck_assert_int_eq(scratch_release_used(buf, 3 * p, 10 * p), 0);
	ck_assert(all(0, 3 * p, 0));
	ck_assert(all(3 * p, sizeof buf, 0xAA));
}
END_TEST

/* scratch_map(): zeroed, page-aligned, writable; scratch_unmap() gives
 * the address space back (and takes NULL). */
START_TEST(map_and_unmap)
{
	size_t len = 3 * SCRATCH_ALIGN + 100;
	uint8_t *p = scratch_map(len);

	ck_assert_ptr_nonnull(p);
	ck_assert_uint_eq((uintptr_t)p % SCRATCH_ALIGN, 0);
	for (size_t i = 0; i < len; i++)
		ck_assert_uint_eq(p[i], 0);
	memset(p, 0xa5, len);
	ck_assert_uint_eq(p[len - 1], 0xa5);
	scratch_unmap(p, len);
	scratch_unmap(NULL, len);
}
END_TEST

static Suite *
scratch_suite(void)
{
	Suite *s = suite_create("scratch");
	TCase *tc = tcase_create("release");

	tcase_add_test(tc, whole_buffer);
	tcase_add_test(tc, only_whole_pages);
	tcase_add_test(tc, less_than_a_page);
	tcase_add_test(tc, only_what_was_used);
	tcase_add_test(tc, map_and_unmap);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(scratch_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
