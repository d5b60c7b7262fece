#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
#
# The source tree's own shape, as tools/unit-graph, tools/code-shape and
# tools/doc-check hold it: the include graph of units has no cycle, files and
# functions stay small, the front page is short, its links resolve and each of
# its commands is run by a test.
# Each check also runs on a made-up tree that breaks it, so it can fail.

setup() {
	REPO=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
}

@test "the units of user/, include/ and bpf/ include each other without a cycle" {
	cd "$REPO"
	run tools/unit-graph
	[ "$status" -eq 0 ]
	[[ "$output" == *"user/session/session: "* ]]
}

@test "unit-graph fails naming the units of a cycle, and allows bpf's heap <-> locks" {
	cd "$BATS_TEST_TMPDIR"
	mkdir -p include bpf user/a user/b
	printf '#include "b/b.h"\n' > user/a/a.h
	printf '#include "a/a.h"\n' > user/b/b.c
	: > user/b/b.h
	printf '#include "locks.bpf.h"\n' > bpf/heap.bpf.h
	printf '#include "heap.bpf.h"\n' > bpf/locks.bpf.h
	run "$REPO/tools/unit-graph"
	[ "$status" -eq 1 ]
	[[ "$output" == *"cycle: user/a/a <-> user/b/b"* ]]
	[[ "$output" != *"bpf/heap.bpf <-> bpf/locks.bpf"* ]]
	rm user/b/b.c
	run "$REPO/tools/unit-graph"
	[ "$status" -eq 0 ]
	[[ "$output" == *"user/a/a: user/b/b"* ]]
}

@test "no file in user/ over 800 lines, no function over 60" {
	cd "$REPO"
	run tools/code-shape
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "code-shape names a function over 60 lines and a file over 800" {
	cd "$BATS_TEST_TMPDIR"
	mkdir -p user/x bpf include
	{ echo 'static int long_one(void)'; echo '{'
	  for i in $(seq 61); do echo "	i++;"; done; echo '}'
	  for i in $(seq 800); do echo; done; } > user/x/big.c
	run "$REPO/tools/code-shape"
	[ "$status" -eq 1 ]
	[[ "$output" == *"user/x/big.c: 864 lines (at most 800)"* ]]
	[[ "$output" == *"user/x/big.c:1: long_one() is 61 lines (at most 60)"* ]]
}

# make help is made from the Makefile's "## " comments: every .PHONY target
# has one, and the main variables are there.
@test "make help lists every .PHONY target and the main variables, one line each" {
	cd "$REPO"
	run make help	# as README.md shows it
	[ "$status" -eq 0 ]
	phony=$(make -pRrq -f Makefile : 2>/dev/null | sed -n 's/^\.PHONY: //p' | tr ' ' '\n' | sort -u)
	[ "$(wc -w <<<"$phony")" -gt 15 ]
	for t in $phony; do
		grep -qE "^  $t +[^ ]" <<<"$output" || { echo "make help has no line for $t"; false; }
	done
	for v in OUT V KERNEL KERNELS ONLY PREFIX; do
		grep -qE "^  $v +[^ ]" <<<"$output" || { echo "make help has no line for $v"; false; }
	done
}

# Every script in tools/ (and the deep gate) says how to call it: --help
# prints its usage line, and one that needs arguments, called without them,
# prints it on standard error and exits 2, never a shell's error.
@test "each script in tools/ prints a usage line for --help and, missing arguments, exits 2" {
	cd "$REPO"
	for f in tools/* tests/real/deep-gate; do
		[ "$f" != tools/usage.sh ] || continue
		if [ -x "$f" ]; then cmd=("$f"); else cmd=(sh "$f"); fi
		run "${cmd[@]}" --help
		[ "$status" -eq 0 ] || { echo "$f --help: exit $status: $output"; false; }
		[[ "${lines[0]}" =~ ^[Uu]sage:\ [^\ ]*${f##*/}( |$) ]] || { echo "$f --help: $output"; false; }
		# the first word after the name not in brackets, nor an option: a required argument
		args=${lines[0]#*${f##*/}}
		[[ "$args" =~ ^\ +[A-Za-z] ]] || continue
		run "${cmd[@]}"
		[ "$status" -eq 2 ] || { echo "$f: exit $status without arguments: $output"; false; }
		[[ "$output" == *"usage: "* ]] || { echo "$f: no usage line: $output"; false; }
		! grep -qE 'unbound variable|line [0-9]+:|Traceback|parameter null or not set' <<<"$output" ||
			{ echo "$f: a shell's error: $output"; false; }
	done
}

