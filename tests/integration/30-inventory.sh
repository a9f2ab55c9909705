#!/bin/bash
# 30-inventory.sh -- `clustertop nodes` and the Slurm helper on the simulated
# cluster: the node list from Slurm (NodeAddr, states, drain), and every way
# Slurm can fail (missing SLURM_CONF, controller unreachable, garbage
# slurm.conf) degrading to $WCOLL with a visible warning instead of a hang or
# a crash. Assertions are on behaviour (source used, warning text), never on
# seconds; the elapsed times are printed as diagnostics.
#
#   SIM_ID=4 tests/sim/simcluster up -n 8
#   CLUSTERTOP=build/clustertop SIM_ID=4 tests/integration/30-inventory.sh
set -u
set -o pipefail
export LC_ALL=C

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
SIM=${SIMCLUSTER:-$root/tests/sim/simcluster}
CT=${CLUSTERTOP:-$root/build/clustertop}
export SIM_ID=${SIM_ID:-0}

fails=0
ok()     { echo "ok - $*"; }
not_ok() { fails=$((fails + 1)); echo "not ok - $*"; }
diag()   { sed 's/^/#   /' | head -n 20; }
now()    { date +%s.%N; }
since()  { echo "$(now) - $1" | bc | sed 's/^\./0./'; }

[[ -x $CT ]] || { echo "not ok - no clustertop binary at $CT"; exit 1; }
json=$("$SIM" env --json) || { echo "not ok - simcluster env (is sim $SIM_ID up?)"; exit 1; }
eval "$("$SIM" env)"
N=$(jq -r '.nodes | length' <<<"$json")
HEAD=$(jq -r .head_addr <<<"$json")
PORT=$(jq -r .slurmctld_port <<<"$json")
sim_conf=$SLURM_CONF
tmp=$(mktemp -d /tmp/ct-30-inventory.XXXXXX)
DRAINED=
cleanup() {
	[[ -n $DRAINED ]] && scontrol update nodename="$DRAINED" state=resume >/dev/null 2>&1
	rm -rf "$tmp"
}
trap cleanup EXIT
echo "# sim $SIM_ID: $N nodes, controller $HEAD:$PORT, clustertop $CT"

# run NAME ARGS...: clustertop with stdout/stderr/status in $tmp/NAME.*.
# `timeout` only guards the suite against a hang; nothing asserts on time.
run() {
	local name=$1; shift
	local t0; t0=$(now)
	timeout -k 5 120 "$@" >"$tmp/$name.out" 2>"$tmp/$name.err"
	echo $? >"$tmp/$name.rc"
	echo "# $name: exit $(cat "$tmp/$name.rc") after $(since "$t0") s"
}
rc()  { cat "$tmp/$1.rc"; }

# 1. Slurm is the source: N nodes, each with its NodeAddr, idle.
#    (Nodes can be briefly not responding or busy after other tests: wait.)
for i in $(seq 1 30); do
	run slurm "$CT" nodes --json
	idle=$(jq '[.nodes[] | select(.state == "idle")] | length' "$tmp/slurm.out" 2>/dev/null)
	[[ $idle == "$N" ]] && break
	sleep 2
done
want=$(jq -c '[.nodes[] | {name, addr}] | sort_by(.name)' <<<"$json")
got=$(jq -c '[.nodes[] | {name, addr}] | sort_by(.name)' "$tmp/slurm.out" 2>/dev/null)
if [[ $(rc slurm) == 0 && $(jq -r .source "$tmp/slurm.out") == slurm &&
      $got == "$want" && $idle == "$N" && ! -s $tmp/slurm.err ]]; then
	ok "nodes: source slurm, all $N nodes with their NodeAddr, idle, no warning"
else
	not_ok "nodes from Slurm (idle: ${idle:-?}/$N)"
	{ cat "$tmp/slurm.err"; jq -c '.nodes[] | [.name, .addr, .state]' "$tmp/slurm.out"; } 2>&1 | diag
fi
part=$(jq -r .partition <<<"$json")
if jq -e --arg p "$part" 'all(.nodes[]; .partitions == $p and .cpus > 0 and .memory_mb > 0)' \
	"$tmp/slurm.out" >/dev/null 2>&1; then
	ok "nodes: partitions ($part), CPUs and memory come from Slurm"
else
	not_ok "nodes: partitions, CPUs, memory"; jq -c '.nodes[0]' "$tmp/slurm.out" 2>&1 | diag
fi

# 2. The table form says where the list came from.
run table "$CT" nodes
if [[ $(rc table) == 0 ]] && head -1 "$tmp/table.out" | grep -q '^NODE  *ADDR  *STATE' &&
   grep -q "^$N nodes from slurm\$" "$tmp/table.out" &&
   grep -q "^node01 .*$(jq -r '.nodes[0].addr' <<<"$json") .*idle" "$tmp/table.out"; then
	ok "nodes: table with header, node01's address and state, '$N nodes from slurm'"
else
	not_ok "nodes: table"; diag <"$tmp/table.out"
