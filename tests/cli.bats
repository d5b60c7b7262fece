#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
#
# The modwatch command line on the machine that builds it: usage errors,
# doctor, a real JSON run with the kmem tracepoints attached, CI mode.
# MODWATCH names the binary (the Makefile sets it). Every file of JSON
# lines a test makes is checked against the schema (check_json, schema.bash).

load schema

setup() {
	: "${MODWATCH:=$BATS_TEST_DIRNAME/../build/modwatch}"
	: "${SCHEMAS:=$(dirname "$MODWATCH")/schemas}"
}

# Waits until FILE holds a line matching PATTERN, or modwatch PID has exited.
# The bound is no timing check, only a stop: attaching waits for the verifier,
# which a busy CI machine slowed past 5 s once (the start line came later).
wait_for_line() { # pattern file pid
	local _
	for _ in $(seq 1200); do
		grep -q -- "$1" "$2" && return 0
		kill -0 "$3" 2>/dev/null || break
		sleep 0.1
	done
	echo "modwatch never wrote a line matching '$1' to $2:" >&2
	cat "$2" "$BATS_TEST_TMPDIR/err" >&2 2>/dev/null
	return 1
}

# Lines of $output that are not JSON objects (none expected).
non_json_lines() {
	printf '%s\n' "$output" | while IFS= read -r line; do
		[ -z "$line" ] || printf '%s\n' "$line" | jq -e 'type == "object"' >/dev/null 2>&1 ||
			printf '%s\n' "$line"
	done
}

@test "--help teaches the commands, CI mode and every option" {
	run "$MODWATCH" --help
	[ "$status" -eq 0 ]
	[[ "$output" == *"Usage: modwatch"* ]]
	[[ "$output" == *"doctor"* ]]
	[[ "$output" == *"-- CMD"* ]]
	for opt in --module --ko --probe-mode --json --strict --every --no-crash-log --output \
		--max-objects --quarantine --ringbuf-kb --verbose --prog-stats --kind --pid --comm \
		--debug-dir --junit --sarif --source-root --format --quiet "modwatch status"; do
		[[ "$output" == *"$opt"* ]]
	done
	# every exit status, modwatch's own failure apart from "violations found"
	for code in "0 no violation" "1 a violation" "2 usage" "3 no violation but CMD failed" \
		"4 modwatch"; do
		[[ "$(tr -s ' \n' ' ' <<<"$output")" == *"$code"* ]]
	done
}

# What a bug report needs, as bpftool -V gives it: the commit is the one
# built (the Makefile bakes it in), the libraries say their own versions.
@test "--version names the version, the commit, the libraries and the features" {
	run "$MODWATCH" --version
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" =~ ^modwatch\ [0-9]+\.[0-9]+\.[0-9]+$ ]]
	commit=$(git -C "$BATS_TEST_DIRNAME" rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
	[[ "${lines[1]}" == "commit: $commit"* ]]
	[[ "${lines[2]}" =~ ^libbpf:\ v[0-9]+\.[0-9]+$ ]]
	[[ "${lines[3]}" =~ ^libelf/libdw:\ elfutils\ 0\.[0-9]+$ ]]
	[[ "${lines[4]}" =~ ^capstone:\ [0-9]+\.[0-9]+$ ]]
	[[ "$output" == *$'\nfeatures: deep (capstone'* ]]
	[ "$("$MODWATCH" version)" = "$output" ]
}

@test "an unknown flag exits 2 with a one-line message" {
	run "$MODWATCH" --bogus
	[ "$status" -eq 2 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "${lines[0]}" == "modwatch: unknown option '--bogus' (see modwatch --help)" ]]
}

@test "a bad option value exits 2 and names the accepted range" {
	run "$MODWATCH" --ringbuf-kb 3
	[ "$status" -eq 2 ]
	[[ "$output" == *"--ringbuf-kb"*"from 4"* ]]
	run "$MODWATCH" --max-objects lots
	[ "$status" -eq 2 ]
	[[ "$output" == *"invalid --max-objects value 'lots'"* ]]
	run "$MODWATCH" --ringbuf-kb 48
	[ "$status" -eq 2 ]
	[[ "$output" == *"power of two"* ]]
	run "$MODWATCH" --module
	[ "$status" -eq 2 ]
	[[ "$output" == *"needs a value"* ]]
}

@test "an unknown command, or -- with nothing after it, exits 2" {
	run "$MODWATCH" frobnicate
	[ "$status" -eq 2 ]
	[[ "$output" == *"unknown command 'frobnicate'"* ]]
	run "$MODWATCH" --
	[ "$status" -eq 2 ]
	[[ "$output" == *"no command after --"* ]]
}

@test "an unknown module is a clear error" {
	run "$MODWATCH" -m no_such_module_xyz
	[ "$status" -eq 4 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == "modwatch: module no_such_module_xyz is not loaded"* ]]
}

@test "not root: one line that says so and how to fix it" {
	run setpriv --reuid=65534 --regid=65534 --clear-groups "$MODWATCH" -- true
	[ "$status" -eq 4 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == "modwatch: missing capability CAP_BPF (BPF programs and maps): run as root (sudo modwatch)"* ]]
}

