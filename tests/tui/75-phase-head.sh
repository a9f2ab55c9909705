#!/bin/bash
# 75-phase-head.sh -- issue 16: in a phase run, the head's row says what
# the head is doing. A phase of two steps (its own phases file): the head
# waits for a file on the head, then every node waits for a file in its
# own /tmp. While the head's step runs its row says "running" and which
# step; while the nodes' step runs it says "waiting" for the node steps,
# with how many nodes are still in it; the test lets each part go by
# creating its file, so nothing depends on timing.
. "$(dirname "$0")/lib.sh"

mapfile -t nodes < <(sim_nodes)
n=${#nodes[@]}
folded=$("$CLUSTERTOP" hosts -f "${nodes[@]}" 2>/dev/null)
SSH=(ssh -F "$CLUSTERTOP_SSH_CONFIG" -o BatchMode=yes
    -o UserKnownHostsFile="$CLUSTERTOP_KNOWN_HOSTS")
on() { "${SSH[@]}" "$@" </dev/null 2>/dev/null; }
go_head=$TUI_LOG/go-head
for h in "${nodes[@]}"; do on "$h" 'rm -f /tmp/ct-go-nodes'; done
export CLUSTERTOP_STATE_DIR=$TUI_LOG/state
jq --arg go "$go_head" '{variables, maps, phases: [{number: 1,
    name: "waiter", title: "Wait: the head, then the nodes",
    description: ["Test phase: the head waits for a file, then every node does."],
    steps: [
	{name: "head part", where: "head", command: ("i=0; until [ -e " + $go +
	    " ]; do sleep 0.2; i=$((i+1)); [ $i -gt 3000 ] && exit 1; done; echo head part done")},
	{name: "hold on the nodes", where: "nodes", command: "i=0; until [ -e /tmp/ct-go-nodes ]; do sleep 0.2; i=$((i+1)); [ $i -gt 3000 ] && exit 1; done; echo released on $(hostname)"}]}]}' \
    "$root/src/phases.json" > "$TUI_LOG/phases.json"
export CLUSTERTOP_PHASES=$TUI_LOG/phases.json

tui_start 160 40 --interval 1 || { not_ok "tmux starts"; exit 1; }
tui_wait_count "^ +[^ ]* *node[0-9]+ +up +[0-9]" "$n" 150 || not_ok "all nodes up"
tui_keys p
tui_wait "Setup phases" 50
tui_keys 1
tui_wait "Enter or y: RUN phase 1" 50
tui_keys Enter
check "the head runs its own step: 'running' and which step" \
    tui_wait "^ head +running +step 1/2 \\(head part\\) on head" 100
check "the nodes are queued meanwhile" \
    tui_wait "^ ${nodes[0]} +(queued|-) " 10
: > "$go_head"
check "the nodes' step: the head row says 'waiting', not 'running'" \
    tui_wait "^ head +waiting +waiting for node steps: $n of $n nodes still in step 2/2 \\(hold on the nodes\\) on ${folded//[/\\[}" 100
check "...and the nodes are running it" \
    tui_wait_count "^ node[0-9]+ +running " "$n" 20
# Let two nodes go: the count follows.
on "${nodes[0]}" 'touch /tmp/ct-go-nodes'
on "${nodes[1]}" 'touch /tmp/ct-go-nodes'
check "two nodes released: $((n - 2)) of $n still in the step" \
    tui_wait "^ head +waiting +waiting for node steps: $((n - 2)) of $n nodes still in step 2/2" 100
for h in "${nodes[@]:2}"; do on "$h" 'touch /tmp/ct-go-nodes'; done
check "the phase ends" tui_wait "^ phase 1: " 200
check "the head row no longer waits" \
    eval "! tui_screen | grep -qE '^ head +waiting'"
tui_keys Escape
tui_wait "Setup phases" 20
tui_keys q
check "exit 0" tui_wait "^EXIT=0" 50
for h in "${nodes[@]}"; do on "$h" 'rm -f /tmp/ct-go-nodes'; done
tui_done
