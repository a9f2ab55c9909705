#!/bin/sh
# run-fuzz.sh -- build and run the libFuzzer targets (clang -fsanitize=fuzzer).
#
#	FUZZ_SECONDS=60 tests/fuzz/run-fuzz.sh		(`make fuzz`)
#	FUZZ_TARGETS="theme vterm" tests/fuzz/run-fuzz.sh
#
# The program's objects are built once with clang, ASan, UBSan and
# libFuzzer's coverage (build/fuzz, `make fuzz-bins`), and every
# tests/fuzz/fuzz-NAME.c is linked against them. Each target runs for
# FUZZ_SECONDS (default 60) on a working corpus build/fuzz/corpus-NAME,
# seeded from the kept corpus tests/fuzz/corpus/NAME, so later runs start
# where earlier ones stopped. A crash, leak, timeout or out-of-memory
# leaves its input in build/fuzz/NAME/ (crash-*, leak-*, timeout-*, oom-*)
# and makes the script fail; fix the bug, then copy the input to
# tests/fuzz/corpus/NAME/ so `make check` replays it from then on.
# A summary line per target gives its seconds, runs and coverage.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
secs=${FUZZ_SECONDS:-60}
out=${FUZZ_BUILDDIR:-build/fuzz}
CLANG=${CLANG:-clang}
if ! command -v "$CLANG" >/dev/null 2>&1; then
	echo "run-fuzz: $CLANG not found (apt-get install clang libclang-rt-14-dev)" >&2
	exit 1
fi
targets=${FUZZ_TARGETS:-$(for f in tests/fuzz/fuzz-*.c; do
	n=${f##*/fuzz-}; echo "${n%.c}"; done)}
bins=
for t in $targets; do
	[ -f "tests/fuzz/fuzz-$t.c" ] || { echo "run-fuzz: no target $t" >&2; exit 1; }
	bins="$bins $out/fuzz-$t"
done
make -s BUILDDIR="$out" CC="$CLANG" OPT="-O1 -g -fno-omit-frame-pointer" \
    SAN="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined" \
    $bins || exit 1

abs=$(cd "$out" && pwd)
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=\"$root/tests/lsan.supp\":print_suppressions=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
failed=
summary=
for t in $targets; do
	corpus=$abs/corpus-$t
	mkdir -p "$corpus" "$abs/$t"
	cp -n tests/fuzz/corpus/$t/* "$corpus/" 2>/dev/null
	if [ "$t" = hostlist ]; then
		i=0
		while IFS= read -r line; do
			i=$((i + 1))
			printf '%s' "$line" >"$corpus/compat-$i"
		done <tests/compat/hostlist-corpus.txt
	fi
	case $t in
	phases)	maxlen=32768 ;;
	bak|vterm) maxlen=16384 ;;
	*)	maxlen=4096 ;;
	esac
	extra=
	[ "$t" = bak ] && extra=-close_fd_mask=1
	echo "run-fuzz: fuzz-$t for ${secs}s"
	rc=0
	# Run from the target's artifact directory: targets may chdir.
	(cd "$abs/$t" && "$abs/fuzz-$t" -max_total_time="$secs" \
	    -max_len=$maxlen -timeout=10 -rss_limit_mb=2048 \
	    -print_final_stats=1 -artifact_prefix="$abs/$t/" $extra \
	    "$corpus") >"$abs/fuzz-$t.log" 2>&1 || rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$abs/fuzz-$t.log")
	cov=$(grep -o 'cov: [0-9]*' "$abs/fuzz-$t.log" | tail -n 1)
	ncorp=$(ls "$corpus" | wc -l)
	if [ $rc -ne 0 ]; then
		tail -n 40 "$abs/fuzz-$t.log"
		echo "run-fuzz: fuzz-$t FAILED (status $rc); inputs in $abs/$t/" >&2
		failed="$failed $t"
		line="fuzz-$t: FAILED after ${runs:-?} runs, $cov (log $out/fuzz-$t.log)"
	else
		line="fuzz-$t: nothing found in ${secs}s, ${runs:-?} runs, $cov, corpus $ncorp"
	fi
	echo "run-fuzz: $line"
	summary="$summary
$line"
done
echo "run-fuzz: summary:$summary"
if [ -n "$failed" ]; then
	echo "run-fuzz: failed:$failed" >&2
	exit 1
fi
