#!/bin/bash
# run-matrix.sh -- the fault matrix: rows = faults, columns = activities.
#
# Every cell is a real run of clustertop (the ASan/UBSan build under
# `make check`) on the simulated cluster: the activity runs on
# node[01-04], the fault hits node02, and the cell asserts what the user
# sees (exit status, --json state, stderr), what the nodes are left with
# (no partial file, no orphaned remote process, the other nodes done) and
# the audit log's end record. After each cell the fault is undone and the
# node is waited for, so cells are independent.
#
#   tests/faults/run-matrix.sh [--set ci|all] [--only REGEX] [--doc FILE]
#
#   --set ci    the cells `make check` runs (tests/run-all.sh), default
#   --set all   every cell (`make check-faults`)
#   --only RE   only the cells whose "fault:activity" matches RE (grep -E)
#   --doc FILE  write the final table to FILE (docs/reliability.md)
#
# Env: SIM_ID (a sim that is up, >= 4 nodes), CLUSTERTOP (the binary),
# FAULTS_CELL_TIMEOUT (seconds per cell, default 240: a cell that passes
# it is killed and counted as a hang). Output: one TAP line per cell
# (n.a. and not-written cells are "# " comments, not counted), then the
# table. Exit 0 when no cell failed.
set -u
export LC_ALL=C
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$root" || exit 1
SIM=$root/tests/sim/simcluster
CT=${CLUSTERTOP:-$root/build/check/clustertop}
: "${SIM_ID:?SIM_ID must name a running sim}"
export SIM_ID CLUSTERTOP=$CT
CELL_TIMEOUT=${FAULTS_CELL_TIMEOUT:-240}

# Rows and columns, in the order the table shows them.
FAULTS=(sshd-stopped frozen cut-heal sshd-restarted hostkey-changed rebooted
	disk-full clock-off slurmctld-stopped slurmctld-slow munged-stopped
	node-output head-disk-full sigterm sighup)
ACTS=(exec push phase3 nvme-wipe test-slurm console broadcast pull phase4
	test-mpi dashboard-idle)

# Cells that can't be done here, with why (fault:activity or fault:*).
declare -A NA=(
	[clock-off:*]="the nodes share the head's kernel clock: Linux time namespaces offset only CLOCK_MONOTONIC/BOOTTIME, never CLOCK_REALTIME, and libfaketime is not installed"
	[munged-stopped:*]="one munged serves every sim instance on this machine (other engineers' clusters): stopping it would break them"
	[slurmctld-stopped:push]="push never asks Slurm when -w is given"
	[slurmctld-slow:push]="push never asks Slurm when -w is given"
	[slurmctld-stopped:nvme-wipe]="nvme never asks Slurm when -w is given"
	[slurmctld-slow:nvme-wipe]="nvme never asks Slurm when -w is given"
	[disk-full:phase3]="phase 3 writes /etc/hosts and the host file, not /tmp, the only file system the sim can fill per node"
	[disk-full:nvme-wipe]="the wipe writes nothing to a file system"
	[head-disk-full:*]="needs a small file system mounted for the audit log on the head (a loop device with its own mount); not written yet"
	[node-output:push]="push has no node output beyond one status line"
	[node-output:nvme-wipe]="the wipe's node output is the JSON of lsblk/wipefs, parsed; a node printing garbage there is the fuzzing part of issue 15"
	[node-output:test-slurm]="the Slurm test's output comes from srun on the head, not from a node's sshd"
)

# Which cells `make check` runs (the rest only in `make check-faults`):
# one or more per fault and per activity, about 5 minutes on this shared
# 2-core machine (docs/reliability.md says what each run took).
CI_CELLS="sshd-stopped:exec rebooted:exec
	node-output:exec sigterm:exec hostkey-changed:exec
	frozen:exec cut-heal:exec sighup:exec
	sshd-stopped:push disk-full:push rebooted:push sighup:push frozen:push
	sshd-stopped:phase3 sigterm:phase3
	sshd-stopped:nvme-wipe sigterm:nvme-wipe
	slurmctld-stopped:exec slurmctld-stopped:test-slurm
	frozen:console cut-heal:console node-output:console"

W='node[01-04]'		# the activity's nodes
F=node02		# the node the fault hits
OTHERS=(node01 node03 node04)

