# cells-pull.sh -- sourced by run-matrix.sh: the pull column (rpdcp-style
# `clustertop pull`). Every node has /root/ctf-pull-TOK/big (node02 a big
# one, so that a fault can strike while its stream is still arriving); the
# head unpacks each node's stream into $D/pulled/HOST/ only once it is
# whole. Each cell checks: the exit status and the failed node named; the
# others' files whole (sha256); nothing of the failed node half-written
# on the head (no partial file, no .HOST.ct-pull.* stream file left); no
# tar left on the node; the audit end record.
# shellcheck shell=bash

PULL_BIG_MB=${FAULTS_PULL_MB:-300}	# node02's file (the others: 8 MiB)
NA[slurmctld-stopped:pull]="pull never asks Slurm when -w is given"
NA[slurmctld-slow:pull]="pull never asks Slurm when -w is given"
NA[munged-stopped:pull]="pull never asks Slurm (or munge) when -w is given"
NA[node-output:pull]="a pull's node output is the tar stream of the files asked for: random binary files are what every pull cell pulls; the stream itself is made by the node's tar, not by the node's user"

pull_setup() {  # DIR (on the node): each node its own content
	PULLD=$1/ctf-pull-$TOK PLOCAL=$D/pulled
	local n mb
	declare -gA PSUM
	for n in "$F" "${OTHERS[@]}"; do
		mb=8; [ "$n" = "$F" ] && mb=$PULL_BIG_MB
		on "$n" "rm -rf $1/ctf-pull-*; mkdir -p $PULLD && head -c $((mb << 20)) /dev/urandom > $PULLD/big"
		PSUM[$n]=$(on "$n" "sha256sum < $PULLD/big" | cut -d' ' -f1)
	done
	mkdir -p "$PLOCAL"
}
pull_run() {  # [ARGS]: pull in the foreground
	"$CT" pull -t 3 -w "$W" "$@" "$PULLD/big" "$PLOCAL" > "$D/out" 2> "$D/err"; RC=$?
	sed 's/^/#   /' "$D/out" "$D/err" | tail -n 6
}
pull_bg() {  # pull in the background; return once node02's stream is arriving
	"$CT" pull -t 3 -w "$W" "$PULLD/big" "$PLOCAL" > "$D/out" 2> "$D/err" &
	BG=$!
	wait_until 600 pull_arriving || echo "#   node02's stream never started arriving"
}
pull_arriving() {
	local f
	for f in "$PLOCAL"/.$F.ct-pull.*; do [ -s "$f" ] && [ "$(stat -c %s "$f")" -gt 4194304 ] && return 0; done
	return 1
}
pull_wait() { wait "$BG"; RC=$?; sed 's/^/#   /' "$D/out" "$D/err" | tail -n 6; }
pulled_ok() { [ "$(sha256sum < "$PLOCAL/$1$PULLD/big" 2>/dev/null | cut -d' ' -f1)" = "${PSUM[$1]}" ]; }
others_pulled() { local n; for n in "${OTHERS[@]}"; do pulled_ok "$n" || return 1; done; }
no_pull_tmp() { [ -z "$(ls -A "$PLOCAL" 2>/dev/null | grep '\.ct-pull\.')" ]; }
nothing_of() {  # HOST: nothing, or the whole file, under LOCAL/HOST (never a part)
	[ ! -e "$PLOCAL/$1$PULLD/big" ] || pulled_ok "$1"
}
pull_audit_failed() { grep '"event":"end"' "$CLUSTERTOP_AUDIT_LOG" | grep '"label":"pull"' | tail -n 1 | grep -q "\"failed_where\":\"$F\""; }
pull_failed_common() {  # node02 failed, the others whole
	want "the others' files whole (sha256)" others_pulled
	want "nothing half-written for $F on the head (no partial $PLOCAL/$F/...)" nothing_of $F
	want "no stream file (.HOST.ct-pull.*) left on the head" no_pull_tmp
	want "audit end: failed_where $F" pull_audit_failed
}

