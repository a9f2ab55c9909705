#!/bin/bash
# 50-phases.sh -- the nine setup phases end to end on the simulated cluster.
#
# Every phase runs from the CLI (`clustertop phase run N -y`) and must
# succeed; a second run of all of them must report that nothing changed.
# Phase 8 must show 8 ranks from 8 different nodes, phase 9 a job on every
# node. Dry runs must list the commands per node, a run without -y and
# without a terminal must refuse, and --failed must re-run only the nodes
# that failed. The head is this machine: the files the phases change on it
# are put back at the end (set PHASES_KEEP=1 to keep them).
#
#   eval "$(tests/sim/simcluster env)"; tests/integration/50-phases.sh
set -u
set -o pipefail
export LC_ALL=C

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
SIM=${SIMCLUSTER:-$root/tests/sim/simcluster}
CT=${CLUSTERTOP:-$root/build/clustertop}
export SIM_ID=${SIM_ID:-0}
cd "$root" || exit 1

fails=0 t_last=${EPOCHREALTIME/./}
took() {
	local t=${EPOCHREALTIME/./}
	printf -v TOOK '(%d.%d s)' $(( (t - t_last) / 1000000 )) $(( (t - t_last) / 100000 % 10 ))
	t_last=$t
}
ok()     { took; echo "ok - $* $TOOK"; }
not_ok() { took; fails=$((fails + 1)); echo "not ok - $* $TOOK"; }
diag()   { sed 's/^/#   /' | tail -n "${1:-25}"; }

json=$("$SIM" env --json) || { echo "not ok - simcluster env --json (is sim $SIM_ID up?)"; exit 1; }
eval "$("$SIM" env)"
N=$(jq -r '.nodes | length' <<<"$json")
ADMIN=$(jq -r .admin_user <<<"$json")
ADMIN_HOME=$(getent passwd "$ADMIN" | cut -d: -f6)
mapfile -t NAMES < <(jq -r '.nodes[].name' <<<"$json")
FOLDED=$("$CT" hosts -f "${NAMES[@]}" 2>/dev/null || echo "node[01-0$N]")
# The managed blocks name the cluster (Slurm's ClusterName: sim$SIM_ID), so
# that other sims on this machine, which share the head, keep blocks of
# their own.
CLUSTER=$(sed -n 's/^ClusterName=//p' "$SLURM_CONF")
HOSTS_BEGIN="# BEGIN clustertop cluster nodes (phase 3) for $CLUSTER"
[[ -x $CT ]] || { echo "not ok - no clustertop binary at $CT"; exit 1; }

work=$(mktemp -d /tmp/ct-phases.XXXXXX)
export CLUSTERTOP_STATE_DIR=$work/state
export CLUSTERTOP_AUDIT_LOG=${CLUSTERTOP_AUDIT_LOG:-$work/audit.log}
export CLUSTERTOP_ADMIN_USER=$ADMIN
t_start=$(date +%s)

# --- the head's files: saved now, put back at the end -------------------------
head_files=(/etc/hosts /etc/pdsh/machines /etc/pdsh/rcmd_default
	/etc/profile.d/clustertop-pdsh.sh /root/.ssh/config /root/.ssh/known_hosts
	/root/.ssh/authorized_keys /root/.ssh/id_clustertop /root/.ssh/id_clustertop.pub
	/root/.bash_profile "$ADMIN_HOME/.bash_profile" "$ADMIN_HOME/.ssh/known_hosts")
mkdir -p "$work/save"
for f in "${head_files[@]}"; do
	s=$work/save/$(echo "$f" | tr / _)
	if [[ -e $f ]]; then cp -p "$f" "$s"; else : > "$s.absent"; fi
