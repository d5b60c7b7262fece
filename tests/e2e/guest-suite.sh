#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Runs inside the test VM (busybox sh, as root): load both test modules, run
# every scenario of mw_buggy under modwatch in CI mode (one session per
# scenario, so each report is attributed to its scenario), then the whole
# mw_clean set in one session, then unload. Everything lands in OUT for the
# BATS files on the host to assert on.
#
#   guest-suite.sh OUT BUILD [MODS]
# BUILD holds modwatch; MODS (default BUILD/modules) the test modules built
# for the guest's kernel.
set -u
out=$1
build=$2
mods=${3:-$build/modules}
mw=$build/modwatch
trigger=$mods/trigger

rm -rf "$out"
mkdir -p "$out"

# What doctor says of this kernel, to hold against what the sessions meet.
"$mw" doctor >"$out/doctor.txt" 2>&1
echo $? >"$out/doctor.rc"
# How this kernel's verifier takes every program: the budget holds here too.
"$mw" doctor --verifier --json >"$out/verifier.json" 2>"$out/verifier.err"
echo $? >"$out/verifier.rc"
# Since v6.11 ("ipc, msg: Use dedicated slab buckets for alloc_msg()", with
# CONFIG_SLAB_BUCKETS) SysV messages have slab caches of their own: uaf_reused's
# msgsnd() spray cannot take a module's freed record there.
! grep -qw msg_buckets /proc/kallsyms || touch "$out/msg_buckets"

# One CI-mode session per scenario. The trigger itself ends its blocking
# scenario (recursive_lock) by killing the blocked task after a while.
run_scenario() { # module name
	"$mw" --json -o "$out/$1.$2.json" -m "$1" --ko "$1=$mods/$1.ko" -- \
		"$trigger" --dev "/dev/$1" "$2" >"$out/$1.$2.out" 2>"$out/$1.$2.err"
	echo $? >"$out/$1.$2.rc"
}

for m in mw_buggy mw_clean; do
	insmod "$mods/$m.ko" >"$out/insmod.$m.err" 2>&1
	echo $? >"$out/insmod.$m.rc"
done

"$trigger" --dev /dev/mw_buggy list >"$out/scenarios" 2>"$out/scenarios.err"
echo $? >"$out/scenarios.rc"
"$trigger" --dev /dev/mw_buggy sites >"$out/sites"

while read -r name kind; do
	run_scenario mw_buggy "$name"
done <"$out/scenarios"

# A kernel that refuses the lock rules' program (made real: loaded as a socket
# filter, whose helpers it cannot use): one line says so, the other rules
# still catch their scenarios, the lock rules stay silent.
MODWATCH_FAULT_REFUSE=mw_kp_lock "$mw" --json -o "$out/refused.json" -m mw_buggy \
	--ko "mw_buggy=$mods/mw_buggy.ko" -- "$trigger" --dev /dev/mw_buggy double_free heap_write \
	double_fetch_len unlock_not_held lock_order >/dev/null 2>"$out/refused.err"
echo $? >"$out/refused.rc"

# --stacks none: the same double free, with no stack anywhere.
"$mw" --json --stacks none -o "$out/nostacks.json" -m mw_buggy --ko "mw_buggy=$mods/mw_buggy.ko" \
	-- "$trigger" --dev /dev/mw_buggy double_free >/dev/null 2>"$out/nostacks.err"
echo $? >"$out/nostacks.rc"

# --stacks all: lock acquires keep their stacks too (lockdep's dependency chain).
"$mw" --json --stacks all -o "$out/lockstacks.json" -m mw_buggy --ko "mw_buggy=$mods/mw_buggy.ko" \
	-- "$trigger" --dev /dev/mw_buggy lock_order copy_under_spinlock >/dev/null \
	2>"$out/lockstacks.err"
echo $? >"$out/lockstacks.rc"

# mw_clean's whole set, ending with its unload: nothing held, nothing leaked
# (its kept records are replaced 20 times, the old ones freed by kfree_rcu).
"$mw" --json -o "$out/mw_clean.all.json" -m mw_clean --ko "mw_clean=$mods/mw_clean.ko" -- \
	sh -c "'$trigger' --dev /dev/mw_clean all && '$trigger' --dev /dev/mw_clean --repeat 36 leak &&
	       rmmod mw_clean" \
	>"$out/mw_clean.all.out" 2>"$out/mw_clean.all.err"
echo $? >"$out/mw_clean.all.rc"
insmod "$mods/mw_clean.ko"

