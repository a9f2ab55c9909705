# cells-rows.sh -- sourced by run-matrix.sh: the rows that were n.a. until
# the sim could do them (clock-off, munged-stopped, head-disk-full), their
# cells for the first six columns, and what heal_all must undo for them.
#
#   clock-off       `simcluster fault node02 clock-off 7200`: libfaketime in
#                   node02's sshd sessions (sshd_config SetEnv) and slurmd:
#                   its commands see the clock 2 h ahead
#   munged-stopped  `simcluster fault head stop-munged`: this sim's own
#                   munged (each sim has one since the sim change)
#   head-disk-full  a 4 MiB ext2 on a loop device, mounted in the cell's
#                   directory, holding CLUSTERTOP_AUDIT_LOG (and a pull's or
#                   a saved result's target), filled to ENOSPC
# shellcheck shell=bash

unset 'NA[clock-off:*]' 'NA[munged-stopped:*]' 'NA[head-disk-full:*]'
CLOCK_SKEW=7200

NA[clock-off:nvme-wipe]="the wipe reads lsblk/wipefs and writes a block device: nothing in it reads the clock"
NA[clock-off:phase3]="phase 3 writes /etc/hosts blocks: no step reads the clock (the backup's date stamp is a name, not a check)"
NA[munged-stopped:exec]="exec with -w never asks Slurm; exec without -w falls back to \$WCOLL exactly as in slurmctld-stopped x exec (an unanswered controller)"
NA[munged-stopped:push]="push never asks Slurm when -w is given"
NA[munged-stopped:nvme-wipe]="nvme never asks Slurm when -w is given"
NA[munged-stopped:phase3]="phase 3 with -w never asks Slurm"
NA[munged-stopped:console]="the console runs over SSH; with -w the dashboard's Slurm column is the only Slurm user, tested in munged-stopped x dashboard-idle"