done
restore_head() {
	[[ -n ${PHASES_KEEP:-} ]] && return
	local f s
	for f in "${head_files[@]}"; do
		s=$work/save/$(echo "$f" | tr / _)
		if [[ -e $s.absent ]]; then rm -f "$f"
		elif [[ -e $s ]]; then cat "$s" > "$f"; fi   # in place: /etc/hosts may be a mount
	done
	# the backups the phases made of the head's files during this test
	find /etc /root "$ADMIN_HOME" -maxdepth 3 -name '*.clustertop-*' -newermt "@$t_start" \
		-delete 2>/dev/null
	rm -rf "$work"
}
trap restore_head EXIT

run() {  # NAME CMD...: run, keep output in $OUT and status in $RC
	local name=$1; shift
	OUT=$("$@" 2>&1 </dev/null); RC=$?
	printf '%s\n' "$OUT" > "$work/$name.out"
}

# --- list, show, dry run, refusal -------------------------------------------------
run list "$CT" phase list
if [[ $RC -eq 0 && $(grep -cE '^ [1-9]  ' <<<"$OUT") -eq 9 ]]; then
	ok "phase list shows the nine phases"
else
	not_ok "phase list (rc $RC)"; diag <<<"$OUT"
fi

run show "$CT" phase show 3
if [[ $RC -eq 0 ]] && grep -q 'marker:   # BEGIN clustertop cluster nodes' <<<"$OUT" &&
	grep -q 'path:     /etc/hosts' <<<"$OUT"; then
	ok "phase show 3 shows the steps as templates"
else
	not_ok "phase show 3 (rc $RC)"; diag <<<"$OUT"
fi

run dry3 "$CT" phase run 3 --dry-run
addr1=$(jq -r '.nodes[0].addr' <<<"$json")
if [[ $RC -eq 0 ]] && grep -qF "on:  the head node, then $FOLDED ($N nodes)" <<<"$OUT" &&
	grep -qP "^    \| $addr1\t${NAMES[0]}$" <<<"$OUT" &&
	grep -q 'dry run: nothing was changed' <<<"$OUT"; then
	ok "dry run of phase 3 lists what runs on the head and on $FOLDED, with the content"
else
	not_ok "dry run of phase 3 (rc $RC)"; diag <<<"$OUT"
fi

run dry1 "$CT" phase run 1 --dry-run -w "${NAMES[1]}"
if [[ $RC -eq 0 ]] && grep -qF "on:  the head node, then ${NAMES[1]} (1 node)" <<<"$OUT" &&
	grep -q 'set -- pdsh nvme-cli screen pcp htop strace linux-perf' <<<"$OUT"; then
	ok "dry run of phase 1 maps package names per distribution (-w ${NAMES[1]})"
else
	not_ok "dry run of phase 1"; diag <<<"$OUT"
fi

before=$(md5sum < /etc/hosts)
run refuse "$CT" phase run 3
if [[ $RC -eq 2 ]] && grep -q 'refusing to run without confirmation' <<<"$OUT" &&
	[[ $(md5sum < /etc/hosts) == "$before" ]]; then
	ok "without -y and without a terminal, phase run refuses (exit 2) and changes nothing"
else
	not_ok "phase run without -y (rc $RC)"; diag <<<"$OUT"
fi

# --- every phase, first run ---------------------------------------------------------
# Phase 6 needs something to wipe: a file system on one node's instance store.
dev=$("$SIM" exec "${NAMES[1]}" head -n 1 /etc/clustertop/instance-store.list)
mkfs.ext4 -q -F "$dev" >/dev/null 2>&1 || echo "# could not mkfs $dev"

PKGS="tree htop psmisc"
for p in 1 2 3 4 5 6 7 8 9; do
	extra=()
	[[ $p == 1 ]] && extra=(--set "packages=$PKGS")
	run "run$p" timeout 1500 "$CT" phase run "$p" -y "${extra[@]}"
	summary=$(grep "^phase $p: " <<<"$OUT" | tail -n 1)
	if [[ $RC -eq 0 && -n $summary ]] && ! grep -q failed <<<"$summary"; then
		ok "phase $p runs end to end: ${summary#phase $p: }"
	else
		not_ok "phase $p (rc $RC): $summary"; diag 40 <<<"$OUT"
	fi
