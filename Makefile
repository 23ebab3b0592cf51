# pgstunnel: a per-connection TLS terminator for PostgreSQL.
# See README.md. Targets: all (default), check, check-cross, check-openwrt,
# check-deb, size, asan, unit,
# integration, certs, demo, install, clean, lint, format, man-check.

VERSION = 0.1.0

PREFIX  ?= /usr/local
SBINDIR ?= $(PREFIX)/sbin
MANDIR  ?= $(PREFIX)/share/man
DOCDIR  ?= $(PREFIX)/share/doc/pgstunnel
UNITDIR ?= $(PREFIX)/lib/systemd/system
# Where the installed units and examples look for the configuration:
# /etc for PREFIX=/usr, else PREFIX/etc.
SYSCONFDIR ?= $(if $(filter /usr,$(PREFIX)),/etc,$(PREFIX)/etc)

# Cross-builds: CROSS is the prefix of the target's tools, as Debian's
# cross compilers and Buildroot/OpenWrt toolchains name them
# (CROSS=arm-linux-gnueabihf-, aarch64-linux-gnu-, mipsel-linux-gnu-).
# Every tool the build calls takes it: the compiler ($(CROSS)gcc unless
# CC is given), strip, pkg-config (or the target's multiarch pkgconfig
# directory when there is no $(CROSS)pkg-config), and the compiler asked
# where libbearssl.a is. See README.md, "Building".
CROSS   ?=
TRIPLET  = $(patsubst %-,%,$(CROSS))
ifeq ($(origin CC),default)
CC       = $(if $(CROSS),$(CROSS)gcc,cc)
endif
STRIP   ?= $(CROSS)strip
ifneq ($(CROSS),)
PKG_CONFIG ?= $(if $(shell command -v $(CROSS)pkg-config),$(CROSS)pkg-config,\
	      PKG_CONFIG_LIBDIR=/usr/lib/$(TRIPLET)/pkgconfig pkg-config)
else
PKG_CONFIG ?= pkg-config
endif

# STATIC=1: one self-contained binary, built with musl (Debian package
# musl-tools natively, musl-dev:ARCH for a cross target: its
# $(CROSS:-gnu=-musl)gcc wrapper). LIBC=glibc builds it with glibc
# instead, over 1 MB, and glibc's static getaddrinfo() still loads the
# NSS libraries of the same glibc version at run time.
ifeq ($(STATIC),1)
LIBC ?= musl
endif
# The compiler that builds the unit tests and knows where libbearssl.a
# is: CC, but the target's glibc compiler under Debian's musl wrappers.
GNU_CC = $(if $(MUSL_CC),$(if $(CROSS),$(CROSS)gcc,cc),$(CC))
ifeq ($(LIBC),musl)
ifneq ($(findstring musl,$(CROSS)),)
# A musl toolchain (Buildroot, OpenWrt): its own sysroot has everything.
CC        = $(CROSS)gcc
else
MUSL_CC = $(if $(CROSS),$(subst -gnu,-musl,$(CROSS))gcc,musl-gcc)
ifeq ($(shell command -v $(MUSL_CC) 2>/dev/null),)
$(error LIBC=musl (the default with STATIC=1) needs $(MUSL_CC): install musl-tools (native) or musl-dev:ARCH (cross), or use LIBC=glibc)
endif
CC        = $(MUSL_CC)
# Debian's musl wrappers do not search /usr/include: this directory
# exposes only BearSSL's headers and the kernel's (the seccomp filter).
MUSL_INC  = build/musl-include$(if $(TRIPLET),-$(TRIPLET))
MUSL_DEPS = $(MUSL_INC)/.linked
MUSL_CFLAGS = -I$(MUSL_INC)
endif
endif

# BearSSL: headers and the static archive, so the binary needs only libc.
# Debian's (libbearssl-dev, libbearssl-dev:ARCH) by default; point these
# at a vendor SDK's or Buildroot's BearSSL instead, e.g.
# BEARSSL_CFLAGS=-I$SDK/include BEARSSL_LIBS=$SDK/lib/libbearssl.a.
BEARSSL_CFLAGS ?=
BEARSSL_LIBS   ?= $(shell $(GNU_CC) -print-file-name=libbearssl.a)

