#!/bin/bash
# 20-exec.sh -- `clustertop exec` and `clustertop bench` on the simulated
# cluster: output and exit codes from every node, unreachable, host key
# mismatch, hung node, command timeout (and the remote process really
# gone), the output cap, stdin, JSON, the audit log, reconnect.
#
# Env: SIM_ID (the sim under test, already up), CLUSTERTOP (the binary).
# Every fault this script causes is undone on exit. No wall-clock limits.
. "$(dirname "$0")/lib.sh"

STATE=$(jq -r .state_dir <<<"$SIMJSON")
(( ${#NODES[@]} >= 4 )) || { echo "not ok - need 4 nodes, sim has ${#NODES[@]}"; exit 1; }
N1=${NODES[0]} N2=${NODES[1]} N3=${NODES[2]} N4=${NODES[3]}
W="$N1,$N2,$N3,$N4"

T=$(mktemp -d /tmp/ct-20-exec.XXXXXX)
export CLUSTERTOP_AUDIT_LOG=$T/audit.log
FAILS=0
FAULTS=()

ok()   { echo "ok - $*"; }
nok()  { echo "not ok - $*"; FAILS=$((FAILS + 1)); }
check() { local what=$1; shift; if "$@"; then ok "$what"; else nok "$what"; fi; }
fault() { $SIM fault "$1" "$2" >/dev/null; }
jqt()   { jq -e "$@" >/dev/null 2>&1; }

cleanup() {
	local f
	for f in "${FAULTS[@]}"; do fault ${f%%:*} ${f#*:}; done
	rm -rf "$T"
}
trap cleanup EXIT

# Kill the sshd session processes of a node (by pid), not its listener.
kill_sessions() {
	local listener p
	listener=$(cat "$STATE/run/sshd-$1.pid")
	for p in $(ip netns pids "ctsim${SIM_ID}-$1"); do
		[[ $(readlink /proc/$p/exe) == /usr/sbin/sshd && $p != "$listener" ]] &&
			kill "$p" 2>/dev/null
	done
	return 0
}
if [[ ${1:-} == --kill-sessions ]]; then kill_sessions "$2"; exit 0; fi
# Between bench rounds: cut NODE after the first round, heal it after the second.
if [[ ${1:-} == --cut-then-heal ]]; then
	n=$(cat "$3" 2>/dev/null || echo 0); echo $((n + 1)) > "$3"
	if (( n == 0 )); then $SIM fault "$2" cut >/dev/null; else $SIM fault "$2" heal >/dev/null; fi
	exit 0
fi

run() {  # run CT exec ARGS...; sets RC, OUT, ERR
	"$CT" "$@" >"$T/out" 2>"$T/err" </dev/null
	RC=$?
	OUT=$(cat "$T/out")
	ERR=$(cat "$T/err")
}

# --- output and exit codes from every node ----------------------------------
run exec -w "$W" hostname
check "exec hostname: exit 0" test "$RC" = 0
for n in $N1 $N2 $N3 $N4; do
	check "exec hostname: $n answered with its name" grep -qx "$n: $n" "$T/out"
done
check "exec hostname: nothing on stderr" test ! -s "$T/err"

run exec -w "$W" -- "echo out-\$(hostname); echo err-\$(hostname) >&2; case \$(hostname) in $N2) exit 3;; $N3) exit 7;; esac"
check "exit codes: status is the largest remote code (7)" test "$RC" = 7
check "exit codes: stdout lines on stdout" grep -qx "$N4: out-$N4" "$T/out"
check "exit codes: stderr lines on stderr" grep -qx "$N4: err-$N4" "$T/err"
check "exit codes: no stderr on stdout" bash -c "! grep -q err- '$T/out'"
check "exit codes: $N3 reported" grep -qx "clustertop: $N3: exited with exit code 7" "$T/err"
check "exit codes: $N2 reported" grep -qx "clustertop: $N2: exited with exit code 3" "$T/err"

run exec -w "$W" -x "$N2" hostname
check "-x leaves the node out" bash -c "test $RC = 0 && ! grep -q '^$N2:' '$T/out' && grep -q '^$N1:' '$T/out'"

run exec -f 1 -w "$W" 'echo start; sleep 0.2; echo end'
check "-f 1: every node ran, lines not interleaved" \
	bash -c "test $RC = 0 && test \$(grep -c ': start' '$T/out') = 4 && \
	    awk -F': ' '{ if (\$2 == \"start\") { if (open) exit 1; open = 1 } else open = 0 } END { exit 0 }' '$T/out'"

run exec -w "$W" 'kill -KILL $$'
check "signal: killed by signal KILL, status 137" \
	bash -c "test $RC = 137 && grep -q 'killed by signal KILL' '$T/err'"

run exec -w "$W"
check "usage error: exit 2" test "$RC" = 2

run exec -b -w "$W" -- "echo same; [ \$(hostname) = $N3 ] && { echo diff; exit 2; }; exit 0"
check "-b: identical output grouped, exit 2" \
	bash -c "test $RC = 2 && grep -qx '$N3  exit 2' '$T/out' && test \$(grep -c '^same\$' '$T/out') = 2"

# --- JSON --------------------------------------------------------------------
run exec --json -w "$W" -- "printf 'a\\377\\001'; echo e >&2; exit 4"
check "--json: status 4" test "$RC" = 4
check "--json: one valid object per host" \
	bash -c "test \$(jq -c . '$T/out' | wc -l) = 4"
check "--json: fields" \
	bash -c "jq -e -s 'all(.[]; .state == \"done\" and .exit_code == 4 and .signal == null and .stderr == \"e\\n\" and (.start | test(\"Z\$\")) and (.end | type == \"string\"))' '$T/out' >/dev/null"
check "--json: 8-bit clean (stdout_base64)" \
	bash -c "jq -e -s 'all(.[]; .stdout_base64 == \"Yf8B\")' '$T/out' >/dev/null"
check "--json: every host present" \
	bash -c "test \"\$(jq -r .host '$T/out' | sort | tr '\n' ' ')\" = \"\$(printf '%s\n' $N1 $N2 $N3 $N4 | sort | tr '\n' ' ')\""

# --- stdin --------------------------------------------------------------------
head -c 3000000 /dev/urandom > "$T/stdin.bin"
want=$(md5sum < "$T/stdin.bin" | cut -d' ' -f1)
"$CT" exec -w "$W" md5sum < "$T/stdin.bin" > "$T/out" 2>"$T/err"; RC=$?
check "stdin: forwarded to every node (3 MB, md5 matches)" \
	bash -c "test $RC = 0 && test \$(grep -c ': $want ' '$T/out') = 4"
printf 'x' | "$CT" exec --nostdin -w "$N1" 'wc -c' > "$T/out" 2>&1
check "--nostdin: EOF at once" grep -qx "$N1: 0" "$T/out"

# --- output cap -----------------------------------------------------------------
run exec -w "$N1" 'head -c 104857600 /dev/zero | tr "\0" x; echo; echo tail'
bytes=$(wc -c < "$T/out")
check "100 MiB of output: exit 0" test "$RC" = 0
check "100 MiB of output: kept within the cap (got $bytes bytes)" test "$bytes" -lt 1200000
check "100 MiB of output: truncation marker" \
	grep -q "^$N1: \[clustertop: output truncated at 1048576 bytes\]" "$T/out"
CLUSTERTOP_OUTPUT_CAP=1000 "$CT" exec --json -w "$N1" 'seq 1 100000' >"$T/out" 2>/dev/null </dev/null
check "--json: stdout_truncated with a small cap" \
	jqt '.stdout_truncated == true and (.stdout | length) == 1000' "$T/out"

# --- a node whose sshd is stopped ---------------------------------------------------
fault "$N3" stop-sshd; FAULTS+=("$N3:start-sshd")
run exec -w "$W" hostname
check "sshd stopped: exit 255" test "$RC" = 255
check "sshd stopped: $N3 unreachable" grep -q "^clustertop: $N3: unreachable (Connection refused)" "$T/err"
check "sshd stopped: the others answered" \
	bash -c "grep -qx '$N1: $N1' '$T/out' && grep -qx '$N2: $N2' '$T/out' && grep -qx '$N4: $N4' '$T/out'"
run exec --json -w "$N3" hostname
check "sshd stopped: JSON state failed, node_state unreachable" \
	jqt '.state == "failed" and .node_state == "unreachable" and .exit_code == null' "$T/out"
fault "$N3" start-sshd; FAULTS=()

# --- a hung node (sshd frozen) ----------------------------------------------------------
fault "$N2" freeze; FAULTS+=("$N2:thaw")
run exec -t 2 -w "$W" hostname
check "frozen sshd: exit 255" test "$RC" = 255
check "frozen sshd: $N2 timed out" grep -q "^clustertop: $N2: timed-out" "$T/err"
check "frozen sshd: the rest finished" \
	bash -c "grep -qx '$N1: $N1' '$T/out' && grep -qx '$N3: $N3' '$T/out' && grep -qx '$N4: $N4' '$T/out'"
fault "$N2" thaw; FAULTS=()

# --- command timeout: the remote process is killed --------------------------------------
tok=$((RANDOM * 32768 + RANDOM + 100000))
run exec -u 2 -w "$N1,$N2" "sleep $tok & sleep $((tok + 1)); echo never"
check "-u 2: exit 254" test "$RC" = 254
check "-u 2: reported as timed out" grep -q "^clustertop: $N1: command timed out after 2 s (killed)" "$T/err"
check "-u 2: no output after the kill" bash -c "! grep -q never '$T/out'"
check "-u 2: the remote processes are gone" \
	bash -c "! $SIM exec $N1 ps -eo args | grep -q '^sleep $tok\$\|^sleep $((tok + 1))\$'"

# --- host key changed -------------------------------------------------------------------------
cp "$CLUSTERTOP_KNOWN_HOSTS" "$T/kh.before"
fault "$N4" new-hostkey; FAULTS+=("$N4:restore-hostkey")
run exec -w "$N3,$N4" hostname
check "new host key: exit 255" test "$RC" = 255
check "new host key: host-key-mismatch" grep -q "^clustertop: $N4: host-key-mismatch" "$T/err"
check "new host key: the other node answered" grep -qx "$N3: $N3" "$T/out"
run exec --strict-host-keys accept-new -w "$N4" hostname
check "new host key: accept-new refuses it too" \
	bash -c "test $RC = 255 && grep -q '^clustertop: $N4: host-key-mismatch' '$T/err'"
check "new host key: known_hosts untouched" cmp -s "$CLUSTERTOP_KNOWN_HOSTS" "$T/kh.before"
fault "$N4" restore-hostkey; FAULTS=()

# --- unknown host key: refused by default, recorded with accept-new ---------------------------
a4=$(jq -r --arg n "$N4" '.nodes[] | select(.name == $n) | .addr' <<<"$SIMJSON")
grep -v -e "^$N4 " -e "^$a4 " "$CLUSTERTOP_KNOWN_HOSTS" > "$T/kh.partial"
CLUSTERTOP_KNOWN_HOSTS=$T/kh.partial run exec -w "$N4" hostname
check "unknown host key: refused under yes" \
	bash -c "test $RC = 255 && grep -q 'host key not known' '$T/err'"
CLUSTERTOP_KNOWN_HOSTS=$T/kh.partial run exec --strict-host-keys accept-new -w "$N4" hostname
check "unknown host key: accept-new records it and runs" \
	bash -c "test $RC = 0 && grep -q '^$a4 ssh-ed25519 ' '$T/kh.partial'"
CLUSTERTOP_KNOWN_HOSTS=$T/kh.partial run exec -w "$N4" hostname
check "unknown host key: then accepted under yes" test "$RC" = 0

# --- audit log ----------------------------------------------------------------------------------
check "audit log: start and end records are JSON" \
	bash -c "jq -e -s 'length > 10 and all(.[]; .user and .uid != null and .time and .where)' '$CLUSTERTOP_AUDIT_LOG' >/dev/null"
check "audit log: outcome of a job" \
	bash -c "jq -e -s 'any(.[]; .event == \"end\" and .label == \"exec\" and .command == \"hostname\" and .outcome.done >= 1)' '$CLUSTERTOP_AUDIT_LOG' >/dev/null"

# --- reconnect: sessions killed between bench rounds ---------------------------------------------
"$CT" bench --json -w "$W" --rounds 3 --between "SIM_ID=$SIM_ID $0 --kill-sessions $N3" hostname \
	> "$T/bench.json" 2>"$T/err" </dev/null
RC=$?
check "bench: valid JSON" jqt '.up == 4 and (.rounds | length) == 3' "$T/bench.json"
check "bench: $N3 reconnected, every round ran on every node" \
	bash -c "test $RC = 0 && jq -e 'all(.rounds[]; .ok == 4)' '$T/bench.json' >/dev/null"

# --- keepalive: a node cut off mid-session is noticed; healed, it comes back ---------------------
FAULTS+=("$N3:heal")
# -t is the connect deadline of the reconnect after the heal, not the
# detection of the cut (that is the keepalive's 3 x 1 s): generous, so a
# loaded machine's slow handshake is not mistaken for a missed heal.
CLUSTERTOP_KEEPALIVE=1,3 "$CT" bench --json -t 20 -w "$W" --rounds 3 \
	--between "SIM_ID=$SIM_ID $0 --cut-then-heal $N3 $T/cut.state" hostname \
	> "$T/bench.json" 2>"$T/err" </dev/null
check "keepalive: the cut node failed its round, the others ran" \
	jqt '.rounds[1].ok == 3 and .rounds[1].failed == 1' "$T/bench.json"
check "keepalive: healed, the node was reconnected" \
	jqt '.rounds[0].ok == 4 and .rounds[2].ok == 4' "$T/bench.json"
if ! jqt '.rounds[1].ok == 3 and .rounds[0].ok == 4 and .rounds[2].ok == 4' "$T/bench.json"; then
	echo "# bench rounds: $(jq -c '.rounds' "$T/bench.json" 2>&1)"
	sed 's/^/# stderr: /' "$T/err" | head -n 20
fi
FAULTS=()

(( FAILS == 0 ))
