#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
#
# The Debian package (make deb) as an admin meets it: installed, upgraded
# over itself with an edited config, removed, purged and installed again,
# by dpkg in a throwaway root. That root is an overlay of / whose writes go
# to the test's folder, mounted in a private mount and network namespace
# and entered with chroot, so the host's files, dpkg database, systemd and
# ports are never touched. A stub systemctl (and /run/systemd/system,
# which the maintainer scripts look for) records what the scripts ask of
# systemd. MODWATCH names the binary (the Makefile sets it): make deb
# builds the package once for this file into its folder's deb/, unless DEB
# names a .deb already.

setup_file() {
	[ -z "${DEB:-}" ] || return 0
	local out
	out=$(cd "$(dirname "${MODWATCH:-$BATS_TEST_DIRNAME/../build/modwatch}")" && pwd)
	# the caller's MAKEFLAGS (make test-cli's) stay out, as in install.bats
	(cd "$BATS_TEST_DIRNAME/.." &&
		env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL OUT="$out" make deb >"$BATS_FILE_TMPDIR/make-deb.log" 2>&1) ||
		{ cat "$BATS_FILE_TMPDIR/make-deb.log"; return 1; }
	DEB=$(ls "$out"/deb/modwatch_*.deb)
	export DEB
}

setup() {
	ROOT=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
	T=$BATS_TEST_TMPDIR
	mkdir -p "$T/upper/mwtest/run" "$T/upper/mwtest/build/deb" "$T/work" "$T/root"
	cp "$DEB" "$T/upper/mwtest/modwatch.deb"
	# where the front page's "apt install ./build/deb/modwatch_*.deb" finds it
	cp "$DEB" "$T/upper/mwtest/build/deb/"
	# What the root's systemd would be asked, one call a line; a unit is
	# never enabled nor running for it. A policy-rc.d that allows
	# everything: the host's (a container's "exit 101") would hide the calls.
	mkdir -p "$T/upper/usr/local/sbin" "$T/upper/usr/sbin" "$T/upper/run/systemd/system"
	cat >"$T/upper/usr/local/sbin/systemctl" <<-'EOF'
	#!/bin/sh
	echo "$*" >>/mwtest/systemctl.log
	case "$*" in
	*is-enabled*) echo disabled; exit 1 ;;
	*is-active*) exit 3 ;;
	esac
	EOF
	printf '#!/bin/sh\nexit 0\n' >"$T/upper/usr/sbin/policy-rc.d"
	chmod 0755 "$T/upper/usr/local/sbin/systemctl" "$T/upper/usr/sbin/policy-rc.d"
	# A host with the package installed: start from a root without it.
	if dpkg-query -W -f='${Status}' modwatch 2>/dev/null | grep -q 'ok installed'; then
		in_root dpkg --purge modwatch >/dev/null
	fi
	# What the root holds before the package: the purge must come back to it.
	find "$T/upper" -mindepth 1 -printf '%P\n' | sort >"$T/before"
}

# Run a command in the throwaway root, as root, with a plain environment
# and no standard input (a dpkg question would fail, not wait).
in_root() { # command...
	unshare --mount --net -- sh -euc '
		T=$1
		shift
		mount -t overlay overlay -o "lowerdir=/,upperdir=$T/upper,workdir=$T/work" "$T/root"
		for d in proc dev sys; do mount --rbind "/$d" "$T/root/$d"; done
		ip link set lo up
		exec chroot "$T/root" env -i PATH=/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
			LC_ALL=C "$@"' _ "$T" "$@" </dev/null
}

# dpkg -i of the package, which must succeed.
install_deb() {
	run in_root dpkg -i /mwtest/modwatch.deb
	echo "$output"
	[ "$status" -eq 0 ]
}

# What the maintainer scripts asked of systemctl since the last call.
systemctl_calls() {
	cat "$T/upper/mwtest/systemctl.log" 2>/dev/null || true
	rm -f "$T/upper/mwtest/systemctl.log"
}

# MODE OWNER PATH, for each path, as the root sees it.
modes() { # path...
	in_root stat -c '%a %U:%G %n' "$@"
}