# Each target, libc and BearSSL choice builds into its own object
# directory: build/obj natively, build/obj-TRIPLET[-musl][-bearssl-SUM].
BEARSSL_TAG := $(if $(filter-out default file undefined,$(origin BEARSSL_CFLAGS) \
	      $(origin BEARSSL_LIBS)),-bearssl-$(shell printf '%s\n' \
	      '$(BEARSSL_CFLAGS) $(BEARSSL_LIBS)' | cksum | cut -d' ' -f1))

# BEARSSL_SRC=DIR: build BearSSL from its source tree (upstream's, or
# Debian's: `apt-get source bearssl`) with this build's compiler, its
# size flags, CFLAGS and BEARSSL_BUILD_CFLAGS (-Os, as upstream and Debian
# build it), the way Buildroot and OpenWrt build it: DIR/inc for the headers,
# OBJDIR/bearssl/libbearssl.a for the archive (and the unit tests' own,
# when they are built by another compiler). See README.md, "Size".
BEARSSL_SRC ?=
BEARSSL_BUILD_CFLAGS ?= -Os
ifneq ($(BEARSSL_SRC),)
ifeq ($(wildcard $(BEARSSL_SRC)/inc/bearssl.h),)
$(error BEARSSL_SRC=$(BEARSSL_SRC) has no inc/bearssl.h: not a BearSSL source tree)
endif
BEARSSL_CFLAGS = -I$(BEARSSL_SRC)/inc
BEARSSL_LIBS   = $(OBJDIR)/bearssl/libbearssl.a
UNIT_BEARSSL_LIBS = $(UNIT_OBJDIR)/bearssl/libbearssl.a
BEARSSL_TAG   := -bearssl-src-$(shell printf '%s\n' '$(abspath $(BEARSSL_SRC))' | \
		 cksum | cut -d' ' -f1)
endif
UNIT_BEARSSL_LIBS ?= $(BEARSSL_LIBS)
ifeq ($(origin AR),default)
AR       = $(CROSS)ar
endif
TARGET_TAG  = $(if $(TRIPLET),-$(TRIPLET))$(BEARSSL_TAG)
OBJDIR      = build/obj$(TARGET_TAG)$(if $(filter musl,$(LIBC)),-musl)
# The unit tests link the target's glibc objects.
UNIT_OBJDIR = build/obj$(TARGET_TAG)

# -Os: pgstunnel's own code is not where the time goes (BearSSL's is, and
# the system calls); make bench and tests/bench/instructions.sh compare.
CFLAGS  ?= -Os -g
# Size, kept apart from CFLAGS and LDFLAGS so that a packager's flags keep
# them: every function and object in a section of its own, so that the
# linker drops what nothing calls (--gc-sections); no unwind tables (C
# has no exceptions; debuggers read .debug_frame, which -g writes); no
# page of padding around the code (-z noseparate-code). See README.md,
# "Size".
SIZE_CFLAGS  = -ffunction-sections -fdata-sections \
	       -fno-asynchronous-unwind-tables -fno-unwind-tables
SIZE_LDFLAGS = -Wl,--gc-sections -Wl,-z,noseparate-code
WARN     = -std=c11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	   -Wmissing-prototypes -Wpointer-arith -Wformat=2 -Wvla
DEFS     = -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE \
	   -DPGSTUNNEL_VERSION='"$(VERSION)"'
ALL_CFLAGS = $(WARN) $(DEFS) $(BEARSSL_CFLAGS) $(MUSL_CFLAGS) $(SIZE_CFLAGS) \
	     $(STATIC_CFLAGS) $(CFLAGS) $(CPPFLAGS)
# -static is added apart from LDFLAGS, so a command-line LDFLAGS keeps it.
# A static musl binary is not protected by RELRO (nothing in it applies
# it: its pages stay writable, as /proc/PID/maps shows), so the page
# alignment RELRO asks for would be padding only (44 kB on arm64).
MUSL_LDFLAGS   = -Wl,-z,norelro
STATIC_LDFLAGS = $(if $(filter 1,$(STATIC)),-static) \
		 $(if $(filter musl,$(LIBC)),$(MUSL_LDFLAGS))
