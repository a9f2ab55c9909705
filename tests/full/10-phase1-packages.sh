#!/bin/bash
# 10-phase1-packages.sh -- `make check-full` only (it downloads and
# installs the whole default tool set, minutes of work): phase 1 with the
# default package list of src/phases.json, run from the dashboard's
# Phases screen in tmux, on the simulated cluster. Every package of the
# list (mapped for apt as the phase maps it; a name mapped to null is not
# wanted on Debian) must be installed on the head and on every node
# afterwards (dpkg-query on each), the phase must end with no node
# failed, and a second run must change nothing.
#
# What it installs stays installed (it is what phase 1 is for); on the
# sim the nodes share the head's root file system, so they take turns at
# the dpkg lock and find the head's packages there.
#
# Seen on the 2-core test machine (a container, no systemd as PID 1): pcp's
# maintainer script calls systemctl directly when systemctl is installed,
# which fails without systemd, and dpkg kept pcp half-configured ("failed:
# pcp", and every later apt-get failed too). Phase 1 now gives dpkg a
# systemctl (first on DPkg::Path) that does what the script itself does
# when there is no systemctl: invoke-rc.d for start/stop, nothing for
# daemon-reload. Then pcp configures; whether pmcd starts is the machine's
# own policy (this container's policy-rc.d denies every start, as Docker
# images do). On this machine, 2026-12-03: 15 packages in 24 s, exit 0.
. "$(dirname "$0")/../tui/lib.sh"

mapfile -t nodes < <(sim_nodes)
n=${#nodes[@]}
sim=$root/tests/sim/simcluster
export CLUSTERTOP_STATE_DIR=$TUI_LOG/state
unset CLUSTERTOP_PHASES
# The default list, mapped for apt; nulls dropped.
mapfile -t pkgs < <(jq -r '.maps.apt as $m | .variables.packages[] |
    . as $p | if ($m | has($p)) then $m[$p] else $p end | select(. != null)' \
    "$root/src/phases.json")
echo "# the default list for apt: ${pkgs[*]}"
[ "${#pkgs[@]}" -ge 10 ] || { not_ok "the default package list (${#pkgs[@]})"; exit 1; }

installed_on() {	# installed_on CMD-PREFIX...: names not installed there
	local p missing=()
	for p in "${pkgs[@]}"; do
		"$@" dpkg-query -W -f '${Status}' "$p" 2>/dev/null |
		    grep -q 'install ok installed' || missing+=("$p")
	done
	echo "${missing[*]}"
}

before=$(installed_on)
tui_start 170 50 --interval 2 || { not_ok "tmux starts"; exit 1; }
tui_wait_count "^ +[^ ]* *node[0-9]+ +up +[0-9]" "$n" 150 || not_ok "all nodes up"
tui_keys p
check "p opens the Phases screen" tui_wait "Setup phases" 50
tui_keys 1
check "phase 1's dry run names the default list" \
    tui_wait "Enter or y: RUN phase 1" 100
tui_keys Enter
t0=$(date +%s)
# Up to 40 minutes: a slow mirror is slow, not broken.
tui_wait "^ phase 1 (finished|stopped)" 12000
s=$(tui_screen | grep -E "^ phase 1: " | head -1 | sed 's/^ *//; s/ *$//')
echo "# phase 1 took $(( $(date +%s) - t0 )) s: $s"
check "phase 1 with the default list: no node failed ($s)" \
    eval '[ -n "$s" ] && ! grep -qE "failed|skipped" <<<"$s"'
miss=$(installed_on)
check "every package of the list is installed on the head${miss:+ (missing: $miss)}" \
    test -z "$miss"
bad=0
for h in "${nodes[@]}"; do
	miss=$(installed_on "$sim" exec "$h")
	[ -z "$miss" ] || { echo "# $h misses: $miss"; bad=$((bad + 1)); }
done
check "...and on all $n nodes" test "$bad" -eq 0
check "the result says, per node, what was installed or already there" \
    tui_wait "(installed|already there):" 50
if [ -n "$before" ] && [ ! -d /run/systemd/system ] && command -v systemctl >/dev/null; then
	check "no systemd here: the head says its services start through init.d" \
	    tui_wait "no systemd running: services start through their init.d scripts" 50
fi
tui_keys Escape
tui_wait "Setup phases" 20
tui_keys 1
tui_wait "Enter or y: RUN phase 1" 100
tui_keys y
tui_wait "^ phase 1 (finished|stopped)" 6000
s=$(tui_screen | grep -E "^ phase 1: " | head -1 | sed 's/^ *//; s/ *$//')
check "phase 1 again: nothing changed ($s)" \
    eval 'grep -q -- "-- nothing changed$" <<<"$s"'
tui_keys Escape
tui_wait "Setup phases" 20
tui_keys Escape q
check "exit 0" tui_wait "^EXIT=0" 50
tui_done