# --deep: mw_buggy's plain loads and stores, one session (each scenario has
# its own objects and function); mw_clean's twins 20 times over, with the
# programs' run counts (the twins' accesses were probed and judged); and
# --deep-functions, which probes only the functions it names.
"$trigger" --dev /dev/mw_buggy --deep sites >"$out/deep.sites"
"$mw" --json --deep -o "$out/deep.json" -m mw_buggy --ko "mw_buggy=$mods/mw_buggy.ko" -- \
	"$trigger" --dev /dev/mw_buggy --deep all >"$out/deep.out" 2>"$out/deep.err"
echo $? >"$out/deep.rc"
"$mw" --json --deep --prog-stats -o "$out/deep_clean.json" -m mw_clean \
	--ko "mw_clean=$mods/mw_clean.ko" -- "$trigger" --dev /dev/mw_clean --repeat 20 \
	$(cut -d' ' -f1 "$out/deep.sites") >"$out/deep_clean.out" 2>"$out/deep_clean.err"
echo $? >"$out/deep_clean.rc"
"$mw" --json --deep --deep-functions 'buggy_deep_[et]*' -o "$out/deep_some.json" -m mw_buggy \
	--ko "mw_buggy=$mods/mw_buggy.ko" -- "$trigger" --dev /dev/mw_buggy --deep all \
	>/dev/null 2>"$out/deep_some.err"
echo $? >"$out/deep_some.rc"

# CI mode whose command ends in rmmod, no sleep: the unload is an event. The
# exit function (notrace, unprobed) returns holding mw_exit_lock.
"$mw" --json -o "$out/unload.json" -m mw_buggy --ko "mw_buggy=$mods/mw_buggy.ko" -- \
	sh -c "'$trigger' --dev /dev/mw_buggy leak held_on_unload &&
	       echo 1 >/sys/module/mw_buggy/parameters/hold_at_exit && rmmod mw_buggy" \
	>"$out/unload.out" 2>"$out/unload.err"
echo $? >"$out/unload.rc"
insmod "$mods/mw_buggy.ko"

# A user's CI job: --junit and --sarif for two watched modules, mw_buggy
# breaking two rules and warning once, mw_clean clean; the text reports too.
"$mw" -o "$out/ci.txt" --junit "$out/ci.junit.xml" --sarif "$out/ci.sarif" \
	--source-root "$build/.." -m mw_buggy --ko "mw_buggy=$mods/mw_buggy.ko" \
	-m mw_clean --ko "mw_clean=$mods/mw_clean.ko" -- \
	"$trigger" --dev /dev/mw_buggy double_free heap_write slice_ioctl >/dev/null 2>"$out/ci.err"
echo $? >"$out/ci.rc"

# The KASAN layout, live: what a developer tracing the module reads.
"$mw" --format kasan -o "$out/kasan.txt" -m mw_buggy --ko "mw_buggy=$mods/mw_buggy.ko" -- \
	"$trigger" --dev /dev/mw_buggy uaf_copy >/dev/null 2>"$out/kasan.err"
echo $? >"$out/kasan.rc"

# A task that names itself with ESC, BEL and a newline (prctl(PR_SET_NAME), 15
# bytes): the KASAN and line layouts show its comm escaped.
hostile=$(printf 'a\033]0;pwn\007b\nBUG')
for form in kasan line; do
	"$mw" --format $form -o "$out/hostile.$form" -m mw_buggy --ko "mw_buggy=$mods/mw_buggy.ko" \
		-- "$trigger" --dev /dev/mw_buggy --comm "$hostile" uaf_copy >/dev/null \
		2>"$out/hostile.$form.err"
	echo $? >"$out/hostile.$form.rc"
done

# --strict: the warning of slice_ioctl fails the run.
"$mw" --json -o "$out/strict.json" --strict -m mw_buggy --ko "mw_buggy=$mods/mw_buggy.ko" -- \
	"$trigger" --dev /dev/mw_buggy slice_ioctl >/dev/null 2>"$out/strict.err"
echo $? >"$out/strict.rc"

# The crash log's kernel knob: set while modwatch runs, then as it was; a
# setting of the user's own stays.
knob=/proc/sys/kernel/ftrace_dump_on_oops
{
	cat $knob
	"$mw" --json -o /dev/null -m mw_buggy --ko "mw_buggy=$mods/mw_buggy.ko" -- cat $knob
	cat $knob
	"$mw" --json -o /dev/null --no-crash-log -m mw_buggy --ko "mw_buggy=$mods/mw_buggy.ko" -- \
		cat $knob
	echo 1 >$knob
	"$mw" --json -o /dev/null -m mw_buggy --ko "mw_buggy=$mods/mw_buggy.ko" -- cat $knob
	echo 0 >$knob
} >"$out/knob" 2>"$out/knob.err"

