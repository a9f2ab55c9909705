# cells-mpi.sh -- sourced by run-matrix.sh: the test-mpi column
# (`clustertop test mpi`, phase 8: an MPI hello world through sbatch/srun
# across the idle target nodes, run as the administrator on the head).
# job_time_limit is 1 minute here (the default, 10, is what a job stuck on
# a frozen node would cost: the cell timeout is 240 s).
# Each cell checks the exit status, that the output says why (the node or
# the controller named), that no job of the test is left in the queue and
# no rank is left on a node, and the audit end record.
# shellcheck shell=bash

NA[node-output:test-mpi]="the MPI test's output is the job's output file, written by srun's ranks and read on the head, not a node's sshd output"

mpi_run() {  # [ARGS]
	"$CT" test mpi -t 3 -w "$W" --set job_time_limit=1 "$@" > "$D/out" 2> "$D/err"; RC=$?
	sed 's/^/#   /' "$D/out" "$D/err" | grep -v '^#   *$' | tail -n 8
}
mpi_bg() {
	"$CT" test mpi -t 3 -w "$W" --set job_time_limit=1 > "$D/out" 2> "$D/err" &
	BG=$!
	wait_until 600 sh -c "grep -q 'Submitted batch job' '$D/out'" || echo "#   the job was never submitted"
}
mpi_bg_wait() { wait "$BG"; RC=$?; sed 's/^/#   /' "$D/out" "$D/err" | grep -v '^#   *$' | tail -n 8; }
mpi_ranks() { grep -c 'Hello world from processor node0[1-4], rank [0-3] out of 4 processors' "$D/out"; }
mpi_passed() { [ "$RC" = 0 ] && [ "$(mpi_ranks)" = 4 ] && grep -q '4 lines, 4 distinct ranks, from 4 distinct nodes' "$D/out"; }
no_mpi_job() {  # none of the test's jobs pending or running (within 30 s; a job
	# still COMPLETING on a node that was cut is Slurm's bookkeeping), no rank on a node
	wait_until 300 sh -c '[ -z "$(squeue -h -n clustertop-mpi-test -t PD,R,S,CF -o %i 2>/dev/null)" ]' ||
	    { echo "#   left in the queue: $(squeue -h -n clustertop-mpi-test 2>&1 | head -n 3)"; return 1; }
	local n; for n in "$F" "${OTHERS[@]}"; do wait_until 150 no_procs "$n" 'clustertop-tests/mpi-test' || return 1; done
}
mpi_audit() { sh -c "grep '\"event\":\"end\"' '$CLUSTERTOP_AUDIT_LOG' | grep -q 'phase 8\|mpi'"; }
mpi_common_fail() {  # DESC-REGEX: the test failed and said why
	want "exit 1 (the test failed)" [ "$RC" = 1 ]
	want "the output says why ($1)" grep -qiE "$1" "$D/out" "$D/err"
	want "no rank reported as passed" [ "$(mpi_ranks)" != 4 ]
	want "no job of the test left, no rank on a node" no_mpi_job
	want "audit end record" mpi_audit
}
c_test-mpi_sshd-stopped() {
	fault $F stop-sshd
	mpi_run
	fault $F start-sshd
	want "exit 0 and 4 ranks from 4 nodes: the MPI test needs slurmd, not sshd" mpi_passed
	verdict
}
c_test-mpi_hostkey-changed() {
	fault $F new-hostkey
	mpi_run
	fault $F restore-hostkey
	want "exit 0 and 4 ranks: the test runs on the head through Slurm" mpi_passed
	verdict
}
c_test-mpi_frozen() {  # every process of node02 (slurmd too) stopped before the test
	fault $F freeze-node
	local t0=$SECONDS
	mpi_run
	local took=$((SECONDS - t0))
	fault $F thaw-node
	mpi_common_fail "job failed|TIME LIMIT|not responding|$F|CANCELLED"
	verdict "a frozen node cost $took s (the job's time limit, 1 min here, 10 by default)"
}
c_test-mpi_cut-heal() {
	fault $F cut
	local t0=$SECONDS
	mpi_run
	local took=$((SECONDS - t0))
	fault $F heal
	mpi_common_fail "job failed|$F|communication|timed out|TIME LIMIT"
	verdict "a cut node cost $took s"
}
c_test-mpi_rebooted() {  # mid-job: as soon as the job is submitted
	mpi_bg
	fault $F reboot
	mpi_bg_wait
	want "exit 1 (the job lost a rank), or 0 if it had finished" [ "$RC" = 1 -o "$RC" = 0 ]
	[ "$RC" = 1 ] && want "the output says the job failed" grep -qiE "job failed|$F" "$D/out" "$D/err"
	want "no job of the test left, no rank on a node" no_mpi_job
	want "audit end record" mpi_audit
	wait_until 600 sh -c "sinfo -h -n $F -o %t | grep -q idle" || echo "#   $F not idle again"
	mpi_run
	want "the next test passes (4 ranks)" mpi_passed
	verdict "the hello world takes about a second: the reboot lands at a random moment (exit of the first: $RC)"
}
c_test-mpi_sshd-restarted() {
	mpi_bg
	fault $F restart-sshd
	mpi_bg_wait
	want "exit 0 and 4 ranks" mpi_passed
	verdict
}
c_test-mpi_disk-full() {  # node02's /tmp full (PMIx and OpenMPI put their session files there)
	fault $F disk-full
	mpi_run
	fault $F disk-free
	if [ "$RC" = 0 ]; then
		want "exit 0 and 4 ranks" mpi_passed
		verdict "the ranks ran with node02's /tmp full (nothing of the job needed to write there)"
	else
		mpi_common_fail "job failed|$F|space"
		verdict "the job failed with node02's /tmp full"
	fi
}
c_test-mpi_clock-off() {
	clock_setup
	local t0=$SECONDS
	mpi_run
	fault $F clock-on
	mpi_common_fail "job failed|credential|$F"
	verdict "took $((SECONDS - t0)) s; Slurm: $(grep -m1 -ioE 'job credential expired|credential[^.]*' "$D/out" "$D/err" | head -n 1 | cut -d: -f2-)"
}
c_test-mpi_slurmctld-stopped() {
	fault head stop-slurmctld
	local t0=$SECONDS
	mpi_run
	fault head start-slurmctld
	mpi_common_fail "slurmctld|controller|no idle node|Unable to contact"
	verdict "gave up after $((SECONDS - t0)) s"
}
c_test-mpi_slurmctld-slow() {
	fault head freeze-slurmctld
	local t0=$SECONDS
	mpi_run
	fault head thaw-slurmctld
	mpi_common_fail "slurmctld|controller|no idle node|timed out|Unable to contact|does not answer"
	verdict "gave up after $((SECONDS - t0)) s"
}
c_test-mpi_munged-stopped() {
	fault head stop-munged
	local t0=$SECONDS
	mpi_run
	fault head start-munged
	mpi_common_fail "munge|authentication|no idle node"
	verdict "gave up after $((SECONDS - t0)) s: $(grep -m1 -iE 'munge|no idle' "$D/out" "$D/err" | cut -c1-120)"
}
c_test-mpi_head-disk-full() {
	hd_audit_setup
	mpi_run
	want "no crash, no sanitizer report (exit $RC)" no_crash
	want "a clear message: the audit log cannot be written" grep -qi "audit log.*no space left" "$D/out" "$D/err"
	want "exit non-zero: the test is not recorded" [ "$RC" != 0 ]
	want "the audit log holds only whole JSON lines" audit_whole "$CLUSTERTOP_AUDIT_LOG"
	verdict
}
mpi_signal() {
	mpi_bg
	kill -"$1" "$BG"
	mpi_bg_wait
	want "exit 130 (interrupted), or 0 if it had finished" [ "$RC" = 130 -o "$RC" = 0 ]
	want "no job of the test left, no rank on a node" no_mpi_job
	want "audit end record" mpi_audit
	verdict "exit $RC"
}
c_test-mpi_sigterm() { mpi_signal TERM; }
c_test-mpi_sighup() { mpi_signal HUP; }
