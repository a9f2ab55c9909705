# clustertop -- one hand-written Makefile.
#
#   make            build build/clustertop (optimised, strict warnings)
#   make deps       install the Debian packages that build, tests, demo and bench need
#   make check      deps + sanitizer build (-Werror, ASan/UBSan) + unit tests +
#                   simulated cluster + integration and TUI tests + the fault
#                   matrix's CI cells + summary
#   make check-paths  make check three times, from fresh clones under /tmp,
#                   under /root with a space, and a path over 100 characters
#   make check-faults  sanitizer build + every cell of the fault matrix
#                   (tests/faults), table written to docs/reliability.md
#   make demo       deps + build + 8-node simulated cluster + clustertop on it
#   make demo-down  remove the demo's simulated cluster
#   make bench      deps + build + 64-node sim + clustertop against its peer tools
#   make install    PREFIX=/usr/local: binary, man page, themes
#
# Objects go to $(BUILDDIR) (default build/); a check build goes to
# build/check. Every src/*.c and ui/*.c is part of the program; every
# tests/unit/test-*.c is a cmocka suite linked against the program's objects
# minus main.

PREFIX		?= /usr/local
BUILDDIR	?= build
CC		?= cc
PKGS		:= ncursesw libssh libcjson
PKG_CFLAGS	:= $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS	:= $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lslurm -lvterm -lpthread -lm
CMOCKA_LIBS	:= $(shell pkg-config --libs cmocka 2>/dev/null)

WARN		:= -Wall -Wextra -Wformat=2 -Wmissing-prototypes \
		   -Wstrict-prototypes -Wshadow -Wpointer-arith -Wwrite-strings \
		   -Wundef -Wno-unused-parameter
OPT		?= -O2 -g
SAN		?=
WERROR		?=
CFLAGS_ALL	 = -std=gnu11 $(OPT) $(WARN) $(WERROR) $(SAN) -D_GNU_SOURCE \
		   -DCT_DATADIR='"$(PREFIX)/share/clustertop"' \
		   -Isrc -Iui $(PKG_CFLAGS) -MMD -MP
LDFLAGS_ALL	 = $(SAN)

SRCS		:= $(wildcard src/*.c) $(wildcard ui/*.c)
OBJS		:= $(SRCS:%.c=$(BUILDDIR)/%.o)
LIB_OBJS	:= $(filter-out $(BUILDDIR)/src/main.o,$(OBJS))
UNIT_SRCS	:= $(wildcard tests/unit/test-*.c)
UNIT_BINS	:= $(UNIT_SRCS:tests/unit/%.c=$(BUILDDIR)/tests/%)
BIN		:= $(BUILDDIR)/clustertop

CHECKDIR	:= build/check
CHECK_VARS	:= BUILDDIR=$(CHECKDIR) OPT="-O1 -g -fno-omit-frame-pointer" \
		   SAN="-fsanitize=address,undefined" WERROR=-Werror

.PHONY: all deps check check-paths check-build check-faults unit integration demo demo-down bench \
	install clean screenshots fuzz layers

all: $(BIN)

$(BIN): $(OBJS)
	$(CC) $(LDFLAGS_ALL) -o $@ $(OBJS) $(PKG_LIBS)

$(BUILDDIR)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -c -o $@ $<

$(BUILDDIR)/tests/test-%: tests/unit/test-%.c $(LIB_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -o $@ $< $(LIB_OBJS) $(PKG_LIBS) $(CMOCKA_LIBS)

units: $(UNIT_BINS)

-include $(OBJS:.o=.d)

# --- dependencies -----------------------------------------------------------
# Every Debian package the build, the tests, the demo and the benchmarks use.
DEB_PKGS := build-essential pkg-config libncurses-dev libssh-dev libslurm-dev \
	libcjson-dev libopenmpi-dev libcmocka-dev libvterm-dev \
	openssh-server openssh-client slurmctld slurmd slurm-client munge \
	openmpi-bin pdsh clustershell pssh tmux jq lvm2 nvme-cli util-linux \
	iproute2 procps psmisc sudo time bc aha chromium fonts-dejavu-core hyperfine clang \
	libclang-rt-14-dev python3 python3-cryptography valgrind

deps:
	@tests/deps.sh $(DEB_PKGS)

# --- tests ------------------------------------------------------------------
check-build:
	$(MAKE) $(CHECK_VARS) all units

check: deps
	$(MAKE) $(CHECK_VARS) all units
	tests/run-all.sh $(CHECKDIR)

# The whole check from three fresh clones of HEAD in awkward places, in a
# row (45-90 min: too long for CI next to make check itself).
check-paths: deps
	tests/check-paths.sh

check-faults: deps
	$(MAKE) $(CHECK_VARS) all
	tests/faults/check-faults.sh $(CHECKDIR)

unit: check-build
	tests/run-unit.sh $(CHECKDIR)

# Keep the layers honest: the engine (src/) never draws, ui/ never does I/O.
layers:
	@tests/check-layers.sh

fuzz:
	tests/fuzz/run-fuzz.sh

# --- demo and bench ---------------------------------------------------------
demo: deps all
	tests/sim/simcluster up -n $${DEMO_NODES:-8}
	@eval "$$(tests/sim/simcluster env)"; exec $(BIN)

demo-down:
	tests/sim/simcluster down

bench: deps all
	tests/bench/run-bench.sh $(BIN)

screenshots: all
	tests/tui/screenshots.sh $(BIN)

# --- install ----------------------------------------------------------------
install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 \
		$(DESTDIR)$(PREFIX)/share/clustertop/themes
	install -m 0755 $(BIN) $(DESTDIR)$(PREFIX)/bin/clustertop
	install -m 0644 docs/clustertop.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	install -m 0644 themes/*.theme $(DESTDIR)$(PREFIX)/share/clustertop/themes/
	install -m 0644 src/phases.json $(DESTDIR)$(PREFIX)/share/clustertop/

clean:
	rm -rf build
