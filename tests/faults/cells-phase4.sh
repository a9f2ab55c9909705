# cells-phase4.sh -- sourced by run-matrix.sh: the phase 4 column (SSH
# trust). The phases file keeps phase 4's steps on the nodes (the head is
# this shared machine: its authorized_keys and known_hosts are not ours to
# edit), without "the administrator's known_hosts" (a head step) and
# "PermitRootLogin" (it edits /etc/ssh/sshd_config, which the sim's nodes
# share with the head). The cluster key is /root/.ssh/ctf-p4-TOK/id:
# created on the head, removed from it after the cell.
#
# What each cell checks, per node: every phase-4 edit is all or nothing
# (authorized_keys, ssh config and known_hosts: no block, or one whole block
# with its END line; the key file absent or equal to the head's), no
# temporary file left in /root/.ssh, the other nodes done; and the next run
# (`phase run 4 --failed`) re-plans, runs only what failed and completes.
# shellcheck shell=bash

NA[disk-full:phase4]="phase 4 writes /root/.ssh and the key, never /tmp: the only file system the sim can fill per node"
NA[slurmctld-stopped:phase4]="phase 4 with -w never asks Slurm"
NA[slurmctld-slow:phase4]="phase 4 with -w never asks Slurm"
NA[munged-stopped:phase4]="phase 4 with -w never asks Slurm (or munge)"
NA[node-output:phase4]="phase 4's node output comes from its own step scripts (a key, three blocks, ssh); node-output x exec and console cover a node printing garbage"

