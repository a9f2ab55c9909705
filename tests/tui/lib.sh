# lib.sh -- helpers for the TUI tests: drive the real clustertop binary in a
# private tmux server against the simulated cluster.
#
#   . tests/tui/lib.sh
#   tui_start 130 40 --interval 1     # clustertop ARGS in a COLSxROWS window
#   tui_wait 'node08 +up' 100         # poll the screen, at most N times (>= TUI_MIN_POLLS)
#   tui_keys / a b Enter              # tmux send-keys
#   tui_screen                        # the screen as text
#   ok "what" / not_ok "what"         # TAP lines the runner counts
#   tui_stop                          # kill the tmux server
#
# Waiting is always a bounded number of polls of the screen (TUI_POLL
# seconds apart), never "sleep N and hope": a slow machine only makes a
# test slower, a broken program makes it fail. The runner sets CLUSTERTOP
# (the binary) and SIM_ID, with the sim up; the sim's environment
# (CLUSTERTOP_SSH_CONFIG, SLURM_CONF, WCOLL, ...) is loaded here if absent.

set -u
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
: "${CLUSTERTOP:=$root/build/clustertop}"
: "${SIM_ID:=0}"
export SIM_ID
TUI_POLL=${TUI_POLL:-0.2}
# Every wait polls at least TUI_MIN_POLLS times (30 s): a count a test
# names is what it expects on an idle machine, and on a loaded 2-core
# machine a redraw can take seconds. A wait that is met returns at once,
# so the floor only lengthens a failure.
TUI_MIN_POLLS=${TUI_MIN_POLLS:-150}
tui_polls() { local n=${1:-100}; (( n < TUI_MIN_POLLS )) && n=$TUI_MIN_POLLS; echo "$n"; }
# Each tui_start gets a tmux server of its own (ct<pid>-<k>): `kill-server`
# returns before the old server has gone, and a new-session sent to a
# dying server's socket dies with it (seen under load).
tui_seq=0
TUI_SOCK=ct$$-0
TUI_TMUX="tmux -L $TUI_SOCK -f /dev/null"
# The suite's own log directory is removed when it passes (tui_done) and
# kept, with its path printed, when it fails; a TUI_LOG given by the caller
# is the caller's to keep.
if [ -z "${TUI_LOG:-}" ]; then
	TUI_LOG=$(mktemp -d /tmp/ct-tui.XXXXXX)
	tui_log_own=1
else
	tui_log_own=
fi
tui_pass=0
tui_fail=0

if [ -z "${CLUSTERTOP_SSH_CONFIG:-}" ]; then
	eval "$("$root/tests/sim/simcluster" env)"
fi
export CLUSTERTOP_AUDIT_LOG=${CLUSTERTOP_AUDIT_LOG:-$TUI_LOG/audit.log}

ok() { tui_pass=$((tui_pass + 1)); echo "ok - $*"; }
not_ok() {
	tui_fail=$((tui_fail + 1))
	echo "not ok - $*"
	echo "# screen at the failure:"
	tui_screen 2>/dev/null | sed 's/^/#   /'
}
# check DESC CMD...: ok when CMD succeeds.
check() {
	local desc=$1; shift
	if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}

