# SPDX-License-Identifier: GPL-2.0
#
# The JSON lines a suite makes, against their schema: bats suites `load` this
# (tests/*.bats, tests/e2e/*.bats) and call check_json on every file of
# modwatch's JSON lines they produce (--json, modwatch report --format json),
# all the files of a test in one call: one python process (~0.2 s) a call.

MW_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
MW_SCHEMA=$MW_SRC/doc/schema/modwatch-report.schema.json

# check_json FILE...: each line of each FILE matches the schema, or the test
# fails with tools/check-json's FILE:LINE: PATH: why.
check_json() {
	"$MW_SRC/tools/check-json" "$MW_SCHEMA" "$@"
}

# check_json_output: the lines of $output (bats' run) that are JSON objects,
# as check_json (the others are the command's own output, or modwatch's
# messages on stderr).
check_json_output() {
	local f
	f=$(mktemp "$BATS_TEST_TMPDIR/output.XXXXXX")
	printf '%s\n' "$output" | grep '^{' >"$f" || true
	check_json "$f"
}
