#!/bin/bash
# 28-via-slurm.sh -- `clustertop exec --via slurm` and `push --via slurm`
# on the simulated cluster: the command as one Slurm job step. Output,
# -b blocks and exit codes as over SSH (compared with the SSH path on the
# same nodes), bytes exact (binary stdin, a 200 KB line), nodes Slurm
# cannot use now (drained, down, allocated to another job, outside the
# caller's allocation) reported as slurm-unavailable without waiting, a
# command deadline, a hung slurmd, the audit log, sbcast.
#
# Env: SIM_ID (the sim under test, already up), CLUSTERTOP (the binary).
# Every Slurm state and fault this script sets is undone on exit.
. "$(dirname "$0")/lib.sh"

(( ${#NODES[@]} >= 6 )) || { echo "not ok - need 6 nodes, sim has ${#NODES[@]}"; exit 1; }
N1=${NODES[0]} N2=${NODES[1]} N3=${NODES[2]} N4=${NODES[3]} N5=${NODES[4]} N6=${NODES[5]}
W="$N1,$N2,$N3,$N4"

T=$(mktemp -d /tmp/ct-28-via.XXXXXX)
export CLUSTERTOP_AUDIT_LOG=$T/audit.log
FAILS=0
HOLD=
FROZEN=

ok()   { echo "ok - $*"; }
nok()  { echo "not ok - $*"; FAILS=$((FAILS + 1)); }
check() { local what=$1; shift; if "$@"; then ok "$what"; else nok "$what"; fi; }
jqe()   { jq -e "$@" >/dev/null; }

cleanup() {
	[[ -n $FROZEN ]] && $SIM fault "$FROZEN" thaw-node >/dev/null
	[[ -n $HOLD ]] && scancel "$HOLD" 2>/dev/null
	scontrol update nodename="$N3" state=resume 2>/dev/null
	scontrol update nodename="$N4" state=resume 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

run() {  # run CT ARGS...; sets RC, OUT, ERR
	"$CT" "$@" >"$T/out" 2>"$T/err" </dev/null
	RC=$?
	OUT=$(cat "$T/out")
	ERR=$(cat "$T/err")
}

# Wait (bounded poll) until sinfo shows NODE in a state matching RE.
wait_state() {
	local i
	for ((i = 0; i < 100; i++)); do
		[[ $(sinfo -h -N -n "$1" -o %t) =~ $2 ]] && return 0
		sleep 0.2
	done
	return 1
}

# --- output and exit codes ---------------------------------------------------
run exec --via slurm -w "$W" hostname
check "via slurm: exit 0 from four nodes" test "$RC" -eq 0
for n in $N1 $N2 $N3 $N4; do
	check "via slurm: $n answers with its own name" grep -qx "$n: $n" "$T/out"
done
check "via slurm: nothing on stderr" test -z "$ERR"

CMD='uname -r; echo "to stderr" >&2; [ "$(hostname)" = '$N2' ] && exit 3; true'
"$CT" exec -w "$W" -b "$CMD" >"$T/ssh.b" 2>"$T/ssh.b.err" </dev/null; RC_SSH=$?
run exec --via slurm -w "$W" -b "$CMD"
check "via slurm -b: exit status 3 as over SSH ($RC_SSH)" test "$RC" -eq 3 -a "$RC_SSH" -eq 3
check "via slurm -b: the blocks are the SSH path's, byte for byte" cmp -s "$T/out" "$T/ssh.b"
check "via slurm -b: the exit-code message as over SSH" diff <(sort "$T/err") <(sort "$T/ssh.b.err")

"$CT" exec -w "$W" "$CMD" 2>/dev/null </dev/null | sort >"$T/ssh.p"
run exec --via slurm -w "$W" "$CMD"
check "via slurm: pdsh-style lines as over SSH" diff <(sort "$T/out") "$T/ssh.p"
check "via slurm: stderr lines on stderr, prefixed" grep -qx "$N1: to stderr" "$T/err"

# --- bytes exact: binary stdin to every node, a 200 KB line, no newline -----
head -c 300000 /dev/urandom >"$T/in.bin"
"$CT" exec --via slurm -w "$W" --json 'cat' <"$T/in.bin" >"$T/json" 2>"$T/err"
check "via slurm --json: one object per node" test "$(jq -s length "$T/json")" -eq 4
good=0
while read -r b64; do
	base64 -d <<<"$b64" | cmp -s - "$T/in.bin" && good=$((good + 1))
done < <(jq -r '.stdout_base64' "$T/json")
check "via slurm: 300,000 bytes of binary stdin came back exact from 4 nodes ($good)" test "$good" -eq 4
check "via slurm --json: via, state, exit code" \
	jqe -s 'all(.via == "slurm" and .state == "done" and .exit_code == 0)' "$T/json"

run exec --via slurm -w "$N1" --json 'head -c 200000 /dev/zero | tr "\0" x; printf "\nlast"'
check "via slurm: a 200,000-byte line and a last line without newline, exact" \
	jqe '.stdout == ("x" * 200000) + "\nlast"' <<<"$OUT"
"$CT" exec -w "$N1" --json 'printf "a\nb"; printf "e" >&2' </dev/null | jq -c '{stdout,stderr,exit_code}' >"$T/ssh.j"
"$CT" exec --via slurm -w "$N1" --json 'printf "a\nb"; printf "e" >&2' </dev/null | jq -c '{stdout,stderr,exit_code}' >"$T/slurm.j"
check "via slurm --json: stdout, stderr and exit code as over SSH" cmp -s "$T/ssh.j" "$T/slurm.j"

# --- nodes Slurm cannot use now ----------------------------------------------
scontrol update nodename="$N3" state=drain reason="ct28 disk check"
scontrol update nodename="$N4" state=down reason="ct28 bad dimm"
HOLD=$(sbatch --parsable -w "$N5" --exclusive -J ct28-hold -o /dev/null --wrap 'sleep 600')
check "a job holds $N5" wait_state "$N5" '^alloc'
check "$N3 drained, $N4 down" wait_state "$N3" '^drain'
run exec --via slurm -w "$N1,$N2,$N3,$N4,$N5,$N6" --json hostname
check "unavailable: exit 255 (a node could not run it)" test "$RC" -eq 255
st() { jq -r --arg h "$1" 'select(.host == $h) | "\(.state) \(.node_state)"' <<<"$OUT"; }
check "unavailable: $N3 slurm-unavailable drained" test "$(st "$N3")" = "slurm-unavailable drained"
check "unavailable: $N4 slurm-unavailable down" test "$(st "$N4")" = "slurm-unavailable down"
check "unavailable: $N5 slurm-unavailable allocated" test "$(st "$N5")" = "slurm-unavailable allocated"
check "unavailable: the reason is given ($N3)" \
	jqe --arg h "$N3" -s "any(.host == \$h and (.error | test(\"ct28 disk check\")))" <<<"$OUT"
for n in $N1 $N2 $N6; do
	check "unavailable: $n still ran it" test "$(st "$n")" = "done up"
done
check "unavailable: one line each on stderr" \
	test "$(grep -c 'slurm-unavailable' <<<"$ERR")" -eq 3
run exec --via slurm -w "$N1,$N3,$N5" -b hostname
check "-b: the unavailable nodes' blocks say why" \
	grep -q "^$N3  slurm-unavailable: drained" "$T/out"
check "-b: $N1 ran" grep -qx "$N1" "$T/out"

# Inside an allocation: the step runs there (--overlap), other nodes are out.
salloc -N 2 -w "$N1,$N2" -J ct28-alloc --immediate=20 \
	"$CT" exec --via slurm -w "$N1,$N2,$N6" --json hostname >"$T/alloc" 2>"$T/alloc.err" </dev/null
check "in an allocation: $N1 and $N2 ran in it" \
	test "$(jq -r 'select(.state == "done") | .host' "$T/alloc" | sort | tr '\n' ' ')" = "$N1 $N2 "
check "in an allocation: $N6 is not in it" \
	jqe -s --arg h "$N6" 'any(.host == $h and .node_state == "not-in-allocation")' "$T/alloc"
scancel "$HOLD"; HOLD=
scontrol update nodename="$N3" state=resume
scontrol update nodename="$N4" state=resume
wait_state "$N4" '^idle' >/dev/null

# --- deadlines ---------------------------------------------------------------
run exec --via slurm -w "$N1,$N2" -u 2 'echo started; sleep 300'
check "-u 2: exit 254 (timed out)" test "$RC" -eq 254
check "-u 2: both nodes timed out" test "$(grep -c 'timed out' <<<"$ERR")" -eq 2
gone=0
for ((i = 0; i < 100; i++)); do
	[[ -z $(squeue -h -n clustertop-exec -o %i) ]] && { gone=1; break; }
	sleep 0.2
done
check "-u 2: the step's job is gone from squeue" test "$gone" -eq 1
check "-u 2: no sleep 300 left on $N1" \
	test -z "$(for p in $(ip netns pids "ctsim${SIM_ID}-$N1"); do tr '\0' ' ' </proc/$p/cmdline 2>/dev/null; echo; done | grep 'sleep 300')"

# A hung node that Slurm still calls idle: ended after 2 x -t with the reason.
FROZEN=$N6
$SIM fault "$N6" freeze-node >/dev/null
run exec --via slurm -t 2 -w "$N1,$N6" --json hostname
$SIM fault "$N6" thaw-node >/dev/null; FROZEN=
check "hung slurmd: exit 255" test "$RC" -eq 255
check "hung slurmd: $N1 answered" test "$(st "$N1")" = "done up"
check "hung slurmd: $N6 failed with the reason" \
	jqe --arg h "$N6" -s 'any(.host == $h and .state == "failed" and (.error | test("no task there|Socket timed out|Unable")))' <<<"$OUT"

# --- push --via slurm: sbcast ------------------------------------------------
head -c 3000000 /dev/urandom >"$T/payload.bin"
SUM=$(sha256sum <"$T/payload.bin"); SUM=${SUM%% *}
"$CT" exec -w "$W" 'rm -rf /tmp/ct28; mkdir -p /tmp/ct28' </dev/null >/dev/null 2>&1
run push --via slurm --verify -w "$W" "$T/payload.bin" /tmp/ct28/
check "push --via slurm: exit 0" test "$RC" -eq 0
check "push --via slurm: the summary line says verified" grep -q "to 4 nodes in .*SHA-256 verified" "$T/err"
run exec -w "$W" -b 'sha256sum </tmp/ct28/payload.bin; ls -a /tmp/ct28 | grep -c clustertop-push; true'
check "push --via slurm: every node has the file, exact, no temporary left" \
	test "$(tail -2 "$T/out" | tr '\n' ' ')" = "$SUM  - 0 "
"$CT" exec -w "$N2" 'rm -rf /tmp/ct28' </dev/null >/dev/null 2>&1
scontrol update nodename="$N3" state=drain reason="ct28 push"
wait_state "$N3" '^drain' >/dev/null
run push --via slurm -w "$W" "$T/payload.bin" /tmp/ct28/p2
scontrol update nodename="$N3" state=resume
check "push --via slurm, a drained node and a missing directory: exit 255" test "$RC" -eq 255
check "push --via slurm: the drained node is slurm-unavailable" \
	grep -q "$N3: slurm-unavailable: drained" "$T/err"
check "push --via slurm: the node without the directory says the file did not arrive" \
	grep -q "$N2: the file did not arrive" "$T/err"
run exec -w "$N1,$N4" -b 'sha256sum </tmp/ct28/p2'
check "push --via slurm: the others have it" grep -qx "$SUM  -" "$T/out"
run push --via slurm -r -w "$W" "$T" /tmp/ct28/
check "push --via slurm -r: refused, exit 2, one line" test "$RC" -eq 2 -a "$(wc -l <"$T/err")" -eq 1
run push --via slurm -w "$W" "$T/payload.bin" relative/path
check "push --via slurm to a relative path: refused, exit 2" test "$RC" -eq 2
"$CT" exec -w "$W" 'rm -rf /tmp/ct28' </dev/null >/dev/null 2>&1

# --- bad input, audit ---------------------------------------------------------
run exec --via carrier-pigeon -w "$N1" true
check "--via carrier-pigeon: exit 2" test "$RC" -eq 2
check "--via carrier-pigeon: one line saying why" \
	test "$(wc -l <<<"$ERR")" -eq 1 -a -n "$(grep -- '--via' <<<"$ERR")"
check "audit: start and end records with via slurm" \
	test "$(jq -c 'select(.via == "slurm")' "$T/audit.log" | wc -l)" -ge 2
check "audit: the end record names the Slurm job and the outcome" \
	jqe -s 'any(.event == "end" and .via == "slurm" and .slurm_job != null and .outcome.done > 0)' "$T/audit.log"

echo "# 28-via-slurm: $FAILS failed"
exit $((FAILS > 0))
