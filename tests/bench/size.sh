#!/bin/bash
# size.sh [TARGET...]: what a static pgstunnel costs on each target (make
# size). TARGET: native (the host, x86-64 here), armhf, arm64, mipsel;
# default: native and every cross target whose toolchain is installed.
# For each: the static musl build (make STATIC=1 [CROSS=...]) linked with
# a link map into build/size/TARGET/, stripped with the target's strip;
# prints the stripped size and what it is made of (tests/bench/mapsplit.py:
# BearSSL, libc, pgstunnel's own objects), and its .bss. Natively, when
# run as root with PostgreSQL 15 installed, it then measures the memory
# of a process started per connection serving one session
# (tests/bench/footprint.sh with FOOTPRINT_LAUNCH=ssa): VmSize, VmHWM and
# private dirty memory. Cross binaries are not measured that way: under
# qemu-user /proc shows the emulator's memory, not the program's.
set -u
REPO=$(cd "$(dirname "$0")/../.." && pwd)
cd "$REPO" || exit 1
jobs=$(nproc 2>/dev/null || echo 2)

triplet_of() {
	case $1 in
	armhf) echo arm-linux-gnueabihf ;;
	arm64) echo aarch64-linux-gnu ;;
	mipsel) echo mipsel-linux-gnu ;;
	esac
}

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
	targets=(native)
	for a in armhf arm64 mipsel; do
		t=$(triplet_of "$a")
		command -v "${t/-gnu/-musl}-gcc" >/dev/null &&
		    [ -e "/usr/lib/$t/libbearssl.a" ] && targets+=("$a")
	done
fi

rc=0
printf '%-7s %9s  %s\n' target stripped "made of (bytes in the file), and the .bss it reserves"
for target in "${targets[@]}"; do
	out=build/size/$target
	mkdir -p "$out"
	cross=()
	strip="strip"
	if [ "$target" != native ]; then
		t=$(triplet_of "$target")
		[ -n "$t" ] || { echo "size: unknown target $target"; rc=1; continue; }
		cross=(CROSS="$t-")
		strip=$t-strip
	fi
	if ! make -j"$jobs" "${cross[@]}" STATIC=1 PROG="$out/pgstunnel" \
	    LDFLAGS="-Wl,-Map=$out/pgstunnel.map" >"$out/build.log" 2>&1; then
		echo "size: $target: the build failed (see $out/build.log)"
		rc=1
		continue
	fi
	"$strip" -o "$out/pgstunnel.stripped" "$out/pgstunnel"
	bytes=$(stat -c %s "$out/pgstunnel.stripped")
	split=$(python3 tests/bench/mapsplit.py "$out/pgstunnel.map" "$bytes")
	printf '%-7s %9d  %s\n' "$target" "$bytes" "$split"
done

if [[ " ${targets[*]} " == *" native "* ]]; then
	if [ "$(id -u)" -eq 0 ] && [ -x /usr/lib/postgresql/15/bin/initdb ]; then
		echo "native, a process started per connection serving one session:"
		FOOTPRINT_LAUNCH=ssa tests/bench/footprint.sh \
		    build/size/native/pgstunnel.stripped
	else
		echo "native memory: not measured (needs root and PostgreSQL 15)"
	fi
fi
exit "$rc"