# -static links an executable at a fixed address (not -static-pie), so
# the static musl build's code, BearSSL's too when built from source,
# need not be position-independent: -fno-pie (Debian's compilers default
# to PIE) drops the GOT loads, and on MIPS -mplt makes calls the way a
# MIPS executable may, not through $$t9 and the GOT (5 kB less on armhf,
# 26 kB on mipsel). Nothing is lost: such a binary has no ASLR of its
# own code either way. Only there: the unit tests link their objects
# into PIE executables.
ifeq ($(STATIC)$(LIBC),1musl)
STATIC_CFLAGS := -fno-pie $(if $(findstring mips,$(shell $(CC) -dumpmachine)),-mplt)
endif

SANFLAGS = -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all \
	   -fno-omit-frame-pointer

# src/x509/ is the certificate and key toolkit; it includes nothing from
# src/ (include-check).
SRCS     = $(sort $(wildcard src/*.c src/x509/*.c))
HDRS     = $(wildcard src/*.h src/x509/*.h)
LIB_SRCS = $(filter-out src/main.c,$(SRCS))
OBJS     = $(SRCS:src/%.c=$(OBJDIR)/%.o)
LIB_OBJS = $(LIB_SRCS:src/%.c=$(UNIT_OBJDIR)/%.o)
ifeq ($(LIBC),musl)
OBJS    += $(OBJDIR)/compat/musl_fortify.o
endif
ASAN_OBJS     = $(SRCS:src/%.c=build/asan/%.o)
ASAN_LIB_OBJS = $(LIB_SRCS:src/%.c=build/asan/%.o)

UNIT_SRCS  = $(sort $(wildcard tests/unit/check_*.c))
# Helpers linked into every unit-test binary.
UNIT_HELPERS = tests/unit/fixture.c
UNIT_HDRS    = tests/unit/fixture.h
CHECK_CFLAGS = $(shell $(PKG_CONFIG) --cflags check 2>/dev/null)
# Cross unit tests are static: under qemu-user, libcheck's fork mode
# crashes dynamically linked test binaries.
UNIT_LDFLAGS = $(if $(CROSS),-static)
CHECK_LIBS   = $(shell $(PKG_CONFIG) $(if $(CROSS),--static) --libs check \
	       2>/dev/null || echo -lcheck)
# Cross unit tests run under emulation, e.g.
# UNIT_RUNNER="qemu-arm-static -L /usr/arm-linux-gnueabihf" (check-cross).
UNIT_RUNNER ?=
UNIT_DIR     = build/tests$(TARGET_TAG)
UNIT_BINS    = $(UNIT_SRCS:tests/unit/%.c=$(UNIT_DIR)/%)
ASAN_UNIT_BINS = $(UNIT_SRCS:tests/unit/%.c=build/asan-tests/%)

.PHONY: all asan unit unit-build unit-asan include-check size install-check \
	deb check-deb integration check certs demo bench install \
	static-musl static-musl-check check-cross check-openwrt \
	uninstall clean lint format format-check man-check fuzz

PROG ?= pgstunnel

all: $(PROG)

# A binary is relinked when the build it comes from changes (a native
# build after a cross one): build/NAME.link names that build.
LINK_ID = build/$(subst /,_,$(PROG)).link
LINK_AS = $(OBJDIR) $(CC) $(STATIC_LDFLAGS) $(SIZE_LDFLAGS) $(LDFLAGS) \
	  $(BEARSSL_LIBS)
$(shell mkdir -p build && { [ "$$(cat '$(LINK_ID)' 2>/dev/null)" = '$(LINK_AS)' ] || \
	printf '%s\n' '$(LINK_AS)' >'$(LINK_ID)'; })

$(PROG): $(OBJS) $(LINK_ID) $(if $(BEARSSL_SRC),$(BEARSSL_LIBS))
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(STATIC_LDFLAGS) $(SIZE_LDFLAGS) $(LDFLAGS) -o $@ \
	    $(OBJS) $(BEARSSL_LIBS)

# The small static build for routers (what STATIC=1 builds), under
# build/: smoke-tested by `make check`.
static-musl:
	$(MAKE) STATIC=1 LIBC=musl PROG=build/pgstunnel-static-musl

static-musl-check: static-musl certs
	@PGSTUNNEL=$(CURDIR)/build/pgstunnel-static-musl tests/run-integration.sh 10-verify-full

# Cross-builds tested under qemu-user: the unit tests for each of
# CROSS_ARCHES, and real sessions through the armhf and mipsel static
# binaries (see tests/run-cross.sh).
CROSS_ARCHES ?= armhf arm64 mipsel
check-cross: certs
	@tests/run-cross.sh $(CROSS_ARCHES)

# The OpenWrt package recipe (contrib/openwrt/Makefile) run as OpenWrt's
# build runs it, with Debian's musl cross compilers, for armhf and mipsel;
# a session through each installed binary under qemu-user. Needs
# BEARSSL_SRC (tests/openwrt-build.sh).
OPENWRT_ARCHES ?= armhf mipsel
check-openwrt: certs
	@BEARSSL_SRC="$(BEARSSL_SRC)" tests/openwrt-build.sh $(OPENWRT_ARCHES)

# Objects are rebuilt when their compiler or flags change (CFLAGS=-Os on
# the command line, say): DIR/.cflags holds what built them.
UNIT_CFLAGS = $(WARN) $(DEFS) $(BEARSSL_CFLAGS) $(CFLAGS) $(CPPFLAGS)
define flags_stamp
ifneq ($$(file <$(1)/.cflags),$(2))
$$(shell mkdir -p $(1))
$$(file >$(1)/.cflags,$(2))
endif
endef
$(eval $(call flags_stamp,$(OBJDIR),$(CC) $(ALL_CFLAGS)))

$(OBJDIR)/%.o: src/%.c $(HDRS) Makefile $(MUSL_DEPS) $(OBJDIR)/.cflags
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

ifneq ($(OBJDIR),$(UNIT_OBJDIR))
$(eval $(call flags_stamp,$(UNIT_OBJDIR),$(GNU_CC) $(UNIT_CFLAGS)))

$(UNIT_OBJDIR)/%.o: src/%.c $(HDRS) Makefile $(UNIT_OBJDIR)/.cflags
	@mkdir -p $(@D)
	$(GNU_CC) $(UNIT_CFLAGS) -c -o $@ $<
endif

# BearSSL from source (BEARSSL_SRC): one archive per object directory,
# built by that directory's compiler.
BEARSSL_SRCS = $(if $(BEARSSL_SRC),$(sort $(wildcard $(BEARSSL_SRC)/src/*.c \
	       $(BEARSSL_SRC)/src/*/*.c)))