fi

# 3. A drained node shows as drained, with its reason; and comes back.
node=$(jq -r '.nodes[1].name' <<<"$json")
if scontrol update nodename="$node" state=drain reason=ct-inventory-test; then
	DRAINED=$node
	run drain "$CT" nodes -w "$node" --json
	if jq -e '.nodes[0] | (.state == "drain" or .state == "drng") and
	    (.flags | index("drain")) and .reason == "ct-inventory-test"' \
	    "$tmp/drain.out" >/dev/null 2>&1; then
		ok "drain: $node shows drain with reason ct-inventory-test"
	else
		not_ok "drain: $node state"; diag <"$tmp/drain.out"
	fi
	scontrol update nodename="$node" state=resume && DRAINED=
	for i in $(seq 1 15); do
		run resume "$CT" nodes -w "$node" --json
		jq -e '.nodes[0].state == "idle"' "$tmp/resume.out" >/dev/null 2>&1 && break
		sleep 1
	done
	if jq -e '.nodes[0] | .state == "idle" and (.flags | index("drain") | not)' \
	    "$tmp/resume.out" >/dev/null 2>&1; then
		ok "drain: after resume $node is idle again"
	else
		not_ok "drain: resume"; diag <"$tmp/resume.out"
	fi
else
	not_ok "drain: scontrol update failed"
fi

# 4. SLURM_CONF names a missing file: our stat() catches it (libslurm itself
#    would retry for a minute), WCOLL is used, and the warning says why.
run missing env SLURM_CONF="$tmp/no-such-slurm.conf" "$CT" nodes
if [[ $(rc missing) == 0 ]] && grep -q "^$N nodes from WCOLL\$" "$tmp/missing.out" &&
   grep -q "warning: Slurm not used: SLURM_CONF=$tmp/no-such-slurm.conf: No such file or directory" \
	"$tmp/missing.err"; then
	ok "missing SLURM_CONF: falls back to WCOLL at once, warning names the file"
else
	not_ok "missing SLURM_CONF"; cat "$tmp/missing.err" "$tmp/missing.out" | diag
fi

# 5. Controller unreachable: a copy of slurm.conf with a closed port, and one
#    with the controller on an unused address of the sim's own subnet.
closed=$((PORT + 3000))
while ss -Htln "sport = :$closed" | grep -q .; do closed=$((closed + 1)); done
sed "s/^SlurmctldPort=.*/SlurmctldPort=$closed/" "$sim_conf" >"$tmp/closed-port.conf"
p2=$(cut -d. -f1-2 <<<"$HEAD")
sed "s/^SlurmctldHost=.*/SlurmctldHost=head($p2.255.254)/" "$sim_conf" >"$tmp/blackhole.conf"
for kind in closed-port blackhole; do
	run "$kind" env SLURM_CONF="$tmp/$kind.conf" "$CT" nodes
	if [[ $(rc "$kind") == 0 ]] && grep -q "^$N nodes from WCOLL\$" "$tmp/$kind.out" &&
	   grep -Eq "warning: Slurm not used: (no answer from Slurm within|.*Unable to contact)" \
		"$tmp/$kind.err"; then
		ok "controller unreachable ($kind): WCOLL within the bound, with a warning"
	else
		not_ok "controller unreachable ($kind)"; cat "$tmp/$kind.err" | diag
	fi
	run "$kind-w" env SLURM_CONF="$tmp/$kind.conf" "$CT" nodes -w node01 --json
	if [[ $(rc "$kind-w") == 0 ]] &&
	   jq -e '.source == "-w" and .count == 1 and .nodes[0].state == null and
		(.warning | startswith("Slurm data not used"))' "$tmp/$kind-w.out" >/dev/null; then
		ok "controller unreachable ($kind): -w still works, without Slurm data, with a warning"
	else
		not_ok "controller unreachable ($kind), -w"; cat "$tmp/$kind-w.err" "$tmp/$kind-w.out" | diag
	fi
done
# The bound is configurable (--timeout, $CLUSTERTOP_SLURM_TIMEOUT).
run closed-long env SLURM_CONF="$tmp/closed-port.conf" CLUSTERTOP_SLURM_TIMEOUT=30 "$CT" nodes
if [[ $(rc closed-long) == 0 ]] && grep -q "Unable to contact slurm controller" "$tmp/closed-long.err"; then
	ok "controller unreachable, longer bound: libslurm's own connect error is reported"
else
	not_ok "controller unreachable, longer bound"; cat "$tmp/closed-long.err" | diag
fi

# 6. A broken slurm.conf: libslurm exit()s -- in the helper only.
printf 'this is not\n[a slurm.conf]\nFooBar=1\n' >"$tmp/garbage.conf"
run garbage env SLURM_CONF="$tmp/garbage.conf" "$CT" nodes
if [[ $(rc garbage) == 0 ]] && grep -q "^$N nodes from WCOLL\$" "$tmp/garbage.out" &&
   grep -q "warning: Slurm not used: the Slurm helper exited with status 1: fatal: Unable to process configuration file" \
	"$tmp/garbage.err" &&
   [[ $(grep -vc '^clustertop nodes: warning:' "$tmp/garbage.err") == 0 ]]; then
	ok "garbage slurm.conf: clustertop survives, says why, libslurm's chatter stays hidden"
