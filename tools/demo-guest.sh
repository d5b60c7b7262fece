#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# `make run`'s guest side: load mw_buggy, watch it with modwatch while the
# trigger runs every scenario and the module is unloaded (leaks and locks
# still held are reported then), and let the reports stream to the terminal.
#
#   demo-guest.sh BUILD [MODS]   (MODS: the test modules for the guest's kernel,
#                                 default BUILD/modules)
set -u
. "$(dirname "$0")/usage.sh"
mw_usage 1 2 'demo-guest.sh BUILD [MODS]' "$@"
build=$1
mods=${2:-$build/modules}

insmod "$mods/mw_buggy.ko" || exit 1
echo "demo: mw_buggy loaded; modwatch watches it while the trigger runs every scenario"
# The unload is an event modwatch hears at once: no sleep after rmmod. The
# exit function is notrace (never probed) and, with hold_at_exit, returns
# holding a lock that only its lock word shows.
"$build/modwatch" -m mw_buggy --ko "mw_buggy=$mods/mw_buggy.ko" -- sh -c "
	$mods/trigger --dev /dev/mw_buggy --include-blocking all >/dev/null
	$mods/trigger --dev /dev/mw_buggy --repeat 500 double_fetch_len >/dev/null
	echo 1 >/sys/module/mw_buggy/parameters/hold_at_exit
	rmmod mw_buggy"
rc=$?
echo "demo: modwatch exited $rc (1: violations were found, as they should be in mw_buggy)"
exit 0
