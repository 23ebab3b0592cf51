# pgstunnel: a per-connection TLS terminator for PostgreSQL.
# See README.md. Targets: all (default), check, asan, unit, integration,
# certs, demo, install, clean, lint, format, man-check.

VERSION = 0.1.0

CC      ?= cc
PREFIX  ?= /usr/local
SBINDIR ?= $(PREFIX)/sbin
MANDIR  ?= $(PREFIX)/share/man

# BearSSL: headers and the static archive, so the binary needs only libc.
# Point these at another BearSSL for a cross-build.
BEARSSL_CFLAGS ?=
BEARSSL_LIBS   ?= $(shell $(CC) -print-file-name=libbearssl.a)

# STATIC=1: one self-contained binary, built with musl-gcc (Debian
# package musl-tools): 250 KB stripped. LIBC=glibc builds it with glibc
# instead, over 1 MB, and glibc's static getaddrinfo() still loads the
# NSS libraries of the same glibc version at run time.
ifeq ($(STATIC),1)
LIBC ?= musl
endif
ifeq ($(LIBC),musl)
ifeq ($(shell command -v musl-gcc 2>/dev/null),)
$(error LIBC=musl (the default with STATIC=1) needs musl-gcc: install musl-tools, or use LIBC=glibc)
endif
CC             = musl-gcc
BEARSSL_CFLAGS = -Ibuild/musl-include
BEARSSL_LIBS   = $(shell gcc -print-file-name=libbearssl.a)
OBJDIR         = build/obj-musl
else
OBJDIR         = build/obj
endif

CFLAGS  ?= -O2 -g
WARN     = -std=c11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	   -Wmissing-prototypes -Wpointer-arith -Wformat=2 -Wvla
DEFS     = -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE \
	   -DPGSTUNNEL_VERSION='"$(VERSION)"'
ALL_CFLAGS = $(WARN) $(DEFS) $(BEARSSL_CFLAGS) $(CFLAGS) $(CPPFLAGS)
ifeq ($(STATIC),1)
LDFLAGS += -static
endif

SANFLAGS = -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all \
	   -fno-omit-frame-pointer

