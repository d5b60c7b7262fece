#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# make bench's deep section, guest side (busybox sh, as root, in the test
# VM): what --deep costs. For each module, a session without and one with
# --deep (modwatch -m M -- CMD): its accesses found and probed, and the time
# from exec until CMD runs (startup) and from CMD's end until exit
# (teardown); then --deep-functions on ext4. Then mw_clean's MW_IOC_HOT
# N times without modwatch, watched, and watched with --deep, ROUNDS paired
# runs. Prints "key value" lines for tools/bench.
#
#   bench-deep.sh BUILD ROUNDS N [MODS [MODULES]]   (MODULES: the modules sessions are
#                                                    timed on; default below)
set -u
. "$(dirname "$0")/usage.sh"
mw_usage 3 5 'bench-deep.sh BUILD ROUNDS N [MODS [MODULES]]' "$@"
build=$1
rounds=$2
n=$3
mods=${4:-$build/modules}
modules=${5:-mw_clean mw_buggy loop tun bridge zram ext4}
mw=$build/modwatch
trigger=$mods/trigger
out=/tmp/deep.json
kos="--ko mw_clean=$mods/mw_clean.ko --ko mw_buggy=$mods/mw_buggy.ko"

# Seconds since boot, to the hundredth: busybox date has no nanoseconds.
now() { cut -d' ' -f1 /proc/uptime; }

# One session on module M: "session LABEL M ACCESSES PROBES STARTUP TEARDOWN".
session() { # label module args...
	label=$1 m=$2
	shift 2
	t0=$(now)
	# shellcheck disable=SC2086 # kos are words
	"$mw" --json -o $out $kos -m "$m" "$@" -- sh -c 'cut -d" " -f1 /proc/uptime >/tmp/t.cmd' \
		2>/tmp/deep.err || { echo "error $label $m: $(tail -1 /tmp/deep.err)"; return; }
	t2=$(now)
	t1=$(cat /tmp/t.cmd)
	deep=$(grep -o '"deep":{"accesses":[0-9]*,"probes":[0-9]*' $out | head -1 | tr -c '0-9\n' ' ')
	echo "session $label $m ${deep:-0 0} $t0 $t1 $t2" |
		awk '{ printf "%s %s %s %s %s %.2f %.2f\n", $1, $2, $3, $4, $5, $7 - $6, $8 - $7 }'
}

insmod "$mods/mw_clean.ko" && insmod "$mods/mw_buggy.ko" || { echo "error insmod"; exit 1; }
for m in loop tun bridge zram ext4; do
	modprobe "$m" || echo "error modprobe $m"
done
for m in $modules; do
	session plain "$m"
	session deep "$m" --deep
done
session functions ext4 --deep --deep-functions 'ext4_*write*'

# The watched hot path: without, watched, watched with --deep.
start() {
	: >$out
	# shellcheck disable=SC2086 # kos are words
	"$mw" --json -o $out $kos -m mw_clean "$@" 2>/tmp/deep.err &
	pid=$!
	until grep -q '"type":"start"' $out; do
		kill -0 $pid 2>/dev/null || { echo "error modwatch: $(tail -1 /tmp/deep.err)"; exit 1; }
		sleep 0.05
	done
}
stop() {
	kill -INT $pid
	wait $pid
}
"$trigger" --dev /dev/mw_clean hot 1000 >/dev/null	# warm up
r=0
while [ $r -lt "$rounds" ]; do
	echo "hot without $("$trigger" --dev /dev/mw_clean hot "$n")"
	start
	echo "hot watched $("$trigger" --dev /dev/mw_clean hot "$n")"
	stop
	start --deep
	echo "hot deep $("$trigger" --dev /dev/mw_clean hot "$n")"
	stop
	r=$((r + 1))
done
start --deep --prog-stats
"$trigger" --dev /dev/mw_clean hot "$n" >/dev/null
stop
echo "hits $(grep -o '"name":"mw_kp_access","runs":[0-9]*,"run_ns":[0-9]*' $out |
	tr -c '0-9\n' ' ' | awk '{ print $1, $2 }')"
rmmod mw_buggy mw_clean