@test "doctor reports what this kernel has and lacks" {
	run "$MODWATCH" doctor
	[ "$status" -eq 0 ]
	[[ "$output" == *"BTF"*"yes"* ]]
	[[ "$output" == *"double_free"* ]]
	# what uninit_leak can see here: init_on_alloc and slab poison
	[[ "$output" == *"init_on_alloc                      "* ]]
	[[ "$output" == *"slab poison (kmalloc-64)           "* ]]
	if [ -e /sys/bus/event_source/devices/kprobe/type ]; then
		[[ "$output" == *"kprobes (CONFIG_KPROBES)           yes"* ]]
	else
		[[ "$output" == *"kprobes (CONFIG_KPROBES)           NO"* ]]
		[[ "$output" == *"kprobes are missing"* ]]
	fi
	if [ -e /proc/modules ]; then
		[[ "$output" == *"double_free            ready"* ]]
	else
		[[ "$output" == *"loadable modules are missing"* ]]
		[[ "$output" == *"double_free            cannot run: needs loadable-modules"* ]]
	fi
	# --deep's reach: each loaded module's loads and stores, or that there is none
	[[ "$output" == *"deep (--deep: each loaded module's own loads and stores, from its .ko)"* ]]
	if [ ! -s /proc/modules ]; then
		[[ "$output" == *$'\n  no loaded module'* ]]
	fi
}

# Outside the watched modules only the kmem tracepoints and the module
# events run: nothing on system calls, no kprobe (issue 27).
@test "doctor says what runs kernel-wide: the kmem hooks, and nothing on system calls" {
	run "$MODWATCH" doctor
	[ "$status" -eq 0 ]
	wide=$(sed -n 's/^  kernel-wide, at every event of their kind: //p' <<<"$output")
	[[ "$wide" == *"mw_kmalloc"*"mw_kfree"* ]] || { echo "$output"; false; }
	for p in $(tr -d , <<<"$wide"); do
		[[ "$p" =~ ^mw_(kmalloc|kmalloc_node|kmem_cache_alloc|kmem_cache_alloc_node|kfree|kmem_cache_free|module_free|module_load)$ ]] ||
			{ echo "$p runs kernel-wide"; false; }
	done
	[[ "$output" == *"  only in watched modules' code: "* ]]
}

# The callee table as the running kernel names it, checked against its kallsyms:
# a later name is there and the table's is not; an absent one is not there at all.
@test "doctor names each callee as this kernel does, from its symbols" {
	run "$MODWATCH" doctor
	[ "$status" -eq 0 ]
	awk '{ print $3 }' /proc/kallsyms | sort -u >"$BATS_TEST_TMPDIR/syms"
	has() { grep -qxF "$1" "$BATS_TEST_TMPDIR/syms"; }
	renamed=0
	while read -r old _ new; do
		has "$new" || { echo "doctor: $old here $new, not in kallsyms"; false; }
		! has "$old" || { echo "doctor: $old renamed, yet kallsyms has it"; false; }
		renamed=$((renamed + 1))
	done < <(sed -n 's/^    \([a-z_0-9]*\) *here \([a-z_0-9]*\)$/\1 here \2/p' <<<"$output")
	summary=$(grep -E '^  [0-9]+ functions: ' <<<"$output")
	read -r total named later absent < <(sed -E \
		's/^  ([0-9]+) functions: ([0-9]+) as named, ([0-9]+) under .*, ([0-9]+) absent$/\1 \2 \3 \4/' \
		<<<"$summary")
	[ "$later" = "$renamed" ]
	[ $((named + later + absent)) = "$total" ]
	[ "$total" = "$(grep -cE '^[[:space:]]X\([A-Z0-9_]+,[[:space:]]*[a-z_0-9]+,' \
		"$BATS_TEST_DIRNAME/../include/sites.h")" ]
	if [ "$absent" -gt 0 ]; then
		for f in $(sed -n 's/^  absent here ([^)]*): //p' <<<"$output" | tr -d ,); do
			! has "$f" || { echo "doctor: $f absent, yet kallsyms has it"; false; }
		done
	fi
}

@test "--probe-mode: a bad mode is a usage error; global says what it cannot do here" {
	run "$MODWATCH" --probe-mode nowhere
	[ "$status" -eq 2 ]
	[[ "$output" == *"invalid --probe-mode 'nowhere': expected sites or global"* ]]
	run "$MODWATCH" --probe-mode global -- true
	[ "$status" -eq 0 ]
	if [ ! -e /sys/bus/event_source/devices/kprobe/type ]; then
		[[ "$output" == *"--probe-mode global needs kprobes, which this kernel lacks"* ]]
	fi
	run "$MODWATCH" doctor
	[[ "$output" == *"probe modes"* ]]
	if [ ! -e /sys/bus/event_source/devices/kprobe/type ]; then
		[[ "$output" == *"sites, global          cannot run: needs kprobes"* ]]
	fi
}

@test "a JSON run attaches the kmem tracepoints and stops cleanly on SIGTERM" {
	out=$BATS_TEST_TMPDIR/run.json
	"$MODWATCH" --json >"$out" 2>"$BATS_TEST_TMPDIR/err" &
	pid=$!
	wait_for_line '"type":"start"' "$out" "$pid"
	run bpftool link list
	kill -TERM "$pid"
	wait "$pid"
	for tp in kmalloc kmem_cache_alloc kfree kmem_cache_free; do
		[[ "$output" == *"tp '$tp'"* ]]
	done
	run cat "$out"
	[ -z "$(non_json_lines)" ]
	[ "$(head -1 "$out" | jq -r .type)" = start ]
	[ "$(head -1 "$out" | jq '.maps | map(.name) | index("mw_quarantine") != null')" = true ]
	[ "$(head -1 "$out" | jq '.memory_bytes > 0')" = true ]
	[ "$(tail -1 "$out" | jq -r .type)" = summary ]
	[ "$(tail -1 "$out" | jq '.lost')" = 0 ]
	[ "$(tail -1 "$out" | jq '.counters | has("objects_full")')" = true ]
	check_json "$out"
}

