#!/bin/bash
# 10-hostlist-compare.sh -- `clustertop hosts` against nodeset and Slurm.
#
# For every expression in hostlist-corpus.txt, runs the installed
# `nodeset -e` / `nodeset -f` (ClusterShell) and `scontrol show hostnames`
# (Slurm) and:
#  - where the two agree on the set of hosts, checks that `clustertop
#    hosts` gives that set, without duplicates, in Slurm's (the user's)
#    order, with the same count, and that -f folds it exactly as nodeset -f;
#  - where both reject the expression, checks that clustertop rejects it
#    too, with a message and exit status 2;
#  - where they disagree, checks clustertop against the choice recorded in
#    the table below (documented in docs/hostlists.md). A disagreement
#    with no recorded choice fails, so that every one gets decided.
#
# scontrol needs a slurm.conf even for hostnames; a minimal one is written
# to a temporary directory. Prints "ok - ..." / "not ok - ..." lines and
# exits non-zero on failure. The binary comes from $CLUSTERTOP (default
# build/clustertop).
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
ct=${CLUSTERTOP:-$root/build/clustertop}
case $ct in /*) ;; *) ct=$root/$ct ;; esac
corpus=${HOSTLIST_CORPUS:-$root/tests/compat/hostlist-corpus.txt}
tmp=$(mktemp -d /tmp/ct-hostlist.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail=0 n=0 agree=0 bothbad=0 differ=0

ok() { n=$((n + 1)); echo "ok - $*"; }
notok() { n=$((n + 1)); fail=$((fail + 1)); echo "not ok - $*"; }

for tool in nodeset scontrol; do
	if ! command -v $tool >/dev/null 2>&1; then
		echo "not ok - $tool is not installed"
		exit 1
	fi
done
if [ ! -x "$ct" ]; then
	echo "not ok - $ct is not built"
	exit 1
fi
printf 'ClusterName=ctcompat\nSlurmctldHost=localhost\nNodeName=x\nPartitionName=p Nodes=x\n' >"$tmp/slurm.conf"
export SLURM_CONF=$tmp/slurm.conf

# Where nodeset and Slurm disagree (or, marked pdsh, where clustertop
# deliberately takes pdsh's meaning): "TOOL-FOLLOWED:expected -e output"
# (space-separated; empty: that tool's own hosts), or ERR when clustertop
# rejects the expression.
declare -A choice=(
	['n[1-003]']='nodeset:ERR'
	['n[001-3]']='scontrol:n001 n002 n003'
	['n[0-010]']='nodeset:ERR'
	['n[01-100]']='scontrol:'
	['node[1-3]-ib']='nodeset:node1-ib node2-ib node3-ib'
	['node[1-10/2]']='nodeset:node1 node3 node5 node7 node9'
	['n[1-10/3]']='nodeset:n1 n4 n7 n10'
	['node[1-2][3-4]']='scontrol:node13 node14 node23 node24'
	['node[1-3]!node2']='nodeset:node1 node3'
	['node[1-5]!node2,node7']='nodeset:node1 node3 node4 node5 node7'
	['node[1-5]&node[3-7]']='nodeset:node3 node4 node5'
	['node[']='nodeset:ERR'
	['node]']='nodeset:ERR'
	['node[1-3']='nodeset:ERR'
	['node[1-2']='nodeset:ERR'
	['node[-1]']='scontrol:ERR'
	['node[ 1-2]']='nodeset:node1 node2'
	['node[1-2],,node5']='nodeset:ERR'
	['node[1-2],']='nodeset:ERR'
	[',node1']='nodeset:ERR'
	['node[1-2] node[4-5]']='scontrol:node1 node2 node4 node5'
	['n1 n2 n3']='scontrol:n1 n2 n3'
	['node[1-3],-node2']='pdsh:node1 node3'
	['node[1-100000]']='scontrol:ERR'
	['n[1-65537]']='scontrol:ERR'
	['n[1-2].cluster.local']='nodeset:n1.cluster.local n2.cluster.local'
	['node[1-2]-ib0']='nodeset:node1-ib0 node2-ib0'
	['node[1-2]ib']='nodeset:node1ib node2ib'
	['rack[01-02]-n[1-3]-ib']='nodeset:rack01-n1-ib rack01-n2-ib rack01-n3-ib rack02-n1-ib rack02-n2-ib rack02-n3-ib'
	['[1-3]x']='nodeset:1x 2x 3x'
	['a^b']='neither:ERR'
	['@compute']='nodeset:'
)

while IFS= read -r e || [ -n "$e" ]; do
	case $e in '#'*|'') continue ;; esac
	label="'$e'"

	nodeset -e -S '\n' -- "$e" >"$tmp/n.out" 2>"$tmp/n.err"; n_rc=$?
	scontrol show hostnames "$e" >"$tmp/s.out" 2>"$tmp/s.err"; s_rc=$?
	"$ct" hosts -e -- "$e" >"$tmp/o.out" 2>"$tmp/o.err"; o_rc=$?
	n_ok=0; [ $n_rc -eq 0 ] && n_ok=1
	s_ok=0; [ $s_rc -eq 0 ] && [ ! -s "$tmp/s.err" ] && s_ok=1
	sed '/^$/d' "$tmp/n.out" | sort -u >"$tmp/n.set"
	sort -u "$tmp/s.out" >"$tmp/s.set"
	sort -u "$tmp/o.out" >"$tmp/o.set"

	tools_agree=0
	if [ $n_ok -eq 1 ] && [ $s_ok -eq 1 ] && cmp -s "$tmp/n.set" "$tmp/s.set"; then
		tools_agree=1
	elif [ $n_ok -eq 0 ] && [ $s_ok -eq 0 ]; then
		tools_agree=2
	fi
	c=${choice[$e]-}
	if [ -z "$c" ] && [ $tools_agree -eq 1 ]; then
		agree=$((agree + 1))
		if [ $o_rc -ne 0 ]; then
			notok "$label: nodeset and scontrol agree, clustertop fails: $(cat "$tmp/o.err")"
			continue
		fi
		if ! cmp -s "$tmp/o.set" "$tmp/n.set"; then
			notok "$label: hosts differ from nodeset/scontrol"
			diff "$tmp/n.set" "$tmp/o.set" | head -5 | sed 's/^/#   /'
			continue
		fi
		awk '!seen[$0]++' "$tmp/s.out" >"$tmp/s.order"
		if ! cmp -s "$tmp/o.out" "$tmp/s.order"; then
			notok "$label: order or duplicates differ from scontrol's (first occurrence)"
			continue
		fi
		cnt=$("$ct" hosts -c -- "$e")
		if [ "$cnt" != "$(wc -l <"$tmp/s.set" | tr -d ' ')" ]; then
			notok "$label: -c says $cnt"
			continue
		fi
		nf=$(nodeset -f -- "$e" 2>/dev/null)
		of=$("$ct" hosts -f -- "$e" 2>&1)
		if [ "$nf" != "$of" ]; then
			notok "$label: -f gives '$of', nodeset -f gives '$nf'"
			continue
		fi
		# The folded form expands back to the same hosts.
		"$ct" hosts -e -- "$of" | sort -u >"$tmp/r.set"
		if ! cmp -s "$tmp/r.set" "$tmp/o.set"; then
			notok "$label: -f output '$of' does not expand back"
			continue
		fi
		ok "$label: $(wc -l <"$tmp/o.set" | tr -d ' ') hosts, folds to $of (as nodeset and scontrol)"
	elif [ -z "$c" ] && [ $tools_agree -eq 2 ]; then
		bothbad=$((bothbad + 1))
		if [ $o_rc -eq 2 ] && grep -q '^clustertop: hosts: ' "$tmp/o.err" &&
		    [ ! -s "$tmp/o.out" ]; then
			ok "$label: rejected like nodeset and scontrol: $(head -1 "$tmp/o.err" | cut -c20-)"
		else
			notok "$label: nodeset and scontrol reject it, clustertop: rc=$o_rc $(head -c 200 "$tmp/o.out" | tr '\n' ' ')"
		fi
	else
		differ=$((differ + 1))
		nsays=$([ $n_ok -eq 1 ] && head -c 60 "$tmp/n.out" | tr '\n' ' ' || echo "error")
		ssays=$([ $s_ok -eq 1 ] && head -c 60 "$tmp/s.out" | tr '\n' ' ' || echo "error: $(head -c 60 "$tmp/s.err" | tr '\n' ' ')")
		if [ -z "$c" ]; then
			notok "$label: nodeset ($nsays) and scontrol ($ssays) disagree and no choice is recorded"
			continue
		fi
		follow=${c%%:*} want=${c#*:}
		if [ $tools_agree -ne 0 ]; then
			label="$label (deliberate: nodeset and scontrol agree on $nsays)"
		fi
		if [ "$want" = ERR ]; then
			if [ $o_rc -eq 2 ] && [ -s "$tmp/o.err" ] && [ ! -s "$tmp/o.out" ]; then
				ok "$label: clustertop rejects it (as $follow): $(head -1 "$tmp/o.err" | cut -c20-)"
			else
				notok "$label: should be rejected (as $follow), clustertop rc=$o_rc"
			fi
			continue
		fi
		if [ -z "$want" ]; then
			# Follow that tool's own output.
			case $follow in
			nodeset) cp "$tmp/n.set" "$tmp/w.set" ;;
			scontrol) cp "$tmp/s.set" "$tmp/w.set" ;;
			esac
			if [ $o_rc -eq 0 ] && cmp -s "$tmp/o.set" "$tmp/w.set"; then
				ok "$label: clustertop gives $follow's $(wc -l <"$tmp/o.set" | tr -d ' ') hosts"
			else
				notok "$label: should give $follow's hosts"
			fi
			continue
		fi
		got=$(tr '\n' ' ' <"$tmp/o.out" | sed 's/ $//')
		if [ $o_rc -eq 0 ] && [ "$got" = "$want" ]; then
			ok "$label: clustertop follows $follow: $got"
		else
			notok "$label: should follow $follow ('$want'), got rc=$o_rc '$got' $(cat "$tmp/o.err")"
		fi
	fi
done <"$corpus"

# Options: -x, several arguments, stdin, bad options.
out=$("$ct" hosts -f -x 'node[3-4]' 'node[1-5]' 'node9')
[ "$out" = "node[1-2,5,9]" ] && ok "hosts -x: node[1-2,5,9]" || notok "hosts -x gave '$out'"
out=$(printf 'node[1-3]\n# comment\nnode7\n' | "$ct" hosts -c)
[ "$out" = 4 ] && ok "hosts reads standard input" || notok "hosts from stdin gave '$out'"
out=$(printf 'a\nb\n' | "$ct" hosts -f - c)
[ "$out" = "a,b,c" ] && ok "hosts '-' argument reads standard input" || notok "hosts - gave '$out'"
"$ct" hosts -q x >/dev/null 2>&1; rc=$?
[ $rc -eq 2 ] && ok "hosts: bad option exits 2" || notok "hosts: bad option exits $rc"
err=$("$ct" hosts 'n[3-1]' 2>&1 >/dev/null); rc=$?
[ $rc -eq 2 ] && [ "$err" = "clustertop: hosts: 'n[3-1]': reversed range '3-1'" ] &&
    ok "hosts: error message and status 2" || notok "hosts: error '$err' rc=$rc"
out=$("$ct" hosts -f '')
[ -z "$out" ] && ok "hosts -f '': an empty line, like nodeset -f ''" || notok "hosts -f '' gave '$out'"

echo "# $n checks: $agree where nodeset and scontrol agree, $bothbad both reject, $differ disagree; $fail failed"
[ $fail -eq 0 ]
