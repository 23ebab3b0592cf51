#!/bin/bash
# openwrt-build.sh ARCH...: run contrib/openwrt/Makefile, the OpenWrt
# package recipe, the way OpenWrt's build runs it, for each ARCH (armhf,
# mipsel), with Debian's musl cross compilers standing in for OpenWrt's
# toolchain (make check-openwrt; needs BEARSSL_SRC, a BearSSL source tree).
#
# No OpenWrt build tree or SDK can be fetched here, so the test writes the
# two files the recipe includes: $(TOPDIR)/rules.mk (TARGET_CROSS,
# TARGET_CC, TARGET_AR, TARGET_CFLAGS, TARGET_CPPFLAGS with the kernel headers an
# OpenWrt toolchain carries, INSTALL_BIN...) and $(INCLUDE_DIR)/package.mk
# (PKG_BUILD_DIR; Download, which reads the recipe's Download/bearssl;
# BuildPackage, which runs the recipe's Build/Prepare, Build/Compile and
# Package/pgstunnel/install into a root directory and writes its
# conffiles). The BearSSL tarball in DL_DIR is made from BEARSSL_SRC: the
# recipe's HASH, of upstream's tarball, is not checked.
# Then for each ARCH it checks the installed files and their modes, that
# the binary is the target's, linked dynamically with musl only, that
# BearSSL was built with the toolchain's flags, and runs a real session
# through the installed binary under qemu-user (psql at verify-full;
# run-integration.sh's emulation mode, test 10).
# Last line: "check-openwrt: N passed, N failed".
set -u
REPO=$(cd "$(dirname "$0")/.." && pwd)
cd "$REPO" || exit 1

if [ -z "${BEARSSL_SRC:-}" ] || [ ! -e "$BEARSSL_SRC/inc/bearssl.h" ]; then
	echo "check-openwrt: BEARSSL_SRC must name a BearSSL source tree (apt-get source bearssl)"
	echo "check-openwrt: 0 passed, 1 failed"
	exit 1
fi
BEARSSL_SRC=$(cd "$BEARSSL_SRC" && pwd)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/pgst-openwrt.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
passed=0
failed=0

# The stand-ins for OpenWrt's include files.
mkdir -p "$WORK/include"
cat >"$WORK/include/package.mk" <<'EOF'
# Stand-in for OpenWrt's include/package.mk (tests/openwrt-build.sh).
PKG_BUILD_DIR ?= $(BUILD_DIR)/$(PKG_NAME)-$(PKG_VERSION)
define Download
$$(eval $$(Download/$(1)))
endef
define BuildPackage
.PHONY: compile install
compile:
	test -f $(DL_DIR)/$$(FILE)
	rm -rf $(PKG_BUILD_DIR)
	$$(Build/Prepare)
	$$(Build/Compile)
install: compile
	rm -rf $(PKG_ROOT)
	mkdir -p $(PKG_ROOT)/CONTROL
	$$(call Package/$(1)/install,$(PKG_ROOT))
	printf '%s\n' $$(strip $$(Package/$(1)/conffiles)) >$(PKG_ROOT)/CONTROL/conffiles
	@echo "SECTION=$$(SECTION) CATEGORY=$$(CATEGORY) TITLE=$$(TITLE)" >$(PKG_ROOT)/CONTROL/control
endef
EOF

