#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# README.md's front page, run as it shows it, in the test VM (busybox sh, as
# root; tests/e2e/vm.bats sets DIR up): DIR holds mymod.ko (mw_buggy built
# under that name), build/modwatch, the trigger and ./run-tests. A
# developer's session until Ctrl-C while the module breaks a rule, then CI
# mode with JUnit and SARIF. Results land in DIR for vm.bats to assert on;
# tools/doc-check finds each front-page command here (tests/front-page-commands).
#
#   guest-readme.sh DIR
set -u
. "$(dirname "$0")/guest-lib.sh"	# wait_for FILE PATTERN
cd "$1" || exit 1

insmod mymod.ko
echo $? >insmod.rc

# A developer tracing the module: watch it until Ctrl-C (SIGINT).
build/modwatch -m mymod --ko mymod=mymod.ko >dev.txt 2>dev.err &
pid=$!
wait_for dev.txt '^modwatch: kernel .*, watching' || echo "no start line" >>dev.err
./trigger --dev /dev/mw_buggy uaf_copy >/dev/null
wait_for dev.txt 'mymod use_after_free:' || echo "no report" >>dev.err
kill -INT $pid
wait $pid
echo $? >dev.rc

# CI mode: the tests under modwatch, JUnit and SARIF out.
build/modwatch -m mymod --ko mymod=mymod.ko --junit junit.xml --sarif modwatch.sarif -- ./run-tests >ci.txt 2>ci.err
echo $? >ci.rc

rmmod mymod
exit 0
