#!/bin/bash
# 16-security.sh -- the claims of docs/security.md that no other suite
# checks, each one a test that fails if the claim stops being true:
#  - an ssh config saying StrictHostKeyChecking no, UserKnownHostsFile
#    /dev/null does not make clustertop accept an unknown key;
#  - no agent forwarding: a node never sees the head's SSH_AUTH_SOCK;
#  - the audit log is created 0600 in 0700 directories, and another
#    local user can't read it;
#  - accept-new appends to a known_hosts whose last line has no newline
#    without merging the lines (the next strict run accepts the key);
#  - exec --json escapes a node's control bytes; plain exec passes them
#    through unchanged, as pdsh does (documented);
#  - only public keys: against an sshd on loopback that offers password
#    and keyboard-interactive only, clustertop is auth-failed and the
#    sshd's log shows it never asked for either method;
#  - accept-new's new known_hosts is 0644 in a new 0700 directory;
#  - phase state: directories 0700 (the --failed list, the pinned binary).
#
# Env: SIM_ID (the sim under test, already up), CLUSTERTOP (the binary).
. "$(dirname "$0")/lib.sh"

N1=${NODES[0]} NL=${NODES[${#NODES[@]}-1]}
T=$(mktemp -d /tmp/ct-16-security.XXXXXX)
export CLUSTERTOP_AUDIT_LOG=$T/audit.log
FAILS=0
AGENT_PID=
SSHD_PID=
cleanup() {
	[ -n "$AGENT_PID" ] && kill "$AGENT_PID" 2>/dev/null
	[ -n "$SSHD_PID" ] && kill "$SSHD_PID" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
ok()  { echo "ok - $*"; }
nok() { echo "not ok - $*"; FAILS=$((FAILS + 1)); }
check() { local what=$1; shift; if "$@"; then ok "$what"; else nok "$what"; fi; }
jqt()   { jq -e "$@" >/dev/null 2>&1; }

# 1. The ssh config cannot turn host key checking off.
{ printf 'Host *\n  StrictHostKeyChecking no\n  UserKnownHostsFile /dev/null\n\n'
  cat "$CLUSTERTOP_SSH_CONFIG"; } >"$T/lax_config"
: >"$T/empty_kh"
CLUSTERTOP_KNOWN_HOSTS=$T/empty_kh "$CT" exec -F "$T/lax_config" -w "$N1" \
    true >"$T/out" 2>"$T/err"
RC=$?
check "StrictHostKeyChecking no in the ssh config: still refused (exit $RC)" \
    test "$RC" = 255
check "StrictHostKeyChecking no in the ssh config: host-key-mismatch" \
    grep -q "^clustertop: $N1: host-key-mismatch" "$T/err"
check "StrictHostKeyChecking no in the ssh config: nothing recorded" \
    test ! -s "$T/empty_kh"

# 2. No agent forwarding, even with an agent on the head.
eval "$(ssh-agent -s)" >/dev/null
AGENT_PID=$SSH_AGENT_PID
out=$("$CT" exec -w "$N1" 'echo "sock=${SSH_AUTH_SOCK:-none}"' 2>&1)
check "an agent on the head ($SSH_AUTH_SOCK) is not forwarded: $out" \
    test "$out" = "$N1: sock=none"
kill "$AGENT_PID" 2>/dev/null; AGENT_PID=
unset SSH_AUTH_SOCK SSH_AGENT_PID

# 3. The audit log: 0600 in 0700 directories, unreadable to others.
log=$T/state/a/b/audit.log
CLUSTERTOP_AUDIT_LOG=$log "$CT" exec -w "$N1" true >/dev/null 2>&1
check "audit log created mode 600 ($(stat -c %a "$log" 2>&1))" \
    test "$(stat -c %a "$log" 2>/dev/null)" = 600
check "audit log directories created mode 700 ($(stat -c %a "$T/state/a/b" 2>&1))" \
    test "$(stat -c %a "$T/state/a/b" 2>/dev/null)" = 700
chmod 755 "$T" "$T/state"
check "another local user cannot read the audit log" \
    bash -c "! setpriv --reuid nobody --regid nogroup --clear-groups cat '$log' >/dev/null 2>&1"

# 4. accept-new after a last line without a newline.
kh=$T/kh_nonl
# By name only (no address lines), $N1 left out, $NL's line last and
# without its newline: a merged append would hide both keys.
grep -v -e "^$N1[ ,]" -e "^$NL[ ,]" -e '^[0-9[]' "$CLUSTERTOP_KNOWN_HOSTS" |
    grep . >"$kh.tmp"
grep "^$NL[ ,]" "$CLUSTERTOP_KNOWN_HOSTS" >>"$kh.tmp"
printf '%s' "$(cat "$kh.tmp")" >"$kh"	# no newline at the end
CLUSTERTOP_KNOWN_HOSTS=$kh "$CT" exec --strict-host-keys accept-new -w "$N1" \
    true >/dev/null 2>&1
RC=$?
check "accept-new on a file without a final newline: runs (exit $RC)" test "$RC" = 0
CLUSTERTOP_KNOWN_HOSTS=$kh "$CT" exec -w "$N1,$NL" true >/dev/null 2>"$T/err"
RC=$?
check "then strict: both the new key and the old last line are found (exit $RC)" \
    test "$RC" = 0
check "known_hosts: every line is one entry" \
    test "$(awk 'NF != 3 && NF != 4' "$kh" | wc -l)" = 0

# 5. Node output and the head's terminal.
"$CT" exec --json -w "$N1" "printf 'a\\033]0;pwned\\007b\\033[2J'" >"$T/json" 2>&1
check "exec --json: no raw ESC or BEL from the node" \
    bash -c "! grep -q \$'[\\033\\007]' '$T/json'"
check "exec --json: the bytes are there, escaped" \
    jqt --arg h "$N1" 'select(.host == $h) | .stdout == "a\u001b]0;pwned\u0007b\u001b[2J"' "$T/json"
"$CT" exec -w "$N1" "printf 'a\\033[2Jb\\n'" >"$T/raw" 2>&1
check "plain exec passes node bytes through, like pdsh (docs/security.md)" \
    cmp -s "$T/raw" <(printf '%s: a\033[2Jb\n' "$N1")

# 6. Only public keys: an sshd on loopback (a port of this sim's own) that
# takes password and keyboard-interactive only, logging every request.
port=$((30000 + SIM_ID * 10 + 7))
ssh-keygen -q -t ed25519 -N '' -C pw-only -f "$T/pw_host_key"
cat > "$T/sshd_config" <<EOF
ListenAddress 127.0.0.1:$port
HostKey $T/pw_host_key
PidFile $T/sshd.pid
UsePAM no
PubkeyAuthentication no
PasswordAuthentication yes
KbdInteractiveAuthentication yes
AuthenticationMethods password keyboard-interactive
LogLevel DEBUG1
EOF
/usr/sbin/sshd -D -e -f "$T/sshd_config" 2>"$T/sshd.log" &
SSHD_PID=$!
for (( i = 0; i < 100; i++ )); do
	grep -q "Server listening on 127.0.0.1 port $port" "$T/sshd.log" && break
	sleep 0.1
done
# With the sim's key, so that there is a public key to offer and refuse.
idf=$(awk 'tolower($1) == "identityfile" { print $2; exit }' "$CLUSTERTOP_SSH_CONFIG")
printf 'Host pw-only\n  HostName 127.0.0.1\n  Port %s\n  User root\n  IdentityFile %s\n' \
    "$port" "$idf" > "$T/pw_config"
echo "[127.0.0.1]:$port $(cut -d' ' -f1,2 "$T/pw_host_key.pub")" > "$T/pw_kh"
CLUSTERTOP_KNOWN_HOSTS=$T/pw_kh "$CT" exec -F "$T/pw_config" -w pw-only true \
    >"$T/out" 2>"$T/err"
RC=$?
check "an sshd that wants a password: auth-failed, exit $RC ($(head -c 120 "$T/err"))" \
    eval '[ "$RC" = 255 ] && grep -q "^clustertop: pw-only: auth-failed" "$T/err"'
check "...the client did authenticate (the sshd logged its requests)" \
    grep -q "userauth-request for user root service ssh-connection method" "$T/sshd.log"
check "...and never asked for password or keyboard-interactive" \
    bash -c "! grep -E 'userauth-request for user .* method (password|keyboard-interactive)' '$T/sshd.log'"
kill "$SSHD_PID" 2>/dev/null; wait "$SSHD_PID" 2>/dev/null; SSHD_PID=

# 7. accept-new into a known_hosts that does not exist yet, in a new directory.
kh=$T/newdir/known_hosts
CLUSTERTOP_KNOWN_HOSTS=$kh "$CT" exec --strict-host-keys accept-new -w "$N1" \
    true >/dev/null 2>&1
RC=$?
check "accept-new, new file: runs (exit $RC), the key recorded" \
    eval '[ "$RC" = 0 ] && [ "$(grep -c " ssh-ed25519 " "$kh")" = 1 ]'
check "...the new known_hosts is 0644 ($(stat -c %a "$kh" 2>&1))" \
    test "$(stat -c %a "$kh" 2>/dev/null)" = 644
check "...in a new directory 0700 ($(stat -c %a "$T/newdir" 2>&1))" \
    test "$(stat -c %a "$T/newdir" 2>/dev/null)" = 700

# 8. Phase state: a one-step phase that fails on one node, so that the
# --failed list is written; its directories (and bin/, the pinned binary's)
# are 0700.
cat > "$T/phases.json" <<EOF
{ "version": 1, "variables": {},
  "phases": [ { "number": 1, "name": "probe", "title": "state modes",
    "steps": [ { "name": "fail on $N1", "where": "nodes",
      "command": "[ \"\$(hostname)\" != $N1 ]" } ] } ] }
EOF
st=$T/pstate/a/b
CLUSTERTOP_STATE_DIR=$st "$CT" phase run 1 -y --phases "$T/phases.json" -w "$N1,$NL" \
    >"$T/out" 2>&1
RC=$?
check "a phase that fails on $N1: exit $RC, --failed list names it" \
    eval '[ "$RC" = 1 ] && grep -qx "$N1" "$st/phase-1.failed"'
check "phase state directories created 0700 ($(stat -c %a "$T/pstate/a" "$st" "$st/bin" 2>&1 | tr '\n' ' '))" \
    test "$(stat -c %a "$T/pstate/a" "$st" "$st/bin" 2>/dev/null | sort -u)" = 700
chmod 755 "$T/pstate"
check "another local user cannot list the phase state" \
    bash -c "! setpriv --reuid nobody --regid nogroup --clear-groups ls '$st' >/dev/null 2>&1"

[ $FAILS -eq 0 ]
