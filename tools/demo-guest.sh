#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# `make run`'s guest side: load mw_buggy, watch it with modwatch while the
# trigger runs every scenario, and let the reports stream to the terminal.
#
#   demo-guest.sh BUILD
set -u
build=$1

insmod "$build/modules/mw_buggy.ko" || exit 1
echo "demo: mw_buggy loaded; modwatch watches it while the trigger runs every scenario"
"$build/modwatch" -m mw_buggy -- "$build/modules/trigger" --dev /dev/mw_buggy all
rc=$?
rmmod mw_buggy
echo "demo: modwatch exited $rc (1: violations were found, as they should be in mw_buggy)"
exit 0