c_pull_sshd-stopped() {
	pull_setup /root
	fault $F stop-sshd
	pull_run
	want "exit 255 ($F unreachable)" [ "$RC" = 255 ]
	want "stderr names $F" grep -q "$F" "$D/err"
	pull_failed_common
	verdict
}
c_pull_hostkey-changed() {
	pull_setup /root
	fault $F new-hostkey
	pull_run
	want "exit 255" [ "$RC" = 255 ]
	want "stderr: $F host-key-mismatch" grep -q "$F.*host-key-mismatch" "$D/err"
	pull_failed_common
	verdict
}
pull_lost() {  # FAULT UNDO: mid-stream
	pull_setup /root
	pull_bg; fault $F "$1"; pull_wait
	want "exit 255 ($F lost mid-stream)" [ "$RC" = 255 ]
	want "stderr names $F" grep -q "$F" "$D/err"
	[ -n "$2" ] && fault $F "$2"
	want "no tar left on $F" no_orphans $F
	pull_failed_common
	verdict
}
c_pull_frozen() { pull_lost freeze-node thaw-node; }
c_pull_cut-heal() { pull_lost cut heal; }
c_pull_rebooted() { pull_lost reboot ""; }
c_pull_sshd-restarted() {
	pull_setup /root
	pull_bg; fault $F restart-sshd; pull_wait
	want "exit 0 (open sessions survive a listener restart)" [ "$RC" = 0 ]
	local n; for n in "$F" "${OTHERS[@]}"; do want "$n's file whole" pulled_ok "$n"; done
	want "no stream file left" no_pull_tmp
	verdict
}
c_pull_disk-full() {  # the node's /tmp full: a pull only reads there
	pull_setup /tmp
	fault $F disk-full
	pull_run
	want "exit 0: reading from a full disk works" [ "$RC" = 0 ]
	local n; for n in "$F" "${OTHERS[@]}"; do want "$n's file whole" pulled_ok "$n"; done
	fault $F disk-free
	verdict
}
c_pull_clock-off() {
	pull_setup /root
	on $F "touch -d @$(( $(date +%s) - 3600 )) $PULLD/big"
	clock_setup
	pull_run -p
	fault $F clock-on
	want "exit 0" [ "$RC" = 0 ]
	local n; for n in "$F" "${OTHERS[@]}"; do want "$n's file whole" pulled_ok "$n"; done
	want "-p kept $F's mtime (the file's, not the node's clock)" [ "$(stat -c %Y "$PLOCAL/$F$PULLD/big")" = "$(on $F "stat -c %Y $PULLD/big")" ]
	verdict
}
c_pull_head-disk-full() {  # LOCAL_DIR on a full file system (the audit log elsewhere)
	pull_setup /root
	hd_mount 16M || verdict
	PLOCAL=$HD_MNT/pulled; mkdir -p "$PLOCAL"
	pull_run
	want "no crash, no sanitizer report (exit $RC)" no_crash
	want "exit 1 (the head could not store it)" [ "$RC" = 1 ]
	want "stderr says No space left on device" grep -qi "no space left" "$D/err"
	local n bad=0
	for n in "$F" "${OTHERS[@]}"; do nothing_of "$n" || { bad=1; echo "#   $n: partial $(stat -c %s "$PLOCAL/$n$PULLD/big" 2>/dev/null) bytes"; }; done
	want "no half-written file: each node's file whole or absent" [ "$bad" = 0 ]
	want "no stream file left on the full disk" no_pull_tmp
	want "audit end record (the audit log is not on the full disk)" sh -c "grep '\"event\":\"end\"' '$CLUSTERTOP_AUDIT_LOG' | grep -q '\"label\":\"pull\"'"
	verdict "$(grep -m1 -i 'no space' "$D/err" | cut -c1-150)"
}
pull_signal() {
	pull_setup /root
	pull_bg; kill -"$1" "$BG"; pull_wait
	want "exit 130 (interrupted)" [ "$RC" = 130 ]
	local n; for n in "$F" "${OTHERS[@]}"; do want "$n: nothing or the whole file on the head" nothing_of "$n"; done
	want "no stream file left on the head" no_pull_tmp
	want "no tar left on any node" no_orphans "$F" "${OTHERS[@]}"
	want "audit end record written" sh -c "grep '\"event\":\"end\"' '$CLUSTERTOP_AUDIT_LOG' | grep -q '\"label\":\"pull\"'"
	verdict
}
c_pull_sigterm() { pull_signal TERM; }
c_pull_sighup() { pull_signal HUP; }
