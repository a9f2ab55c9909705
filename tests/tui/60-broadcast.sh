#!/bin/bash
# 60-broadcast.sh -- issue 7: broadcast typing. On the 8-node sim: a typed
# command runs on every node (each writes its own /tmp, checked over ssh);
# b with nothing selected asks once and goes to every node; ^] ^] sends
# a literal ^]; italic and blink are drawn;
# vi on every node, moved with the arrow keys, edited and saved, leaves the
# same file everywhere; the grouped view folds the 7 equal screens and
# names the one that differs; a node taken out gets nothing; a paste of
# several lines waits for a yes; a node that dies keeps its screen and
# gets a new shell when it is back; a resize reaches every PTY.
. "$(dirname "$0")/lib.sh"

mapfile -t nodes < <(sim_nodes)
n=${#nodes[@]}
row="^ +[^ ]* *node[0-9]+ +up +[0-9]"
all=$(printf '%s,' "${nodes[@]}")
all=${all%,}
SSH=(ssh -F "$CLUSTERTOP_SSH_CONFIG" -o BatchMode=yes
    -o UserKnownHostsFile="$CLUSTERTOP_KNOWN_HOSTS")
on() { "${SSH[@]}" "$@" </dev/null 2>/dev/null; }
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null; }
# ctl KEYS...: ^] then KEYS (the menu), each alone.
ctl() { tui_keys C-]; for k in "$@"; do tui_keys "$k"; done; }
# type_line TEXT: TEXT and Enter, then wait until the shell took it.
type_line() { tui_keys -l "$1"; tui_keys Enter; }
# has_sgr N TEXT: the screen draws TEXT with the attribute SGR N on.
has_sgr() {
	tui_screen_colour | grep -Eq "$(printf '\033')\\[([0-9;]*;)?$1(;[0-9;]*)?m$2"
}

for h in "${nodes[@]}"; do on "$h" 'rm -f /tmp/bc-*' ; done

tui_start 120 36 --interval 1 || { not_ok "tmux starts"; exit 1; }
tui_wait_count "$row" "$n" 150
pid=$(tui_pid)
rss0=$(rss_kb "$pid")

# b with nothing selected: every node, as : does, once y answers.
tui_keys b
check "b with nothing selected asks, saying how many" \
    tui_wait "broadcast to all $n nodes\? \[y/N\]" 20
tui_keys n
check "n: not started" tui_wait "broadcast not started" 20
check "n: no broadcast banner" eval "! tui_screen | grep -q '^ BROADCAST'"
tui_keys b
tui_wait "broadcast to all $n nodes\?" 20
tui_keys y
check "y: banner: BROADCAST to $n nodes, folded" \
    tui_wait "^ BROADCAST to $n nodes: node\[01-0$n\]" 50
check "a shell prompt on the first node" tui_wait "node01.*[#$] *$" 100
rss1=$(rss_kb "$pid")
rss0=${rss0:-0} rss1=${rss1:-0}
echo "# RSS before b: ${rss0} kB; with $n shells and terminals: ${rss1} kB" \
    "($(( (rss1 - rss0) / n )) kB per node)"

# 1. A typed command runs on every node, each in its own /tmp.
type_line 'echo bc-token-$((6*7)) > /tmp/bc-file.txt; hostname >> /tmp/bc-file.txt'
tui_wait "node01.*bc-file.txt" 50
good=0
for h in "${nodes[@]}"; do
	for i in $(seq 50); do
		got=$(on "$h" 'cat /tmp/bc-file.txt' | tr '\n' ' ')
		[ "$got" = "bc-token-42 $h " ] && break
		sleep "$TUI_POLL"
	done
	[ "$got" = "bc-token-42 $h " ] && good=$((good + 1)) ||
	    echo "# $h: '$got'"
done
check "typed command ran on all $n nodes (each /tmp checked over ssh)" \
    test "$good" -eq "$n"

# ^] twice sends one literal ^] (0x1d): cat -v on the nodes shows it.
type_line 'clear; cat -v'
tui_wait "node01.*cat -v *$" 50
tui_keys C-]
tui_keys C-]
check "^] ^] says a ^] went to the nodes" tui_wait "\^\] sent to $n nodes" 20
check "^] ^]: typing again, not paused" tui_wait "^ BROADCAST to $n nodes" 20
tui_keys Enter
# The tty echoes it (^]) and cat -v prints it (^]): two lines.
check "the node got the byte 0x1d (cat -v prints ^])" \
    tui_wait_count '^\^\] *$' 2 50
tui_keys C-d
tui_wait_gone "cat -v *$" 30