# CFLAGS and CPPFLAGS too: a toolchain's CPU and ABI flags (OpenWrt's
# -msoft-float, say) must be the same for BearSSL; BEARSSL_BUILD_CFLAGS
# come last, so its -Os wins over a -O2 there.
BEARSSL_ALL_CFLAGS = -I$(BEARSSL_SRC)/inc -I$(BEARSSL_SRC)/src $(SIZE_CFLAGS) \
		     $(CFLAGS) $(CPPFLAGS) $(BEARSSL_BUILD_CFLAGS)
define bearssl_lib
$(eval $(call flags_stamp,$(1)/bearssl,$(2) $(BEARSSL_ALL_CFLAGS)))
$(1)/bearssl/libbearssl.a: $(BEARSSL_SRCS:$(BEARSSL_SRC)/src/%.c=$(1)/bearssl/%.o)
	@rm -f $$@
	@echo "$(AR) rcs $$@ ($(words $(BEARSSL_SRCS)) objects)"
	@$(AR) rcs $$@ $$^

$(1)/bearssl/%.o: $(BEARSSL_SRC)/src/%.c $(1)/bearssl/.cflags
	@mkdir -p $$(@D)
	$(2) $(BEARSSL_ALL_CFLAGS) -c -o $$@ $$<
endef
ifneq ($(BEARSSL_SRC),)
$(eval $(call bearssl_lib,$(OBJDIR),$(CC) $(STATIC_CFLAGS)))
ifneq ($(OBJDIR),$(UNIT_OBJDIR))
$(eval $(call bearssl_lib,$(UNIT_OBJDIR),$(GNU_CC)))
endif
endif

