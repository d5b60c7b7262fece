#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# make bench's startup section, guest side (busybox sh, as root, in the test
# VM): whole sessions from start to exit, ROUNDS of each, bare (modwatch --
# true: it watches every loaded module, here the guest's own boot modules)
# and watching mw_clean; then one -v run of each for where the time went.
# Prints "session NAME END START PROBES" and "phase NAME LINE" lines.
#
#   bench-startup.sh BUILD ROUNDS [MODS]
set -u
. "$(dirname "$0")/usage.sh"
mw_usage 2 3 'bench-startup.sh BUILD ROUNDS [MODS]' "$@"
build=$1
rounds=$2
mods=${3:-$build/modules}
mw=$build/modwatch
out=/tmp/startup.json

# Seconds since boot, to the hundredth: busybox date has no nanoseconds.
now() { cut -d' ' -f1 /proc/uptime; }

# One session: its name, then modwatch's arguments before "-- true".
session() { # name args...
	local name=$1 t0
	shift
	t0=$(now)
	"$mw" --json -o $out "$@" -- true 2>/tmp/startup.err ||
		{ echo "error $name: $(tail -1 /tmp/startup.err)"; exit 1; }
	echo "session $name $(now) $t0 $(grep -o '"probes":[0-9]*' $out | cut -d: -f2 |
		awk '{ s += $1 } END { print s + 0 }')"
}

phases() { # name args...
	local name=$1
	shift
	"$mw" -v --json -o /dev/null "$@" -- true 2>&1 | sed -n "s/^modwatch: \(+[0-9.]* s: .*\)/phase $name \1/p"
}

insmod "$mods/mw_clean.ko" || { echo "error insmod mw_clean"; exit 1; }
r=0
while [ $r -lt "$rounds" ]; do
	session bare
	session mw_clean -m mw_clean --ko "mw_clean=$mods/mw_clean.ko"
	r=$((r + 1))
done
phases bare
phases mw_clean -m mw_clean --ko "mw_clean=$mods/mw_clean.ko"
rmmod mw_clean
