# SPDX-License-Identifier: GPL-2.0
#
# modwatch: `make` builds everything into $(OUT); `make test` and `make run`
# install what is missing first (tools/install-deps). V=1 shows commands.

OUT		?= build
CLANG		?= clang-16
BPFTOOL		?= bpftool
CC		?= gcc

# Where `make install` puts things (DESTDIR stages them for a package).
PREFIX		?= /usr/local
SBINDIR		?= $(PREFIX)/sbin
MANDIR		?= $(PREFIX)/share/man
SYSCONFDIR	?= /etc
UNITDIR		?= $(PREFIX)/lib/systemd/system
DATADIR		?= $(PREFIX)/share
INSTALL		?= install

ifeq ($(V),1)
Q =
msg =
else
Q = @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

BPF_CFLAGS	:= -target bpf -mcpu=v3 -g -O2 -Wall -Werror -D__TARGET_ARCH_x86 \
		   -Iinclude -Ibpf
CFLAGS		?= -O2 -g
CFLAGS		+= -Wall -Wextra -Werror -std=gnu11 -D_GNU_SOURCE -Iinclude -Iuser -I$(OUT)
# One static binary runs on the host and, unchanged, in the test VM. libdw
# links its debuginfod client, which dlopen()s libdebuginfod only when
# DEBUGINFOD_URLS is set (the linker's warning about it is expected).
# capstone decodes a module's instructions for --deep (user/ko/accesses.c).
LDLIBS		:= -static -levent_extra -levent_core -lbpf -ljson-c -ldw -lelf -lcapstone -lz -llzma -lbz2 -lpthread -ldl

