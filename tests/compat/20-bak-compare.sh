#!/bin/bash
# 20-bak-compare.sh -- `clustertop bak` against the real dshbak.
#
# Generates pdsh-style "host: line" inputs, many of them awkward (long
# lines, segment boundaries, a missing final newline, 8-bit bytes, NULs,
# pdsh's own "pdsh@head: ..." messages, colons in the output, odd spacing,
# duplicate and interleaved hosts, names that dshbak folds badly), and
# checks that `clustertop bak -c` prints exactly what `dshbak -c` prints.
#
# dshbak's block order and header order depend on Perl's hash order when
# hosts tie; each input is run under several PERL_HASH_SEEDs, and only when
# dshbak itself is stable must the bytes match. Otherwise both outputs are
# compared as sets of blocks and sets of header pieces.
#
# The deliberate differences are checked as such: pdsh@ messages and lines
# without a host go to stderr unchanged, a last line without a newline is
# kept, and a name without digits never joins a range.
#
# Prints "ok - ..." / "not ok - ..." lines; exits non-zero on any failure.
# The binary comes from $CLUSTERTOP (default build/clustertop).
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
ct=${CLUSTERTOP:-$root/build/clustertop}
case $ct in /*) ;; *) ct=$root/$ct ;; esac
fail=0 n=0
tmp=$(mktemp -d /tmp/ct-bak.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

if ! command -v dshbak >/dev/null 2>&1; then
	echo "not ok - dshbak is not installed (apt-get install pdsh)"
	exit 1
fi
if [ ! -x "$ct" ]; then
	echo "not ok - $ct is not built"
	exit 1
fi

ok() { n=$((n + 1)); echo "ok - $*"; }
notok() { n=$((n + 1)); fail=$((fail + 1)); echo "not ok - $*"; }

# Canonical form of dshbak -c output: blocks sorted, each header's
# comma-separated pieces (outside brackets) sorted.
canon() {
	/usr/bin/python3 -c '
import sys
data = sys.stdin.buffer.read()
sep = b"-" * 16 + b"\n"
blocks, i = [], 0
parts = data.split(sep)
# parts: "", header, body, header, body, ...
parts = parts[1:]
for k in range(0, len(parts) - 1, 2):
    hdr = parts[k].rstrip(b"\n")
    pieces, depth, cur = [], 0, b""
    for c in hdr:
        c = bytes([c])
        if c == b"[": depth += 1
        if c == b"]": depth -= 1
        if c == b"," and depth == 0:
            pieces.append(cur); cur = b""
        else:
            cur += c
    pieces.append(cur)
    blocks.append(b",".join(sorted(pieces)) + b"\n" + parts[k + 1])
sys.stdout.buffer.write(b"\x00".join(sorted(blocks)))
'
}

# Is dshbak's output on FILE fixed, whatever Perl's hash order? It is not
# when a header has names with different non-digit suffixes (dshbak prints
# the suffix groups in hash order), or when two blocks start at hosts with
# the same trailing number (sortn leaves ties in hash order).
dshbak_stable() {
	/usr/bin/python3 - "$1" "$2" <<'PY'
import re, sys
path, mode = sys.argv[1], sys.argv[2]
lines = {}
for line in open(path, "rb").read().split(b"\n")[:-1]:
    m = re.match(rb"^\s*(\S+?)\s*: ?(.*)$", line + b"\n", re.S)
    if m and m.group(2).endswith(b"\n") and b"\n" not in m.group(2)[:-1]:
        lines.setdefault(m.group(1), []).append(m.group(2))
def num(h):
    d = re.search(rb"(\d*)$", h).group(1)
    return int(d) if d else 0
if mode != "-c":
    nums = [num(h) for h in lines]
    print(1 if len(nums) == len(set(nums)) else 0)
    sys.exit()
groups = {}
for h, l in lines.items():
    groups.setdefault(tuple(l), []).append(h)
mins = []
for hosts in groups.values():
    sfx = {re.match(rb"(.*?\d*)(\D*)$", h, re.S).group(2) for h in hosts}
    if len(sfx) > 1:
        print(0); sys.exit()
    mins.append(min(num(h) for h in hosts))
print(1 if len(mins) == len(set(mins)) else 0)
PY
}

# compare NAME FILE MODE: clustertop bak vs dshbak on FILE, MODE -c or "-".
compare() {
	local name=$1 in=$2 mode=$3 opt= s stable first=
	[ "$mode" = "-c" ] && opt=-c
	"$ct" bak $opt <"$in" >"$tmp/ours" 2>"$tmp/ours.err"
	stable=$(dshbak_stable "$in" "$mode")
	for s in 0 1 2 3; do
		PERL_HASH_SEED=$s PERL_PERTURB_KEYS=0 dshbak $opt <"$in" \
		    >"$tmp/theirs.$s" 2>/dev/null
		if [ -z "$first" ]; then
			first=$tmp/theirs.$s
		elif ! cmp -s "$first" "$tmp/theirs.$s"; then
			stable=0
		fi
	done
	if [ "$stable" = 1 ]; then
		if cmp -s "$tmp/ours" "$first"; then
			ok "bak $opt: $name: byte-identical to dshbak $opt"
		else
			notok "bak $opt: $name: differs from dshbak $opt"
			diff "$first" "$tmp/ours" | head -10 | cat -A | sed 's/^/#   /'
		fi
	else
		if [ "$(canon <"$tmp/ours" | md5sum)" = \
		    "$(canon <"$first" | md5sum)" ]; then
			ok "bak $opt: $name: same blocks as dshbak $opt (dshbak's order is hash-random here)"
		else
			notok "bak $opt: $name: blocks differ from dshbak $opt"
			diff "$first" "$tmp/ours" | head -10 | cat -A | sed 's/^/#   /'
		fi
	fi
	# Ours must not depend on anything random.
	"$ct" bak $opt <"$in" >"$tmp/ours2" 2>/dev/null
	cmp -s "$tmp/ours" "$tmp/ours2" || notok "bak $opt: $name: not deterministic"
}

# --- inputs where dshbak is right ------------------------------------------
c=$tmp/in
printf 'n2: b\nn3: a\nn1: a\n' >$c.basic
printf 'node09: x\nnode10: x\nnode11: x\nnode08: y\nnode09x: y\nnode010: z\n' >$c.padding
printf 'node08: x\nnode09: x\nnode010: x\nn1: y\nn01: y\nn001: y\nm0: z\nm1: z\nm2: z\nm00: z\nm01: z\n' >$c.padding2
printf 'node099: x\nnode100: x\nnode101: x\n' >$c.padding3
for i in $(seq 0 19); do [ "$i" -eq 10 ] || printf 'node%04d: same\n' "$i"; done >$c.padding4
printf 'n1-ib: x\nn2-ib: x\nn3-ib: x\nn1-eth0: y\nn2-eth0: y\nn3-eth0: y\n' >$c.suffix
printf 'rack1-node01: x\nrack1-node02: x\nrack2-node01: x\nrack2-node02: x\n' >$c.twod
printf 'login1: x\nnode1: x\nlogin2: x\nnode2: x\nadmin: x\n' >$c.mixed
printf 'n1a: x\nn2a: x\nn1b: x\nn2b: x\n' >$c.suffixes
printf 'NODE1: x\nnode2: x\nNode3: x\n' >$c.case
printf 'n1: a:b: c\nn2: key: value\nn3: a:b: c\nfe80::1: v6\nn4:: double\n' >$c.colons
printf 'n5:  two spaces\nn4:nospace\n  n6 : lead and trail\nn7\t:\ttab\nn8:\nn9: \n' >$c.spacing
printf 'n1: one\nn2: one\nn1: two\nn2: two\nn3: one\nn1: three\nn3: two\nn2: three\nn3: three\n' >$c.interleaved
printf 'n1: a\nn2: a\nn1: b\n' >$c.prefix
printf 'n1: x\nn1: x\nn2: x\n' >$c.duplines
printf 'n1: a\r\nn2: a\r\nn3: a\n' >$c.cr
printf 'n1: \377\376 8-bit \200\n n2: \377\376 8-bit \200\nn3: caf\303\251\nn4: caf\303\251\n' >$c.8bit
printf 'n\303\266de1: x\nn\303\266de2: x\n\377h1: y\n' >$c.8bithost
printf 'n1: nul\000inside\nn2: nul\000inside\nn3: nul\000other\n' >$c.nul
printf 'n[1-2]: bracket\nx,y: comma\nn1: bracket\n' >$c.oddnames
printf 'n1: x\nn2: x\nn3: y\nn10: x\nn20: y\nn100: x\n' >$c.numbers
printf 'node1: x\nnode2: x\nnode3: x\nnode5: x\nnode9: x\nnode10: x\nnode11: x\n' >$c.ranges
printf 'n2: a\nn4: a\nn6: a\nn8: a\n' >$c.gaps
printf 'n0: x\nn: x\nn1: x\n' >$c.zero
printf 'h1: 12345678901234567890: big\nh12345678901234567890: x\nh12345678901234567891: x\n' >$c.bignum
"$root/tests/bench/gen-bak-input.sh" 5000 100 7 >$c.gen
"$root/tests/bench/gen-bak-input.sh" 3000 1000 1 >$c.gen1000
awk 'BEGIN { for (h = 0; h < 64; h++) for (l = 0; l < 20; l++) printf "node%02d: %s line %d\n", (h * 37) % 64, (h % 3 ? "ok" : "failed"), l }' >$c.shuffled
for len in 4095 4096 4097 8191 8192 100000 1048576; do
	/usr/bin/python3 -c 'import sys
n = int(sys.argv[1]); s = b"x" * n
out = b"".join(b"n%d: %s\n" % (h, s) for h in (1, 2, 3)) + b"n4: " + s + b"y\n"
sys.stdout.buffer.write(out)' $len >$c.long$len
done
/usr/bin/python3 -c 'import sys
s = b"ab\\" * 20000
sys.stdout.buffer.write(b"".join(b"n%d: %s\nn%d: tail\n" % (h, s, h) for h in range(1, 5)))' >$c.longmulti

for f in basic padding padding2 padding3 padding4 suffix twod mixed suffixes \
    case colons spacing interleaved prefix duplines cr 8bit 8bithost nul \
    oddnames numbers ranges gaps zero bignum gen gen1000 shuffled \
    long4095 long4096 long4097 long8191 long8192 long100000 long1048576 \
    longmulti; do
	compare "$f" "$c.$f" -c
done
for f in basic interleaved 8bit colons spacing gen long4097; do
	compare "$f" "$c.$f" -
done

# An empty input prints nothing.
if [ -z "$("$ct" bak -c </dev/null)" ]; then
	ok "bak -c: empty input prints nothing"
else
	notok "bak -c: empty input prints something"
fi

# --- deliberate differences ------------------------------------------------
# pdsh's own messages go to stderr unchanged; dshbak makes a "pdsh@head" host.
printf 'n1: a\nn2: b\npdsh@head: n2: ssh exited with exit code 1\nn3: a\npdsh@head: n9: command timeout\nn9: ssh: connect to host n9 port 22: No route to host\n' >$c.pdsh
grep -v '^pdsh@' $c.pdsh >$c.pdsh.clean
"$ct" bak -c <$c.pdsh >"$tmp/ours" 2>"$tmp/ours.err"
dshbak -c <$c.pdsh.clean >"$tmp/theirs" 2>/dev/null
if cmp -s "$tmp/ours" "$tmp/theirs"; then
	ok "bak -c: pdsh@ lines are not hosts (stdout = dshbak -c without them)"
else
	notok "bak -c: pdsh@ lines changed stdout"
fi
if [ "$(grep '^pdsh@' $c.pdsh)" = "$(cat "$tmp/ours.err")" ]; then
	ok "bak -c: pdsh@ lines copied to stderr unchanged"
else
	notok "bak -c: pdsh@ lines not on stderr unchanged"
fi
if dshbak -c <$c.pdsh 2>/dev/null | grep -qx 'pdsh@head'; then
	ok "dshbak -c turns pdsh@head into a host (the trap bak avoids)"
else
	notok "dshbak -c no longer shows the pdsh@ trap (check the test)"
fi

# A last line without a newline is kept; dshbak drops it.
printf 'n1: a\nn2: a\nn3: a' >$c.nonl
printf 'n1: a\nn2: a\nn3: a\n' >$c.nonl.fixed
"$ct" bak -c <$c.nonl >"$tmp/ours" 2>/dev/null
dshbak -c <$c.nonl.fixed >"$tmp/theirs" 2>/dev/null
if cmp -s "$tmp/ours" "$tmp/theirs"; then
	ok "bak -c: last line without newline is kept (= dshbak -c with the newline)"
else
	notok "bak -c: last line without newline"
fi
if dshbak -c <$c.nonl 2>/dev/null | grep -qx 'n\[1-2\]'; then
	ok "dshbak -c drops the unterminated last line (documented difference)"
else
	notok "dshbak -c unexpectedly keeps the unterminated last line"
fi
printf 'n1: %s' "$(head -c 100000 /dev/zero | tr '\0' 'z')" >$c.nonl.long
if [ "$("$ct" bak -c <$c.nonl.long | sed -n 4p | wc -c)" -eq 100001 ]; then
	ok "bak -c: a 100 kB last line without newline is kept whole"
else
	notok "bak -c: long unterminated last line"
fi

# Lines with no host tag go to stderr; stdout is what dshbak prints.
printf 'n1: a\ngarbage line\nn2: a\n\n: no tag\n   \n' >$c.untagged
"$ct" bak -c <$c.untagged >"$tmp/ours" 2>"$tmp/ours.err"
dshbak -c <$c.untagged >"$tmp/theirs" 2>/dev/null
if cmp -s "$tmp/ours" "$tmp/theirs" &&
    [ "$(cat "$tmp/ours.err")" = "$(printf 'garbage line\n: no tag')" ]; then
	ok "bak -c: untagged lines go to stderr, blank lines are dropped"
else
	notok "bak -c: untagged lines"
fi

# A name without digits never joins a range: dshbak prints "[-1]foo".
printf 'foo: x\n1foo: x\n' >$c.nodigits
if [ "$("$ct" bak -c <$c.nodigits | sed -n 2p)" = "foo,1foo" ] &&
    [ "$(dshbak -c <$c.nodigits | sed -n 2p)" = "[-1]foo" ]; then
	ok "bak -c: 'foo' and '1foo' fold to foo,1foo (dshbak: [-1]foo)"
else
	notok "bak -c: names without digits"
fi

# Ties are ordered, not random: a1/b1/c1 have the same trailing number.
printf 'c1: z\nb1: y\na1: x\n' >$c.ties
if [ "$("$ct" bak -c <$c.ties | sed -n '2p;6p;10p' | tr '\n' ' ')" = "a1 b1 c1 " ]; then
	ok "bak -c: hosts with equal numbers come out in byte order"
else
	notok "bak -c: tie order"
fi

echo "# $n checks, $fail failed"
[ $fail -eq 0 ]
