#!/bin/bash
# 55-console-via-slurm.sh -- the console's `--via slurm CMD`: the command
# runs as one Slurm step; its blocks are grouped as over SSH, a drained
# node shows "slurm-unavailable: drained" as its own block, the header
# says "via slurm", -u works with it, ^C stops the step, and a bad --via
# word is one line of error with nothing started.
. "$(dirname "$0")/lib.sh"

mapfile -t nodes < <(sim_nodes)
n=${#nodes[@]}
[ "$n" -ge 4 ] || { echo "not ok - the sim has fewer than 4 nodes"; exit 1; }
drained=${nodes[2]}
rest=$("$CLUSTERTOP" hosts -f -x "$drained" "${nodes[@]}")
re() { printf '%s' "$1" | sed 's/[][().*^$]/\\&/g'; }
row="^ +[^ ]* *node[0-9]+ +"
rows=$((n + 16))
[ $rows -lt 30 ] && rows=30
export CLUSTERTOP_HISTORY=$TUI_LOG/history-55
rm -f "$CLUSTERTOP_HISTORY"
cleanup55() { scontrol update nodename="$drained" state=resume 2>/dev/null; tui_stop; }
trap cleanup55 EXIT

scontrol update nodename="$drained" state=drain reason="ct55 check"
tui_start 140 "$rows" --interval 1 || { not_ok "tmux starts"; exit 1; }
tui_wait_count "${row}up +[0-9]" "$n" 150 || not_ok "all nodes up"
check "the dashboard shows $drained drained" tui_wait "drain" 100

tui_keys :; tui_keys -l -- '--via slurm echo "from $SLURMD_NODENAME" | cut -c1-4' 
tui_keys Enter
check "via slurm: the nodes Slurm can use, one block, exit 0" \
    tui_wait "^. $(re "$rest") \($((n - 1))\) +exit 0" 100
check "via slurm: the task's output" tui_wait "^  from *$" 10
check "via slurm: $drained is its own block, slurm-unavailable: drained" \
    tui_wait "^. $(re "$drained") \(1\) +slurm-unavailable: drained" 20
check "the header says via slurm" tui_wait "via slurm" 10

tui_keys :; tui_keys -l -- '--via slurm -u 1 sleep 300'
tui_keys Enter
check "via slurm -u 1: timed out" tui_wait "timed out" 100
scontrol update nodename="$drained" state=resume

tui_keys :; tui_keys -l -- '--via slurm sleep 300'
tui_keys Enter
check "via slurm: running" tui_wait "running" 50
tui_keys C-c
check "^C: cancelled" tui_wait "cancelled" 100
gone=0
for ((i = 0; i < 100; i++)); do
	[ -z "$(squeue -h -n clustertop-console -o %i 2>/dev/null)" ] && { gone=1; break; }
	sleep 0.2
done
check "^C: the step's job is gone" test "$gone" -eq 1

tui_keys :; tui_keys -l -- '--via pigeon uptime'
tui_keys Enter
check "--via pigeon: one line of error" tui_wait "console: --via wants slurm or ssh" 20
tui_keys Escape q
check "q quits with status 0" tui_wait "^EXIT=0" 50
check "history keeps the --via prefix" grep -q -- "^--via slurm " "$CLUSTERTOP_HISTORY"
tui_done
