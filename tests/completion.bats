#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
#
# Bash completion, as `modwatch completion bash` generates it from the option,
# rule and command tables: every option --help lists completes, every value
# word offered is one the parser accepts, -m offers the loaded modules.
# MODWATCH names the binary (the Makefile sets it).

setup() {
	: "${MODWATCH:=$BATS_TEST_DIRNAME/../build/modwatch}"
	script=$BATS_TEST_TMPDIR/modwatch.bash
	"$MODWATCH" completion bash >"$script"
}

# What completing the last of WORDS offers, one per line, sorted. WORDS are
# COMP_WORDS as bash splits a command line (at = and : too): "--format=" is
# --format and =. compopt says nothing outside a real completion: muted.
comp() { # words...
	bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
		 _modwatch 2>/dev/null; printf "%s\n" "${COMPREPLY[@]}"' _ "$script" "$@" | sort
}

# The options --help documents: "  -m, --module NAME" and "      --deep" lines.
help_options() {
	"$MODWATCH" --help | sed -n 's/^  \(-[a-zA-Z]\), \(--[a-z-]*\).*/\1\n\2/p;
				       s/^      \(--[a-z-]*\).*/\1/p'
}

@test "completion: the script loads and registers modwatch; a shell it does not know is refused" {
	run bash -c "source '$script' && complete -p modwatch"
	[ "$status" -eq 0 ]
	[ "$output" = "complete -F _modwatch modwatch" ]
	run "$MODWATCH" completion zsh
	[ "$status" -eq 2 ]
	[ "$output" = "modwatch: completion takes one shell: bash (see modwatch --help)" ]
}

@test "completion: every option --help lists completes, and every command" {
	offered=$(comp modwatch -)
	n=0
	for opt in $(help_options); do
		grep -qx -- "$opt" <<<"$offered" || { echo "--help lists $opt: not completed" >&2; false; }
		n=$((n + 1))
	done
	[ "$n" -ge 40 ]		# the parse above found the options at all
	run comp modwatch ''
	for cmd in $("$MODWATCH" --help | sed -n 's/^  or:  modwatch \([a-z]*\).*/\1/p') run \
		doctor report status storm; do
		grep -qx "$cmd" <<<"$output" || { echo "command $cmd: not completed" >&2; false; }
	done
	[ "$(comp modwatch doctor --v)" = "--verifier" ]
	[ "$(comp modwatch -j status --)" = "--json" ]
}

# A word the parser refused would teach users an error: each is tried,
# before --help (which stops parsing after the options before it).
@test "completion: every value word offered is accepted by the option it completes" {
	for opt in --format --probe-mode --stacks --kind --severity; do
		words=$(comp modwatch "$opt" '')
		[ -n "$words" ]
		for w in $words; do
			[ "$opt" = --severity ] && w=$w=warning
			run "$MODWATCH" "$opt" "$w" --help
			[ "$status" -eq 0 ] || { echo "$opt $w: refused: $output" >&2; false; }
		done
	done
	for w in $(comp modwatch --color = ''); do
		run "$MODWATCH" "--color=$w" --help
		[ "$status" -eq 0 ]
	done
	[ "$(comp modwatch --color = '' | tr '\n' ' ')" = "always auto never " ]
	[ "$(comp modwatch --severity use_after_free = w)" = "warning" ]
	[ "$(comp modwatch --kind double_free,use_)" = "double_free,use_after_free" ]
	[ "$(comp modwatch --kind -double_fr)" = "-double_free" ]
	[[ "$(comp modwatch --suppress use_a)" == "use_after_free:" ]]
}

@test "completion: files after report, --output and --config; CI mode's command after --" {
	cd "$BATS_TEST_TMPDIR"
	touch saved.json
	[ "$(comp modwatch report sav)" = "saved.json" ]
	[ "$(comp modwatch --format json report sav)" = "saved.json" ]
	[ "$(comp modwatch -o sav)" = "saved.json" ]
	[ "$(comp modwatch --config = sav)" = "saved.json" ]
	[[ "$(comp modwatch -m x -- bat)" == *bats* ]]
	# After CMD, its arguments are CMD's: nothing of modwatch's
	[ -z "$(comp modwatch -- true --for)" ]
}

# This machine has no modules: a private mount namespace shows a
# /proc/modules of our own, as the guest's would read.
@test "completion: -m and --ko offer the loaded modules from /proc/modules" {
	proc=$BATS_TEST_TMPDIR/proc
	mkdir "$proc"
	printf 'loop 32768 0 - Live 0x0\nlz4 16384 1 zram, Live 0x0\ntun 61440 2 - Live 0x0\n' \
		>"$proc/modules"
	in_ns() {
		unshare -m bash -c 'mount --bind "$1" /proc && shift && source "$1" && shift &&
			COMP_WORDS=("$@") && COMP_CWORD=$(($# - 1)) && _modwatch 2>/dev/null;
			printf "%s\n" "${COMPREPLY[@]}"' _ "$proc" "$script" "$@" | sort
	}
	[ "$(in_ns modwatch -m l | tr '\n' ' ')" = "loop lz4 " ]
	[ "$(in_ns modwatch --module t)" = "tun" ]
	[ "$(in_ns modwatch --ko lo)" = "loop=" ]
}
