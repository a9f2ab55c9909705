#!/bin/bash
# run-all.sh BUILDDIR -- everything `make check` runs, in order (with
# CHECK_FULL=1, as `make check-full` sets it, tests/full/ too):
#   unit suites (cmocka), the fuzz corpus replayed, the layer rule, compatibility tests against the
#   installed peer tools, then a simulated cluster (tests/sim/simcluster)
#   for the integration and TUI tests, torn down at the end even after a
#   failure. Ends with one summary line: "N passed, N failed".
set -u
builddir=${1:-build/check}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
export CLUSTERTOP="$root/$builddir/clustertop"
export SIM_ID=${SIM_ID:-0}
export SIM_NODES=${SIM_NODES:-8}
# Sanitizers: report and fail; library leaks we can't fix are suppressed.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:exitcode=86}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=\"$root/tests/lsan.supp\":print_suppressions=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
# Audit log of the test runs stays inside the build directory.
export CLUSTERTOP_AUDIT_LOG=${CLUSTERTOP_AUDIT_LOG:-$root/$builddir/audit.log}

logdir="$root/$builddir/test-logs"
rm -rf "$logdir"; mkdir -p "$logdir"
pass=0 fail=0
suites_failed=()

# run_suite NAME CMD...: run one test program, count its ok/not ok lines.
run_suite() {
	local name=$1; shift
	local log="$logdir/$name.log" rc p f
	echo "== $name"
	timeout -k 10 ${SUITE_TIMEOUT:-900} "$@" >"$log" 2>&1
	rc=$?
	grep -E '^(ok|not ok) ' "$log" | sed 's/^/   /'
	p=$(grep -c '^ok ' "$log"); f=$(grep -c '^not ok ' "$log")
	if [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
		echo "   not ok - $name exited with status $rc"
	fi
	if [ "$f" -ne 0 ]; then
		suites_failed+=("$name")
		echo "   --- last lines of $log:"
		tail -n 25 "$log" | sed 's/^/   | /'
	fi
	pass=$((pass + p)); fail=$((fail + f))
}

sim_down() {
	if [ -n "${sim_started:-}" ]; then
		run_suite 99-sim-teardown tests/integration/99-sim-teardown.sh
		sim_started=
	fi
}
trap 'sim_down' EXIT

for t in "$builddir"/tests/test-*; do
	[ -x "$t" ] || continue
	run_suite "unit-$(basename "$t")" sh -c "CMOCKA_MESSAGE_OUTPUT=TAP '$t'"
done
# The fuzz targets' kept corpus (seeds and every crash found), replayed.
for t in "$builddir"/tests/replay-*; do
	[ -x "$t" ] || continue
	n=${t##*/replay-}
	run_suite "fuzz-replay-$n" "$t" "tests/fuzz/corpus/$n"
done
run_suite layers tests/check-layers.sh
for t in tests/compat/[0-9]*.sh; do
	if [ -x "$t" ]; then
		run_suite "compat-$(basename "$t" .sh)" "$t"
	else
		echo "not ok - $t is not executable (chmod +x)"
		fail=$((fail + 1)); suites_failed+=("$t")
	fi
done

echo "== simulated cluster: $SIM_NODES nodes (SIM_ID=$SIM_ID)"
if tests/sim/simcluster up -n "$SIM_NODES" >"$logdir/sim-up.log" 2>&1; then
	sim_started=1
	echo "ok - simcluster up -n $SIM_NODES"; pass=$((pass + 1))
	eval "$(tests/sim/simcluster env)"
	# make check-full adds the long suites (tests/full: minutes each).
	for t in tests/integration/[0-8]*.sh tests/tui/[0-9]*.sh \
	    ${CHECK_FULL:+tests/full/[0-9]*.sh}; do
		if [ ! -x "$t" ]; then
			# A suite that is not executable would be skipped in
			# silence (tests/tui/50-console.sh was, for a whole
			# session): a failure, so it is seen.
			echo "not ok - $t is not executable (chmod +x)"
			fail=$((fail + 1)); suites_failed+=("$t")
			continue
		fi
		run_suite "$(basename "$(dirname "$t")")-$(basename "$t" .sh)" "$t"
	done
	# The fault matrix's CI cells (all of them: make check-faults).
	run_suite faults-matrix tests/faults/run-matrix.sh --set ci
else
	sim_started=1	# tear down whatever half came up
	echo "not ok - simcluster up -n $SIM_NODES"; fail=$((fail + 1))
	tail -n 30 "$logdir/sim-up.log" | sed 's/^/   | /'
	suites_failed+=("simcluster-up")
fi
sim_down
trap - EXIT

echo
echo "== summary"
if [ ${#suites_failed[@]} -gt 0 ]; then
	echo "failed suites: ${suites_failed[*]} (logs in $logdir)"
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