P4_FILES="authorized_keys config known_hosts"
phase4_file() {
	P4KEY=/root/.ssh/ctf-p4-$TOK/id
	jq '.phases |= map(select(.number == 4) | .steps |= map(select((.name | test("administrator|PermitRootLogin")) | not) | if .where == "all" then .where = "nodes" else . end))' \
	    src/phases.json > "$D/phases4.json"
}
phase4_run() {
	"$CT" phase run 4 -y --phases "$D/phases4.json" --set "cluster_key=$P4KEY" -t 3 -w "$W" "$@" > "$D/out" 2> "$D/err"
	RC=$?
	sed 's/^/#   /' "$D/out" "$D/err" | grep -v '^#   *$' | tail -n 6
}
phase4_reset() {  # every node (and the head) without phase 4's edits
	local n
	for n in "$F" "${OTHERS[@]}"; do
		on "$n" "cd /root/.ssh 2>/dev/null || exit 0; for f in $P4_FILES; do [ -f \$f ] && sed -i '/^# BEGIN clustertop .*(phase 4)\( for .*\)\?\$/,/^# END clustertop .*(phase 4)\( for .*\)\?\$/d' \$f; done; rm -rf ctf-p4-* *.clustertop-[0-9]* .clustertop.*"
	done
	rm -rf /root/.ssh/ctf-p4-*
}
p4_blocks() { on "$1" "cat /root/.ssh/$2 2>/dev/null" | grep -c '^# \(BEGIN\|END\) clustertop .*(phase 4)\( for .*\)\?$'; }
p4_file_whole() {  # NODE FILE: 0 marker lines, or BEGIN ... END with content
	local c; c=$(p4_blocks "$1" "$2")
	[ "$c" = 0 ] && return 0
	[ "$c" = 2 ] && on "$1" "sed -n '/^# BEGIN clustertop .*(phase 4)\( for .*\)\?\$/,/^# END clustertop .*(phase 4)\( for .*\)\?\$/p' /root/.ssh/$2" |
	    awk 'NR == 1 && /^# BEGIN/ { b = 1 } /^# END/ { e = NR } END { exit !(b && e > 2) }'
}
p4_key_whole() { ! on "$1" "test -e $P4KEY" || [ "$(on "$1" "cat $P4KEY")" = "$(cat "$P4KEY")" ]; }
p4_tmp() { on "$1" "ls -a /root/.ssh /root/.ssh/ctf-p4-$TOK 2>/dev/null" | grep -E '^\.clustertop\.|ct-tmp|\.tmp\.'; }
p4_tmp_none() { [ -z "$(p4_tmp "$1")" ]; }
p4_no_tmp() {  # no step's temporary file (DIR/.clustertop.PID.XXXXXX), within 15 s
	wait_until 150 p4_tmp_none "$1" || { echo "#   $1: $(p4_tmp "$1" | tr '\n' ' ')"; return 1; }
}
p4_node_whole() {  # NODE: every edit all or nothing
	local f
	for f in $P4_FILES; do p4_file_whole "$1" "$f" || { echo "#   $1: /root/.ssh/$f is partial"; return 1; }; done
	p4_key_whole "$1" || { echo "#   $1: $P4KEY is not the head's"; return 1; }
	p4_no_tmp "$1" || { echo "#   $1: a temporary file in /root/.ssh"; return 1; }
}
p4_node_done() {  # NODE: one whole block in each file, the key
	local f
	for f in $P4_FILES; do [ "$(p4_blocks "$1" "$f")" = 2 ] || return 1; done
	p4_key_whole "$1" && on "$1" "test -s $P4KEY"
}
p4_node_none() { local f; for f in $P4_FILES; do [ "$(p4_blocks "$1" "$f")" = 0 ] || return 1; done; ! on "$1" "test -e $P4KEY"; }
p4_others_done() { local n; for n in "${OTHERS[@]}"; do p4_node_done "$n" || return 1; done; }
p4_rerun() {  # the next run re-plans: --failed, node02 only, completes
	phase4_run --failed
	want "the next run (--failed) re-plans and completes: exit 0" [ "$RC" = 0 ]
	want "it ran on $F (its summary names it)" grep -q "$F" "$D/out"
	want "$F has every edit now, once" p4_node_done $F
	local n; for n in "$F" "${OTHERS[@]}"; do want "$n: still one block per file" p4_node_whole "$n"; done
}
p4_failed_common() {
	want "exit 1" [ "$RC" = 1 ]
	want "the summary names $F as failed and offers --failed" sh -c "grep -q '$F' '$D/out' && grep -q -- '--failed' '$D/out'"
	want "$F: every edit all or nothing" p4_node_whole $F
	want "the others have every edit" p4_others_done
}
c_phase4_sshd-stopped() {
	phase4_file; phase4_reset
	fault $F stop-sshd
	phase4_run
	want "$F untouched (no block, no key)" p4_node_none $F
	p4_failed_common
	fault $F start-sshd
	p4_rerun
	phase4_reset
	verdict
}
c_phase4_hostkey-changed() {
	phase4_file; phase4_reset
	fault $F new-hostkey
	phase4_run
	want "the output names the host key" grep -qi "host.key" "$D/out" "$D/err"
	want "$F untouched" p4_node_none $F
	p4_failed_common
	fault $F restore-hostkey
	p4_rerun
	phase4_reset
	verdict
}
c_phase4_frozen() {  # frozen before the run: the connect times out
	phase4_file; phase4_reset
	fault $F freeze-node
	phase4_run
	fault $F thaw-node
	want "$F untouched" p4_node_none $F
	p4_failed_common
	p4_rerun
	phase4_reset
	verdict
}
c_phase4_cut-heal() {
	phase4_file; phase4_reset
	fault $F cut
	phase4_run
	fault $F heal
	want "$F untouched" p4_node_none $F
	p4_failed_common
	p4_rerun
	phase4_reset
	verdict
}
# mid-run: strike as soon as a step has started on the nodes
phase4_bg() {  # [REGEX]: strike once the output matches (default: a node step)
	local re=${1:-step [4-9]/}
	"$CT" phase run 4 -y --phases "$D/phases4.json" --set "cluster_key=$P4KEY" -t 3 -w "$W" > "$D/out" 2> "$D/err" &
	BG=$!
	wait_until 300 grep -q "$re" "$D/out"
}
phase4_bg_wait() { wait "$BG"; RC=$?; sed 's/^/#   /' "$D/out" "$D/err" | grep -v '^#   *$' | tail -n 6; }
c_phase4_rebooted() {
	phase4_file; phase4_reset
	phase4_bg; fault $F reboot; phase4_bg_wait
	want "exit 1, or 0 if it had finished before the reboot" [ "$RC" = 1 -o "$RC" = 0 ]
	want "$F: every edit all or nothing" p4_node_whole $F
	want "the others have every edit" p4_others_done
	if [ "$RC" = 1 ]; then p4_rerun; else phase4_run; want "a second run: exit 0" [ "$RC" = 0 ]; fi
	phase4_reset
	verdict "phase 4 takes about a second: the reboot lands at a random step (exit $RC)"
}
c_phase4_sshd-restarted() {
	phase4_file; phase4_reset
	phase4_bg; fault $F restart-sshd; phase4_bg_wait
	want "exit 0 (open sessions survive a listener restart)" [ "$RC" = 0 ]
	local n; for n in "$F" "${OTHERS[@]}"; do want "$n has every edit" p4_node_done "$n"; done
	phase4_reset
	verdict
}
c_phase4_clock-off() {
	phase4_file; phase4_reset
	clock_setup
	phase4_run
	want "exit 0: SSH trust does not depend on the node's clock" [ "$RC" = 0 ]
	local n; for n in "$F" "${OTHERS[@]}"; do want "$n has every edit" p4_node_done "$n"; done
	want "ssh from node01 to every node (node02's clock 2 h off) passed" [ "$(grep -c ': ok (' "$D/out")" = 4 ]
	fault $F clock-on
	phase4_reset
	verdict
}
c_phase4_head-disk-full() {
	phase4_file; phase4_reset
	hd_audit_setup
	phase4_run
	want "no crash, no sanitizer report (exit $RC)" no_crash
	want "a clear message: the audit log cannot be written" grep -qi "audit log.*no space left" "$D/out" "$D/err"
	want "exit non-zero: the run is not recorded" [ "$RC" != 0 ]
	want "the audit log holds only whole JSON lines" audit_whole "$CLUSTERTOP_AUDIT_LOG"
	local n; for n in "$F" "${OTHERS[@]}"; do want "$n: every edit all or nothing" p4_node_whole "$n"; done
	hd_cleanup
	export CLUSTERTOP_AUDIT_LOG=$D/audit.log
	phase4_run
	want "with the disk back, the next run completes: exit 0" [ "$RC" = 0 ]
	phase4_reset
	verdict
}
phase4_signal() {
	phase4_file; phase4_reset
	phase4_bg 'step [1-9]/'; kill -"$1" "$BG"; phase4_bg_wait
	want "exit 130, or 0 if it had already finished" [ "$RC" = 130 -o "$RC" = 0 ]
	local n; for n in "$F" "${OTHERS[@]}"; do want "$n: every edit all or nothing" p4_node_whole "$n"; done
	want "no step left running on a node" no_orphans "$F" "${OTHERS[@]}"
	want "audit: the phase's end record" sh -c "grep -q '\"event\":\"phase-end\"' '$CLUSTERTOP_AUDIT_LOG' || grep '\"event\":\"end\"' '$CLUSTERTOP_AUDIT_LOG' | grep -q 'phase 4'"
	phase4_run
	want "the next run re-plans and completes: exit 0" [ "$RC" = 0 ]
	for n in "$F" "${OTHERS[@]}"; do want "$n: every edit, once" p4_node_done "$n"; done
	phase4_reset
	verdict "phase 4 takes about a second: the signal lands at a random step (exit $RC)"
}
c_phase4_sigterm() { phase4_signal TERM; }
c_phase4_sighup() { phase4_signal HUP; }
