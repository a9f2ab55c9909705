#!/bin/bash
# run-bench.sh BIN -- `make bench`: clustertop against its peer tools,
# measured in one run on one simulated cluster, printed as a table of
# ratios and written to bench-results/bench.json.
#
# Peers: pdsh with a fresh ssh per node, pdsh and clush over a warm OpenSSH
# ControlMaster, dshbak -c and clubak -b on a large generated input, pdcp
# and parallel scp of a 100 MiB file to 16 nodes. Every figure is the
# median of several rounds; compare the ratios, not the seconds (these
# machines are shared and noisy).
#
# BENCH_ONLY=via runs only the Slurm fan-out part: `exec --via slurm` and
# `push --via slurm` (sbcast) against exec and push over SSH, on the nodes
# that run slurmd (all, or the first BENCH_SLURMD). It also runs in "all"
# and "rounds" when every node runs slurmd.
#
# BENCH_ONLY=push runs only the push part (pdcp, parallel scp, push, and
# the same three with AES-GCM forced on the peers too); the sim is then
# BENCH_PUSH_NODES nodes. BENCH_ONLY=rounds runs only the command rounds
# and the dashboard. BENCH_ONLY=server runs only the resident server's
# figures (100 execs through it; its RSS with the dashboard attached
# against the in-process dashboard's; the time from a client's process
# start to its first full frame on attach): BENCH_NODES=256 BENCH_ONLY=server
# gives the 256-node attach figure without the rest of the bench.
#
# From 256 nodes on (BENCH_NODES=1024: see docs/bench.md) it adds the
# peers at fanout 256 (pdsh fresh, pdsh and clush over warm masters), the
# cold comparison against pdsh's best fanout, and the dashboard: CPU
# (utime+stime) over BENCH_DASH_S seconds (60) at 200x60 with 1 s samples,
# and RSS per node. Fresh-connection rounds are BENCH_FRESH_ROUNDS (1 from
# 256 nodes on: one round of pdsh fresh on 1,024 nodes takes minutes).
set -u
bin=$(readlink -f "${1:-build/clustertop}")
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
export SIM_ID=${BENCH_SIM_ID:-8}
nodes=${BENCH_NODES:-64}
rounds=${BENCH_ROUNDS:-5}
push_nodes=${BENCH_PUSH_NODES:-16}
big=0; [ "$nodes" -ge 256 ] && big=1
fresh_rounds=${BENCH_FRESH_ROUNDS:-$([ "$big" = 1 ] && echo 1 || echo "$rounds")}
dash_s=${BENCH_DASH_S:-60}
only=${BENCH_ONLY:-all}
case $only in
all|rounds|server|via) ;;
push) nodes=$push_nodes ;;
*) echo "run-bench.sh: BENCH_ONLY: all, rounds, server, via or push" >&2; exit 2 ;;
esac
out=${BENCH_OUT:-$root/bench-results}
mkdir -p "$out"
work=$(mktemp -d /var/tmp/ct-bench.XXXXXX)
export CLUSTERTOP_AUDIT_LOG=$work/audit.log
# A private server directory: no resident server of the user's is used;
# the in-process figures are in-process, the server step starts its own.
export XDG_RUNTIME_DIR=$work/run
mkdir -m 700 "$XDG_RUNTIME_DIR"

cleanup() {
	[ -n "${keep_sim:-}" ] || tests/sim/simcluster down >/dev/null 2>&1
	rm -rf "$work"
}
trap cleanup EXIT

now() { date +%s.%N; }
# median of the numbers on stdin
median() { sort -g | awk '{a[NR]=$1} END {if (NR==0) print "nan"; else if (NR%2) print a[(NR+1)/2]; else printf "%.6f\n", (a[NR/2]+a[NR/2+1])/2}'; }
# time_rounds N CMD...: wall seconds of each of N runs, median printed
time_rounds() {
	local n=$1; shift
	local i t0 t1
	for ((i = 0; i < n; i++)); do
		t0=$(now); "$@" >/dev/null 2>&1; t1=$(now)
		awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f\n", b - a }'
	done | median
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "nan" || b == "nan" || b == 0) print "n/a"; else printf "%.3f", a / b }'; }
has_cmd() { "$bin" "$1" --help >/dev/null 2>&1 || ! "$bin" "$1" 2>&1 | grep -q 'not in this build'; }

