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

@test "vm: a bad flag is a usage error" {
	run "$VM" run --bogus -- true
	[ "$status" -eq 2 ]
	[[ "$output" == *"see tools/vm --help"* ]]
}
