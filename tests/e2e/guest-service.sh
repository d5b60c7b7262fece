#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# modwatch as a fleet runs it, in the test VM (busybox sh, as root; called
# by guest-suite.sh with mw_buggy loaded): the unit's capabilities and no
# more, SIGKILL leaving nothing behind, modules named by a glob watched
# from their load, suppressions and severities on real reports, a reload
# turning a kind on in the running programs, and the metrics of a real
# session. Results land in OUT/service for e2e.bats.
#
#   guest-service.sh OUT BUILD [MODS]     (as guest-suite.sh)
set -u
out=$1/service
build=$2
mods=${3:-$build/modules}
mw=$build/modwatch
trigger=$mods/trigger
tools=$build/real-tools
ko="mw_buggy=$mods/mw_buggy.ko"
rm -rf "$out"
mkdir -p "$out"

. "$(dirname "$0")/guest-lib.sh"	# wait_for FILE PATTERN

# Exactly the unit's capabilities (CapabilityBoundingSet), as uid 0: a
# root process's capabilities after exec are its bounding set.
caps() { # bpf,perfmon,... CMD...
	set_=$1
	shift
	"$tools/setpriv" --inh-caps -all --bounding-set "-all,$(echo "+$set_" | sed 's/,/,+/g')" "$@"
}
all=bpf,perfmon,syslog,sys_admin
cat /proc/sys/kernel/perf_event_paranoid >"$out/paranoid"
caps $all "$mw" --json -o "$out/caps.json" -m mw_buggy --ko "$ko" -- \
	sh -c "grep CapEff /proc/self/status; '$trigger' --dev /dev/mw_buggy double_free uaf_copy" \
	>"$out/caps.out" 2>"$out/caps.err"
echo $? >"$out/caps.rc"
# Each one is needed. At Debian's default kernel.perf_event_paranoid 3,
# CAP_SYS_ADMIN: without it modwatch stops at once and says why.
caps bpf,perfmon,syslog "$mw" --json -o /dev/null -m mw_buggy --ko "$ko" -- true \
	>"$out/nocap.sys_admin.out" 2>&1
echo $? >"$out/nocap.sys_admin.rc"
# At 2 (upstream's default), CAP_BPF, CAP_PERFMON and CAP_SYSLOG suffice,
# and each is needed (with CAP_SYS_ADMIN the kernel's bpf_capable() and
# perfmon_capable() need neither of the first two).
echo 2 >/proc/sys/kernel/perf_event_paranoid
caps bpf,perfmon,syslog "$mw" --json -o "$out/caps3.json" -m mw_buggy --ko "$ko" -- \
	"$trigger" --dev /dev/mw_buggy uaf_copy >/dev/null 2>"$out/caps3.err"
echo $? >"$out/caps3.rc"
for drop in bpf perfmon syslog; do
	keep=$(echo bpf,perfmon,syslog | sed "s/$drop//; s/,,/,/; s/^,//; s/,$//")
	caps "$keep" "$mw" --json -o /dev/null -m mw_buggy --ko "$ko" -- true \
		>"$out/nocap.$drop.out" 2>&1
	echo $? >"$out/nocap.$drop.rc"
done
cat "$out/paranoid" >/proc/sys/kernel/perf_event_paranoid
# What CAP_SYSLOG is for: without it the kernel shows every address in
# /proc/kallsyms as 0.
caps bpf,perfmon grep -m1 ' mw_buggy_ioctl' /proc/kallsyms >"$out/nocap.kallsyms" 2>&1

# SIGKILL: nothing modwatch had the kernel do outlives it. Kprobes and
# links are file descriptors the kernel closes as the process dies.
"$mw" --json -o "$out/kill.json" -m mw_buggy --ko "$ko" 2>"$out/kill.err" &
pid=$!
wait_for "$out/kill.json" '"type":"start"'
grep -c mw_buggy /sys/kernel/debug/kprobes/list >"$out/kill.probes.before"
"$tools/bpftool" prog show >"$out/kill.progs.before" 2>&1
kill -KILL $pid
wait $pid
echo $? >"$out/kill.rc"
# Programs go once RCU lets them: give it up to 10 s.
i=0
while "$tools/bpftool" prog show | grep -q ' name mw_' && [ $i -lt 100 ]; do
	i=$((i + 1))
	sleep 0.1