echo "bench: booting a $nodes-node simulated cluster (SIM_ID=$SIM_ID)"
t0=$(now)
tests/sim/simcluster up -n "$nodes" ${BENCH_SLURMD:+--slurmd "$BENCH_SLURMD"} >"$work/sim-up.log" 2>&1 || { tail "$work/sim-up.log"; exit 1; }
sim_up_s=$(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.3f", b - a }')
eval "$(tests/sim/simcluster env)"
hostfile=$(tests/sim/simcluster env --json | jq -r .files.hostfile)
sshcfg=$(tests/sim/simcluster env --json | jq -r .files.ssh_config)
all=$("$bin" hosts -f "^$hostfile" 2>/dev/null || paste -sd, "$hostfile")
first16=$(head -n "$push_nodes" "$hostfile" | paste -sd,)

# ControlMaster config: the sim's ssh_config plus connection sharing.
cmcfg=$work/ssh_config.cm
{ echo "Host *"; echo "  ControlMaster auto"; echo "  ControlPath $work/cm-%h"; echo "  ControlPersist 600"; cat "$sshcfg"; } >"$cmcfg"

export PDSH_RCMD_TYPE=ssh
results=()
add() { results+=("$1=$2"); printf '  %-44s %s\n' "$1" "$2"; }

clush_warm=nan ct_warm=nan pdsh_warm=nan ct_cold=nan pdsh_fresh=nan ct_bak=nan dshbak_s=nan ct_rss_kb=nan ct_server=nan
pdsh_warm256=nan clush_warm256=nan pdsh_fresh256=nan pdsh_fresh_best=nan dash_cpu_pct=nan dash_rss_kb=nan
clush_warm=nan inproc_dash_rss_kb=nan server_dash_rss_kb=nan attach_ms=nan attach_bytes=nan
if [ "$only" != push ] && [ "$only" != via ]; then
if [ "$only" != server ]; then
echo "bench: command rounds on $nodes nodes (median of $rounds; fresh connections: $fresh_rounds)"
pdsh_fresh=$(PDSH_SSH_ARGS_APPEND="-F $sshcfg" time_rounds "$fresh_rounds" pdsh -f 64 -w "^$hostfile" hostname)
add pdsh_fresh_s "$pdsh_fresh"
pdsh_fresh_best=$pdsh_fresh
if [ "$big" = 1 ]; then
	pdsh_fresh256=$(PDSH_SSH_ARGS_APPEND="-F $sshcfg" time_rounds "$fresh_rounds" pdsh -f 256 -w "^$hostfile" hostname)
	add pdsh_fresh_f256_s "$pdsh_fresh256"
	pdsh_fresh_best=$(printf '%s\n' "$pdsh_fresh" "$pdsh_fresh256" | grep -v nan | sort -g | head -n 1)
fi
PDSH_SSH_ARGS_APPEND="-F $cmcfg" pdsh -f 64 -w "^$hostfile" true >/dev/null 2>&1	# warm the masters
pdsh_warm=$(PDSH_SSH_ARGS_APPEND="-F $cmcfg" time_rounds "$rounds" pdsh -f 64 -w "^$hostfile" hostname)
add pdsh_controlmaster_s "$pdsh_warm"
clush_warm=$(time_rounds "$rounds" clush -f 64 -o "-F $cmcfg" -w "$all" hostname)
add clush_controlmaster_s "$clush_warm"
if [ "$big" = 1 ]; then
	pdsh_warm256=$(PDSH_SSH_ARGS_APPEND="-F $cmcfg" time_rounds "$rounds" pdsh -f 256 -w "^$hostfile" hostname)
	add pdsh_controlmaster_f256_s "$pdsh_warm256"
	clush_warm256=$(time_rounds "$rounds" clush -f 256 -o "-F $cmcfg" -w "$all" hostname)
	add clush_controlmaster_f256_s "$clush_warm256"
fi

ct_cold=nan ct_warm=nan ct_rss_kb=nan
if has_cmd exec; then
	ct_cold=$(time_rounds "$fresh_rounds" "$bin" exec -f 64 -w "^$hostfile" hostname)
	/usr/bin/time -f %M -o "$work/rss" "$bin" exec -w "^$hostfile" true >/dev/null 2>&1
	ct_rss_kb=$(cat "$work/rss")
fi
add clustertop_exec_cold_s "$ct_cold"
add clustertop_exec_max_rss_kb "$ct_rss_kb"
if has_cmd bench; then
	"$bin" bench -w "^$hostfile" --rounds $((rounds * 2)) --json hostname >"$work/ctbench.json" 2>"$work/ctbench.err"
	ct_warm=$(jq -r '[.rounds[] | if type == "object" then .seconds else . end] | sort | .[length/2|floor]' "$work/ctbench.json" 2>/dev/null || echo nan)
fi
add clustertop_warm_round_s "$ct_warm"
else
	PDSH_SSH_ARGS_APPEND="-F $cmcfg" pdsh -f 64 -w "^$hostfile" true >/dev/null 2>&1	# warm the masters
	pdsh_warm=$(PDSH_SSH_ARGS_APPEND="-F $cmcfg" time_rounds "$rounds" pdsh -f 64 -w "^$hostfile" hostname)
	add pdsh_controlmaster_s "$pdsh_warm"
fi

# The resident server: 100 sequential `clustertop exec` processes through
# a warm server (process start, attach, the round, exit), median; and the
# server's peak RSS with every node connected. Its own directory, so no
# server of the user's is touched; stopped by its pid.
ct_server=nan ct_server_rss_kb=nan ct_head_cpu=nan pdsh_head_cpu=nan
if has_cmd server; then
	if "$bin" server start >"$work/server-start" 2>&1; then
		"$bin" exec -w "^$hostfile" true >/dev/null 2>&1	# warm: connect all
		ct_server=$(time_rounds "${BENCH_SERVER_EXECS:-100}" "$bin" exec -w "^$hostfile" hostname)
		spid=$(cat "$XDG_RUNTIME_DIR/clustertop/server.lock")
		ct_server_rss_kb=$(awk '/^VmHWM/ { print $2 }' "/proc/$spid/status")
		# The head node's CPU per round (user+system, children
		# included): 10 execs (clients + the server's share) against
		# 10 pdsh rounds over the masters (pdsh + its ssh clients).
		# On the sim the nodes' sshd, shell and command run on the same
		# cores as the head, which the wall-clock ratio includes.
		t0=$(awk '{ print $14 + $15 }' "/proc/$spid/stat")
		/usr/bin/time -f '%U %S' -o "$work/cpu-ct" sh -c \
		    "for i in 1 2 3 4 5 6 7 8 9 10; do '$bin' exec -w '^$hostfile' hostname >/dev/null 2>&1; done"
		t1=$(awk '{ print $14 + $15 }' "/proc/$spid/stat")
		ct_head_cpu=$(awk -v f="$(tail -n 1 "$work/cpu-ct")" -v t=$((t1 - t0)) -v hz="$(getconf CLK_TCK)" \
		    'BEGIN { split(f, a, " "); printf "%.4f", (a[1] + a[2] + t / hz) / 10 }')
		PDSH_SSH_ARGS_APPEND="-F $cmcfg" /usr/bin/time -f '%U %S' -o "$work/cpu-pdsh" sh -c \
		    "for i in 1 2 3 4 5 6 7 8 9 10; do pdsh -f 64 -w '^$hostfile' hostname >/dev/null 2>&1; done"
		pdsh_head_cpu=$(awk -v f="$(tail -n 1 "$work/cpu-pdsh")" 'BEGIN { split(f, a, " "); printf "%.4f", (a[1] + a[2]) / 10 }')
		"$bin" server stop >/dev/null 2>&1 || kill "$spid"
	fi
fi
add clustertop_exec_via_server_s "$ct_server"
add clustertop_server_max_rss_kb "$ct_server_rss_kb"
add head_cpu_per_exec_via_server_s "$ct_head_cpu"
add head_cpu_per_pdsh_controlmaster_round_s "$pdsh_head_cpu"

# The dashboard: in this process (--no-server) against hosted by a fresh
# server, both at 200x60 with 1 s samples, RSS once every node is up and
# 5 s of samples are in; then a second client attaches to the running
# dashboard and says (CLUSTERTOP_ATTACH_STATS) how long after its process
# started the first full frame was on its terminal.
# dash_start SOCK ENV... : clustertop in a 200x60 tmux, waited for all up.
dash_start() {
	local sock=$1 i; shift
	tmux -L "$sock" -f /dev/null new-session -d -x 200 -y 60 \
	    "TERM=tmux-256color $* $(printf %q "$bin") --interval 1 -w $(printf %q "^$hostfile") 2>>$work/dash.err; sleep 600"
	for i in $(seq 1 1200); do
		tmux -L "$sock" capture-pane -p 2>/dev/null | grep -q "nodes $nodes/$nodes up" && return 0
		sleep 0.5
	done
	return 1
}
dash_pid() {  # the clustertop in tmux server $1's pane
	local sh
	sh=$(tmux -L "$1" display-message -p '#{pane_pid}' 2>/dev/null) || return 1
	ps -o pid= --ppid "$sh" | head -n 1 | tr -d ' '
}
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo nan; }
if has_cmd server && [ "$only" != push ]; then
	echo "bench: the dashboard on $nodes nodes: in this process, then hosted by the server"
	if dash_start ctbip$$ CLUSTERTOP_NO_SERVER=1; then
		sleep 5
		p=$(dash_pid ctbip$$)
		[ -n "$p" ] && inproc_dash_rss_kb=$(rss_kb "$p")
	fi
	tmux -L ctbip$$ kill-server 2>/dev/null
	if "$bin" server start >"$work/server-start2" 2>&1; then
		spid=$(cat "$XDG_RUNTIME_DIR/clustertop/server.lock")
		if dash_start ctbsv$$; then
			sleep 5
			server_dash_rss_kb=$(rss_kb "$spid")
			tmux -L ctbsv2$$ -f /dev/null new-session -d -x 200 -y 60 \
			    "TERM=tmux-256color CLUSTERTOP_ATTACH_STATS=$work/attach.json $(printf %q "$bin") 2>>$work/dash.err; sleep 600"
			for i in $(seq 1 600); do
				[ -s "$work/attach.json" ] && break
				# the stats are written when the client leaves: detach it
				tmux -L ctbsv2$$ capture-pane -p 2>/dev/null | grep -q "nodes $nodes/$nodes up" &&
				    tmux -L ctbsv2$$ send-keys 'C-\'
				sleep 0.2
			done
			attach_ms=$(jq -r .start_to_full_frame_ms "$work/attach.json" 2>/dev/null || echo nan)
			attach_bytes=$(jq -r .frame_bytes "$work/attach.json" 2>/dev/null || echo nan)
		fi
		tmux -L ctbsv2$$ kill-server 2>/dev/null
		tmux -L ctbsv$$ kill-server 2>/dev/null
		"$bin" server stop >/dev/null 2>&1 || kill "$spid"
	fi
