#!/bin/sh
# Run libcheck unit test binaries; print one closing line with the totals.
# Usage: [UNIT_RUNNER="qemu-arm-static -L DIR"] tests/run-unit.sh BIN...
# UNIT_RUNNER, when set, runs each binary (a cross build under emulation).
passed=0
failed=0
for bin in "$@"; do
	# shellcheck disable=SC2086 # UNIT_RUNNER is a command and its options
	out=$(CK_FORK=yes ${UNIT_RUNNER:-} "$bin" 2>&1)
	rc=$?
	printf '%s\n' "$out"
	# Check prints "NN%: Checks: N, Failures: N, Errors: N".
	line=$(printf '%s\n' "$out" | grep 'Checks:' | tail -n 1)
	n=$(printf '%s\n' "$line" | sed -n 's/.*Checks: \([0-9]*\).*/\1/p')
	f=$(printf '%s\n' "$line" | sed -n 's/.*Failures: \([0-9]*\).*/\1/p')
	e=$(printf '%s\n' "$line" | sed -n 's/.*Errors: \([0-9]*\).*/\1/p')
	if [ -z "$n" ] || [ "$rc" -ne 0 ]; then
		echo "unit: $bin failed (exit $rc)"
		failed=$((failed + ${f:-0} + ${e:-0}))
		[ -z "$n" ] && failed=$((failed + 1))
		passed=$((passed + ${n:-0} - ${f:-0} - ${e:-0}))
		continue
	fi
	passed=$((passed + n - f - e))
	failed=$((failed + f + e))
done
echo "unit: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