else
	not_ok "garbage slurm.conf"; cat "$tmp/garbage.err" | diag
fi

# 7. No Slurm, no WCOLL: the host file (XDG config), then a clear failure.
mkdir -p "$tmp/xdg/clustertop"
printf '# test hosts\nnode0[1-2]\n' >"$tmp/xdg/clustertop/hosts"
run hostfile env -u WCOLL SLURM_CONF="$tmp/garbage.conf" XDG_CONFIG_HOME="$tmp/xdg" "$CT" nodes
if [[ $(rc hostfile) == 0 ]] && grep -q '^2 nodes from hostfile$' "$tmp/hostfile.out"; then
	ok "host file: \$XDG_CONFIG_HOME/clustertop/hosts is used without Slurm and WCOLL"
else
	not_ok "host file fallback"; cat "$tmp/hostfile.err" "$tmp/hostfile.out" | diag
fi
if [[ ! -e /etc/clustertop/hosts ]]; then
	run none env -u WCOLL SLURM_CONF="$tmp/garbage.conf" XDG_CONFIG_HOME="$tmp/empty" "$CT" nodes
	if [[ $(rc none) == 1 ]] && grep -q 'no node list' "$tmp/none.err"; then
		ok "no source at all: exit 1 with 'no node list' and the reasons"
	else
		not_ok "no source at all"; cat "$tmp/none.err" | diag
	fi
fi

# 8. -w/-x and usage errors.
run wx "$CT" nodes -w 'node[01-04]' -x 'node0[2-3]' --json
if jq -e '.source == "-w" and ([.nodes[].name] == ["node01","node04"]) and
    .nodes[0].addr != null and .nodes[0].state != null' "$tmp/wx.out" >/dev/null 2>&1; then
	ok "-w node[01-04] -x node0[2-3]: node01 node04, enriched from Slurm"
else
	not_ok "-w/-x"; diag <"$tmp/wx.out"
fi
run badw "$CT" nodes -w 'node[01-'
run badopt "$CT" nodes --bogus
if [[ $(rc badw) == 2 && $(rc badopt) == 2 ]] && grep -q -- '-w' "$tmp/badw.err"; then
	ok "bad host list and bad option: exit 2"
else
	not_ok "usage errors (exit $(rc badw), $(rc badopt))"; cat "$tmp/badw.err" | diag
fi

# 9. The helper itself: JSON nodes, and a batch job submitted and followed
#    (the plumbing phase 9 uses).
run helper "$CT" slurm-helper nodes
if [[ $(rc helper) == 0 ]] &&
   jq -e --argjson n "$N" '.type == "nodes" and (.nodes | length) == $n and
	all(.nodes[]; .addr != null and .hostname != null and (.state | type) == "number")' \
	"$tmp/helper.out" >/dev/null; then
	ok "slurm-helper nodes: one JSON line with $N nodes"
else
	not_ok "slurm-helper nodes"; cat "$tmp/helper.err" "$tmp/helper.out" | diag
fi
printf '#!/bin/sh\necho "job $SLURM_JOB_ID on $(hostname)"\n' >"$tmp/job.sh"
run submit "$CT" slurm-helper submit --nodes 1 --nodelist node01 --script "$tmp/job.sh" \
	--output "/tmp/ct-30-inventory-%j.out" --name ct-30-inventory --time 5
jobid=$(jq -r '.job_id // empty' "$tmp/submit.out" 2>/dev/null)
if [[ $(rc submit) == 0 && -n $jobid ]]; then
	run job "$CT" slurm-helper job "$jobid" --interval 500
	if [[ $(rc job) == 0 ]] && tail -1 "$tmp/job.out" | jq -e --arg id "$jobid" \
	    '.finished and .state == "COMPLETED" and .exit_code == 0 and .nodes == "node01" and
	     .stdout == "/tmp/ct-30-inventory-\($id).out"' >/dev/null; then
		ok "slurm-helper submit + job: job $jobid COMPLETED on node01, stdout path expanded"
	else
		not_ok "slurm-helper job $jobid"; cat "$tmp/job.err" "$tmp/job.out" | diag
	fi
else
	not_ok "slurm-helper submit"; cat "$tmp/submit.err" "$tmp/submit.out" | diag
fi
run nojob "$CT" slurm-helper job 999999999
if [[ $(rc nojob) == 1 ]] && jq -e '.type == "error"' "$tmp/nojob.out" >/dev/null 2>&1; then
	ok "slurm-helper job on an unknown id: an error object, exit 1"
else
	not_ok "slurm-helper unknown job"; cat "$tmp/nojob.out" | diag
fi

exit $((fails > 0))