# No writable /run, as in a CI container: a read-only tmpfs over the guest's
# /run for one session, which puts its instance lock in /tmp/modwatch-0 (one
# note says so), starts, and catches double_free; then /run as it was.
if mount -t tmpfs -o ro,mode=0755 tmpfs /run 2>"$out/norun.mount"; then
	"$mw" --json -o "$out/norun.json" -m mw_buggy --ko "mw_buggy=$mods/mw_buggy.ko" -- \
		sh -c '"$1" --dev /dev/mw_buggy double_free; cat /tmp/modwatch-0/modwatch.pid' \
		sh "$trigger" >"$out/norun.out" 2>"$out/norun.err"
	echo $? >"$out/norun.rc"
	stat -c '%a %u %F' /tmp/modwatch-0 >"$out/norun.dir" 2>&1
	umount /run
fi

# A violation storm: two bugs 2000 times each. Bounded output, exact counts;
# with --every, one report per occurrence.
"$mw" --json -o "$out/storm.json" -m mw_buggy --ko "mw_buggy=$mods/mw_buggy.ko" -- \
	"$trigger" --dev /dev/mw_buggy --repeat 2000 double_fetch_len unlock_not_held \
	>/dev/null 2>"$out/storm.err"
echo $? >"$out/storm.rc"
"$mw" --json -o "$out/every.json" --every -m mw_buggy --ko "mw_buggy=$mods/mw_buggy.ko" -- \
	"$trigger" --dev /dev/mw_buggy --repeat 50 double_fetch_len >/dev/null 2>"$out/every.err"
echo $? >"$out/every.rc"
# A tracing session's filters: two bugs, one kind asked for, by the trigger's name.
"$mw" --json -o "$out/filter.json" --kind unlock_not_held,double_free --comm trigger \
	-m mw_buggy --ko "mw_buggy=$mods/mw_buggy.ko" -- \
	"$trigger" --dev /dev/mw_buggy double_fetch_len unlock_not_held >/dev/null 2>"$out/filter.err"
echo $? >"$out/filter.rc"

# Without the .ko: kprobes on the exported functions instead.
"$mw" --json -o "$out/global.json" --probe-mode global -m mw_buggy -- \
	"$trigger" --dev /dev/mw_buggy heap_write heap_read >/dev/null 2>"$out/global.err"
echo $? >"$out/global.rc"

# Which kprobes exist while modwatch watches mw_buggy.
"$mw" --json -o "$out/probes.json" -m mw_buggy --ko "mw_buggy=$mods/mw_buggy.ko" -- \
	cat /sys/kernel/debug/kprobes/list >"$out/probes.list" 2>"$out/probes.err"
echo $? >"$out/probes.rc"

. "$(dirname "$0")/guest-lib.sh"	# wait_for FILE PATTERN

# modwatch follows mw_buggy being unloaded and loaded again while it runs;
# the fresh load then leaks and keeps a lock, and is unloaded once more.
"$mw" --json -o "$out/reload.json" -m mw_buggy --ko "mw_buggy=$mods/mw_buggy.ko" \
	2>"$out/reload.err" &
mwpid=$!
wait_for "$out/reload.json" '"type":"start"'
rmmod mw_buggy
wait_for "$out/reload.json" '"event":"unload"'
cat /sys/kernel/debug/kprobes/list >"$out/reload.unloaded.list"
insmod "$mods/mw_buggy.ko"
wait_for "$out/reload.json" '"event":"load"'
cat /sys/kernel/debug/kprobes/list >"$out/reload.loaded.list"
"$trigger" --dev /dev/mw_buggy double_free leak held_on_unload >/dev/null
rmmod mw_buggy
i=0
while [ "$(grep -c '"event":"unload"' "$out/reload.json")" -lt 2 ] && [ $i -lt 100 ]; do
	i=$((i + 1))
	sleep 0.2
done
kill -TERM $mwpid
wait $mwpid
echo $? >"$out/reload.rc"
cat /sys/kernel/debug/kprobes/list >"$out/reload.exited.list"
insmod "$mods/mw_buggy.ko"

# modwatch as a service: capabilities, SIGKILL, globs, policy, reload, metrics.
sh "$(dirname "$0")/guest-service.sh" "$out" "$build" "$mods" >"$out/service.log" 2>&1

for m in mw_buggy mw_clean; do
	rmmod "$m" >"$out/rmmod.$m.err" 2>&1
	echo $? >"$out/rmmod.$m.rc"
done
dmesg >"$out/dmesg"
echo done >"$out/complete"