done

# What the first run did, phase by phase.
if grep -qE "^(installed|already there):.*tree" "$work/run1.out"; then
	ok "phase 1 reports per node what was installed or already there"
else
	not_ok "phase 1 report"; diag <"$work/run1.out"
fi
if grep -q "^node" "$work/run2.out" && [[ $(grep -cE '^node[0-9]+: node[0-9]+$' "$work/run2.out") -ge $N ]]; then
	ok "phase 2: pdsh hostname answers from all $N nodes"
else
	not_ok "phase 2: pdsh hostname"; diag <"$work/run2.out"
fi
blocks=$("$SIM" exec "${NAMES[2]}" grep -cxF "$HOSTS_BEGIN" /etc/hosts)
if [[ $blocks == 1 ]] && grep -q "${NAMES[$((N - 1))]}" /etc/hosts &&
	"$SIM" exec "${NAMES[2]}" grep -q "^$addr1	${NAMES[0]}$" /etc/hosts; then
	ok "phase 3: one managed block in /etc/hosts on the head and on ${NAMES[2]}"
else
	not_ok "phase 3: /etc/hosts block ($blocks blocks)"
fi
if [[ $(grep -c ': ok (' "$work/run4.out") -eq $N ]] && grep -q 'PermitRootLogin' "$work/run4.out"; then
	ok "phase 4: ssh from ${NAMES[0]} to every node as root, host keys checked"
else
	not_ok "phase 4: ssh between nodes"; diag <"$work/run4.out"
fi
if "$SIM" exec "${NAMES[0]}" ssh -n -o BatchMode=yes "${NAMES[$((N - 1))]}" true 2>&1 &&
	"$SIM" exec "${NAMES[0]}" grep -q "^${NAMES[1]},[0-9.]* ssh-ed25519 " /root/.ssh/known_hosts; then
	ok "phase 4: known_hosts on the nodes holds the verified keys (no accept-new)"
else
	not_ok "phase 4: known_hosts on ${NAMES[0]}"
fi
if grep -q 'PDSH_RCMD_TYPE=ssh WCOLL=/etc/pdsh/machines EDITOR=vi' "$work/run5.out"; then
	ok "phase 5: the administrator's login shell has the environment block"
else
	not_ok "phase 5: login environment"; diag <"$work/run5.out"
fi
if grep -q "wipefs -a '$dev'" "$work/run6.out" && ! wipefs -n "$dev" 2>/dev/null | grep -q ext4; then
	ok "phase 6: the instance-store device $dev of ${NAMES[1]} was wiped"
else
	not_ok "phase 6: wipe of $dev"; diag <"$work/run6.out"
fi
if grep -qE '^sar: sysstat|^pcp: ' "$work/run7.out" && grep -q '^nmon: ' "$work/run7.out"; then
	ok "phase 7: htop, nmon, iperf3 and sysstat run on the head and the nodes"
else
	not_ok "phase 7: tools"; diag <"$work/run7.out"
fi
ranks=$(grep -c '^Hello world from processor node[0-9]*, rank [0-9]* out of '"$N"' processors$' "$work/run8.out")
hosts=$(sed -n 's/^Hello world from processor \([^,]*\),.*/\1/p' "$work/run8.out" | sort -u | wc -l)
if [[ $ranks -eq $N && $hosts -eq $N ]] && grep -q 'srun --mpi=pmix' "$work/run8.out"; then
	ok "phase 8: mpi-test.out shows $N ranks from $N different nodes (srun --mpi=pmix*)"
else
	not_ok "phase 8: $ranks ranks from $hosts nodes"; diag <"$work/run8.out"
fi
if [[ $(grep -c '^passed: node' "$work/run9.out") -eq $N ]] &&
	grep -q 'the job across all of them completed' "$work/run9.out" &&
	grep -qE '^job [0-9]+ \(one node\): (RUNNING|COMPLETED) on ' "$work/run9.out"; then
	ok "phase 9: a job ran on every node and one across all (states followed)"
