#!/bin/bash
# 45-nvme.sh -- `clustertop nvme scan | wipe` on the simulated cluster,
# each node's loop device standing in for its instance store (listed in
# /etc/clustertop/instance-store.list inside the node):
#   node 1: LVM metadata (a physical volume in a volume group)  -> cleaned
#   node 2: an unmounted ext4                                    -> cleaned
#   node 3: an ext4 mounted directly on the device               -> refused, intact
#   node 4: nothing                                              -> nothing to do
# Also: the plan is shown first, --dry-run and a wrong --confirm change
# nothing, no signature remains after the wipe (wipefs -n), a second wipe
# has nothing to do. These machines have no device-mapper, so logical
# volumes are covered by the planner's unit tests (tests/unit/test-nvme.c).
#
# Env: SIM_ID (the sim under test, already up), CLUSTERTOP (the binary).
# The devices are left clean and unmounted on exit.
. "$(dirname "$0")/lib.sh"
export LVM_SUPPRESS_FD_WARNINGS=1

(( ${#NODES[@]} >= 4 )) || { echo "not ok - need 4 nodes, sim has ${#NODES[@]}"; exit 1; }
N1=${NODES[0]} N2=${NODES[1]} N3=${NODES[2]} N4=${NODES[3]}
W4="$N1,$N2,$N3,$N4"
dev() { jq -r --arg n "$1" '.nodes[] | select(.name == $n) | .instance_store' <<<"$SIMJSON"; }
D1=$(dev "$N1") D2=$(dev "$N2") D3=$(dev "$N3") D4=$(dev "$N4")
VG=ct_itest_${SIM_ID}_$N1		# loop devices are seen by every node: a unique name
MNT=/mnt/ct-nvme-test

T=$(mktemp -d /var/tmp/ct-45-nvme.XXXXXX)
export CLUSTERTOP_AUDIT_LOG=$T/audit.log
FAILS=0

ok()   { echo "ok - $*"; }
nok()  { echo "not ok - $*"; FAILS=$((FAILS + 1)); }
check() { local what=$1; shift; if "$@"; then ok "$what"; else nok "$what"; fi; }
on()   { local n=$1; shift; $SIM exec "$n" sh -c "$*"; }
sigs() { on "$1" "wipefs -n $2" 2>/dev/null | sed 1d; }	# signature lines, or nothing

reset_devices() {
	on "$N3" "umount $MNT 2>/dev/null; rmdir $MNT 2>/dev/null"
	on "$N1" "vgremove -y -f $VG >/dev/null 2>&1; pvremove -y -ff $D1 >/dev/null 2>&1"
	on "$N1" "wipefs -a -q $D1"; on "$N2" "wipefs -a -q $D2"
	on "$N3" "wipefs -a -q $D3"; on "$N4" "wipefs -a -q $D4"
}
cleanup() {
	reset_devices 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

for d in "$D1" "$D2" "$D3" "$D4"; do
	[[ -b $d ]] || { echo "not ok - instance store '$d' is not a block device"; exit 1; }
done
reset_devices 2>/dev/null
on "$N1" "pvcreate -q $D1 && vgcreate -q $VG $D1" >/dev/null 2>&1
on "$N2" "mkfs.ext4 -q -F $D2"
on "$N3" "mkfs.ext4 -q -F $D3 && mkdir -p $MNT && mount $D3 $MNT && echo keep > $MNT/marker"
check "set-up: a volume group on $N1, ext4 on $N2, ext4 mounted on $N3" \
	test -n "$(sigs "$N1" "$D1")" -a -n "$(sigs "$N2" "$D2")" -a "$(on "$N3" "cat $MNT/marker")" = keep

# --- scan -----------------------------------------------------------------------------
out=$("$CT" nvme scan -w "$W4" 2>&1); rc=$?
echo "$out" | sed 's/^/# /'
check "scan exits 0" test "$rc" -eq 0
check "scan shows $N1's volume group, to be wiped" grep -qE "^$N1 +$D1 .*volume group $VG +wipe" <<<"$out"
check "scan shows $N2's ext4, to be wiped" grep -qE "^$N2 +$D2 .*ext4 +wipe" <<<"$out"
check "scan shows $N3 refused: mounted on $MNT" grep -qE "^$N3 +$D3 .*refuse .*mounted on $MNT" <<<"$out"
check "scan shows $N4 clean" grep -qE "^$N4 +$D4 .*clean" <<<"$out"

# --- the plan, and what must not wipe -----------------------------------------------------
out=$("$CT" nvme wipe --dry-run -w "$W4" 2>&1); rc=$?
echo "$out" | sed 's/^/# /'
check "dry run exits 0 and counts 2 devices" sh -c "[ $rc -eq 0 ] && grep -q 'dry run: 2 devices would be wiped' <<'EOF'
$out
EOF"
check "the plan lists the exact commands for $N1" grep -qzE "vgremove -y '$VG'.*pvremove -y '$D1'.*wipefs -a '$D1'.*blkdiscard '$D1'" <<<"$out"
check "the plan refuses $N3 with its reason" grep -q "REFUSED: $D3 is mounted on $MNT" <<<"$out"
"$CT" nvme wipe -w "$W4" >/dev/null 2>&1; rc=$?
check "wipe without -y --confirm is refused (2)" test "$rc" -eq 2
"$CT" nvme wipe -y -w "$W4" >/dev/null 2>&1; rc=$?
check "-y without --confirm is refused (2)" test "$rc" -eq 2
out=$("$CT" nvme wipe -y --confirm 3 -w "$W4" 2>&1); rc=$?
check "a wrong --confirm count is refused (2)" sh -c "[ $rc -eq 2 ] && grep -q 'refusing: --confirm 3, but the plan above wipes 2' <<'EOF'
$out
EOF"
check "nothing changed after the dry run and the refusals" \
	test -n "$(sigs "$N1" "$D1")" -a -n "$(sigs "$N2" "$D2")" -a -n "$(on "$N1" "vgs --noheadings -o vg_name $VG 2>/dev/null")"

# --- the wipe -------------------------------------------------------------------------------
out=$("$CT" nvme wipe -y --confirm 2 -w "$W4" 2>&1); rc=$?
echo "$out" | sed 's/^/# /'
check "wipe -y --confirm 2 exits 0" test "$rc" -eq 0
check "it logged each command it ran, per node" grep -q "^$N1: + vgremove -y '$VG'" <<<"$out"
check "summary: 2 of 2 wiped, all clean afterwards" grep -q "wiped 2 of 2 devices on 2 nodes; 0 failed, 0 skipped, 0 not clean" <<<"$out"
check "$N1: no signature remains (wipefs -n)" test -z "$(sigs "$N1" "$D1")"
check "$N1: the volume group is gone" test -z "$(on "$N1" "vgs --noheadings -o vg_name $VG 2>/dev/null")"
check "$N2: no signature remains (wipefs -n)" test -z "$(sigs "$N2" "$D2")"
check "$N3: still mounted and intact" test "$(on "$N3" "cat $MNT/marker")" = keep -a -n "$(sigs "$N3" "$D3")"
check "the audit log has the wipe jobs" grep -q '"nvme wipe"' "$CLUSTERTOP_AUDIT_LOG"

# --- again: nothing to do ----------------------------------------------------------------------
out=$("$CT" nvme wipe -w "$W4" 2>&1); rc=$?
check "a second wipe reports nothing to do (exit 0)" sh -c "[ $rc -eq 0 ] && grep -q 'nothing to do' <<'EOF'
$out
EOF"

# --- the same runner as the dashboard's n: raw output, a node that is down ----------------
"$CT" nvme scan --raw -w "$N1,$N2" >"$T/raw" 2>&1; rc=$?
check "--raw: each node's scan output under its name (exit 0)" \
	sh -c "[ $rc -eq 0 ] && grep -qx '==> $N1 <==' '$T/raw' && grep -qx '==> $N2 <==' '$T/raw'"
$SIM fault "$N4" stop-sshd >/dev/null
out=$("$CT" nvme scan -w "$W4" 2>"$T/err"); rc=$?
$SIM fault "$N4" start-sshd >/dev/null
check "scan with $N4's sshd stopped: exit 255" test "$rc" -eq 255
check "...$N4 is named as unreachable" grep -q "^clustertop: $N4: unreachable" "$T/err"
check "...the other nodes are still listed" sh -c "grep -qE '^$N1 +$D1 ' <<'EOF' && grep -qE '^$N3 +$D3 ' <<'EOF2'
$out
EOF
$out
EOF2"
out=$("$CT" nvme wipe --dry-run -w "$W4" 2>&1); rc=$?
check "after the restart the dry run sees every node again" sh -c "[ $rc -eq 0 ] && ! grep -q 'could not be scanned' <<'EOF'
$out
EOF"

exit $(( FAILS > 0 ))
