#!/bin/bash
# 90-server.sh -- the dashboard hosted by the resident server: a console
# command survives the loss of the terminal (tmux client killed: SIGHUP)
# and is found finished, 8 answers grouped, by the next `clustertop`; two
# clients see the same live screen, the second read-only (its keys
# dropped, a hint on its bottom line) until ^T takes the keys over; vi in
# broadcast mode survives a detach (^\) and still takes keys on every
# node; q in an attached dashboard ends it and its client. The dashboard
# runs on the server's own engine: its pid is the server's, and there is
# one SSH session per node, shared with exec.
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
spid=$(cat "$SDIR/server.lock")
check "the dashboard runs in the server process itself (pid $spid)" test "$pid1" = "$spid"
# One session per node: the server's sshd connections to node01 (the
# dashboard's stream and console) and an exec through the server share it.
"$CLUSTERTOP" exec -w node01 true >"$TUI_LOG/exec1" 2>&1
check "exec through the server while the dashboard is up" test $? = 0
sessions_of() {  # established TCP connections of pid $1 to port 22
	ss -tnp state established '( dport = :22 )' 2>/dev/null | grep -c "pid=$1,"
}
check "one SSH session per node for dashboard and exec alike ($(sessions_of "$spid") for $n nodes)" \
	test "$(sessions_of "$spid")" = "$n"
tui_keys :
tui_wait '^ *: ' 20
tui_keys -l 'sleep 30; hostname'
tui_keys Enter
check "the command runs" tui_wait "0/$n done" 50
cpid=$(tui_pid)
audit_names() {  # the console's start record names client pid $1
	grep '"label":"console"' "$CLUSTERTOP_AUDIT_LOG" | grep '"command":"sleep 30; hostname"' |
	    grep -q "\"client_pid\":$1,"
}
check "the server's audit of the console command names the client (pid $cpid)" audit_names "$cpid"
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
tui_wait '^ *\$ sleep 30; hostname' 100
tui_keys Escape
tui_wait_count "$row" "$n" 100

# 2b. A second client: the same live screen, read-only until ^T.
RO_TMUX="tmux -L ct$$-ro -f /dev/null"
ro_screen() { $RO_TMUX capture-pane -p -J 2>/dev/null; }
ro_wait() {  # REGEX [POLLS] on the second client's screen
	local re=$1 k m
	m=$(tui_polls "${2:-}")
	for ((k = 0; k < m; k++)); do
		ro_screen | grep -Eq -- "$re" && return 0
		sleep "$TUI_POLL"
	done
	return 1
}
ro_stop() { $RO_TMUX kill-server 2>/dev/null; return 0; }
trap 'ro_stop; server_cleanup' EXIT
$RO_TMUX -2 new-session -d -x 130 -y 40 \
    "TERM=tmux-256color $(printf %q "$CLUSTERTOP") --interval 1 2>$TUI_LOG/stderr-ro; echo EXIT=\$?; sleep 600"
check "a second client sees the same node table" ro_wait "node08 +up" 150
check "the second client shows the read-only hint" \
	ro_wait 'read-only: another client has the keys; \^T takes over' 100
check "the first client has no hint (it has the keys)" \
	bash -c "! $TUI_TMUX capture-pane -p -J | grep -q 'read-only: another client'"
check "server status: 2 clients attached" test "$(srv_status | jq -r .attached)" = 2
# Keys of the read-only client are dropped; ^T after them (same
# connection, so after them) takes the keys.
$RO_TMUX send-keys '?' C-t
check "^T: the first client is read-only now" tui_wait 'read-only: another client has the keys' 100
ro_lacks() { ! ro_screen | grep -Eq -- "$1"; }
check "the read-only client's ? was dropped (no help after the take-over)" \
	ro_lacks 'clustertop keys'
$RO_TMUX send-keys '?'
check "the new writer's ? opens the help" ro_wait 'clustertop keys' 50
check "the first client sees the same help (one live screen)" tui_wait 'clustertop keys' 50
$RO_TMUX send-keys q
check "the help closes on both" tui_wait_gone 'clustertop keys' 50
tui_keys C-t
check "^T on the first client: the second is read-only again" \
	ro_wait 'read-only: another client has the keys' 100