# --- helpers for the cells ----------------------------------------------------
# A cell appends "what" to $FAILS for each failed assertion and ends with
# verdict; na/pass/fail write the result file the parent reads.
FAILS=()
result() { printf '%s\n%s\n' "$1" "$2" > "$CELL_RESULT"; exit 0; }
na()     { result na "$*"; }
want() {  # DESC CMD...: an assertion
	local d=$1; shift
	if "$@"; then echo "#   yes: $d"; else
		echo "#   NO:  $d"; FAILS+=("$d")
		[ -n "${TUI_ON:-}" ] && tui_screen | sed '/^ *$/d; s/^/#   | /' | head -n 30
	fi
}
verdict() {  # [NOTE]: pass unless an assertion failed
	if [ ${#FAILS[@]} -eq 0 ]; then result pass "${1:-}"
	else local IFS=';'; result fail "${FAILS[*]}"; fi
}
on() { local n=$1; shift; "$SIM" exec "$n" sh -c "$*"; }
fault() { "$SIM" fault "$@" >/dev/null || echo "# fault $* failed"; }

# node_pids NODE REGEX: live (not zombie) processes inside NODE's network
# namespace whose command line matches. The sim has no pid namespace, so
# pgrep on a node would see the whole machine: this looks at the netns.
node_pids() {
	local p st cmd
	for p in $(ip netns pids "ctsim${SIM_ID}-$1" 2>/dev/null); do
		read -r st 2>/dev/null < "/proc/$p/stat" || continue
		st=${st##*) }; [ "${st%% *}" = Z ] && continue
		cmd=$(tr '\0' ' ' < "/proc/$p/cmdline" 2>/dev/null) || continue
		[[ $cmd =~ $2 ]] && echo "$p"
	done
}
no_procs() { [ -z "$(node_pids "$1" "$2")" ]; }
# wait_until POLLS CMD...: CMD true within POLLS tries, 0.1 s apart.
wait_until() {
	local n=$1 i; shift
	for ((i = 0; i < n; i++)); do "$@" && return 0; sleep 0.1; done
	return 1
}
# no_orphans NODE... : the cell's token is in no live process on the nodes,
# within 15 s (a killed group's members go away asynchronously).
no_orphans() {
	local n
	for n in "$@"; do
		wait_until 150 no_procs "$n" "$TOK" || {
			echo "#   left on $n: $(node_pids "$n" "$TOK" | xargs -r ps -o pid=,args= -p)"
			return 1
		}
	done
}
# jq on the --json output, for one host
jhost() { jq -r --arg h "$1" "select(.host == \$h) | $2" "$D/out.json" 2>/dev/null; }
others_done() {
	local n
	for n in "${OTHERS[@]}"; do
		[ "$(jhost "$n" '"\(.state) \(.exit_code)"')" = "done 0" ] || return 1
	done
}
# audit_end: the end record of this cell's job (its command has $TOK)
audit_end() { grep '"event":"end"' "$CLUSTERTOP_AUDIT_LOG" 2>/dev/null | grep -F -- "$TOK" | tail -n 1; }
audit_has() { audit_end | jq -e "$1" >/dev/null 2>&1; }
started_on() { [ -n "$(node_pids "$1" "$2")" ]; }

# exec_cmd: node02 runs a long silent command, the others a short one. It
# must outlive any cell (900 s > FAULTS_CELL_TIMEOUT), or on a slow machine
# it ends by itself and the orphan check passes for nothing; heal_all kills
# what a failed cell left.
exec_cmd() {
	echo "case \$(hostname) in $F) sleep 900.$TOK;; *) sleep 2;; esac; echo fin-$TOK"
}
run_exec() {  # ARGS... -> $D/out.json, $D/err, $RC
	"$CT" exec --json -t 3 -w "$W" --nostdin "$@" > "$D/out.json" 2> "$D/err"
	RC=$?
	sed 's/^/#   stderr: /' "$D/err" | head -n 8
}
exec_bg() {  # start exec in the background, wait until node02 runs it
	"$CT" exec --json -t 3 -w "$W" --nostdin -- "$(exec_cmd)" > "$D/out.json" 2> "$D/err" &
	BG=$!
	wait_until 200 started_on "$F" "sleep 900.$TOK" || echo "#   the command never started on $F"
}
# lost_marked: node02 lost mid-command, said so in --json and the audit
lost_marked() { [ "$(jhost $F .connection_lost)" = true ] && audit_has '.connection_lost == 1'; }
bg_wait() { wait "$BG"; RC=$?; sed 's/^/#   stderr: /' "$D/err" | head -n 8; }

# --- exec ---------------------------------------------------------------------
c_exec_sshd-stopped() {
	fault $F stop-sshd
	run_exec -- "echo hi-$TOK"
	want "exit 255" [ "$RC" = 255 ]
	want "$F failed/unreachable in --json" [ "$(jhost $F '"\(.state)/\(.node_state)"')" = failed/unreachable ]
	want "the others done, exit 0" others_done
	want "one stderr line names $F unreachable" grep -q "$F: unreachable" "$D/err"
	want "never reached: no connection_lost in --json" [ "$(jhost $F .connection_lost)" = null ]
	want "audit end: failed_where $F, unreachable 1" audit_has ".failed_where == \"$F\" and .node_states.unreachable == 1"
	verdict
}
c_exec_frozen() {  # every process of the node stopped, mid-command
	exec_bg
	fault $F freeze-node
	bg_wait
	want "exit 255" [ "$RC" = 255 ]
	want "$F failed/unreachable (keepalive) in --json" [ "$(jhost $F '"\(.state)/\(.node_state)"')" = failed/unreachable ]
	want "$F connection_lost in --json and the audit end record" lost_marked
	want "the others done, exit 0" others_done
	want "audit end: $F failed" audit_has ".failed_where == \"$F\""
	fault $F thaw-node
	want "no orphan on $F after thaw" no_orphans $F
	# and a fresh connect to a frozen node times out with its reason
	fault $F freeze-node
	run_exec -- "echo again-$TOK"
	want "connect to a frozen node: exit 255, $F timed-out" [ "$RC" = 255 -a "$(jhost $F .node_state)" = timed-out ]
	fault $F thaw-node
	verdict
}
c_exec_cut-heal() {
	exec_bg
	fault $F cut
	bg_wait
	want "exit 255" [ "$RC" = 255 ]
	want "$F failed/unreachable in --json" [ "$(jhost $F '"\(.state)/\(.node_state)"')" = failed/unreachable ]
	want "the error says keepalives" grep -q "$F: unreachable (no answer to keepalives" "$D/err"
	want "$F connection_lost in --json and the audit end record" lost_marked
	want "the others done, exit 0" others_done
	want "audit end: $F failed, unreachable" audit_has ".failed_where == \"$F\" and .node_states.unreachable == 1"
	fault $F heal
	want "no orphan on $F after heal" no_orphans $F
	verdict
}
c_exec_sshd-restarted() {
	"$CT" exec --json -t 3 -w "$W" --nostdin -- "touch /tmp/.ctf-$TOK; sleep 3.$TOK; echo fin-$TOK" > "$D/out.json" 2> "$D/err" &
	BG=$!
	wait_until 200 started_on "$F" "sleep 3.$TOK"
	fault $F restart-sshd
	bg_wait
	want "exit 0 (sessions survive a listener restart)" [ "$RC" = 0 ]
	want "$F done with its output" [ "$(jhost $F '"\(.state) \(.stdout)"')" = "done fin-$TOK" ]
	want "audit end: 4 done" audit_has '.outcome.done == 4'
	run_exec -- "echo after-$TOK"
	want "a new connect after the restart works" [ "$RC" = 0 ]
	verdict
}
c_exec_hostkey-changed() {
	fault $F new-hostkey
	run_exec -- "echo hi-$TOK"
	want "exit 255" [ "$RC" = 255 ]
	want "$F host-key-mismatch in --json" [ "$(jhost $F .node_state)" = host-key-mismatch ]
	want "stderr says HOST KEY CHANGED" grep -q "$F: host-key-mismatch (HOST KEY CHANGED" "$D/err"
	want "the command never ran on $F" [ "$(jhost $F .stdout)" = "" ]
	want "the others done, exit 0" others_done
	want "audit end: host-key-mismatch 1" audit_has '.node_states["host-key-mismatch"] == 1'
	fault $F restore-hostkey
	verdict
}
c_exec_rebooted() {
	exec_bg
	fault $F reboot
	bg_wait
	want "exit 255" [ "$RC" = 255 ]
	want "$F failed/unreachable in --json" [ "$(jhost $F '"\(.state)/\(.node_state)"')" = failed/unreachable ]
	want "$F connection_lost in --json and the audit end record" lost_marked
	want "the others done, exit 0" others_done
	want "audit end: $F failed" audit_has ".failed_where == \"$F\""
	want "no orphan on $F" no_orphans $F
	run_exec -- "echo after-$TOK"
	want "the rebooted node answers a new exec (same host key)" [ "$RC" = 0 ]
	verdict
}
c_exec_disk-full() {
	fault $F disk-full
	run_exec -- "echo data > /tmp/ctf-$TOK && echo wrote-$TOK"
	want "exit 1 or 2 (the node's own error)" [ "$RC" = 1 -o "$RC" = 2 ]
	want "$F done with a non-zero exit and ENOSPC on stderr" sh -c "[ \"\$(jq -r 'select(.host==\"$F\") | \"\(.state) \(.exit_code != 0) \(.stderr)\"' '$D/out.json')\" != '' ] && jq -r 'select(.host==\"$F\") | .stderr' '$D/out.json' | grep -qi 'no space'"
	want "the others done, exit 0" others_done
	want "audit end: failed_where $F" audit_has ".failed_where == \"$F\""
	verdict
}
inventory_exec() {  # exec without -w: the node list from Slurm, else WCOLL
	"$CT" exec --json -t 3 --nostdin -- "echo inv-$TOK" > "$D/out.json" 2> "$D/err"
	RC=$?
	sed 's/^/#   stderr: /' "$D/err" | head -n 4
}
c_exec_slurmctld-stopped() {
	fault head stop-slurmctld
	inventory_exec
	want "exit 0: the list came from \$WCOLL" [ "$RC" = 0 ]
	want "all $SIM_NODES nodes ran it" [ "$(jq -s 'map(select(.state=="done")) | length' "$D/out.json")" = "$SIM_NODES" ]
	fault head start-slurmctld
	verdict
}
c_exec_slurmctld-slow() {
	fault head freeze-slurmctld
	local t0=$SECONDS
	inventory_exec
	fault head thaw-slurmctld
	want "exit 0: the list came from \$WCOLL" [ "$RC" = 0 ]
	want "all $SIM_NODES nodes ran it" [ "$(jq -s 'map(select(.state=="done")) | length' "$D/out.json")" = "$SIM_NODES" ]
	verdict "a frozen slurmctld cost $((SECONDS - t0)) s before the fallback"
}
c_exec_node-output() {
	local rss
	/usr/bin/time -f '%M' -o "$D/rss" "$CT" exec --json -t 3 -w "$W" --nostdin -- \
	    "case \$(hostname) in node02) head -c 104857600 /dev/urandom;; node03) printf '\\033]52;c;cHduZWQ=\\007\\033[2J\\033[?1049h\\033]0;title\\007\\r\\033[31mred-$TOK\\n';; node04) head -c 65536 /dev/urandom | tr -d '\\n';; *) echo plain-$TOK;; esac" \
	    > "$D/out.json" 2> "$D/err"
	RC=$?
	rss=$(tail -n 1 "$D/rss")
	want "exit 0" [ "$RC" = 0 ]
	want "every line is valid JSON (4 objects)" [ "$(jq -s length "$D/out.json" 2>/dev/null)" = 4 ]
	want "$F's 100 MiB capped and marked truncated" [ "$(jhost $F .stdout_truncated)" = true ]
	want "$F's binary kept exactly as base64" [ "$(jhost $F '.stdout_base64 | length > 0')" = true ]
	want "node03's escapes are JSON-escaped text, no raw ESC on stdout" sh -c "! grep -q \$'\\033' '$D/out.json' && [ \"\$(jq -r 'select(.host==\"node03\") | .stdout' '$D/out.json' | grep -c red-$TOK)\" = 1 ]"
	want "the head's RSS stays bounded (${rss} kB < 600000 kB)" [ "${rss:-999999999}" -lt 600000 ]
	# the dshbak-style -b mode on the same garbage: exit 0, no crash
	"$CT" exec -b -t 3 -w "$W" --nostdin -- "head -c 2000000 /dev/urandom" > /dev/null 2> "$D/err2"
	want "-b on 2 MB of binary per node: exit 0" [ $? = 0 ]
	verdict "head max RSS ${rss} kB (ASan build) for 100 MiB from one node"
}
exec_signal() {  # SIG
	exec_bg
	kill -"$1" "$BG"
	bg_wait
	want "exit 130 (interrupted)" [ "$RC" = 130 ]
	want "every node's command cancelled in the audit end record" audit_has '.outcome.cancelled >= 1'
	want "no orphan on any node" no_orphans "$F" "${OTHERS[@]}"
	verdict
}
c_exec_sigterm() { exec_signal TERM; }
c_exec_sighup() { exec_signal HUP; }

# --- push 100 MiB -------------------------------------------------------------
# DEST on node's /root (its own, kept across a reboot), or /tmp for disk-full.
push_setup() {  # DESTDIR: the old content on every node
	PDIR=$1
	local n
	for n in "$F" "${OTHERS[@]}"; do on "$n" "rm -rf $PDIR; mkdir -p $PDIR && echo old-$TOK > $PDIR/big"; done
}
push_bg() {
	"$CT" push -w "$W" "$BIG" "$PDIR/big" > "$D/out" 2> "$D/err" &
	BG=$!
	wait_until 300 has_tmp "$F" || echo "#   no temporary file seen on $F"
}
push_wait() { wait "$BG"; RC=$?; sed 's/^/#   /' "$D/out" "$D/err" | tail -n 8; }
sum_of() { on "$1" "sha256sum < $PDIR/big" | cut -d' ' -f1; }
is_old() { [ "$(on "$1" "cat $PDIR/big" 2>/dev/null)" = "old-$TOK" ]; }
is_new() { [ "$(sum_of "$1")" = "$BIGSUM" ]; }
has_tmp() { [ -n "$(on "$1" "ls -a $PDIR | grep ct-tmp")" ]; }
no_tmp() { [ -z "$(on "$1" "ls -a $PDIR | grep ct-tmp")" ]; }
no_tmp_soon() { wait_until 300 no_tmp "$1" || { echo "#   on $1: $(on "$1" "ls -la $PDIR")"; return 1; }; }
whole() { is_old "$1" || is_new "$1"; }	# never a partial DEST
others_new() { local n; for n in "${OTHERS[@]}"; do is_new "$n" || return 1; done; }
push_common() {  # the checks of a push that failed on node02 only
	want "$F keeps the old file (no partial DEST)" is_old $F
	want "no temporary file left on $F" no_tmp_soon $F
	want "no push process left on $F" no_orphans $F
	want "the others have the new file (sha256)" others_new
	want "audit end: failed_where $F" sh -c "grep '\"event\":\"end\"' '$CLUSTERTOP_AUDIT_LOG' | grep '\"label\":\"push\"' | tail -n 1 | grep -q '\"failed_where\":\"$F\"'"
}
c_push_sshd-stopped() {
	push_setup /root/ctf-push
	fault $F stop-sshd
	"$CT" push -w "$W" "$BIG" "$PDIR/big" > "$D/out" 2> "$D/err"; RC=$?
	fault $F start-sshd
	want "exit 255" [ "$RC" = 255 ]
	push_common
	verdict
}
c_push_cut-heal() {
	push_setup /root/ctf-push
	push_bg; fault $F cut; push_wait
	want "exit 255" [ "$RC" = 255 ]
	fault $F heal
	push_common
	verdict
}
c_push_frozen() {
	push_setup /root/ctf-push
	push_bg; fault $F freeze-node; push_wait
	want "exit 255" [ "$RC" = 255 ]
	fault $F thaw-node
	push_common
	verdict
}
c_push_rebooted() {
	push_setup /root/ctf-push
	push_bg; fault $F reboot; push_wait
	want "exit 255" [ "$RC" = 255 ]
	want "$F keeps the old file (no partial DEST)" is_old $F
	want "no push process left on $F" no_orphans $F
	want "the others have the new file (sha256)" others_new
	# SIGKILL left the writer's temporary file; the next push removes it
	has_tmp $F && echo "#   after the reboot: $(on $F "ls -a $PDIR | grep ct-tmp")"
	"$CT" push -w "$F" "$BIG" "$PDIR/big" > "$D/out" 2> "$D/err"; RC=$?
	want "the next push to $F: exit 0, the new file" [ "$RC" = 0 ] && want "...sha256 matches" is_new $F
	want "...and the dead push's temporary file is gone" no_tmp $F
	verdict
}
c_push_sshd-restarted() {
	push_setup /root/ctf-push
	push_bg; fault $F restart-sshd; push_wait
	want "exit 0" [ "$RC" = 0 ]
	want "every node has the new file" sh -c "true"
	local n; for n in "$F" "${OTHERS[@]}"; do want "$n has the new file" is_new "$n"; done
	verdict
}
c_push_hostkey-changed() {
	push_setup /root/ctf-push
	fault $F new-hostkey
	"$CT" push -w "$W" "$BIG" "$PDIR/big" > "$D/out" 2> "$D/err"; RC=$?
	fault $F restore-hostkey
	want "exit 255" [ "$RC" = 255 ]
	want "stderr names the changed key" grep -q "$F.*host-key-mismatch" "$D/err"
	push_common
	verdict
}
c_push_disk-full() {
	push_setup /tmp/ctf-push
	fault $F disk-full
	"$CT" push -w "$W" "$BIG" "$PDIR/big" > "$D/out" 2> "$D/err"; RC=$?
	sed 's/^/#   /' "$D/err" | tail -n 4
	want "exit 1 (the node refused the copy)" [ "$RC" = 1 ]
	want "stderr names $F" grep -q "$F" "$D/err"
	push_common
	fault $F disk-free
	verdict
}
push_signal() {
	push_setup /root/ctf-push
	push_bg; kill -"$1" "$BG"; push_wait
	want "exit 130 (interrupted)" [ "$RC" = 130 ]
	local n
	for n in "$F" "${OTHERS[@]}"; do
		want "$n: old or whole new file, never partial" whole "$n"
		want "$n: no temporary file" no_tmp_soon "$n"
		want "$n: no push process left" no_orphans "$n"
	done
	want "audit end record written" sh -c "grep '\"event\":\"end\"' '$CLUSTERTOP_AUDIT_LOG' | grep -q '\"label\":\"push\"'"
	verdict
}
c_push_sigterm() { push_signal TERM; }
c_push_sighup() { push_signal HUP; }

# --- phase 3 (host files; all or nothing) --------------------------------------
# On the nodes only: the head is this shared machine, whose /etc/hosts the
# other sims' tests edit too. The file keeps phases.json's phase 3 steps
# with "where": "all" narrowed to "nodes".
phase3_file() {
	jq '.phases |= map(select(.number == 3) | .steps |= map(if .where == "all" then .where = "nodes" else . end))' \
	    src/phases.json > "$D/phases.json"
}
hosts_block() { on "$1" "grep -c 'clustertop cluster nodes (phase 3)' /etc/hosts"; }
block_whole() {  # 0 or 2 marker lines, and with 2, every node's line between them
	local c; c=$(hosts_block "$1")
	[ "$c" = 0 ] && return 0
	[ "$c" = 2 ] && [ "$(on "$1" "sed -n '/BEGIN clustertop cluster nodes/,/END clustertop cluster nodes/p' /etc/hosts | grep -c '	node'")" = "$SIM_NODES" ]
}
phase3_reset() {  # /etc/hosts is a bind mount on a sim node: rewrite in place
	local n
	for n in "$F" "${OTHERS[@]}"; do
		on "$n" "h=\$(sed '/BEGIN clustertop cluster nodes/,/END clustertop cluster nodes/d' /etc/hosts) && printf '%s\\n' \"\$h\" > /etc/hosts; rm -f $PHOST"
	done
}
phase3_run() {
	"$CT" phase run 3 -y --phases "$D/phases.json" --set hostfile=$PHOST -t 3 -w "$W" "$@" > "$D/out" 2> "$D/err"
	RC=$?
	sed 's/^/#   /' "$D/out" "$D/err" | tail -n 6
}
no_etc_tmp() { [ -z "$(on "$1" "ls -a /etc /root | grep -i 'ct-tmp\|\.tmp\.'")" ]; }
c_phase3_sshd-stopped() {
	phase3_file; PHOST=/root/ctf-machines; phase3_reset
	fault $F stop-sshd
	phase3_run
	want "exit 1" [ "$RC" = 1 ]
	want "$F untouched: no block, no host file" [ "$(hosts_block $F)" = 0 ]
	want "no temporary file in /etc or /root on $F" no_etc_tmp $F
	local n; for n in "${OTHERS[@]}"; do want "$n has the whole block" [ "$(hosts_block $n)" = 2 ]; done
	want "the summary offers --failed" grep -q -- "--failed" "$D/out"
	fault $F start-sshd
	phase3_run --failed
	want "--failed re-plans and runs only $F: exit 0" [ "$RC" = 0 ]
	want "$F has the whole block now" block_whole $F
	want "$F: exactly one block" [ "$(hosts_block $F)" = 2 ]
	phase3_reset
	verdict
}
c_phase3_hostkey-changed() {
	phase3_file; PHOST=/root/ctf-machines; phase3_reset
	fault $F new-hostkey
	phase3_run
	want "exit 1" [ "$RC" = 1 ]
	want "stderr or summary names the host key" grep -qi "host.key" "$D/out" "$D/err"
	want "$F untouched" [ "$(hosts_block $F)" = 0 ]
	local n; for n in "${OTHERS[@]}"; do want "$n has the whole block" [ "$(hosts_block $n)" = 2 ]; done
	fault $F restore-hostkey
	phase3_reset
	verdict
}
c_phase3_frozen() {
	phase3_file; PHOST=/root/ctf-machines; phase3_reset
	fault $F freeze-node
	phase3_run
	fault $F thaw-node
	want "exit 1" [ "$RC" = 1 ]
	want "$F untouched" [ "$(hosts_block $F)" = 0 ]
	local n; for n in "${OTHERS[@]}"; do want "$n has the whole block" [ "$(hosts_block $n)" = 2 ]; done
	phase3_reset
	verdict
}
phase3_signal() {
	phase3_file; PHOST=/root/ctf-machines; phase3_reset
	# Hold the first step on $F (a hook the test adds: the host file's
	# directory is a FIFO-guarded path) -- instead, signal as soon as the
	# run has started on any node, which is as early as a user can.
	"$CT" phase run 3 -y --phases "$D/phases.json" --set hostfile=$PHOST -t 3 -w "$W" > "$D/out" 2> "$D/err" &
	BG=$!
	wait_until 300 sh -c "grep -q 'step' '$D/out'"
	kill -"$1" "$BG"; wait "$BG"; RC=$?
	sed 's/^/#   /' "$D/out" "$D/err" | tail -n 6
	want "exit 130, or 0 if it had already finished" [ "$RC" = 130 -o "$RC" = 0 ]
	local n
	for n in "$F" "${OTHERS[@]}"; do
		want "$n: the /etc/hosts block is all or nothing" block_whole "$n"
		want "$n: no temporary file" no_etc_tmp "$n"
	done
	phase3_run
	want "the next run re-plans and completes: exit 0" [ "$RC" = 0 ]
	for n in "$F" "${OTHERS[@]}"; do want "$n: exactly one whole block" sh -c "[ \"\$('$SIM' exec $n grep -c 'clustertop cluster nodes (phase 3)' /etc/hosts)\" = 2 ]"; done
	phase3_reset
	verdict "phase 3 takes well under a second per node here: the signal lands at a random step"
}
c_phase3_sigterm() { phase3_signal TERM; }
c_phase3_sighup() { phase3_signal HUP; }

# --- NVMe wipe ---------------------------------------------------------------
nvme_setup() {
	local n
	for n in "$F" "${OTHERS[@]}"; do
		DEV[$n]=$(jq -r --arg n "$n" '.nodes[] | select(.name == $n) | .instance_store' <<<"$SIMJSON")
		on "$n" "wipefs -a -q ${DEV[$n]}; mkfs.ext4 -q -F ${DEV[$n]}"
	done
}
has_sig() { [ -n "$(on "$1" "wipefs -n ${DEV[$1]}" 2>/dev/null | sed 1d)" ]; }
nvme_reset() { local n; for n in "$F" "${OTHERS[@]}"; do on "$n" "wipefs -a -q ${DEV[$n]}"; done; }
declare -A DEV
c_nvme-wipe_sshd-stopped() {
	nvme_setup
	fault $F stop-sshd
	"$CT" nvme wipe -y --confirm 3 -t 3 -w "$W" > "$D/out" 2> "$D/err"; RC=$?
	sed 's/^/#   /' "$D/out" "$D/err" | tail -n 8
	fault $F start-sshd
	want "exit 255 (a node could not be scanned)" [ "$RC" = 255 ]
	want "$F's device untouched" has_sig $F
	want "the error names $F" grep -q "$F" "$D/out" "$D/err"
	# the count is the plan's, not the request's: 3 of 4 were planned
	local n wiped=0
	for n in "${OTHERS[@]}"; do has_sig "$n" || wiped=$((wiped + 1)); done
	want "the reachable nodes: wiped all or none ($wiped of 3)" [ "$wiped" = 0 -o "$wiped" = 3 ]
	fault $F start-sshd
	"$CT" nvme scan -t 3 -w "$W" > "$D/out2" 2>&1
	sed 's/^/#   scan: /' "$D/out2"
	want "the next scan re-plans: $F's device to wipe, the others clean" sh -c "grep -qE '^ *$F .* wipe' '$D/out2' && [ \$(grep -cE '^ *node0[134] .* clean' '$D/out2') = 3 ]"
	nvme_reset
	verdict "with $F unreachable, $wiped of the 3 reachable devices were wiped"
}
nvme_signal() {
	nvme_setup
	"$CT" nvme wipe -y --confirm 4 -t 3 -w "$W" > "$D/out" 2> "$D/err" &
	BG=$!
	wait_until 300 sh -c "grep -qi 'wip' '$D/out' '$D/err'"
	kill -"$1" "$BG"; wait "$BG"; RC=$?
	sed 's/^/#   /' "$D/out" "$D/err" | tail -n 8
	want "exit 130, or 0 if it had finished" [ "$RC" = 130 -o "$RC" = 0 ]
	want "no wipe process left" no_orphans "$F" "${OTHERS[@]}"
	want "audit end record for the scan or wipe that was stopped" sh -c "grep '\"event\":\"end\"' '$CLUSTERTOP_AUDIT_LOG' | grep -q '\"label\":\"nvme'"
	echo "#   exit $RC"
	"$CT" nvme wipe --dry-run -t 3 -w "$W" > "$D/out2" 2>&1; RC2=$?
	sed 's/^/#   dry run: /' "$D/out2" | tail -n 8
	want "the next dry run re-plans what is left (exit 0)" [ "$RC2" = 0 ]
	nvme_reset
	verdict
}
c_nvme-wipe_sigterm() { TOK="wipefs|blkdiscard"; nvme_signal TERM; }
c_nvme-wipe_sighup() { TOK="wipefs|blkdiscard"; nvme_signal HUP; }

# --- Slurm test (phase 9) ------------------------------------------------------
c_test-slurm_slurmctld-stopped() {
	fault head stop-slurmctld
	"$CT" test slurm -t 3 -w "$W" > "$D/out" 2> "$D/err"; RC=$?
	sed 's/^/#   /' "$D/out" "$D/err" | tail -n 6
	fault head start-slurmctld
	want "exit 1 (the test failed)" [ "$RC" = 1 ]
	want "the output says slurmctld does not answer" grep -q "slurmctld does not answer" "$D/out" "$D/err"
	want "every node FAILED, none passed" sh -c "[ \$(grep -c 'FAILED: node0[1-4] (not submitted' '$D/out') = 4 ] && ! grep -q 'passed: node' '$D/out'"
	verdict
}
c_test-slurm_slurmctld-slow() {  # slurmctld stopped (SIGSTOP) for the whole test
	fault head freeze-slurmctld
	local t0=$SECONDS
	"$CT" test slurm -t 3 -w "$W" > "$D/out" 2> "$D/err"; RC=$?
	fault head thaw-slurmctld
	sed 's/^/#   /' "$D/out" "$D/err" | tail -n 6
	want "exit 1 (the test failed)" [ "$RC" = 1 ]
	want "the output says slurmctld does not answer" grep -q "slurmctld does not answer" "$D/out" "$D/err"
	want "every node FAILED, none passed" sh -c "[ \$(grep -c 'FAILED: node0[1-4] (not submitted' '$D/out') = 4 ] && ! grep -q 'passed: node' '$D/out'"
	verdict "it gave up after $((SECONDS - t0)) s (the controller check waits 10 s)"
}
c_test-slurm_sshd-stopped() {
	fault $F stop-sshd
	"$CT" test slurm -t 3 -w "$W" > "$D/out" 2> "$D/err"; RC=$?
	sed 's/^/#   /' "$D/out" "$D/err" | tail -n 6
	fault $F start-sshd
	want "exit 0: the Slurm test needs slurmd, not sshd" [ "$RC" = 0 ]
	verdict
}

# --- the console (`:` in the dashboard, in tmux) -------------------------------
re_() { printf '%s' "$1" | sed 's/[][().*^$]/\\&/g'; }
tui_open() {  # the dashboard on $W in a private tmux server, all 4 up (or N)
	TUI_LOG=$D/tui
	mkdir -p "$TUI_LOG"
	# shellcheck source=../tui/lib.sh
	. "$root/tests/tui/lib.sh"
	export CLUSTERTOP_HISTORY=
	tui_start 140 32 --interval 1 -w "$W" || { FAILS+=("tmux starts"); verdict; }
	TUI_ON=1
	want "the dashboard shows node01 up" tui_wait "^ +[^ ]* *node01 +up +[0-9]" 300
}
console_run() {  # COMMAND: `:` COMMAND Enter
	tui_keys : "$1" Enter
}
audit_console() { grep '"event":"end"' "$CLUSTERTOP_AUDIT_LOG" 2>/dev/null | grep '"label":"console"' | grep -F -- "$TOK" | tail -n 1; }
c_console_sshd-stopped() {
	fault $F stop-sshd
	tui_open
	want "the header counts $F not up: nodes 3/4 up" tui_wait "nodes 3/4 up" 300
	console_run "echo hi-$TOK"
	want "console: $F's block says unreachable" tui_wait "^. $F \(1\) +unreachable" 300
	want "console: the others exit 0" tui_wait "^. node\[01,03-04\] \(3\) +exit 0" 100
	fault $F start-sshd
	want "the dashboard reconnects: nodes 4/4 up" tui_wait "nodes 4/4 up" 600
	want "audit end: the console job, $F failed" sh -c "grep '\"event\":\"end\"' '$CLUSTERTOP_AUDIT_LOG' | grep '\"label\":\"console\"' | grep -q '\"failed_where\":\"$F\"'"
	want "clustertop still running" tui_wait_gone "^EXIT=" 2
	tui_stop
	verdict
}
console_lost() {  # FAULT UNDO: mid-command; "connection lost", then reconnect
	tui_open
	want "nodes 4/4 up" tui_wait "nodes 4/4 up" 300
	console_run "$(exec_cmd)"
	want "the command started on $F" wait_until 300 started_on "$F" "sleep 900.$TOK"
	fault $F "$1"
	# docs/console.md: a session lost mid-command is "connection lost",
	# never the "unreachable" of a node that was not reached at all
	want "console: $F's block says connection lost" tui_wait "^. $F \(1\) +connection lost" 300
	want "console: the others exit 0" tui_wait "^. node\[01,03-04\] \(3\) +exit 0" 100
	[ -n "$2" ] && want "the header shows $F is not up" tui_wait "nodes 3/4 up" 100
	[ -n "$2" ] && fault $F "$2"
	want "the dashboard reconnects by itself: nodes 4/4 up" tui_wait "nodes 4/4 up" 900
	want "no orphan on $F" no_orphans $F
	want "audit end: the console job, $F failed" sh -c "grep '\"event\":\"end\"' '$CLUSTERTOP_AUDIT_LOG' | grep '\"label\":\"console\"' | grep -q '\"failed_where\":\"$F\"'"
	console_run "echo after-$TOK"
	want "a new command runs on all 4" tui_wait "^. node\[01-04\] \(4\) +exit 0" 300
	want "clustertop still running" tui_wait_gone "^EXIT=" 2
	tui_stop
	verdict
}
c_console_cut-heal() { console_lost cut heal; }
c_console_frozen() { console_lost freeze-node thaw-node; }
c_console_rebooted() { console_lost reboot ""; }
c_console_node-output() {
	local pid hwm title
	tui_open
	want "nodes 4/4 up" tui_wait "nodes 4/4 up" 300
	title=$($TUI_TMUX display -p '#{pane_title}')
	# 100 MiB of random bytes from node02, 64 KiB without a newline from node04
	console_run "case \$(hostname) in node02) head -c 104857600 /dev/urandom;; node04) head -c 65536 /dev/urandom | tr -d '\\n';; *) echo plain-$TOK;; esac"
	want "node02's block finishes: exit 0" tui_wait "^. node02 \(1\) +exit 0" 900
	want "the job ends on all 4" tui_wait "node\[01-04\] \(4\) \| 4/4 done" 300
	# node04's block is the last one, below node02's 1 MiB that fills the
	# screen: its header is off screen until the block cursor moves there
	tui_keys Tab Tab
	want "node04's block (Tab Tab, the third block) finishes: exit 0" tui_wait "^. node04 \(1\) +exit 0" 100
	# then terminal escapes from node03 (own command: the blocks above fill the screen)
	console_run "case \$(hostname) in node03) printf 'a-$TOK\\033]52;c;cHduZWQ=\\007\\033[2J\\033[?1049h\\033]0;pwned\\007\\033[31mz-$TOK\\n';; *) echo calm-$TOK;; esac"
	want "node03's escapes shown as text" tui_wait "a-$TOK\^\[\]52;c;cHduZWQ=\^G\^\[\[2J" 300
	want "the screen was not cleared: the header and the others' block are there" sh -c "$(declare -f tui_screen); TUI_TMUX='$TUI_TMUX'; tui_screen | grep -q 'nodes 4/4 up' && tui_screen | grep -q '^  calm-$TOK'"
	want "the window title did not change" [ "$($TUI_TMUX display -p '#{pane_title}')" = "$title" ]
	pid=$(tui_pid)
	hwm=$(awk '/VmHWM/ { print $2 }' "/proc/$pid/status" 2>/dev/null)
	want "the dashboard's peak RSS stays bounded (${hwm:-?} kB < 600000 kB)" [ "${hwm:-999999999}" -lt 600000 ]
	want "clustertop still running" tui_wait_gone "^EXIT=" 2
	tui_stop
	verdict "dashboard peak RSS ${hwm:-?} kB (ASan build) after 100 MiB from one node"
}
console_signal() {
	local pid
	tui_open
	want "nodes 4/4 up" tui_wait "nodes 4/4 up" 300
	console_run "$(exec_cmd)"
	want "the command started on $F" wait_until 300 started_on "$F" "sleep 900.$TOK"
	pid=$(tui_pid)
	kill -"$1" "$pid"
	want "clustertop exits" tui_wait "^EXIT=" 300
	want "the terminal is restored (no alternate screen)" [ "$($TUI_TMUX display -p '#{alternate_on}')" = 0 ]
	want "no orphan on any node" no_orphans "$F" "${OTHERS[@]}"
	want "audit end record for the console job" sh -c "grep '\"event\":\"end\"' '$CLUSTERTOP_AUDIT_LOG' | grep '\"label\":\"console\"' | grep -q -F '$TOK'"
	local ex; ex=$(tui_screen | grep -o 'EXIT=[0-9]*' | head -n 1)
	tui_stop
	verdict "$ex"
}
c_console_sigterm() { console_signal TERM; }
c_console_sighup() { console_signal HUP; }

# --- one cell (run in a child process with a timeout) ---------------------------
run_cell() {  # FAULT ACT
	local fn="c_$2_$1"
	TOK=ctf$RANDOM$RANDOM
	TOK=${TOK:0:10}; TOK=${TOK//[!0-9]/}
	[ -n "$TOK" ] || TOK=$$
	D=$(mktemp -d "$WORK/cell.XXXXXX")
	export CLUSTERTOP_AUDIT_LOG=$D/audit.log CLUSTERTOP_STATE_DIR=$D/state
	"$fn"
}

# --- the parent ----------------------------------------------------------------
heal_all() {  # undo whatever a cell (or a killed cell) left in force
	local f n p
	for n in "$F" "${OTHERS[@]}"; do	# a failed cell's orphans, by pid
		p=$(node_pids "$n" 'sleep 900\.[0-9]+|fin-[0-9]+')
		[ -n "$p" ] && kill $p 2>/dev/null
	done
	for f in thaw-node heal disk-free start-sshd; do "$SIM" fault $F $f >/dev/null 2>&1; done
	[ -e "/var/lib/clustertop-sim/$SIM_ID/nodes/$F/ssh_host_ed25519_key.orig" ] &&
	    "$SIM" fault $F restore-hostkey >/dev/null 2>&1
	"$SIM" fault head thaw-slurmctld >/dev/null 2>&1
	"$SIM" fault head start-slurmctld >/dev/null 2>&1
	wait_until 300 "$CT" exec -t 3 -w "$W" --nostdin true >/dev/null 2>&1 ||
	    echo "# warning: $W not all reachable after healing"
}

# The columns and rows written after the first matrix, in files of their own
# (they may add to NA, and wrap heal_all for the faults they add).
for f_ in rows pull phase4 mpi broadcast dashboard; do
	[ -r "$here/cells-$f_.sh" ] && . "$here/cells-$f_.sh"
done
unset f_

if [ "${1:-}" = --cell ]; then
	WORK=$2 CELL_RESULT=$3 BIG=$4 BIGSUM=$5
	SIMJSON=$("$SIM" env --json)
	eval "$("$SIM" env)"
	export CLUSTERTOP_KEEPALIVE=1,3
	run_cell "$6" "$7"
	result fail "the cell function returned without a verdict"
fi

set_=ci only= doc=
while [ $# -gt 0 ]; do
	case $1 in
	--set) set_=$2; shift 2 ;;
	--only) only=$2; shift 2 ;;
	--doc) doc=$2; shift 2 ;;
	*) echo "usage: $0 [--set ci|all] [--only REGEX] [--doc FILE]" >&2; exit 2 ;;
	esac
done
eval "$("$SIM" env)" || { echo "not ok - sim $SIM_ID is not up"; exit 1; }
[ "${SIM_NODES:-0}" -ge 4 ] || { echo "not ok - the matrix needs 4 nodes"; exit 1; }
[ -x "$CT" ] || { echo "not ok - no clustertop at $CT"; exit 1; }
WORK=$(mktemp -d /var/tmp/ct-faults.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
BIG=$WORK/big-100MiB
head -c 104857600 /dev/urandom > "$BIG"
BIGSUM=$(sha256sum < "$BIG" | cut -d' ' -f1)
declare -F before_cells >/dev/null && before_cells	# cells-dashboard.sh: one long run

declare -A RES WHY
npass=0 nfail=0 nna=0 nnot=0
t_all=$SECONDS
for fl in "${FAULTS[@]}"; do
	for ac in "${ACTS[@]}"; do
		cell="$fl:$ac"
		if [ -n "$only" ] && ! grep -qE -- "$only" <<<"$cell"; then continue; fi
		reason=${NA[$cell]:-${NA[$fl:*]:-}}
		if [ -n "$reason" ]; then
			RES[$cell]=na WHY[$cell]=$reason; nna=$((nna + 1))
			echo "# n.a. $cell: $reason"; continue
		fi
		if ! declare -F "c_${ac}_${fl}" >/dev/null; then
			RES[$cell]=none; nnot=$((nnot + 1)); continue
		fi
		if [ "$set_" = ci ] && ! grep -qw -- "$cell" <<<"$CI_CELLS"; then
			RES[$cell]=skip; continue
		fi
		echo "# --- $cell"
		rf=$WORK/result.$fl.$ac
		t0=$SECONDS
		timeout -k 10 "$CELL_TIMEOUT" "$0" --cell "$WORK" "$rf" "$BIG" "$BIGSUM" "$fl" "$ac" 2>&1 |
		    sed 's/^\([^#]\)/#   \1/'
		took=$((SECONDS - t0))
		if [ -s "$rf" ]; then
			RES[$cell]=$(sed -n 1p "$rf") WHY[$cell]=$(sed -n 2p "$rf")
		else
			RES[$cell]=fail WHY[$cell]="HANG: killed by the ${CELL_TIMEOUT} s cell timeout"
		fi
		case ${RES[$cell]} in
		pass) npass=$((npass + 1)); echo "ok - $cell (${took} s)${WHY[$cell]:+: ${WHY[$cell]}}" ;;
		na)   nna=$((nna + 1)); echo "# n.a. $cell: ${WHY[$cell]}" ;;
		*)    nfail=$((nfail + 1)); echo "not ok - $cell (${took} s): ${WHY[$cell]}" ;;
		esac
		heal_all
	done
