#!/bin/bash
# check-scale.sh -- `make check-scale`: clustertop at the size of a real
# cluster (default 1,024 nodes; SCALE_NODES=N), on its own simulated
# cluster (SIM_ID, default 9) with sshd on every node and slurmd on the
# first SCALE_SLURMD (default 64; the rest are listed down in Slurm).
#
#   1. cold connect + one round: `clustertop exec hostname` on all nodes;
#      every node answers its own name, exit 0
#   2. a warm round (`clustertop bench --rounds 3`)
#   3. the dashboard in tmux: RSS per connected node (200x60 on the first
#      64 nodes, then on all N: the growth divided by N-64, < 256 KiB); its
#      CPU (utime+stime) over SCALE_CPU_S seconds (default 60) at 200x60;
#      then a window of N+8 rows: every node up with samples, Slurm's down
#      nodes shown down
#   3b. the heat map with every node selected, at 80x24 and at 200x60:
#      every node is one cell on one screen (N-1 marks and the cursor);
#      key-to-frame at 1,024 idle nodes: 40 keys, how many were drawn later
#      than one frame (CLUSTERTOP_STATS keys_later_than_a_frame)
#   4. the console (`:`) on every node: `uname -s` gives one block with the
#      folded list, `hostname` N blocks, the last one reached with G
#   4b. broadcast to every node: opens grouped (no tiles above 64), one
#      group of N identical screens, RSS per terminal at 80x24
#   5. a mass outage: sshd (listener and sessions) killed on half the
#      nodes; the dashboard shows them lost, the rest stay up; sshd started
#      again; every node comes back (reconnect with backoff and jitter)
#
# Not part of `make check` (CI has 90 minutes for everything). Every wait
# is a bounded poll for an event; the measurements are printed, never
# compared with a wall-clock threshold. Prints TAP lines; exit 0 when all
# pass. SCALE_KEEP=1 leaves the sim up.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
export SIM_ID=${SIM_ID:-9}
N=${SCALE_NODES:-1024}
K=${SCALE_SLURMD:-64}
(( K > N )) && K=$N
CPU_S=${SCALE_CPU_S:-60}
# Sampling interval of the dashboard: 1 s, as issue 14 asks. On the
# 2-core test machine the nodes' side of that (each of 1,024 simulated
# nodes forks a `sleep` a second, a `df` every 10 s) is most of the load;
# the dashboard's own CPU is measured and must stay under 5 % of a core
# (utime+stime over SCALE_CPU_S seconds, a CPU share, not a wall-clock
# limit). SCALE_INTERVAL=5 is what earlier runs used.
INTERVAL=${SCALE_INTERVAL:-1}
: "${CLUSTERTOP:=$root/build/clustertop}"
export CLUSTERTOP
sim=tests/sim/simcluster
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok - $*"; }
not_ok() { fail=$((fail + 1)); echo "not ok - $*"; }
measure() { echo "# measure: $*"; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

work=$(mktemp -d /var/tmp/ct-scale.XXXXXX)
export CLUSTERTOP_AUDIT_LOG=$work/audit.log
cleanup() {
	[ -n "${TUI_TMUX:-}" ] && tui_stop
	[ -n "${SCALE_KEEP:-}" ] || $sim down >/dev/null 2>&1
	rm -rf "$work"
}
trap cleanup EXIT

echo "# check-scale: $N nodes (slurmd on $K), SIM_ID=$SIM_ID, $CLUSTERTOP"
t0=$(now)
if SIM_VERBOSE=1 $sim up -n "$N" --slurmd "$K" >"$work/up.log" 2>&1; then
	ok "simcluster up -n $N --slurmd $K"
	measure "sim boot $(since "$t0") s; $(grep '^sim .* up' "$work/up.log")"
	tests/scale/sim-mem.sh | sed 's/^/# measure: sim memory (PSS): /'
else
	not_ok "simcluster up -n $N --slurmd $K"; tail -n 20 "$work/up.log" | sed 's/^/#   /'
	exit 1
fi
eval "$($sim env)"
hosts="^$WCOLL"
first=$(head -n 1 "$WCOLL")
last=$(tail -n 1 "$WCOLL")

# --- 1. cold connect and one round ------------------------------------------
t0=$(now)
/usr/bin/time -f '%e %U %S %M' -o "$work/exec.time" \
    "$CLUSTERTOP" exec -w "$hosts" hostname >"$work/exec.out" 2>"$work/exec.err"
rc=$?
read -r e_wall e_user e_sys e_rss <"$work/exec.time"
good=$(awk -F': ' '$1 == $2' "$work/exec.out" | sort -u | wc -l)
if [ "$rc" -eq 0 ] && [ "$good" -eq "$N" ]; then
	ok "cold exec hostname: all $N nodes answered their own name, exit 0"
else
	not_ok "cold exec hostname: exit $rc, $good of $N nodes answered their name"
	sed 's/^/#   /' "$work/exec.err" | head -n 20
fi
measure "cold exec on $N nodes: wall ${e_wall} s, client CPU ${e_user} s user + ${e_sys} s sys, max RSS ${e_rss} KiB"

# --- 2. a warm round ---------------------------------------------------------
if "$CLUSTERTOP" bench -w "$hosts" --rounds 3 --json hostname >"$work/bench.json" 2>"$work/bench.err"; then
	ok "warm rounds (clustertop bench --rounds 3)"
	measure "warm round on $N nodes: $(jq -c '[.rounds[] | if type == "object" then .seconds else . end]' "$work/bench.json" 2>/dev/null) s"
else
	not_ok "warm rounds (clustertop bench)"; sed 's/^/#   /' "$work/bench.err" | head -n 20
fi

# --- 3. the dashboard ------------------------------------------------------------
TUI_POLL=0.5
. tests/tui/lib.sh
trap cleanup EXIT
ok() { pass=$((pass + 1)); echo "ok - $*"; }	# lib.sh has its own
not_ok() { fail=$((fail + 1)); echo "not ok - $*"; }
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
up_re="nodes $N/$N up"

# dash HOSTS COUNT ROWS: the dashboard on HOSTS in a 200xROWS window;
# waits until COUNT are up; sets PID and UP_S (seconds to all up)
dash() {
	local t
	t=$(now)
	CLUSTERTOP_STATS=$work/stats.json tui_start 200 "$3" --interval "$INTERVAL" -w "$1"
	PID=""
	for _ in 1 2 3 4 5 6 7 8 9 10; do PID=$(tui_pid) && [ -n "$PID" ] && break; sleep 0.5; done
	tui_wait "nodes $2/$2 up" 1200 || return 1
	UP_S=$(since "$t")
}

# RSS per connected node: the same window (200x60) on the first 64 nodes,
# then on all N (the growth divided by N-64)
r64=""
if (( N > 64 )); then
	h64=$(head -n 64 "$WCOLL" | paste -sd,)
	if dash "$h64" 64 60 && sleep 5; then r64=$(rss_kb "$PID"); else not_ok "dashboard on 64 nodes (RSS run)"; fi
	tui_stop
fi

if dash "$hosts" "$N" 60; then
	ok "dashboard: header says $N/$N up"
	measure "dashboard on $N nodes: all up after $UP_S s (cold connect, paced)"
else
	not_ok "dashboard: $N/$N up"; tui_screen | head -n 3 | sed 's/^/#   /'
fi
if [ -n "$PID" ]; then
	sleep 5
	rN=$(rss_kb "$PID")
	if [ -n "$r64" ]; then
		per=$(( (rN - r64) / (N - 64) ))
		measure "RSS (200x60): ${r64} KiB at 64 nodes, ${rN} KiB at $N: $per KiB per added node"
		if (( per < 256 )); then ok "RSS per connected node $per KiB (< 256 KiB)"
		else not_ok "RSS per connected node $per KiB (>= 256 KiB)"; fi
	fi
	# CPU at a terminal's size, before the 1,024-row window of the frame check
	stat_field() { jq -r ".$1" "$work/stats.json" 2>/dev/null; }
	l0=$(stat_field lines); c0=$(cpu_ticks "$PID"); s0=$(now)
	sleep "$CPU_S"
	sleep 6	# the stats file is written every 5 s
	l1=$(stat_field lines); c1=$(cpu_ticks "$PID"); secs=$(since "$s0")
	hz=$(getconf CLK_TCK)
	measure "dashboard fds: $(ls "/proc/$PID/fd" | wc -l) open, limit $(awk '/^Max open files/ { print $4 "/" $5 }' "/proc/$PID/limits") (soft/hard: raised to the hard limit at start)"
	cpu_pct=$(awk -v t=$(( c1 - c0 )) -v hz="$hz" -v s="$secs" 'BEGIN { printf "%.2f", 100 * t / hz / s }')
	measure "dashboard CPU on $N nodes at 200x60, $INTERVAL s samples: $(( c1 - c0 )) ticks in $secs s = $cpu_pct% of one core; sample lines received $(awk -v l=$(( l1 - l0 )) -v s="$secs" 'BEGIN { printf "%.0f", l / s }')/s"
	if awk -v p="$cpu_pct" 'BEGIN { exit !(p < 5) }'; then
		ok "dashboard CPU $cpu_pct% of one core over $secs s at $INTERVAL s samples (< 5 %)"
	else
		not_ok "dashboard CPU $cpu_pct% of one core over $secs s (>= 5 %)"
	fi
fi

# --- 3b. the heat map at 80x24 and 200x60, key-to-frame at idle ---------------
# Every node selected: each cell shows the selection mark (U+25CF), the
# cursor's cell "@" (one column a cell) or "[]" (two).
heat_cells() { tui_screen | grep -o $'\xe2\x97\x8f' | wc -l; }
tui_keys Tab
if tui_wait "heat map" 40; then
	tui_keys a
	for geom in 80x24 200x60; do
		tui_resize "${geom%x*}" "${geom#*x}"
		got=0
		for _ in $(seq 1 40); do
			got=$(heat_cells)
			[ "$got" -ge $(( N - 1 )) ] && break
			sleep 0.5
		done
		if [ "$got" -eq $(( N - 1 )) ] && tui_screen | grep -Eq '@|\[\]'; then
			ok "heat map at $geom: all $N nodes are cells on one screen ($got marks + the cursor)"
		else
			not_ok "heat map at $geom: $got of $(( N - 1 )) marks on screen"
		fi
		tui_screen >"$work/heat-$geom.txt"
		measure "heat map at $geom, first rows:"
		head -n 6 "$work/heat-$geom.txt" | cut -c1-100 | sed 's/^/#   /'
	done
	tui_keys a
	# Key-to-frame with every node up and idle (no command running): 40
	# cursor moves in the heat map, then 40 in the table, 0.25 s apart.
	stat_n() { jq -r ".$1" "$work/stats.json" 2>/dev/null; }
	sleep 6
	k0=$(stat_n keys); late0=$(stat_n keys_later_than_a_frame); sum0=$(stat_n key_to_frame_ms_sum)
	for i in $(seq 1 20); do tui_keys l; sleep 0.25; tui_keys j; sleep 0.25; done
	tui_keys Tab
	for i in $(seq 1 20); do tui_keys j; sleep 0.25; tui_keys k; sleep 0.25; done
	sleep 6	# the stats file is rewritten every 5 s
	k1=$(stat_n keys); late1=$(stat_n keys_later_than_a_frame); sum1=$(stat_n key_to_frame_ms_sum)
	measure "key-to-frame on $N idle nodes (heat map and table, 200x60): $(( k1 - k0 )) keys, $(( late1 - late0 )) drawn later than one frame ($(stat_n frame_ms) ms); mean $(awk -v a="$sum0" -v b="$sum1" -v k=$(( k1 - k0 )) 'BEGIN { if (k > 0) printf "%.1f", (b - a) / k; else print "n/a" }') ms"
else
	not_ok "Tab: heat map"
	tui_keys Tab
fi
tui_resize 200 $(( N + 8 ))
tui_wait "LOAD1" 40 || { tui_keys Tab; tui_wait "LOAD1" 40; } || not_ok "back to the table"
# every row up with a CPU% sample, in a window with a row per node
tui_resize 200 $(( N + 8 ))
if tui_wait_count "^ +[^ ]* *node[0-9]+ +up +[0-9]+\.[0-9]+ " "$N" 240; then
	ok "dashboard frame: $N rows, every node up with samples"
else
	not_ok "dashboard frame: $(tui_screen | grep -Ec "^ +[^ ]* *node[0-9]+ +up +[0-9]+\.[0-9]+ ") of $N rows up with samples"
fi
tui_screen >"$work/frame.txt"
measure "frame: $(wc -l <"$work/frame.txt") lines; first rows:"
head -n 4 "$work/frame.txt" | sed 's/^/#   /'
tail -n 3 "$work/frame.txt" | sed 's/^/#   /'
if (( K < N )); then
	if grep -Eq "^ +[^ ]* *$last +up .* down" "$work/frame.txt"; then
		ok "a node without slurmd ($last) is up over SSH and down in Slurm"
	else
		not_ok "$last shown up and Slurm-down"; grep -E " $last " "$work/frame.txt" | sed 's/^/#   /'
	fi
fi

# --- 4. the console on every node ----------------------------------------------
re() { printf '%s' "$1" | sed 's/[][().*^$]/\\&/g'; }
all=$("$CLUSTERTOP" hosts -f "^$WCOLL")
t0=$(now)
tui_keys : "uname -s" Enter
if tui_wait "^. $(re "$all") \($N\) +exit 0" 600; then
	ok "console: one block $all ($N), exit 0"
	measure "console round (uname -s) on $N nodes: grouped in $(since "$t0") s"
else
	not_ok "console: one block $all ($N)"; tui_screen | head -n 5 | sed 's/^/#   /'
fi
t0=$(now)
tui_keys : hostname Enter
if tui_wait "^. $first \(1\) +exit 0" 600 && tui_keys G &&
    tui_wait "^. $last \(1\) +exit 0" 100; then
	ok "console: $N distinct answers, $N blocks, the last one reached with G"
	measure "console round (hostname, $N distinct) in $(since "$t0") s"
else
	not_ok "console: $N distinct answers navigable"; tui_screen | tail -n 5 | sed 's/^/#   /'
fi
tui_keys Escape
tui_wait "LOAD1" 20 || not_ok "Esc back to the table"

# --- 4b. broadcast to every node: the grouped view, memory per terminal --------
# At 80x24 (terminals of 80x22: the window less banner and status line).
tui_resize 80 24
sleep 2
rb0=$(rss_kb "$PID")
t0=$(now)
tui_keys b
if tui_wait "broadcast to all $N nodes\? \[y/N\]" 40; then
	tui_keys y
	if (( N > 64 )); then
		if tui_wait "grouped . [0-9]+ screens? for $N nodes" 600; then
			ok "broadcast to $N nodes opens in the grouped view"
		else
			not_ok "broadcast to $N nodes: grouped view"; tui_screen | head -n 4 | sed 's/^/#   /'
		fi
	else
		tui_wait "BROADCAST to $N nodes" 600 || not_ok "broadcast to $N nodes"
	fi
	tui_keys -l 'clear; echo bc-scale-ok'; tui_keys Enter
	tui_keys C-] g
	if tui_wait "^ 1  $(re "$all") \($N\)" 600; then
		ok "broadcast: one group of $N identical screens"
		measure "broadcast: $N shells open and one group in $(since "$t0") s"
	else
		not_ok "broadcast: one group of $N"; tui_screen | head -n 6 | sed 's/^/#   /'
	fi
	rb1=$(rss_kb "$PID")
	measure "broadcast RSS at 80x24: ${rb0} KiB before, ${rb1} KiB with $N terminals: $(( (rb1 - rb0) / N )) KiB per terminal"
	if (( N > 64 )); then
		tui_keys t	# in the menu since ^] g
		check "broadcast: no tiles at $N nodes" tui_wait "tiles: up to [0-9]+ nodes" 20
	fi
	tui_keys q	# still in the menu
	tui_wait "broadcast closed" 100 || not_ok "broadcast closes"
	sleep 2
	measure "RSS after the broadcast closed: $(rss_kb "$PID") KiB"