ro_stop
gone=0
for i in $(seq 1 50); do
	[ "$(srv_status | jq -r .attached)" = 1 ] && { gone=1; break; }
	sleep "$TUI_POLL"
done
check "the second client's terminal gone: 1 attached" test "$gone" = 1
# clustertop --take-over: attached as the writer at once (tmux attach -d).
$RO_TMUX -2 new-session -d -x 130 -y 40 \
    "TERM=tmux-256color $(printf %q "$CLUSTERTOP") --take-over --interval 1 2>>$TUI_LOG/stderr-ro; echo EXIT=\$?; sleep 600"
check "--take-over: the first client is read-only at once" \
	tui_wait 'read-only: another client has the keys' 100
check "--take-over: the new client has the node table and no hint" \
	ro_wait "node08 +up" 100
ro_pid() { pgrep -n -P "$($RO_TMUX display -p '#{pane_pid}')" -x clustertop; }
check "server status: the writer is the --take-over client (pid $(ro_pid))" \
	test "$(srv_status | jq -r .writer_pid)" = "$(ro_pid)"
ro_stop
check "its terminal gone: the first client has the keys again" \
	tui_wait_gone 'read-only: another client' 100
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

tui_keys C-]
tui_keys q
check "broadcast closes" tui_wait "broadcast closed" 50

# 3b. A push (P) on the server's engine goes on through a detach.
payload=$TUI_LOG/payload.bin
head -c 200000 /dev/urandom >"$payload"
sum=$(sha256sum <"$payload" | cut -d' ' -f1)
dest=/tmp/ct-srv-push-$$
tui_keys P
check "P opens the push form" tui_wait "^ +Push files +target: (all )?$n nodes" 50
tui_keys "$payload" Tab C-u "$dest/"
tui_keys Enter
tui_keys 'C-\'
check "detached during the push" tui_wait 'EXIT=0' 50
tui_start 130 40 --interval 1
check "reattached: the push finished on all $n nodes" \
	tui_wait "^ finished .*: $n nodes: $n done, 0 sending, 0 queued, 0 failed" 300
good=0
for node in $(sim_nodes); do
	[ "$("$root/tests/sim/simcluster" exec "$node" sh -c "sha256sum < $dest/payload.bin" 2>/dev/null |
	    cut -d' ' -f1)" = "$sum" ] && good=$((good + 1))
	"$root/tests/sim/simcluster" exec "$node" rm -rf "$dest" 2>/dev/null
done
check "the pushed file is identical on all $n nodes" test "$good" = "$n"
tui_keys Escape
tui_wait "LOAD1" 50

# 3c. A phase run (the Slurm test: t s) goes on through a detach; the
# next client is larger: the screen takes its size.
folded=$("$CLUSTERTOP" hosts -f $(sim_nodes) 2>/dev/null)
tui_keys t
check "t opens the tests menu" tui_wait "s  Slurm test" 50
tui_keys s
check "the Slurm test runs" tui_wait "^ phase 9 (\\(|finished)" 100
tui_keys 'C-\'
check "detached during the phase run" tui_wait 'EXIT=0' 50
tui_start 170 50 --interval 1
check "reattached (170x50): the Slurm test finished" tui_wait "^ phase 9 finished" 900
check "reattached: it passed on the head and every node" \
	tui_wait "^ phase 9: .*passed head,${folded//[/\\[}" 50
tui_keys Escape
tui_wait_gone "s  Slurm test" 50
tui_keys Escape
tui_wait "LOAD1" 50

# 4. q ends the hosted dashboard and its client.
tui_keys q
check "q: the dashboard quits, the client exits 0" tui_wait 'EXIT=0' 100
check "the server has no dashboard any more" \
	test "$(srv_status | jq -r .dashboard_pid)" = null
"$CLUSTERTOP" server stop >"$TUI_LOG/stop" 2>&1
check "server stop" grep -q "stopped (pid" "$TUI_LOG/stop"
check "the server's log has no sanitizer report" bash -c "! grep -q Sanitizer '$SDIR/server.log'"
grep -i sanitizer -A30 "$SDIR/server.log" | head -40
tui_done
