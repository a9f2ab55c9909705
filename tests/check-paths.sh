#!/bin/bash
# check-paths.sh -- `make check-paths`: `make check` must pass wherever a
# user clones the project. Clones this repository's HEAD into three places
# in a row and runs the whole `make check` in each, from the clone:
#   1. under /tmp (every simulated node has a private /tmp, so the clone
#      does not exist inside the nodes)
#   2. under /root, in a folder whose name has a space
#   3. under /tmp again, a path of more than 100 characters with a space
# Prints, per place: the path, the summary line, the time it took and the
# load average before and after; then "N passed, N failed" over the places.
# Logs: $CHECK_PATHS_LOGS (default /var/tmp/clustertop-check-paths).
# Env: SIM_ID (default 40; each run tears its sim down before the next).
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
logs=${CHECK_PATHS_LOGS:-/var/tmp/clustertop-check-paths}
sim_id=${SIM_ID:-40}
mkdir -p "$logs" || exit 2
rev=$(git -C "$root" rev-parse --short HEAD) || exit 2
[ -z "$(git -C "$root" status --porcelain --untracked-files=no)" ] ||
	echo "# check-paths: uncommitted changes are not tested (HEAD $rev is)"

long="clustertop checks that make check passes at paths longer than one hundred characters"
bases=(/tmp/ct-paths.XXXXXX '/root/ct paths.XXXXXX' /tmp/ct-paths.XXXXXX)
under=(clustertop clustertop "$long/clustertop")
pass=0 fail=0
for k in 1 2 3; do
	base=$(mktemp -d "${bases[k - 1]}") || exit 2
	dest="$base/${under[k - 1]}"
	log="$logs/run-$k.log"
	mkdir -p "$(dirname "$dest")"
	if ! git clone -q "$root" "$dest"; then
		echo "not ok - $k: git clone into '$dest'"
		fail=$((fail + 1))
		continue
	fi
	load0=$(cut -d' ' -f1-3 /proc/loadavg)
	t0=$(date +%s)
	(cd "$dest" && SIM_ID=$sim_id make check) >"$log" 2>&1
	rc=$?
	t1=$(date +%s)
	load1=$(cut -d' ' -f1-3 /proc/loadavg)
	summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
	what="$k: '$dest' (${#dest} chars): ${summary:-no summary} in $((t1 - t0)) s, load $load0 -> $load1"
	if [ $rc -eq 0 ]; then
		echo "ok - $what"
		pass=$((pass + 1))
		rm -rf "$base"
	else
		echo "not ok - $what (log $log; clone kept)"
		grep -E '^failed suites|^   not ok' "$log" | head -n 20 | sed 's/^/#   /'
		fail=$((fail + 1))
	fi
done
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