# Shared maps are __weak definitions in the features' headers, so features
# may use each other's maps in any order: libbpf 1.1's linker gives an
# extern map the wrong BTF offset when its definition comes from a later
# object ("map relo failed to find map"). Global variables stay extern, each
# defined by a feature linked before its users.
BPF_FEATURES	:= events registry sites locks heap usercopy modules deep tests
BPF_OBJS	:= $(patsubst %,$(OUT)/bpf/%.bpf.o,$(BPF_FEATURES))
BPF_HDRS	:= $(wildcard bpf/*.bpf.h include/*.h) bpf/vmlinux.h
USER_SRCS	:= $(filter-out user/cli/main.c,$(wildcard user/*/*.c))
USER_OBJS	:= $(patsubst user/%.c,$(OUT)/obj/%.o,$(USER_SRCS))
USER_HDRS	:= $(wildcard user/*.h user/*/*.h include/*.h) $(OUT)/modwatch.skel.h
UNIT_SRCS	:= $(wildcard tests/unit/*.c)
UNIT_OBJS	:= $(patsubst tests/unit/%.c,$(OUT)/unit/%.o,$(UNIT_SRCS))

.PHONY: all deps modules real test test-unit test-cli test-e2e test-real test-real-deep run watch \
	bench clean fuzz test-fuzz \
	install uninstall man graph lint help deb

# `make help`: the targets from their "## " comments, the variables from
# the "## NAME: what" lines below, so that help cannot fall behind.
## OUT: the build folder (default build)
## V: V=1 shows the commands
## CLANG: the clang that builds the BPF side (default clang-16)
## KERNELS: the kernels the VM suites run on (default "6.1 6.12")
## KERNEL: the kernel of make run, bench and test-real-deep (default: the first of KERNELS)
## ONLY: make bench ONLY=SECTION: one section of the benchmark
## DEEP_MODULES: the modules test-real-deep watches with --deep
## FUZZ_TIME: make fuzz's seconds a target; FUZZ_SMOKE: make test-fuzz's (default 30)
## PREFIX: where make install puts things (default /usr/local; DESTDIR stages them)
## DATADIR: where make install puts the bash completion and the report schema (default PREFIX/share)

.DEFAULT_GOAL := all

help: ## this list: the targets and the main variables
	$(Q)echo 'Targets:'
	$(Q)sed -n 's/^\([a-z][a-z0-9-]*\):.*## \(.*\)/  \1\t\2/p' $(firstword $(MAKEFILE_LIST)) | \
		expand -t 18
	$(Q)echo 'Variables (make VAR=value):'
	$(Q)sed -n 's/^## \([A-Z_]*\): \(.*\)/  \1\t\2/p' $(firstword $(MAKEFILE_LIST)) | \
		expand -t 18

all: $(OUT)/modwatch $(OUT)/unit-tests ## build modwatch and the unit tests into $(OUT) (the default)

deps: ## install the build and test dependencies that are missing (tools/install-deps)
	$(Q)tools/install-deps

$(OUT)/bpf/%.bpf.o: bpf/%.bpf.c $(BPF_HDRS)
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

# The features' objects, statically linked into the one object to load.
$(OUT)/modwatch.bpf.o: $(BPF_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(BPFTOOL) gen object $@ $^

$(OUT)/modwatch.skel.h: $(OUT)/modwatch.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name modwatch_bpf > $@.tmp && mv $@.tmp $@

$(OUT)/obj/%.o: user/%.c $(USER_HDRS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

# The git commit --version names: rewritten only when it changes, so that a
# build without a new commit relinks nothing. "unknown" outside git.
MW_COMMIT	:= $(shell c=$$(git rev-parse --short=12 HEAD 2>/dev/null) && \
		   { git diff --quiet HEAD || c=$$c-dirty; echo $$c; } || echo unknown)
$(OUT)/build_commit.h: FORCE
	$(Q)mkdir -p $(@D)
	$(Q)echo '#define MODWATCH_COMMIT "$(MW_COMMIT)"' > $@.tmp && \
		(cmp -s $@.tmp $@ && rm $@.tmp || mv $@.tmp $@)

$(OUT)/obj/cli/version.o: $(OUT)/build_commit.h

FORCE:

$(OUT)/libmodwatch.a: $(USER_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(OUT)/modwatch: $(OUT)/obj/cli/main.o $(OUT)/libmodwatch.a
	$(call msg,LD,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(OUT)/unit/%.o: tests/unit/%.c $(USER_HDRS) $(wildcard tests/unit/*.h)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -Itests/unit -c $< -o $@

$(OUT)/unit-tests: $(UNIT_OBJS) $(OUT)/libmodwatch.a
	$(call msg,LD,$@)
	$(Q)$(CC) $(CFLAGS) $^ $(LDLIBS) -lpthread -o $@

# The kernels the VM suites run on, each a Debian series (its newest
# package) or an exact version: Debian 12's 6.1 and the 6.12 LTS most fleets
# run. `make test KERNELS=6.12` tests one; `make run KERNEL=6.12` demos on it.
KERNELS		?= 6.1 6.12
KERNEL		?= $(firstword $(KERNELS))

# The test modules, built against the test VM's kernel headers: $(OUT)/modules
# for tools/vm's default kernel (the unit tests read their DWARF), and
# $(OUT)/kernels/K/modules for each kernel K the VM suites boot.
modules: ## build the test modules against the test VM's kernel into $(OUT)/modules
	$(call msg,MODULES,$(OUT)/modules)
	$(Q)$(MAKE) --no-print-directory -C tests/modules KDIR="$$(tools/vm headers)" \
		O=$(abspath $(OUT)/modules) $(if $(V),,-s)

kernel-modules-%:
	$(call msg,MODULES,$(OUT)/kernels/$*/modules)
	$(Q)kdir=$$(tools/vm headers --kernel-version $*) && \
	$(MAKE) --no-print-directory -C tests/modules KDIR="$$kdir" \
		O=$(abspath $(OUT)/kernels/$*/modules) $(if $(V),,-s)

# The real-module gate's workload: its driver, and the host's mkfs and ip
# binaries that the guest runs (busybox has no mkfs.minix nor an ext4 mkfs,
# and its ip cannot name a veth peer); the guest mounts the host's libraries.
# The service tests' setpriv (the unit's capabilities), bpftool (no program
# left after SIGKILL) and curl (a scrape) too.
REAL_TOOLS	:= mke2fs mkfs.minix ip setpriv bpftool curl