done
grep -c mw_buggy /sys/kernel/debug/kprobes/list >"$out/kill.probes.after"
cat /sys/kernel/tracing/kprobe_events >"$out/kill.kprobe_events"
"$tools/bpftool" prog show >"$out/kill.progs.after" 2>&1
"$tools/bpftool" link show >"$out/kill.links.after" 2>&1
# The next instance starts: the dead one's lock is free. The crash log's
# knob the dead one set is given back when this one ends.
cat /proc/sys/kernel/ftrace_dump_on_oops >"$out/kill.knob"
"$mw" --json -o "$out/after-kill.json" -m mw_buggy --ko "$ko" -- true 2>"$out/after-kill.err"
echo $? >"$out/after-kill.rc"
cat /proc/sys/kernel/ftrace_dump_on_oops >"$out/after-kill.knob"

# A glob names a module not loaded yet: watched from its load, an event.
rmmod mw_buggy
"$mw" --json -o "$out/glob.json" -m 'mw_bug*' --ko "$ko" 2>"$out/glob.err" &
pid=$!
wait_for "$out/glob.json" '"type":"start"'
insmod "$mods/mw_buggy.ko"
wait_for "$out/glob.json" '"event":"load"'
"$trigger" --dev /dev/mw_buggy double_free >/dev/null
wait_for "$out/glob.json" '"kind":"double_free"'
kill -TERM $pid
wait $pid
echo $? >"$out/glob.rc"

# Suppressions: one by a function of the stack (the ioctl handler calls the
# copy that uses freed memory), one by a glob; heap_write still fails.
"$mw" --json -o "$out/suppress.json" -m mw_buggy --ko "$ko" \
	--suppress 'use_after_free:mw_buggy:mw_buggy_ioctl' --suppress 'double_free:mw_*:*' -- \
	"$trigger" --dev /dev/mw_buggy uaf_copy double_free heap_write >/dev/null \
	2>"$out/suppress.err"
echo $? >"$out/suppress.rc"

# Severities: a double free made a warning, ioctl_size_mismatch a violation.
"$mw" --json -o "$out/severity.json" -m mw_buggy --ko "$ko" \
	--severity double_free=warning --severity ioctl_size_mismatch=violation -- \
	"$trigger" --dev /dev/mw_buggy double_free slice_ioctl >/dev/null 2>"$out/severity.err"
echo $? >"$out/severity.rc"

# SIGHUP turns a kind on in the running BPF programs.
printf 'format json\nkind use_after_free\n' >"$out/hup.conf"
"$mw" --config "$out/hup.conf" -o "$out/hup.json" -m mw_buggy --ko "$ko" 2>"$out/hup.err" &
pid=$!
wait_for "$out/hup.json" '"type":"start"'
"$trigger" --dev /dev/mw_buggy double_free >/dev/null
printf 'format json\nkind double_free\n' >"$out/hup.conf"
kill -HUP $pid
wait_for "$out/hup.err" "reloaded"
"$trigger" --dev /dev/mw_buggy double_free >/dev/null
wait_for "$out/hup.json" '"kind":"double_free"'
kill -TERM $pid
wait $pid
echo $? >"$out/hup.rc"

# The metrics of a session with real reports, scraped over loopback.
"$tools/ip" link set lo up
"$mw" --json -o "$out/metrics.json" --metrics 9464 -m mw_buggy --ko "$ko" -- \
	sh -c "'$trigger' --dev /dev/mw_buggy double_free slice_ioctl >/dev/null; sleep 2;
	       '$tools/curl' -sf http://127.0.0.1:9464/metrics -o '$out/metrics.prom'" \
	2>"$out/metrics.err"
echo $? >"$out/metrics.rc"

# modwatch status against a live session with real reports (from inside its
# CI mode's command: it runs then), and once it has stopped.
"$mw" --json -o "$out/status.json" -m mw_buggy --ko "$ko" -- \
	sh -c "'$trigger' --dev /dev/mw_buggy double_free slice_ioctl >/dev/null; sleep 2;
	       '$mw' status --json >'$out/status.live.json'; echo \$? >'$out/status.live.rc';
	       '$mw' status >'$out/status.live.txt'" \
	2>"$out/status.err"
echo $? >"$out/status.rc"
"$mw" status >"$out/status.after.txt" 2>&1
echo $? >"$out/status.after.rc"
echo done >"$out/complete"
