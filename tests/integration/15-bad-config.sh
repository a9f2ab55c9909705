#!/bin/bash
# 15-bad-config.sh -- bad options, bad variables and bad files, from a table.
#
# Every row is a command line that must be refused before anything starts:
# exit status 2, exactly one line on stderr that contains the expected text
# (the option, variable, file and line it is about), and nothing started:
# each command would create a marker file on the node, the audit log stays
# as it was, and no node is ever reached. Rows marked "nobody" run as the
# user nobody (root reads every file, so "unreadable" can only be tried as
# another user).
#
# Env: SIM_ID (the sim under test, already up), CLUSTERTOP (the binary).
. "$(dirname "$0")/lib.sh"

N1=${NODES[0]}
T=$(mktemp -d /tmp/ct-15-badcfg.XXXXXX)
chmod 755 "$T"
export CLUSTERTOP_AUDIT_LOG=$T/audit.log
FAILS=0
MARK=/tmp/ct-15-badcfg-marker
cleanup() { rm -rf "$T"; }
trap cleanup EXIT

ok()  { echo "ok - $*"; }
nok() { echo "not ok - $*"; FAILS=$((FAILS + 1)); }

# Fixtures: a directory, an unreadable file, bad themes and phase files.
mkdir "$T/adir"
printf 'Host *\n' >"$T/unreadable"; chmod 000 "$T/unreadable"
cp "$CLUSTERTOP_SSH_CONFIG" "$T/ssh_config"; chmod 644 "$T/ssh_config"
printf 'background = default\nlabel = 244 nosuchcolour\n' >"$T/colour.theme"
printf 'title = 81 default blink\n' >"$T/attr.theme"
printf 'threshold-cpu = 90 x\n' >"$T/thr.theme"
printf 'nosuchrole = 1 2\n' >"$T/role.theme"
printf 'title 81\n' >"$T/syntax.theme"
printf '{"phases": 5}' >"$T/type.json"
printf '{"phases": [{"number": "one", "name": "a", "title": "A", "steps": []}]}' >"$T/number.json"
printf '{"phases": [{"number": 1, "name": "a", "title": "A", "steps": [{"name": "s", "where": "moon", "command": "true"}]}]}' >"$T/where.json"
printf '{"phases": [{"number": 1, "name": "a", "title": "A", "steps": [{"name": "s", "where": "nodes", "command": "true", "timeout": -3}]}]}' >"$T/range.json"
printf '{"phases": [\n  {"number": 1,\n' >"$T/truncated.json"
: >"$T/empty.json"
printf 'compute: node[01-\n' >"$T/groups"
printf 'node[01-\n' >"$T/hostfile"
cp "$T/unreadable" "$T/unreadable.theme"; chmod 000 "$T/unreadable.theme"
cp "$T/unreadable" "$T/unreadable.json"; chmod 000 "$T/unreadable.json"

X="exec -w $N1"
C="touch $MARK"