fi
add dashboard_in_process_rss_kb "$inproc_dash_rss_kb"
add server_with_dashboard_rss_kb "$server_dash_rss_kb"
add attach_start_to_full_frame_ms "$attach_ms"
add attach_full_frame_bytes "$attach_bytes"
if [ "$big" = 1 ] && [ "$only" != server ]; then
	echo "bench: the dashboard on $nodes nodes, 200x60, 1 s samples, CPU over $dash_s s"
	tsock=ctbench$$
	tmux -L "$tsock" -f /dev/null new-session -d -x 200 -y 60 \
	    "TERM=tmux-256color CLUSTERTOP_STATS=$work/dash.json $(printf %q "$bin") --interval 1 -w $(printf %q "^$hostfile") 2>$work/dash.err; sleep 600"
	for i in $(seq 1 1200); do
		tmux -L "$tsock" capture-pane -p 2>/dev/null | grep -q "nodes $nodes/$nodes up" && break
		sleep 0.5
	done
	sleep 5
	dsh=$(tmux -L "$tsock" display-message -p '#{pane_pid}')
	dpid=$(ps -o pid= --ppid "$dsh" | head -n 1 | tr -d ' ')
	if [ -n "$dpid" ]; then
		l0=$(jq -r .lines "$work/dash.json" 2>/dev/null || echo 0)
		c0=$(awk '{ print $14 + $15 }' "/proc/$dpid/stat"); sleep "$dash_s"
		c1=$(awk '{ print $14 + $15 }' "/proc/$dpid/stat")
		sleep 6	# CLUSTERTOP_STATS is rewritten every 5 s
		l1=$(jq -r .lines "$work/dash.json" 2>/dev/null || echo 0)
		add dashboard_sample_lines_per_s "$(awk -v l=$((l1 - l0)) -v s="$((dash_s + 6))" 'BEGIN { printf "%.0f", l / s }')"
		dash_cpu_pct=$(awk -v t=$((c1 - c0)) -v hz="$(getconf CLK_TCK)" -v s="$dash_s" 'BEGIN { printf "%.2f", 100 * t / hz / s }')
		dash_rss_kb=$(awk '/^VmRSS:/ { print $2 }' "/proc/$dpid/status")
		tmux -L "$tsock" capture-pane -p | head -n 1 | sed 's/^/  screen: /'
	fi
	tmux -L "$tsock" kill-server 2>/dev/null
	add dashboard_cpu_pct_of_core "$dash_cpu_pct"
	add dashboard_rss_kb "$dash_rss_kb"