else
	not_ok "b: broadcast prompt"
fi
tui_resize 200 $(( N + 8 ))

# --- 5. mass outage and recovery ----------------------------------------------
half=$(( N / 2 ))
awk -v h="$half" 'NR % 2 == 0 && n < h { print; n++ }' "$WCOLL" >"$work/victims"
nv=$(wc -l <"$work/victims")
t0=$(now)
$sim fault "@$work/victims" kill-sshd >"$work/fault.log" 2>&1 || { not_ok "fault kill-sshd"; cat "$work/fault.log"; }
if tui_wait "nodes $(( N - nv ))/$N up" 240; then
	ok "mass outage: $nv nodes lost, the other $(( N - nv )) stay up"
	measure "outage seen in $(since "$t0") s"
else
	not_ok "mass outage: header $(tui_screen | grep -Eo 'nodes [0-9]+/[0-9]+ up' | head -n 1), want $(( N - nv ))/$N"
fi
sleep 5	# let the lost nodes retry against refused connections a while (backoff)
t0=$(now)
$sim fault "@$work/victims" start-sshd >"$work/fault.log" 2>&1 || { not_ok "fault start-sshd"; cat "$work/fault.log"; }
measure "sshd started again on $nv nodes in $(since "$t0") s (recovery is timed from the start of this)"
if tui_wait "$up_re" 1200; then
	ok "recovery: every node back up"
	measure "recovery: all $N up $(since "$t0") s after start-sshd began"
else
	not_ok "recovery: $(tui_screen | grep -Eo 'nodes [0-9]+/[0-9]+ up' | head -n 1)"
fi
if tui_wait_count "^ +[^ ]* *node[0-9]+ +up +[0-9]+\.[0-9]+ " "$N" 240; then
	ok "after recovery: $N rows up with samples"
else
	not_ok "after recovery: $(tui_screen | grep -Ec "^ +[^ ]* *node[0-9]+ +up +[0-9]+\.[0-9]+ ") of $N rows up with samples"
fi
if [ -n "$PID" ] && kill -0 "$PID" 2>/dev/null; then
	ok "dashboard alive through the outage"
	measure "RSS after the outage and recovery: $(rss_kb "$PID") KiB"
else
	not_ok "dashboard alive through the outage"
fi
tui_keys q
tui_wait "EXIT=0" 60 && ok "dashboard quits with q, exit 0" || not_ok "dashboard exit: $(tui_screen | grep EXIT)"
[ -r "$work/stats.json" ] && measure "stats: $(cat "$work/stats.json")"
tui_stop

echo "# check-scale: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