# expected text on stderr | who (root/nobody) | env and command line
ROWS=$(cat <<EOF
bad value for -t: abc|root|$X -t abc $C
bad value for -t: |root|$X -t '' $C
bad value for -t: -1|root|$X -t -1 $C
bad value for -t: 0|root|$X -t 0 $C
bad value for -u: 1e999|root|$X -u 1e999 $C
bad value for -u: 9x|root|$X -u 9x $C
bad value for -f: 0|root|$X -f 0 $C
bad value for -f: x|root|$X -f x $C
bad value for -f: 99999999999|root|$X -f 99999999999 $C
-w: 'node[': missing ']'|root|exec -w node[ touch $MARK
-x: 'n[': missing ']'|root|$X -x n[ $C
no nodes selected|root|exec -w '' touch $MARK
--strict-host-keys must be yes or accept-new|root|$X --strict-host-keys no $C
-l '': not a user name|root|$X -l '' $C
-l 'a b': not a user name|root|$X -l 'a b' $C
-F $T/missing: No such file or directory|root|$X -F $T/missing $C
-F $T/adir: Is a directory|root|$X -F $T/adir $C
-F: empty file name|root|$X -F '' $C
-F /dev/null: not a regular file|root|$X -F /dev/null $C
-F $T/unreadable: Permission denied|nobody|CLUSTERTOP_AUDIT_LOG=- $X -F $T/unreadable $C
CLUSTERTOP_SSH_CONFIG $T/missing: No such file|root|CLUSTERTOP_SSH_CONFIG=$T/missing $X $C
CLUSTERTOP_KNOWN_HOSTS $T/adir: Is a directory|root|CLUSTERTOP_KNOWN_HOSTS=$T/adir $X $C
CLUSTERTOP_KNOWN_HOSTS $T/unreadable: Permission denied|nobody|CLUSTERTOP_AUDIT_LOG=- CLUSTERTOP_SSH_CONFIG=$T/ssh_config CLUSTERTOP_KNOWN_HOSTS=$T/unreadable $X $C
CLUSTERTOP_KEEPALIVE=abc: expected SECONDS[,COUNT]|root|CLUSTERTOP_KEEPALIVE=abc $X $C
CLUSTERTOP_KEEPALIVE=0: expected|root|CLUSTERTOP_KEEPALIVE=0 $X $C
CLUSTERTOP_KEEPALIVE=5,x: expected|root|CLUSTERTOP_KEEPALIVE=5,x $X $C
CLUSTERTOP_SLURM_TIMEOUT=abc: expected seconds|root|CLUSTERTOP_SLURM_TIMEOUT=abc $X $C
CLUSTERTOP_SLURM_TIMEOUT=-1: expected seconds|root|CLUSTERTOP_SLURM_TIMEOUT=-1 $X $C
CLUSTERTOP_OUTPUT_CAP=1k: expected a number|root|CLUSTERTOP_OUTPUT_CAP=1k $X $C
audit log $T/adir: Is a directory|root|CLUSTERTOP_AUDIT_LOG=$T/adir $X $C
audit log $T/unreadable: Permission denied|nobody|CLUSTERTOP_AUDIT_LOG=$T/unreadable CLUSTERTOP_SSH_CONFIG=$T/ssh_config $X $C
-w: $T/groups:1: @compute: 'node[01-': missing ']'|root|CLUSTERTOP_GROUPS=$T/groups exec -w @compute touch $MARK
-w: $T/missing: No such file or directory|root|CLUSTERTOP_GROUPS=$T/missing exec -w @compute touch $MARK
-w: $T/adir: Is a directory|root|CLUSTERTOP_GROUPS=$T/adir exec -w @compute touch $MARK
-w: ^$T/hostfile: 'node[01-': missing ']'|root|exec -w ^$T/hostfile touch $MARK
-w: ^$T/adir: Is a directory|root|exec -w ^$T/adir touch $MARK
-w: ^$T/unreadable: Permission denied|nobody|CLUSTERTOP_AUDIT_LOG=- CLUSTERTOP_SSH_CONFIG=$T/ssh_config exec -w ^$T/unreadable touch $MARK
WCOLL: $T/missing: No such file or directory|root|CLUSTERTOP_SLURM_TIMEOUT=0 WCOLL=$T/missing exec touch $MARK
WCOLL: $T/hostfile|root|CLUSTERTOP_SLURM_TIMEOUT=0 WCOLL=$T/hostfile exec touch $MARK
bad --rounds|root|bench -w $N1 --rounds 0 touch $MARK
bad --rounds|root|bench -w $N1 --rounds x touch $MARK
$T/missing: No such file or directory|root|push -w $N1 $T/missing $MARK
$T/adir: is a directory (use -r)|root|push -w $N1 $T/adir $MARK
$T/unreadable: Permission denied|nobody|CLUSTERTOP_AUDIT_LOG=- CLUSTERTOP_SSH_CONFIG=$T/ssh_config push -w $N1 $T/unreadable $MARK
--confirm abc: not a count|root|nvme wipe -w $N1 --confirm abc
theme nosuch not found|root|--theme nosuch -w $N1
$T/colour.theme: line 2:|root|--theme $T/colour.theme -w $N1
$T/attr.theme: line 1:|root|--theme $T/attr.theme -w $N1
$T/thr.theme: line 1:|root|--theme $T/thr.theme -w $N1
$T/role.theme: line 1:|root|--theme $T/role.theme -w $N1
$T/syntax.theme: line 1:|root|--theme $T/syntax.theme -w $N1
$T/adir: Is a directory|root|--theme $T/adir -w $N1
$T/unreadable.theme: Permission denied|nobody|CLUSTERTOP_AUDIT_LOG=- CLUSTERTOP_SSH_CONFIG=$T/ssh_config --theme $T/unreadable.theme -w $N1
$T/missing: No such file or directory|root|phase run 1 -y -w $N1 --phases $T/missing
$T/adir: Is a directory|root|phase run 1 -y -w $N1 --phases $T/adir
$T/empty.json|root|phase run 1 -y -w $N1 --phases $T/empty.json
$T/truncated.json:|root|phase run 1 -y -w $N1 --phases $T/truncated.json
$T/type.json: "phases" must be a non-empty list|root|phase run 1 -y -w $N1 --phases $T/type.json
$T/number.json:|root|phase run 1 -y -w $N1 --phases $T/number.json
$T/where.json:|root|phase run 1 -y -w $N1 --phases $T/where.json
$T/range.json:|root|phase run 1 -y -w $N1 --phases $T/range.json
$T/unreadable.json: Permission denied|nobody|CLUSTERTOP_AUDIT_LOG=- phase run 1 -y -w $N1 --phases $T/unreadable.json
$T/missing: No such file or directory|root|CLUSTERTOP_PHASES=$T/missing phase run 1 -y -w $N1
no phase '99'|root|phase run 99 -y -w $N1
unknown command 'nosuchcmd'|root|nosuchcmd
EOF
)

n=0
while IFS='|' read -r want who line; do
	[ -n "$want" ] || continue
	n=$((n + 1))
	# Split "VAR=value ... ARGS" into the environment and the arguments.
	eval "set -- $line"
	envs=()
	while [ $# -gt 0 ] && [[ $1 == [A-Z]*=* ]]; do envs+=("$1"); shift; done
	if [ "$who" = nobody ]; then
		run=(setpriv --reuid nobody --regid nogroup --clear-groups
		    env HOME="$T" "${envs[@]}" "$CT" "$@")
	else
		run=(env "${envs[@]}" "$CT" "$@")
	fi
	err=$(timeout -k 5 60 "${run[@]}" 2>&1 >/dev/null </dev/null)
	rc=$?
	lines=$(printf '%s' "$err" | grep -c '^')
	case $err in
	*"$want"*) found=1 ;;
	*) found=0 ;;
	esac
	# A usage text after the one error line is allowed for unknown
	# commands only (it is what they are for).
	[ "$want" = "unknown command 'nosuchcmd'" ] && lines=1
	if [ $rc -eq 2 ] && [ "$lines" -eq 1 ] && [ $found -eq 1 ]; then
		ok "$n: ${line:0:90} ($who): ${err%%$'\n'*}"
	else
		nok "$n: ${line:0:90} ($who): exit $rc, $lines lines, want '$want': $err"
	fi
done <<<"$ROWS"

# Nothing started: no marker on the node, and the audit log untouched.
if "$CT" exec -w "$N1" "test ! -e $MARK" >/dev/null 2>&1; then
	ok "no row ran its command on $N1"
else
	nok "a row ran its command on $N1 ($MARK exists)"
	"$CT" exec -w "$N1" "rm -f $MARK" >/dev/null 2>&1
fi
if ! grep -q "touch $MARK" "$T/audit.log"; then
	ok "the audit log holds no record of a refused row"
else
	nok "the audit log has a refused row: $(grep "touch $MARK" "$T/audit.log" | head -c 600)"
fi
[ $FAILS -eq 0 ]
