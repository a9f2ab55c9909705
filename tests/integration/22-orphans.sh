#!/bin/bash
# 22-orphans.sh -- no remote process is left behind when the session that
# started it goes away: a link cut and healed, a node frozen and thawed,
# an in-process `clustertop exec` killed with -9, a `clustertop server`
# killed with -9 while a job runs. sshd never signals a command that has
# no terminal, so before the engine's watcher (engine_wrap_command) every
# one of these left a silent `sleep` running on the node for good.
#
# And the watcher does no more than that: a command that ends by itself
# leaves what it put in the background alone (as ssh does), and the
# watcher itself is gone with the command while the session stays open.
#
# The sim has no pid namespace: a node's processes are found through its
# network namespace (ip netns pids), as tests/faults/run-matrix.sh does.
# Env: SIM_ID (the sim under test, already up), CLUSTERTOP (the binary).
. "$(dirname "$0")/lib.sh"

(( ${#NODES[@]} >= 4 )) || { echo "not ok - need 4 nodes, sim has ${#NODES[@]}"; exit 1; }
N1=${NODES[0]} N2=${NODES[1]} N3=${NODES[2]} N4=${NODES[3]}
W="$N1,$N2,$N3,$N4"

T=$(mktemp -d /tmp/ct-22-orphans.XXXXXX)
export CLUSTERTOP_AUDIT_LOG=$T/audit.log CLUSTERTOP_STATE_DIR=$T/state
export XDG_RUNTIME_DIR=$T/run		# a private server, stopped by its pid
mkdir -m 700 "$XDG_RUNTIME_DIR"
export CLUSTERTOP_KEEPALIVE=1,3		# a lost session is noticed in ~4 s
FAILS=0
PIDS=()
ok()   { echo "ok - $*"; }
nok()  { echo "not ok - $*"; FAILS=$((FAILS + 1)); }
check() { local what=$1; shift; if "$@"; then ok "$what"; else nok "$what"; fi; }

# node_pids NODE REGEX: live processes in NODE's network namespace whose
# command line matches.
node_pids() {
	local p st cmd
	for p in $(ip netns pids "ctsim${SIM_ID}-$1" 2>/dev/null); do
		read -r st 2>/dev/null < "/proc/$p/stat" || continue
		st=${st##*) }; [ "${st%% *}" = Z ] && continue
		cmd=$(tr '\0' ' ' 2>/dev/null < "/proc/$p/cmdline") || continue
		[[ $cmd =~ $2 ]] && echo "$p"
	done
}
running_on() { [ -n "$(node_pids "$1" "$2")" ]; }
gone_on() { [ -z "$(node_pids "$1" "$2")" ]; }
# poll N CMD...: CMD true within N tries, 0.1 s apart
poll() { local n=$1 i; shift; for ((i = 0; i < n; i++)); do "$@" && return 0; sleep 0.1; done; return 1; }
# none_left REGEX NODE...: nothing matching on any of the nodes within 20 s
# (the watcher polls once a second, then TERM, then KILL 2 s later)
none_left() {
	local re=$1 n; shift
	for n in "$@"; do
		poll 200 gone_on "$n" "$re" || {
			echo "#   left on $n: $(node_pids "$n" "$re" | xargs -r ps -o pid=,args= -p)"
			return 1
		}
	done
}
cleanup() {
	local p n
	for p in "${PIDS[@]}" $(cat "$XDG_RUNTIME_DIR/clustertop/server.lock" 2>/dev/null); do
		kill -0 "$p" 2>/dev/null && kill "$p"
	done
	for n in "$N2"; do
		$SIM fault "$n" thaw-node >/dev/null 2>&1
		$SIM fault "$n" heal >/dev/null 2>&1
	done
	for n in "$N1" "$N2" "$N3" "$N4"; do	# what a failed case left, by pid
		p=$(node_pids "$n" "sleep (900|30)\.$$[0-9]")
		[ -n "$p" ] && kill $p 2>/dev/null
	done
	rm -rf "$T"
}
trap cleanup EXIT

tok() { echo "$$$((RANDOM % 90000 + 10000))"; }	# digits: sleep takes 900.TOK
# only_n2 TOK: node2 sleeps (silently) for 900 s, the others end at once
only_n2() { echo "case \$(hostname) in $N2) sleep 900.$1;; *) echo ok;; esac"; }

# --- a link cut, then healed; a node frozen, then thawed -------------------------
lost_mid_command() {  # NAME FAULT UNDO
	local t; t=$(tok)
	"$CT" exec --no-server --json -t 3 -w "$W" --nostdin -- "$(only_n2 "$t")" \
	    >"$T/$1.json" 2>"$T/$1.err" & local bg=$!
	PIDS+=("$bg")
	check "$1: the silent sleep runs on $N2" poll 200 running_on "$N2" "sleep 900\.$t"
	$SIM fault "$N2" "$2" >/dev/null
	wait "$bg"; local rc=$?
	check "$1: exec exits 255, $N2 connection lost in --json" bash -c "test $rc = 255 &&
	    test \"\$(jq -r 'select(.host == \"$N2\") | \"\(.state) \(.connection_lost)\"' '$T/$1.json')\" = 'failed true'"
	$SIM fault "$N2" "$3" >/dev/null
	check "$1: no sleep left on $N2 after $3" none_left "sleep 900\.$t" "$N2"
}
lost_mid_command cut-heal cut heal
lost_mid_command freeze-thaw freeze-node thaw-node

# --- kill -9 of an in-process exec ---------------------------------------------------
t=$(tok)
"$CT" exec --no-server -t 3 -w "$W" --nostdin -- "sleep 900.$t" >/dev/null 2>&1 & bg=$!
PIDS+=("$bg")
check "kill -9 exec: the sleep runs on all 4" bash -c "$(declare -f node_pids running_on poll); SIM_ID=$SIM_ID
	for n in $N1 $N2 $N3 $N4; do poll 200 running_on \$n 'sleep 900\.$t' || exit 1; done"
kill -9 "$bg"; wait "$bg" 2>/dev/null
check "kill -9 exec: no sleep left on any node" none_left "sleep 900\.$t" "$N1" "$N2" "$N3" "$N4"

# --- kill -9 of a running server with a job in flight ----------------------------------
"$CT" server start >"$T/srv.out" 2>&1
sp=$(cat "$XDG_RUNTIME_DIR/clustertop/server.lock" 2>/dev/null)
check "server started (pid ${sp:-?})" bash -c "test -n '$sp' && kill -0 '$sp'"
t=$(tok)
# (no -t: a connect timeout other than the server's runs in-process)
"$CT" exec --server -w "$W" --nostdin -- "sleep 900.$t" >"$T/srv-exec.out" 2>&1 & bg=$!
PIDS+=("$bg")
check "kill -9 server: the job's sleep runs on all 4" bash -c "$(declare -f node_pids running_on poll); SIM_ID=$SIM_ID
	for n in $N1 $N2 $N3 $N4; do poll 200 running_on \$n 'sleep 900\.$t' || exit 1; done"
check "kill -9 server: the job runs in the server (its audit start names the client)" \
	bash -c "grep '\"event\":\"start\"' '$CLUSTERTOP_AUDIT_LOG' | grep -F 'sleep 900.$t' | grep -q '\"pid\":$sp,.*\"client_pid\":$bg,'"
[ -n "$sp" ] && kill -9 "$sp"
poll 600 bash -c "! kill -0 $bg 2>/dev/null"
check "kill -9 server: the client ends" bash -c "! kill -0 $bg 2>/dev/null"
wait "$bg" 2>/dev/null
check "kill -9 server: no sleep left on any node" none_left "sleep 900\.$t" "$N1" "$N2" "$N3" "$N4"

# --- lost while its sshd never hears of it: killed through the next session ----------------
# The sshd session process stopped (SIGSTOP): it never reads the server's
# EOF, so the watcher sees it alive and waits. The server's keepalives
# fail, it reconnects, and the new session kills the lost group.
"$CT" server start >"$T/srv3.out" 2>&1
t=$(tok)
"$CT" exec --server -w "$N2" --nostdin -- "sleep 900.$t" >"$T/stop.out" 2>&1 & bg=$!
PIDS+=("$bg")
check "sshd stopped: the sleep runs on $N2" poll 200 running_on "$N2" "sleep 900\.$t"
ss=$(ps -o ppid= -p "$(node_pids "$N2" "sleep 900\.$t" | head -n 1)" 2>/dev/null | tr -d ' ')
check "sshd stopped: its parent is the sshd session process (${ss:-?})" \
	bash -c "test -n '$ss' && tr '\0' ' ' < /proc/$ss/cmdline | grep -q '^sshd:'"
[ -n "$ss" ] && kill -STOP "$ss"
poll 600 bash -c "! kill -0 $bg 2>/dev/null"
wait "$bg"; rc=$?
check "sshd stopped: exec exits 255 (connection lost)" test "$rc" = 255
sleep 3		# longer than the watcher's poll: the watcher alone can't do it
check "sshd stopped: the watcher leaves the sleep (its sshd is alive)" running_on "$N2" "sleep 900\.$t"
# the server reconnects a failed node when a client next asks for it
"$CT" exec --server -w "$N2" --nostdin -- true >/dev/null 2>&1
check "sshd stopped: the next exec on $N2 kills it (that sshd still stopped)" none_left "sleep 900\.$t" "$N2"
check "...and it was still stopped" bash -c "test \"\$(sed 's/.*) //' /proc/$ss/stat | cut -d' ' -f1)\" = T"
[ -n "$ss" ] && kill -CONT "$ss"
"$CT" server stop >/dev/null 2>&1

# --- and no more than that ------------------------------------------------------------------
# A command that ends by itself: what it started in the background stays
# (nohup'd, its output elsewhere), as with ssh.
t=$(tok)
"$CT" exec --no-server -t 3 -w "$N1" --nostdin -- "nohup sleep 30.$t >/dev/null 2>&1 & echo started" >"$T/bgd.out" 2>&1; rc=$?
check "a command's own background process: exit 0" test "$rc" = 0
sleep 3		# longer than the watcher's poll: it would have struck by now
check "...is still running 3 s after the command ended" running_on "$N1" "sleep 30\.$t"
for p in $(node_pids "$N1" "sleep 30\.$t"); do kill "$p"; done
# The watcher ends with its command while the session stays open (server).
"$CT" server start >"$T/srv2.out" 2>&1
t=$(tok)
"$CT" exec --server -w "$W" --nostdin -- "echo w-$t" >"$T/w.out" 2>&1; rc=$?
check "through the server: exit 0, 4 answers" bash -c "test $rc = 0 && test \$(grep -c 'w-$t' '$T/w.out') = 4"
check "the watchers are gone with their commands (the sessions stay open)" none_left "w-$t" "$N1" "$N2" "$N3" "$N4"
"$CT" server stop >/dev/null 2>&1

[ "$FAILS" = 0 ]