# README.md's front page: at most 150 lines, every relative link of it and of
# doc/*.md resolves, and each command of its shell blocks is run, as written,
# by the test tests/front-page-commands names.
@test "the front page: short, its links and doc/'s resolve, each command run by a test" {
	cd "$REPO"
	run tools/doc-check
	echo "$output"
	[ "$status" -eq 0 ]
}

# A command that needs a make target this tree has not got yet (the package's)
# is pending: said here, as a skip, until the target comes, and then it fails.
@test "the front page's commands that wait for a make target" {
	cd "$REPO"
	run tools/doc-check
	pending=$(grep ': pending ' <<<"$output" || true)
	[ -z "$pending" ] || skip "$(tr '\n' ';' <<<"$pending")"
}

@test "doc-check names an untested command, a broken link, a long page, a stale entry" {
	cd "$BATS_TEST_TMPDIR"
	mkdir -p doc tests
	printf 'all:\n' >Makefile
	printf '# x\n\n```sh\nsudo tool --go    # what it does\nmake deb\n```\n\n[x](doc/x.md#usage)\n' >README.md
	printf '# X\n\n## Usage\n\n[back](../README.md)\n' >doc/x.md
	printf '#!/bin/sh\n# tool --go, only said\ntool --go >/dev/null\n' >tests/t.sh
	printf 'tests/t.sh tool --go\npending:deb make deb\n' >tests/front-page-commands
	run "$REPO/tools/doc-check"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[[ "$output" == *"pending (no make deb yet): make deb"* ]]
	# a command no test runs
	sed -i 's/^make deb$/make deb\ntool --stop/' README.md
	run "$REPO/tools/doc-check"
	[ "$status" -eq 1 ]
	[[ "$output" == *"README.md:6: tool --stop: no test runs it"* ]]
	# named, but the script only says it in a comment, or runs more than it
	printf 'tests/t.sh tool --stop\n' >>tests/front-page-commands
	printf '# tool --stop\ntool --stop --now\n' >>tests/t.sh
	run "$REPO/tools/doc-check"
	[ "$status" -eq 1 ]
	[[ "$output" == *"tests/t.sh does not run: tool --stop"* ]]
	printf 'tool --stop 2>&1\n' >>tests/t.sh
	run "$REPO/tools/doc-check"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	# the target came: a pending command needs its test now
	printf 'deb:\n' >>Makefile
	run "$REPO/tools/doc-check"
	[ "$status" -eq 1 ]
	[[ "$output" == *"make deb exists now: name the test that runs it"* ]]
	sed -i '/^pending:deb/d' tests/front-page-commands
	sed -i '/^make deb$/d' README.md
	# a stale entry, a link to no file, to no heading, a page too long
	printf 'tests/t.sh tool --gone\n' >>tests/front-page-commands
	printf '[y](doc/y.md) [z](doc/x.md#nowhere)\n' >>README.md
	seq 150 >>README.md
	run "$REPO/tools/doc-check"
	[ "$status" -eq 1 ]
	[[ "$output" == *"tool --gone: not on the front page any more"* ]]
	[[ "$output" == *"README.md:9: link to doc/y.md: no such file"* ]]
	[[ "$output" == *"link to doc/x.md#nowhere: no such heading in doc/x.md"* ]]
	[[ "$output" == *"README.md: 159 lines (at most 150"* ]]
}
