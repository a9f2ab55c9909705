#!/bin/bash
# push-tui-vs-cli.sh -- the same big push from `clustertop push` and from
# the dashboard's P (in tmux), with and without worker threads, two rounds
# each, on the simulated cluster (SIM_ID, the sim up). Prints the CLI's
# wall time and the dashboard's own totals line. Not part of make bench:
#   SIM_ID=N CLUSTERTOP=$PWD/build/clustertop tests/bench/push-tui-vs-cli.sh
# PUSH_MB (64) sets the size.
. "$(dirname "$0")/../tui/lib.sh"
big=$(mktemp /var/tmp/ct-push-big.XXXXXX)
trap 'rm -f "$big"; tui_stop' EXIT
head -c $((${PUSH_MB:-64} * 1024 * 1024)) /dev/urandom >"$big"
n=$(sim_nodes | wc -l)
for round in 1 2; do
	for mode in default 1; do
		if [ $mode = 1 ]; then export CLUSTERTOP_PUSH_THREADS=1
		else unset CLUSTERTOP_PUSH_THREADS; fi
		s0=$EPOCHREALTIME
		"$CLUSTERTOP" push "$big" "/tmp/ct-bench-cli-$mode/" 2>/dev/null
		s1=$EPOCHREALTIME
		echo "round $round threads=$mode CLI push: $(echo "$s1 - $s0" | bc) s"
		tui_start 130 40 --interval 1
		tui_wait_count "^ +[^ ]* *node[0-9]+ +up +[0-9]" "$n" 300
		tui_keys P
		tui_wait "Push files" 20
		tui_keys "$big" Tab C-u "/tmp/ct-bench-tui-$mode/" Enter
		tui_wait "^ finished" 3000
		tui_screen | grep -A1 "^ finished" | sed "s/^/round $round threads=$mode TUI: /"
		tui_keys Escape q
		tui_wait "^EXIT=" 50
		tui_stop
	done
done
"$CLUSTERTOP" exec 'rm -rf /tmp/ct-bench-cli-* /tmp/ct-bench-tui-*' >/dev/null 2>&1
