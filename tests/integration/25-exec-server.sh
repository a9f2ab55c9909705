#!/bin/bash
# 25-exec-server.sh -- `clustertop exec` through the resident server gives
# the same bytes and exit codes as the in-process exec (--no-server), over
# the cases of 20-exec.sh; the server's audit log names the client.
#
# Lines of the pdsh-style output arrive in node order that differs from
# run to run (in-process too), so those outputs are compared sorted; -b
# blocks are compared byte for byte; --json with the times removed.
# The server runs in a private XDG_RUNTIME_DIR and is stopped by its pid.
# Env: SIM_ID (the sim under test, already up), CLUSTERTOP (the binary).
. "$(dirname "$0")/lib.sh"

STATE=$(jq -r .state_dir <<<"$SIMJSON")
(( ${#NODES[@]} >= 4 )) || { echo "not ok - need 4 nodes, sim has ${#NODES[@]}"; exit 1; }
N1=${NODES[0]} N2=${NODES[1]} N3=${NODES[2]} N4=${NODES[3]}
W="$N1,$N2,$N3,$N4"

T=$(mktemp -d /tmp/ct-25-exec-server.XXXXXX)
export CLUSTERTOP_AUDIT_LOG=$T/audit.log
export XDG_RUNTIME_DIR=$T/run
mkdir -m 700 "$XDG_RUNTIME_DIR"
SDIR=$XDG_RUNTIME_DIR/clustertop
FAILS=0
FAULTS=()
ok()   { echo "ok - $*"; }
nok()  { echo "not ok - $*"; FAILS=$((FAILS + 1)); }
check() { local what=$1; shift; if "$@"; then ok "$what"; else nok "$what"; fi; }
fault() { $SIM fault "$1" "$2" >/dev/null; }

server_pid() { cat "$SDIR/server.lock" 2>/dev/null; }
cleanup() {
	local f p
	for f in "${FAULTS[@]}"; do fault ${f%%:*} ${f#*:}; done
	p=$(server_pid)
	if [[ -n $p ]] && kill -0 "$p" 2>/dev/null; then
		"$CT" server stop >/dev/null 2>&1 || kill "$p"
	fi
	rm -rf "$T"
}
trap cleanup EXIT

# both NAME MODE ARGS...: run `exec ARGS` in-process and through the
# server (stdin from $IN, /dev/null by default); MODE sort|exact|json
# says how outputs compare. Checks rc, stdout, stderr.
IN=/dev/null
both() {
	local name=$1 mode=$2 k; shift 2
	CLUSTERTOP_NO_SERVER=1 "$CT" exec "$@" <"$IN" >"$T/a.out" 2>"$T/a.err"; RA=$?
	"$CT" exec "$@" <"$IN" >"$T/b.out" 2>"$T/b.err"; RB=$?
	for k in a b; do
		case $mode in
		sort)	sort "$T/$k.out" >"$T/$k.o"; sort "$T/$k.err" >"$T/$k.e" ;;
		exact)	cp "$T/$k.out" "$T/$k.o"; sort "$T/$k.err" >"$T/$k.e" ;;
		json)	jq -S -c 'del(.start, .end, .duration_s)' "$T/$k.out" | sort >"$T/$k.o"
			sort "$T/$k.err" >"$T/$k.e" ;;
		esac
	done
	check "$name: exit code the same ($RA, $RB)" test "$RA" = "$RB"
	if cmp -s "$T/a.o" "$T/b.o"; then ok "$name: stdout the same ($(wc -c <"$T/a.out") bytes)"
	else nok "$name: stdout differs"; diff "$T/a.o" "$T/b.o" | head -10; fi
	if cmp -s "$T/a.e" "$T/b.e"; then ok "$name: stderr the same ($(wc -c <"$T/a.err") bytes)"
	else nok "$name: stderr differs"; diff "$T/a.e" "$T/b.e" | head -10; fi
}
jobs_served() { grep -c '"client_pid"' "$T/audit.log" 2>/dev/null || true; }
# Kill the sshd session processes of a node (by pid), not its listener.
kill_sessions() {
	local listener p
	listener=$(cat "$STATE/run/sshd-$1.pid" 2>/dev/null)
	for p in $(ip netns pids "ctsim${SIM_ID}-$1"); do
		[[ $(readlink /proc/$p/exe) == /usr/sbin/sshd && $p != "$listener" ]] &&
			kill "$p" 2>/dev/null
	done
	return 0
}
# Wait (bounded) until the server counts UP nodes up.
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

# --- no server yet: exec runs in-process, says nothing about it ---------------
"$CT" exec -w "$N1" hostname >"$T/out" 2>"$T/err"; RC=$?
check "no server: exec runs in-process" bash -c "test $RC = 0 && grep -qx '$N1: $N1' '$T/out' && test ! -s '$T/err'"

"$CT" server start >"$T/start" 2>&1
check "server start" grep -q "started (pid" "$T/start"
check "server socket is 0600 in a 0700 directory" \
	bash -c "test \$(stat -c %a '$SDIR') = 700 && test \$(stat -c %a '$SDIR/server.sock') = 600"
before=$(jobs_served)

# --- the cases of 20-exec.sh ---------------------------------------------------
both "hostname" sort -w "$W" hostname
both "exit codes" sort -w "$W" -- "echo out-\$(hostname); echo err-\$(hostname) >&2; case \$(hostname) in $N2) exit 3;; $N3) exit 7;; esac"
both "-x" sort -w "$W" -x "$N2" hostname
both "-f 1" sort -f 1 -w "$W" 'echo start; sleep 0.2; echo end'
both "signal" sort -w "$W" 'kill -KILL $$'
both "usage error" exact -w "$W"
both "-b" exact -b -w "$W" -- "echo same; [ \$(hostname) = $N3 ] && { echo diff; exit 2; }; exit 0"
both "--json" json --json -w "$W" -- "printf 'a\\377\\001'; echo e >&2; exit 4"
head -c 3000000 /dev/urandom > "$T/stdin.bin"
IN=$T/stdin.bin both "stdin (3 MB)" sort -w "$W" md5sum
IN=$T/stdin.bin both "--nostdin" sort --nostdin -w "$N1" 'wc -c'
both "100 MiB of output (cap)" exact -w "$N1" 'head -c 104857600 /dev/zero | tr "\0" x; echo; echo tail'
both "partial last line" sort -w "$W" 'printf "no newline"; printf "err no newline" >&2'
tok=$((RANDOM * 32768 + RANDOM + 100000))
both "-u 2 (timeout, killed)" sort -u 2 -w "$N1,$N2" "sleep $tok & sleep $((tok + 1)); echo never"
left=0
for n in $N1 $N2; do
	$SIM exec "$n" ps -eo args | grep -q "^sleep $tok\$" && left=1
done
check "-u 2 through the server: no remote sleep left" test "$left" = 0

# A stopped sshd leaves open sessions alone: the server's session to the
# node lives on (as a ControlMaster's would). Kill the sessions too, so
# both ways must connect afresh, and find nobody listening.
fault "$N3" stop-sshd; FAULTS+=("$N3:start-sshd")
kill_sessions "$N3"
check "sshd stopped, sessions killed: the server notices" wait_up 3
both "sshd stopped" sort -w "$W" hostname
fault "$N3" start-sshd; FAULTS=()
both "sshd back: the node answers again" sort -w "$W" hostname

served=$(( $(jobs_served) - before ))
# Each `both` ran once through the server, except the usage error (no job).
check "the server ran the cases (audit records with client_pid: $served)" test "$served" -ge 28

# --- other connection settings: declined, run in-process, same result -------------
CLUSTERTOP_OUTPUT_CAP=1000 "$CT" exec -v --json -w "$N1" 'seq 1 100000' >"$T/out" 2>"$T/err"
check "other settings (output cap): declined, ran in-process" \
	bash -c "grep -q 'declined' '$T/err' && jq -e '.stdout_truncated == true and (.stdout | length) == 1000' '$T/out' >/dev/null"

# --- the audit record names the client ---------------------------------------------
"$CT" exec -w "$N1" true </dev/null >/dev/null 2>&1 &
cpid=$!
wait $cpid
check "audit: the server's record names the client pid ($cpid)" \
	bash -c "jq -e -s 'any(.[]; .client_pid == $cpid and .event == \"end\" and has(\"client_tty\"))' '$T/audit.log' >/dev/null"
check "audit: written by the server (pid $(server_pid))" \
	bash -c "jq -e -s 'any(.[]; .client_pid == $cpid and .pid == $(server_pid))' '$T/audit.log' >/dev/null"

# --- a client that goes away mid-command: its remote command is killed --------------
tok=$((RANDOM * 32768 + RANDOM + 100000))
"$CT" exec -w "$N1" "sleep $tok" </dev/null >/dev/null 2>&1 &
cpid=$!
for i in $(seq 1 100); do
	$SIM exec "$N1" ps -eo args | grep -q "^sleep $tok\$" && break
	sleep 0.2
done
kill -9 $cpid; wait $cpid 2>/dev/null
gone=0
for i in $(seq 1 100); do
	$SIM exec "$N1" ps -eo args | grep -q "^sleep $tok\$" || { gone=1; break; }
	sleep 0.2
done
check "client killed mid-command: the remote command is killed" test "$gone" = 1

# --- the server's own log: no sanitizer report --------------------------------------
"$CT" server stop >"$T/stop" 2>&1
check "server stop" grep -q "stopped (pid" "$T/stop"
check "server stop: socket removed" test ! -e "$SDIR/server.sock"
check "server log has no sanitizer report" bash -c "! grep -q 'Sanitizer' '$SDIR/server.log'"
grep -i 'sanitizer' -A30 "$SDIR/server.log" | head -40

echo "# $FAILS failed"
exit $((FAILS > 0))