@test "SIGINT stops a plain-text run with a summary" {
	out=$BATS_TEST_TMPDIR/run.txt
	"$MODWATCH" >"$out" 2>&1 &
	pid=$!
	wait_for_line "BPF map memory" "$out" "$pid"
	kill -INT "$pid"
	wait "$pid"
	grep -q "modwatch: summary after" "$out"
}

@test "CI mode: a clean command exits 0, with the summary last" {
	run "$MODWATCH" --json -- sh -c 'echo from-cmd'
	[ "$status" -eq 0 ]
	[[ "$output" == *"from-cmd"* ]]
	[ "$(printf '%s\n' "$output" | tail -1 | jq -r .type)" = summary ]
	check_json_output
}

# Where the knob can be written (the test VM: e2e.bats), modwatch sets it
# while it runs; where it cannot (this build machine's sandbox), one warning.
@test "the crash log: a kernel knob modwatch may not set is one warning, not a failure" {
	knob=/proc/sys/kernel/ftrace_dump_on_oops
	if (echo 0 >$knob) 2>/dev/null; then
		run "$MODWATCH" --json -o /dev/null -- cat $knob
		[ "$status" -eq 0 ]
		[ "${lines[-1]}" = 2 ]
		[ "$(cat $knob)" = 0 ]
		return
	fi
	run "$MODWATCH" --json -o /dev/null -- true
	[ "$status" -eq 0 ]
	[ "$(grep -c 'reports will not survive a kernel crash: cannot set kernel.ftrace_dump_on_oops' <<<"$output")" = 1 ]
	run "$MODWATCH" --json -o /dev/null --no-crash-log -- true
	[ "$status" -eq 0 ]
	[[ "$output" != *"kernel crash"* ]]
}

@test "CI mode: --output keeps the reports apart from the command's output" {
	out=$BATS_TEST_TMPDIR/reports.json
	run "$MODWATCH" --json -o "$out" -- sh -c 'echo from-cmd'
	[ "$status" -eq 0 ]
	[[ "$output" == *"from-cmd"* ]]
	[[ "$output" != *'"type":'* ]]
	[ "$(jq -r .type "$out" | tr '\n' ' ')" = "start summary " ]
	check_json "$out"
	run "$MODWATCH" -o /nonexistent/dir/x.json -- true
	[ "$status" -eq 4 ]
	[[ "$output" == "modwatch: cannot write /nonexistent/dir/x.json: No such file or directory" ]]
}

# A start that fails after the outputs are opened (no such module): the
# report file the last session wrote is still there, and no CI file is made.
@test "a failed start keeps an existing --output file byte for byte and writes no CI file" {
	out=$BATS_TEST_TMPDIR/reports.json junit=$BATS_TEST_TMPDIR/r.xml sarif=$BATS_TEST_TMPDIR/r.sarif
	printf 'last night\x27s reports\n\0binary\n' >"$out"
	cp "$out" "$BATS_TEST_TMPDIR/before"
	run "$MODWATCH" --json -o "$out" --junit "$junit" --sarif "$sarif" -m no_such_module_xyz -- true
	[ "$status" -eq 4 ]
	cmp "$out" "$BATS_TEST_TMPDIR/before"
	[ ! -e "$junit" ]
	[ ! -e "$sarif" ]
	run "$MODWATCH" --json -o "$BATS_TEST_TMPDIR/new.json" -m no_such_module_xyz -- true
	[ "$status" -eq 4 ]
	[ ! -e "$BATS_TEST_TMPDIR/new.json" ]
	# a session that starts replaces it, and writes both CI files 0600
	run "$MODWATCH" --json -o "$out" --junit "$junit" --sarif "$sarif" -- true
	[ "$status" -eq 0 ]
	[ "$(jq -r .type "$out" | tr '\n' ' ')" = "start summary " ]
	[ "$(stat -c %a "$junit") $(stat -c %a "$sarif")" = "600 600" ]
	check_json "$out"
}

# No /run (a CI container): the lock goes to $TMPDIR/modwatch-UID, one note
# says so; a symlink there is refused, and only CI mode goes on without a lock.
@test "no /run: the instance lock falls back to TMPDIR, never to a symlink, never fatal in CI mode" {
	export MODWATCH_RUNTIME_DIR=/nonexistent/modwatch TMPDIR=$BATS_TEST_TMPDIR
	dir=$TMPDIR/modwatch-$(id -u)
	run "$MODWATCH" --json -o /dev/null -- true
	[ "$status" -eq 0 ]
	[ "$(grep -c 'modwatch: note: ' <<<"$output")" = 1 ]
	[[ "$output" == *"note: cannot use /nonexistent/modwatch for the instance lock (No such file or directory): it is in $dir"* ]]
	[ "$(stat -c %a "$dir")" = 700 ]
	[ -f "$dir/modwatch.pid" ]
	rm -r "$dir"
	ln -s "$BATS_TEST_TMPDIR/elsewhere" "$dir"
	mkdir "$BATS_TEST_TMPDIR/elsewhere"
	run "$MODWATCH" --json -o /dev/null -- true
	[ "$status" -eq 0 ]
	[[ "$output" == *"warning: $dir is not a folder (a symlink?): not using it for the instance lock"* ]]
	[[ "$output" == *"CI mode goes on without one"* ]]
	[ ! -e "$BATS_TEST_TMPDIR/elsewhere/modwatch.pid" ]
	run timeout 10 "$MODWATCH" --json -o /dev/null
	[ "$status" -eq 4 ]
	[[ "$output" == *"modwatch: cannot make /nonexistent/modwatch for the instance lock: No such file or directory (nor $dir: Not a directory)"* ]]
}