else
	not_ok "phase 9: slurm jobs"; diag <"$work/run9.out"
fi

# --- second run: nothing changes -------------------------------------------------
run all2 timeout 2400 "$CT" phase run all -y -q --set "packages=$PKGS"
n_same=$(grep -c -- '-- nothing changed$' <<<"$OUT")
if [[ $RC -eq 0 && $n_same -eq 9 ]]; then
	ok "phase run all, second time: all nine phases report nothing changed"
else
	not_ok "second run: $n_same of 9 phases unchanged (rc $RC)"; diag <<<"$OUT"
fi
blocks=$(grep -cxF "$HOSTS_BEGIN" /etc/hosts)
if [[ $blocks == 1 ]]; then
	ok "/etc/hosts still holds exactly one managed block for $CLUSTER"
else
	not_ok "/etc/hosts holds $blocks managed blocks for $CLUSTER"
fi

# Another cluster's block on the same head (another sim on this machine, or
# a head that serves two clusters): left alone, and ours is still current.
other="clustertop cluster nodes (phase 3) for other$SIM_ID"
printf '# BEGIN %s\n10.250.0.2\tother%s-n01\n# END %s\n' "$other" "$SIM_ID" "$other" >> /etc/hosts
run other3 timeout 600 "$CT" phase run 3 -y -q
if [[ $RC -eq 0 ]] && grep -q -- '-- nothing changed$' <<<"$OUT" &&
	[[ $(grep -cxF "# BEGIN $other" /etc/hosts) == 1 ]] &&
	grep -qP "^10\.250\.0\.2\tother$SIM_ID-n01$" /etc/hosts; then
	ok "another cluster's block in the head's /etc/hosts: phase 3 changes nothing, and keeps it"
else
	not_ok "another cluster's block (rc $RC)"; diag <<<"$OUT"
fi
h=$(grep -vxF -e "# BEGIN $other" -e "# END $other" -e "10.250.0.2	other$SIM_ID-n01" /etc/hosts) &&
	printf '%s\n' "$h" > /etc/hosts

# {clustertop} is pinned: a step that runs clustertop gets this run's binary
# even when the file it was started from is rebuilt meanwhile (make while a
# phase runs). A copy of the binary runs a one-step phases file whose head
# step waits for a go file, then runs {clustertop}; the copy is overwritten
# (as a rebuild would) before the go.
pin=$work/pin; mkdir -p "$pin"
cp "$CT" "$pin/clustertop"
cat > "$pin/phases.json" <<EOF
{ "version": 1, "variables": {},
  "phases": [ { "number": 1, "name": "pin", "title": "pinned binary",
    "steps": [ { "name": "run clustertop", "where": "head", "timeout": 300,
      "command": [ "i=0; while [ ! -e $pin/go ] && [ \$i -lt 3000 ]; do sleep 0.1; i=\$((i+1)); done",
                   "echo \"self={clustertop}\"; {clustertop} hosts -c 'pin[1-3]'" ] } ] } ] }
EOF
CLUSTERTOP_STATE_DIR=$pin/state "$pin/clustertop" phase run 1 -y --phases "$pin/phases.json" -w "${NAMES[0]}" \
    >"$pin/out" 2>&1 &
pin_pid=$!
for (( i = 0; i < 600; i++ )); do
	compgen -G "$pin/state/bin/clustertop.*" >/dev/null && break
	sleep 0.1
done
copy=$(compgen -G "$pin/state/bin/clustertop.*" | head -1)
same=no; [[ -n $copy ]] && cmp -s "$copy" "$CT" && same=yes
printf '#!/bin/sh\necho rebuilt >&2; exit 99\n' > "$pin/clustertop.new" && chmod +x "$pin/clustertop.new" &&
	mv -f "$pin/clustertop.new" "$pin/clustertop"
