#!/bin/sh
# check-layers.sh -- the layer rule: src/ never draws, ui/ never does I/O.
# Fails when an engine or front-end file includes curses (except the TUI
# glue src/tui.c), or when ui/ calls the network or file system directly.
set -u
rc=0
bad=$(grep -lE '#include *[<"](ncurses|curses|ui)\.h' src/*.c src/*.h 2>/dev/null | grep -v '^src/tui\.c$')
if [ -n "$bad" ]; then
	echo "not ok - layers: src/ files include curses/ui headers: $bad"
	rc=1
fi
bad=$(grep -nE '\b(fopen|open|read|write|socket|connect|ssh_[a-z_]+|popen|system|fork|exec[lv]p?)\s*\(' ui/*.c 2>/dev/null | grep -v '^\s*/\?\*' | head)
if [ -n "$bad" ]; then
	echo "not ok - layers: ui/ does I/O:"
	echo "$bad"
	rc=1
fi
bad=$(grep -lE '#include *[<"]libssh/' src/*.c ui/*.c 2>/dev/null | grep -vE '^src/(engine|knownhosts)[^/]*\.c$')
if [ -n "$bad" ]; then
	echo "not ok - layers: libssh used outside the engine: $bad"
	rc=1
fi
[ $rc -eq 0 ] && echo "ok - layers: ui -> engine -> transport, one way"
exit $rc