fi
fi
# --- Slurm's fan-out: exec --via slurm, push --via slurm (sbcast) ------------
via_n=$nodes
[ -n "${BENCH_SLURMD:-}" ] && [ "$BENCH_SLURMD" -lt "$nodes" ] && via_n=$BENCH_SLURMD
via_exec=nan via_ssh_cold=nan via_ssh_warm=nan via_push=nan via_ssh_push=nan
if [ "$only" = via ] || { [ "$only" != push ] && [ "$only" != server ] && [ "$via_n" = "$nodes" ]; }; then
	head -n "$via_n" "$hostfile" >"$work/via-hosts"
	via_mb=${BENCH_VIA_PUSH_MB:-$([ "$via_n" -ge 256 ] && echo 1 || echo 16)}
	echo "bench: Slurm's fan-out on $via_n nodes (slurmd on each): exec hostname, push $via_mb MiB"
	via_exec=$(time_rounds "$rounds" "$bin" exec --via slurm -w "^$work/via-hosts" hostname)
	add clustertop_exec_via_slurm_s "$via_exec"
	"$bin" exec --via slurm -w "^$work/via-hosts" hostname 2>/dev/null | sort -u | wc -l >"$work/via-count"
	add clustertop_exec_via_slurm_answers "$(cat "$work/via-count")"
	via_ssh_cold=$(time_rounds "$fresh_rounds" "$bin" exec -f 64 -w "^$work/via-hosts" hostname)
	add clustertop_exec_ssh_cold_same_nodes_s "$via_ssh_cold"
	"$bin" bench -w "^$work/via-hosts" --rounds "$rounds" --json hostname >"$work/via-bench.json" 2>/dev/null
	via_ssh_warm=$(jq -r '[.rounds[] | if type == "object" then .seconds else . end] | sort | .[length/2|floor]' "$work/via-bench.json" 2>/dev/null || echo nan)
	add clustertop_warm_round_same_nodes_s "$via_ssh_warm"
	head -c $((via_mb * 1024 * 1024)) /dev/urandom >"$work/via-payload"
	via_push=$(time_rounds "$fresh_rounds" "$bin" push --via slurm -q -w "^$work/via-hosts" "$work/via-payload" /tmp/via-payload.sbcast)
	add "clustertop_push_via_slurm_${via_mb}MiB_s" "$via_push"
	"$bin" exec --via slurm -w "^$work/via-hosts" 'rm -f /tmp/via-payload.sbcast' >/dev/null 2>&1
	via_ssh_push=$(time_rounds "$fresh_rounds" "$bin" push -q -w "^$work/via-hosts" "$work/via-payload" /tmp/via-payload.ssh)
	add "clustertop_push_ssh_${via_mb}MiB_s" "$via_ssh_push"
	"$bin" exec -w "^$work/via-hosts" 'rm -f /tmp/via-payload.ssh' >/dev/null 2>&1
