#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
#
# The real-module gate: modwatch on Debian's own in-tree modules under real
# workloads, in the Debian test VM (the kernel MODWATCH_KERNEL names, else
# tools/vm's default, 6.1). setup_file boots the VM once and runs
# tests/real/guest-real.sh, which loads the modules, has modwatch (CI mode)
# run the workload and the unloads, and leaves its tables in $RESULTS:
#   modprobe  "NAME STATUS"   steps  "NAME STATUS SECONDS"
#   rmmod     "NAME STATUS WHEN"     modules.loaded, modules.left, times,
#   real.json (modwatch's report), modwatch.rc, dmesg, complete.
# Needs: make (modwatch, real) and tools/vm. REAL_REUSE=1 skips the VM and
# judges the results of the last run again.

load ../schema

REPO=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
BUILD=${OUT:-$REPO/build}
KOUT=$BUILD${MODWATCH_KERNEL:+/kernels/$MODWATCH_KERNEL}
RESULTS=$KOUT/real

# What the gate must cover, whatever guest-real.sh grows into.
MODULES="loop null_blk nbd ext4 vfat minix isofs squashfs fuse tun bridge veth dummy dm_mod
	uinput evdev snd snd_timer snd_pcm snd_dummy zram"
STEPS="ext4 vfat minix isofs null_blk nbd dm net dummy uinput snd zram"

setup_file() {
	local rc=0 t0=$SECONDS
	# REAL_REUSE=1 judges the last run's results again, without a VM.
	[ -z "${REAL_REUSE-}" ] || [ ! -f "$RESULTS/vm.rc" ] || return 0
	rm -rf "$RESULTS"
	mkdir -p "$KOUT"
	"$REPO/tools/vm" run --share "$REPO" --timeout "${REAL_TIMEOUT:-3600}" -- \
		sh "$REPO/tests/real/guest-real.sh" "$RESULTS" "$BUILD" \
		>"$KOUT/real.log" 2>&1 || rc=$?
	mkdir -p "$RESULTS"
	echo "$rc" >"$RESULTS/vm.rc"
	echo $((SECONDS - t0)) >"$RESULTS/wall"
}

# Is module NAME built into the guest's kernel (its modules.builtin)? Then
# there is no module to watch: fuse on 6.12.
builtin() { # name
	local abi
	abi=$("$REPO/tools/vm" abi) || return 1
	grep -qE "/${1//_/[-_]}\.ko\$" \
		"${MODWATCH_CACHE:-$HOME/.cache/modwatch}/vm/$abi/root/lib/modules/$abi/modules.builtin"
}

# Fails with the VM's own words when the guest did not finish the run.
guest_ok() {
	if [ "$(cat "$RESULTS/vm.rc")" != 0 ] || [ ! -f "$RESULTS/complete" ]; then
		echo "the guest did not complete the run (tools/vm exit $(cat "$RESULTS/vm.rc"))"
		tail -5 "$KOUT/real.log"
		return 1
	fi
}

# Fails unless modwatch itself ran the workload and wrote a report.
report_ok() {
	guest_ok || return 1
	if [ -f "$RESULTS/workload.alone" ] || [ ! -s "$RESULTS/real.json" ]; then
		echo "modwatch (exit $(cat "$RESULTS/modwatch.rc")) did not run the workload:"
		cat "$RESULTS/modwatch.timeout" 2>/dev/null
		tail -5 "$RESULTS/modwatch.err"
		return 1
	fi
}

# The names in the start line's "modules", one a line.
watched() {
	jq -r 'select(.type == "start") | .modules[].name' "$RESULTS/real.json"
}

# Module events of kind $1 (load, unload), by name.
module_events() {
	jq -r --arg e "$1" 'select(.type == "module" and .event == $e) | .module.name' \
		"$RESULTS/real.json"
}

# Every module the run loaded: MODULES, their dependencies, and what the
# kernel loaded on demand during the workload (nls_*, crc32c...).
all_loaded() {
	cut -d' ' -f1 "$RESULTS/rmmod" | cat - "$RESULTS/modules.loaded" | sort -u
}

@test "real: the VM ran the whole gate within 30 minutes and the guest survived it" {
	guest_ok
	! grep -E 'Oops:|Kernel panic|general protection fault|BUG: |kernel BUG at|WARNING: CPU' \
		"$RESULTS/dmesg"
	echo "phases (s): $(tr '\n' ' ' <"$RESULTS/times")wall $(cat "$RESULTS/wall")"
	[ "$(cat "$RESULTS/wall")" -lt 1800 ]
}