@test "CI mode: --junit and --sarif files of a run validate; unwritable ones fail first" {
	junit=$BATS_TEST_TMPDIR/r.xml sarif=$BATS_TEST_TMPDIR/r.sarif
	run "$MODWATCH" --json -o /dev/null --junit "$junit" --sarif "$sarif" -- true
	[ "$status" -eq 0 ]
	"$BATS_TEST_DIRNAME/../tools/validate-ci" "$SCHEMAS" junit "$junit"
	"$BATS_TEST_DIRNAME/../tools/validate-ci" "$SCHEMAS" sarif "$sarif"
	[ "$(jq -r '.runs[0].tool.driver.rules | length' "$sarif")" = 20 ]
	[ "$(jq -r '.runs[0].results | length' "$sarif")" = 0 ]
	# the default source root is the current folder
	[ "$(jq -r '.runs[0].originalUriBaseIds.SRCROOT.uri' "$sarif")" = "file://$(pwd -P)/" ]
	run "$MODWATCH" --junit /nonexistent/dir/r.xml -- true
	[ "$status" -eq 4 ]
	[[ "$output" == "modwatch: cannot write the JUnit file /nonexistent/dir/r.xml: No such file or directory" ]]
	run "$MODWATCH" --sarif "$sarif" --source-root /nonexistent -- true
	[ "$status" -eq 2 ]
	[[ "$output" == *"--source-root: no such folder '/nonexistent'"* ]]
	run "$MODWATCH" --debug-dir /nonexistent -- true
	[ "$status" -eq 2 ]
	[[ "$output" == "modwatch: --debug-dir /nonexistent: No such file or directory (see modwatch --help)" ]]
}

# The KASAN layout, golden: saved JSON lines (a module's double free, a
# possible use after free through inlined calls, an overflow, an ABBA
# inversion, a use after free with its kernel stacks as a live session in
# the test VM saved it, and lines of other types) rendered as
# tests/golden/report.txt.
@test "report: saved JSON lines as KASAN-shaped reports, byte for byte" {
	golden=$BATS_TEST_DIRNAME/golden
	run "$MODWATCH" report "$golden/report.json"
	[ "$status" -eq 0 ]
	diff -u "$golden/report.txt" <(printf '%s\n' "$output")
	# the same from standard input, into -o's file, and as a user who is not root
	"$MODWATCH" report -o "$BATS_TEST_TMPDIR/r.txt" "$golden/report.json"
	diff -u "$golden/report.txt" "$BATS_TEST_TMPDIR/r.txt"
	[ "$("$MODWATCH" report - <"$golden/report.json" | md5sum)" = "$(md5sum <"$golden/report.txt")" ]
	if command -v setpriv >/dev/null; then
		[ "$(setpriv --reuid=65534 --regid=65534 --clear-groups "$MODWATCH" report - \
			<"$golden/report.json" | md5sum)" = "$(md5sum <"$golden/report.txt")" ]
	fi
}

# --format: kasan (the default, golden above), line (the live session's one
# line per report) and json (the checked lines again, through the daemon's
# JSON writer: the golden file comes back byte for byte); options may follow
# the file too. The golden lines, and so what comes back, match the schema.
@test "report: --format line, kasan and json, before or after the file" {
	golden=$BATS_TEST_DIRNAME/golden
	run "$MODWATCH" report "$golden/report.json" --format json
	[ "$status" -eq 0 ]
	diff -u "$golden/report.json" <(printf '%s\n' "$output")
	printf '%s\n' "$output" >"$BATS_TEST_TMPDIR/again.json"
	"$MODWATCH" report --format json "$golden/report-types.json" >"$BATS_TEST_TMPDIR/types.json"
	check_json "$golden/report.json" "$golden/report-types.json" "$BATS_TEST_TMPDIR/again.json" \
		"$BATS_TEST_TMPDIR/types.json"
	run "$MODWATCH" report "$golden/report.json" --format kasan
	[ "$status" -eq 0 ]
	diff -u "$golden/report.txt" <(printf '%s\n' "$output")
	run "$MODWATCH" report --format line "$golden/report.json"
	[ "$status" -eq 0 ]
	[ "${lines[2]}" = "[425.466501] mydrv double_free: at mydrv_release+0x38 [mydrv] (drivers/misc/mydrv.c:472) (pid 577 tid 577 comm trigger cpu 1)" ]
	[ "${lines[3]}" = "[0.000000] mydrv warning: possible use_after_free: at mydrv_read+0x63 [mydrv] (drivers/misc/mydrv.c:327) (pid 610 tid 612 comm reader cpu 0) [evidence may be incomplete]" ]
	[ "$(grep -c '^\[' <<<"$output")" = 5 ]
	run "$MODWATCH" report "$golden/report.json" extra.json
	[ "$status" -eq 2 ]
	[[ "$output" == *"report takes one file of JSON lines (or -), got 'extra.json' too"* ]]
}

# Every type of line the daemon writes renders, in the live session's words:
# tests/golden/report-types.txt, the same in the kasan form (no violation in it).
@test "report: start, module, lost, repeat, live and summary lines render" {
	golden=$BATS_TEST_DIRNAME/golden
	run "$MODWATCH" report --format line "$golden/report-types.json"
	[ "$status" -eq 0 ]
	diff -u "$golden/report-types.txt" <(printf '%s\n' "$output")
	run "$MODWATCH" report "$golden/report-types.json"
	[ "$status" -eq 0 ]
	diff -u "$golden/report-types.txt" <(printf '%s\n' "$output")
}