fi

if [ "$only" = all ]; then

echo "bench: grouping 200,000 lines from 1,000 hosts, 5 distinct outputs"
gen=tests/bench/gen-bak-input.sh
if [ -x "$gen" ]; then
	"$gen" 200000 1000 5 >"$work/bak.in"
else
	awk 'BEGIN { for (i = 0; i < 200000; i++) { h = i % 1000; printf "node%04d: output line %d of variant %d\n", h, int(i / 1000), h % 5 } }' >"$work/bak.in"
fi
dshbak_s=$(time_rounds "$rounds" sh -c "dshbak -c < $work/bak.in")
add dshbak_c_s "$dshbak_s"
clubak_s=$(time_rounds 1 sh -c "clubak -b < $work/bak.in")
add clubak_b_s "$clubak_s"
ct_bak=nan bak_same=n/a
if has_cmd bak; then
	ct_bak=$(time_rounds "$rounds" sh -c "'$bin' bak -c < $work/bak.in")
	dshbak -c <"$work/bak.in" >"$work/dshbak.out" 2>/dev/null
	"$bin" bak -c <"$work/bak.in" >"$work/ctbak.out" 2>/dev/null
	cmp -s "$work/dshbak.out" "$work/ctbak.out" && bak_same=yes || bak_same=no
