#!/bin/bash
# 10-sim-smoke.sh -- smoke test of an UP simulated cluster (tests/sim/simcluster).
#
# Uses only what the sim hands a user: `simcluster env --json` (SIM_ID picks
# the instance), its ssh_config / ssh_config.ctadmin / known_hosts with host
# key checking on, and its slurm.conf.  Prints "ok - ..." / "not ok - ..."
# per check; exits non-zero when any check fails.
#
#   tests/sim/simcluster up -n 8 && tests/integration/10-sim-smoke.sh
set -u
set -o pipefail
export LC_ALL=C

here=$(cd "$(dirname "$0")" && pwd)
SIM=${SIMCLUSTER:-$here/../sim/simcluster}
SIM_ID=${SIM_ID:-0}
export SIM_ID

fails=0 checks=0 t_last=${EPOCHREALTIME/./}
took() {  # sets $TOOK: time since the previous check
	local t=${EPOCHREALTIME/./}
	printf -v TOOK '(%d.%d s)' $(( (t - t_last) / 1000000 )) $(( (t - t_last) / 100000 % 10 ))
	t_last=$t
}
ok()     { took; checks=$((checks + 1)); echo "ok - $* $TOOK"; }
not_ok() { took; checks=$((checks + 1)); fails=$((fails + 1)); echo "not ok - $* $TOOK"; }
diag()   { sed 's/^/#   /' | head -n 20; }

json=$("$SIM" env --json) || { echo "not ok - simcluster env --json (is sim $SIM_ID up?)"; exit 1; }
jqr() { jq -r "$@" <<<"$json"; }
N=$(jqr '.nodes | length')
STATE=$(jqr .state_dir)
SSHCFG=$(jqr .files.ssh_config)
SSHCFG_ADM=$(jqr .files.ssh_config_ctadmin)
KNOWN=$(jqr .files.known_hosts)
export SLURM_CONF
SLURM_CONF=$(jqr .files.slurm_conf)
mapfile -t NAMES < <(jqr '.nodes[].name')
echo "# sim $SIM_ID: $N nodes, state $STATE"
(( N > 0 )) || { echo "not ok - sim has no nodes"; exit 1; }

# Host key checking stays on for every ssh below.
SSH_OPTS=(-o StrictHostKeyChecking=yes -o BatchMode=yes -o ConnectTimeout=10)
rssh() { timeout 60 ssh -F "$SSHCFG" "${SSH_OPTS[@]}" "$@"; }
assh() { timeout 60 ssh -F "$SSHCFG_ADM" "${SSH_OPTS[@]}" "$@"; }
export SSHCFG
sorted_names=$(printf '%s\n' "${NAMES[@]}" | sort)

# 1. every node answers `hostname` with its own name, over ssh (one session
# per node also reads the node's instance-store list, checked in 7.)
# shellcheck disable=SC2016,SC2089,SC2090
remote='d=$(head -n 1 /etc/clustertop/instance-store.list); test -b "$d" || d="not-a-block-device:$d"; echo "$(hostname) $d"'
# shellcheck disable=SC2090
export remote
out=$(printf '%s\n' "${NAMES[@]}" | xargs -P 8 -I{} bash -c \
	'r=$(ssh -F "$SSHCFG" -o StrictHostKeyChecking=yes -o BatchMode=yes -o ConnectTimeout=20 {} "$remote" 2>&1); echo "{} $r"' | sort)
bad=$(awk '$1 != $2' <<<"$out")
if [[ -z $bad && $(wc -l <<<"$out") -eq $N ]]; then
	ok "ssh: all $N nodes answer hostname with their own name (host keys checked)"
else
	not_ok "ssh: nodes answering hostname with their own name"; diag <<<"$bad"
fi
per_node=$out

