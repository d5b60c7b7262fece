#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# make bench's guest side (busybox sh, as root, in the test VM): what a
# watched module's own hot path pays. mw_clean's MW_IOC_HOT (kmalloc,
# copy_from_user, mutex_lock/unlock, copy_to_user, kfree) runs N times
# without and with modwatch watching mw_clean (its default stacks, none, and
# all of them: --stacks), ROUNDS paired runs; then once
# with --prog-stats for the probe hits per call; startup and teardown are
# timed on every watched run. Last, memory as the watched modules grow:
# mw_clean alone, then with mw_buggy, then with three of Debian's own
# modules too. Prints "key value" lines for tools/bench.
#
#   bench-guest.sh BUILD ROUNDS N [MODS]   (MODS: the test modules for the
#                                           guest's kernel, default BUILD/modules)
set -u
. "$(dirname "$0")/usage.sh"
mw_usage 3 4 'bench-guest.sh BUILD ROUNDS N [MODS]' "$@"
build=$1
rounds=$2
n=$3
mods=${4:-$build/modules}
mw=$build/modwatch
trigger=$mods/trigger
out=/tmp/bench.json

# Seconds since boot, to the hundredth: busybox date has no nanoseconds.
now() { cut -d' ' -f1 /proc/uptime; }

# Start modwatch (ARGS) on mw_clean; returns once its start line is out.
start() {
	start_on -m mw_clean "$@"
}

start_on() {
	: >$out
	t0=$(now)
	"$mw" --json -o $out --ko "mw_clean=$mods/mw_clean.ko" --ko "mw_buggy=$mods/mw_buggy.ko" \
		"$@" 2>/tmp/bench.err &
	pid=$!
	until grep -q '"type":"start"' $out; do
		kill -0 $pid 2>/dev/null || { echo "error modwatch: $(tail -1 /tmp/bench.err)"; exit 1; }
		sleep 0.05
	done
	echo "startup $(now) $t0"
}

stop() {
	t0=$(now)
	kill -INT $pid
	wait $pid
	echo "teardown $(now) $t0"
}

insmod "$mods/mw_clean.ko" || { echo "error insmod mw_clean"; exit 1; }
"$trigger" --dev /dev/mw_clean hot 1000 >/dev/null	# warm up
r=0
while [ $r -lt "$rounds" ]; do
	echo "without $("$trigger" --dev /dev/mw_clean hot "$n")"
	start
	echo "with $("$trigger" --dev /dev/mw_clean hot "$n")"
	stop
	start --probe-mode global
	echo "global $("$trigger" --dev /dev/mw_clean hot "$n")"
	stop >/dev/null
	start --stacks none
	echo "nostacks $("$trigger" --dev /dev/mw_clean hot "$n")"
	stop >/dev/null
	start --stacks all
	echo "allstacks $("$trigger" --dev /dev/mw_clean hot "$n")"
	stop >/dev/null
	r=$((r + 1))
done
start --prog-stats >/dev/null
"$trigger" --dev /dev/mw_clean hot "$n" >/dev/null
stop >/dev/null
# "probes N": kprobes on mw_clean; "prog NAME RUNS NS": the programs that ran.
grep '"type":"start"' $out | sed 's/.*"probes":\([0-9]*\).*/probes \1/'
grep '"type":"summary"' $out | tr '{' '\n' | sed -n \
	's/^"name":"\([a-z_0-9]*\)","runs":\([0-9]*\),"run_ns":\([0-9]*\)}.*/prog \1 \2 \3/p'

# "memory MODULES PROBES MAP_BYTES RSS_KB" with modwatch watching MODULES.
memory() {
	start_on "$@" >/dev/null
	set -- $(grep '"type":"start"' $out | sed 's/.*"memory_bytes":\([0-9]*\).*/\1/') \
		$(awk '/^VmRSS/ { print $2 }' /proc/$pid/status)
	echo "memory $(grep -o '"probes":[0-9]*' $out | wc -l) \
$(grep -o '"probes":[0-9]*' $out | cut -d: -f2 | awk '{ s += $1 } END { print s }') $1 $2"
	stop >/dev/null
}
insmod "$mods/mw_buggy.ko" || { echo "error insmod mw_buggy"; exit 1; }
memory -m mw_clean
memory -m mw_clean -m mw_buggy
for m in loop tun veth; do
	modprobe $m || { echo "error modprobe $m"; exit 1; }
done
memory -m mw_clean -m mw_buggy -m loop -m tun -m veth
rmmod veth tun loop mw_buggy mw_clean