# What is not one of modwatch's JSON objects a line is the line's error,
# FILE:LINE: why, exit 2; nothing of it is printed.
@test "report: lines that are not one JSON object, out-of-range numbers, wrapping ranges: FILE:LINE, exit 2" {
	f=$BATS_TEST_TMPDIR/bad.json
	site='"site":{"addr":"0x1","module":"m","function":"f","offset":1,"source":[{"function":"f","file":"m.c","line":4294967297}]}'
	while IFS='|' read -r line why; do
		printf '{"type":"lost","new":1,"total":1}\n%s\n' "$line" >"$f"
		run "$MODWATCH" report --format line "$f"
		[ "$status" -eq 2 ]
		[ "${#lines[@]}" = 2 ]
		[ "${lines[1]}" = "modwatch: $f:2: $why" ]
	done <<-EOF
	[1,2]|a JSON array, not an object (modwatch report reads what --json wrote)
	"str"|a JSON string, not an object (modwatch report reads what --json wrote)
	42|a JSON number, not an object (modwatch report reads what --json wrote)
	{"type":"lost","new":1,"total":1} {}|text after the JSON object, at column 35
	{"type":"violation","kind":"double_free",$site}|"line": 4294967297 is out of range (at most 2147483647)
	{"type":"violation","kind":"double_free","tid":4294967296}|"tid": 4294967296 is out of range (at most 4294967295)
	{"type":"violation","kind":"double_free","object":{"addr":"0xffffffffffffff00","size":512}}|"size": the range from "addr" wraps past the end of the address space
	{"type":"violation","kind":"double_free","access":{"addr":"0xfffffffffffffff0","len":17}}|"len": the range from "addr" wraps past the end of the address space
	{"type":"violation","kind":"double_free","object":{"addr":"0x12zz","size":1}}|"addr": not an address (0x and up to 16 hex digits)
	{"type":"lost","new":-1,"total":1}|"new": a negative number
	{"type":"lost","new":1.5,"total":1}|"new": not a whole number
	{"type":"violation","kind":"no_such_kind"}|a violation of no kind modwatch knows
	{"kind":"double_free"}|no "type" of modwatch's JSON lines (start, violation, ...)
	EOF
	run "$MODWATCH" report "$BATS_TEST_TMPDIR"
	[ "$status" -eq 2 ]
	[ "$output" = "modwatch: $BATS_TEST_TMPDIR: a directory, not a file of JSON lines" ]
}

# report -o OUT: OUT is replaced only by a whole, good rendering.
@test "report -o: a bad line or a missing FILE keeps OUT as it was; a good FILE replaces it" {
	golden=$BATS_TEST_DIRNAME/golden/report.json
	out=$BATS_TEST_TMPDIR/out.txt
	echo "what OUT held" >"$out"
	chmod 0640 "$out"
	printf '{"type":"lost","new":1,"total":1}\n[1,2]\n' >"$BATS_TEST_TMPDIR/bad.json"
	run "$MODWATCH" report -o "$out" "$BATS_TEST_TMPDIR/bad.json"
	[ "$status" -eq 2 ]
	[ "$(cat "$out")" = "what OUT held" ]
	run "$MODWATCH" report -o "$out" "$BATS_TEST_TMPDIR/missing.json"
	[ "$status" -ne 0 ]
	[ "$(cat "$out")" = "what OUT held" ]
	run "$MODWATCH" report -o "$out" "$golden"
	[ "$status" -eq 0 ]
	grep -q "^BUG: modwatch: " "$out"
	[ "$(stat -c %a "$out")" = 640 ]	# replaced, as written in place: its mode kept
	[ "$(ls "$BATS_TEST_TMPDIR" | grep -c tmp)" = 0 ]
}

# --color: the headline in bold red only when asked, or on a terminal
# without NO_COLOR; a pipe (auto) stays plain.
@test "--color: always colours the KASAN headline, never and auto on a pipe do not, a bad WHEN is a usage error" {
	golden=$BATS_TEST_DIRNAME/golden/report.json
	esc=$(printf '\033[1;31m')
	run "$MODWATCH" report --color=always "$golden"
	[ "$status" -eq 0 ]
	grep -qF "${esc}BUG: modwatch: " <<<"$output"
	run "$MODWATCH" report "$golden" --color
	[ "$status" -eq 0 ]
	grep -qF "${esc}BUG: modwatch: " <<<"$output"
	for when in never auto; do
		run "$MODWATCH" report --color=$when "$golden"
		[ "$status" -eq 0 ]
		grep -q "^BUG: modwatch: " <<<"$output"
		! grep -qF "$esc" <<<"$output"
	done
	run "$MODWATCH" report --color=sometimes "$golden"
	[ "$status" -eq 2 ]
	[ "$output" = "modwatch: invalid --color 'sometimes': expected auto, always or never (see modwatch --help)" ]
}