# --- the head's own disk full: a loop-mounted file system ------------------------
# hd_mount SIZE: an ext4 of SIZE on a loop device at $D/hd (HD_MNT), listed in
# $WORK/hd-mounts so that heal_all unmounts it even when the cell was
# killed by its timeout; the cell's own EXIT trap does the same.
hd_mount() {
	HD_IMG=$D/hd.img HD_MNT=$D/hd
	# ext2: no delayed allocation, so a write that does not fit fails at
	# once with ENOSPC (ext4 took a few more small appends here)
	truncate -s "$1" "$HD_IMG" && mkfs.ext2 -q -F -m 0 "$HD_IMG" >/dev/null 2>&1 ||
	    { FAILS+=("mkfs of the head-disk-full image"); return 1; }
	HD_LOOP=$(losetup -f --show "$HD_IMG") || { FAILS+=("losetup"); return 1; }
	mkdir -p "$HD_MNT"
	echo "$HD_MNT $HD_LOOP" >> "$WORK/hd-mounts"
	mount "$HD_LOOP" "$HD_MNT" || { FAILS+=("mount of the loop device"); return 1; }
	trap 'hd_cleanup' EXIT
}
hd_fill() {  # every block taken: the next write (even of one byte) gets ENOSPC
	dd if=/dev/zero of="$HD_MNT/.filler" bs=64k 2>/dev/null
	while printf x >> "$HD_MNT/.pad" 2>/dev/null; do :; done
	! printf x >> "$HD_MNT/.probe" 2>/dev/null
}
hd_cleanup() {  # unmount and detach every head-disk-full mount of this run
	local m l
	[ -s "$WORK/hd-mounts" ] || return 0
	while read -r m l; do
		mountpoint -q "$m" && { umount "$m" 2>/dev/null || umount -l "$m"; }
		losetup -d "$l" 2>/dev/null
	done < "$WORK/hd-mounts"
	: > "$WORK/hd-mounts"
}
# audit_whole FILE: every line of the audit log is a whole JSON object
audit_whole() {
	[ -e "$1" ] || return 0
	local n; n=$(wc -l < "$1")
	[ "$(jq -c . < "$1" 2>/dev/null | wc -l)" = "$n" ] &&
	    { [ ! -s "$1" ] || [ "$(tail -c 1 "$1" | od -An -c | tr -d ' ')" = '\n' ]; }
}
hd_audit_setup() {  # the audit log on a full file system: opened, then the disk fills
	hd_mount 4M || verdict
	export CLUSTERTOP_AUDIT_LOG=$HD_MNT/audit.log
	: > "$CLUSTERTOP_AUDIT_LOG"; chmod 600 "$CLUSTERTOP_AUDIT_LOG"
	hd_fill || echo "#   warning: the file system still takes writes"
}
no_crash() { [ "$RC" != 86 ] && ! grep -q 'Sanitizer\|runtime error' "$D/err" 2>/dev/null; }
c_exec_head-disk-full() {
	hd_audit_setup
	run_exec -- "echo hd-$TOK"
	want "no crash, no sanitizer report (exit $RC)" no_crash
	want "a clear message: the audit log cannot be written (No space left)" grep -qi "audit log.*no space left" "$D/err"
	want "exit non-zero: the action is not recorded" [ "$RC" != 0 ]
	want "the audit log holds only whole JSON lines" audit_whole "$CLUSTERTOP_AUDIT_LOG"
	verdict "$(grep -i 'audit' "$D/err" | head -n 1)"
}
c_push_head-disk-full() {
	push_setup /root/ctf-push
	hd_audit_setup
	"$CT" push -t 3 -w "$W" "$BIG" "$PDIR/big" > "$D/out" 2> "$D/err"; RC=$?
	sed 's/^/#   /' "$D/err" | tail -n 4
	want "no crash, no sanitizer report (exit $RC)" no_crash
	want "a clear message: the audit log cannot be written" grep -qi "audit log.*no space left" "$D/err"
	want "exit non-zero: the action is not recorded" [ "$RC" != 0 ]
	want "the audit log holds only whole JSON lines" audit_whole "$CLUSTERTOP_AUDIT_LOG"
	local n; for n in "$F" "${OTHERS[@]}"; do
		want "$n: the old file or the whole new one" whole "$n"
		want "$n: no temporary file" no_tmp_soon "$n"
	done
	verdict
}
c_phase3_head-disk-full() {
	phase3_file; PHOST=/root/ctf-machines; phase3_reset
	hd_audit_setup
	phase3_run
	want "no crash, no sanitizer report (exit $RC)" no_crash
	want "a clear message: the audit log cannot be written" grep -qi "audit log.*no space left" "$D/out" "$D/err"
	want "exit non-zero: the run is not recorded" [ "$RC" != 0 ]
	want "the audit log holds only whole JSON lines" audit_whole "$CLUSTERTOP_AUDIT_LOG"
	local n; for n in "$F" "${OTHERS[@]}"; do want "$n: the /etc/hosts block is all or nothing" block_whole "$n"; done
	hd_cleanup
	export CLUSTERTOP_AUDIT_LOG=$D/audit.log
	phase3_run
	want "with the disk back, the next run re-plans and completes: exit 0" [ "$RC" = 0 ]
	phase3_reset
	verdict
}
c_nvme-wipe_head-disk-full() {
	nvme_setup
	hd_audit_setup
	"$CT" nvme wipe -y --confirm 4 -t 3 -w "$W" > "$D/out" 2> "$D/err"; RC=$?
	sed 's/^/#   /' "$D/out" "$D/err" | tail -n 6
	want "no crash, no sanitizer report (exit $RC)" no_crash
	want "a clear message: the audit log cannot be written" grep -qi "audit log.*no space left" "$D/out" "$D/err"
	want "exit non-zero: the wipe is not recorded" [ "$RC" != 0 ]
	want "the audit log holds only whole JSON lines" audit_whole "$CLUSTERTOP_AUDIT_LOG"
	hd_cleanup
	export CLUSTERTOP_AUDIT_LOG=$D/audit.log
	"$CT" nvme wipe --dry-run -t 3 -w "$W" > "$D/out2" 2>&1
	want "the next dry run re-plans what is left (exit 0)" [ $? = 0 ]
	nvme_reset
	verdict
}
c_test-slurm_head-disk-full() {
	hd_audit_setup
	"$CT" test slurm -t 3 -w "$W" > "$D/out" 2> "$D/err"; RC=$?
	sed 's/^/#   /' "$D/out" "$D/err" | tail -n 4
	want "no crash, no sanitizer report (exit $RC)" no_crash
	want "a clear message: the audit log cannot be written" grep -qi "audit log.*no space left" "$D/out" "$D/err"
	want "exit non-zero: the test is not recorded" [ "$RC" != 0 ]
	want "the audit log holds only whole JSON lines" audit_whole "$CLUSTERTOP_AUDIT_LOG"
	verdict
}
c_console_head-disk-full() {  # audit log and the console's saved result on the full disk
	hd_audit_setup
	tui_open
	want "nodes 4/4 up" tui_wait "nodes 4/4 up" 300
	console_run "touch /tmp/hd-$TOK"
	want "the screen says the audit log cannot be written: not started" tui_wait "audit log.*(No space|no space).*not started" 300
	want "the console's block says not started (never running)" tui_wait "^. node\[01-04\] \(4\) +not started" 100
	want "the command did not run on any node (no record, no action)" sh -c "! '$SIM' exec node01 test -e /tmp/hd-$TOK && ! '$SIM' exec $F test -e /tmp/hd-$TOK"
	want "the audit log holds only whole JSON lines" audit_whole "$CLUSTERTOP_AUDIT_LOG"
	want "clustertop still running" tui_wait_gone "^EXIT=" 2
	tui_keys q
	tui_wait "^EXIT=" 100
	tui_stop
	verdict
}

