#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# A module's tests under modwatch, inside the test VM (tools/vm run, busybox
# sh, as root): load the module, run the tests in CI mode, unload it as the
# last step of the watched command (so that leaks and locks held at unload
# are reported too), and leave the reports in OUT: modwatch.txt (text),
# modwatch.junit.xml and modwatch.sarif. Exits with modwatch's status: 0
# clean, 1 a violation, 3 the tests failed, 4 modwatch could not watch.
#
#   ci-guest.sh MODWATCH MODULE.ko OUT SOURCE_ROOT -- TEST_CMD [ARGS...]
#
# From the repository's root on the host (see doc/usage.md, "Your own module in CI"):
#   modwatch/tools/vm run --share "$PWD" -- sh modwatch/examples/ci-guest.sh \
#       "$PWD/modwatch/build/modwatch" "$PWD/src/mydrv.ko" "$PWD/out" "$PWD" -- ./tests/run
set -u

if [ $# -lt 6 ] || [ "$5" != -- ]; then
	echo "usage: ci-guest.sh MODWATCH MODULE.ko OUT SOURCE_ROOT -- TEST_CMD [ARGS...]" >&2
	exit 2
fi
mw=$1 ko=$2 out=$3 root=$4
shift 5
name=$(basename "$ko" .ko | tr - _)

mkdir -p "$out" || exit 4
if ! insmod "$ko" 2>"$out/insmod.err"; then
	echo "ci-guest: insmod $ko failed: $(cat "$out/insmod.err")" >&2
	exit 4
fi
# The tests' status is the watched command's; the unload runs either way.
"$mw" -m "$name" --ko "$name=$ko" -o "$out/modwatch.txt" \
	--junit "$out/modwatch.junit.xml" --sarif "$out/modwatch.sarif" --source-root "$root" -- \
	sh -c '"$@"; rc=$?; rmmod "$0" || rc=4; exit $rc' "$name" "$@"
rc=$?
cat "$out/modwatch.txt"
exit $rc