# The kernel's headers for the target: Debian's multiarch directory, or
# a cross toolchain's own (libc6-dev-ARCH-cross).
KERNEL_ASM = $(firstword $(wildcard \
	     /usr/include/$(or $(TRIPLET),$(shell gcc -print-multiarch))/asm \
	     $(if $(TRIPLET),/usr/$(TRIPLET)/include/asm)))
$(MUSL_INC)/.linked:
	@[ -n "$(KERNEL_ASM)" ] || { echo "no kernel asm headers for $(or $(TRIPLET),this host)" >&2; exit 1; }
	@mkdir -p $(@D)
	ln -sf /usr/include/bearssl.h $(@D)/bearssl.h
	ln -sfn /usr/include/bearssl $(@D)/bearssl
	ln -sfn /usr/include/linux $(@D)/linux
	ln -sfn /usr/include/asm-generic $(@D)/asm-generic
	ln -sfn $(KERNEL_ASM) $(@D)/asm
	@touch $@

# Sanitizer build: build/asan/pgstunnel, run by `make check`.
asan: build/asan/pgstunnel

build/asan/pgstunnel: $(ASAN_OBJS) $(if $(BEARSSL_SRC),$(BEARSSL_LIBS))
	$(CC) $(SANFLAGS) -o $@ $(ASAN_OBJS) $(BEARSSL_LIBS)

build/asan/%.o: src/%.c $(HDRS) Makefile
	@mkdir -p $(@D)
	$(CC) $(WARN) $(DEFS) $(BEARSSL_CFLAGS) $(SANFLAGS) -c -o $@ $<

$(UNIT_DIR)/%: tests/unit/%.c $(UNIT_HELPERS) $(UNIT_HDRS) $(LIB_OBJS) $(HDRS) \
	       $(if $(BEARSSL_SRC),$(UNIT_BEARSSL_LIBS))
	@mkdir -p $(@D)
	$(GNU_CC) $(WARN) $(DEFS) -Isrc $(BEARSSL_CFLAGS) $(CHECK_CFLAGS) $(CFLAGS) \
	    $(UNIT_LDFLAGS) -o $@ $< $(UNIT_HELPERS) $(LIB_OBJS) \
	    $(UNIT_BEARSSL_LIBS) $(CHECK_LIBS)

build/asan-tests/%: tests/unit/%.c $(UNIT_HELPERS) $(UNIT_HDRS) $(ASAN_LIB_OBJS) $(HDRS)
	@mkdir -p $(@D)
	$(CC) $(WARN) $(DEFS) -Isrc $(CHECK_CFLAGS) $(SANFLAGS) -o $@ $< \
	    $(UNIT_HELPERS) $(ASAN_LIB_OBJS) $(BEARSSL_LIBS) $(CHECK_LIBS)

unit-build: $(UNIT_BINS)

unit: $(UNIT_BINS)
	@UNIT_RUNNER="$(UNIT_RUNNER)" tests/run-unit.sh $(UNIT_BINS)

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
check: all lint format-check man-check install-check unit unit-asan \
	static-musl-check integration

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

# The static binary's size and make-up per target, and natively the
# memory of a process serving one session (tests/bench/size.sh).
size: certs
	@tests/bench/size.sh $(SIZE_TARGETS)

# libFuzzer targets: make fuzz FUZZ_SECONDS=N (see tests/fuzz/).
-include tests/fuzz/fuzz.mk

# make install [PREFIX=/usr/local] [DESTDIR=...]: the binary, the man
# page, the systemd units, and the examples (inetd, xinetd, a commented
# configuration file) under DOCDIR/examples; never a file under
# SYSCONFDIR, whose path the installed units and examples name instead of
# the sources' /etc. make uninstall removes exactly these files.
INSTALL_FILES = $(SBINDIR)/pgstunnel $(MANDIR)/man8/pgstunnel.8 \
		$(UNITDIR)/pgstunnel.socket $(UNITDIR)/pgstunnel@.service \
		$(DOCDIR)/examples/pgstunnel.conf.example \
		$(DOCDIR)/examples/xinetd.pgstunnel \
		$(DOCDIR)/examples/inetd.conf.example
INSTALL_PATHS = sed -e 's|/usr/local/sbin/pgstunnel|$(SBINDIR)/pgstunnel|g' \
		    -e 's|/etc/pgstunnel\([./]\)|$(SYSCONFDIR)/pgstunnel\1|g'