# A task can name itself anything (prctl(PR_SET_NAME)); a saved line can hold
# any string. What a person reads shows control bytes escaped (\xNN, \n, \t,
# \\), so no line can retitle the terminal or pass for a report of its own;
# the JSON form keeps JSON's escaping.
@test "report: control bytes of saved strings are shown escaped, in every form" {
	f=$BATS_TEST_TMPDIR/hostile.json
	printf '%s\n' '{"type":"violation","kind":"double_free","severity":"violation","module":"m\u001b[2J","time_ns":1,"pid":5,"tid":5,"cpu":0,"comm":"a\u001b]0;pwn\u0007b\nBUG: fake","incomplete":false,"site":{"addr":"0x10","module":"m\u001b[2J","function":"f\\g","offset":1,"source":[{"function":"f","file":"x\tc","line":3}]},"object":{"addr":"0x100","size":8,"alloc_size":8,"cache":"0x0","cache_name":"c\u007f"}}' >"$f"
	run "$MODWATCH" report "$f"
	[ "$status" -eq 0 ]
	[ "${lines[1]}" = 'BUG: modwatch: double-free in f\\g+0x1 [m\x1b[2J]' ]
	[ "${lines[2]}" = 'Free of addr 100 by task a\x1b]0;pwn\x07b\nBUG: fake/5' ]
	[ "${lines[4]}" = ' f\\g+0x1 [m\x1b[2J] x\tc:3' ]
	[ "${lines[6]}" = ' which belongs to the cache c\x7f of size 8' ]
	run "$MODWATCH" report --format line "$f"
	[ "$status" -eq 0 ]
	[ "$output" = '[0.000000] m\x1b[2J double_free: at f\\g+0x1 [m\x1b[2J] (x\tc:3) (pid 5 tid 5 comm a\x1b]0;pwn\x07b\nBUG: fake cpu 0)' ]
	for form in kasan line; do
		! "$MODWATCH" report --format $form "$f" | LC_ALL=C grep -q $'[\x01-\x09\x0b-\x1f\x7f]'
	done
	run "$MODWATCH" report --format json "$f"
	[ "$status" -eq 0 ]
	[[ "$output" == *'"comm":"a\u001b]0;pwn\u0007b\u000aBUG: fake"'* ]]
	[[ "$output" == *'"cache_name":"c\u007f"'* ]]
}

@test "report: --ko with a .ko it cannot read is a warning, the JSON's lines kept" {
	golden=$BATS_TEST_DIRNAME/golden
	"$MODWATCH" report --ko mydrv=/nonexistent.ko "$golden/report.json" \
		>"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err"
	[ "$(cat "$BATS_TEST_TMPDIR/err")" = "modwatch: warning: --ko mydrv=/nonexistent.ko: No such file or directory: mydrv's sites keep the lines the JSON carries" ]
	diff -u "$golden/report.txt" "$BATS_TEST_TMPDIR/out"
}

@test "report: a missing file, a line that is not JSON, no file: one-line errors" {
	run "$MODWATCH" report /nonexistent.json
	[ "$status" -eq 4 ]
	[ "$output" = "modwatch: cannot read /nonexistent.json: No such file or directory" ]
	printf '{"type":"lost","new":1,"total":1}\nmodwatch: a text line\n' >"$BATS_TEST_TMPDIR/t.json"
	run "$MODWATCH" report "$BATS_TEST_TMPDIR/t.json"
	[ "$status" -eq 2 ]
	[ "${lines[0]}" = "modwatch: LOST 1 violation report (ring buffer full; 1 in all): raise --ringbuf-kb" ]
	[ "${lines[1]}" = "modwatch: $BATS_TEST_TMPDIR/t.json:2: not a JSON object (modwatch report reads what --json wrote)" ]
	run "$MODWATCH" report
	[ "$status" -eq 2 ]
	[[ "$output" == *"report takes one file of JSON lines"* ]]
	run "$MODWATCH" --format xml -- true
	[ "$status" -eq 2 ]
	[[ "$output" == *"invalid --format 'xml': expected line, kasan or json"* ]]
}

@test "--stacks, --stack-depth, --stack-entries: bad values are one-line usage errors" {
	run "$MODWATCH" --stacks report,locks -- true
	[ "$status" -eq 2 ]
	[ "$output" = "modwatch: invalid --stacks 'locks': expected report, heap, lock (comma-separated), all or none (see modwatch --help)" ]
	run "$MODWATCH" --stack-depth 65 -- true
	[ "$status" -eq 2 ]
	[[ "$output" == *"invalid --stack-depth value '65': expected a whole number from 0 to 64"* ]]
	run "$MODWATCH" --stack-entries 0 -- true
	[ "$status" -eq 2 ]
	[[ "$output" == *"invalid --stack-entries value '0'"* ]]
}

@test "CI mode: a failing command exits 3 and says why" {
	run "$MODWATCH" -- sh -c 'exit 5'
	[ "$status" -eq 3 ]
	[[ "$output" == *"sh exited with status 5"* ]]
	run "$MODWATCH" -- sh -c 'kill -9 $$'
	[ "$status" -eq 3 ]
	[[ "$output" == *"killed by signal 9"* ]]
}

@test "CI mode: a command that cannot start is modwatch's error" {
	run "$MODWATCH" -- /nonexistent/cmd
	[ "$status" -eq 4 ]
	[[ "$output" == *"cannot run /nonexistent/cmd: No such file or directory"* ]]
}

@test "CI mode: SIGTERM to modwatch ends the command too" {
	"$MODWATCH" -- sleep 300 >/dev/null 2>&1 &
	pid=$!
	sleep 1
	kill -TERM "$pid"
	# wait itself, not in run's subshell (which cannot wait for this shell's child)
	wait "$pid" || true
	! pgrep -f "^sleep 300$"
}

