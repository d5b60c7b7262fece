#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
#
# modwatch as a service, on the machine that builds it: the configuration
# file and its reload, systemd's notify protocol and watchdog, the report
# file under logrotate and a full disk, the instance lock, the metrics
# endpoint (scraped, checked by promtool) and journald (a real one, in a
# private mount namespace). What needs kprobes and modules (capabilities,
# SIGKILL leaving no probe) is in tests/e2e/service.bats, in the test VM.
# The JSON lines a session writes are checked against the schema (check_json).

load schema

setup() {
	: "${MODWATCH:=$BATS_TEST_DIRNAME/../build/modwatch}"
	T=$BATS_TEST_TMPDIR
}

teardown() {
	[ -z "${daemon:-}" ] || { kill -KILL "$daemon" 2>/dev/null; wait "$daemon" 2>/dev/null; } || true
	[ -z "${listener:-}" ] || { kill "$listener" 2>/dev/null; wait "$listener" 2>/dev/null; } || true
}

# Wait up to $1 seconds for the command after it to succeed.
wait_for() {
	local i
	for ((i = 0; i < $1 * 10; i++)); do
		"${@:2}" && return 0
		sleep 0.1
	done
	echo "timed out waiting for: ${*:2}"
	return 1
}

# sd_notify datagrams sent to socket $1, one per line of $2 ("\n" shown as "|").
notify_listen() {
	python3 - "$1" "$2" >/dev/null 2>&1 3>&- <<'EOF' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], 'a', buffering=1) as f:
    while True:
        f.write(s.recv(65536).decode().replace('\n', '|') + '\n')
EOF
	listener=$!
	wait_for 5 test -S "$1"
}

# A session in the background: $daemon, reports in $T/out, messages in $T/err.
start() {
	"$MODWATCH" "$@" >"$T/out" 2>"$T/err" 3>&- &
	daemon=$!
}

@test "config: a bad line is one error naming FILE and LINE, exit 2" {
	conf=$T/m.conf
	check() { # expected-line expected-text line...
		local want=$1 text=$2
		shift 2
		printf '%s\n' "$@" >"$conf"
		run "$MODWATCH" --config "$conf" -- true
		[ "$status" -eq 2 ] || { echo "$output"; false; }
		[ "${#lines[@]}" -eq 1 ] || { echo "$output"; false; }
		[[ "$output" == "modwatch: $conf:$want: $text"* ]] || { echo "$output"; false; }
	}
	check 2 "unknown option 'modul'" "# a comment" "modul mw_buggy"
	check 1 "max-objects needs a value" "max-objects"
	check 1 "append is a flag" "append yes"
	check 3 "unknown --kind 'use_after_fre'" "" "format json" "kind use_after_fre"
	check 1 "invalid --suppress 'double_free:mw_buggy'" "suppress double_free:mw_buggy"
	check 1 "unknown --suppress kind 'dubble_free'" "suppress dubble_free:*:*"
	check 1 "invalid --severity" "severity double_free=fatal"
	check 1 "--config cannot be nested" "config /etc/modwatch/modwatch.conf"
	check 1 "unknown option 'help'" "help"
	run "$MODWATCH" --config "$T/none.conf" -- true
	[ "$status" -eq 2 ]
	[[ "$output" == *"cannot read the configuration file $T/none.conf: No such file"* ]]
}

@test "config: a folder, a NUL byte, a long line: one error each that says so, exit 2" {
	one_error() { # expected-text
		[ "$status" -eq 2 ] || { echo "$output"; false; }
		[ "${#lines[@]}" -eq 1 ] || { echo "$output"; false; }
		[[ "$output" == "modwatch: $1"* ]] || { echo "$output"; false; }
	}
	run "$MODWATCH" --config "$T" -- true
	one_error "cannot read the configuration file $T: it is a directory"
	printf 'format json\nmodule mw\0buggy\n' >"$T/nul.conf"
	run "$MODWATCH" --config "$T/nul.conf" -- true
	one_error "$T/nul.conf:2: the line has a NUL byte"
	{ echo strict; printf 'module %04095d\n' 0; } >"$T/long.conf"
	run "$MODWATCH" --config "$T/long.conf" -- true
	one_error "$T/long.conf:2: line longer than 4094 characters"
	# 4094 characters and the newline: the longest line there may be
	printf 'module %04087d\n' 0 >"$T/long.conf"
	run "$MODWATCH" --config "$T/long.conf" --help
	[ "$status" -eq 0 ] || { echo "$output"; false; }
}