@test "real: every listed Debian module loads" {
	guest_ok
	for m in $MODULES; do
		grep -q "^$m " "$RESULTS/modprobe" || { echo "$m: never loaded"; false; }
	done
	while read -r m rc; do
		[ "$rc" = 0 ] || { echo "modprobe $m: exit $rc"; cat "$RESULTS/modprobe.$m.err"; false; }
		# Loaded here, not built in: a module modwatch can watch.
		if builtin "$m"; then
			echo "# $m is built into this kernel: no module to watch" >&3
			continue
		fi
		grep -qx "$m" "$RESULTS/modules.loaded" || { echo "$m: not a loaded module"; false; }
	done <"$RESULTS/modprobe"
}

@test "real: every workload step succeeds" {
	guest_ok
	for s in $STEPS; do
		grep -q "^$s " "$RESULTS/steps" || { echo "step $s: never ran"; false; }
	done
	while read -r s rc secs; do
		[ "$rc" = 0 ] || { echo "step $s: exit $rc after $secs s"; tail -15 "$RESULTS/step.$s.log"; false; }
	done <"$RESULTS/steps"
}

@test "real: every module unloads cleanly" {
	guest_ok
	while read -r m rc when; do
		[ "$rc" = 0 ] || { echo "rmmod $m ($when): exit $rc"; cat "$RESULTS/rmmod.$m.err"; false; }
	done <"$RESULTS/rmmod"
	[ ! -s "$RESULTS/modules.left" ] || { echo "still loaded:"; cat "$RESULTS/modules.left"; false; }
	while read -r m; do
		grep -q "^$m 0 " "$RESULTS/rmmod" || { echo "$m: never unloaded"; false; }
	done <"$RESULTS/modules.loaded"
}

@test "real: modwatch runs the workload to its end and exits by itself" {
	guest_ok
	rc=$(cat "$RESULTS/modwatch.rc")
	# 0: clean, 1: violations; 3 would be the workload script breaking, the
	# rest (2, 126, 127, signals) modwatch failing.
	[ "$rc" = 0 ] || [ "$rc" = 1 ] || { echo "modwatch exit $rc:"; tail -5 "$RESULTS/modwatch.err"; false; }
	[ ! -f "$RESULTS/modwatch.timeout" ] || { cat "$RESULTS/modwatch.timeout"; false; }
	report_ok
	[ "$(head -1 "$RESULTS/real.json" | jq -r .type)" = start ]
	[ "$(tail -1 "$RESULTS/real.json" | jq -r .type)" = summary ]
}

@test "real: modwatch attaches to every loaded module" {
	report_ok
	missing=$(watched | grep -vxF -f - "$RESULTS/modules.loaded" || true)
	[ -z "$missing" ] || { echo "not in the start line's modules:" $missing; false; }
	# Loaded on demand during the workload: followed as they came.
	for m in $(all_loaded | grep -vxF -f "$RESULTS/modules.loaded"); do
		module_events load | grep -qx "$m" || missing+=" $m"
	done
	[ -z "$missing" ] || { echo "loaded on demand, no load event:$missing"; false; }
}

@test "real: modwatch follows every unload" {
	report_ok
	missing=
	for m in $(all_loaded); do
		# Unloaded after the session: modwatch was gone already.
		grep -q "^$m 0 after the session" "$RESULTS/rmmod" && continue
		module_events unload | grep -qx "$m" || missing+=" $m"
	done
	[ -z "$missing" ] || { echo "unloaded while watched, no unload event:$missing"; false; }
}

@test "real: no violation on Debian's modules" {
	report_ok
	# Warnings (a "severity" of "warning", where reports have one) are allowed.
	v=$(jq -c 'select(.type == "violation" and (.severity // "error") != "warning") |
		{"kind": .kind, "module": .module, "comm": .comm,
		 "site": "\(.site.function)+\(.site.offset) [\(.site.module)]"}' "$RESULTS/real.json")
	[ -z "$v" ] || { echo "$(wc -l <<<"$v") violations:"; sort <<<"$v" | uniq -c | head -20; false; }
}

# Every line of the report, Debian's modules' reports and start line included,
# as the schema (doc/schema/modwatch-report.schema.json) has it.
@test "real: every line of modwatch's report matches the schema" {
	report_ok
	check_json "$RESULTS/real.json"
}

# The lifetime warnings are "possible" reports about memory core code got
# since: Debian's modules handed such objects (another module's freed
# memory, a super_block alloc_super() made) must not show any.
@test "real: no possible use after free or double free on Debian's modules" {
	report_ok
	v=$(jq -c 'select(.type == "violation" and
			  (.kind == "use_after_free" or .kind == "double_free")) |
		{"kind": .kind, "module": .module, "owner": .alloc.site.module,
		 "site": "\(.site.function)+\(.site.offset) [\(.site.module)]"}' "$RESULTS/real.json")
	[ -z "$v" ] || { echo "$(wc -l <<<"$v") reports:"; sort <<<"$v" | uniq -c | head -20; false; }
}
