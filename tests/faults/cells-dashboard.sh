# cells-dashboard.sh -- sourced by run-matrix.sh: the dashboard-idle column.
#
# Not one 10-minute dashboard per cell: ONE dashboard (node[01-04], every
# 1 s, a /tmp column) runs for FAULTS_DASH_SECONDS (default 600) and takes
# every fault in turn, each in its own time slot on node02 (or the head),
# with the fault's own assertions: node02's state on screen, the rest of
# the nodes still up, node02 back after the undo. After each slot the
# dashboard's RSS and open fds are read (/proc/PID/status, /proc/PID/fd)
# against the first reading; once every slot is done the dashboard idles
# until the time is up, sampled every 30 s, and the growth over the whole
# run is checked once more (bounds: FAULTS_DASH_RSS_KB, default 32768 kB,
# and 8 fds). Then SIGTERM ends it (the sigterm row) and a second, short
# dashboard is ended by SIGHUP (the sighup row).
#
# The run happens once, before the cells, in before_cells (called by the
# runner); it is a child of the runner like a cell (--cell ... session
# dashboard-idle) under its own timeout. Each dashboard-idle cell then reads
# its row's result from $WORK/dash/ROW.
# shellcheck shell=bash

DASH_SECONDS=${FAULTS_DASH_SECONDS:-600}
DASH_RSS_KB=${FAULTS_DASH_RSS_KB:-32768}
DASH_FDS=8
NA[node-output:dashboard-idle]="the idle dashboard runs only its own metrics script on the nodes: nothing else prints into it; its parser is fuzzed (tests/fuzz metrics target) and node-output x console is the dashboard fed garbage"
NA[head-disk-full:dashboard-idle]="an idle dashboard writes nothing on the head (no job, so no audit record); the dashboard writing to a full disk is head-disk-full x console"

DASH_ROWS=(sshd-stopped frozen cut-heal sshd-restarted hostkey-changed rebooted
	disk-full clock-off slurmctld-stopped slurmctld-slow munged-stopped sigterm sighup)

# --- in the parent: run the session once when a dashboard-idle cell is selected
before_cells() {
	local fl want=0
	for fl in "${DASH_ROWS[@]}"; do
		[ -n "$only" ] && ! grep -qE -- "$only" <<<"$fl:dashboard-idle" && continue
		[ "$set_" = ci ] && ! grep -qw -- "$fl:dashboard-idle" <<<"$CI_CELLS" && continue
		want=1
	done
	[ "$want" = 1 ] || return 0
	mkdir -p "$WORK/dash"
	echo "# --- dashboard-idle: one dashboard for ${DASH_SECONDS} s, every fault in its own slot"
	local t0=$SECONDS
	timeout -k 10 $((DASH_SECONDS + 900)) "$0" --cell "$WORK" "$WORK/dash/.session" "$BIG" "$BIGSUM" session dashboard-idle 2>&1 |
	    sed 's/^\([^#]\)/#   \1/'
	echo "# dashboard-idle session: $((SECONDS - t0)) s"
	heal_all
}

# --- one cell: its row's result from the session ---------------------------------
dash_cell() {
	local r=$WORK/dash/$1
	[ -s "$r" ] || result fail "the dashboard-idle session gave no result for $1 (killed by its timeout, or it did not reach this slot)"
	result "$(sed -n 1p "$r")" "$(sed -n 2p "$r")"
}
for fl_ in "${DASH_ROWS[@]}"; do eval "c_dashboard-idle_$fl_() { dash_cell $fl_; }"; done
unset fl_