@test "config: the file's options apply, and the command line after it overrides them" {
	cat >"$T/m.conf" <<-EOF
	# every kind but one, as JSON lines, to a file
	format   json
	kind     -ioctl_size_mismatch
	suppress = use_after_free:mw_*:mw_*_ioctl
	severity double_fetch=warning
	output   $T/reports.json
	EOF
	run "$MODWATCH" --config "$T/m.conf" -- true
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "$(tail -1 "$T/reports.json" | jq -r .type)" = summary ]
	[ "$(tail -1 "$T/reports.json" | jq -c .suppressed)" = \
		'[{"rule":"use_after_free:mw_*:mw_*_ioctl","count":0}]' ]
	check_json "$T/reports.json"
	# --format after --config wins
	run "$MODWATCH" --config "$T/m.conf" --format line -- true
	[ "$status" -eq 0 ]
	grep -q "^modwatch: summary after" "$T/reports.json"
	grep -q "suppressed by use_after_free:mw_\*:mw_\*_ioctl: 0" "$T/reports.json"
	# --kind turning every kind off is a usage error, not a silent monitor
	run "$MODWATCH" --kind -all -- true
	[ "$status" -eq 2 ]
	[[ "$output" == *"--kind turns every kind off"* ]]
}

@test "sd_notify: READY=1 once watching, a STATUS, watchdog pings, STOPPING=1" {
	notify_listen "$T/notify.sock" "$T/notify"
	NOTIFY_SOCKET=$T/notify.sock WATCHDOG_USEC=400000 start --json
	wait_for 30 grep -q '^READY=1|STATUS=watching ' "$T/notify"
	# half of WATCHDOG_USEC: about 5 pings a second
	sleep 1.5
	[ "$(grep -c '^WATCHDOG=1$' "$T/notify")" -ge 4 ]
	# READY came after the start line: the probes were attached by then
	[ "$(head -1 "$T/out" | jq -r .type)" = start ]
	kill -TERM "$daemon"
	wait "$daemon"
	daemon=
	grep -q '^STOPPING=1$' "$T/notify"
	check_json "$T/out"
	# CI mode's command does not inherit the socket: it would notify as modwatch
	NOTIFY_SOCKET=$T/notify.sock run "$MODWATCH" -- sh -c 'echo "cmd sees [${NOTIFY_SOCKET:-}]"'
	[[ "$output" == *"cmd sees []"* ]]
}

@test "SIGHUP: a changed file takes effect; a bad one keeps the running config and says why" {
	printf 'format json\nsuppress double_free:*:*\n' >"$T/m.conf"
	notify_listen "$T/notify.sock" "$T/notify"
	NOTIFY_SOCKET=$T/notify.sock start --config "$T/m.conf"
	wait_for 30 grep -q '^READY=1' "$T/notify"
	printf 'format json\nsuppress double_free:*:*\nsuppress use_after_free:mydrv:*\nmax-objects 64\n' \
		>"$T/m.conf"
	kill -HUP "$daemon"
	wait_for 10 grep -q "reloaded $T/m.conf" "$T/err"
	grep -q "reload: changing max-objects needs a restart: the running values are kept" "$T/err"
	grep -q '^RELOADING=1$' "$T/notify"
	printf 'format json\nsuppres double_free:*:*\n' >"$T/m.conf"
	kill -HUP "$daemon"
	wait_for 10 grep -q "the running configuration is kept" "$T/err"
	grep -q "modwatch: $T/m.conf:2: unknown option 'suppres'" "$T/err"
	kill -TERM "$daemon"
	wait "$daemon"
	daemon=
	# the first reload's rules are the ones in force at the end
	[ "$(tail -1 "$T/out" | jq -r '[.suppressed[].rule] | join(" ")')" = \
		"double_free:*:* use_after_free:mydrv:*" ]
	check_json "$T/out"
}