real: $(OUT)/real-drive $(addprefix $(OUT)/real-tools/,$(REAL_TOOLS)) ## the real-module gate's driver and the host tools its guest runs

$(OUT)/real-drive: tests/real/drive.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -static $< -o $@

$(OUT)/real-tools/%:
	$(call msg,CP,$@)
	$(Q)mkdir -p $(@D)
	$(Q)src=$$(PATH=/usr/sbin:/sbin:/usr/bin:/bin command -v $*) || \
		{ echo "$*: not installed (tools/install-deps)" >&2; exit 1; }; \
	cp -L "$$src" $@

test: deps ## everything: lint, build, then the unit, CLI and VM (e2e) suites
	$(Q)$(MAKE) --no-print-directory lint all modules real
	$(Q)$(MAKE) --no-print-directory test-unit test-cli test-fuzz test-e2e

# The include graph of the units (a .c with its .h) of user/, include/ and
# bpf/, and its cycles: `make graph` prints it, `make graph DOT=1` as
# Graphviz; it fails naming any cycle. `make lint` checks the graph and the
# code's shape (files in user/ <= 800 lines, functions <= 60): make test
# runs it first.
graph: ## print the include graph of the units (DOT=1: as Graphviz); fails on a cycle
	$(Q)tools/unit-graph $(if $(DOT),--dot)

lint: ## the include graph and the code's shape (files in user/ <= 800 lines, functions <= 60)
	$(Q)tools/unit-graph >/dev/null && tools/code-shape

# The schemas the CI report files are checked against (npm pack, pinned); one
# run makes both (a grouped target, &:).
$(OUT)/schemas/sarif-2.1.0.json $(OUT)/schemas/junit-4.xsd &: tools/ci-schemas
	$(call msg,SCHEMAS,$(OUT)/schemas)
	$(Q)tools/ci-schemas $(OUT)/schemas

test-unit: $(OUT)/unit-tests $(OUT)/schemas/sarif-2.1.0.json $(OUT)/schemas/junit-4.xsd ## the unit tests, on this machine
	$(Q)$(OUT)/unit-tests

# tests/deb.bats runs make deb (into $(OUT)/deb) and installs the package.
test-cli: $(OUT)/modwatch $(OUT)/schemas/sarif-2.1.0.json $(OUT)/schemas/junit-4.xsd ## the command-line, service, install, package and tree suites (bats), on this machine
	$(Q)MODWATCH=$(abspath $(OUT)/modwatch) SCHEMAS=$(abspath $(OUT)/schemas) \
		bats --tap tests/cli.bats tests/completion.bats tests/service.bats tests/install.bats \
		tests/deb.bats tests/tree.bats

# The libFuzzer targets (tests/fuzz/: the .ko reader, `modwatch report`'s
# reader, --config and the options), built with clang, ASan and UBSan into
# $(OUT)/fuzz, dynamically linked (the sanitizers cannot be static). Seeds
# come from the test modules (their debug info stripped), tiny objects
# assembled here, the golden reports and the shipped configuration.
FUZZ_TARGETS	:= ko report config
FUZZ_SAN	:= -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_CFLAGS	:= -O1 -g -fno-omit-frame-pointer $(FUZZ_SAN) -Wall -Wextra -Werror -std=gnu11 \
		   -D_GNU_SOURCE -Iinclude -Iuser -I$(OUT)
FUZZ_LDLIBS	:= -levent_extra -levent_core -lbpf -ljson-c -ldw -lelf -lcapstone -lz -llzma -lbz2 \
		   -lpthread -ldl
FUZZ_OBJS	:= $(patsubst user/%.c,$(OUT)/fuzz/obj/%.o,$(USER_SRCS))
FUZZ_BINS	:= $(addprefix $(OUT)/fuzz/,$(FUZZ_TARGETS))
# make fuzz: FUZZ_TIME seconds a target; make test-fuzz: FUZZ_SMOKE seconds, and the
# regression inputs (tests/fuzz/regress/TARGET/) once each.
FUZZ_TIME	?= 600
FUZZ_SMOKE	?= 30
FUZZ_ENV	:= ASAN_OPTIONS=halt_on_error=1:detect_leaks=1 \
		   UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1