# Italic and blink are drawn (tmux-256color has sitm and blink).
type_line "clear; printf 'x\\033[3mITALIC\\033[0m y \\033[5mBLINKING\\033[0m\\n'"
tui_wait "^x ITALIC y BLINKING" 50
check "italic drawn: ESC [ 3 m before ITALIC" has_sgr 3 ITALIC
check "blink drawn: ESC [ 5 m before BLINKING" has_sgr 5 BLINKING

# 2. A paste of two lines waits for y; n drops it.
tui_keys -l $'echo pasted-one\recho pasted-two\r'
if tui_wait "PASTE 2 lines to $n nodes\?" 30; then
	ok "a paste of 2 lines asks first"
	tui_keys n
	check "n drops the paste" tui_wait "paste dropped" 20
	tui_keys -l $'touch /tmp/bc-paste1\rtouch /tmp/bc-paste2\r'
	tui_wait "PASTE 2 lines" 30
	tui_keys y
	check "y sends it" tui_wait "paste sent to $n nodes" 20
	ok_paste=0
	for i in $(seq 50); do
		on node0$n 'test -e /tmp/bc-paste2' && { ok_paste=1; break; }
		sleep "$TUI_POLL"
	done
	check "the confirmed paste ran (both lines)" test "$ok_paste" -eq 1
	check "the dropped paste did not run" \
	    eval "! tui_screen | grep -q '^pasted-one'"
else
	not_ok "a paste of 2 lines asks first"
fi

# A paste marked by the terminal (tmux paste-buffer -p: bracketed paste,
# which clustertop asks for) of two lines is held too; the nodes' bash
# gets it bracketed, so it runs at the next Enter.
$TUI_TMUX set-buffer $'touch /tmp/bc-bp1\ntouch /tmp/bc-bp2'
$TUI_TMUX paste-buffer -p
check "a bracketed paste of 2 lines asks first" \
    tui_wait "PASTE 2 lines to $n nodes\?" 30
tui_keys y
tui_wait "paste sent" 20
tui_keys Enter
got=0
for i in $(seq 50); do
	on node0$n 'test -e /tmp/bc-bp2' && { got=1; break; }
	sleep "$TUI_POLL"
done
check "the bracketed paste ran on the nodes" test "$got" -eq 1
check "no paste marks leaked onto the screen" \
    eval "! tui_screen | grep -q '200~'"

# ^C goes to the nodes (clustertop is in raw mode while broadcasting).
type_line 'sleep 300'
tui_wait "node01.*sleep 300" 50
tui_keys C-c
check "^C interrupts the nodes' command, not clustertop" \
    tui_wait "^\^C *$" 50
check "the shell prompt is back after ^C" tui_wait "^root@node01:~# *$|node01.*[#$] *$" 50

# 3. vi on every node: arrows, edit, save; the same file everywhere.
type_line 'clear; vi /tmp/bc-test.txt'
check "vi opens" tui_wait "^~" 100
tui_keys i
for w in alpha bravo; do
	tui_keys -l "$w"; tui_keys Enter
	tui_wait "^$w" 50
done
tui_keys -l charlie
tui_wait "^charlie" 50
tui_keys Escape
tui_wait "3,7 " 50 || tui_wait "3,7$" 10
tui_keys Up; tui_wait "2,5" 30
tui_keys Up; tui_wait "1,5" 30
tui_keys Left; tui_keys Left; tui_wait "1,3" 30
tui_keys x; tui_wait "^alha" 30
tui_keys Down; tui_wait "2,3" 30
tui_keys x; tui_wait "^brvo" 30
tui_keys -l ':wq'; tui_keys Enter
check "vi exits" tui_wait_gone "^~" 100
sums=""
for h in "${nodes[@]}"; do
	for i in $(seq 30); do
		s=$(on "$h" 'md5sum < /tmp/bc-test.txt')
		[ -n "$s" ] && break
		sleep "$TUI_POLL"
	done
	sums="$sums$s"$'\n'
done
check "the file is the same on all $n nodes" \
    test "$(printf '%s' "$sums" | sort -u | grep -c .)" -eq 1
want=$(printf 'alha\nbrvo\ncharlie\n' | md5sum)
check "arrow keys moved vi on every node (alha brvo charlie)" \
    test "$(printf '%s' "$sums" | sort -u)" = "$want"