: > "$pin/go"
wait "$pin_pid"; rc=$?
if [[ $rc -eq 0 && $same == yes ]] && grep -qxF "self=$copy" "$pin/out" && grep -qx 3 "$pin/out" &&
	! grep -q rebuilt "$pin/out"; then
	ok "{clustertop} is a copy of the running binary ($copy): the file rebuilt mid-run does not matter"
else
	not_ok "{clustertop} pinned (rc $rc, copy ${copy:-none}, same $same)"; diag <"$pin/out"
fi
if [[ -n $copy && ! -e $copy ]] && [[ $(stat -c %a "$pin/state/bin") == 700 ]]; then
	ok "the copy is removed when clustertop exits; its directory is 0700"
else
	not_ok "the pinned copy after exit (${copy:-none} still there, or bin/ not 0700)"
fi

# --- the tests on their own ----------------------------------------------------------
run tmpi timeout 900 "$CT" test mpi
if [[ $RC -eq 0 ]] && [[ $(grep -c 'Hello world from processor' <<<"$OUT") -eq $N ]]; then
	ok "clustertop test mpi: $N ranks"
else
	not_ok "clustertop test mpi (rc $RC)"; diag <<<"$OUT"
fi
run tslurm timeout 900 "$CT" test slurm -w "${NAMES[0]},${NAMES[1]}"
if [[ $RC -eq 0 ]] && [[ $(grep -c 'passed: node' <<<"$OUT") -eq 2 ]]; then
	ok "clustertop test slurm -w ${NAMES[0]},${NAMES[1]}: a job on each"
else
	not_ok "clustertop test slurm (rc $RC)"; diag <<<"$OUT"
fi

# --- a failed node, then --failed re-runs only it -------------------------------------
bad=${NAMES[2]}
"$SIM" fault "$bad" stop-sshd >/dev/null
run fail3 timeout 600 "$CT" phase run 3 -y -t 3
"$SIM" fault "$bad" start-sshd >/dev/null
if [[ $RC -eq 1 ]] && grep -q "^phase 3: .*failed $bad (1)" <<<"$OUT" &&
	grep -q 'clustertop phase run 3 --failed' <<<"$OUT"; then
	ok "phase 3 with $bad's sshd stopped: only $bad fails, exit 1"
else
	not_ok "phase 3 with a failed node (rc $RC)"; diag <<<"$OUT"
fi
# (start-sshd returns once the node's sshd listens: no wait needed here.)
run refail "$CT" phase run 3 --failed -y
sum=$(grep '^phase 3:' <<<"$OUT")
if [[ $RC -eq 0 ]] && grep -qE "(head,|[ ,])$bad \(" <<<"$sum" &&
	! grep -q "${NAMES[0]}" <<<"$sum" && ! grep -q failed <<<"$sum"; then
	ok "phase run 3 --failed re-runs only $bad, which now passes"
else
	not_ok "phase run 3 --failed (rc $RC)"; diag <<<"$OUT"
fi
run refail2 "$CT" phase run 3 --failed -y
if [[ $RC -eq 0 ]] && grep -q 'no node failed its last run' <<<"$OUT"; then
	ok "after that, --failed has nothing left to re-run"
else
	not_ok "second --failed (rc $RC)"; diag <<<"$OUT"
fi

# --- the audit log ---------------------------------------------------------------
if grep -q '"label":"phase 3"' "$CLUSTERTOP_AUDIT_LOG" &&
	grep -q '"event":"phase-end","label":"phase 9"' "$CLUSTERTOP_AUDIT_LOG" &&
	grep -q '"where":"head"' "$CLUSTERTOP_AUDIT_LOG"; then
	ok "every phase run is in the audit log (node jobs and head steps)"
else
	not_ok "audit log"; tail -n 5 "$CLUSTERTOP_AUDIT_LOG" | diag
fi

exit $(( fails > 0 ))
