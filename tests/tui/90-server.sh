#!/bin/bash
# 90-server.sh -- the dashboard hosted by the resident server: a console
# command survives the loss of the terminal (tmux client killed: SIGHUP)
# and is found finished, 8 answers grouped, by the next `clustertop`; vi
# in broadcast mode survives a detach (^\) and still takes keys on every
# node; q in an attached dashboard ends it and its client.
#
# The server runs in a private XDG_RUNTIME_DIR and is stopped by its pid.
. "$(dirname "$0")/lib.sh"

export XDG_RUNTIME_DIR=$TUI_LOG/run
mkdir -m 700 "$XDG_RUNTIME_DIR"
SDIR=$XDG_RUNTIME_DIR/clustertop
n=$(sim_nodes | wc -l)
row='^ *node0[1-9] +up'
srv_status() { "$CLUSTERTOP" server status --json 2>/dev/null; }
server_cleanup() {
	local p
	tui_stop
	p=$(cat "$SDIR/server.lock" 2>/dev/null)
	[ -n "$p" ] && kill -0 "$p" 2>/dev/null && kill "$p"
}
trap server_cleanup EXIT

"$CLUSTERTOP" server start >"$TUI_LOG/start" 2>&1
check "server start" grep -q "started (pid" "$TUI_LOG/start"

# 1. A console command, the terminal lost, reattached: finished, grouped.
tui_start 130 40 --interval 1
check "the dashboard comes up through the server" tui_wait_count "$row" "$n" 150
pid1=$(srv_status | jq -r .dashboard_pid)
check "the server hosts it (dashboard pid $pid1)" test "$pid1" -gt 0
tui_keys :
tui_wait '^ *: ' 20
tui_keys -l 'sleep 10; hostname'
tui_keys Enter
check "the command runs" tui_wait "0/$n done" 50
tui_stop	# the tmux server dies: the client gets SIGHUP
gone=0
for i in $(seq 1 50); do
	[ "$(srv_status | jq -r .attached)" = 0 ] && { gone=1; break; }
	sleep "$TUI_POLL"
done
pid2=$(srv_status | jq -r .dashboard_pid)
check "SIGHUP of the client: detached, the server and its dashboard live on" \
	test "$gone" = 1 -a "$pid2" = "$pid1"
tui_start 130 40 --interval 1
check "reattached: the command finished on all $n nodes" tui_wait "$n/$n done" 300
check "reattached: $n answers, each in its block" \
	tui_wait_count '^.? *node0[1-9] \(1\)  exit 0' "$n" 50

# 2. Detach with ^\: the client exits 0, the dashboard stays.
tui_keys 'C-\'
check "^\\ detaches (client exit 0)" tui_wait 'EXIT=0' 50
check "detached: the message says how to come back" tui_wait 'detached from the clustertop server' 10

# 3. vi in broadcast mode survives a detach and still reaches every node.
for node in $(sim_nodes); do
	"$root/tests/sim/simcluster" exec "$node" rm -f /tmp/ct-srv-vi.txt
done
tui_start 130 40 --interval 1
tui_wait '^ *\$ sleep 10; hostname' 100
tui_keys Escape
tui_wait_count "$row" "$n" 100
tui_keys a b
tui_wait "BROADCAST to $n nodes" 50
tui_wait "node01.*[#$] *$" 150
tui_keys -l 'clear; vi /tmp/ct-srv-vi.txt'; tui_keys Enter
check "vi opens on the nodes" tui_wait '^~' 150
tui_keys 'C-\'
tui_wait 'EXIT=0' 50
tui_start 130 40 --interval 1
check "reattached: vi's screen is rebuilt" tui_wait '^~' 150
tui_keys i; tui_keys -l 'typed-after-reattach'; tui_keys Escape
tui_wait '^typed-after-reattach' 100
tui_keys -l ':wq'; tui_keys Enter
check "vi exits" tui_wait_gone '^~' 150
vi_files() {  # 0 once every node's file holds the line
	local node
	for node in $(sim_nodes); do
		"$root/tests/sim/simcluster" exec "$node" cat /tmp/ct-srv-vi.txt 2>/dev/null |
		    grep -qx typed-after-reattach || return 1
	done
}
ok_all=0
for i in $(seq 1 50); do vi_files && { ok_all=1; break; }; sleep "$TUI_POLL"; done
check "typing after the reattach reached all $n nodes (the file on each)" test "$ok_all" = 1

# 4. q ends the hosted dashboard and its client.
tui_keys C-]
tui_keys q
tui_wait "broadcast closed" 50
tui_keys q
check "q: the dashboard quits, the client exits 0" tui_wait 'EXIT=0' 100
check "the server has no dashboard any more" \
	test "$(srv_status | jq -r .dashboard_pid)" = null
"$CLUSTERTOP" server stop >"$TUI_LOG/stop" 2>&1
check "server stop" grep -q "stopped (pid" "$TUI_LOG/stop"
check "the server's log has no sanitizer report" bash -c "! grep -q Sanitizer '$SDIR/server.log'"
grep -i sanitizer -A30 "$SDIR/server.log" | head -40
tui_done