@test "deb: installs every file with its mode, the configs as conffiles, the version --version says" {
	# as the front page says it
	run in_root sh -c 'cd /mwtest && apt install ./build/deb/modwatch_*.deb'
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"Setting up modwatch ("* ]]
	# the files it ships (dpkg -L also lists their folders)
	in_root sh -c 'dpkg-query -L modwatch | while read -r f; do [ -d "$f" ] || echo "$f"; done' |
		sort >"$T/files"
	cat >"$T/want" <<-'EOF'
	/etc/logrotate.d/modwatch
	/etc/modwatch/modwatch.conf
	/lib/systemd/system/modwatch.service
	/usr/sbin/modwatch
	/usr/share/bash-completion/completions/modwatch
	/usr/share/doc/modwatch/changelog.gz
	/usr/share/doc/modwatch/copyright
	/usr/share/lintian/overrides/modwatch
	/usr/share/man/man8/modwatch.8.gz
	/usr/share/modwatch/modwatch-report.schema.json
	EOF
	diff -u "$T/want" "$T/files"
	modes /usr/sbin/modwatch /etc/modwatch /etc/modwatch/modwatch.conf \
		/etc/logrotate.d/modwatch /lib/systemd/system/modwatch.service \
		/usr/share/bash-completion/completions/modwatch \
		/usr/share/modwatch/modwatch-report.schema.json >"$T/modes"
	diff -u - "$T/modes" <<-'EOF'
	755 root:root /usr/sbin/modwatch
	700 root:root /etc/modwatch
	600 root:root /etc/modwatch/modwatch.conf
	644 root:root /etc/logrotate.d/modwatch
	644 root:root /lib/systemd/system/modwatch.service
	644 root:root /usr/share/bash-completion/completions/modwatch
	644 root:root /usr/share/modwatch/modwatch-report.schema.json
	EOF
	# both files in /etc are the admin's to edit: conffiles, as shipped
	in_root dpkg-query -W -f='${Conffiles}\n' modwatch | awk 'NF { print $1 }' | sort >"$T/conffiles"
	printf '%s\n' /etc/logrotate.d/modwatch /etc/modwatch/modwatch.conf | diff -u - "$T/conffiles"
	cmp "$T/upper/etc/modwatch/modwatch.conf" "$ROOT/dist/modwatch.conf"
	cmp "$T/upper/etc/logrotate.d/modwatch" "$ROOT/dist/modwatch.logrotate"
	cmp "$T/upper/usr/share/modwatch/modwatch-report.schema.json" \
		"$ROOT/doc/schema/modwatch-report.schema.json"
	# debian/changelog and the binary agree on the version
	version=$(dpkg-deb -f "$DEB" Version)
	run in_root modwatch --version
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "modwatch ${version%%-*}" ]
}

@test "deb: the unit is installed, neither enabled nor started; systemd-analyze verify accepts it" {
	install_deb
	run systemctl_calls
	# a daemon-reload, so that systemd sees the unit; nothing else
	[ "$output" = "--system daemon-reload" ]
	# no .wants/ link, and deb-systemd-helper does not count it enabled
	[ -z "$(in_root find /etc/systemd/system -name 'modwatch*')" ]
	run in_root deb-systemd-helper --quiet was-enabled modwatch.service
	[ "$status" -ne 0 ]
	run in_root deb-systemd-helper --quiet is-enabled modwatch.service
	[ "$status" -ne 0 ]
	run in_root systemd-analyze verify /lib/systemd/system/modwatch.service
	echo "$output"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "deb: the unit's command line runs the packaged config as systemd would; the schema takes its reports" {
	install_deb
	exec_start=$(sed -n 's/^ExecStart=//p' "$T/upper/usr/lib/systemd/system/modwatch.service")
	[ "$exec_start" = "/usr/sbin/modwatch --config /etc/modwatch/modwatch.conf" ]
	# LogsDirectory= and RuntimeDirectory= (0700), and their variables, as
	# systemd sets them up; then the command line, watching while true runs
	run in_root sh -c 'mkdir -m 0700 /var/log/modwatch /mwtest/run/modwatch &&
		LOGS_DIRECTORY=/var/log/modwatch RUNTIME_DIRECTORY=/mwtest/run/modwatch \
		'"$exec_start"' -- true'
	echo "$output"
	[ "$status" -eq 0 ]
	# the config's output: the session's start and summary, root's only
	[ "$(modes /var/log/modwatch/reports.json)" = "600 root:root /var/log/modwatch/reports.json" ]
	jq -s -e 'map(.type) | index("start") != null and index("summary") != null' \
		"$T/upper/var/log/modwatch/reports.json"
	# which the installed schema takes, line by line
	python3 - "$T/upper/usr/share/modwatch/modwatch-report.schema.json" \
		"$T/upper/var/log/modwatch/reports.json" <<-'EOF'
	import json, sys, jsonschema
	check = jsonschema.Draft202012Validator(json.load(open(sys.argv[1])))
	check.check_schema(check.schema)
	for n, line in enumerate(open(sys.argv[2]), 1):
	    for e in check.iter_errors(json.loads(line)):
	        sys.exit("reports.json:%d: %s" % (n, e.message))
	EOF
}

@test "deb: the bash completion loads on demand through bash-completion" {
	install_deb
	# what bash does at the first TAB after "modwatch " (bash-completion's
	# loader finds it by the command's name), after nothing at start
	run in_root bash -c 'source /usr/share/bash-completion/bash_completion
		! complete -p modwatch 2>/dev/null || exit 3
		__load_completion modwatch && complete -p modwatch'
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "complete -F _modwatch modwatch" ]
}