@test "SIGHUP: a new output in the file moves the reports there" {
	printf 'format json\noutput %s\n' "$T/a.json" >"$T/m.conf"
	notify_listen "$T/notify.sock" "$T/notify"
	NOTIFY_SOCKET=$T/notify.sock start --config "$T/m.conf"
	wait_for 30 grep -q '^READY=1' "$T/notify"
	printf 'format json\noutput %s\n' "$T/b.json" >"$T/m.conf"
	kill -HUP "$daemon"
	wait_for 10 grep -q "reloaded $T/m.conf" "$T/err"
	kill -TERM "$daemon"
	wait "$daemon"
	daemon=
	[ "$(head -1 "$T/a.json" | jq -r .type)" = start ]
	[ "$(jq -r .type "$T/b.json")" = summary ]
	[ "$(stat -c %a "$T/b.json")" = 600 ]
	check_json "$T/a.json" "$T/b.json"
}

@test "the report file: 0600, appended with --append, reopened on SIGHUP after logrotate" {
	echo "an older line" >"$T/r.json"
	chmod 644 "$T/r.json"
	(umask 022 && "$MODWATCH" --json -o "$T/new.json" -- true)
	[ "$(stat -c %a "$T/new.json")" = 600 ]
	notify_listen "$T/notify.sock" "$T/notify"
	NOTIFY_SOCKET=$T/notify.sock start --json --append -o "$T/r.json"
	wait_for 30 grep -q '^READY=1' "$T/notify"
	[ "$(head -1 "$T/r.json")" = "an older line" ]
	mv "$T/r.json" "$T/r.json.1"
	kill -HUP "$daemon"
	wait_for 10 test -e "$T/r.json"
	kill -TERM "$daemon"
	wait "$daemon"
	daemon=
	[ "$(stat -c %a "$T/r.json")" = 600 ]
	[ "$(jq -r .type "$T/r.json")" = summary ]
	[ "$(sed -n 2p "$T/r.json.1" | jq -r .type)" = start ]
	tail -n +2 "$T/r.json.1" >"$T/rotated.json"	# after the older line
	check_json "$T/new.json" "$T/r.json" "$T/rotated.json"
	# --append without --output says so
	run "$MODWATCH" --append -- true
	[ "$status" -eq 2 ]
}

@test "a full disk never stops watching: the lost lines are counted and said" {
	run "$MODWATCH" --json -o /dev/full -- sh -c 'echo the command ran'
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[[ "$output" == *"the command ran"* ]]
	[[ "$output" == *"cannot write reports to /dev/full: No space left on device"* ]]
	[[ "$output" == *"report lines could not be written to /dev/full"* ]]
}

@test "a second instance is refused with one line naming the first" {
	notify_listen "$T/notify.sock" "$T/notify"
	NOTIFY_SOCKET=$T/notify.sock start --json
	wait_for 30 grep -q '^READY=1' "$T/notify"
	run "$MODWATCH" --json -o "$T/second.json" -- true
	[ "$status" -eq 4 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == "modwatch: another modwatch (pid $daemon) is already watching"*"stop it first"* ]]
	# and it did not touch the file it was given
	[ ! -e "$T/second.json" ]
}