@test "storm: bad counts are usage errors" {
	run "$MODWATCH" storm lots
	[ "$status" -eq 2 ]
	[[ "$output" == *"invalid storm count value 'lots'"* ]]
	run "$MODWATCH" storm 10 0
	[ "$status" -eq 2 ]
	[[ "$output" == *"invalid storm rate value '0'"* ]]
	run "$MODWATCH" storm 10 10 10
	[ "$status" -eq 2 ]
	[[ "$output" == *"storm takes a count and a rate"* ]]
}

@test "storm: every report made is written once, none lost, each one's latency taken" {
	out=$BATS_TEST_TMPDIR/storm.json
	run "$MODWATCH" --json -o "$out" storm 50000
	[ "$status" -eq 0 ]
	sum=$(tail -1 "$out")
	[ "$(jq -r .type <<<"$sum")" = summary ]
	[ "$(jq .storm.reports <<<"$sum")" = 50000 ]
	[ "$(jq .violations <<<"$sum")" = 50000 ]
	[ "$(jq .lost <<<"$sum")" = 0 ]
	[ "$(jq .report_latency_ns.reports <<<"$sum")" = 50000 ]
	[ "$(jq '.report_latency_ns | .p50 <= .p99 and .p99 <= .max' <<<"$sum")" = true ]
	# 50000 lines, all distinct reports (the generator numbers them), with real symbols
	[ "$(grep -c '"type":"violation"' "$out")" = 50000 ]
	[ "$(grep '"type":"violation"' "$out" | jq -c '[.site.addr, .copy.len]' | sort -u |
		wc -l)" -ge 4096 ]
	[ "$(grep -m1 '"type":"violation"' "$out" | jq -r .site.function)" = vfs_read ]
	check_json "$out"
}

@test "storm: paced, the text summary says how late reports were written" {
	run "$MODWATCH" storm 2000 20000
	[ "$status" -eq 0 ]
	[[ "$output" == *"reports written "*" ms (p50), "*" ms (p99)"* ]]
	[[ "$output" == *"storm: 2000 reports made in "*"(paced)"* ]]
	[[ "$output" == *"2000 violations, 0 warnings, 0 repeats, 0 lost"* ]]
}

@test "--kind, --pid, --comm: bad values name the problem and the choices" {
	run "$MODWATCH" --kind double_free,bogus_kind -- true
	[ "$status" -eq 2 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == *"unknown --kind 'bogus_kind': expected one of user_slice_overrun,"* ]]
	[[ "$output" == *"unprotected_shared_access (see modwatch --help)" ]]
	run "$MODWATCH" --pid 0 -- true
	[ "$status" -eq 2 ]
	[[ "$output" == *"invalid --pid value '0'"* ]]
	run "$MODWATCH" --comm averyveryverylongname -- true
	[ "$status" -eq 2 ]
	[[ "$output" == *"1 to 15 characters"* ]]
	run "$MODWATCH" --kind , -- true
	[ "$status" -eq 2 ]
	[[ "$output" == *"--kind needs a kind name"* ]]
}

@test "--kind: a filtered session runs and says nothing of the other kinds" {
	run "$MODWATCH" --json --kind double_free,use_after_free --comm true -- true
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$output" | tail -1 | jq -r .type)" = summary ]
	check_json_output
}

# A status file as a session writes it (session/status.c), for pid $1, in $RUNTIME_DIRECTORY.
write_status() { # pid
	cat >"$RUNTIME_DIRECTORY/status.json" <<-JSON
	{"pid":$1,"version":"0.1.0","start_time":$(($(date +%s) - 3723)),"updated":$(date +%s),
	 "kernel":"6.1.0-test","modules":[{"name":"mw_buggy","probes":120,"reports":3},
	 {"name":"loop","probes":40,"reports":0}],"reports":{"violations":2,"warnings":1,
	 "repeats":5,"by_kind":{"double_free":2,"ioctl_size_mismatch":1}},"lost":7,
	 "output_dropped":0,"disabled_rules":[{"rule":"lock_order_inversion",
	 "why":"refused by this kernel's verifier"}],"outputs":{"reports":"/var/log/mw.json",
	 "junit":null,"sarif":null,"journal":true,"metrics":"9464"}}
	JSON
}

# Holds the instance lock in $RUNTIME_DIRECTORY as a session does (flock), as $holder,
# until killed; returns once /proc/locks shows it.
hold_lock() {
	python3 -c 'import fcntl, sys, time
f = open(sys.argv[1], "w")
fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
time.sleep(60)' "$RUNTIME_DIRECTORY/modwatch.pid" 3>&- &
	holder=$!
	local ino _
	for _ in $(seq 50); do
		ino=$(stat -c %i "$RUNTIME_DIRECTORY/modwatch.pid" 2>/dev/null) &&
			grep -q "FLOCK .* $holder [0-9a-f:]*:$ino " /proc/locks && return 0
		sleep 0.1
	done
	return 1
}

@test "status: none running is one line, exit 3; --json says running false" {
	export RUNTIME_DIRECTORY=$BATS_TEST_TMPDIR
	run "$MODWATCH" status
	[ "$status" -eq 3 ]
	[ "$output" = "modwatch: not running" ]
	run "$MODWATCH" status --json
	[ "$status" -eq 3 ]
	[ "$(jq -c . <<<"$output")" = '{"running":false}' ]
	run "$MODWATCH" status --bogus
	[ "$status" -eq 2 ]
}

