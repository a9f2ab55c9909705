#!/bin/bash
# 40-terminal.sh -- issue 5: the terminal is treated right: an ASCII
# fallback when the locale is not UTF-8, NO_COLOR, --theme, and the
# terminal restored (curses ended) on q, SIGTERM and a crash (SIGSEGV).
. "$(dirname "$0")/lib.sh"

mapfile -t nodes < <(sim_nodes)
n=${#nodes[@]}
row="^ +[^ ]* *node[0-9]+ +up +[0-9]"
alt() { $TUI_TMUX display -p '#{alternate_on}'; }

# UTF-8: box-drawing separators and arrows.
tui_start 120 20 --interval 1 || { not_ok "tmux starts"; exit 1; }
tui_wait_count "$row" "$n" 150
check "UTF-8 locale: Unicode separators" tui_wait "clustertop .* │ nodes" 10
check "curses is on the alternate screen" test "$(alt)" = 1
pid=$(tui_pid)
kill -TERM "$pid"
check "SIGTERM: exit status 0" tui_wait "^EXIT=0" 50
check "SIGTERM: terminal restored (alternate screen off)" test "$(alt)" = 0

# ASCII fallback.
LC_ALL=C LANG=C tui_start 120 20 --interval 1
tui_wait_count "$row" "$n" 150
check "C locale: ASCII separators" tui_wait "clustertop .* \| nodes" 10
if tui_screen | LC_ALL=C grep -q $'[\x80-\xff]'; then
	not_ok "C locale: no byte above 0x7f on the screen"
else
	ok "C locale: no byte above 0x7f on the screen"
fi
pid=$(tui_pid)
kill -SEGV "$pid"
# 139: killed by SIGSEGV; 86: AddressSanitizer's exit code (check build).
check "SIGSEGV: the process dies" tui_wait "^EXIT=(86|139|1[0-9][0-9])" 50
check "SIGSEGV: terminal restored (alternate screen off)" test "$(alt)" = 0

# NO_COLOR: attributes only, no colour escapes.
NO_COLOR=1 tui_start 120 20 --interval 1
tui_wait_count "$row" "$n" 150
if tui_screen_colour | grep -Eq $'\e\\[[0-9;]*(3[0-7]|38;5|4[0-7]|48;5)[;m]'; then
	not_ok "NO_COLOR: no colour on the screen"
else
	ok "NO_COLOR: no colour on the screen"
fi
tui_keys q
tui_wait "^EXIT=0" 50

# --theme light paints its white background; a bad theme is refused.
tui_start 120 20 --interval 1 --theme light
tui_wait_count "$row" "$n" 150
check "--theme light: white background" \
    eval "tui_screen_colour | grep -q '48;5;231'"
tui_keys T
check "T switches theme at run time" tui_wait "theme: mono" 30
tui_keys q
tui_wait "^EXIT=0" 50
"$CLUSTERTOP" --theme no-such-theme > /dev/null 2> "$TUI_LOG/err" </dev/null
rc=$?
check "--theme no-such-theme: exit 2 with a message" \
    eval "test $rc -eq 2 && grep -q 'not found' '$TUI_LOG/err'"
tui_done
