# SPDX-License-Identifier: GPL-2.0
# Sourced by the guest scripts (busybox sh).

# Wait (at most 120 s: loading the BPF programs alone takes seconds under
# emulation) until FILE has a line matching PATTERN.
wait_for() { # file pattern
	i=0
	while ! grep -q "$2" "$1" 2>/dev/null; do
		i=$((i + 1))
		[ $i -le 600 ] || return 1
		sleep 0.2
	done
}
