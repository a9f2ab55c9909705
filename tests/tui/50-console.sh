#!/bin/bash
# 50-console.sh -- issue 6, the command console (`:`): a command whose
# output differs on one node shows two blocks with the right node lists; a
# node that fails shows its exit status; a cancelled `sleep` is gone from
# every node afterwards; a node printing terminal escape sequences does not
# change the screen. Also: the command line shows where it will run before
# Enter, history, and "make the block's nodes the selection"; a timeout
# for one command (-u SECONDS before it); long lines cut or wrapped (W).
. "$(dirname "$0")/lib.sh"

mapfile -t nodes < <(sim_nodes)
n=${#nodes[@]}
[ "$n" -ge 4 ] || { echo "not ok - the sim has fewer than 4 nodes"; exit 1; }
all=$("$CLUSTERTOP" hosts -f "${nodes[@]}")
odd=${nodes[2]}
bad=${nodes[1]}
rest_odd=$("$CLUSTERTOP" hosts -f -x "$odd" "${nodes[@]}")
rest_bad=$("$CLUSTERTOP" hosts -f -x "$bad" "${nodes[@]}")
# Regular expressions match the folded lists literally.
re() { printf '%s' "$1" | sed 's/[][().*^$]/\\&/g'; }
row="^ +[^ ]* *node[0-9]+ +"
rows=$((n + 16))
[ $rows -lt 30 ] && rows=30

# History is kept across sessions; here in the test's own file.
export CLUSTERTOP_HISTORY=$TUI_LOG/history
rm -f "$CLUSTERTOP_HISTORY"
tui_start 140 "$rows" --interval 1 || { not_ok "tmux starts"; exit 1; }
tui_wait_count "${row}up +[0-9]" "$n" 150 || not_ok "all nodes up"

# The command line shows how many nodes and which, before Enter.
tui_keys :
check "before Enter: runs on $n nodes, $all" \
    tui_wait "runs on $n nodes: $(re "$all") +\(nothing selected" 20
check "the prompt carries the count" tui_wait "^$(re "$all") \($n\)\\$ " 10

# 1. Output that differs on one node: two blocks with the right lists.
tui_keys "if [ \$(hostname) = $odd ]; then echo differs-here; else echo same-everywhere; fi" Enter
check "the larger block: $rest_odd ($((n - 1))), exit 0" \
    tui_wait "^. $(re "$rest_odd") \($((n - 1))\) +exit 0" 100
check "the odd block: $odd (1), exit 0" \
    tui_wait "^  $(re "$odd") \(1\) +exit 0" 20
check "exactly two blocks" tui_wait_count "^. node.*\([0-9]+\) +exit" 2 10
scr=$(tui_screen)
l1=$(printf '%s\n' "$scr" | grep -n "^  same-everywhere" | head -1 | cut -d: -f1)
l2=$(printf '%s\n' "$scr" | grep -n "^  differs-here" | head -1 | cut -d: -f1)
check "largest block first, each with its output" \
    test -n "$l1" -a -n "$l2" -a "${l1:-0}" -lt "${l2:-0}"
tui_keys Tab d
check "the diff view: - the largest's line, + this block's" \
    tui_wait "^- same-everywhere" 20
check "...and the added line" tui_wait "^\+ differs-here" 5
tui_keys Escape

# 2. A node that fails shows its exit status.
tui_keys : "[ \$(hostname) != $bad ] || exit 3; echo checked" Enter
check "the failing node's block: $bad exit 3" \
    tui_wait "^. $(re "$bad") \(1\) +exit 3" 100
check "the others: $rest_bad exit 0" \
    tui_wait "^. $(re "$rest_bad") \($((n - 1))\) +exit 0" 20
# From a block: its nodes become the selection; the next command runs there.
tui_keys Tab
tui_wait "^▶ $(re "$bad") |^> $(re "$bad") " 20
tui_keys s
check "s makes the block's nodes the selection" \
    tui_wait "selected 1 node \($(re "$bad")\)" 20
tui_keys : Up
check "history: Up brings the last command back" \
    tui_wait "\\$ \[ \\\$\(hostname\) != $bad \] \|\| exit 3; echo checked" 20
check "...and it would run on the selection only" \
    tui_wait "runs on 1 node: $(re "$bad") +\(the selection\)" 10
tui_keys C-u Escape
tui_keys u

# Live: a late node is "running" beside the finished ones, then joins them.
late=${nodes[0]}
rest_late=$("$CLUSTERTOP" hosts -f -x "$late" "${nodes[@]}")
# The late node waits for a gate file (in its private /tmp, at most 120 s)
# that the test makes once it has seen the others finish: no race with
# the machine's speed.
gate=/tmp/ct-console-gate.$$
tui_keys : "[ \$(hostname) != $late ] || { i=0; while [ ! -e $gate ] && [ \$i -lt 1200 ]; do sleep 0.1; i=\$((i + 1)); done; }; echo finished" Enter
check "live: $rest_late done while $late is still running" \
    eval 'tui_wait "^. $(re "$rest_late") \($((n - 1))\) +exit 0" 150 &&
    tui_screen | grep -Eq "^. $(re "$late") \(1\) +running"'
"$CLUSTERTOP" exec -w "$late" "touch $gate" >/dev/null 2>&1 ||
	echo "# could not make $gate on $late"
check "live: then one block of all $n" \
    tui_wait "^. $(re "$all") \($n\) +exit 0" 100

# 3. ^C cancels: the remote sleep is killed on every node.
arg="4242.$$"
# count_sleeps [ARG]: "host: N", the sleeps of ARG on each node.
count_sleeps() {
	"$CLUSTERTOP" exec -w "$all" "ps -eo args | grep -c '^sleep ${1:-$arg}\$' || true" 2>/dev/null
}
# sleeps_gone ARG: poll until no node runs "sleep ARG".
sleeps_gone() {
	local i out
	for ((i = 0; i < 50; i++)); do
		out=$(count_sleeps "$1")
		[ "$(printf '%s\n' "$out" | grep -c ": 0$")" -eq "$n" ] && return 0
		sleep "$TUI_POLL"
	done
	return 1
}
tui_keys : "sleep $arg" Enter
check "sleep runs: one block of $n running nodes" \
    tui_wait "^. $(re "$all") \($n\) +running" 100
started=0
for ((i = 0; i < 100; i++)); do
	c=$(count_sleeps | grep -c ": [1-9]")
	[ "$c" -eq "$n" ] && { started=1; break; }
	sleep "$TUI_POLL"
done
check "the sleep is running on all $n nodes before ^C" test "$started" = 1
tui_keys C-c
check "^C: every node's command cancelled" \
    tui_wait "^. $(re "$all") \($n\) +cancelled" 100
check "clustertop is still running after ^C" tui_wait_gone "^EXIT=" 2
check "no 'sleep $arg' left on any of the $n nodes" sleeps_gone "$arg"

# 4. Escape sequences from a node do not reach the terminal: the screen
# is not cleared, the window title not set, nothing turns red.
title_before=$($TUI_TMUX display -p '#{pane_title}')
esc_node=${nodes[3]}
tui_keys : "if [ \$(hostname) = $esc_node ]; then printf 'safe-before\\033[2J\\033]0;pwned\\007\\033[31msafe-after\\n'; else echo calm; fi" Enter
check "the escapes are shown as text" \
    tui_wait 'safe-before\^\[\[2J\^\[\]0;pwned\^G\^\[\[31msafe-after' 100
check "...in the block of $esc_node only" \
    tui_wait "^. $(re "$esc_node") \(1\) +exit 0" 10
check "the screen was not cleared: the header and the other block are there" \
    eval 'tui_screen | grep -q "nodes $n/$n up" && tui_screen | grep -q "^  calm"'
check "the window title did not change" \
    test "$($TUI_TMUX display -p '#{pane_title}')" = "$title_before"
line=$(tui_screen_colour | grep "safe-after")
check "no red from the node: the text after \\e[31m keeps the theme colour" \
    eval '! printf "%s" "$line" | grep -q $'"'"'\033\[31m'"'"
# 5. A timeout for one command: "-u SECONDS" before it.
tui_keys : "-u ten ls" Enter
check "-u without SECONDS: a one-line error" \
    tui_wait "console: -u wants SECONDS, then the command" 20
check "...and the line stays open to fix it" tui_wait "^$(re "$all") \($n\)\\$ -u ten ls" 5
arg2="4343.$$"
tui_keys C-u "-u 1.5 sleep $arg2" Enter
check "-u 1.5: the title says the command's timeout" \
    tui_wait "\(($n)\) . 0/$n done . -u 1.5s . running" 50
check "-u 1.5: every node's sleep ends timed out (killed)" \
    tui_wait "^. $(re "$all") \($n\) +timed out \(killed\)" 150
check "no 'sleep $arg2' left on any node after the timeout" sleeps_gone "$arg2"

# 6. A line longer than the screen: cut with a > until W wraps it.
tui_keys : "printf 'W%.0s' \$(seq 1 300); echo END\$((1+1))OFLONG" Enter
check "a 309-column line is cut at the edge (>)" \
    tui_wait "^  W{100,}>$" 100
check "...its end not shown" eval "! tui_screen | grep -q END2OFLONG"
tui_keys W
check "W: the line wraps, its end is shown" tui_wait "WEND2OFLONG *$" 20
check "W: two continuation lines, marked" \
    tui_wait_count "^ (↪|\+)W{10,}" 2 10
tui_keys W
check "W again: the status line says so" tui_wait "long lines scroll sideways" 10
check "...and the line is cut at the edge once more" tui_wait_gone "END2OFLONG" 20

tui_keys Escape
check "Esc goes back to the table" tui_wait "LOAD1" 20

tui_keys q
check "q quits with status 0" tui_wait "^EXIT=0" 50
check "the history file has the 7 commands, mode 0600" \
    test "$(wc -l < "$CLUSTERTOP_HISTORY")" = 7 -a \
    "$(stat -c %a "$CLUSTERTOP_HISTORY")" = 600

# A symlink planted where the history goes is not followed (O_NOFOLLOW,
# docs/security.md): the file it points at stays as it was.
echo precious > "$TUI_LOG/target"
export CLUSTERTOP_HISTORY=$TUI_LOG/history-link
ln -s "$TUI_LOG/target" "$CLUSTERTOP_HISTORY"
tui_start 140 "$rows" --interval 1 || { not_ok "tmux starts"; exit 1; }
tui_wait_count "${row}up +[0-9]" "$n" 150 || not_ok "all nodes up"
tui_keys : "echo through-the-link" Enter
check "a command runs with the history path a symlink" \
    tui_wait "^  through-the-link" 100
tui_keys Escape q
check "q quits with status 0" tui_wait "^EXIT=0" 50
check "the symlink's target is untouched: $(cat "$TUI_LOG/target")" \
    test "$(cat "$TUI_LOG/target")" = precious -a -L "$CLUSTERTOP_HISTORY"
tui_done
