# clustertop -- one hand-written Makefile.
#
#   make            build build/clustertop (optimised, strict warnings)
#   make deps       install the Debian packages that build, tests, demo and bench need
#   make check      deps + sanitizer build (-Werror, ASan/UBSan) + unit tests +
#                   simulated cluster + integration and TUI tests + the fault
#                   matrix's CI cells + summary
#   make check-paths  make check three times, from fresh clones under /tmp,
#                   under /root with a space, and a path over 100 characters
#   make check-full check + tests/full (phase 1 with the default package
#                   list: downloads and installs it; tens of minutes)
#   make check-faults  sanitizer build + every cell of the fault matrix
#                   (tests/faults), table written to docs/reliability.md
#   make demo       deps + build + 8-node simulated cluster + clustertop on it
#   make demo-down  remove the demo's simulated cluster
#   make bench      deps + build + 64-node sim + clustertop against its peer tools
#                   (BENCH_NODES=1024: the 1,024-node figures too)
#   make check-scale deps + build + 1,024-node sim (slurmd on 64): connect all,
#                   a round, the dashboard frame at 1,024 rows, a mass outage of
#                   512 nodes and recovery, RSS per node (not in make check)
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
# Fuzz targets: libFuzzer binaries (make fuzz, clang) and, in every build,
# replay-NAME: the same target with a main() that feeds it files, so the
# kept corpus (tests/fuzz/corpus/NAME) is replayed by make check.
FUZZ_SRCS	:= $(wildcard tests/fuzz/fuzz-*.c)
REPLAY_BINS	:= $(FUZZ_SRCS:tests/fuzz/fuzz-%.c=$(BUILDDIR)/tests/replay-%)
FUZZ_BINS	:= $(FUZZ_SRCS:tests/fuzz/fuzz-%.c=$(BUILDDIR)/fuzz-%)

CHECKDIR	:= build/check
CHECK_VARS	:= BUILDDIR=$(CHECKDIR) OPT="-O1 -g -fno-omit-frame-pointer" \
		   SAN="-fsanitize=address,undefined" WERROR=-Werror

.PHONY: all deps check check-full check-faults check-paths check-build unit integration demo demo-down bench check-scale \
	install clean screenshots fuzz fuzz-bins layers units

all: $(BIN)

$(BIN): $(OBJS)
	$(CC) $(LDFLAGS_ALL) -o $@ $(OBJS) $(PKG_LIBS)

$(BUILDDIR)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -c -o $@ $<

$(BUILDDIR)/tests/test-%: tests/unit/test-%.c $(LIB_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -o $@ $< $(LIB_OBJS) $(PKG_LIBS) $(CMOCKA_LIBS)

$(BUILDDIR)/tests/replay-%: tests/fuzz/fuzz-%.c $(BUILDDIR)/tests/fuzz/replay.o \
		$(LIB_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -o $@ $< $(BUILDDIR)/tests/fuzz/replay.o \
		$(LIB_OBJS) $(PKG_LIBS)

# Only with FUZZ_VARS (clang, -fsanitize=fuzzer-no-link): see run-fuzz.sh.
$(BUILDDIR)/fuzz-%: tests/fuzz/fuzz-%.c $(LIB_OBJS)
	$(CC) $(CFLAGS_ALL) -fsanitize=fuzzer -o $@ $< $(LIB_OBJS) $(PKG_LIBS)

units: $(UNIT_BINS) $(REPLAY_BINS)

fuzz-bins: $(FUZZ_BINS)

-include $(OBJS:.o=.d) $(BUILDDIR)/tests/fuzz/replay.d

# --- dependencies -----------------------------------------------------------
# Every Debian package the build, the tests, the demo and the benchmarks use.
DEB_PKGS := build-essential pkg-config libncurses-dev libssh-dev libslurm-dev \
	libcjson-dev libopenmpi-dev libcmocka-dev libvterm-dev \
	openssh-server openssh-client slurmctld slurmd slurm-client munge \
	openmpi-bin pdsh clustershell pssh tmux jq lvm2 nvme-cli util-linux \
	iproute2 procps psmisc sudo time bc aha chromium fonts-dejavu-core hyperfine clang \
	libclang-rt-14-dev python3 python3-cryptography valgrind \
	libfaketime faketime

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

# check, plus the suites too long for every run (tests/full: phase 1 with
# the whole default package list, which downloads and installs it).
check-full: deps
	$(MAKE) $(CHECK_VARS) all units
	CHECK_FULL=1 tests/run-all.sh $(CHECKDIR)
check-faults: deps
	$(MAKE) $(CHECK_VARS) all
	tests/faults/check-faults.sh $(CHECKDIR)

unit: check-build
	tests/run-unit.sh $(CHECKDIR)

# Keep the layers honest: the engine (src/) never draws, ui/ never does I/O.
layers:
	@tests/check-layers.sh

# FUZZ_SECONDS per target (default 60), FUZZ_TARGETS="theme vterm" for some.
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

# SCALE_NODES (1024), SCALE_SLURMD (64), SIM_ID (9); see tests/scale/check-scale.sh
check-scale: deps all
	CLUSTERTOP=$(CURDIR)/$(BIN) tests/scale/check-scale.sh

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