@test "status: a status file no instance lock stands behind is stale, exit 3" {
	export RUNTIME_DIRECTORY=$BATS_TEST_TMPDIR
	true & dead=$!
	wait "$dead"
	write_status "$dead"
	run "$MODWATCH" status
	[ "$status" -eq 3 ]
	[ "$output" = "modwatch: not running: $RUNTIME_DIRECTORY/status.json is stale (pid $dead is gone)" ]
	run "$MODWATCH" status --json
	[ "$status" -eq 3 ]
	jq -e --argjson pid "$dead" --arg f "$RUNTIME_DIRECTORY/status.json" \
		'.running == false and .stale.pid == $pid and .stale.file == $f' <<<"$output"
	# its pid alive (reused), but the lock file there and not held: stale still
	: >"$RUNTIME_DIRECTORY/modwatch.pid"
	write_status $$
	run "$MODWATCH" status
	[ "$status" -eq 3 ]
	[[ "$output" == *"is stale (pid $$ holds no instance lock)" ]]
}

@test "status: a running instance's status file, plain and as JSON" {
	export RUNTIME_DIRECTORY=$BATS_TEST_TMPDIR
	# the instance lock held, as a session holds it, by the pid the file names
	hold_lock
	# the lock holder, before its status file names it: starting
	run "$MODWATCH" status
	[ "$status" -eq 0 ]
	[ "$output" = "modwatch: running (pid $holder), starting: no status written yet" ]
	write_status "$holder"
	run "$MODWATCH" status
	kill "$holder"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "modwatch: running (pid $holder), version 0.1.0" ]
	[[ "${lines[1]}" == "started:  "*" UTC, up 0d 01:02:0"[34] ]]
	[ "${lines[2]}" = "kernel:   6.1.0-test" ]
	[ "${lines[3]}" = "modules:  2 watched: mw_buggy (120 probes, 3 reports), loop (40 probes, 0 reports)" ]
	[ "${lines[4]}" = "reports:  2 violations, 1 warnings, 5 repeats" ]
	[ "${lines[5]}" = "by kind:  double_free 2, ioctl_size_mismatch 1" ]
	[ "${lines[6]}" = "lost:     7 (ring buffer full), 0 report lines the output refused" ]
	[ "${lines[7]}" = "disabled: lock_order_inversion (refused by this kernel's verifier)" ]
	[ "${lines[8]}" = "outputs:  reports to /var/log/mw.json, journald, metrics on 9464" ]
	[[ "${lines[9]}" == "updated:  "[01]" s ago ($RUNTIME_DIRECTORY/status.json)" ]]
	wait "$holder" || true
	hold_lock
	write_status "$holder"
	run "$MODWATCH" status --json
	kill "$holder"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 1 ]
	jq -e --argjson pid "$holder" '.running and .pid == $pid and .kernel == "6.1.0-test" and
		(.uptime | . >= 3723 and . < 3730) and .reports.by_kind.double_free == 2 and
		.lost == 7 and .modules[0].name == "mw_buggy" and .outputs.journal' <<<"$output"
}

@test "-q: a session's warnings go unsaid, its errors and reports not; -v undoes it" {
	export RUNTIME_DIRECTORY=$BATS_TEST_TMPDIR
	out=$BATS_TEST_TMPDIR/out
	# --probe-mode global always warns what it cannot do
	"$MODWATCH" --probe-mode global -o "$out" -- true 2>"$BATS_TEST_TMPDIR/err"
	grep -q '^modwatch: warning: --probe-mode global' "$BATS_TEST_TMPDIR/err"
	"$MODWATCH" -q --probe-mode global -o "$out" -- true 2>"$BATS_TEST_TMPDIR/err"
	[ ! -s "$BATS_TEST_TMPDIR/err" ] || { cat "$BATS_TEST_TMPDIR/err"; false; }
	grep -q '^modwatch: summary after' "$out"
	"$MODWATCH" -q -v --probe-mode global -o "$out" -- true 2>"$BATS_TEST_TMPDIR/err"
	grep -q '^modwatch: warning: --probe-mode global' "$BATS_TEST_TMPDIR/err"
	# an error is said whatever -q says
	run "$MODWATCH" -q -o "$BATS_TEST_TMPDIR/no/such/dir/out" -- true
	[ "$status" -eq 4 ]
	[[ "$output" == "modwatch: cannot write $BATS_TEST_TMPDIR/no/such/dir/out: "* ]]
	run "$MODWATCH" --quiet --kind bogus -- true
	[ "$status" -eq 2 ]
	[[ "$output" == "modwatch: unknown --kind 'bogus'"* ]]
}

@test "-v says each start phase and module step; -vv adds libbpf's debug log" {
	export RUNTIME_DIRECTORY=$BATS_TEST_TMPDIR
	err=$BATS_TEST_TMPDIR/err
	"$MODWATCH" -o "$BATS_TEST_TMPDIR/out" -- true 2>"$err"
	! grep -q '^modwatch: +[0-9.]* s: ' "$err"
	! grep -q '^libbpf: ' "$err"
	"$MODWATCH" -v -o "$BATS_TEST_TMPDIR/out" -- true 2>"$err"
	grep -q '^modwatch: +[0-9.]* s: starting$' "$err"
	grep -q '^modwatch: +[0-9.]* s: BPF loaded: ' "$err"
	grep -q '^modwatch: +[0-9.]* s: BPF unloaded$' "$err"
	v_libbpf=$(grep -c '^libbpf: ' "$err" || true)
	"$MODWATCH" --verbose -v -o "$BATS_TEST_TMPDIR/out" -- true 2>"$err"
	grep -q '^modwatch: +[0-9.]* s: starting$' "$err"
	vv_libbpf=$(grep -c '^libbpf: ' "$err")
	[ "$vv_libbpf" -gt "$v_libbpf" ]
	grep -q "^libbpf: loading object 'modwatch_bpf'" "$err"
}