fi
add clustertop_bak_c_s "$ct_bak"
add bak_output_identical "$bak_same"
fi

pdcp_s=nan scp_s=nan ct_push=nan pdcp_gcm_s=nan scp_gcm_s=nan ct_push_gcm=nan ct_push_chacha=nan
if [ "$only" = all ] || [ "$only" = push ]; then
echo "bench: pushing 100 MiB to $push_nodes nodes"
head -c $((100 * 1024 * 1024)) /dev/urandom >"$work/payload"
pdcp_s=$(PDSH_SSH_ARGS_APPEND="-F $cmcfg" time_rounds 3 pdcp -w "$first16" "$work/payload" /tmp/payload.pdcp)
add pdcp_100MiB_s "$pdcp_s"
scp_par() { local h; for h in $(echo "$first16" | tr , ' '); do scp -q -F "$cmcfg" "$work/payload" "$h:/tmp/payload.scp" & done; wait; }
scp_s=$(time_rounds 3 scp_par)
add scp_parallel_100MiB_s "$scp_s"
ct_push=nan
if has_cmd push; then
	ct_push=$(time_rounds 3 "$bin" push -w "$first16" "$work/payload" /tmp/payload.ct)
fi
add clustertop_push_100MiB_s "$ct_push"

# For honesty: clustertop prefers AES-GCM when the CPU has AES (the peers
# run with OpenSSH's default, chacha20-poly1305). The same three with
# AES-GCM on both ends, the peers over their own masters.
gcmcfg=$work/ssh_config.gcm
{ echo "Host *"; echo "  Ciphers aes128-gcm@openssh.com"; echo "  ControlMaster auto"; echo "  ControlPath $work/gcm-%h"; echo "  ControlPersist 600"; cat "$sshcfg"; } >"$gcmcfg"
PDSH_SSH_ARGS_APPEND="-F $gcmcfg" pdsh -w "$first16" true >/dev/null 2>&1	# warm the masters
pdcp_gcm_s=$(PDSH_SSH_ARGS_APPEND="-F $gcmcfg" time_rounds 3 pdcp -w "$first16" "$work/payload" /tmp/payload.pdcp)
add pdcp_aes_gcm_100MiB_s "$pdcp_gcm_s"
scp_par_gcm() { local h; for h in $(echo "$first16" | tr , ' '); do scp -q -F "$gcmcfg" "$work/payload" "$h:/tmp/payload.scp" & done; wait; }
scp_gcm_s=$(time_rounds 3 scp_par_gcm)
add scp_parallel_aes_gcm_100MiB_s "$scp_gcm_s"
ct_push_gcm=nan ct_push_chacha=nan
if has_cmd push; then
	ct_push_gcm=$(CLUSTERTOP_CIPHERS=aes128-gcm@openssh.com time_rounds 3 "$bin" push -w "$first16" "$work/payload" /tmp/payload.ct)
	ct_push_chacha=$(CLUSTERTOP_CIPHERS=chacha20-poly1305@openssh.com time_rounds 3 "$bin" push -w "$first16" "$work/payload" /tmp/payload.ct)