# tui_start COLS ROWS ARGS...: clustertop in a new private tmux server.
# The pane stays after exit and shows "EXIT=status".
tui_start() {
	local cols=$1 rows=$2 q; shift 2
	q=; [ $# -gt 0 ] && q=$(printf ' %q' "$@")
	tui_stop
	tui_seq=$((tui_seq + 1))
	TUI_SOCK=ct$$-$tui_seq
	TUI_TMUX="tmux -L $TUI_SOCK -f /dev/null"
	# 256 colours, as a modern terminal has (tmux defaults to "screen").
	$TUI_TMUX -2 new-session -d -x "$cols" -y "$rows" \
	    "TERM=tmux-256color $(printf %q "$CLUSTERTOP")$q 2>$TUI_LOG/stderr; echo EXIT=\$?; sleep 600" ||
	    return 1
	$TUI_TMUX set-option -g remain-on-exit on >/dev/null 2>&1
	return 0
}

tui_screen() { $TUI_TMUX capture-pane -p -J 2>/dev/null; }
tui_screen_colour() { $TUI_TMUX capture-pane -p -e 2>/dev/null; }
tui_keys() { $TUI_TMUX send-keys "$@"; }
tui_resize() { $TUI_TMUX resize-window -x "$1" -y "$2"; }
# tui_pid: the pid of clustertop in the pane (the pane's shell's child).
tui_pid() {
	local sh
	sh=$($TUI_TMUX display -p '#{pane_pid}' 2>/dev/null) || return 1
	[ -n "$sh" ] && pgrep -n -P "$sh" -x clustertop
}
# tui_stop: kill the tmux server and wait (bounded) until it has exited.
tui_stop() {
	local pid i
	pid=$($TUI_TMUX display -p '#{pid}' 2>/dev/null)
	$TUI_TMUX kill-server 2>/dev/null
	[ -n "$pid" ] || return 0
	for ((i = 0; i < 100; i++)); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
	done
	echo "# tmux server $pid on $TUI_SOCK did not exit after kill-server" >&2
	return 0
}

# tui_wait REGEX [POLLS]: 0 once a screen line matches (grep -E).
tui_wait() {
	local re=$1 n i
	n=$(tui_polls "${2:-}")
	for ((i = 0; i < n; i++)); do
		tui_screen | grep -Eq -- "$re" && return 0
		sleep "$TUI_POLL"
	done
	return 1
}

# tui_wait_gone REGEX [POLLS]: 0 once no line matches.
tui_wait_gone() {
	local re=$1 n i
	n=$(tui_polls "${2:-}")
	for ((i = 0; i < n; i++)); do
		tui_screen | grep -Eq -- "$re" || return 0
		sleep "$TUI_POLL"
	done
	return 1
}

# tui_wait_count REGEX COUNT [POLLS]: 0 once exactly COUNT lines match.
tui_wait_count() {
	local re=$1 want=$2 n i c
	n=$(tui_polls "${3:-}")
	for ((i = 0; i < n; i++)); do
		c=$(tui_screen | grep -Ec -- "$re")
		[ "$c" -eq "$want" ] && return 0
		sleep "$TUI_POLL"
	done
	return 1
}

# The sim's nodes, one name per line.
sim_nodes() { grep -v '^#' "$WCOLL" | sed '/^$/d'; }

# sim_json_get NODE KEY: a field of a node in `simcluster env --json`.
sim_json_get() {
	"$root/tests/sim/simcluster" env --json |
	    jq -r --arg n "$1" --arg k "$2" '.nodes[] | select(.name == $n) | .[$k]'
}

# sim_kill_sessions NODE: kill every sshd of NODE (listener and sessions),
# as `pkill sshd` on the node would.
sim_kill_sessions() {
	local ns p
	ns=$(sim_json_get "$1" netns)
	for p in $(ip netns pids "$ns" 2>/dev/null); do
		[ "$(readlink "/proc/$p/exe" 2>/dev/null)" = /usr/sbin/sshd ] &&
		    kill "$p" 2>/dev/null
	done
	return 0
}

tui_done() {
	local prev
	tui_stop
	echo "# $tui_pass passed, $tui_fail failed"
	tui_finished=1
	if [ "$tui_fail" -ne 0 ]; then
		echo "# logs kept in $TUI_LOG"
		return 1
	fi
	[ -n "$tui_log_own" ] || return 0
	# After the suite's own EXIT trap (70-phases restores the head from
	# files kept in $TUI_LOG), so the removal goes last.
	eval "set -- $(trap -p EXIT)"
	prev=${3:-:}
	trap "$prev; rm -rf '$TUI_LOG'" EXIT
	return 0
}
trap 'tui_stop; [ -n "${tui_finished:-}" ] || echo "# logs kept in $TUI_LOG"' EXIT