@test "status: a live session's own status file; none after SIGTERM, a stale one after SIGKILL" {
	export RUNTIME_DIRECTORY=$T
	start -o "$T/out" --kind -ioctl_size_mismatch
	wait_for 30 test -e "$T/status.json"
	run "$MODWATCH" status --json
	[ "$status" -eq 0 ] || { echo "$output"; cat "$T/err"; false; }
	jq -e --argjson pid "$daemon" --arg k "$(uname -r)" --arg out "$T/out" \
		'.running and .pid == $pid and .kernel == $k and .outputs.reports == $out and
		 .disabled_rules == [{"rule":"ioctl_size_mismatch","why":"left out by --kind"}]' <<<"$output"
	[ "$(stat -c %a "$T/status.json")" = 644 ]
	# rewritten each second
	before=$(jq .updated "$T/status.json")
	wait_for 5 sh -c "[ \$(jq .updated '$T/status.json') -gt $before ]"
	run "$MODWATCH" status
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "modwatch: running (pid $daemon), version $("$MODWATCH" version | head -1 | cut -d' ' -f2)" ]
	kill -TERM "$daemon"
	wait "$daemon" || true
	[ ! -e "$T/status.json" ]
	run "$MODWATCH" status
	[ "$status" -eq 3 ]
	[ "$output" = "modwatch: not running" ]
	start -o "$T/out"
	wait_for 30 test -e "$T/status.json"
	kill -KILL "$daemon"
	wait "$daemon" || true
	run "$MODWATCH" status
	[ "$status" -eq 3 ]
	[ "$output" = "modwatch: not running: $T/status.json is stale (pid $daemon is gone)" ]
	daemon=
}

# A free port on loopback, as the kernel picks one.
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

@test "metrics: scraped over HTTP, valid for promtool; OpenMetrics when asked" {
	port=$(free_port)
	notify_listen "$T/notify.sock" "$T/notify"
	NOTIFY_SOCKET=$T/notify.sock start --json --metrics "$port" --suppress 'double_free:*:*'
	wait_for 30 grep -q '^READY=1' "$T/notify"
	curl -sf "http://127.0.0.1:$port/metrics" -D "$T/headers" -o "$T/metrics"
	grep -qi '^content-type: text/plain; version=0.0.4' "$T/headers"
	run promtool check metrics <"$T/metrics"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ -z "$output" ]
	for family in modwatch_build_info modwatch_uptime_seconds modwatch_start_time_seconds \
		'modwatch_reports_lost_total{kind="double_free"}' \
		'modwatch_reports_suppressed_total{rule="double_free:*:*"} 0' \
		modwatch_missed_hook_runs_total 'modwatch_output_dropped_total{output="stdout"} 0' \
		'modwatch_map_max_entries{map="mw_objects"}' 'modwatch_map_entries{map="mw_objects"}' \
		'modwatch_kernel_events_total{event="objects_full"}'; do
		grep -qF "$family" "$T/metrics" || { echo "no $family"; false; }
	done
	curl -sf -H 'Accept: application/openmetrics-text; version=1.0.0' \
		"http://127.0.0.1:$port/metrics" -D "$T/headers" -o "$T/om"
	grep -qi '^content-type: application/openmetrics-text' "$T/headers"
	[ "$(tail -1 "$T/om")" = "# EOF" ]
	# loopback only by default
	addr=$(ip -4 -o addr show scope global | awk '{sub("/.*", "", $4); print $4; exit}')
	[ -z "$addr" ] || ! curl -sf -m 2 "http://$addr:$port/metrics" -o /dev/null
}

# As node_exporter takes them: ":PORT" is every address, "HOST:PORT" the name's.
@test "metrics: :PORT serves every address, localhost:PORT its own, [::1]:PORT IPv6" {
	port=$(free_port)
	run "$MODWATCH" --json -o /dev/null --metrics ":$port" -- \
		curl -sf -o /dev/null "http://127.0.0.2:$port/metrics"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	run "$MODWATCH" --json -o /dev/null --metrics "localhost:$port" -- \
		curl -sf -o /dev/null "http://127.0.0.1:$port/metrics"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	run "$MODWATCH" --json -o /dev/null --metrics "[::1]:$port" -- \
		curl -sf -o /dev/null "http://[::1]:$port/metrics"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
}