one() {
	local arch=$1 musl gnu qemu top root bin out
	case $arch in
	armhf) musl=arm-linux-musleabihf gnu=arm-linux-gnueabihf qemu=qemu-arm-static ;;
	mipsel) musl=mipsel-linux-musl gnu=mipsel-linux-gnu qemu=qemu-mipsel-static ;;
	*) echo "check-openwrt: unknown ARCH $arch"; return 1 ;;
	esac
	for tool in "$musl-gcc" "$gnu-strip" "$qemu"; do
		command -v "$tool" >/dev/null || {
			echo "$arch: $tool missing (musl-dev:$arch, gcc-$gnu, qemu-user-static)"
			return 1
		}
	done
	top=$WORK/$arch
	root=$top/root
	mkdir -p "$top/dl" "$top/toolchain-include"
	# An OpenWrt toolchain carries the kernel's headers; Debian's musl
	# wrapper does not search /usr/include.
	ln -s /usr/include/linux "$top/toolchain-include/linux"
	ln -s /usr/include/asm-generic "$top/toolchain-include/asm-generic"
	ln -s "/usr/$gnu/include/asm" "$top/toolchain-include/asm"
	tar -C "$(dirname "$BEARSSL_SRC")" -czf "$top/dl/bearssl-0.6.tar.gz" \
	    --transform "s,^$(basename "$BEARSSL_SRC"),bearssl-0.6," \
	    "$(basename "$BEARSSL_SRC")"
	cat >"$top/rules.mk" <<-EOF
	# Stand-in for OpenWrt's rules.mk (tests/openwrt-build.sh).
	INCLUDE_DIR := $WORK/include
	BUILD_DIR := $top/build_dir
	DL_DIR := $top/dl
	PKG_ROOT := $root
	TARGET_CROSS := $musl-
	TARGET_CC := $musl-gcc
	TARGET_AR := $gnu-ar
	TARGET_CFLAGS := -Os -pipe -DOPENWRT_TOOLCHAIN_FLAGS
	TARGET_CPPFLAGS := -I$top/toolchain-include
	TARGET_LDFLAGS := -Wl,-z,now -Wl,-z,relro
	CP := cp -fpR
	TAR := tar
	INSTALL_DIR := install -d -m0755
	INSTALL_BIN := install -m0755
	INSTALL_CONF := install -m0600
	EOF
	if ! make -j"$(nproc)" -C contrib/openwrt TOPDIR="$top" install >"$top/build.log" 2>&1; then
		echo "$arch: the recipe failed:"
		tail -20 "$top/build.log" | sed 's/^/    | /'
		return 1
	fi
	bin=$root/usr/sbin/pgstunnel
	check() { # check WHAT COMMAND...: run COMMAND, report WHAT if it fails
		local what=$1
		shift
		"$@" || { echo "$arch: $what"; return 1; }
	}
	check "no executable /usr/sbin/pgstunnel" test -x "$bin" || return 1
	out=$(file -b "$bin")
	case $arch in armhf) want=ARM ;; mipsel) want=MIPS ;; esac
	check "binary is not $want: $out" grep -q "$want" <<<"$out" || return 1
	check "binary not dynamic with musl's loader: $out" \
	    grep -q "interpreter /lib/ld-musl-" <<<"$out" || return 1
	out=$(readelf -d "$bin" | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p' | tr '\n' ' ')
	check "binary needs more than musl's libc: $out" test "$out" = "libc.so " || return 1
	check "BearSSL not built with the toolchain's CFLAGS" \
	    grep -rqs -- -DOPENWRT_TOOLCHAIN_FLAGS "$top"/build_dir/pgstunnel-*/build/*/bearssl/.cflags || return 1
	check "init script not installed as shipped, mode 755" \
	    cmp -s "$root/etc/init.d/pgstunnel" contrib/openwrt/files/pgstunnel.init || return 1
	check "init script mode $(stat -c %a "$root/etc/init.d/pgstunnel")" \
	    test "$(stat -c %a "$root/etc/init.d/pgstunnel")" = 755 || return 1
	check "UCI file not installed as shipped" \
	    cmp -s "$root/etc/config/pgstunnel" contrib/openwrt/files/pgstunnel.config || return 1
	check "UCI file mode $(stat -c %a "$root/etc/config/pgstunnel")" \
	    test "$(stat -c %a "$root/etc/config/pgstunnel")" = 600 || return 1
	check "conffiles: $(cat "$root/CONTROL/conffiles")" \
	    test "$(cat "$root/CONTROL/conffiles")" = /etc/config/pgstunnel || return 1
	out=$("$qemu" "$bin" --version 2>&1)
	check "--version under $qemu: $out" grep -q "^pgstunnel " <<<"$out" || return 1
	"$gnu-strip" -o "$top/pgstunnel.stripped" "$bin"
	echo "$arch: package built; /usr/sbin/pgstunnel $(stat -c %s "$top/pgstunnel.stripped") bytes stripped ($(file -b "$bin" | cut -d, -f1-2), musl, dynamic)"
	if ! PGSTUNNEL="$bin" PGSTUNNEL_EMULATOR="$qemu" \
	    tests/run-integration.sh 10-verify-full >"$top/session.log" 2>&1; then
		echo "$arch: a session through the installed binary failed:"
		sed 's/^/    | /' "$top/session.log"
		return 1
	fi
	echo "$arch: psql at verify-full through the installed binary under $qemu: passed"
}

for arch in "$@"; do
	if one "$arch"; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
	fi
done
echo "check-openwrt: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
