#!/bin/bash
# 70-phases.sh -- issue 8: the Phases screen (p) and the tests menu (t),
# run from the dashboard on its own sessions, driven like a user would.
#
# A dry run shows the commands and the nodes and changes nothing (n or Esc
# refuses it); Enter runs it; phases 3 and 5 end done on all nodes, and a
# second run reports "nothing changed"; a node whose sshd is killed fails
# with its output shown, and f re-runs only it; t runs the MPI test (8
# ranks from 8 nodes) and the Slurm test (a job on every node); phase 4's
# dry run takes the host keys from the dashboard's own verified sessions.
# Every run is in the audit log. The head is this machine: the files the
# phases change on it are put back at the end. Then `A` runs all nine
# phases (phase 1 with a short package list), reports its time, and runs
# them again: every phase must say nothing changed. PHASES_TUI_ALL=0 skips
# the `A` part.
. "$(dirname "$0")/lib.sh"

mapfile -t nodes < <(sim_nodes)
n=${#nodes[@]}
[ "$n" -ge 4 ] || { echo "not ok - the sim has fewer than 4 nodes"; exit 1; }
folded=$("$CLUSTERTOP" hosts -f "${nodes[@]}" 2>/dev/null)
bad=${nodes[2]}
sim=$root/tests/sim/simcluster
admin=$("$sim" env --json | jq -r .admin_user)
admin_home=$(getent passwd "$admin" | cut -d: -f6)
export CLUSTERTOP_STATE_DIR=$TUI_LOG/state
export CLUSTERTOP_ADMIN_USER=$admin
t_start=$(date +%s)
if [[ ${PHASES_TUI_ALL:-1} != 0 ]]; then
	# As 50-phases.sh: a short package list (the default one downloads a
	# lot), and a file system on one node's instance store for phase 6.
	jq '.variables.packages = ["tree", "htop", "psmisc"]' \
	    "$root/src/phases.json" > "$TUI_LOG/phases.json"
	export CLUSTERTOP_PHASES=$TUI_LOG/phases.json
	dev=$("$sim" exec "${nodes[1]}" head -n 1 /etc/clustertop/instance-store.list)
	mkfs.ext4 -q -F "$dev" >/dev/null 2>&1 || echo "# could not mkfs $dev"
fi

# --- the head's files: saved now, put back at the end ------------------------
head_files=(/etc/hosts /etc/pdsh/machines /etc/pdsh/rcmd_default
	/etc/profile.d/clustertop-pdsh.sh /root/.ssh/config /root/.ssh/known_hosts
	/root/.ssh/authorized_keys /root/.ssh/id_clustertop /root/.ssh/id_clustertop.pub
	/root/.bash_profile "$admin_home/.bash_profile" "$admin_home/.ssh/known_hosts")
mkdir -p "$TUI_LOG/save"
for f in "${head_files[@]}"; do
	s=$TUI_LOG/save/$(echo "$f" | tr / _)
	if [[ -e $f ]]; then cp -p "$f" "$s"; else : > "$s.absent"; fi
done
kh=${CLUSTERTOP_KNOWN_HOSTS:-}
restore_head() {
	tui_stop
	"$sim" fault "$bad" start-sshd >/dev/null 2>&1
	[[ -n $kh && -e $kh.away ]] && mv "$kh.away" "$kh"
	[[ -n ${PHASES_KEEP:-} ]] && return
	local f s
	for f in "${head_files[@]}"; do
		s=$TUI_LOG/save/$(echo "$f" | tr / _)
		if [[ -e $s.absent ]]; then rm -f "$f"
		elif [[ -e $s ]]; then cat "$s" > "$f"; fi
	done
	find /etc /root "$admin_home" -maxdepth 3 -name '*.clustertop-*' \
	    -newermt "@$t_start" -delete 2>/dev/null
}
trap restore_head EXIT

# summary REGEX: the grouped result's summary line of the last run.
summary() {
	tui_wait "^ phase $1: " 600
	tui_screen | grep -E "^ phase $1: " | head -1 | sed 's/^ *//; s/ *$//'
}

tui_start 170 50 --interval 1 || { not_ok "tmux starts"; exit 1; }
tui_wait_count "^ +[^ ]* *node[0-9]+ +up +[0-9]" "$n" 150 || not_ok "all nodes up"

# --- the list -----------------------------------------------------------------
tui_keys p
check "p opens the Phases screen" tui_wait "Setup phases" 50
check "it lists the nine phases, never run yet" \
    tui_wait_count "^ +[1-9]  [a-z]+ +never run" 9 20

# --- a dry run changes nothing; n refuses it ------------------------------------
before=$(md5sum < /etc/hosts)
tui_keys 3
check "3 opens the dry run of phase 3" tui_wait "DRY RUN: nothing has run yet" 50
check "the dry run names the head and the nodes of each step" \
    tui_wait "on:  the head node, then ${folded//[/\\[} \\($n nodes\\)" 10
check "the dry run shows the exact commands (the /etc/hosts content)" \
    tui_wait "[|] [0-9.]+ +${nodes[0]} *\$" 10
check "the dry run asks before running" \
    tui_wait "Enter or y: RUN phase 3 on the head node and" 10
tui_keys n
check "n refuses: nothing was changed" tui_wait "not run: nothing was changed" 20
check "/etc/hosts unchanged after a refused dry run" \
    test "$(md5sum < /etc/hosts)" = "$before"

# --- phase 4's host keys come from the dashboard's own sessions ----------------
if [[ -n $kh && -f $kh ]]; then
	# Without the file, only the engine can know the keys.
	mv "$kh" "$kh.away"
	tui_keys 4
	tui_wait "Enter or y: RUN phase 4" 50
	for i in 1 2 3 4 5 6; do tui_keys NPage; done
	check "phase 4's known_hosts block: the $n keys the sessions verified" \
	    tui_wait_count "^ +[|] node[0-9]+,[0-9.]+ ssh-[a-z0-9]+ AAAA" "$n" 20
	mv "$kh.away" "$kh"
	tui_keys Escape
fi

# --- phases 3, 4 (ssh trust: 5 needs it) and 5: done on every node, then
# "nothing changed" --------------------------------------------------------------
for p in 3 4 5; do
	tui_keys "$p"
	tui_wait "Enter or y: RUN phase $p" 50
	tui_keys Enter
	check "phase $p runs: every node shows a live state" \
	    tui_wait "^ phase $p \\([a-z]+\\)|^ phase $p finished" 100
	s=$(summary "$p")
	# changed + unchanged + passed = the head and every node
	c=$(tui_screen | grep -E '^ queued 0 +running 0 ' | head -1 |
	    awk '{print $6 + $8 + $10}')
	if [[ $c == $((n + 1)) ]] && ! grep -qE 'failed|skipped' <<<"$s"; then
		ok "phase $p from the TUI: done on the head and all $n nodes ($s)"
	else
		not_ok "phase $p from the TUI: $s"
	fi
	tui_keys Escape
	tui_wait "Setup phases" 20
	check "the list shows phase $p done with its node counts" \
	    tui_wait "^ +$p  [a-z]+ +done +[0-9]+ (changed|passed|unchanged)" 20
	tui_keys "$p"
	tui_wait "Enter or y: RUN phase $p" 50
	tui_keys y
	tui_wait "^ phase $p finished" 600
	s=$(summary "$p")
	check "phase $p again: nothing changed ($s)" \
	    eval 'grep -q -- "-- nothing changed\$" <<<"$s" && ! grep -qE "failed|skipped" <<<"$s"'
	tui_keys Escape
	tui_wait "Setup phases" 20
done
check "the list marks phases 3, 4 and 5 done, nothing changed" \
    tui_wait_count "^ +[345]  [a-z]+ +done .*nothing changed" 3 20
check "and the others still never run" \
    tui_wait_count "^ +[1-9]  [a-z]+ +never run" 6 20

# --- a failed node: its output, then f re-runs only it -------------------------
"$sim" fault "$bad" stop-sshd >/dev/null
sim_kill_sessions "$bad"
tui_keys 3
tui_wait "Enter or y: RUN phase 3" 50
tui_keys Enter
s=$(summary 3)
check "with $bad's sshd gone, only $bad fails ($s)" \
    grep -qE "passed head,.*; failed $bad \\(1\\)\$" <<<"$s"
check "the failed group shows $bad's output (why it failed)" \
    tui_wait "^ -+ $bad  failed" 10
check "...with the reason" tui_wait "^ !! step 1 \\(pdsh host file\\): did not run" 10
tui_keys g
check "g shows the nodes: $bad failed, with its error" \
    tui_wait "^ $bad +failed +step 1" 20
"$sim" fault "$bad" start-sshd >/dev/null
tui_keys f
check "f opens a dry run of only the failed node" \
    tui_wait "on:  the head node, then $bad \\(1 node\\)" 50
tui_keys Enter
s=$(summary 3)
if grep -qE "(head,|[ ,])$bad \\(" <<<"$s" && ! grep -q failed <<<"$s" &&
    ! grep -q "${nodes[0]}" <<<"$s"; then
	ok "the re-run of the failed node: $bad now passes ($s)"
else
	not_ok "re-run of $bad: $s"
fi
tui_keys Escape

# --- the tests menu -------------------------------------------------------------
tui_keys Escape
tui_wait_gone "Setup phases" 20
tui_keys t
check "t opens the tests menu" tui_wait "m  MPI test" 30
tui_keys m
check "the MPI test runs at once (no dry run)" \
    tui_wait "^ phase 8 \\(mpi\\)|^ phase 8 finished" 50
tui_keys q
check "q during a run asks first (the run goes on)" \
    tui_wait "a phase run is in progress: q again stops it and quits" 20
tui_wait "^ phase 8 finished" 900
s=$(summary 8)
check "MPI test passed ($s)" grep -q "passed head,${folded//[/\\[}" <<<"$s"
check "MPI test: $n ranks from $n distinct nodes" \
    tui_wait "$n lines, $n distinct ranks, from $n distinct nodes" 10
hosts=$(tui_screen | sed -n 's/^ Hello world from processor \([^,]*\),.*/\1/p' | sort -u | wc -l)
check "the screen shows $n Hello lines from $n nodes" test "$hosts" -eq "$n"
tui_keys Escape t
tui_wait "s  Slurm test" 30
tui_keys s
tui_wait "^ phase 9 finished" 900
s=$(summary 9)
check "Slurm test passed ($s)" grep -q "passed head,${folded//[/\\[}" <<<"$s"
check "Slurm test: a job on every node, and one across all" \
    tui_wait "job [0-9]+ \\(all nodes\\): COMPLETED on ${folded//[/\\[}" 10

# --- optional: every phase with A --------------------------------------------------
if [[ ${PHASES_TUI_ALL:-1} != 0 ]]; then
	tui_keys Escape
	tui_wait "Setup phases" 20
	tui_keys A
	check "A opens the dry run of all phases, after phase 6's preview" \
	    tui_wait "Enter or y: RUN all [0-9]+ phases" 300
	for i in $(seq 1 80); do tui_keys NPage; done
	check "the dry run ends with phase 6's device plan, kept for the run" \
	    tui_wait "kept as \\{nvme_devices\\} = \"1\"" 20
	t0=$(date +%s)
	tui_keys Enter
	tui_wait "^ all [0-9]+ phases (finished|stopped)" 18000
	line=$(tui_screen | grep -E "^ all [0-9]+ phases" | head -1 | sed 's/ *$//')
	echo "# A took $(( $(date +%s) - t0 )) s: $line"
	check "A: all nine phases ran without a failure" \
	    grep -q "finished in [0-9.]* s\$" <<<"$line"
	check "phase 6 wiped $dev" eval '! wipefs -n "$dev" 2>/dev/null | grep -q ext4'
	tui_keys Escape
	check "A: the list shows every phase done" \
	    tui_wait_count "^ +[1-9]  [a-z]+ +done" 9 20
	# The second run of everything: nothing may change anywhere. The
	# first run's "finished" message must be gone first, and the run
	# seen under way, or the wait below would match the old message.
	tui_wait_gone "^ all [0-9]+ phases (finished|stopped)" 150
	tui_keys A
	tui_wait "Enter or y: RUN all [0-9]+ phases" 300
	tui_keys Enter
	tui_wait "^ phase [1-9] \\([a-z]+\\)" 300
	tui_wait "^ all [0-9]+ phases (finished|stopped)" 18000
	line=$(tui_screen | grep -E "^ all [0-9]+ phases" | head -1 | sed 's/ *$//')
	check "A again: all nine phases ran without a failure ($line)" \
	    grep -q "finished in [0-9.]* s\$" <<<"$line"
	tui_keys Escape
	check "A again: the list shows all nine phases done, nothing changed" \
	    tui_wait_count "^ +[1-9]  [a-z]+ +done .*nothing changed" 9 20
fi

# --- the audit log ------------------------------------------------------------------
check "the runs are in the audit log (phase 3, 5, 8, 9: node jobs and head steps)" \
    grep -q '"label":"phase 5"' "$CLUSTERTOP_AUDIT_LOG"
check "...phase-end records for phase 3 and the tests" \
    grep -q '"event":"phase-end","label":"phase 9"' "$CLUSTERTOP_AUDIT_LOG"

tui_keys q
check "q quits" tui_wait "^EXIT=0" 50
tui_done