@test "deb: an upgrade over itself keeps an edited config without asking, and try-restarts only" {
	install_deb
	systemctl_calls >/dev/null
	in_root sh -c 'echo "module mydrv" >>/etc/modwatch/modwatch.conf'
	cp "$T/upper/etc/modwatch/modwatch.conf" "$T/edited"
	# no --force-conf*: the shipped config did not change, so dpkg keeps
	# the admin's silently (a question would fail: no standard input)
	install_deb
	[[ "$output" == *"Unpacking modwatch ("*") over ("* ]]
	[[ "$output" != *"Configuration file"* ]]
	cmp "$T/upper/etc/modwatch/modwatch.conf" "$T/edited"
	[ "$(modes /etc/modwatch /etc/modwatch/modwatch.conf)" = "700 root:root /etc/modwatch
600 root:root /etc/modwatch/modwatch.conf" ]
	[ -z "$(in_root find /etc/modwatch -name '*.dpkg-*')" ]
	# a running service moves to the new binary; a stopped one stays stopped
	run systemctl_calls
	[ "$output" = "--system daemon-reload
try-restart modwatch.service" ]
}

@test "deb: remove stops the service and keeps the config; purge leaves nothing; it installs again" {
	install_deb
	in_root sh -c 'echo "module mydrv" >>/etc/modwatch/modwatch.conf &&
		mkdir -m 0700 /var/log/modwatch && echo "{}" >/var/log/modwatch/reports.json'
	systemctl_calls >/dev/null
	run in_root dpkg -r modwatch
	echo "$output"
	[ "$status" -eq 0 ]
	run systemctl_calls
	[ "$output" = "stop modwatch.service
--system daemon-reload" ]
	run in_root test -e /usr/sbin/modwatch
	[ "$status" -ne 0 ]
	grep -qx 'module mydrv' "$T/upper/etc/modwatch/modwatch.conf"
	run in_root dpkg --purge modwatch
	echo "$output"
	[ "$status" -eq 0 ]
	run in_root dpkg-query -W -f='${Status}' modwatch
	[[ "$output" != *installed* ]]
	for gone in /etc/modwatch /var/log/modwatch; do
		run in_root test -e "$gone"
		[ "$status" -eq 1 ] || { echo "$gone is left"; false; }
	done
	# Nothing the package or its service made is left: every file the root
	# gained is dpkg's own bookkeeping (or this test's), every folder one
	# the host has; and nothing of the host's was removed (no whiteout).
	find "$T/upper" -mindepth 1 -printf '%P\n' | sort | comm -13 "$T/before" - >"$T/gained"
	run grep -vE '^(var/lib/dpkg/|var/log/dpkg\.log$|var/cache/man/|mwtest/)' "$T/gained"
	left=()
	for p in "${lines[@]}"; do
		[ -d "$T/upper/$p" ] && [ -d "/$p" ] || left+=("$p")
	done
	echo "left after purge: ${left[*]}"
	[ "${#left[@]}" -eq 0 ]
	[ -z "$(find "$T/upper" -type c)" ]
	# and again, as new: the shipped config, 0600 in 0700
	install_deb
	[[ "$output" == *"Setting up modwatch ("* ]]
	cmp "$T/upper/etc/modwatch/modwatch.conf" "$ROOT/dist/modwatch.conf"
	[ "$(modes /etc/modwatch/modwatch.conf)" = "600 root:root /etc/modwatch/modwatch.conf" ]
}

@test "deb: the front page's systemctl enable --now modwatch enables the unit; purge takes it away" {
	install_deb
	# the real systemctl, offline: it links the unit into multi-user.target;
	# the start needs systemd as PID 1, which this root has not got (the
	# ExecStart test above runs what systemd would start)
	rm "$T/upper/usr/local/sbin/systemctl"
	rmdir "$T/upper/run/systemd/system"
	run in_root systemctl enable --now modwatch
	echo "$output"
	[[ "$output" == *"Created symlink /etc/systemd/system/multi-user.target.wants/modwatch.service"* ]]
	[[ "$output" == *"System has not been booted with systemd"* ]]
	[ "$(in_root systemctl is-enabled modwatch)" = enabled ]
	# an upgrade keeps it enabled; a purge removes the link
	install_deb
	[ "$(in_root systemctl is-enabled modwatch)" = enabled ]
	run in_root dpkg --purge modwatch
	[ "$status" -eq 0 ]
	[ -z "$(in_root find /etc/systemd/system -name 'modwatch*')" ]
}
