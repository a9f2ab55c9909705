#!/bin/bash
# 80-push-nvme.sh -- issue 9 in the dashboard: `P` pushes a file to every
# node (content checked on each node), a node whose sshd is down fails
# with its reason and R pushes again to it once it is back; `n` shows the
# plan of the instance-store devices, a wrong typed count wipes nothing,
# the right one wipes, and the next scan has nothing to do.
#
# Node 1's loop device gets a volume group, node 2's an ext4 (as in
# tests/integration/45-nvme.sh); both are left clean on exit.
. "$(dirname "$0")/lib.sh"
export LVM_SUPPRESS_FD_WARNINGS=1

SIM=$root/tests/sim/simcluster
mapfile -t nodes < <(sim_nodes)
n=${#nodes[@]}
[ "$n" -ge 4 ] || { echo "not ok - the sim has fewer than 4 nodes"; exit 1; }
N1=${nodes[0]} N2=${nodes[1]} N3=${nodes[2]}
D1=$(sim_json_get "$N1" instance_store)
D2=$(sim_json_get "$N2" instance_store)
VG=ct_tui80_${SIM_ID}
row="^ +[^ ]* *node[0-9]+ +"
rows=$((n + 26))
[ $rows -lt 40 ] && rows=40

W=$(mktemp -d /var/tmp/ct-tui80.XXXXXX)
payload=$W/payload.bin
head -c $((3 * 1024 * 1024 + 123)) /dev/urandom >"$payload"
sum=$(sha256sum <"$payload" | cut -d' ' -f1)
dest=/tmp/ct-tui80-$$

on() { local h=$1; shift; "$SIM" exec "$h" sh -c "$*"; }
reset_devices() {
	on "$N1" "vgremove -y -f $VG >/dev/null 2>&1; pvremove -y -ff $D1 >/dev/null 2>&1; wipefs -a -q $D1"
	on "$N2" "wipefs -a -q $D2"
}
cleanup() {
	tui_stop
	"$SIM" fault "$N3" start-sshd >/dev/null 2>&1
	reset_devices >/dev/null 2>&1
	for h in "${nodes[@]}"; do on "$h" "rm -rf $dest" 2>/dev/null; done
	rm -rf "$W"
}
trap cleanup EXIT

# --- P: push ---------------------------------------------------------------------
"$SIM" fault "$N3" stop-sshd >/dev/null
tui_start 130 "$rows" --interval 1 || { not_ok "tmux starts"; exit 1; }
tui_wait_count "${row}up +[0-9]" $((n - 1)) 150 || not_ok "all nodes but $N3 up"

tui_keys P
check "P opens the push form" tui_wait "^ +Push files +target: all $n nodes" 20
tui_keys "$payload" Tab C-u "$dest/" Tab Tab Tab Space
check "the form shows source, destination and --verify on" \
    tui_wait "\[x\] --verify SHA-256" 20
tui_keys Enter
# 3 MiB to 8 nodes is a bulk push: worker threads, as clustertop push.
check "the bulk push runs on worker threads, as clustertop push does" \
    tui_wait "^   .* to $n nodes\), .* on [0-9]+ threads" 50
check "push finishes: $((n - 1)) done, 1 failed" \
    tui_wait "^ finished .*: $n nodes: $((n - 1)) done, 0 sending, 0 queued, 1 failed" 300
check "$N3 shows its reason" tui_wait "^ $N3 +failed .*(unreachable|refused)" 20
check "the others are done" tui_wait_count "^ node[0-9]+ +done +3\.00 MiB of 3\.00 MiB" $((n - 1)) 20
good=0
for h in "${nodes[@]}"; do
	[ "$h" = "$N3" ] && continue
	[ "$(on "$h" "sha256sum < $dest/payload.bin" 2>/dev/null | cut -d' ' -f1)" = "$sum" ] &&
	    good=$((good + 1))
done
check "content identical on the $((n - 1)) reachable nodes" test "$good" -eq $((n - 1))
check "nothing on $N3" test -z "$(on "$N3" "ls $dest 2>/dev/null")"

"$SIM" fault "$N3" start-sshd >/dev/null
tui_keys R
check "R pushes again to the failed node only" \
    tui_wait "^ finished .*: $n nodes: $n done, 0 sending, 0 queued, 0 failed" 300
check "the re-push is marked" tui_wait "re-push of the failed nodes" 5
check "content identical on $N3 after the re-push" \
    test "$(on "$N3" "sha256sum < $dest/payload.bin" | cut -d' ' -f1)" = "$sum"
tui_keys Escape
check "Esc goes back to the table" tui_wait "LOAD1" 20

# The target is the selection when there is one; a source name with
# blanks is quoted, as in a shell.
small="$W/only two.txt"
echo "only two" >"$small"
echo "also two" >"$W/also two.txt"
tui_keys + "${nodes[1]},${nodes[3]}" Enter
tui_wait "selected 2 nodes" 20
tui_keys P
check "with 2 nodes selected the form targets them" \
    tui_wait "target: 2 nodes \(selected\)" 20
tui_keys C-u "'$small" Tab C-u "$dest/sel/" Tab Tab Tab Space Enter
check "an unterminated quote in the source: a one-line error" \
    tui_wait "push: unterminated single quote in the sources" 20
tui_keys e C-u "'$small' \"$W/also two.txt\"" Enter
check "the push of the two quoted names to the selection finishes" \
    tui_wait "^ finished .*/only two.txt .*/also two.txt -> " 300
check "...done on both nodes" tui_wait_count "^ node[0-9]+ +done " 2 20
have=0
for h in "${nodes[@]}"; do
	on "$h" "test -f '$dest/sel/only two.txt' && test -f '$dest/sel/also two.txt'" 2>/dev/null &&
	    have=$((have + 1))
done
check "only the 2 selected nodes got 'only two.txt' and 'also two.txt'" \
    test "$have" -eq 2 -a "$(on "${nodes[1]}" "cat '$dest/sel/only two.txt' '$dest/sel/also two.txt'" | tr '\n' ' ')" = "only two also two "
tui_keys Escape u
tui_wait "selection cleared" 20

# --- n: storage ----------------------------------------------------------------------
reset_devices >/dev/null 2>&1
on "$N1" "pvcreate -q $D1 && vgcreate -q $VG $D1" >/dev/null 2>&1
on "$N2" "mkfs.ext4 -q -F $D2"
tui_keys n
check "n scans and shows the plan" tui_wait "plan: wipe 2 devices on 2 nodes" 150
check "$N1's volume group is to be wiped" tui_wait "^ $N1 +$D1 .*volume group $VG +wipe" 5
check "$N2's ext4 is to be wiped" tui_wait "^ $N2 +$D2 .*ext4 +wipe" 5
check "the exact commands are shown" tui_wait "^ +vgremove -y '$VG'" 5
tui_keys w
check "w asks for the device count" tui_wait "type the number of devices to wipe" 20
tui_keys 3 Enter
check "a wrong count is refused" tui_wait "refusing: typed 3, but the plan wipes 2 devices" 20
check "...and nothing was wiped" test -n "$(on "$N2" "wipefs -n $D2" | sed 1d)"
tui_keys w
tui_wait "type the number of devices to wipe" 20
tui_keys 2 Enter
check "the right count wipes: 2 of 2, none failed, all clean" \
    tui_wait "wiped 2 of 2 devices on 2 nodes; 0 failed, 0 skipped, 0 not clean afterwards" 300
check "the log shows the commands as they ran" tui_wait "^ +$N1: \+ vgremove -y '$VG'" 5
check "no signature left on $N1 and $N2" \
    test -z "$(on "$N1" "wipefs -n $D1" | sed 1d)$(on "$N2" "wipefs -n $D2" | sed 1d)"
tui_keys s
check "a second scan has nothing to do" tui_wait "nothing to do: no device needs wiping" 150
grep -q '"label": *"nvme wipe"' "$CLUSTERTOP_AUDIT_LOG" 2>/dev/null
check "the wipe is in the audit log" test $? -eq 0
tui_keys Escape q
check "q quits" tui_wait "^EXIT=0" 50
tui_done
