#!/bin/bash
# 10-dashboard.sh -- issue 5: the dashboard shows every node of the sim with
# the numbers each node reports; a node whose sshd dies turns unreachable
# and comes back when sshd is started again; stopping only sshd's listener
# leaves the persistent session (and the row) up.
. "$(dirname "$0")/lib.sh"

mapfile -t nodes < <(sim_nodes)
n=${#nodes[@]}
[ "$n" -ge 3 ] || { echo "not ok - the sim has fewer than 3 nodes"; exit 1; }
last=${nodes[n - 1]}
victim=${nodes[2]}
rows=$((n + 12))
[ $rows -lt 24 ] && rows=24

tui_start 150 "$rows" --interval 1 || { not_ok "tmux starts"; exit 1; }

# Every node up with numbers (a STATE of "up" and a CPU% value).
if tui_wait_count "^ +[^ ]* *node[0-9]+ +up +[0-9]+\.[0-9]+ " "$n" 150; then
	ok "all $n nodes up with samples"
else
	not_ok "all $n nodes up with samples"
fi
check "header counts $n/$n up" tui_wait "nodes $n/$n up" 20
check "header shows Slurm state counts" tui_wait "slurm [0-9]+ idle" 50
check "header shows the sample age" tui_wait "sample [0-9.]+s ago" 10
for node in "${nodes[@]}"; do
	tui_screen | grep -Eq "^ +[^ ]* *$node +up " || not_ok "row of $node"
done

# The numbers are the node's own: memory total and CPU count, per node,
# as ssh reads them, against the detail view (its exact "hostname").
fmt_kb() {	# the dashboard's ui_fmt_kb()
	awk -v kb="$1" 'BEGIN { u = "KMGTPE"; v = kb; i = 1;
	    while (v >= 1000 && i < 6) { v /= 1024; i++ }
	    if (v < 10 && i > 1) printf "%.1f%s", v, substr(u, i, 1);
	    else printf "%.0f%s", v, substr(u, i, 1) }'
}
checked=0
for node in "${nodes[0]}" "$victim" "$last"; do
	read -r memkb ncpu < <(ssh -F "$CLUSTERTOP_SSH_CONFIG" \
	    -o UserKnownHostsFile="$CLUSTERTOP_KNOWN_HOSTS" -o BatchMode=yes \
	    "$node" 'awk "/^MemTotal:/ { print \$2 }" /proc/meminfo |
	    tr "\n" " "; grep -c "^cpu[0-9]" /proc/stat')
	want_mem=$(fmt_kb "$memkb")
	tui_keys / "$node" Enter
	tui_wait_count "^ +[^ ]* *node[0-9]+ +" 1 50
	tui_keys Enter
	if tui_wait "^ $node .*up" 20 &&
	    tui_wait "^ $ncpu CPUs .* hostname $node *$" 30 &&
	    tui_wait "mem [0-9.]+[KMGT]/$want_mem " 30; then
		checked=$((checked + 1))
	else
		not_ok "$node: detail shows $ncpu CPUs, hostname, mem total $want_mem"
	fi
	tui_keys Escape
	tui_wait_gone " CPUs " 20
	tui_keys Escape
	tui_wait_count "^ +[^ ]* *node[0-9]+ +up" "$n" 50
done
[ $checked -eq 3 ] && ok "memory total, CPU count and hostname match ssh on 3 nodes"

# The table's memory total column agrees with /proc/meminfo too.
want_mem=$(fmt_kb "$(ssh -F "$CLUSTERTOP_SSH_CONFIG" -o BatchMode=yes \
    -o UserKnownHostsFile="$CLUSTERTOP_KNOWN_HOSTS" "$last" \
    'awk "/^MemTotal:/ { print \$2 }" /proc/meminfo')")
check "$last: MEMORY column total is $want_mem" \
    tui_wait "^ +[^ ]* *$last +up .*/$want_mem " 20

# Only the listener stops (systemctl stop sshd): the session stays up.
"$root/tests/sim/simcluster" fault "$victim" stop-sshd >/dev/null
sleep 3	# three intervals: a dead stream would be stale by now
check "$victim stays up while only sshd's listener is stopped" \
    tui_wait "^ +[^ ]* *$victim +up +[0-9]" 5

# sshd gone with its sessions: unreachable (the connection drops at once;
# the documented bound is the keepalive, 3 x 5 s).
sim_kill_sessions "$victim"
if tui_wait "^ +[^ ]* *$victim +(unreach|reconn|connect|timeout) " 100; then
	ok "$victim turns unreachable when its sshd dies"
else
	not_ok "$victim turns unreachable when its sshd dies"
fi
check "$victim shows why (greyed reason)" \
    tui_wait "$victim +[a-z]+ +(unreachable|reconnecting|connecting|timed-out)" 50
check "the others stay up" tui_wait "nodes $((n - 1))/$n up" 50
check "header counts the unreachable node" \
    tui_wait "nodes $((n - 1))/$n up .*(unreachable|reconnecting|connecting)" 50

# sshd back: the row comes back up with fresh numbers (reconnect backoff
# is at most 60 s; typically a few seconds).
"$root/tests/sim/simcluster" fault "$victim" start-sshd >/dev/null
if tui_wait "^ +[^ ]* *$victim +up +[0-9]" 400; then
	ok "$victim comes back up after start-sshd"
else
	not_ok "$victim comes back up after start-sshd"
fi
check "header back to $n/$n up" tui_wait "nodes $n/$n up" 50

# Quit: the pane shows clustertop's exit status.
tui_keys q
check "q quits with status 0" tui_wait "^EXIT=0" 50

# The suites' log directories: a passing suite removes its own, a failing
# one keeps it and says where (tests/tui/lib.sh's tui_done). Two small
# suites, one that passes and one that fails, each with a fresh directory
# and a trap of its own (as 70-phases has) that must still see it.
mini=$(mktemp /tmp/ct-mini.XXXXXX)
for want in pass fail; do
	cat > "$mini" <<EOF
. '$root/tests/tui/lib.sh'
echo "dir=\$TUI_LOG"
echo kept > "\$TUI_LOG/save"
trap 'cat "\$TUI_LOG/save" > "$mini.trap"' EXIT
ok "a check that passes"
[ $want = pass ] || not_ok "a check that fails"
tui_done
EOF
	out=$(env -u TUI_LOG bash "$mini" 2>&1); rc=$?
	d=$(sed -n 's/^dir=//p' <<<"$out")
	trapped=$(cat "$mini.trap" 2>/dev/null); rm -f "$mini.trap"
	if [ $want = pass ]; then
		check "a passing suite removes its /tmp/ct-tui.* directory, after its own trap ran" \
		    eval '[ $rc -eq 0 ] && [ -n "$d" ] && [ ! -e "$d" ] && [ "$trapped" = kept ]'
	else
		check "a failing suite keeps it and prints its path" \
		    eval '[ $rc -ne 0 ] && [ -d "$d" ] && grep -qF "# logs kept in $d" <<<"$out" && [ "$trapped" = kept ]'
		[ -n "$d" ] && [ -d "$d" ] && rm -rf "$d"
	fi
done
rm -f "$mini"
tui_done