@test "metrics: a port in use or a bad address is one clear error" {
	port=$(free_port)
	python3 -c "import socket,time; s=socket.socket(); s.bind(('127.0.0.1',$port)); s.listen(); time.sleep(30)" \
		>/dev/null 2>&1 3>&- &
	listener=$!
	wait_for 5 sh -c "ss -ltn | grep -q ':$port '"
	run "$MODWATCH" --metrics "$port" -- true
	[ "$status" -eq 4 ]
	[[ "$output" == *"127.0.0.1:$port"*"in use"* ]] || { echo "$output"; false; }
	run "$MODWATCH" --metrics 70000 -- true
	[ "$status" -eq 2 ]
	[[ "$output" == *"invalid --metrics value '70000'"* ]]
	run "$MODWATCH" --metrics ::1:80 -- true
	[ "$status" -eq 2 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == "modwatch: invalid --metrics value '::1:80': give PORT, :PORT (every address), HOST:PORT or [IPv6]:PORT, port 1 to 65535"* ]]
	run "$MODWATCH" --metrics no-such-host.invalid:80 -- true
	[ "$status" -eq 4 ]
	[[ "$output" == *'modwatch: metrics address "no-such-host.invalid:80": cannot resolve no-such-host.invalid: '* ]]
}

# A real systemd-journald, in a mount namespace of its own whose journal
# folders are tmpfs: nothing of this machine's is touched, all goes with it.
@test "journal: each report is a structured entry in a real journald, findable by its fields" {
	cat >"$T/j.sh" <<-EOF
	mount --make-rprivate / || exit 1
	for d in /run/systemd /run/log /var/log/journal; do
		mkdir -p \$d && mount -t tmpfs tmpfs \$d || exit 1
	done
	SYSTEMD_LOG_TARGET=console /lib/systemd/systemd-journald >"$T/journald.log" 2>&1 &
	j=\$!
	for i in \$(seq 100); do [ -S /run/systemd/journal/socket ] && break; sleep 0.1; done
	"$MODWATCH" --journal --json -o "$T/storm.json" storm 5
	echo "modwatch exit \$?"
	journalctl -D /run/log/journal --all -o json MODWATCH_KIND=user_slice_overrun >"$T/entries"
	kill \$j
	wait \$j
	EOF
	run unshare -m sh "$T/j.sh"
	[[ "$output" == *"modwatch exit 0"* ]] || { echo "$output"; cat "$T/journald.log"; false; }
	[ "$(wc -l <"$T/entries")" = 5 ]
	e=$(head -1 "$T/entries")
	[ "$(jq -r .PRIORITY <<<"$e")" = 3 ]
	[ "$(jq -r .SYSLOG_IDENTIFIER <<<"$e")" = modwatch ]
	[ "$(jq -r .MODWATCH_SEVERITY <<<"$e")" = violation ]
	[ "$(jq -r .MODWATCH_FUNCTION <<<"$e")" = vfs_read ]
	[[ "$(jq -r .MESSAGE_ID <<<"$e")" =~ ^[0-9a-f]{32}$ ]]
	[[ "$(jq -r .MESSAGE <<<"$e")" == *"user_slice_overrun"*"vfs_read"* ]]
	# MODWATCH_JSON is the JSON line the file got
	[ "$(jq -r .MODWATCH_JSON <<<"$e" | jq -r .kind)" = user_slice_overrun ]
	[ "$(jq -r .MODWATCH_JSON <<<"$e" | jq -c .site)" = \
		"$(jq -c 'select(.type == "violation") | .site' "$T/storm.json" | head -1)" ]
	jq -r .MODWATCH_JSON "$T/entries" >"$T/journal.json"
	check_json "$T/storm.json" "$T/journal.json"
}

@test "journal: no journald is one warning, and the other outputs go on" {
	# journald's folder empty, in a mount namespace, whether this machine runs one or not
	run unshare -m sh -c 'mount --make-rprivate / && mkdir -p /run/systemd &&
		mount -t tmpfs tmpfs /run/systemd && exec "$0" --journal --json -- true' "$MODWATCH"
	[ "$status" -eq 0 ]
	[[ "$output" == *"--journal: journald is not reachable ("*"): reports go to standard output only"* ]]
}
