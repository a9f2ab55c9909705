#!/bin/bash
# 30-metrics-stream.sh -- issue 5: the sampling loop on the nodes.
#  - it forks at most 2 processes per sample (measured with strace -f on a
#    sim node: every clone/fork/vfork of the loop is counted);
#  - its lines are exactly what the dashboard parses, with noise from the
#    shell's start-up files ignored;
#  - it dies on its own when clustertop goes away (SIGPIPE on the next
#    sample), leaving nothing behind on the nodes.
. "$(dirname "$0")/lib.sh"

mapfile -t nodes < <(sim_nodes)
n=${#nodes[@]}
node=${nodes[0]}
sshn() {
	ssh -F "$CLUSTERTOP_SSH_CONFIG" -o BatchMode=yes \
	    -o UserKnownHostsFile="$CLUSTERTOP_KNOWN_HOSTS" "$node" "$@"
}

# --- forks per sample --------------------------------------------------------
"$CLUSTERTOP" --metrics-command --interval 0.5 --mounts /scratch,/tmp \
    > "$TUI_LOG/loop.sh" || not_ok "--metrics-command"
sshn 'cat > /tmp/ct-loop.sh' < "$TUI_LOG/loop.sh"
# 12 samples at 0.5 s (df runs every 20th): counted, not timed, so a busy
# machine only makes it slower. head exits after the 13th line and the
# loop dies of SIGPIPE at its next printf.
res=$(sshn 'command -v strace >/dev/null || { echo nostrace; exit; }
	timeout 300 strace -f -qq -e trace=clone,clone3,fork,vfork \
	    -o /tmp/ct-loop.st sh /tmp/ct-loop.sh | head -n 13 > /tmp/ct-loop.out
	s=$(grep -c "^@ctm1 S " /tmp/ct-loop.out)
	f=$(grep -cE "(clone|clone3|fork|vfork)\(" /tmp/ct-loop.st)
	h=$(grep -c "^@ctm1 H " /tmp/ct-loop.out)
	echo "$s $f $h"
	rm -f /tmp/ct-loop.st')
if [ "$res" = nostrace ]; then
	echo "ok - # SKIP strace not installed on the nodes"
else
	read -r samples forks hello <<<"$res"
	echo "# $samples samples, $forks forks (strace -f), interval 0.5 s"
	check "the loop printed one hello and 12 samples ($samples)" \
	    test "${hello:-0}" -eq 1 -a "${samples:-0}" -eq 12
	# One sleep per sample (plus the one running when the reader left)
	# and one df per 20 samples.
	limit=$(( samples + 1 + (samples + 19) / 20 ))
	check "forks per sample <= 2 ($forks forks for $samples samples, limit $limit)" \
	    test "${forks:-999}" -le "$limit"
fi

# Each line parses: run the same loop without strace, feed it back.
out=$(sshn 'timeout 300 sh /tmp/ct-loop.sh | head -n 4; rm -f /tmp/ct-loop.sh /tmp/ct-loop.out')
check "the loop's lines carry the marker" \
    test "$(printf '%s\n' "$out" | grep -vc '^@ctm1 [HS] ')" -eq 0
if printf '%s\n' "$out" | grep -Eq '\|[0-9]+ [0-9]+ [0-9]+ /(\||$)'; then
	ok "disk use of / is reported"
else
	not_ok "disk use of / is reported"
fi
if printf '%s\n' "$out" | grep -Eq '\|[0-9]+ [0-9]+ [0-9]+ /tmp(\||$)'; then
	ok "disk use of a configured mount (/tmp) is reported"
else
	not_ok "disk use of a configured mount (/tmp) is reported"
fi

# --- the stream dies with the channel ----------------------------------------
subnet=$("$root/tests/sim/simcluster" env --json | jq -r .head_addr | cut -d. -f1-3)
# loops_of_sim: pids of sampling loops whose ssh session comes from this sim.
loops_of_sim() {
	local p
	for p in $(pgrep -f '@ctm1 S' 2>/dev/null); do
		tr '\0' '\n' < "/proc/$p/environ" 2>/dev/null |
		    grep -q "^SSH_CONNECTION=$subnet\.1 " && echo "$p"
	done
}
tui_start 120 30 --interval 1 || { not_ok "tmux starts"; exit 1; }
tui_wait "nodes $n/$n up" 150 || not_ok "all nodes up"
tui_wait_count "^ +[^ ]* *node[0-9]+ +up +[0-9]" "$n" 100
pids=$(loops_of_sim)
count=$(printf '%s\n' $pids | grep -c .)
check "one sampling loop per node while the dashboard runs ($count)" \
    test "$count" -ge "$n"
tui_keys q
tui_wait "^EXIT=0" 50 || not_ok "q quits"
left=$pids
for ((i = 0; i < 50; i++)); do
	left=$(for p in $left; do [ -d "/proc/$p" ] && echo "$p"; done)
	[ -z "$left" ] && break
	sleep 0.2
done
check "every loop ended by itself after clustertop quit" test -z "$left"
for p in $left; do kill "$p" 2>/dev/null; done
tui_done
