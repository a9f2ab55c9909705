#!/bin/bash
# run-unit.sh BUILDDIR -- run every cmocka suite built in BUILDDIR/tests.
# Prints a per-suite line and leaves the counts in $RESULTS if set.
set -u
dir=${1:-build/check}
pass=0 fail=0
for t in "$dir"/tests/test-*; do
	[ -x "$t" ] || continue
	name=$(basename "$t")
	if out=$("$t" 2>&1); then
		n=$(printf '%s\n' "$out" | sed -n 's/.*\[  PASSED  \] \([0-9]*\) test.*/\1/p' | tail -1)
		echo "ok - unit $name (${n:-?} tests)"
		pass=$((pass + 1))
	else
		printf '%s\n' "$out" | grep -E 'FAILED|ERROR|Assert|runtime error|Sanitizer' | head -20
		echo "not ok - unit $name"
		fail=$((fail + 1))
	fi
done
echo "unit suites: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
