/*
 * fmt: printf-style formatting of the conversions pgstunnel uses, so that
 * a static binary does not carry the C library's printf family (musl's
 * vfprintf alone is 7-10 kB, with floating point pgstunnel never prints).
 *
 * Conversions: d i u x X o c s %, with the flags '-' and '0', a width and
 * a precision (digits or '*'), and the lengths hh h l ll z. Anything
 * else is written as it stands in the format. "%s" of NULL is "(null)".
 * Compilers check the arguments against the format (format attribute).
 */
#ifndef PGSTUNNEL_FMT_H
#define PGSTUNNEL_FMT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

/*
 * As vsnprintf(): at most cap - 1 bytes and a NUL into dst (nothing when
 * cap is 0); returns the length the whole text has (so a result >= cap
 * means it was cut), never negative.
 */
int fmt_vformat(char *dst, size_t cap, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));
int fmt_format(char *dst, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * As fprintf(), through fwrite(): returns the length written. Text up to
 * 2048 bytes is one fwrite() (one write(2) on an unbuffered stream, so
 * that lines of processes sharing stderr do not mix).
 */
int fmt_print(FILE *f, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