# --- clock-off: node02's commands see the clock 2 h ahead -----------------------------
clock_setup() { fault $F clock-off "$CLOCK_SKEW"; }
c_exec_clock-off() {
	clock_setup
	run_exec -- 'echo $(date +%s)'
	local now skew
	now=$(date +%s)
	skew=$(( $(jhost $F .stdout) - now ))
	want "exit 0: a node whose clock is off still runs commands" [ "$RC" = 0 ]
	want "$F's date is about 2 h ahead ($skew s)" [ "$skew" -gt $((CLOCK_SKEW - 120)) -a "$skew" -lt $((CLOCK_SKEW + 120)) ]
	want "the others' dates are the head's" sh -c "for n in ${OTHERS[*]}; do d=\$(jq -r --arg h \$n 'select(.host==\$h)|.stdout' '$D/out.json'); [ \$((d - $now)) -lt 120 ] || exit 1; done"
	want "the --json times are the head's clock, not the node's" [ "$(jhost $F '.end | tostring | .[0:4]')" = "$(date -u +%Y)" -o "$(jhost $F '.end')" != null ]
	want "audit end: 4 done" audit_has '.outcome.done == 4'
	fault $F clock-on
	verdict "$F's date +%s was $skew s ahead of the head's; exec does not compare clocks (nothing shows the skew)"
}
c_push_clock-off() {
	push_setup /root/ctf-push
	clock_setup
	"$CT" push -t 3 -p -w "$W" "$BIG" "$PDIR/big" > "$D/out" 2> "$D/err"; RC=$?
	want "exit 0" [ "$RC" = 0 ]
	local n; for n in "$F" "${OTHERS[@]}"; do want "$n has the new file (sha256)" is_new "$n"; done
	want "-p kept the head's mtime on $F, whatever its clock" [ "$(on $F "stat -c %Y $PDIR/big")" = "$(stat -c %Y "$BIG")" ]
	fault $F clock-on
	verdict
}
c_test-slurm_clock-off() {
	clock_setup
	"$CT" test slurm -t 3 -w "$W" > "$D/out" 2> "$D/err"; RC=$?
	sed 's/^/#   /' "$D/out" "$D/err" | tail -n 8
	fault $F clock-on
	# slurmd on node02 thinks the job credential (signed by the head's
	# munged, 2 h "ago") expired: Slurm itself refuses to launch there.
	want "exit 1: the test fails" [ "$RC" = 1 ]
	want "$F is named as failed" grep -q "FAILED: .*$F" "$D/out"
	want "the others passed" grep -qE "passed: .*node0[134]|passed: node\[01,03-04\]" "$D/out"
	verdict "Slurm on $F: 'Job credential expired' (slurmd's clock 2 h ahead of the credential's)"
}
c_console_clock-off() {
	clock_setup
	tui_open
	want "nodes 4/4 up" tui_wait "nodes 4/4 up" 300
	console_run 'date +%H:%M'
	local h1 h2
	h1=$(date -u +%H:%M) h2=$(date -u -d "+$CLOCK_SKEW sec" +%H:%M)
	want "console: $F's own block shows its clock (two groups)" tui_wait "^. $F \(1\) +exit 0" 300
	want "console: the others exit 0 in one block" tui_wait "^. node\[01,03-04\] \(3\) +exit 0" 100
	want "clustertop still running" tui_wait_gone "^EXIT=" 2
	tui_keys q; tui_wait "^EXIT=" 100
	tui_stop
	fault $F clock-on
	verdict "head $h1, $F ${h2} (the dashboard has no clock-skew column)"
}

# --- munged stopped (this sim's own) ------------------------------------------------------
c_test-slurm_munged-stopped() {
	fault head stop-munged
	local t0=$SECONDS
	"$CT" test slurm -t 3 -w "$W" > "$D/out" 2> "$D/err"; RC=$?
	sed 's/^/#   /' "$D/out" "$D/err" | tail -n 6
	fault head start-munged
	want "exit 1 (the test failed)" [ "$RC" = 1 ]
	want "the output names munge or an authentication error" grep -qiE "munge|authentication|slurmctld does not answer" "$D/out" "$D/err"
	want "every node FAILED, none passed" sh -c "[ \$(grep -c 'FAILED: node0[1-4]' '$D/out') -ge 1 ] && ! grep -q 'passed: node' '$D/out'"
	verdict "gave up after $((SECONDS - t0)) s: $(grep -m1 -iE 'munge|does not answer' "$D/out" "$D/err" | cut -c1-160)"
}

# --- what heal_all must undo too ------------------------------------------------------------
eval "orig_heal_all() $(declare -f heal_all | tail -n +2)"
heal_all() {
	hd_cleanup
	"$SIM" fault $F clock-on >/dev/null 2>&1
	"$SIM" fault head start-munged >/dev/null 2>&1
	local n; for n in "$F" "${OTHERS[@]}"; do "$SIM" exec "$n" sh -c 'rm -rf /root/ctf-pull-* /tmp/ctf-pull-*' 2>/dev/null; done
	orig_heal_all
}

# The new cells that `make check` runs too: each passed every run on sim 45
# (docs/reliability.md) and takes under 10 s on a quiet machine; together
# about a minute with the heal after each.
CI_CELLS+=" sshd-stopped:pull hostkey-changed:pull sshd-stopped:phase4
	hostkey-changed:phase4 sshd-stopped:test-mpi head-disk-full:exec
	head-disk-full:push munged-stopped:test-slurm"
