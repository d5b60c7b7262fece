# SPDX-License-Identifier: GPL-2.0
#
# modwatch: `make` builds everything into $(OUT); `make test` and `make run`
# install what is missing first (tools/install-deps). V=1 shows commands.

OUT		?= build
CLANG		?= clang-16
BPFTOOL		?= bpftool
CC		?= gcc

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
LDLIBS		:= -static -lbpf -ljson-c -ldw -lelf -lz -llzma -lbz2 -lpthread -ldl

# Shared maps are __weak definitions in the features' headers, so features
# may use each other's maps in any order: libbpf 1.1's linker gives an
# extern map the wrong BTF offset when its definition comes from a later
# object ("map relo failed to find map"). Global variables stay extern, each
# defined by a feature linked before its users.
BPF_FEATURES	:= events registry sites locks heap usercopy modules
BPF_OBJS	:= $(patsubst %,$(OUT)/bpf/%.bpf.o,$(BPF_FEATURES))
BPF_HDRS	:= $(wildcard bpf/*.bpf.h include/*.h) bpf/vmlinux.h
USER_SRCS	:= $(filter-out user/main.c,$(wildcard user/*.c))
USER_OBJS	:= $(patsubst user/%.c,$(OUT)/obj/%.o,$(USER_SRCS))
USER_HDRS	:= $(wildcard user/*.h include/*.h) $(OUT)/modwatch.skel.h
UNIT_SRCS	:= $(wildcard tests/unit/*.c)
UNIT_OBJS	:= $(patsubst tests/unit/%.c,$(OUT)/unit/%.o,$(UNIT_SRCS))

.PHONY: all deps modules real test test-unit test-cli test-e2e test-real run watch bench clean

all: $(OUT)/modwatch $(OUT)/unit-tests

deps:
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
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(OUT)/libmodwatch.a: $(USER_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(OUT)/modwatch: $(OUT)/obj/main.o $(OUT)/libmodwatch.a
	$(call msg,LD,$@)
	$(Q)$(CC) $(CFLAGS) $^ $(LDLIBS) -o $@

$(OUT)/unit/%.o: tests/unit/%.c $(USER_HDRS) $(wildcard tests/unit/*.h)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -Itests/unit -c $< -o $@

$(OUT)/unit-tests: $(UNIT_OBJS) $(OUT)/libmodwatch.a
	$(call msg,LD,$@)
	$(Q)$(CC) $(CFLAGS) $^ $(LDLIBS) -lpthread -o $@

# The test modules, built against the test VM's kernel headers.
modules:
	$(call msg,MODULES,$(OUT)/modules)
	$(Q)$(MAKE) --no-print-directory -C tests/modules KDIR="$$(tools/vm headers)" \
		O=$(abspath $(OUT)/modules) $(if $(V),,-s)

# The real-module gate's workload: its driver, and the host's mkfs and ip
# binaries that the guest runs (busybox has no mkfs.minix nor an ext4 mkfs,
# and its ip cannot name a veth peer); the guest mounts the host's libraries.
REAL_TOOLS	:= mke2fs mkfs.minix ip

real: $(OUT)/real-drive $(addprefix $(OUT)/real-tools/,$(REAL_TOOLS))

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

test: deps
	$(Q)$(MAKE) --no-print-directory all modules real
	$(Q)$(MAKE) --no-print-directory test-unit test-cli test-e2e

# The schemas the CI report files are checked against (npm pack, pinned).
$(OUT)/schemas/sarif-2.1.0.json $(OUT)/schemas/junit-4.xsd: tools/ci-schemas
	$(call msg,SCHEMAS,$(OUT)/schemas)
	$(Q)tools/ci-schemas $(OUT)/schemas

test-unit: $(OUT)/unit-tests $(OUT)/schemas/sarif-2.1.0.json $(OUT)/schemas/junit-4.xsd
	$(Q)$(OUT)/unit-tests

test-cli: $(OUT)/modwatch $(OUT)/schemas/sarif-2.1.0.json $(OUT)/schemas/junit-4.xsd
	$(Q)MODWATCH=$(abspath $(OUT)/modwatch) SCHEMAS=$(abspath $(OUT)/schemas) \
		bats --tap tests/cli.bats

# End to end in the Debian 6.1 test VM (tools/vm): both test modules, every
# scenario, and the real-module gate (real.bats).
test-e2e: $(OUT)/modwatch real $(OUT)/schemas/sarif-2.1.0.json $(OUT)/schemas/junit-4.xsd
	$(Q)OUT=$(abspath $(OUT)) bats --tap tests/e2e

# Only the real-module gate: Debian's own modules under real workloads.
test-real: $(OUT)/modwatch real
	$(Q)OUT=$(abspath $(OUT)) bats --tap tests/e2e/real.bats

# The demo: boot the test VM, load mw_buggy, watch it while every scenario runs
# (init_on_alloc=0: Debian zeroes allocations by default, hiding uninit_leak).
run: deps
	$(Q)$(MAKE) --no-print-directory all modules
	$(Q)tools/vm run --share $(CURDIR) --append init_on_alloc=0 -- \
		sh tools/demo-guest.sh $(abspath $(OUT))

$(OUT)/%_load: tests/bench/%_load.c
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $< -o $@

# What modwatch costs, as ratios of paired runs (tools/bench says what it measures).
bench:
	$(Q)tools/install-deps bench
	$(Q)$(MAKE) --no-print-directory all modules $(OUT)/kmem_load $(OUT)/tcp_load
	$(Q)tools/bench $(OUT) "$(ROUNDS)" "$(ONLY)"

# Watch this machine's own loaded modules until Ctrl-C.
watch: all
	$(Q)$(OUT)/modwatch

clean:
	$(Q)rm -rf $(OUT)