# 1a. known_hosts holds every node's key, by name and by address
kh_bad=$(jqr '.nodes[] | "\(.name) \(.addr)"' | awk -v kh="$KNOWN" '
	BEGIN { while ((getline l < kh) > 0) { split(l, f, " "); if (f[2] ~ /^ssh-/) have[f[1]] = 1 } }
	!($1 in have) || !($2 in have) { bad++ }
	END { print bad + 0 }')
if (( kh_bad == 0 )) && grep -q "UserKnownHostsFile $KNOWN" "$SSHCFG"; then
	ok "known_hosts: every node's host key by name and by address, used by ssh_config"
else
	not_ok "known_hosts: $kh_bad nodes missing from $KNOWN (or ssh_config does not use it)"
fi

# 1b. and the checking is real: the same key is refused against an empty known_hosts
if rssh -o UserKnownHostsFile=/dev/null "${NAMES[0]}" true >/dev/null 2>&1; then
	not_ok "ssh: a node with an unknown host key was accepted (host key checking is off?)"
else
	ok "ssh: an unknown host key is refused (StrictHostKeyChecking is on)"
fi

# 2. sinfo lists N idle nodes
idle=$(timeout 30 sinfo -h -N -t idle -o '%N' | sort -u)
if [[ $idle == "$sorted_names" ]]; then
	ok "sinfo: $N idle nodes"
else
	not_ok "sinfo: expected $N idle nodes, got $(grep -c . <<<"$idle")"; timeout 30 sinfo -N | diag
fi

# Jobs get a Slurm time limit and a name, and are cancelled if the client
# gives up: a stuck job on a 2-core machine would starve everyone else.
job=smoke-$SIM_ID-$$
trap 'scancel --name="$job" >/dev/null 2>&1' EXIT

# 3. srun -N N hostname prints N distinct names
out=$(timeout 300 srun -J "$job" --time=5 --chdir=/ -N "$N" -n "$N" hostname 2>&1 | sort)
if [[ $out == "$sorted_names" ]]; then
	ok "srun -N $N hostname: $N distinct nodes"
else
	not_ok "srun -N $N hostname"; diag <<<"$out"
fi

# 4. MPI hello world through srun --mpi=pmix, binary in the shared /home/ctadmin.
# Across all N nodes up to SMOKE_MPI_MAX (default 64) nodes; above that on
# the first SMOKE_MPI_MAX: hundreds of ranks wiring up on 2 cores take
# many minutes.  Idle ranks yield the CPU instead of spinning.
export OMPI_MCA_mpi_yield_when_idle=1
M=$N
(( M > ${SMOKE_MPI_MAX:-64} )) && M=${SMOKE_MPI_MAX:-64}
mpi_names=$(printf '%s\n' "${NAMES[@]:0:M}" | sort)
mpi=$(timeout 30 srun --mpi=list 2>&1)
plugin=$(grep -o 'pmix_v[0-9]*' <<<"$mpi" | sort -V | tail -n 1)
[[ -z $plugin ]] && grep -qw pmix <<<"$mpi" && plugin=pmix
bin=/home/ctadmin/mpi_hello.sim$SIM_ID
if [[ -z $plugin ]]; then
	not_ok "srun --mpi=list offers no pmix plugin"; diag <<<"$mpi"
elif ! mpicc -O2 -o "$bin" "$here/mpi_hello.c" 2>&1 | diag; then
	not_ok "mpicc mpi_hello.c"
else
	mpi_w=$(printf '%s,' "${NAMES[@]:0:M}")
	out=$(timeout 300 srun -J "$job" --time=5 -N "$M" -n "$M" -w "${mpi_w%,}" --mpi="$plugin" \
		--chdir=/home/ctadmin "$bin" 2>&1)
	scancel --name="$job" >/dev/null 2>&1
	lines=$(grep -cE "^Hello world from processor node[0-9]+, rank [0-9]+ out of $M processors$" <<<"$out")
	ranks=$(sed -nE 's/.*, rank ([0-9]+) out of.*/\1/p' <<<"$out" | sort -n | uniq | tr '\n' ' ')
	hosts=$(sed -nE 's/^Hello world from processor ([^,]+),.*/\1/p' <<<"$out" | sort -u)
	want_ranks=$(seq 0 $((M - 1)) | tr '\n' ' ')
	if [[ $lines -eq $M && $ranks == "$want_ranks" && $hosts == "$mpi_names" ]]; then
		ok "MPI hello (srun --mpi=$plugin): $M ranks from $M distinct nodes"
	else
		not_ok "MPI hello (srun --mpi=$plugin): $lines good lines, hosts $(grep -c . <<<"$hosts")"; diag <<<"$out"
	fi
	rm -f "$bin"
fi

# 5. each node sees only its own /tmp
if (( N >= 2 )); then
	tag=smoke-$SIM_ID-$$-$RANDOM
	n1=${NAMES[0]} n2=${NAMES[1]}
	if ! rssh "$n1" "echo $tag > /tmp/$tag"; then
		not_ok "/tmp: could not write /tmp/$tag on $n1"
	else
		seen1=$(rssh "$n1" "cat /tmp/$tag" 2>&1)
		seen2=$(rssh "$n2" "test -e /tmp/$tag && echo visible || echo absent" 2>&1)
		if [[ $seen1 == "$tag" && $seen2 == absent && ! -e /tmp/$tag ]]; then
			ok "/tmp: a file in $n1:/tmp is invisible to $n2 and to the head"
		else
			not_ok "/tmp isolation: $n1 reads '$seen1', $n2 says '$seen2', head has it: $([[ -e /tmp/$tag ]] && echo yes || echo no)"
		fi
		rssh "$n1" "rm -f /tmp/$tag"
	fi
else
	ok "/tmp: skipped (one node)"
fi

# 6. the administrator: key login, passwordless sudo, shared home
out=$(assh "${NAMES[N - 1]}" 'echo "$(id -un) $(hostname) $HOME"; sudo -n true && echo sudo-ok' 2>&1)
if [[ $out == "ctadmin ${NAMES[N - 1]} /home/ctadmin"$'\n'"sudo-ok" ]]; then
	ok "ctadmin: ssh to ${NAMES[N - 1]} as ctadmin and sudo -n true"
else
	not_ok "ctadmin ssh + sudo -n true"; diag <<<"$out"
fi

# 7. each node lists its own instance-store device, the one env --json names
out=$(awk '{ print $1, $3 }' <<<"$per_node")
want=$(jqr '.nodes[] | "\(.name) \(.instance_store)"' | sort)
if [[ $out == "$want" && $(awk '{print $2}' <<<"$out" | sort -u | wc -l) -eq $N ]]; then
	ok "instance store: every node lists its own block device in /etc/clustertop/instance-store.list"
else
	not_ok "instance store lists"; diff <(echo "$want") <(echo "$out") | diag
fi

echo "# $((checks - fails))/$checks checks passed"
(( fails == 0 ))
