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

# doc/usage.md's recipe for a user's own module, as examples/github-actions.yml
# runs it: another repository with the module's sources and its tests, the
# module built against the VM's headers, the tests run under modwatch in
# the VM by examples/ci-guest.sh; the job fails on the violation, and the
# JUnit and SARIF files point at the module's own source lines.
@test "the CI recipe: an out-of-tree module's tests under modwatch, JUnit and SARIF out" {
	BUILD=${OUT:-$REPO/build}
	repo=$BATS_TEST_TMPDIR/user-repo
	mkdir -p "$repo/src" "$repo/tests" "$repo/modwatch/build" "$repo/modwatch/examples"
	cp "$REPO"/tests/modules/{mw_buggy.c,mw_deep.h,mw_info.h,mw_ioctl.h,mw_share.h} "$repo/src/"
	printf 'obj-m := mw_buggy.o\nccflags-y := -I$(src)\n' >"$repo/src/Kbuild"
	cp "$BUILD/modules/trigger" "$repo/tests/trigger"
	printf '#!/bin/sh\nexec "$(dirname "$0")/trigger" --dev /dev/mw_buggy double_free\n' \
		>"$repo/tests/run"
	chmod +x "$repo/tests/run"
	cp "$BUILD/modwatch" "$repo/modwatch/build/"
	cp "$REPO/examples/ci-guest.sh" "$repo/modwatch/examples/"
	make -s -C "$("$VM" headers)" M="$repo/src" modules >"$BATS_TEST_TMPDIR/kbuild.log" 2>&1 ||
		{ cat "$BATS_TEST_TMPDIR/kbuild.log"; false; }
	cd "$repo"
	run "$VM" run --share "$repo" --timeout 600 -- sh modwatch/examples/ci-guest.sh \
		"$repo/modwatch/build/modwatch" "$repo/src/mw_buggy.ko" "$repo/out" "$repo" -- ./tests/run
	[ "$status" -eq 1 ] || { echo "$output"; false; }
	[[ "$output" == *"mw_buggy double_free:"*"(mw_buggy.c:"* ]]
	"$REPO/tools/validate-ci" "$BUILD/schemas" junit out/modwatch.junit.xml
	"$REPO/tools/validate-ci" "$BUILD/schemas" sarif out/modwatch.sarif
	[ "$(xmllint --xpath 'string(//testsuite[@name="mw_buggy"]/@failures)' \
		out/modwatch.junit.xml)" = 1 ]
	v=$(jq -c '.runs[0].results[] | select(.ruleId == "double_free")' out/modwatch.sarif)
	[ "$(jq -r '.locations[0].physicalLocation.artifactLocation.uri' <<<"$v")" = src/mw_buggy.c ]
	line=$(jq -r '.locations[0].physicalLocation.region.startLine' <<<"$v")
	[[ "$(sed -n "${line}p" src/mw_buggy.c)" == *"kmem_cache_free(mw_dbg_cache, obj);"* ]]
	# the module went away inside the watched command
	grep -q "^modwatch: module mw_buggy unloaded: its probes are detached$" out/modwatch.txt
}
