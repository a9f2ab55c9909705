#!/bin/sh
# gen-bak-input.sh -- generate pdsh-style "host: line" input for the
# `clustertop bak` / `dshbak -c` benchmark.
#
# usage: gen-bak-input.sh [LINES [HOSTS [DISTINCT]]]
#	(defaults: 200000 1000 5)
#
# Every host prints LINES/HOSTS lines; host i prints output variant
# i % DISTINCT, so the grouped result has DISTINCT blocks. Lines are
# interleaved round-robin across hosts, as pdsh prints them when all hosts
# answer at the same pace: the worst case for a reader that hopes to see
# one host's lines together.
set -eu
lines=${1:-200000}
hosts=${2:-1000}
distinct=${3:-5}
case "$lines$hosts$distinct" in
*[!0-9]*) echo "usage: $0 [LINES [HOSTS [DISTINCT]]]" >&2; exit 2 ;;
esac
if [ "$hosts" -lt 1 ] || [ "$distinct" -lt 1 ]; then
	echo "$0: HOSTS and DISTINCT must be at least 1" >&2
	exit 2
fi
exec awk -v lines="$lines" -v hosts="$hosts" -v distinct="$distinct" 'BEGIN {
	w = length(hosts - 1); if (w < 2) w = 2
	for (i = 0; i < lines; i++) {
		h = i % hosts; l = int(i / hosts); v = h % distinct
		printf "node%0*d: variant %d line %d: the quick brown fox %d\n", w, h, v, l, (l * 7 + v) % 97
	}
}'