$(OUT)/fuzz/obj/%.o: user/%.c $(USER_HDRS)
	$(call msg,FUZZCC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

$(OUT)/fuzz/libmodwatch.a: $(FUZZ_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(FUZZ_BINS): $(OUT)/fuzz/%: tests/fuzz/%.c tests/fuzz/fuzz.c tests/fuzz/fuzz.h $(OUT)/fuzz/libmodwatch.a
	$(call msg,FUZZLD,$@)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -fsanitize=fuzzer -Itests/fuzz $< tests/fuzz/fuzz.c \
		$(OUT)/fuzz/libmodwatch.a $(FUZZ_LDLIBS) -o $@

$(OUT)/fuzz/seeds.stamp: tests/fuzz/seeds $(wildcard $(OUT)/modules/*.ko) tests/golden/report.json \
			 include/sites.h dist/modwatch.conf
	$(call msg,SEEDS,$(OUT)/fuzz/seed)
	$(Q)tests/fuzz/seeds $(OUT) && touch $@

fuzz: $(FUZZ_BINS) $(OUT)/fuzz/seeds.stamp ## run each fuzz target FUZZ_TIME seconds (default 600)
	$(Q)$(FUZZ_ENV) tests/fuzz/run $(OUT) $(FUZZ_TIME) $(FUZZ_TARGETS)

test-fuzz: $(FUZZ_BINS) $(OUT)/fuzz/seeds.stamp ## replay the fuzz regression inputs, then FUZZ_SMOKE s a target
	$(Q)$(FUZZ_ENV) tests/fuzz/run --regress $(OUT) $(FUZZ_SMOKE) $(FUZZ_TARGETS)

# End to end in the Debian test VM (tools/vm), on each kernel of KERNELS, all
# at once (tests/e2e/run-kernels says why): both test modules, every scenario
# (e2e.bats) and the real-module gate (real.bats), each test's name prefixed
# with its kernel; then the VM harness itself (vm.bats) on the first. A
# failure on one kernel does not stop the others.
E2E_DEPS	= $(OUT)/modwatch real $(OUT)/schemas/sarif-2.1.0.json $(OUT)/schemas/junit-4.xsd \
		  $(addprefix kernel-modules-,$(KERNELS))
test-e2e: $(E2E_DEPS) ## end to end in the test VM, on each kernel of KERNELS
	$(Q)tests/e2e/run-kernels $(abspath $(OUT)) $(KERNELS)

# The real-module gate with --deep on KERNEL (every load and store of DEEP_MODULES
# probed; not part of make test: ext4 alone is ~17,000 kprobes).
DEEP_MODULES	?= loop tun bridge ext4 zram
test-real-deep: $(OUT)/modwatch real ## the real-module gate with --deep on KERNEL (DEEP_MODULES)
	$(Q)tests/real/deep-gate $(OUT) $(KERNEL) $(DEEP_MODULES)

# Only the real-module gate: Debian's own modules under real workloads.
test-real: $(OUT)/modwatch real ## only the real-module gate, on each kernel of KERNELS
	$(Q)st=0; for k in $(KERNELS); do \
		MODWATCH_KERNEL=$$k OUT=$(abspath $(OUT)) BATS_TEST_NAME_PREFIX="$$k: " \
			bats --tap tests/e2e/real.bats || st=1; \
	done; exit $$st

# The demo: boot the test VM, load mw_buggy, watch it while every scenario runs
# (init_on_alloc=0: Debian zeroes allocations by default, hiding uninit_leak).
run: deps ## the demo: boot the test VM on KERNEL and watch mw_buggy's scenarios
	$(Q)$(MAKE) --no-print-directory all kernel-modules-$(KERNEL)
	$(Q)tools/vm run --share $(CURDIR) --kernel-version $(KERNEL) --append init_on_alloc=0 -- \
		sh tools/demo-guest.sh $(abspath $(OUT)) $(abspath $(OUT)/kernels/$(KERNEL)/modules)

$(OUT)/%_load: tests/bench/%_load.c
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $< -o $@

# What modwatch costs, as ratios of paired runs (tools/bench says what it measures).
# The VM part on KERNEL (make bench KERNEL=6.12); BASE=REV: that git revision
# side by side; WORKLOADS="tree tcp kmem": the tax section's workloads; DEEP_BENCH="loop tun":
# the modules the deep section times sessions on (default: mw_clean mw_buggy loop tun bridge
# zram ext4).
bench: ## what modwatch costs (BASE, ROUNDS, ONLY, WORKLOADS, DEEP_BENCH; tools/bench)
	$(Q)tools/install-deps bench
	$(Q)$(MAKE) --no-print-directory all kernel-modules-$(KERNEL) $(OUT)/kmem_load $(OUT)/tcp_load
	$(Q)MODWATCH_KERNEL=$(KERNEL) BASE="$(BASE)" WORKLOADS="$(WORKLOADS)" DEEP_MODULES="$(DEEP_BENCH)" \
		tools/bench $(OUT) "$(ROUNDS)" "$(ONLY)"

# Watch this machine's own loaded modules until Ctrl-C.
watch: all ## watch this machine's loaded modules until Ctrl-C
	$(Q)$(OUT)/modwatch

# The man page: --help documents the options (so it cannot fall behind the
# code), doc/modwatch.h2m what --help has no room for.
man: $(OUT)/modwatch.8 ## the man page, $(OUT)/modwatch.8, from --help and doc/modwatch.h2m

$(OUT)/modwatch.8: $(OUT)/modwatch doc/modwatch.h2m
	$(call msg,MAN,$@)
	$(Q)help2man --no-info --section=8 --include=doc/modwatch.h2m \
		--name='watch kernel modules for memory-safety and locking bugs' \
		--output=$@.tmp $(OUT)/modwatch && mv $@.tmp $@

# The unit names installed paths: generated at each install, as they come
# from this run's PREFIX/SBINDIR/SYSCONFDIR, not from the last one's.
UNIT_SED	= -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g'
CONF		= $(DESTDIR)$(SYSCONFDIR)/modwatch/modwatch.conf

# The bash completion, from the binary's own option and command tables.
$(OUT)/modwatch.bash-completion: $(OUT)/modwatch
	$(call msg,GEN,$@)
	$(Q)$< completion bash > $@.tmp && mv $@.tmp $@

# No systemctl here: DESTDIR staging must not touch the running system, and
# a package's maintainer scripts (dh_installsystemd) or the admin enable
# and start the service. Not stripped: dh_strip keeps the debug symbols.
# An existing config is the admin's: if it differs from the shipped one,
# ours goes beside it as modwatch.conf.new (as dpkg would ask).
COMPLETION	= $(DESTDIR)$(DATADIR)/bash-completion/completions/modwatch
SCHEMA		= doc/schema/modwatch-report.schema.json
install: $(OUT)/modwatch $(OUT)/modwatch.8 $(OUT)/modwatch.bash-completion $(SCHEMA) ## install modwatch, its man page, unit, logrotate, config, completion and schema (DESTDIR, PREFIX...)
	$(Q)sed $(UNIT_SED) dist/modwatch.service.in > $(OUT)/modwatch.service
	$(Q)$(INSTALL) -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(UNITDIR) \
		$(DESTDIR)$(SYSCONFDIR)/logrotate.d $(dir $(COMPLETION)) $(DESTDIR)$(DATADIR)/modwatch
	$(Q)$(INSTALL) -d -m 0700 $(DESTDIR)$(SYSCONFDIR)/modwatch
	$(Q)$(INSTALL) -m 0755 $(OUT)/modwatch $(DESTDIR)$(SBINDIR)/modwatch
	$(Q)$(INSTALL) -m 0644 $(OUT)/modwatch.8 $(DESTDIR)$(MANDIR)/man8/modwatch.8
	$(Q)$(INSTALL) -m 0644 $(OUT)/modwatch.service $(DESTDIR)$(UNITDIR)/modwatch.service
	$(Q)$(INSTALL) -m 0644 dist/modwatch.logrotate $(DESTDIR)$(SYSCONFDIR)/logrotate.d/modwatch
	$(Q)$(INSTALL) -m 0644 $(OUT)/modwatch.bash-completion $(COMPLETION)
	$(Q)$(INSTALL) -m 0644 $(SCHEMA) $(DESTDIR)$(DATADIR)/modwatch/$(notdir $(SCHEMA))
	$(Q)if [ -e "$(CONF)" ] && ! cmp -s dist/modwatch.conf "$(CONF)"; then \
		$(INSTALL) -m 0600 dist/modwatch.conf "$(CONF).new"; \
		echo "install: kept your $(CONF); the shipped one is $(CONF).new"; \
	else \
		$(INSTALL) -m 0600 dist/modwatch.conf "$(CONF)"; \
	fi

# Removes what install put; a config the admin edited stays (and says so).
uninstall: ## remove what install put (a config you edited stays)
	$(Q)rm -f $(DESTDIR)$(SBINDIR)/modwatch $(DESTDIR)$(MANDIR)/man8/modwatch.8 \
		$(DESTDIR)$(UNITDIR)/modwatch.service $(DESTDIR)$(SYSCONFDIR)/logrotate.d/modwatch \
		$(COMPLETION) $(DESTDIR)$(DATADIR)/modwatch/$(notdir $(SCHEMA))
	$(Q)rmdir "$(DESTDIR)$(DATADIR)/modwatch" 2>/dev/null || true
	$(Q)for f in "$(CONF)" "$(CONF).new"; do \
		[ ! -e "$$f" ] || ! cmp -s dist/modwatch.conf "$$f" || rm -f "$$f"; \
	done
	$(Q)if [ -e "$(CONF)" ]; then echo "uninstall: kept $(CONF), which you edited"; fi
	$(Q)rmdir "$(DESTDIR)$(SYSCONFDIR)/modwatch" 2>/dev/null || true

# The Debian package (debian/), as dpkg-buildpackage -b builds it on Debian
# 12 from a clean clone, but with the .deb files, .buildinfo and .changes
# in $(OUT)/deb, not beside the source tree; then lintian, which fails it
# on an error or a warning (debian/modwatch.lintian-overrides says why
# each override is there). The package builds in debian/build, removed
# after with the rest of dpkg-buildpackage's leftovers (--post-clean).
# MAKEFLAGS stays out: debian/rules is a makefile, and through it this
# make's -j and command-line variables (OUT...) would reach the package's
# make as its own command line. V=1 (in the environment) shows the build;
# else its log is $(OUT)/deb/build.log, printed if it fails.
DEB_DIR		= $(abspath $(OUT)/deb)
DEB_PVA		= modwatch_$(shell dpkg-parsechangelog -SVersion)_$(shell dpkg --print-architecture)
DEB_LOG		= $(if $(filter 1,$(V)),,>$(DEB_DIR)/build.log 2>&1 || \
		  { cat $(DEB_DIR)/build.log; exit 1; })
deb: ## the Debian package in $(OUT)/deb (dpkg-buildpackage -b, then lintian)
	$(Q)tools/install-deps
	$(call msg,DEB,$(DEB_DIR)/$(DEB_PVA).deb)
	$(Q)rm -rf $(DEB_DIR) && mkdir -p $(DEB_DIR)
	$(Q)env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL MODWATCH_DEB_DIR=$(DEB_DIR) \
		dpkg-buildpackage -us -uc -b --post-clean \
		--buildinfo-option=-u$(DEB_DIR) --buildinfo-file=$(DEB_DIR)/$(DEB_PVA).buildinfo \
		--changes-option=-u$(DEB_DIR) --changes-file=$(DEB_DIR)/$(DEB_PVA).changes $(DEB_LOG)
	$(call msg,LINTIAN,$(DEB_DIR)/$(DEB_PVA).changes)
	$(Q)lintian --fail-on error,warning $(DEB_DIR)/$(DEB_PVA).changes

clean: ## remove $(OUT)
	$(Q)rm -rf $(OUT)
