#!/bin/bash
# 40-push.sh -- `clustertop push` and `push --pull` on the simulated
# cluster: a file and a tree arrive byte-identical on every node (checked
# with sha256sum inside each node), -p keeps modes and times, --verify,
# awkward names, a node whose sshd is stopped fails alone with its reason
# and --retry-failed finishes it, an interrupted or killed push leaves no
# half-written destination and no temporary file, and pull fetches into
# DIR/HOST/path.
#
# Env: SIM_ID (the sim under test, already up), CLUSTERTOP (the binary).
# Every fault this script causes is undone on exit.
. "$(dirname "$0")/lib.sh"

(( ${#NODES[@]} >= 4 )) || { echo "not ok - need 4 nodes, sim has ${#NODES[@]}"; exit 1; }
ALL=$(IFS=,; echo "${NODES[*]}")
N1=${NODES[0]} N2=${NODES[1]} N3=${NODES[2]} N4=${NODES[3]}
W4="$N1,$N2,$N3,$N4"

T=$(mktemp -d /var/tmp/ct-40-push.XXXXXX)
export CLUSTERTOP_AUDIT_LOG=$T/audit.log
export XDG_STATE_HOME=$T/state		# the failed-node list goes here
FAILS=0
FAULTS=()
REMOTE=/tmp/ct-push-test		# on every node (a private tmpfs)

ok()   { echo "ok - $*"; }
nok()  { echo "not ok - $*"; FAILS=$((FAILS + 1)); }
check() { local what=$1; shift; if "$@"; then ok "$what"; else nok "$what"; fi; }
on()   { local n=$1; shift; $SIM exec "$n" sh -c "$*"; }

cleanup() {
	local f n
	for f in "${FAULTS[@]}"; do $SIM fault "${f%%:*}" "${f#*:}" >/dev/null; done
	for n in "${NODES[@]}"; do on "$n" "rm -rf $REMOTE" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT

# sha256 of a file on every node equals WANT.
same_everywhere() {
	local path=$1 want=$2 n got
	shift 2
	for n in "$@"; do
		got=$(on "$n" "sha256sum < '$path'" 2>/dev/null | cut -d' ' -f1)
		[[ $got == "$want" ]] || { echo "# $n: $path: '$got' != '$want'"; return 1; }
	done
}

# No temporary file of a push anywhere under REMOTE on these nodes.
no_tmp() {
	local n left
	for n in "$@"; do
		left=$(on "$n" "find $REMOTE -name '*ct-tmp*' 2>/dev/null")
		[[ -z $left ]] || { echo "# $n: left behind: $left"; return 1; }
	done
}

# A manifest "sha256  relative path" of a tree, sorted.
manifest_local() { (cd "$1" && find . -type f -print0 | sort -z | xargs -0 sha256sum); }
manifest_node() { on "$1" "cd '$2' && find . -type f -print0 | sort -z | xargs -0 sha256sum"; }

# --- a file -------------------------------------------------------------------
head -c $((5 * 1024 * 1024 + 123)) /dev/urandom > "$T/file.bin"
SUM=$(sha256sum < "$T/file.bin" | cut -d' ' -f1)
out=$("$CT" push -w "$ALL" "$T/file.bin" "$REMOTE/" 2>&1); rc=$?
check "push a file to ${#NODES[@]} nodes (exit 0)" test "$rc" -eq 0
check "the file is byte-identical on every node" same_everywhere "$REMOTE/file.bin" "$SUM" "${NODES[@]}"
check "no temporary file left on any node" no_tmp "${NODES[@]}"

# To an explicit name, replacing the file atomically.
"$CT" push -w "$W4" "$T/file.bin" "$REMOTE/renamed.bin" >/dev/null 2>&1
check "push to an explicit file name" same_everywhere "$REMOTE/renamed.bin" "$SUM" "$N1" "$N4"

# --verify: every node confirms the SHA-256 before the rename.
out=$("$CT" push --verify -w "$W4" "$T/file.bin" "$REMOTE/verified.bin" 2>&1); rc=$?
check "--verify passes on every node" test "$rc" -eq 0
check "--verify file arrived" same_everywhere "$REMOTE/verified.bin" "$SUM" "$N1" "$N2" "$N3" "$N4"

# -p: mode and mtime.
printf 'script\n' > "$T/tool.sh"; chmod 0750 "$T/tool.sh"; touch -d @1000000000 "$T/tool.sh"
"$CT" push -p -w "$W4" "$T/tool.sh" "$REMOTE/bin/" >/dev/null 2>&1
got=$(on "$N2" "stat -c '%a %Y' $REMOTE/bin/tool.sh")
check "-p keeps mode and mtime (got '$got')" test "$got" = "750 1000000000"
"$CT" push -w "$W4" "$T/tool.sh" "$REMOTE/bin2/" >/dev/null 2>&1
got=$(on "$N2" "stat -c '%a' $REMOTE/bin2/tool.sh; stat -c %Y $REMOTE/bin2/tool.sh")
check "without -p: mode minus umask, fresh mtime" test "${got%%$'\n'*}" = 750 -a "${got##*$'\n'}" != 1000000000

# Names with spaces, quotes, newlines and "$(...)" are data, not code.
weird="$T/it's a \"file\" \$(touch pwned)"
printf 'weird\n' > "$weird"
"$CT" push -w "$N1" "$weird" "$REMOTE/dir with space/" >/dev/null 2>&1; rc=$?
got=$(on "$N1" "cat '$REMOTE/dir with space/'*file*" 2>/dev/null)
name=$(on "$N1" "ls '$REMOTE/dir with space/'")
check "awkward file and directory names arrive intact" test "$rc" -eq 0 -a "$got" = weird -a "$name" = "${weird##*/}"
check "and nothing in them was run" test ! -e pwned -a -z "$(on "$N1" "ls ~/pwned '$REMOTE/dir with space/pwned' 2>/dev/null")"

# --- a tree ---------------------------------------------------------------------
mkdir -p "$T/tree/sub dir/deep" "$T/tree/empty"
head -c 300000 /dev/urandom > "$T/tree/big"
printf 'a\n' > "$T/tree/a"
printf 'b\n' > "$T/tree/sub dir/b 'q'"
printf 'nl\n' > "$T/tree/sub dir/deep/new
line"
ln -s a "$T/tree/link"
chmod 0751 "$T/tree/sub dir"; chmod 0600 "$T/tree/a"
touch -d @1000000000 "$T/tree/a" "$T/tree/sub dir"
out=$("$CT" push -r -p --verify -w "$ALL" "$T/tree" "$REMOTE/trees/" 2>&1); rc=$?
check "push -r -p --verify a tree to ${#NODES[@]} nodes (exit 0)" test "$rc" -eq 0
want=$(manifest_local "$T/tree")
bad=0
for n in "${NODES[@]}"; do
	[[ $(manifest_node "$n" "$REMOTE/trees/tree") == "$want" ]] || { bad=1; echo "# $n: tree differs"; }
done
check "the tree is byte-identical on every node" test $bad -eq 0
got=$(on "$N3" "stat -c '%a %Y' $REMOTE/trees/tree/a '$REMOTE/trees/tree/sub dir'; readlink $REMOTE/trees/tree/link; [ -d $REMOTE/trees/tree/empty ] && echo empty-dir")
check "modes, times, symlink and empty directory kept" test "$got" = "600 1000000000
751 1000000000
a
empty-dir"
# Pushing again merges: a file only the node has stays.
on "$N1" "echo mine > $REMOTE/trees/tree/only-here"
"$CT" push -r -w "$N1" "$T/tree" "$REMOTE/trees/" >/dev/null 2>&1; rc=$?
check "a second push merges into the tree and keeps other files" test "$rc" -eq 0 -a "$(on "$N1" "cat $REMOTE/trees/tree/only-here")" = mine
on "$N1" "rm $REMOTE/trees/tree/only-here"
check "no temporary directory left after tree pushes" no_tmp "${NODES[@]}"

# --- a node whose sshd is stopped ------------------------------------------------
on "$N1" "echo old > $REMOTE/replace.bin"
$SIM fault "$N3" stop-sshd >/dev/null && FAULTS+=("$N3:start-sshd")
out=$("$CT" push -w "$W4" "$T/file.bin" "$REMOTE/replace.bin" 2>&1); rc=$?
check "push with $N3 down exits non-zero (got $rc)" test "$rc" -ne 0
check "$N3 is reported with its reason" grep -q "$N3: unreachable" <<<"$out"
check "only $N3 is reported failed" sh -c "! grep -qE '($N1|$N2|$N4): ' <<'EOF'
$out
EOF"
check "the other nodes got the file" same_everywhere "$REMOTE/replace.bin" "$SUM" "$N1" "$N2" "$N4"
check "no temporary or partial file on the others" no_tmp "$N1" "$N2" "$N4"
check "the failed list names $N3 alone" test "$(cat "$XDG_STATE_HOME/clustertop/push-failed" 2>/dev/null)" = "$N3"
check "a re-push hint is printed" grep -q -- "--retry-failed" <<<"$out"
$SIM fault "$N3" start-sshd >/dev/null && FAULTS=()
out=$("$CT" push --retry-failed -w "" "$T/file.bin" "$REMOTE/replace.bin" 2>&1); rc=$?
check "--retry-failed refuses -w (usage, 2)" test "$rc" -eq 2
out=$("$CT" push --retry-failed "$T/file.bin" "$REMOTE/replace.bin" 2>&1); rc=$?
check "--retry-failed pushes to $N3 only and succeeds" test "$rc" -eq 0
check "$N3 has the file now" same_everywhere "$REMOTE/replace.bin" "$SUM" "$N3"
check "the failed list is gone after a full success" test ! -e "$XDG_STATE_HOME/clustertop/push-failed"

# --- interrupted pushes leave no half-written destination ------------------------
head -c $((96 * 1024 * 1024)) /dev/urandom > "$T/big.bin"
BIGSUM=$(sha256sum < "$T/big.bin" | cut -d' ' -f1)
for n in "$N1" "$N2" "$N3" "$N4"; do on "$n" "echo old > $REMOTE/big.bin"; done
OLDSUM=$(echo old | sha256sum | cut -d' ' -f1)
# whole_or_old PATH: on every node the file is the old one or the whole new one.
whole_or_old() {
	local n got
	for n in "$N1" "$N2" "$N3" "$N4"; do
		got=$(on "$n" "sha256sum < $REMOTE/big.bin" | cut -d' ' -f1)
		case $got in
		"$OLDSUM") echo "# $n: still the old file" ;;
		"$BIGSUM") echo "# $n: the whole new file" ;;
		*) echo "# $n: half-written ($got)"; return 1 ;;
		esac
	done
}
for sig in INT KILL; do
	"$CT" push -q -w "$W4" "$T/big.bin" "$REMOTE/big.bin" >/dev/null 2>&1 &
	pid=$!
	sleep 1.5
	kill -s "$sig" "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	rc=$?
	# The nodes notice the closed channel and clean up: wait for it (30 s).
	for ((i = 0; i < 60; i++)); do
		no_tmp "$N1" "$N2" "$N3" "$N4" >/dev/null && break
		sleep 0.5
	done
	check "push stopped by SIG$sig (exit $rc): old or whole file, never half" whole_or_old
	check "push stopped by SIG$sig: no temporary file left" no_tmp "$N1" "$N2" "$N3" "$N4"
done

# --- pull ------------------------------------------------------------------------
out=$("$CT" push --pull -r -w "$W4" "$REMOTE/trees/tree" "$REMOTE/file.bin" "$T/pulled" 2>&1); rc=$?
check "pull -r from 4 nodes (exit 0)" test "$rc" -eq 0
bad=0
for n in "$N1" "$N2" "$N3" "$N4"; do
	[[ $(sha256sum < "$T/pulled/$n$REMOTE/file.bin" 2>/dev/null | cut -d' ' -f1) == "$SUM" ]] || { bad=1; echo "# $n: file.bin"; }
	[[ $(manifest_local "$T/pulled/$n$REMOTE/trees/tree" 2>/dev/null) == "$want" ]] || { bad=1; echo "# $n: tree"; }
done
check "pull fetched into DIR/HOST/path, byte-identical" test $bad -eq 0
out=$("$CT" push --pull -w "$N1" "$REMOTE/trees/tree" "$T/pulled2" 2>&1); rc=$?
check "pull of a directory without -r is refused (exit $rc)" sh -c "[ $rc -ne 0 ] && grep -q 'use -r' <<'EOF'
$out
EOF"
out=$("$CT" push --pull -w "$N1" "/nonexistent/x" "$T/pulled3" 2>&1); rc=$?
check "pull of a missing path fails with its reason" sh -c "[ $rc -ne 0 ] && grep -q 'No such file' <<'EOF'
$out
EOF"

# --- usage ---------------------------------------------------------------------------
"$CT" push -w "$N1" "$T/nonexistent" "$REMOTE/" >/dev/null 2>&1; rc=$?
check "a missing source is a usage error (2)" test "$rc" -eq 2
"$CT" push -w "$N1" "$T/tree" "$REMOTE/" >/dev/null 2>&1; rc=$?
check "a directory without -r is a usage error (2)" test "$rc" -eq 2
check "the audit log recorded the pushes" grep -q '"push"' "$CLUSTERTOP_AUDIT_LOG"

exit $(( FAILS > 0 ))
