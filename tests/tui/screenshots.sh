#!/bin/bash
# screenshots.sh [CLUSTERTOP] -- PNG screenshots of the dashboard on the
# simulated cluster at 8 and 64 nodes, into screenshots/.
#
# Each shot is a real session: clustertop runs in a private tmux server
# against the sim, `tmux capture-pane -e` takes the screen with its
# colours, aha turns it into HTML, and headless Chromium renders the PNG.
# To look like a working cluster, a few things are set up first, all of
# them inside the sim: a small tmpfs on each node's /mnt, filled to a
# different level per node (the /mnt disk column); a Slurm job on some
# nodes (alloc); two drained nodes; one node whose sshd is stopped
# (unreachable). They are undone at the end and the sim is taken down if
# this script brought it up. Every node of the sim shares the head's
# kernel, so load, CPU and memory are the same on every row: that is the
# sim, not the dashboard.
#
# Environment: SHOT_SIM_ID (default 19: an instance of its own, taken down
# at the end), SHOT_SIZES (default "8 64").
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
bin=${1:-${CLUSTERTOP:-$root/build/clustertop}}
case $bin in /*) ;; *) bin=$root/$bin ;; esac
out=$root/screenshots
export SIM_ID=${SHOT_SIM_ID:-19}
sim=$root/tests/sim/simcluster
work=$(mktemp -d /tmp/ct-shots.XXXXXX)
tmux_="tmux -L ctshot$$ -f /dev/null"
browser=$(command -v chromium || command -v chromium-browser || true)

die() { echo "screenshots: $*" >&2; exit 1; }
[ -x "$bin" ] || die "no binary at $bin (make first)"
command -v aha >/dev/null || die "aha is not installed (make deps)"
[ -n "$browser" ] || die "chromium is not installed (make deps)"
mkdir -p "$out"

# poll REGEX [N]: wait until the screen matches (bounded).
poll() {
	local i
	for ((i = 0; i < ${2:-150}; i++)); do
		$tmux_ capture-pane -p 2>/dev/null | grep -Eq -- "$1" && return 0
		sleep 0.2
	done
	echo "screenshots: timed out waiting for /$1/" >&2
	return 1
}

# The 16 basic colours as truecolor (xterm's palette): aha renders SGR
# 30-37, 90-97 and 38;5;0-15 with CSS filters that also tint the
# background, so they are rewritten to 38;2;R;G;B first.
ansi16() {
	perl -pe '
	    BEGIN { @c = ([0,0,0],[205,0,0],[0,205,0],[205,205,0],[0,0,238],
		[205,0,205],[0,205,205],[229,229,229],[127,127,127],[255,0,0],
		[0,255,0],[255,255,0],[92,92,255],[255,0,255],[0,255,255],
		[255,255,255]); }
	    sub rgb { my ($w, $i) = @_; return "$w;2;" . join(";", @{$c[$i]}); }
	    sub conv {
		my @p = split /;/, $_[0]; my @o;
		while (@p) {
		    my $x = shift @p;
		    if (($x == 38 || $x == 48) && @p && $p[0] == 5) {
			shift @p; my $n = shift @p;
			push @o, $n < 16 ? rgb($x, $n) : "$x;5;$n";
		    } elsif (($x == 38 || $x == 48) && @p && $p[0] == 2) {
			push @o, join(";", $x, splice(@p, 0, 4));
		    } elsif ($x >= 30 && $x <= 37) { push @o, rgb(38, $x - 30);
		    } elsif ($x >= 90 && $x <= 97) { push @o, rgb(38, $x - 82);
		    } elsif ($x >= 40 && $x <= 47) { push @o, rgb(48, $x - 40);
		    } elsif ($x >= 100 && $x <= 107) { push @o, rgb(48, $x - 92);
		    } else { push @o, $x; }
		}
		return join(";", @o);
	    }
	    s/\e\[([0-9;]*)m/"\e[" . conv($1) . "m"/ge;'
}

# shoot NAME: the current screen to $out/NAME.png.
shoot() {
	local name=$1 cols rows w h
	cols=$($tmux_ display -p '#{window_width}')
	rows=$($tmux_ display -p '#{window_height}')
	# -N keeps trailing blanks: they carry the theme's background.
	$tmux_ capture-pane -e -N -p > "$work/$name.ansi"
	# DejaVu Sans Mono at 13.287 px advances exactly 8 px a column, so
	# block characters meet without seams.
	ansi16 < "$work/$name.ansi" | aha --title "clustertop" |
	    sed 's|<body[^>]*>|<body style="margin:0;padding:10px 12px;background:#101010;color:#d0d0d0">|;
		 s|<pre>|<pre style="margin:0;font-family:'"'"'DejaVu Sans Mono'"'"',monospace;font-size:13.287px;line-height:15px">|' \
	    > "$work/$name.html"
	w=$((cols * 8 + 24))
	h=$((rows * 15 + 20))
	"$browser" --headless --no-sandbox --disable-gpu --disable-quic \
	    --no-first-run --disable-background-networking \
	    --disable-component-update --disable-sync \
	    --user-data-dir="$work/chrome" --hide-scrollbars \
	    --screenshot="$out/$name.png" --window-size="$w,$h" \
	    "file://$work/$name.html" >/dev/null 2>&1 ||
	    die "chromium failed for $name"
	echo "screenshots: $out/$name.png (${cols}x${rows})"
}

started=
cleanup() {
	$tmux_ kill-server 2>/dev/null
	if [ -n "${jobid:-}" ]; then scancel "$jobid" 2>/dev/null; fi
	if [ -n "$started" ]; then "$sim" down >/dev/null 2>&1; fi
	rm -rf "$work"
}
trap cleanup EXIT

for n in ${SHOT_SIZES:-8 64}; do
	echo "screenshots: sim $SIM_ID with $n nodes"
	"$sim" down >/dev/null 2>&1
	"$sim" up -n "$n" > "$work/up.log" 2>&1 || { tail "$work/up.log"; die "sim up"; }
	started=1
	eval "$("$sim" env)"
	export CLUSTERTOP_AUDIT_LOG=$work/audit.log
	mapfile -t nodes < <(grep -v '^#' "$WCOLL")

	# A /mnt of 64 MiB on each node, filled 3..95 %.
	for i in "${!nodes[@]}"; do
		mb=$(( (i * 37 + 11) % 59 + 2 ))
		[ $((i % 11)) -eq 4 ] && mb=61		# a few nearly full
		"$sim" exec "${nodes[i]}" sh -c "mount -t tmpfs -o size=64m tmpfs /mnt &&
		    head -c ${mb}M /dev/zero > /mnt/fill" >/dev/null 2>&1
	done
	# Slurm: a job on some nodes, two drained.
	k=$(( n / 3 > 2 ? n / 3 : 2 ))
	jobid=$(sbatch --parsable -N "$k" -o /dev/null --wrap 'sleep 900' 2>/dev/null)
	# On screen even at 64 nodes (the table shows about 45 rows).
	scontrol update nodename="${nodes[n - 2]}" state=drain reason="disk check" 2>/dev/null
	scontrol update nodename="${nodes[n < 16 ? 2 : 9]}" state=drain reason="ib errors" 2>/dev/null
	down=${nodes[4]}

	rows=$((n + 7))
	[ $rows -gt 52 ] && rows=52
	[ $rows -lt 22 ] && rows=22
	$tmux_ kill-server 2>/dev/null
	# A busy machine can lose a tmux server as it starts: try again.
	for ((i = 0; i < 5; i++)); do
		$tmux_ -2 new-session -d -x 150 -y "$rows" \
		    "TERM=tmux-256color $bin --interval 1 --mounts /mnt; sleep 600" \
		    2>/dev/null && $tmux_ has-session 2>/dev/null && break
		sleep 1
	done
	poll "nodes $n/$n up" 300 || die "nodes did not come up"
	poll "alloc" 100
	# The unreachable node: sshd and its session gone.
	"$sim" fault "$down" stop-sshd >/dev/null
	ns=$("$sim" env --json | jq -r --arg n "$down" '.nodes[] | select(.name == $n) | .netns')
	for p in $(ip netns pids "$ns"); do
		[ "$(readlink "/proc/$p/exe")" = /usr/sbin/sshd ] && kill "$p"
	done
	poll "$down +unreach" 100
	# Let the sparklines fill (bounded: 40 samples at 1 s).
	for ((i = 0; i < 40; i++)); do sleep 1; done
	# Put the cursor on the third row and select two nodes.
	$tmux_ send-keys j j Space Space k k
	sleep 1
	shoot "dashboard-$n"
	if [ "$n" -ge 64 ]; then
		$tmux_ send-keys Tab
		poll "heat map" 20
		$tmux_ send-keys m m m m
		poll "state" 20
		sleep 1
		shoot "heatmap-$n-state"
		$tmux_ send-keys m
		poll "CPU %" 20
		sleep 1
		$tmux_ send-keys Tab
	else
		$tmux_ send-keys Enter
		poll "CPU % \(newest" 20
		sleep 1
		shoot "detail-$n"
		$tmux_ send-keys Escape
		# T cycles the themes in name order: dark, high-contrast, light.
		$tmux_ send-keys T
		poll "theme: high-contrast" 20 && shoot "dashboard-$n-high-contrast"
		$tmux_ send-keys T
		poll "theme: light" 20 && shoot "dashboard-$n-light"
	fi
	$tmux_ send-keys q
	scancel "$jobid" 2>/dev/null
	jobid=
	"$sim" fault "$down" start-sshd >/dev/null
done
echo "screenshots: done"
