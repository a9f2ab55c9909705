#!/bin/bash
# 20-keys.sh -- issue 5: sort, filter, selection, views, help and resize,
# driven like a user would.
. "$(dirname "$0")/lib.sh"

mapfile -t nodes < <(sim_nodes)
n=${#nodes[@]}
[ "$n" -ge 4 ] || { echo "not ok - the sim has fewer than 4 nodes"; exit 1; }
row="^ +[^ ]* *node[0-9]+ +"
rows=$((n + 10))
[ $rows -lt 24 ] && rows=24

tui_start 130 "$rows" --interval 1 || { not_ok "tmux starts"; exit 1; }
tui_wait_count "${row}up +[0-9]" "$n" 150 || not_ok "all nodes up"

# Sort: per-column keys, s cycles, S reverses; the title shows the arrow.
tui_keys L
check "L sorts by load (title LOAD1 marked)" tui_wait "LOAD1[▼v]" 20
tui_keys S
check "S reverses the sort" tui_wait "LOAD1[▲^]" 20
tui_keys N
check "N sorts by name" tui_wait "NODE[▲^]" 20
first=$(tui_screen | grep -E "$row" | head -1 | awk '{print ($1 ~ /^node/) ? $1 : $2}')
check "name order starts with ${nodes[0]}" test "$first" = "${nodes[0]}"
tui_keys N
tui_wait "NODE[▼v]" 20
first=$(tui_screen | grep -E "$row" | head -1 | awk '{print ($1 ~ /^node/) ? $1 : $2}')
check "N again: name order reversed (${nodes[n - 1]} first)" \
    test "$first" = "${nodes[n - 1]}"
tui_keys N
tui_keys s
check "s cycles to the next column" tui_wait "sort by state" 20
tui_keys N

# Filter: host list, substring, state, invalid, cleared by Esc.
tui_keys / "${nodes[0]%[0-9][0-9]}[01-03]" Enter
check "filter by host list shows 3 rows" tui_wait_count "$row" 3 30
check "status line shows the filter" tui_wait "filter ${nodes[0]%[0-9][0-9]}\[01-03\]" 30
tui_keys Escape
check "Esc clears the filter" tui_wait_count "$row" "$n" 30
tui_keys / "${nodes[1]: -2}" Enter
check "substring filter shows 1 row" tui_wait_count "$row" 1 30
tui_keys / C-u "state:up" Enter
check "state filter shows every up node" tui_wait_count "$row" "$n" 30
tui_keys / C-u "node[3-" Enter
check "an invalid host list is refused with a message" tui_wait "filter: " 20
tui_keys Escape
tui_keys Escape
check "filter gone" tui_wait_count "$row" "$n" 30

# Selection: space (one, and the cursor moves on), a (all), a (none),
# + host list, u (clear).
tui_keys g Space
check "space selects one node" tui_wait "1 selected" 20
tui_keys Space
check "space again selects the next" tui_wait "2 selected" 20
tui_keys a
check "a selects all shown" tui_wait "$n selected" 20
tui_keys a
check "a again unselects them" tui_wait_gone "selected" 20
tui_keys + "${nodes[0]%[0-9][0-9]}[02-04]" Enter
check "+ selects by host list" tui_wait "3 selected" 20
check "selected rows are marked" tui_wait_count "^ [●*] +node" 3 20
tui_keys - "state:up" Enter
check "- unselects by state" tui_wait_gone "[0-9]+ selected" 20

# Views: detail (Enter), back (Esc), heat map (Tab), metric (m), help (?).
tui_keys g Enter
check "Enter opens the detail view" tui_wait "CPU % \(newest at the right\)" 20
tui_keys Escape
check "Esc goes back to the table" tui_wait "LOAD1" 20
tui_keys Tab
check "Tab shows the heat map" tui_wait "heat map ·|heat map \|" 20
tui_keys m
check "m changes the heat-map metric" tui_wait "load per CPU" 20
tui_keys Tab
check "Tab back to the table" tui_wait "LOAD1" 20
tui_keys '?'
check "? shows the help" tui_wait "clustertop keys" 20
tui_keys q
check "q closes the help (not the program)" tui_wait_gone "clustertop keys" 20
check "still running after closing help" tui_wait "LOAD1" 5

# The keys of the other views have tests of their own: ":" 50-console.sh,
# b 60-broadcast.sh, p t 70-phases.sh, P n 80-push-nvme.sh.
check "clustertop is still running" tui_wait_gone "^EXIT=" 2

# Resize: smaller, then larger; the frame follows (status line last).
tui_resize 80 20
check "resize to 80x20: header, titles and status redrawn" \
    tui_wait "^ table · $n/$n shown" 30
width=$(tui_screen | wc -L)
check "no line wider than 80 after the resize" test "$width" -le 80
check "80 columns keep NODE, STATE, CPU%" tui_wait "NODE.*STATE.*CPU%" 10
tui_resize 160 $((n + 12))
check "resize to 160 columns shows the history column" \
    tui_wait "CPU HISTORY" 30
check "all rows back after growing" tui_wait_count "${row}up" "$n" 30
tui_resize 20 5
check "a tiny terminal says so" tui_wait "terminal too small" 30
tui_resize 130 "$rows"
check "and recovers" tui_wait_count "${row}up" "$n" 30

tui_keys q
check "q quits with status 0" tui_wait "^EXIT=0" 50
tui_done
