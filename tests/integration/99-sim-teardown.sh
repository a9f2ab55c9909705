#!/bin/bash
# 99-sim-teardown.sh -- `simcluster down`, then check that nothing of the
# sim is left: no network namespace, bridge, veth, loop device on the sim's
# backing files, daemon (by the pids the sim recorded), or state directory.
# SIM_ID picks the instance.  Prints "ok - ..." / "not ok - ..." per check.
set -u
set -o pipefail
export LC_ALL=C

here=$(cd "$(dirname "$0")" && pwd)
SIM=${SIMCLUSTER:-$here/../sim/simcluster}
SIM_ID=${SIM_ID:-0}
export SIM_ID

fails=0
ok()     { echo "ok - $*"; }
not_ok() { fails=$((fails + 1)); echo "not ok - $*"; }

# What the sim says it made, recorded before it goes away.  When it is not
# up (or half up), fall back to the names derived from SIM_ID.
state=${SIM_BASE:-/var/lib/clustertop-sim}/$SIM_ID
nsp=ctsim${SIM_ID}-
bridge=ctsim${SIM_ID}br
veths="" pids="" netns="" munged=""
if json=$("$SIM" env --json 2>/dev/null); then
	state=$(jq -r .state_dir <<<"$json")
	bridge=$(jq -r .bridge <<<"$json")
	netns=$(jq -r '.nodes[].netns' <<<"$json")
	veths=$(jq -r '.nodes[].veth' <<<"$json")
	pids=$(jq -r '[.pid_slurmctld, (.nodes[] | .pid_sshd, .pid_slurmd, .pid_anchor)] | map(select(. != null)) | .[]' <<<"$json")
	munged=$(jq -r '.pid_munged_started // empty' <<<"$json")
fi
# Also every pid file the sim keeps (sessions, restarted daemons).
for f in "$state"/run/*.pid; do [[ -r $f ]] && pids+=$'\n'$(cat "$f"); done
pids=$(grep -E '^[0-9]+$' <<<"$pids" | sort -un)

# A process is identified by its pid AND its start time: pids are reused
# quickly on a busy machine.
declare -A started
starttime() {  # PID -> start time (clock ticks since boot), or nothing
	local st
	read -r st 2>/dev/null < "/proc/$1/stat" || return 1
	st=${st##*) }
	read -r -a st <<<"$st"
	echo "${st[19]}"
}
for p in $pids $munged; do started[$p]=$(starttime "$p"); done

if out=$("$SIM" down 2>&1); then
	ok "simcluster down"
else
	not_ok "simcluster down: $out"
fi

left=$(ip netns list 2>/dev/null | awk '{print $1}' | grep -E "^${nsp}" || true)
for n in $netns; do [[ -e /run/netns/$n ]] && left+=" $n"; done
[[ -z $left ]] && ok "no network namespace ${nsp}*" || not_ok "namespaces left: $(echo $left)"

ip link show "$bridge" >/dev/null 2>&1 && not_ok "bridge $bridge left" || ok "no bridge $bridge"

left=""
for v in $veths; do ip link show "$v" >/dev/null 2>&1 && left+=" $v"; done
left+=$(ip -o link show 2>/dev/null | awk -F': ' -v re="^ctsim${SIM_ID}v[0-9]+(@|$)" '$2 ~ re { sub(/@.*/, "", $2); printf " %s", $2 }')
[[ -z $left ]] && ok "no veth of the sim" || not_ok "veths left:$left"

left=$(losetup -l -n -O NAME,BACK-FILE 2>/dev/null | awk -v d="$state/disks/" 'index($2, d) == 1')
[[ -z $left ]] && ok "no loop device on $state/disks/*" || not_ok "loop devices left: $left"

# A munged the sims started stays while another instance still uses it.
others=$(ls "${state%/*}"/*/sim.env 2>/dev/null)
if [[ -n $munged && -z $others ]]; then
	pids+=$'\n'$munged
elif [[ -n $munged ]]; then
	echo "# munged $munged stays: other sims are up ($(echo $others))"
fi
left=""
for p in $pids; do
	[[ -n ${started[$p]:-} ]] || continue            # was not running before down
	[[ $(starttime "$p") == "${started[$p]}" ]] || continue   # gone, or pid reused
	read -r st 2>/dev/null < "/proc/$p/stat" || continue
	st=${st##*) }
	[[ ${st:0:1} != Z && ${st:0:1} != X ]] && left+=" $p($(cat "/proc/$p/comm" 2>/dev/null))"
done
[[ -z $left ]] && ok "no daemon of the sim alive ($(echo $pids | wc -w) recorded pids checked)" ||
	not_ok "processes left:$left"

left=""
for f in /proc/[0-9]*; do
	mapfile -d "" args 2>/dev/null < "$f/cmdline" || continue
	[[ "${args[*]}" == *"$state/"* ]] && left+=" ${f#/proc/}"
done
left=$(for p in $left; do [[ $p != "$$" ]] && echo "$p"; done)
[[ -z $left ]] && ok "no process mentions $state/" || not_ok "processes mentioning $state/: $(echo $left)"

[[ ! -e $state ]] && ok "state directory $state removed" || not_ok "state directory $state left"

(( fails == 0 ))
