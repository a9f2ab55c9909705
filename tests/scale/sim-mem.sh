#!/bin/bash
# sim-mem.sh -- memory of a running simulated cluster (SIM_ID): the sum of
# PSS (proportional set size: shared pages split among their users) of the
# processes inside the instance's namespaces, by command, plus slurmctld,
# and the tmpfs/files it holds.  Used for docs/simcluster.md's figures.
set -u
ID=${SIM_ID:-0}
NSP=ctsim${ID}-
declare -A want=()
for f in /run/netns/"$NSP"*; do
	[[ -e $f ]] && want[$(stat -L -c %i "$f")]=1
done
ctld=$(cat "/var/lib/clustertop-sim/$ID/run/slurmctld.pid" 2>/dev/null)
for f in /proc/[0-9]*/ns/net; do
	p=${f#/proc/}; p=${p%%/*}
	ino=$(readlink "$f" 2>/dev/null) || continue
	ino=${ino#net:[}; ino=${ino%]}
	[[ -n ${want[$ino]:-} || $p == "$ctld" ]] || continue
	read -r comm < "/proc/$p/comm" 2>/dev/null || continue
	pss=$(awk '/^Pss:/ { print $2 }' "/proc/$p/smaps_rollup" 2>/dev/null)
	echo "$comm ${pss:-0}"
done | awk '{ n[$1]++; k[$1] += $2; t += $2 }
	END { for (c in n) printf "%-12s %5d procs %9.1f MiB  %7.1f KiB each\n", c, n[c], k[c] / 1024, k[c] / n[c];
	      printf "%-12s %5s       %9.1f MiB\n", "total PSS", "", t / 1024 }'
