#!/bin/bash
# 26-server.sh -- the resident server's safety: one server per user, the
# private directory's checks (symlink, owner, mode), SO_PEERCRED against a
# second local user, garbage / truncated / oversized / old-version frames
# (that client dropped, the others served), kill -9 and the stale socket,
# the idle timeout.
#
# Each server runs in a private XDG_RUNTIME_DIR and is stopped by its pid.
# Env: SIM_ID (the sim under test, already up), CLUSTERTOP (the binary).
. "$(dirname "$0")/lib.sh"

(( ${#NODES[@]} >= 4 )) || { echo "not ok - need 4 nodes, sim has ${#NODES[@]}"; exit 1; }
N1=${NODES[0]} N2=${NODES[1]} N3=${NODES[2]} N4=${NODES[3]}
W="$N1,$N2,$N3,$N4"

T=$(mktemp -d /tmp/ct-26-server.XXXXXX)
chmod 711 "$T"
export CLUSTERTOP_AUDIT_LOG=$T/audit.log
export XDG_RUNTIME_DIR=$T/run
mkdir -m 700 "$XDG_RUNTIME_DIR"
SDIR=$XDG_RUNTIME_DIR/clustertop
OTHER=ctsrv${SIM_ID}
FAILS=0
PIDS=()
ok()   { echo "ok - $*"; }
nok()  { echo "not ok - $*"; FAILS=$((FAILS + 1)); }
check() { local what=$1; shift; if "$@"; then ok "$what"; else nok "$what"; fi; }

server_pid() { cat "${1:-$SDIR}/server.lock" 2>/dev/null; }
cleanup() {
	local p
	for p in "${PIDS[@]}" $(server_pid); do
		kill -0 "$p" 2>/dev/null && kill "$p"
	done
	id "$OTHER" >/dev/null 2>&1 && userdel "$OTHER" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

# A raw protocol client: python3 raw.py SOCKET CASE; prints what came back.
cat >"$T/raw.py" <<'PY'
import json, socket, struct, sys
def frame(t, payload, version=1):
    return b"CTSV" + struct.pack(">HHI", version, t, len(payload)) + payload
hello = frame(1, json.dumps({"protocol": 1, "version": "test", "pid": 1, "tty": None}).encode())
cases = {
    "garbage": b"GET / HTTP/1.0\r\n\r\n",
    "truncated": frame(1, b'{"protocol":1}')[:16],
    "oversized": b"CTSV" + struct.pack(">HHI", 1, 6, 2 * 1024 * 1024) + b"x" * 100,
    "old-client": frame(1, json.dumps({"protocol": 0, "version": "0.0.1"}).encode()),
    "new-header": frame(1, b'{"protocol":2}', version=2),
    "not-object": frame(1, b'[1,2,3]'),
    "no-hello": frame(4, b'{"op":"status"}'),
    "unknown-type": frame(42, b''),
    "bad-request": hello + frame(4, b'{"op":"exec","command":5}'),
    "hello": hello + frame(4, b'{"op":"status"}'),
}
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(20)
s.connect(sys.argv[1])
try:
    s.sendall(cases[sys.argv[2]])
except OSError as e:
    print("SEND", e)
if sys.argv[2] == "truncated":
    s.shutdown(socket.SHUT_WR)
out = b""
try:
    while True:
        d = s.recv(65536)
        if not d:
            break
        out += d
        if sys.argv[2] == "hello" and b'"status":0' in out:
            break
except socket.timeout:
    print("TIMEOUT")
while len(out) >= 12:
    v, t, n = struct.unpack(">HHI", out[4:12])
    print(t, out[12:12 + n].decode(errors="replace"))
    out = out[12 + n:]
print("CLOSED")
PY

# --- one server per user --------------------------------------------------------
"$CT" server status >"$T/out" 2>&1; RC=$?
check "status without a server: 'not running', exit 1" bash -c "test $RC = 1 && grep -q 'not running' '$T/out'"
"$CT" server start >"$T/out" 2>&1 & a=$!
"$CT" server start >"$T/out2" 2>&1 & b=$!
wait $a; ra=$?; wait $b; rb=$?
p=$(server_pid)
check "two starts at once: one server (pid $p)" \
	bash -c "test $ra = 0 && test $rb = 0 && test \$(cat '$T/out' '$T/out2' | grep -c 'started (pid') = 1 && grep -q 'already running (pid $p' '$T/out' '$T/out2'"
check "the server's directory is 0700, its socket 0600" \
	bash -c "test \$(stat -c %a '$SDIR') = 700 && test \$(stat -c %a '$SDIR/server.sock') = 600"
"$CT" server status >"$T/out" 2>&1
check "status: running, its pid" grep -q "running, pid $p" "$T/out"

# --- bad frames: that client is dropped, the others are served ----------------------
"$CT" exec -w "$W" 'sleep 3; hostname' </dev/null >"$T/long.out" 2>"$T/long.err" & long=$!
for c in garbage truncated oversized old-client new-header not-object no-hello unknown-type bad-request; do
	python3 "$T/raw.py" "$SDIR/server.sock" $c >"$T/raw.$c" 2>&1
done
check "garbage: ERROR (bad magic), closed" bash -c "grep -q '^3 .*bad magic' '$T/raw.garbage' && grep -qx CLOSED '$T/raw.garbage'"
check "truncated frame: closed without an answer" bash -c "test \"\$(cat '$T/raw.truncated')\" = CLOSED"
check "oversized frame: ERROR (larger than 1 MiB)" grep -q '^3 .*larger than 1 MiB' "$T/raw.oversized"
check "old client: 'server is version X, client is Y'" \
	grep -q '^3 {"error":"server is version [0-9.]* (protocol 1), client is version 0.0.1 (protocol 0)"}' "$T/raw.old-client"
check "a newer protocol's header: told the server's version" grep -q '^3 .*server is version .*client is protocol 2' "$T/raw.new-header"
check "HELLO not a JSON object: ERROR" grep -q '^3 .*not a JSON object' "$T/raw.not-object"
check "a request before HELLO: ERROR" grep -q '^3 .*first frame must be HELLO' "$T/raw.no-hello"
check "unknown frame type: ERROR" grep -q '^3 .*unknown frame type' "$T/raw.unknown-type"
check "bad exec request: ERROR" grep -q '^3 .*bad exec request' "$T/raw.bad-request"
wait $long; RC=$?
check "meanwhile, another client's command finished (4 answers, exit 0)" \
	bash -c "test $RC = 0 && test \$(grep -c '^node.*: node' '$T/long.out') = 4 && test ! -s '$T/long.err'"
python3 "$T/raw.py" "$SDIR/server.sock" hello >"$T/raw.hello" 2>&1
check "and a well-formed client is served (status)" grep -q '"event":"status"' "$T/raw.hello"
check "the server logged the bad frames" \
	bash -c "test \$(grep -c 'bad frame' '$SDIR/server.log') -ge 3"
check "the server is the same process" test "$(server_pid)" = "$p"

# --- a second local user is refused ------------------------------------------------
useradd -M -N -s /bin/sh "$OTHER" 2>/dev/null
ouid=$(id -u "$OTHER")
chmod 711 "$XDG_RUNTIME_DIR" "$SDIR"; chmod 666 "$SDIR/server.sock"
runuser -u "$OTHER" -- python3 "$T/raw.py" "$SDIR/server.sock" hello >"$T/raw.other" 2>&1
chmod 700 "$XDG_RUNTIME_DIR" "$SDIR"; chmod 600 "$SDIR/server.sock"
check "uid $ouid, even with the socket opened up: refused (SO_PEERCRED)" \
	bash -c "grep -q '^3 {\"error\":\"server of uid 0 refuses uid $ouid\"}' '$T/raw.other' && ! grep -q status '$T/raw.other'"
check "the refusal is logged" grep -q "refused pid [0-9]* of uid $ouid" "$SDIR/server.log"
runuser -u "$OTHER" -- python3 "$T/raw.py" "$SDIR/server.sock" hello >"$T/raw.other2" 2>&1
check "uid $ouid, socket back to 0600 in 0700: cannot even connect" \
	bash -c "grep -q 'Permission denied' '$T/raw.other2'"

# --- forged directories are refused, with a clear error ----------------------------------
forged() {  # forged NAME: XDG_RUNTIME_DIR=$T/NAME; check start and exec
	local name=$1 want=$2
	XDG_RUNTIME_DIR=$T/$name "$CT" server start >"$T/out" 2>&1; RC=$?
	check "$name: server start refused: '$want'" bash -c "test $RC = 1 && grep -q '$want' '$T/out'"
	XDG_RUNTIME_DIR=$T/$name "$CT" exec -w "$N1" hostname </dev/null >"$T/out" 2>"$T/err"; RC=$?
	check "$name: exec warns and runs in-process" \
		bash -c "test $RC = 0 && grep -qx '$N1: $N1' '$T/out' && grep -q '$want.*running in this process' '$T/err'"
}
mkdir -m 700 "$T/symlink" "$T/elsewhere"; ln -s "$T/elsewhere" "$T/symlink/clustertop"
forged symlink "is a symbolic link; refusing"
mkdir -m 700 "$T/mode" "$T/mode/clustertop"; chmod 777 "$T/mode/clustertop"
forged mode "has mode 0777, it must be 0700"
mkdir -m 700 "$T/owner" "$T/owner/clustertop"; chown "$OTHER" "$T/owner/clustertop"
forged owner "is owned by uid $ouid, not by you"
mkdir -m 700 "$T/notsock" "$T/notsock/clustertop"; : >"$T/notsock/clustertop/server.sock"
XDG_RUNTIME_DIR=$T/notsock "$CT" server status >"$T/out" 2>&1; RC=$?
check "a file that is not a socket: refused" bash -c "test $RC = 1 && grep -q 'not a socket owned by you' '$T/out'"

# --- kill -9: the next client reports and cleans the stale socket ----------------------
kill -9 "$p"
for i in $(seq 1 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
check "kill -9: the socket is left behind" test -S "$SDIR/server.sock"
"$CT" server status >"$T/out" 2>&1; RC=$?
check "next client: reports the stale socket, removes it, 'not running'" \
	bash -c "test $RC = 1 && grep -q 'was stale (its server is gone); removed it' '$T/out' && grep -q 'not running' '$T/out' && test ! -e '$SDIR/server.sock'"
"$CT" server status >/dev/null 2>&1; "$CT" exec --server -w "$W" hostname </dev/null >"$T/out" 2>"$T/err"; RC=$?
p2=$(server_pid)
check "exec --server: starts a fresh server (pid $p2) and runs through it" \
	bash -c "test $RC = 0 && test \$(grep -c '^node.*: node' '$T/out') = 4 && test -n '$p2' && test '$p2' != '$p' && kill -0 $p2"
"$CT" server stop >"$T/out" 2>&1
check "server stop" bash -c "grep -q 'stopped (pid $p2)' '$T/out' && ! kill -0 $p2 2>/dev/null"

# --- idle timeout ---------------------------------------------------------------------
"$CT" server start --idle 1 >"$T/out" 2>&1
p3=$(server_pid)
"$CT" exec -w "$N1" true </dev/null >/dev/null 2>&1
gone=0
for i in $(seq 1 150); do kill -0 "$p3" 2>/dev/null || { gone=1; break; }; sleep 0.2; done
check "--idle 1: the server exits by itself once idle" \
	bash -c "test $gone = 1 && grep -q 'idle for 1 s: exiting' '$SDIR/server.log' && test ! -e '$SDIR/server.sock'"
check "the servers' log has no sanitizer report" bash -c "! grep -q 'Sanitizer' '$SDIR/server.log'"
grep -i 'sanitizer' -A30 "$SDIR/server.log" | head -40

echo "# $FAILS failed"
exit $((FAILS > 0))
