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
#    through unchanged, as pdsh does (documented).
#
# Env: SIM_ID (the sim under test, already up), CLUSTERTOP (the binary).
. "$(dirname "$0")/lib.sh"

N1=${NODES[0]} NL=${NODES[${#NODES[@]}-1]}
T=$(mktemp -d /tmp/ct-16-security.XXXXXX)
export CLUSTERTOP_AUDIT_LOG=$T/audit.log
FAILS=0
AGENT_PID=
cleanup() {
	[ -n "$AGENT_PID" ] && kill "$AGENT_PID" 2>/dev/null
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

[ $FAILS -eq 0 ]