# Each node's own terminal encodes the keys: nodes 01-04 switch on
# application cursor keys (as vi does), 05-08 do not; cat -v shows what
# one Up arrives as on each.
ctl t Enter
type_line 'clear; h=$(hostname); if [ ${h#node0} -le 4 ]; then printf "\033[?1h"; else printf "\033[?1l"; fi; echo RE""ADY; cat -v'
# Up only once every node's mode change has reached its terminal.
for i in $(seq 100); do
	[ "$(tui_screen | grep -o 'READY' | wc -l)" -eq 8 ] && break
	sleep "$TUI_POLL"
done
tui_keys Up
tui_keys Enter
# The tty echoes the key and cat -v prints it: 2 of each per node.
for i in $(seq 50); do
	tiles=$(tui_screen)
	app=$(printf '%s\n' "$tiles" | grep -o '\^\[OA' | wc -l)
	norm=$(printf '%s\n' "$tiles" | grep -o '\^\[\[A' | wc -l)
	[ "$app" -ge 8 ] && [ "$norm" -ge 8 ] && break
	sleep "$TUI_POLL"
done
check "Up is ESC O A on the 4 app-mode nodes, ESC [ A on the 4 others" \
    test "$app" -eq 8 -a "$norm" -eq 8
tui_keys Enter
tui_keys C-d
tui_wait_gone "cat -v$" 30

# 4. The grouped view: 7 equal screens and the one that differs.
type_line 'clear; [ $(hostname) = node03 ] && echo DIFFERENT'
ctl g
check "grouped view folds the 7 equal screens" \
    tui_wait "^ 1  node\[01-02,04-0$n\] \($((n - 1))\)" 50
check "grouped view lists node03 as differing" \
    tui_wait "^ 2  node03 differs" 20
check "two groups, no more" tui_wait "grouped . 2 screens for $n nodes" 20
tui_keys n
check "n shows the differing screen" tui_wait "screen of node03" 20
check "node03's screen has its output" tui_wait "^DIFFERENT" 20

# 5. Take node03 out: it gets nothing; put it back.
tui_keys x
check "x takes the group out; banner counts 7" \
    tui_wait "^ PAUSED .* 7 targets: node\[01-02,04-0$n\] . out: node03" 20
tui_keys Enter
check "Enter: typing again" tui_wait "^ BROADCAST to 7 nodes" 20
type_line 'touch /tmp/bc-out.txt'
got=0
for i in $(seq 50); do
	on node01 'test -e /tmp/bc-out.txt' && { got=1; break; }
	sleep "$TUI_POLL"
done
check "the others got the command" test "$got" -eq 1
check "node03 (out) did not" eval "! on node03 'test -e /tmp/bc-out.txt'"
ctl a Enter
check "a: all $n back in" tui_wait "^ BROADCAST to $n nodes" 20

# 6. Resize: every PTY follows (rows = window - banner - status).
tui_resize 100 30
type_line 'clear; stty size'
check "resize reaches the PTY (28 100)" tui_wait "^28 100" 50

# 7. A node dies: last screen kept, dimmed; back: a new shell, said so.
victim=node05
"$root/tests/sim/simcluster" fault "$victim" stop-sshd >/dev/null
sim_kill_sessions "$victim"
check "$victim listed without shell" \
    tui_wait "^ BROADCAST to $((n - 1)) nodes.* no shell: $victim" 100
ctl f 5
check "its last screen is kept" tui_wait "^28 100" 20
check "status says why" \
    tui_wait "full . $victim \(5/$n\) . node (unreachable|reconnecting|connecting)" 50
if tui_screen_colour | grep '28 100' | grep -Eq $'\e\\[(0;)?2m'; then
	ok "the kept screen is dimmed"
else
	not_ok "the kept screen is dimmed"
fi
"$root/tests/sim/simcluster" fault "$victim" start-sshd >/dev/null
check "$victim back: a new shell, and the screen says so" \
    tui_wait "node came back; this is a new shell" 400
check "banner back to $n" tui_wait "^ (BROADCAST|PAUSED).* $n (nodes|targets)" 100

# exit ends every shell; ^] r gives new ones, and each screen says so.
tui_keys Enter
type_line 'exit'
check "exit: no shell left" \
    tui_wait "^ BROADCAST to 0 nodes: none . no shell: node\[01-0$n\]" 100
ctl r
check "r: new shells, and the screen says so" \
    tui_wait "the shell had ended; this is a new one" 100
check "r: all $n typing again" tui_wait "^ PAUSED .* $n targets" 100

# Leave: the dashboard again, shells closed.
tui_keys q
check "q closes the broadcast" tui_wait "broadcast closed" 30
tui_keys q
check "exit 0" tui_wait "^EXIT=0" 50
for h in "${nodes[@]}"; do on "$h" 'rm -f /tmp/bc-*' ; done
tui_done
