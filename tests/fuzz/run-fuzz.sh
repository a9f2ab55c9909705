#!/bin/sh
# run-fuzz.sh -- build and run the libFuzzer targets (clang -fsanitize=fuzzer).
#
#	FUZZ_SECONDS=60 tests/fuzz/run-fuzz.sh	(`make fuzz`)
#
# Each target runs for FUZZ_SECONDS (default 60) on a corpus seeded from
# tests/compat/hostlist-corpus.txt and kept in build/fuzz/corpus-NAME, so
# later runs start where earlier ones stopped. A crash leaves its input in
# build/fuzz/ and makes the script fail.
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
mkdir -p "$out"
flags="-std=gnu11 -g -O1 -D_GNU_SOURCE -Isrc -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined"

# fuzz-hostlist: hostlist.c, hostlist-fold.c and gather.c (pure), on util.c.
"$CLANG" $flags -o "$out/fuzz-hostlist" tests/fuzz/fuzz-hostlist.c \
    src/hostlist.c src/hostlist-fold.c src/gather.c src/util.c || exit 1
corpus=$out/corpus-hostlist
if [ ! -d "$corpus" ]; then
	mkdir -p "$corpus"
	i=0
	while IFS= read -r line; do
		i=$((i + 1))
		printf '%s' "$line" >"$corpus/seed-$i"
	done <tests/compat/hostlist-corpus.txt
	printf '^b,@all!@gpu' >"$corpus/seed-files"
	printf '@loop' >"$corpus/seed-loop"
	printf 'node[1-3] login1 -node2 &node[1-9]' >"$corpus/seed-ops"
fi
echo "run-fuzz: fuzz-hostlist for ${secs}s"
# The target chdirs to a scratch directory: give it absolute paths.
abs=$(cd "$out" && pwd)
rc=0
"$abs/fuzz-hostlist" -max_total_time="$secs" -max_len=512 -timeout=10 \
    -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$abs/" \
    "$abs/corpus-hostlist" >"$abs/fuzz-hostlist.log" 2>&1 || rc=$?
tail -n 25 "$abs/fuzz-hostlist.log"
if [ $rc -ne 0 ]; then
	echo "run-fuzz: fuzz-hostlist failed (status $rc); inputs in $abs/" >&2
	exit 1
fi
echo "run-fuzz: fuzz-hostlist: nothing found in ${secs}s"