# --- the session (in a child, like a cell) -----------------------------------------
# FAULTS_DASH_ONLY=REGEX: only the slots whose row matches (a re-run of one
# slot; the other rows then have no result and their cells fail as such)
dash_slot() { [ -z "${FAULTS_DASH_ONLY:-}" ] || grep -qE -- "$FAULTS_DASH_ONLY" <<<"$1"; }
dash_rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$DPID/status" 2>/dev/null; }
dash_fds() { ls "/proc/$DPID/fd" 2>/dev/null | wc -l; }
dash_slot_end() {  # ROW [NOTE]: the slot's verdict, with the dashboard's growth so far
	local rss fds
	rss=$(dash_rss) fds=$(dash_fds)
	echo "#   after $1: RSS ${rss:-?} kB (start $RSS0), fds ${fds:-?} (start $FDS0), t=$((SECONDS - T0)) s"
	want "the dashboard's RSS within $DASH_RSS_KB kB of the start (${rss:-?} kB)" [ "${rss:-999999999}" -le $((RSS0 + DASH_RSS_KB)) ]
	want "its open fds within $DASH_FDS of the start (${fds:-?})" [ "${fds:-9999}" -le $((FDS0 + DASH_FDS)) ]
	want "clustertop still running" tui_wait_gone "^EXIT=" 2
	local v=pass why=${2:-}
	if [ ${#FAILS[@]} -gt 0 ]; then v=fail; local IFS=';'; why="${FAILS[*]}"; fi
	printf '%s\n%s\n' "$v" "$why" > "$WORK/dash/$1"
	echo "# slot $1: $v${why:+: $why}"
	FAILS=()
}
dash_row() { tui_wait "^ +[^ ]* *$F +$1" "${2:-300}"; }
dash_all_up() { tui_wait "nodes 4/4 up" "${1:-900}"; }
dash_back() {  # after the undo: node02 up again, samples flowing
	want "$F back: nodes 4/4 up" dash_all_up 900
	want "$F's row: up with a load" dash_row "up +[0-9]" 300
}
kill_sessions() {  # node02's SSH sessions, not its listener ("sshd: ... [listener] ...")
	local p cmd
	for p in $(node_pids $F '^sshd: '); do
		cmd=$(tr '\0' ' ' < "/proc/$p/cmdline" 2>/dev/null)
		[[ $cmd == *listener* ]] || kill "$p" 2>/dev/null
	done
}
reconnect_f() { tui_keys +; tui_keys -l "$F"; tui_keys Enter; tui_keys r; tui_keys u; }
rebooted_seen() {
	tui_screen | grep -qE "^ +[^ ]* *$F +(unreach|reconn|connect)" && return 0
	local p; p=$(node_pids $F '@ctm1' | head -n 1)
	[ -n "$p" ] && [ "$p" != "${LOOP0:-}" ]
}
loops_le1() { [ "$(node_pids $F '@ctm1' | wc -l)" -le 1 ]; }
no_loops_anywhere() { local n; for n in $F "${OTHERS[@]}"; do wait_until 150 no_procs "$n" '@ctm1' || return 1; done; }
no_slurm_counts() { ! tui_screen | grep -qE 'slurm [0-9]+ idle'; }
tmp_not_full() { ! tui_screen | grep -qE "$F +up .* 100% "; }
slurm_counts() { tui_wait "slurm [0-9]+ idle" "${1:-300}"; }

c_dashboard-idle_session() {
	export CLUSTERTOP_HISTORY=
	TUI_LOG=$D/tui; mkdir -p "$TUI_LOG"
	# shellcheck source=../tui/lib.sh
	. "$root/tests/tui/lib.sh"
	TUI_ON=1
	T0=$SECONDS
	tui_start 150 32 --interval 1 --mounts /tmp -w "$W" || { echo "# tmux did not start"; exit 0; }
	want "the dashboard shows 4/4 up" dash_all_up 600
	want "Slurm counts in the header" slurm_counts 600
	DPID=$(tui_pid)
	RSS0=$(dash_rss) FDS0=$(dash_fds)
	echo "#   dashboard pid $DPID: RSS $RSS0 kB, $FDS0 fds at the start"
	if [ ${#FAILS[@]} -gt 0 ]; then  # no dashboard: every row fails for the same reason
		local r; for r in "${DASH_ROWS[@]}"; do printf 'fail\nthe dashboard did not start: %s\n' "${FAILS[*]}" > "$WORK/dash/$r"; done
		tui_stop; exit 0
	fi

	if dash_slot sshd-stopped; then
	# sshd stopped (listener and sessions: kill-sshd, so that the running
	# dashboard must reconnect and is refused)
	fault $F kill-sshd
	want "$F's row says it is not reachable" dash_row "(unreach|reconn|connect|refused)" 600
	want "the header: nodes 3/4 up" tui_wait "nodes 3/4 up" 300
	want "the others still up" tui_wait_count "^ +[^ ]* *node0[134] +up +[0-9]" 3 300
	fault $F start-sshd
	dash_back
	dash_slot_end sshd-stopped "kill-sshd (listener and sessions), then start-sshd"
	fi

	if dash_slot frozen; then
	fault $F freeze-node
	want "frozen: $F's row leaves up (keepalives)" dash_row "(unreach|reconn|connect|timeout|stale)" 900
	want "the others still up" tui_wait_count "^ +[^ ]* *node0[134] +up +[0-9]" 3 300
	fault $F thaw-node
	dash_back
	want "at most one metrics loop on $F after the thaw (the old one ended)" wait_until 600 loops_le1
	dash_slot_end frozen
	fi

	if dash_slot cut-heal; then
	fault $F cut
	want "cut: $F's row leaves up" dash_row "(unreach|reconn|connect|timeout|stale)" 900
	want "the others still up" tui_wait_count "^ +[^ ]* *node0[134] +up +[0-9]" 3 300
	fault $F heal
	dash_back
	want "at most one metrics loop on $F after the heal (the old one ended)" wait_until 600 loops_le1
	dash_slot_end cut-heal
	fi

	if dash_slot sshd-restarted; then
	fault $F restart-sshd
	sleep 3	# a slot of 3 s: the samples must keep coming through the old session
	want "$F's row still up with a load after the listener restart" dash_row "up +[0-9]" 100
	want "nodes 4/4 up" dash_all_up 100
	dash_slot_end sshd-restarted
	fi

	if dash_slot hostkey-changed; then
	fault $F new-hostkey
	kill_sessions
	want "$F's row: hostkey (the changed key is refused)" dash_row "hostkey" 600
	want "the others still up" tui_wait_count "^ +[^ ]* *node0[134] +up +[0-9]" 3 300
	fault $F restore-hostkey
	# a changed key is never retried by itself: the administrator asks (+ node02, r)
	reconnect_f
	dash_back
	dash_slot_end hostkey-changed "new-hostkey and its sessions killed, so that the dashboard reconnects to the new key; after restore-hostkey, 'r' on $F (a mismatch is not retried by itself)"
	fi

	if dash_slot rebooted; then
	LOOP0=$(node_pids $F '@ctm1' | head -n 1)
	fault $F reboot
	# sshd is back at once: the row may be up again before the screen is
	# read, so a new metrics loop (a new session) counts as the proof too
	want "rebooted: $F's row leaves up, or it has reconnected already (a new metrics loop)" wait_until 600 rebooted_seen
	dash_back
	dash_slot_end rebooted
	fi

	if dash_slot disk-full; then
	fault $F disk-full
	want "$F's /tmp column: 100%" dash_row "up .* 100% " 600
	want "the others' /tmp not full" tui_wait_count "^ +[^ ]* *node0[134] +up .* 100% " 0 100
	fault $F disk-free
	want "$F's /tmp back under 100%" wait_until 300 tmp_not_full
	dash_slot_end disk-full
	fi

	if dash_slot clock-off; then
	fault $F clock-off "$CLOCK_SKEW"
	kill_sessions	# the dashboard reconnects: its new session has the clock 2 h off
	want "$F reconnects with its clock 2 h off" dash_back
	want "its metrics keep coming (uptime and load are the kernel's)" dash_row "up +[0-9]" 100
	fault $F clock-on
	dash_slot_end clock-off "the dashboard has no clock column: a node 2 h off looks like the others"
	fi

	if dash_slot slurmctld-stopped; then
	fault head stop-slurmctld
	want "the header stops showing Slurm counts" wait_until 900 no_slurm_counts
	tui_screen | sed -n '1p' | sed 's/^/#   | /'
	want "the nodes stay up (SSH does not need Slurm)" dash_all_up 100
	fault head start-slurmctld
	want "Slurm counts come back" slurm_counts 900
	dash_slot_end slurmctld-stopped "$(tui_screen | sed -n 1p | grep -o 'slurm[^│]*' | head -n 1)"
	fi

	if dash_slot slurmctld-slow; then
	fault head freeze-slurmctld
	local k; for ((k = 0; k < 20; k++)); do sleep 1; done	# 20 s, as the issue says
	tui_keys '?'
	want "keys still answered while slurmctld hangs (? opens the help)" tui_wait "(Keys|keys|help)" 150
	tui_keys Escape
	want "the nodes stay up" dash_all_up 100
	fault head thaw-slurmctld
	want "Slurm counts after the thaw" slurm_counts 900
	dash_slot_end slurmctld-slow
	fi

	if dash_slot munged-stopped; then
	fault head stop-munged
	want "the header stops showing Slurm counts (no munge, no answer)" wait_until 900 no_slurm_counts
	tui_screen | sed -n '1p' | sed 's/^/#   | /'
	want "the nodes stay up" dash_all_up 100
	fault head start-munged
	want "Slurm counts come back" slurm_counts 900
	dash_slot_end munged-stopped
	fi

	# idle for the rest of the time, sampled every 30 s
	local rss fds maxr=0 maxf=0
	while [ $((SECONDS - T0)) -lt "$DASH_SECONDS" ]; do
		sleep 30
		rss=$(dash_rss) fds=$(dash_fds)
		[ "${rss:-0}" -gt "$maxr" ] && maxr=$rss
		[ "${fds:-0}" -gt "$maxf" ] && maxf=$fds
		echo "#   idle t=$((SECONDS - T0)) s: RSS ${rss:-?} kB, fds ${fds:-?}"
	done
	want "over the whole run the RSS peaked at $maxr kB (start $RSS0, bound +$DASH_RSS_KB)" [ "$maxr" -le $((RSS0 + DASH_RSS_KB)) ]
	want "over the whole run the fds peaked at $maxf (start $FDS0, bound +$DASH_FDS)" [ "$maxf" -le $((FDS0 + DASH_FDS)) ]
	want "4/4 up at the end" dash_all_up 100
	local growth=("${FAILS[@]}") r
	if [ ${#growth[@]} -gt 0 ]; then  # the whole run's growth fails every row
		for r in "${DASH_ROWS[@]}"; do
			[ -s "$WORK/dash/$r" ] && { local IFS=';'; printf 'fail\n%s;%s\n' "${growth[*]}" "$(sed -n 2p "$WORK/dash/$r")" > "$WORK/dash/$r"; }
		done
	fi
	FAILS=()
	local note="one dashboard, $((SECONDS - T0)) s: RSS $RSS0 -> peak $maxr kB, fds $FDS0 -> peak $maxf (ASan build)"

	kill -TERM "$DPID"
	want "SIGTERM: clustertop exits" tui_wait "^EXIT=" 300
	want "the terminal is restored (no alternate screen)" [ "$($TUI_TMUX display -p '#{alternate_on}')" = 0 ]
	want "no metrics loop left on any node" no_loops_anywhere
	local ex; ex=$(tui_screen | grep -o 'EXIT=[0-9]*' | head -n 1)
	tui_stop
	local v=pass why="$ex; $note"
	[ ${#FAILS[@]} -gt 0 ] && { v=fail; local IFS=';'; why="${FAILS[*]}"; }
	printf '%s\n%s\n' "$v" "$why" > "$WORK/dash/sigterm"
	FAILS=()

	tui_start 150 32 --interval 1 -w "$W" || true
	want "a second dashboard: 4/4 up" dash_all_up 600
	DPID=$(tui_pid)
	kill -HUP "$DPID"
	want "SIGHUP: clustertop exits" tui_wait "^EXIT=" 300
	want "no metrics loop left on any node" no_loops_anywhere
	ex=$(tui_screen | grep -o 'EXIT=[0-9]*' | head -n 1)
	tui_stop
	dash_slot_end_nodash sighup "$ex"
	result pass "session done"
}
dash_slot_end_nodash() {
	local v=pass why=${2:-}
	[ ${#FAILS[@]} -gt 0 ] && { v=fail; local IFS=';'; why="${FAILS[*]}"; }
	printf '%s\n%s\n' "$v" "$why" > "$WORK/dash/$1"
	FAILS=()
}
