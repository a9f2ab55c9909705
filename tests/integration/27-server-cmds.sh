#!/bin/bash
# 27-server-cmds.sh -- push, pull, phase, nvme, test and nodes through the
# resident server give the same bytes and exit codes as in-process
# (--no-server); the server's audit records name the client; a client that
# dies mid-command leaves nothing running; signals give 130 both ways; 100
# sequential execs through the server open no new SSH connection.
#
# Each case runs both ways and compares the exit code, stdout and stderr.
# Lines of per-node output arrive in an order that differs from run to run
# (in-process too), so "sort" cases compare sorted lines; "exact" cases
# byte for byte. server.log must show that the server ran each case.
# A private phases file (harmless phases) and state directory are used:
# the real phases change the head node.
# Env: SIM_ID (the sim under test, already up), CLUSTERTOP (the binary).
. "$(dirname "$0")/lib.sh"
export LVM_SUPPRESS_FD_WARNINGS=1
ROOT=$PWD
SIM=$PWD/$SIM
[[ $CT == /* ]] || CT=$PWD/$CT

STATE=$(jq -r .state_dir <<<"$SIMJSON")
(( ${#NODES[@]} >= 4 )) || { echo "not ok - need 4 nodes, sim has ${#NODES[@]}"; exit 1; }
N1=${NODES[0]} N2=${NODES[1]} N3=${NODES[2]} N4=${NODES[3]}
W="$N1,$N2,$N3,$N4"
dev() { jq -r --arg n "$1" '.nodes[] | select(.name == $n) | .instance_store' <<<"$SIMJSON"; }
D2=$(dev "$N2")

T=$(mktemp -d /tmp/ct-27-server-cmds.XXXXXX)
chmod 755 "$T"
export CLUSTERTOP_AUDIT_LOG=$T/audit.log
export XDG_RUNTIME_DIR=$T/run
export CLUSTERTOP_STATE_DIR=$T/state
export CLUSTERTOP_PHASES=$T/phases.json
export CT27_VAR=from-the-client
mkdir -m 700 "$XDG_RUNTIME_DIR"
SDIR=$XDG_RUNTIME_DIR/clustertop
LOG=$SDIR/server.log
FAILS=0
FAULTS=()
ok()   { echo "ok - $*"; }
nok()  { echo "not ok - $*"; FAILS=$((FAILS + 1)); }
check() { local what=$1; shift; if "$@"; then ok "$what"; else nok "$what"; fi; }
fault() { $SIM fault "$1" "$2" >/dev/null; }
on()   { local n=$1; shift; $SIM exec "$n" sh -c "$*"; }

cat >"$T/phases.json" <<'JSON'
{
  "version": 1,
  "variables": { "secs": "1" },
  "phases": [
    { "number": 1, "name": "hello", "title": "Hello: every node and the head say who they are",
      "description": "A harmless phase for the server tests.",
      "steps": [
        { "name": "head says", "where": "head", "command": "echo \"head cwd=$(pwd) var=${CT27_VAR:-unset}\"" },
        { "name": "nodes say", "where": "nodes", "command": "echo \"hello from $(hostname)\"; echo \"err from $(hostname)\" >&2" }
      ] },
    { "number": 2, "name": "flaky", "title": "Flaky: fails where /tmp/ct27-fail exists", "confirm": true,
      "description": "For --failed and the confirmation.",
      "steps": [
        { "name": "check", "where": "nodes", "command": "if [ -e /tmp/ct27-fail ]; then echo \"failing on $(hostname)\" >&2; exit 5; fi; echo ok" }
      ] },
    { "number": 3, "name": "sleeper", "title": "Sleeper: sleeps for a while",
      "description": "For the interrupt tests.",
      "steps": [
        { "name": "sleep", "where": "nodes", "command": "sleep {secs}; echo slept" }
      ] }
  ]
}
JSON

server_pid() { cat "$SDIR/server.lock" 2>/dev/null; }
cleanup() {
	local f p
	for f in "${FAULTS[@]}"; do fault ${f%%:*} ${f#*:}; done
	p=$(server_pid)
	if [[ -n $p ]] && kill -0 "$p" 2>/dev/null; then
		"$CT" server stop >/dev/null 2>&1 || kill "$p"
	fi
	on "$N2" "rm -f /tmp/ct27-fail; wipefs -a -q $D2" 2>/dev/null
	for n in $N1 $N2 $N3 $N4; do on "$n" "rm -rf /tmp/ct27-dest /tmp/ct27-dir" 2>/dev/null; done
	[[ -n ${TDIR:-} ]] && rm -rf "$TDIR"
	rm -rf "$T"
}
trap cleanup EXIT
served() { grep -c ": $1: exit" "$LOG" 2>/dev/null || true; }

# both NAME MODE SUB ARGS...: `clustertop SUB ARGS` in-process and through
# the server, stdin from $IN. MODE sort|exact. Checks rc, stdout, stderr,
# and that the server ran it (SERVED=no for a case it must decline).
IN=/dev/null
SERVED=yes
both() {
	local name=$1 mode=$2 sub=$3 k n0; shift 2
	CLUSTERTOP_NO_SERVER=1 "$CT" "$@" <"$IN" >"$T/a.out" 2>"$T/a.err"; RA=$?
	n0=$(served "$sub")
	"$CT" "$@" <"$IN" >"$T/b.out" 2>"$T/b.err"; RB=$?
	for k in a b; do
		case $mode in
		sort)	sort "$T/$k.out" >"$T/$k.o"; sort "$T/$k.err" >"$T/$k.e" ;;
		exact)	cp "$T/$k.out" "$T/$k.o"; cp "$T/$k.err" "$T/$k.e" ;;
		slurm)	# Slurm's job ids, and the job states seen on the way, differ
			# from run to run (in-process too): those are taken out.
			for s in out err; do
				sed -E 's/([Jj]ob|jobs) [0-9]+/\1 N/g; s/-[0-9]+\.out/-N.out/g
					/: (PENDING|CONFIGURING|RUNNING|COMPLETING)( on [^ ]*)?$/d' \
					"$T/$k.$s" | sort >"$T/$k.${s:0:1}"
			done ;;
		esac
	done
	check "$name: exit code the same ($RA, $RB)" test "$RA" = "$RB"
	if cmp -s "$T/a.o" "$T/b.o"; then ok "$name: stdout the same ($(wc -c <"$T/a.out") bytes)"
	else nok "$name: stdout differs"; diff "$T/a.o" "$T/b.o" | head -10; fi
	if cmp -s "$T/a.e" "$T/b.e"; then ok "$name: stderr the same ($(wc -c <"$T/a.err") bytes)"
	else nok "$name: stderr differs"; diff "$T/a.e" "$T/b.e" | head -10; fi
	if [[ $SERVED == yes ]]; then
		check "$name: the server ran it" test "$(served "$sub")" -gt "$n0"
	fi
}
kill_sessions() {
	local listener p
	listener=$(cat "$STATE/run/sshd-$1.pid" 2>/dev/null)
	for p in $(ip netns pids "ctsim${SIM_ID}-$1"); do
		[[ $(readlink /proc/$p/exe) == /usr/sbin/sshd && $p != "$listener" ]] &&
			kill "$p" 2>/dev/null
	done
	return 0
}
wait_up() {
	local i up=
	for i in $(seq 1 150); do
		up=$("$CT" server status --json 2>/dev/null | jq -r .up)
		[[ $up == "$1" ]] && return 0
		sleep 0.2
	done
	echo "# the server reports up=$up, waited for $1"
	return 1
}
remote_running() { on "$1" "ps -eo args" | grep -q "^sleep $2\$"; }
wait_remote() {	# NODE TOKEN: until the remote sleep runs (bounded)
	local i
	for i in $(seq 1 100); do remote_running "$1" "$2" && return 0; sleep 0.2; done
	return 1
}
wait_remote_gone() {
	local i
	for i in $(seq 1 100); do remote_running "$1" "$2" || return 0; sleep 0.2; done
	return 1
}

"$CT" server start >"$T/start" 2>&1
check "server start" grep -q "started (pid" "$T/start"
# Connect the nodes once (as a first command would).
"$CT" exec -w "$W" true >/dev/null 2>&1
check "the server has the 4 nodes up" wait_up 4

# --- nodes ----------------------------------------------------------------------
both "nodes" exact nodes -w "$W"
both "nodes --json" exact nodes --json -w "$W"
both "nodes: bad option (exit 2)" exact nodes --bogus

# --- phase ----------------------------------------------------------------------
both "phase list" exact phase list
both "phase show 1" exact phase show 1
both "phase: unknown action (exit 2)" exact phase frob
both "phase run 1 -y (head: the client's cwd and env)" sort phase run 1 -y -w "$W"
check "phase run 1 through the server: the head step ran in the client's cwd with its env" \
	grep -qx "head cwd=$PWD var=from-the-client" "$T/b.out"
both "phase run 2 --dry-run" exact phase run 2 --dry-run -w "$W"
both "phase run 2 without -y, no terminal: refused (exit 2)" exact phase run 2 -w "$W"
on "$N2" "touch /tmp/ct27-fail"
both "phase run 2 -y, $N2 fails" sort phase run 2 -y -w "$W"
check "phase run 2 -y: exit 1 and the --failed hint" \
	bash -c "test $RB = 1 && grep -q 'phase run 2 --failed' '$T/b.out'"
both "phase run 2 --failed -y (only $N2, fails again)" sort phase run 2 --failed -y
check "--failed ran on $N2 only" bash -c "grep -q 'failing on $N2' '$T/b.out' && ! grep -q '$N1' '$T/b.out'"
on "$N2" "rm -f /tmp/ct27-fail"
both "phase run 9 (no such phase, exit 2)" exact phase run 9 -y

# The confirmation on the client's terminal (a pty from script(1)): n, then y.
ask() {	# ANSWER NOSERVER: phase run 2 on a terminal, answering ANSWER
	printf '%s\n' "$1" | CLUSTERTOP_NO_SERVER=$2 script -qec "$CT phase run 2 -w $N1" /dev/null |
		tr -d '\r'
	return "${PIPESTATUS[1]}"
}
n0=$(served phase)
ask n 1 >"$T/a.tty"; RA=$?
ask n "" >"$T/b.tty"; RB=$?
check "confirmation refused on the terminal: exit 2 both ways ($RA, $RB)" test "$RA" = 2 -a "$RB" = 2
check "confirmation refused: the same terminal output" cmp -s "$T/a.tty" "$T/b.tty"
check "confirmation refused: the question was asked through the server" \
	bash -c "grep -q 'Run phase 2 on the head node and $N1 (1 node)? \[y/N\] clustertop: not confirmed' '$T/b.tty' && test \$(grep -c ': phase: exit' '$LOG') -gt $n0"
ask y "" >"$T/b.tty"; RB=$?
check "confirmation y on the terminal through the server: the phase ran (exit $RB)" \
	bash -c "test $RB = 0 && grep -q 'phase 2: changed $N1 (1)' '$T/b.tty'"

# --- nvme ------------------------------------------------------------------------
both "nvme scan" exact nvme scan -w "$W"
both "nvme: unknown command (exit 2)" exact nvme frob
both "nvme wipe -y without --confirm (exit 2)" exact nvme wipe -y -w "$W"
on "$N2" "mkfs.ext4 -q -F $D2"
both "nvme scan, ext4 on $N2" exact nvme scan -w "$W"
both "nvme wipe --dry-run" exact nvme wipe --dry-run -w "$W"
both "nvme wipe without -y: refused (exit 2)" exact nvme wipe -w "$W"
both "nvme wipe -y --confirm 5: plan mismatch refused (exit 2)" exact nvme wipe -y --confirm 5 -w "$W"
"$CT" nvme wipe -y --confirm 1 -w "$W" >"$T/b.out" 2>"$T/b.err"; RB=$?
on "$N2" "mkfs.ext4 -q -F $D2"
CLUSTERTOP_NO_SERVER=1 "$CT" nvme wipe -y --confirm 1 -w "$W" >"$T/a.out" 2>"$T/a.err"; RA=$?
check "nvme wipe -y --confirm 1: exit 0 both ways ($RA, $RB)" test "$RA" = 0 -a "$RB" = 0
check "nvme wipe: the same output both ways" \
	bash -c "cmp -s <(sort '$T/a.out') <(sort '$T/b.out') && cmp -s <(sort '$T/a.err') <(sort '$T/b.err')"

# --- push and pull ---------------------------------------------------------------------
head -c 2000000 /dev/urandom >"$T/payload"
mkdir -p "$T/dir/sub"; echo one >"$T/dir/a"; echo two >"$T/dir/sub/b"
cd "$T" || exit 1
both "push (relative path, the client's cwd)" exact push -w "$W" payload /tmp/ct27-dest
sum=$(md5sum <payload)
good=0
for n in $N1 $N2 $N3 $N4; do
	[[ $(on "$n" "md5sum </tmp/ct27-dest") == "$sum" ]] && good=$((good + 1))
done
check "push: the file is on every node ($good of 4)" test "$good" = 4
both "push -r --verify" exact push -r --verify -w "$W" dir /tmp/ct27-dir
both "push of a missing file (exit 2)" exact push -w "$W" no-such-file /tmp/ct27-dest
both "push: bad option (exit 2)" exact push --bogus -w "$W" payload /tmp/x
both "push: too few arguments (exit 2)" exact push -w "$W" payload
mkdir a b
(cd a && CLUSTERTOP_NO_SERVER=1 "$CT" pull -w "$W" /etc/hostname got >../a.out 2>../a.err); RA=$?
n0=$(served pull)
(cd b && "$CT" pull -w "$W" /etc/hostname got >../b.out 2>../b.err); RB=$?
check "pull: exit 0 both ways ($RA, $RB)" test "$RA" = 0 -a "$RB" = 0
check "pull: the same output and the same files" \
	bash -c "cmp -s a.out b.out && cmp -s a.err b.err && diff -r a/got b/got >/dev/null && test -s b/got/$N3/etc/hostname"
check "pull: the server ran it (into the client's cwd)" test "$(served pull)" -gt "$n0"
cd "$OLDPWD" || exit 1

# --- test -------------------------------------------------------------------------------
both "test: unknown test (exit 2)" exact test frob
both "test -h" exact test -h
# A test directory of this run's own: another sim's test may use the default one.
ADMIN=$(jq -r .admin_user <<<"$SIMJSON")
ADMIN_HOME=$(getent passwd "$ADMIN" | cut -d: -f6)
TDIR=$ADMIN_HOME/clustertop-tests-27-$SIM_ID-$$
install -d -o "$ADMIN" -g "$(id -gn "$ADMIN")" "$TDIR"	# made already: both runs say "nothing changed"
CLUSTERTOP_PHASES=$ROOT/src/phases.json both "test slurm (phase 9: a Slurm job on every node)" slurm test slurm -w "$W" --set test_dir=$TDIR
check "test slurm through the server: passed on the 4 nodes" grep -q '4 of 4 nodes ran their job' "$T/b.out"
# Once first: it writes and compiles mpi-test.c; then both runs find it done.
CLUSTERTOP_NO_SERVER=1 CLUSTERTOP_PHASES=$ROOT/src/phases.json "$CT" test mpi -w "$W" --set test_dir=$TDIR >/dev/null 2>&1
CLUSTERTOP_PHASES=$ROOT/src/phases.json both "test mpi (phase 8: MPI hello across the nodes)" slurm test mpi -w "$W" --set test_dir=$TDIR
rm -rf "$TDIR"
check "test mpi through the server: 4 ranks from 4 nodes" grep -q '4 distinct ranks, from 4 distinct nodes' "$T/b.out"

# --- an unreachable node -------------------------------------------------------------------
fault "$N3" stop-sshd; FAULTS+=("$N3:start-sshd")
kill_sessions "$N3"
check "sshd stopped, sessions killed: the server notices" wait_up 3
cd "$T" || exit 1
both "push, $N3 unreachable" sort push -w "$W" payload /tmp/ct27-dest
cd "$OLDPWD" || exit 1
both "nvme scan, $N3 unreachable" sort nvme scan -w "$W"
both "phase run 1 -y, $N3 unreachable" sort phase run 1 -y -w "$W"
fault "$N3" start-sshd; FAULTS=()
both "sshd back: phase run 1 -y" sort phase run 1 -y -w "$W"

# --- other connection settings: declined, run in-process, same bytes ----------------------
SERVED=no both "nvme scan -t 7 (other settings: declined)" exact nvme scan -t 7 -w "$W"
check "-t 7: the server declined it" grep -q ': nvme: declined' "$LOG"
SERVED=yes

# --- the audit log: written by the server, naming the client -------------------------------
audit_names() {	# PID LABEL: the server wrote a record of LABEL for client PID
	jq -e -s --argjson p "$1" --arg l "$2" --argjson s "$(server_pid)" \
		'any(.[]; .client_pid == $p and .label == $l and .pid == $s and has("client_tty"))' \
		"$CLUSTERTOP_AUDIT_LOG" >/dev/null
}
cd "$T" || exit 1
"$CT" push -w "$N1" payload /tmp/ct27-dest </dev/null >/dev/null 2>&1 &
cpid=$!; wait $cpid
check "audit: the push record names the client pid ($cpid)" audit_names "$cpid" push
cd "$OLDPWD" || exit 1
"$CT" nvme scan -w "$N1" </dev/null >/dev/null 2>&1 &
cpid=$!; wait $cpid
check "audit: the nvme scan record names the client pid ($cpid)" audit_names "$cpid" "nvme scan"
"$CT" phase run 1 -y -w "$N1" </dev/null >/dev/null 2>&1 &
cpid=$!; wait $cpid
check "audit: the phase 1 records (start, steps, end) name the client pid ($cpid)" audit_names "$cpid" "phase 1"
check "audit: the phase run's own start record names it too" \
	bash -c "jq -e -s 'any(.[]; .client_pid == $cpid and .event == \"phase-start\")' '$CLUSTERTOP_AUDIT_LOG' >/dev/null"

# --- a client that dies mid-command: its remote processes are killed ------------------------
tok=$((RANDOM * 32768 + RANDOM + 100000))
"$CT" phase run 3 -y --set secs=$tok -w "$N1,$N2" </dev/null >/dev/null 2>&1 &
cpid=$!
check "phase run 3 through the server: the remote sleep runs" wait_remote "$N1" "$tok"
kill -9 $cpid; wait $cpid 2>/dev/null
check "phase client killed -9 mid-command: the remote sleep is killed" \
	bash -c "$(declare -f on remote_running wait_remote_gone); SIM=$SIM; wait_remote_gone $N1 $tok && wait_remote_gone $N2 $tok"
"$CT" server status --json >"$T/st" 2>&1
check "the server is still serving after it" bash -c "jq -e '.up == 4' '$T/st' >/dev/null"

# A second client while the server runs a command: declined, runs in-process, same bytes.
tok=$((RANDOM * 32768 + RANDOM + 100000))
"$CT" phase run 3 -y --set secs=$tok -w "$N1" </dev/null >/dev/null 2>&1 &
cpid=$!
wait_remote "$N1" "$tok"
SERVED=no both "nvme scan while the server runs another client's phase" exact nvme scan -w "$W"
check "the second client was declined (busy), not queued" grep -q "client pid [0-9]*: declined: busy with client pid $cpid's command" "$LOG"
kill -INT $cpid; wait $cpid

# SIGINT and SIGHUP to the client: 130, and nothing left, both ways.
for sig in INT HUP; do
	for way in 1 ""; do
		tok=$((RANDOM * 32768 + RANDOM + 100000))
		CLUSTERTOP_NO_SERVER=$way "$CT" phase run 3 -y --set secs=$tok -w "$N1" </dev/null >"$T/s.out" 2>"$T/s.err" &
		cpid=$!
		wait_remote "$N1" "$tok"
		kill -$sig $cpid; wait $cpid; rc=$?
		check "SIG$sig to the phase client (${way:+no }server): exit 130 ($rc)" test "$rc" = 130
		check "SIG$sig (${way:+no }server): the remote sleep is killed" wait_remote_gone "$N1" "$tok"
	done
done
head -c 300000000 /dev/zero >"$T/big"
for way in 1 ""; do
	(cd "$T" && CLUSTERTOP_NO_SERVER=$way exec "$CT" push -w "$N1,$N2" big /tmp/ct27-big) </dev/null >"$T/s.out" 2>"$T/s.err" &
	cpid=$!
	for i in $(seq 1 100); do on "$N1" "ls -a /tmp" | grep -q 'ct27-big' && break; sleep 0.1; done
	kill -INT $cpid; wait $cpid; rc=$?
	check "SIGINT to a push client (${way:+no }server): exit 130 ($rc)" test "$rc" = 130
	check "SIGINT to a push (${way:+no }server): nothing renamed into place" \
		bash -c "! $SIM exec $N1 test -e /tmp/ct27-big && ! $SIM exec $N2 test -e /tmp/ct27-big"
done
# kill -9 of a push client mid-copy: the server cancels the push.
(cd "$T" && exec "$CT" push -w "$N1,$N2" big /tmp/ct27-big) </dev/null >/dev/null 2>&1 &
cpid=$!
for i in $(seq 1 100); do on "$N1" "ls -a /tmp" | grep -q 'ct27-big' && break; sleep 0.1; done
kill -9 $cpid; wait $cpid 2>/dev/null
left=1
for i in $(seq 1 100); do
	on "$N1" "ps -eo args" | grep -v grep | grep -q 'ct27-big' || { left=0; break; }
	sleep 0.2
done
check "push client killed -9 mid-copy: no remote process of it left" test "$left" = 0
check "push client killed -9: nothing renamed into place" \
	bash -c "! $SIM exec $N1 test -e /tmp/ct27-big && ! $SIM exec $N2 test -e /tmp/ct27-big"
check "the server logged the push it cancelled" grep -q "client pid $cpid: push: exit .*(the client had gone)" "$LOG"
rm -f "$T/big"

# --- 100 sequential execs through the server: no new connection ---------------------------------
# sshd logs one "Accepted publickey" line per SSH connection it authenticates.
opens() { grep -c 'Accepted publickey' "$STATE/log/sshd-$N1.log"; }
o0=$(opens)
bad=0
for i in $(seq 1 100); do
	"$CT" exec -w "$N1" hostname </dev/null >"$T/x.out" 2>&1 || bad=1
	grep -qx "$N1: $N1" "$T/x.out" || bad=1
done
o1=$(opens)
check "100 sequential execs through the server all answered" test "$bad" = 0
check "100 sequential execs: $N1's sshd accepted $((o1 - o0)) connections (the server's session, opened before, serves them)" test "$((o1 - o0))" = 0
o0=$(opens)
CLUSTERTOP_NO_SERVER=1 "$CT" exec -w "$N1" hostname >/dev/null 2>&1
o1=$(opens)
check "the count counts: one in-process exec is $((o1 - o0)) connection" test "$((o1 - o0))" = 1

# --- the server's own log: no sanitizer report ----------------------------------------------------
"$CT" server stop >"$T/stop" 2>&1
check "server stop" grep -q "stopped (pid" "$T/stop"
check "server log has no sanitizer report" bash -c "! grep -q 'Sanitizer' '$LOG'"
grep -i 'sanitizer' -A30 "$LOG" | head -40

echo "# $FAILS failed"
exit $((FAILS > 0))
