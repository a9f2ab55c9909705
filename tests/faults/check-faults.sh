#!/bin/bash
# check-faults.sh BUILDDIR -- `make check-faults`: every cell of the fault
# matrix (tests/faults/run-matrix.sh --set all) on a simulated cluster of
# 8 nodes (SIM_ID, default 0; booted here unless it is already up, and then
# torn down at the end), with the sanitizer options of `make check`; the
# table is written to docs/reliability.md.
set -u
builddir=${1:-build/check}
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root" || exit 1
export CLUSTERTOP="$root/$builddir/clustertop"
export SIM_ID=${SIM_ID:-0}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:exitcode=86}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=\"$root/tests/lsan.supp\":print_suppressions=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
started=
if ! tests/sim/simcluster env >/dev/null 2>&1; then
	tests/sim/simcluster up -n "${SIM_NODES:-8}" || { tests/sim/simcluster down; exit 1; }
	started=1
fi
trap '[ -n "$started" ] && tests/sim/simcluster down' EXIT
tests/faults/run-matrix.sh --set all --doc "$root/docs/reliability.md"