done

# --- the table -------------------------------------------------------------------
table() {
	local fl ac r line
	printf '| fault \\ activity |'; printf ' %s |' "${ACTS[@]}"; echo
	printf '|---|'; printf -- '---|%.0s' "${ACTS[@]}"; echo
	for fl in "${FAULTS[@]}"; do
		line="| $fl |"
		for ac in "${ACTS[@]}"; do
			r=${RES[$fl:$ac]:-}
			case $r in
			pass) line+=" pass |" ;;
			fail) line+=" **FAIL** |" ;;
			na)   line+=" n.a. |" ;;
			skip) line+=" (check-faults) |" ;;
			none) line+=" not written |" ;;
			*)    line+=" |" ;;
			esac
		done
		echo "$line"
	done
	echo
	echo "Failures and n.a. reasons:"
	echo
	for fl in "${FAULTS[@]}"; do for ac in "${ACTS[@]}"; do
		case ${RES[$fl:$ac]:-} in
		fail) echo "- FAIL $fl x $ac: ${WHY[$fl:$ac]}" ;;
		pass) [ -n "${WHY[$fl:$ac]}" ] && echo "- note $fl x $ac: ${WHY[$fl:$ac]}" ;;
		esac
	done; done
	local k
	for k in "${!NA[@]}"; do echo "- n.a. $k: ${NA[$k]}"; done | sort
}
echo
echo "# fault matrix ($set_ set, $((SECONDS - t_all)) s): $npass pass, $nfail fail, $nna n.a., $nnot not written"
table | sed 's/^/# /'
if [ -n "$doc" ]; then
	{
		sed -n '1,/^<!-- matrix -->$/p' "$doc"
		echo
		echo "Last run: $(date -u '+%Y-%m-%d %H:%M UTC'), \`$0 --set $set_${only:+ --only $only}\`, SIM_ID=$SIM_ID,"
		echo "$(basename "$CT") from $(git -C "$root" rev-parse --short HEAD 2>/dev/null): $npass pass, $nfail fail, $nna n.a., $nnot not written."
		echo
		table
	} > "$doc.new" && mv -f "$doc.new" "$doc"
fi
[ "$nfail" -eq 0 ]