SRCS     = $(sort $(wildcard src/*.c))
HDRS     = $(wildcard src/*.h)
LIB_SRCS = $(filter-out src/main.c,$(SRCS))
OBJS     = $(SRCS:src/%.c=$(OBJDIR)/%.o)
LIB_OBJS = $(LIB_SRCS:src/%.c=build/obj/%.o)
ifeq ($(LIBC),musl)
OBJS    += $(OBJDIR)/compat/musl_fortify.o
endif
ASAN_OBJS     = $(SRCS:src/%.c=build/asan/%.o)
ASAN_LIB_OBJS = $(LIB_SRCS:src/%.c=build/asan/%.o)

UNIT_SRCS  = $(sort $(wildcard tests/unit/check_*.c))
# Helpers linked into every unit-test binary.
UNIT_HELPERS = tests/unit/fixture.c
UNIT_HDRS    = tests/unit/fixture.h
UNIT_BINS  = $(UNIT_SRCS:tests/unit/%.c=build/tests/%)
ASAN_UNIT_BINS = $(UNIT_SRCS:tests/unit/%.c=build/asan-tests/%)
CHECK_CFLAGS = $(shell pkg-config --cflags check 2>/dev/null)
CHECK_LIBS   = $(shell pkg-config --libs check 2>/dev/null || echo -lcheck)

.PHONY: all asan unit unit-asan integration check certs demo bench install \
	static-musl static-musl-check \
	uninstall clean lint format format-check man-check fuzz

PROG ?= pgstunnel

all: $(PROG)

$(PROG): $(OBJS)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(OBJS) $(BEARSSL_LIBS)

# The small static build for routers (what STATIC=1 builds), under
# build/: smoke-tested by `make check`.
static-musl:
	$(MAKE) STATIC=1 LIBC=musl PROG=build/pgstunnel-static-musl

static-musl-check: static-musl certs
	@PGSTUNNEL=$(CURDIR)/build/pgstunnel-static-musl tests/run-integration.sh 10-verify-full

$(OBJDIR)/%.o: src/%.c $(HDRS) Makefile $(if $(filter musl,$(LIBC)),build/musl-include/bearssl.h)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

ifneq ($(OBJDIR),build/obj)
build/obj/%.o: src/%.c $(HDRS) Makefile
	@mkdir -p $(@D)
	cc $(WARN) $(DEFS) $(CFLAGS) -c -o $@ $<
endif

# musl-gcc does not search /usr/include: expose only BearSSL's headers
# and the kernel's (the seccomp filter, sandbox.c).
build/musl-include/bearssl.h:
	@mkdir -p $(@D)
	ln -sf /usr/include/bearssl.h $@
	ln -sfn /usr/include/bearssl $(@D)/bearssl
	ln -sfn /usr/include/linux $(@D)/linux
	ln -sfn /usr/include/asm-generic $(@D)/asm-generic
	ln -sfn /usr/include/$$(gcc -print-multiarch)/asm $(@D)/asm

# Sanitizer build: build/asan/pgstunnel, run by `make check`.
asan: build/asan/pgstunnel

build/asan/pgstunnel: $(ASAN_OBJS)
	$(CC) $(SANFLAGS) -o $@ $(ASAN_OBJS) $(BEARSSL_LIBS)

build/asan/%.o: src/%.c $(HDRS) Makefile
	@mkdir -p $(@D)
	$(CC) $(WARN) $(DEFS) $(BEARSSL_CFLAGS) $(SANFLAGS) -c -o $@ $<

build/tests/%: tests/unit/%.c $(UNIT_HELPERS) $(UNIT_HDRS) $(LIB_OBJS) $(HDRS)
	@mkdir -p $(@D)
	$(CC) $(WARN) $(DEFS) -Isrc $(CHECK_CFLAGS) $(CFLAGS) -o $@ $< \
	    $(UNIT_HELPERS) $(LIB_OBJS) $(BEARSSL_LIBS) $(CHECK_LIBS)

build/asan-tests/%: tests/unit/%.c $(UNIT_HELPERS) $(UNIT_HDRS) $(ASAN_LIB_OBJS) $(HDRS)
	@mkdir -p $(@D)
	$(CC) $(WARN) $(DEFS) -Isrc $(CHECK_CFLAGS) $(SANFLAGS) -o $@ $< \
	    $(UNIT_HELPERS) $(ASAN_LIB_OBJS) $(BEARSSL_LIBS) $(CHECK_LIBS)

unit: $(UNIT_BINS)
	@tests/run-unit.sh $(UNIT_BINS)

unit-asan: $(ASAN_UNIT_BINS)
	@tests/run-unit.sh $(ASAN_UNIT_BINS)

# The suite runs against the release build, then against the ASan+UBSan
# build (any sanitizer report fails the run), then a subset under
# valgrind memcheck (any report fails).
integration: pgstunnel build/asan/pgstunnel certs
	@tests/run-integration.sh
	@PGSTUNNEL_ASAN=1 tests/run-integration.sh
	@PGSTUNNEL_VALGRIND=1 tests/run-integration.sh

# Everything: unit tests (plain and sanitized), the man page, then the
# integration suite against real PostgreSQL, psql, socat, systemd and xinetd.
check: all lint format-check man-check unit unit-asan static-musl-check \
	integration

man-check:
	@out=$$(LC_ALL=C.UTF-8 MANWIDTH=80 groff -man -ww -z pgstunnel.8 2>&1); \
	if [ -n "$$out" ]; then echo "$$out"; exit 1; fi; \
	echo "man-check: pgstunnel.8 renders without warnings"

certs:
	@certs/mkcerts.sh certs

demo: pgstunnel
	@tests/demo.sh

bench: pgstunnel
	@tests/bench/run.sh

# libFuzzer targets: make fuzz FUZZ_SECONDS=N (see tests/fuzz/).
-include tests/fuzz/fuzz.mk

install: pgstunnel
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man8
	install -m 0755 pgstunnel $(DESTDIR)$(SBINDIR)/pgstunnel
	install -m 0644 pgstunnel.8 $(DESTDIR)$(MANDIR)/man8/pgstunnel.8

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/pgstunnel $(DESTDIR)$(MANDIR)/man8/pgstunnel.8

lint:
	@cppcheck --quiet --error-exitcode=1 --std=c11 --enable=warning,portability \
	    --inline-suppr -Isrc $(SRCS)
	@clang-tidy --quiet $(SRCS) -- $(WARN) $(DEFS) -Isrc

# C test tools that are formatted like the sources.
TOOL_SRCS = tests/seccomp-deny/denyseccomp.c $(wildcard tests/fuzz/*.c)

format:
	clang-format -i $(SRCS) $(HDRS) $(UNIT_SRCS) $(UNIT_HELPERS) $(UNIT_HDRS) \
	    $(TOOL_SRCS)

format-check:
	clang-format --dry-run -Werror $(SRCS) $(HDRS) $(UNIT_SRCS) $(UNIT_HELPERS) \
	    $(UNIT_HDRS) $(TOOL_SRCS)

clean:
	rm -rf build pgstunnel
	certs/mkcerts.sh --clean certs
