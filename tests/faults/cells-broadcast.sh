# cells-broadcast.sh -- sourced by run-matrix.sh: the broadcast column.
# The dashboard on node[01-04] in tmux, `b` (and `y`: every node), a shell
# on each; the fault hits node02. Each cell checks: node02's distinct state
# (the banner's "no shell: node02", or its own screen), that the others
# keep typing (a command typed after the fault writes a file in each of
# their /tmp, checked on the node), that node02 gets a new shell when it is
# back (and says so), that nothing of the shell is left on node02, and that
# clustertop is still running.
# shellcheck shell=bash

NA[slurmctld-stopped:broadcast]="broadcast shells are SSH PTYs: nothing in them asks Slurm (the dashboard's Slurm column is the dashboard-idle cell)"
NA[slurmctld-slow:broadcast]="broadcast shells are SSH PTYs: nothing in them asks Slurm (the dashboard's Slurm column is the dashboard-idle cell)"
NA[munged-stopped:broadcast]="broadcast shells are SSH PTYs: nothing in them uses munge"

bc_open() {  # UP [ROW-REGEX]: the dashboard (node02's row matching), then b y
	tui_open
	want "the header: nodes $1/4 up" tui_wait "nodes $1/4 up" 300
	[ -n "${2:-}" ] && want "the dashboard's row for $F: $2" tui_wait "$F +$2" 300
	tui_keys b
	want "b asks: broadcast to all 4 nodes?" tui_wait "broadcast to all 4 nodes\? \[y/N\]" 100
	tui_keys y
	want "the banner: BROADCAST to $1 nodes" tui_wait "^ BROADCAST to $1 nodes" 200
	want "a shell prompt" tui_wait "[#$] *$" 200
}
bc_type() { tui_keys -l "$1"; tui_keys Enter; }
bc_ctl() { tui_keys C-]; local k; for k in "$@"; do tui_keys "$k"; done; }
bc_file_on() {  # NODE NAME: /tmp/NAME on the node (the shell wrote it), within 30 s
	wait_until 300 sh -c "'$SIM' exec $1 test -e /tmp/$2"
}
bc_others_type() {  # a command typed now reaches node01, 03, 04
	local name=bc-$TOK-$1 n
	bc_type "touch /tmp/$name"
	for n in "${OTHERS[@]}"; do want "the others keep typing: $n ran the command typed after the fault" bc_file_on "$n" "$name"; done
}
bc_back() {  # [first]: node02 back: a new shell (said on its screen when it had one), banner back to 4
	[ "${1:-}" = first ] ||
	    want "$F back: 'the node came back; this is a new shell'" tui_wait "node came back; this is a new shell|this is a new shell" 900
	want "the banner counts 4 nodes again" tui_wait "^ (BROADCAST|PAUSED).* 4 (nodes|targets)" 300
	bc_type "touch /tmp/bc-$TOK-back"
	want "$F's new shell takes keys" bc_file_on $F "bc-$TOK-back"
}
bc_close() {
	want "clustertop still running" tui_wait_gone "^EXIT=" 2
	bc_ctl q
	tui_wait "broadcast closed" 100
	tui_keys q
	want "q, q: exit 0" tui_wait "^EXIT=0" 200
	tui_stop
}
bc_sleep_started() { started_on "$F" "sleep 900\\.$TOK"; }