fi
add clustertop_push_aes_gcm_100MiB_s "$ct_push_gcm"
add clustertop_push_chacha20_100MiB_s "$ct_push_chacha"
fi

echo
echo "ratios (clustertop / peer; lower is better)              target"
printf '  %-50s %-8s %s\n' "warm round vs pdsh+ControlMaster" "$(ratio "$ct_warm" "$pdsh_warm")" "<= 0.2"
printf '  %-50s %-8s %s\n' "cold exec vs pdsh fresh ssh" "$(ratio "$ct_cold" "$pdsh_fresh")" "<= 0.5"
printf '  %-50s %-8s %s\n' "exec via a warm server vs pdsh+ControlMaster" "$(ratio "$ct_server" "$pdsh_warm")" "<= 0.1"
printf '  %-50s %-8s %s\n' "  head-node CPU per round, the same two" "$(ratio "$ct_head_cpu" "$pdsh_head_cpu")" "(info)"
printf '  %-50s %-8s %s\n' "server+dashboard RSS vs in-process dashboard" "$(ratio "$server_dash_rss_kb" "$inproc_dash_rss_kb")" "(info)"
printf '  %-50s %-8s %s\n' "  the difference (MiB)" "$(awk -v a="$server_dash_rss_kb" -v b="$inproc_dash_rss_kb" 'BEGIN { if (a == "nan" || b == "nan") print "n/a"; else printf "%+.2f", (a - b) / 1024 }')" "<= +2"
printf '  %-50s %-8s %s\n' "attach: process start to first full frame (s)" "$(awk -v a="$attach_ms" 'BEGIN { if (a == "nan") print "n/a"; else printf "%.3f", a / 1000 }')" "<= 0.2"
if [ "$big" = 1 ]; then
	printf '  %-50s %-8s %s\n' "warm round vs pdsh -f 256 +ControlMaster" "$(ratio "$ct_warm" "$pdsh_warm256")" "<= 0.2"
	printf '  %-50s %-8s %s\n' "warm round vs clush -f 64 +ControlMaster" "$(ratio "$ct_warm" "$clush_warm")" "<= 0.2"
	printf '  %-50s %-8s %s\n' "warm round vs clush -f 256 +ControlMaster" "$(ratio "$ct_warm" "$clush_warm256")" "<= 0.2"
	printf '  %-50s %-8s %s\n' "cold exec vs pdsh fresh, its best fanout" "$(ratio "$ct_cold" "$pdsh_fresh_best")" "<= 0.5"
	printf '  %-50s %-8s %s\n' "dashboard CPU, % of one core (200x60, 1 s)" "$dash_cpu_pct" "< 5"
	printf '  %-50s %-8s %s\n' "dashboard RSS per node (KiB, whole process)" "$(awk -v r="$dash_rss_kb" -v n="$nodes" 'BEGIN { if (r == "nan") print "n/a"; else printf "%.0f", r / n }')" "< 256"
fi
if [ "$via_exec" != nan ]; then
	printf '  %-50s %-8s %s\n' "exec --via slurm vs exec over SSH, cold" "$(ratio "$via_exec" "$via_ssh_cold")" "(info)"
	printf '  %-50s %-8s %s\n' "exec --via slurm vs a warm SSH round" "$(ratio "$via_exec" "$via_ssh_warm")" "(info)"
	printf '  %-50s %-8s %s\n' "push --via slurm (sbcast) vs push over SSH" "$(ratio "$via_push" "$via_ssh_push")" "(info)"
