#!/bin/bash
# run-cross.sh: build pgstunnel for other CPUs with Debian's cross
# compilers and test it under qemu-user (make check-cross).
#
# Usage: tests/run-cross.sh ARCH...   (ARCH: armhf, arm64, mipsel)
#
# For each ARCH:
#   1. builds build/cross/ARCH/pgstunnel (glibc, dynamic) and
#      build/cross/ARCH/pgstunnel-static (musl, static, what routers run)
#      with `make CROSS=TRIPLET-`, and prints the size of each stripped
#      with TRIPLET-strip;
#   2. runs both binaries' --version under qemu-ARCH-static (they are the
#      target's, and start);
#   3. builds the libcheck unit tests for the target (static: libcheck's
#      fork mode crashes dynamic binaries under qemu-user) and runs them
#      under qemu-ARCH-static -L /usr/TRIPLET;
#   4. for the ARCHes in CROSS_E2E_ARCHES (default: armhf mipsel), runs real
#      sessions through the static binary under qemu: run-integration.sh's
#      emulation subset (psql at verify-full through socat EXEC: and
#      --listen, 20 MB COPY both ways byte for byte), with --sandbox off,
#      as qemu-user cannot install the seccomp filter.
# An ARCH whose toolchain, qemu or target libraries are missing is skipped
# with the reason and the Debian packages to install; CROSS_REQUIRE=1 (set
# by CI) makes that a failure. Build logs: build/cross/ARCH/*.log.
# The last line is "check-cross: N passed, N failed, N skipped".
set -u

REPO=$(cd "$(dirname "$0")/.." && pwd)
cd "$REPO" || exit 1
jobs=$(nproc 2>/dev/null || echo 2)
e2e=" ${CROSS_E2E_ARCHES:-armhf mipsel} "
passed=0
failed=0
skipped=0
failed_names=()

# build ARCH LOG MAKE-ARGS...: run make quietly; on failure show the log.
build() {
	local arch=$1 log=$2
	shift 2
	if ! make -j"$jobs" "$@" >"$log" 2>&1; then
		echo "check-cross: $arch: make $* failed:"
		tail -n 30 "$log" | sed 's/^/    | /'
		return 1
	fi
}

# one ARCH: build and test one target; non-zero when something failed.
one() {
	local arch=$1 triplet qemu musl_cc out missing=() b
	case $arch in
	armhf) triplet=arm-linux-gnueabihf qemu=qemu-arm-static ;;
	arm64) triplet=aarch64-linux-gnu qemu=qemu-aarch64-static ;;
	mipsel) triplet=mipsel-linux-gnu qemu=qemu-mipsel-static ;;
	*)
		echo "check-cross: unknown ARCH $arch (armhf, arm64 or mipsel)"
		return 1
		;;
	esac
	musl_cc=${triplet/-gnu/-musl}-gcc
	command -v "$triplet-gcc" >/dev/null ||
	    missing+=("$triplet-gcc (gcc-$triplet, libc6-dev-$arch-cross)")
	command -v "$qemu" >/dev/null || missing+=("$qemu (qemu-user-static)")
	command -v "$musl_cc" >/dev/null || missing+=("$musl_cc (musl-dev:$arch)")
	[ -e "/usr/lib/$triplet/libbearssl.a" ] ||
	    missing+=("/usr/lib/$triplet/libbearssl.a (libbearssl-dev:$arch)")
	[ -e "/usr/lib/$triplet/pkgconfig/check.pc" ] ||
	    missing+=("/usr/lib/$triplet/pkgconfig/check.pc (check:$arch)")
	if [ ${#missing[@]} -gt 0 ]; then
		echo "check-cross: $arch: SKIP, missing ${missing[*]}"
		[ "${CROSS_REQUIRE:-0}" = 1 ] && return 1
		return 2
	fi

	out=build/cross/$arch
	mkdir -p "$out"
	echo "check-cross: $arch: building with CROSS=$triplet-"
	build "$arch" "$out/build.log" CROSS="$triplet-" \
	    PROG="$out/pgstunnel" || return 1
	build "$arch" "$out/build-static.log" CROSS="$triplet-" STATIC=1 \
	    PROG="$out/pgstunnel-static" || return 1
	for b in pgstunnel pgstunnel-static; do
		"$triplet-strip" -o "$out/$b.stripped" "$out/$b" || return 1
		printf 'check-cross: %s: %-17s %8d bytes stripped (%s)\n' "$arch" \
		    "$b" "$(stat -c %s "$out/$b.stripped")" \
		    "$("$triplet-readelf" -h "$out/$b" | sed -n 's/^ *Machine: *//p')"
		if ! "$qemu" -L "/usr/$triplet" "$out/$b" --version \
		    >"$out/$b.version" 2>&1; then
			echo "check-cross: $arch: $b --version failed under $qemu:"
			sed 's/^/    | /' "$out/$b.version"
			return 1
		fi
	done
	echo "check-cross: $arch: $(head -n 1 "$out/pgstunnel-static.version") runs under $qemu"

	echo "check-cross: $arch: unit tests under $qemu"
	build "$arch" "$out/build-unit.log" CROSS="$triplet-" unit-build ||
	    return 1
	make --no-print-directory CROSS="$triplet-" \
	    UNIT_RUNNER="$qemu -L /usr/$triplet" unit >"$out/unit.log" 2>&1
	local rc=$?
	tail -n 1 "$out/unit.log" | sed "s/^/check-cross: $arch: /"
	if [ "$rc" -ne 0 ]; then
		grep -E ':[EF]:|failed' "$out/unit.log" | sed 's/^/    | /'
		return 1
	fi

	case $e2e in
	*" $arch "*)
		echo "check-cross: $arch: sessions through the static binary under $qemu"
		PGSTUNNEL="$REPO/$out/pgstunnel-static" \
		    PGSTUNNEL_EMULATOR="$qemu -L /usr/$triplet" \
		    tests/run-integration.sh || return 1
		;;
	esac
	return 0
}

[ $# -gt 0 ] || { echo "usage: tests/run-cross.sh ARCH..." >&2; exit 2; }
for arch in "$@"; do
	one "$arch"
	case $? in
	0) passed=$((passed + 1)) ;;
	2) skipped=$((skipped + 1)) ;;
	*) failed=$((failed + 1)) failed_names+=("$arch") ;;
	esac
done
[ "$failed" -gt 0 ] && echo "check-cross: failed: ${failed_names[*]}"
echo "check-cross: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