c_broadcast_sshd-stopped() {  # node02 never connected: no shell until it is back
	fault $F stop-sshd
	bc_open 3
	want "the banner lists $F under no shell" tui_wait "^ BROADCAST to 3 nodes.*no shell: $F" 100
	bc_others_type after
	fault $F start-sshd
	bc_back first	# it never had a shell: it gets its first one
	bc_close
	verdict
}
c_broadcast_hostkey-changed() {
	fault $F new-hostkey
	bc_open 3 "(host-key|hostkey|key changed|HOST KEY)"
	want "the banner lists $F under no shell" tui_wait "^ BROADCAST to 3 nodes.*no shell: $F" 100
	bc_others_type after
	fault $F restore-hostkey
	bc_close
	verdict
}
bc_lost() {  # FAULT UNDO: while every shell runs a long command
	bc_open 4
	bc_type "sleep 900.$TOK"
	want "the command runs on $F" wait_until 300 bc_sleep_started
	fault $F "$1"
	want "the banner lists $F under no shell" tui_wait "^ BROADCAST to 3 nodes.*no shell: $F" 900
	bc_ctl f 2
	# (a reboot brings sshd back at once: the new shell may already be there)
	want "$F's status line says why (unreachable / connection lost), or it is back already" tui_wait "full . $F \(2/4\) . node (unreachable|reconnecting|connecting|connection lost)|the node came back; this is a new shell" 100
	tui_keys Enter
	tui_keys C-c
	bc_others_type after
	[ -n "$2" ] && fault $F "$2"
	bc_back
	want "no orphan on $F (the old shell's command is gone)" no_orphans $F
	bc_close
	verdict
}
c_broadcast_frozen() { bc_lost freeze-node thaw-node; }
c_broadcast_cut-heal() { bc_lost cut heal; }
c_broadcast_rebooted() { bc_lost reboot ""; }
c_broadcast_sshd-restarted() {
	bc_open 4
	fault $F restart-sshd
	bc_others_type after
	bc_type "touch /tmp/bc-$TOK-f"
	want "$F's shell survives the listener restart (it ran the command)" bc_file_on $F "bc-$TOK-f"
	want "the banner still counts 4 nodes" tui_wait "^ BROADCAST to 4 nodes" 100
	bc_close
	verdict
}
c_broadcast_disk-full() {
	fault $F disk-full
	bc_open 4
	bc_type "clear; echo data > /tmp/bc-$TOK-w && echo wrote-ok"
	bc_ctl g
	want "grouped view: node[01,03-04] (3) in one group" tui_wait "^ 1  node\[01,03-04\] \(3\)" 200
	want "grouped view: $F differs" tui_wait "^ 2  $F differs" 100
	tui_keys n
	want "$F's screen shows the node's own error (No space left)" tui_wait "[Nn]o space left" 100
	tui_keys Enter
	local n; for n in "${OTHERS[@]}"; do want "$n wrote its file" bc_file_on "$n" "bc-$TOK-w"; done
	fault $F disk-free
	bc_close
	verdict
}
c_broadcast_clock-off() {
	clock_setup
	bc_open 4
	bc_type "clear; date -u +%H"
	bc_ctl g
	want "grouped view: the 3 others in one group" tui_wait "^ 1  node\[01,03-04\] \(3\)" 200
	want "grouped view: $F differs (its clock)" tui_wait "^ 2  $F differs" 100
	tui_keys n
	want "$F's screen shows its hour, 2 h ahead" tui_wait "^$(date -u -d "+$CLOCK_SKEW sec" +%H) *$" 100
	tui_keys Enter
	bc_others_type after
	fault $F clock-on
	bc_close
	verdict
}
c_broadcast_node-output() {  # node02 floods its terminal; node03 sends terminal escapes
	local title pid hwm
	bc_open 4
	title=$($TUI_TMUX display -p '#{pane_title}')
	bc_type "case \$(hostname) in $F) head -c ${FAULTS_BC_FLOOD_MB:-20}M /dev/urandom; echo; echo flood-done;; node03) printf '\\033]52;c;cHduZWQ=\\007\\033]0;pwned\\007\\033[?1049h'; echo esc-done;; *) echo calm;; esac"
	# while node02 still prints: the others keep typing
	bc_others_type during
	want "$F finishes its flood" wait_until 1800 no_procs $F 'head -c [0-9]+M /dev/urandom'
	bc_ctl f 2
	want "$F's screen: flood-done" tui_wait "^flood-done" 300
	tui_keys Enter
	want "the window title did not change" [ "$($TUI_TMUX display -p '#{pane_title}')" = "$title" ]
	pid=$(tui_pid)
	hwm=$(awk '/VmHWM/ { print $2 }' "/proc/$pid/status" 2>/dev/null)
	want "the dashboard's peak RSS stays bounded (${hwm:-?} kB < 600000 kB)" [ "${hwm:-999999999}" -lt 600000 ]
	tui_keys C-c
	bc_type "touch /tmp/bc-$TOK-end"
	want "$F takes keys again after its flood" bc_file_on $F "bc-$TOK-end"
	bc_close
	verdict "${FAULTS_BC_FLOOD_MB:-20} MiB of random bytes into node02's terminal; peak RSS ${hwm:-?} kB (ASan build)"
}
c_broadcast_head-disk-full() {
	hd_audit_setup
	bc_open 4
	bc_others_type after
	bc_type "touch /tmp/bc-$TOK-f"
	want "$F's shell works too" bc_file_on $F "bc-$TOK-f"
	bc_ctl q
	# Known failure: broadcast shells write no audit record at all (not
	# even with room on the disk), so there is no failed write to report.
	want "the broadcast is in the audit log, or the screen says it cannot be written" tui_wait "audit log.*(No space|no space)" 100
	want "the audit log holds only whole JSON lines" audit_whole "$CLUSTERTOP_AUDIT_LOG"
	tui_keys q
	want "clustertop exits" tui_wait "^EXIT=" 200
	tui_stop
	verdict
}
bc_signal() {
	local pid
	bc_open 4
	bc_type "sleep 900.$TOK"
	want "the command runs on $F" wait_until 300 bc_sleep_started
	pid=$(tui_pid)
	kill -"$1" "$pid"
	want "clustertop exits" tui_wait "^EXIT=" 300
	want "the terminal is restored (no alternate screen)" [ "$($TUI_TMUX display -p '#{alternate_on}')" = 0 ]
	want "no shell or command left on any node" no_orphans "$F" "${OTHERS[@]}"
	local ex; ex=$(tui_screen | grep -o 'EXIT=[0-9]*' | head -n 1)
	tui_stop
	verdict "$ex"
}
c_broadcast_sigterm() { bc_signal TERM; }
c_broadcast_sighup() { bc_signal HUP; }