fi
printf '  %-50s %-8s %s\n' "bak -c vs dshbak -c" "$(ratio "$ct_bak" "$dshbak_s")" "<= 0.1"
printf '  %-50s %-8s %s\n' "push vs pdcp" "$(ratio "$ct_push" "$pdcp_s")" "<= 0.667"
printf '  %-50s %-8s %s\n' "push vs parallel scp" "$(ratio "$ct_push" "$scp_s")" "<= 0.667"
printf '  %-50s %-8s %s\n' "push vs pdcp, AES-GCM on both ends" "$(ratio "$ct_push_gcm" "$pdcp_gcm_s")" "(info)"
printf '  %-50s %-8s %s\n' "push vs parallel scp, AES-GCM on both ends" "$(ratio "$ct_push_gcm" "$scp_gcm_s")" "(info)"
printf '  %-50s %-8s %s\n' "push vs pdcp, chacha20-poly1305 on both ends" "$(ratio "$ct_push_chacha" "$pdcp_s")" "(info)"
rss_per_node=$(awk -v r="$ct_rss_kb" -v n="$nodes" 'BEGIN { if (r == "nan") print "n/a"; else printf "%.0f", r / n }')
printf '  %-50s %-8s %s\n' "exec max RSS per node (KiB, whole process)" "$rss_per_node" "< 256"

{
	echo "{"
	echo "  \"date\": \"$(date -Is)\", \"nodes\": $nodes, \"rounds\": $rounds, \"sim_up_s\": $sim_up_s,"
	for kv in "${results[@]}"; do
		k=${kv%%=*}; v=${kv#*=}
		case $v in nan|n/a|yes|no) v="\"$v\"" ;; esac
		echo "  \"$k\": $v,"
	done
	echo "  \"ratio_warm_vs_pdsh_cm\": \"$(ratio "$ct_warm" "$pdsh_warm")\","
	echo "  \"ratio_cold_vs_pdsh_fresh\": \"$(ratio "$ct_cold" "$pdsh_fresh")\","
	echo "  \"ratio_exec_server_vs_pdsh_cm\": \"$(ratio "$ct_server" "$pdsh_warm")\","
	echo "  \"server_dashboard_rss_minus_in_process_kb\": \"$(awk -v a="$server_dash_rss_kb" -v b="$inproc_dash_rss_kb" 'BEGIN { if (a == "nan" || b == "nan") print "n/a"; else print a - b }')\","
	echo "  \"attach_start_to_full_frame_ms\": \"$attach_ms\","
	echo "  \"ratio_cold_vs_pdsh_fresh_best\": \"$(ratio "$ct_cold" "$pdsh_fresh_best")\","
	echo "  \"ratio_warm_vs_pdsh_cm_f256\": \"$(ratio "$ct_warm" "$pdsh_warm256")\","
	echo "  \"ratio_warm_vs_clush_cm\": \"$(ratio "$ct_warm" "${clush_warm:-nan}")\","
	echo "  \"ratio_warm_vs_clush_cm_f256\": \"$(ratio "$ct_warm" "$clush_warm256")\","
	echo "  \"ratio_via_slurm_vs_ssh_cold\": \"$(ratio "$via_exec" "$via_ssh_cold")\","
	echo "  \"ratio_via_slurm_vs_ssh_warm\": \"$(ratio "$via_exec" "$via_ssh_warm")\","
	echo "  \"ratio_push_via_slurm_vs_ssh\": \"$(ratio "$via_push" "$via_ssh_push")\","
	echo "  \"ratio_bak_vs_dshbak\": \"$(ratio "$ct_bak" "$dshbak_s")\","
	echo "  \"ratio_push_vs_pdcp\": \"$(ratio "$ct_push" "$pdcp_s")\","
	echo "  \"ratio_push_vs_scp\": \"$(ratio "$ct_push" "$scp_s")\","
	echo "  \"ratio_push_vs_pdcp_same_cipher_gcm\": \"$(ratio "$ct_push_gcm" "$pdcp_gcm_s")\","
	echo "  \"ratio_push_vs_scp_same_cipher_gcm\": \"$(ratio "$ct_push_gcm" "$scp_gcm_s")\","
	echo "  \"ratio_push_vs_pdcp_same_cipher_chacha20\": \"$(ratio "$ct_push_chacha" "$pdcp_s")\""
	echo "}"
} >"$out/bench.json"
echo "bench: results written to $out/bench.json"
