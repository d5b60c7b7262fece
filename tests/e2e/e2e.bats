#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
#
# End to end: modwatch against real modules in the Debian 6.1 test VM.
# setup_file boots the VM once and runs tests/e2e/guest-suite.sh, which
# leaves one JSON file per scenario in $RESULTS; the tests assert on them.
# Needs: make (modwatch, the test modules) and tools/vm.

REPO=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
BUILD=${OUT:-$REPO/build}
RESULTS=$BUILD/e2e

setup_file() {
	local rc=0
	rm -rf "$RESULTS"
	"$REPO/tools/vm" run --share "$REPO" --timeout "${E2E_TIMEOUT:-1200}" -- \
		sh "$REPO/tests/e2e/guest-suite.sh" "$RESULTS" "$BUILD" \
		>"$BUILD/e2e.log" 2>&1 || rc=$?
	mkdir -p "$RESULTS"
	echo "$rc" >"$RESULTS/vm.rc"
}

# The violations of one result file, as compact JSON lines.
violations() { # file
	jq -c 'select(.type == "violation")' "$1"
}

# Fails with the VM's own words when the guest did not finish the suite.
guest_ok() {
	if [ "$(cat "$RESULTS/vm.rc")" != 0 ] || [ ! -f "$RESULTS/complete" ]; then
		echo "the guest did not complete the suite (tools/vm exit $(cat "$RESULTS/vm.rc"))"
		tail -5 "$BUILD/e2e.log"
		return 1
	fi
}

@test "the VM ran the whole suite and the guest survived it" {
	guest_ok
	! grep -E 'Oops:|Kernel panic|general protection fault|BUG: (unable|kernel NULL)' \
		"$RESULTS/dmesg"
}

@test "both test modules load and unload" {
	guest_ok
	for m in mw_buggy mw_clean; do
		[ "$(cat "$RESULTS/insmod.$m.rc")" = 0 ] || { cat "$RESULTS/insmod.$m.err"; false; }
		[ "$(cat "$RESULTS/rmmod.$m.rc")" = 0 ] || { cat "$RESULTS/rmmod.$m.err"; false; }
	done
}

@test "every mw_buggy scenario runs to its end under modwatch" {
	guest_ok
	[ "$(cat "$RESULTS/scenarios.rc")" = 0 ]
	[ "$(wc -l <"$RESULTS/scenarios")" -ge 17 ]
	while read -r name kind; do
		rc=$(cat "$RESULTS/mw_buggy.$name.rc")
		# 0: clean, 1: violation; 3 would mean the trigger failed, 2 a usage error.
		[ "$rc" = 0 ] || [ "$rc" = 1 ] ||
			{ echo "$name: exit $rc"; cat "$RESULTS/mw_buggy.$name.err"; false; }
		[ "$(tail -1 "$RESULTS/mw_buggy.$name.json" | jq -r .type)" = summary ]
	done <"$RESULTS/scenarios"
}

@test "double_free in mw_buggy is caught, attributed and symbolised" {
	guest_ok
	f=$RESULTS/mw_buggy.double_free.json
	[ "$(cat "$RESULTS/mw_buggy.double_free.rc")" = 1 ]
	[ "$(violations "$f" | jq -s 'map(select(.kind == "double_free")) | length')" = 1 ]
	v=$(violations "$f" | jq -c 'select(.kind == "double_free")')
	[ "$(jq -r .module <<<"$v")" = mw_buggy ]
	[ "$(jq -r .site.module <<<"$v")" = mw_buggy ]
	[ "$(jq -r .site.function <<<"$v")" = buggy_double_free ]
	[ "$(jq -r .alloc.site.module <<<"$v")" = mw_buggy ]
	[ "$(jq -r .free.site.module <<<"$v")" = mw_buggy ]
	[ "$(jq -r .alloc.site.function <<<"$v")" != null ]
	[ "$(jq -r .free.site.function <<<"$v")" != null ]
	[ "$(jq -r .free.site.addr <<<"$v")" != "$(jq -r .site.addr <<<"$v")" ]
	[ "$(jq -r .comm <<<"$v")" = trigger ]
}

@test "mw_clean's whole scenario set yields zero violations" {
	guest_ok
	f=$RESULTS/mw_clean.all.json
	[ "$(cat "$RESULTS/mw_clean.all.rc")" = 0 ] || { cat "$RESULTS/mw_clean.all.err"; false; }
	[ -z "$(violations "$f")" ]
	[ "$(tail -1 "$f" | jq .violations)" = 0 ]
	[ "$(tail -1 "$f" | jq .lost)" = 0 ]
}