install: pgstunnel
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man8 \
	    $(DESTDIR)$(UNITDIR) $(DESTDIR)$(DOCDIR)/examples
	install -m 0755 pgstunnel $(DESTDIR)$(SBINDIR)/pgstunnel
	install -m 0644 pgstunnel.8 $(DESTDIR)$(MANDIR)/man8/pgstunnel.8
	for f in pgstunnel.socket pgstunnel@.service; do \
	    $(INSTALL_PATHS) contrib/$$f >$(DESTDIR)$(UNITDIR)/$$f && \
	    chmod 0644 $(DESTDIR)$(UNITDIR)/$$f || exit 1; done
	for f in pgstunnel.conf.example xinetd.pgstunnel inetd.conf.example; do \
	    $(INSTALL_PATHS) contrib/$$f >$(DESTDIR)$(DOCDIR)/examples/$$f && \
	    chmod 0644 $(DESTDIR)$(DOCDIR)/examples/$$f || exit 1; done

uninstall:
	rm -f $(addprefix $(DESTDIR),$(INSTALL_FILES))
	-rmdir $(DESTDIR)$(DOCDIR)/examples $(DESTDIR)$(DOCDIR) 2>/dev/null

# The Debian package (contrib/debian): DEB_DIR/pgstunnel_VERSION_ARCH.deb,
# built by dpkg-buildpackage in a copy of the tree with contrib/debian as
# its debian/; DEB_ARCH=armhf (or another) cross-builds it.
DEB_DIR ?= build/deb
deb:
	rm -rf $(DEB_DIR)/src $(DEB_DIR)/pgstunnel[-_]* && mkdir -p $(DEB_DIR)/src
	cp -R Makefile README.md pgstunnel.8 src certs tests contrib $(DEB_DIR)/src/
	cp -R contrib/debian $(DEB_DIR)/src/debian
	cd $(DEB_DIR)/src && dpkg-buildpackage $(if $(DEB_ARCH),-a$(DEB_ARCH)) -us -uc -b
	@ls $(DEB_DIR)/*.deb

# The Debian package built (dpkg-buildpackage), checked by lintian,
# installed, serving psql as installed, removed and purged
# (tests/deb-check.sh; as root; CI runs it).
check-deb: certs
	@tests/deb-check.sh

# make install into a temporary DESTDIR: every file where it belongs, the
# paths in the units and examples rewritten, and make uninstall leaves
# no file behind (part of make check).
install-check: pgstunnel
	@tests/install-check.sh

# The toolkit in src/x509/ stands alone: its files include only each
# other and system headers, never the program's (src/*.h).
include-check:
	@bad=$$(grep -n '^#include "' src/x509/*.[ch] | \
	    grep -v '^src/x509/[a-z_]*\.[ch]:[0-9]*:#include "[a-z_]*\.h"' ; \
	    for f in $$(sed -n 's/^#include "\([a-z_]*\.h\)".*/\1/p' src/x509/*.[ch] | sort -u); do \
	        [ -e src/x509/$$f ] || echo "src/x509 includes $$f, not in src/x509"; done); \
	if [ -n "$$bad" ]; then echo "$$bad"; exit 1; fi; \
	echo "include-check: src/x509/ includes nothing from src/"

# Shell scripts: bash ones (tests, CI) and POSIX sh ones (the OpenWrt init
# script for busybox ash, the Debian maintainer scripts), at warning level.
BASH_SCRIPTS = $(wildcard tests/*.sh tests/bench/*.sh tests/integration/*.sh) \
	       .ci/run
SH_SCRIPTS   = contrib/openwrt/files/pgstunnel.init contrib/debian/postinst \
	       contrib/debian/postrm

lint: include-check
	@cppcheck --quiet --error-exitcode=1 --std=c11 --enable=warning,portability \
	    --inline-suppr -Isrc $(SRCS)
	@clang-tidy --quiet $(SRCS) -- $(WARN) $(DEFS) -Isrc
	@shellcheck -x -S warning $(BASH_SCRIPTS)
	@shellcheck -s sh -S warning $(SH_SCRIPTS)

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
