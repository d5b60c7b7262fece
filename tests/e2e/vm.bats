#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
#
# The test-VM harness itself: exit status, the share, and a crashing guest
# failing fast with one clear line instead of hanging until CI's limit.

REPO=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
VM=$REPO/tools/vm

@test "vm: the guest runs Debian's kernel and returns CMD's status and output" {
	run "$VM" run --timeout 120 -- sh -c 'uname -r; exit 7'
	[ "$status" -eq 7 ]
	[ "$output" = "$("$VM" abi)" ]
}

@test "vm: the share is mounted at the same path, writable" {
	dir=$BATS_TEST_TMPDIR/share
	mkdir -p "$dir"
	run "$VM" run --share "$dir" --timeout 120 -- sh -c "echo hi > $dir/out"
	[ "$status" -eq 0 ]
	[ "$(cat "$dir/out")" = hi ]
}

@test "vm: a guest kernel crash fails fast with one line naming the serial log" {
	run "$VM" run --timeout 300 -- sh -c 'echo c > /proc/sysrq-trigger; sleep 600'
	[ "$status" -eq 125 ]
	[[ "$output" == *"vm: guest kernel crashed (Kernel panic"*"serial log: "* ]]
	log=${output##*serial log: }
	[ -s "$log" ]
}

# Debian's 6.12 kernels are zstd-compressed, 6.1's xz: both unpack to the
# ELF vmlinux with BTF, each version in a cache folder of its own.
@test "vm: any Debian kernel by version, whatever its vmlinuz compression" {
	v612=$(apt-cache search '^linux-image-6\.12\.[0-9]+\+deb12-amd64$' | awk '{print $1}' |
		sort -V | tail -1)
	v612=${v612#linux-image-}
	[ -n "$v612" ]
	run "$VM" vmlinux --kernel-version "$v612"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	path=${lines[-1]}
	[[ $path == */$v612/vmlinux ]]
	readelf -S "$path" | grep -q ' \.BTF '
	LC_ALL=C grep -qobUaP '\x28\xB5\x2F\xFD' "${path%/vmlinux}/root/boot/vmlinuz-$v612"
	run "$VM" vmlinux
	[ "$status" -eq 0 ]
	[[ ${lines[-1]} == */$("$VM" abi)/vmlinux ]]
	run "$VM" vmlinux --kernel-version 9.9.9-nosuch-amd64
	[ "$status" -eq 2 ]
	[[ "$output" == *"no Debian kernel linux-image-9.9.9-nosuch-amd64"* ]]
}

@test "vm: a bad flag is a usage error" {
	run "$VM" run --bogus -- true
	[ "$status" -eq 2 ]
	[[ "$output" == *"see tools/vm --help"* ]]
}

# README.md's and doc/usage.md's recipe for a user's own module, as
# examples/github-actions.yml runs it, its commands as the front page shows
# them: another repository with the module's sources (mw_buggy's, as
# src/mydrv.c) and its tests, modwatch checked out in modwatch/, the module
# built against the VM's headers, the tests run under modwatch in the VM by
# examples/ci-guest.sh; the job fails on the violation, and the JUnit and
# SARIF files point at the module's own source lines.
@test "the CI recipe: an out-of-tree module's tests under modwatch, JUnit and SARIF out" {
	BUILD=${OUT:-$REPO/build}
	repo=$BATS_TEST_TMPDIR/user-repo
	mkdir -p "$repo/src" "$repo/tests" "$repo/modwatch/build" "$repo/modwatch/examples"
	cp "$REPO"/tests/modules/{mw_deep.h,mw_info.h,mw_ioctl.h,mw_share.h} "$repo/src/"
	cp "$REPO/tests/modules/mw_buggy.c" "$repo/src/mydrv.c"
	printf 'obj-m := mydrv.o\nccflags-y := -I$(src)\n' >"$repo/src/Kbuild"
	cp "$BUILD/modules/trigger" "$repo/tests/trigger"
	printf '#!/bin/sh\nexec "$(dirname "$0")/trigger" --dev /dev/mw_buggy double_free\n' \
		>"$repo/tests/run"
	chmod +x "$repo/tests/run"
	cp "$BUILD/modwatch" "$repo/modwatch/build/"
	cp "$REPO/examples/ci-guest.sh" "$repo/modwatch/examples/"
	ln -s "$REPO/tools" "$repo/modwatch/tools"	# the host side only: not in the guest
	cd "$repo"
	make -C "$(modwatch/tools/vm headers)" M="$PWD/src" modules >"$BATS_TEST_TMPDIR/kbuild.log" 2>&1 ||
		{ cat "$BATS_TEST_TMPDIR/kbuild.log"; false; }
	run modwatch/tools/vm run --share "$PWD" --timeout 1800 -- \
		sh modwatch/examples/ci-guest.sh "$PWD/modwatch/build/modwatch" \
			"$PWD/src/mydrv.ko" "$PWD/out" "$PWD" -- ./tests/run
	[ "$status" -eq 1 ] || { echo "$output"; false; }
	[[ "$output" == *"mydrv double_free:"*"(mydrv.c:"* ]]
	"$REPO/tools/validate-ci" "$BUILD/schemas" junit out/modwatch.junit.xml
	"$REPO/tools/validate-ci" "$BUILD/schemas" sarif out/modwatch.sarif
	[ "$(xmllint --xpath 'string(//testsuite[@name="mydrv"]/@failures)' \
		out/modwatch.junit.xml)" = 1 ]
	v=$(jq -c '.runs[0].results[] | select(.ruleId == "double_free")' out/modwatch.sarif)
	[ "$(jq -r '.locations[0].physicalLocation.artifactLocation.uri' <<<"$v")" = src/mydrv.c ]
	line=$(jq -r '.locations[0].physicalLocation.region.startLine' <<<"$v")
	[[ "$(sed -n "${line}p" src/mydrv.c)" == *"kmem_cache_free(mw_dbg_cache, obj);"* ]]
	# the module went away inside the watched command
	grep -q "^modwatch: module mydrv unloaded: its probes are detached$" out/modwatch.txt
}

# The front page's recipes for a developer and for CI mode, run in the guest
# by tests/e2e/guest-readme.sh as README.md shows them: mw_buggy built as
# mymod, modwatch in build/, a session until Ctrl-C while the module breaks
# a rule, then CI mode with JUnit and SARIF.
@test "the front page's recipes: a developer's session until Ctrl-C, and CI mode" {
	BUILD=${OUT:-$REPO/build}
	dir=$BATS_TEST_TMPDIR/readme
	mkdir -p "$dir/src" "$dir/build"
	cp "$REPO"/tests/modules/{mw_deep.h,mw_info.h,mw_ioctl.h,mw_share.h} "$dir/src/"
	cp "$REPO/tests/modules/mw_buggy.c" "$dir/src/mymod.c"
	printf 'obj-m := mymod.o\nccflags-y := -I$(src)\n' >"$dir/src/Kbuild"
	make -s -C "$("$VM" headers)" M="$dir/src" modules >"$BATS_TEST_TMPDIR/kbuild.log" 2>&1 ||
		{ cat "$BATS_TEST_TMPDIR/kbuild.log"; false; }
	cp "$dir/src/mymod.ko" "$BUILD/modules/trigger" "$REPO/tests/e2e/guest-lib.sh" \
		"$REPO/tests/e2e/guest-readme.sh" "$dir/"
	cp "$BUILD/modwatch" "$dir/build/"
	printf '#!/bin/sh\nexec ./trigger --dev /dev/mw_buggy double_free\n' >"$dir/run-tests"
	chmod +x "$dir/run-tests"
	run "$VM" run --share "$dir" --timeout 900 -- sh "$dir/guest-readme.sh" "$dir"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	cd "$dir"
	[ "$(cat insmod.rc)" = 0 ]
	# until Ctrl-C: the report as it came, then the summary SIGINT prints
	grep -q '] mymod use_after_free:' dev.txt || { cat dev.txt dev.err; false; }
	grep -q '^modwatch: summary' dev.txt
	# CI mode: exit 1 on the violation, both files valid and failing it
	[ "$(cat ci.rc)" = 1 ] || { cat ci.err; false; }
	grep -q '] mymod double_free:' ci.txt
	"$REPO/tools/validate-ci" "$BUILD/schemas" junit junit.xml
	"$REPO/tools/validate-ci" "$BUILD/schemas" sarif modwatch.sarif
	[ "$(xmllint --xpath 'string(//testsuite[@name="mymod"]/@failures)' junit.xml)" = 1 ]
	jq -e '.runs[0].results[] | select(.ruleId == "double_free")' modwatch.sarif >/dev/null
}

# The front page's demo, as README.md shows it: make run boots the test VM
# on KERNEL (the suites' first kernel here) and watches mw_buggy's scenarios.
@test "make run: the demo watches every mw_buggy scenario and reports them" {
	cd "$REPO"
	KERNEL=${MODWATCH_KERNEL:-6.1} run make run
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[[ "$output" == *"demo: mw_buggy loaded"* ]]
	[[ "$output" == *"double_free"*"use_after_free"* ]] || [[ "$output" == *"use_after_free"*"double_free"* ]]
	[[ "$output" == *"demo: modwatch exited 1 "* ]]
	[[ "$output" != *"vm: guest kernel crashed"* ]]
}
