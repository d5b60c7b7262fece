#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
#
# make install and uninstall into a DESTDIR, and what they lay out: the
# systemd unit (verified by systemd-analyze, its hardening as doc/service.md
# documents it), the man page (rendered, covering every option --help
# lists), the default config, logrotate, the bash completion, the report's
# JSON schema, and doc/service.md's alert rules.
# MODWATCH names the binary (the Makefile sets it); its folder is OUT.

setup() {
	: "${MODWATCH:=$BATS_TEST_DIRNAME/../build/modwatch}"
	ROOT=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
	OUT=$(cd "$(dirname "$MODWATCH")" && pwd)
	DEST=$BATS_TEST_TMPDIR/dest
	UNIT=$DEST/usr/lib/systemd/system/modwatch.service
	CONF=$DEST/etc/modwatch/modwatch.conf
}

# make in the source tree, on the binary under test: -o keeps make from
# rebuilding it (the test is about installing it), and the caller's
# MAKEFLAGS (make test-cli's -j, its variables) stay out.
mk() {
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
		make --no-print-directory -C "$ROOT" OUT="$OUT" -o "$OUT/modwatch" \
		PREFIX=/usr DESTDIR="$DEST" "$@"
}

mode() {
	stat -c %a "$1"
}

# The long options an option list documents: "  -m, --module NAME ..." or
# "      --every ..." at the start of a line, as --help and man print them.
long_options() {
	grep -oE '^ +(-[[:alnum:]], )?--[[:alnum:]][[:alnum:]-]*' | grep -oE -- '--[[:alnum:]-]+' |
		sort -u
}

# A copy of the installed unit whose ExecStart is the DESTDIR binary:
# systemd-analyze verify insists that the command exists.
verifiable_unit() {
	mkdir -p "$BATS_TEST_TMPDIR/verify"
	sed "s|^ExecStart=/usr/sbin/|ExecStart=$DEST/usr/sbin/|" "$UNIT" \
		>"$BATS_TEST_TMPDIR/verify/modwatch.service"
	echo "$BATS_TEST_TMPDIR/verify/modwatch.service"
}

# A unit setting's value, the last assignment winning as in systemd.
unit_value() {
	sed -n "s/^$1=//p" "$UNIT" | tail -n 1
}

@test "make install lays out every file with its mode" {
	run mk install
	[ "$status" -eq 0 ]
	[ "$(mode "$DEST/usr/sbin/modwatch")" = 755 ]
	cmp "$DEST/usr/sbin/modwatch" "$MODWATCH"
	[ "$(mode "$DEST/usr/share/man/man8/modwatch.8")" = 644 ]
	[ "$(mode "$UNIT")" = 644 ]
	[ "$(mode "$DEST/etc/modwatch")" = 700 ]
	[ "$(mode "$CONF")" = 600 ]
	cmp "$CONF" "$ROOT/dist/modwatch.conf"
	[ "$(mode "$DEST/etc/logrotate.d/modwatch")" = 644 ]
	[ "$(mode "$DEST/usr/share/bash-completion/completions/modwatch")" = 644 ]
	"$MODWATCH" completion bash | cmp - "$DEST/usr/share/bash-completion/completions/modwatch"
	[ "$(mode "$DEST/usr/share/modwatch/modwatch-report.schema.json")" = 644 ]
	cmp "$DEST/usr/share/modwatch/modwatch-report.schema.json" \
		"$ROOT/doc/schema/modwatch-report.schema.json"
	[ ! -e "$CONF.new" ]
	# the unit names the installed paths, and nothing is left unsubstituted
	grep -qx 'ExecStart=/usr/sbin/modwatch --config /etc/modwatch/modwatch.conf' "$UNIT"
	! grep -n '@[A-Z]*@' "$UNIT"
	# nothing else
	[ "$(find "$DEST" -type f | wc -l)" -eq 7 ]
}

@test "make install honours SBINDIR, MANDIR, SYSCONFDIR, UNITDIR and DATADIR" {
	run mk install PREFIX=/opt/mw SYSCONFDIR=/opt/mw/etc UNITDIR=/etc/systemd/system \
		MANDIR=/opt/mw/man DATADIR=/opt/mw/data
	[ "$status" -eq 0 ]
	[ -x "$DEST/opt/mw/sbin/modwatch" ]
	[ -f "$DEST/opt/mw/man/man8/modwatch.8" ]
	[ -f "$DEST/opt/mw/data/bash-completion/completions/modwatch" ]
	[ -f "$DEST/opt/mw/data/modwatch/modwatch-report.schema.json" ]
	[ -f "$DEST/opt/mw/etc/modwatch/modwatch.conf" ]
	[ -f "$DEST/opt/mw/etc/logrotate.d/modwatch" ]
	grep -qx 'ExecStart=/opt/mw/sbin/modwatch --config /opt/mw/etc/modwatch/modwatch.conf' \
		"$DEST/etc/systemd/system/modwatch.service"
	run mk uninstall PREFIX=/opt/mw SYSCONFDIR=/opt/mw/etc UNITDIR=/etc/systemd/system \
		MANDIR=/opt/mw/man DATADIR=/opt/mw/data
	[ "$status" -eq 0 ]
	[ -z "$(find "$DEST" -type f)" ]
	[ ! -e "$DEST/opt/mw/data/modwatch" ]
}

@test "a second install keeps an edited config and puts the shipped one beside it" {
	mk install
	# unedited: replaced in place, no .new
	run mk install
	[ "$status" -eq 0 ]
	[ ! -e "$CONF.new" ]
	echo 'module mydrv' >>"$CONF"
	cp "$CONF" "$BATS_TEST_TMPDIR/edited"
	run mk install
	[ "$status" -eq 0 ]
	[[ "$output" == *"kept your $CONF; the shipped one is $CONF.new"* ]]
	cmp "$CONF" "$BATS_TEST_TMPDIR/edited"
	cmp "$CONF.new" "$ROOT/dist/modwatch.conf"
	[ "$(mode "$CONF")" = 600 ]
	[ "$(mode "$CONF.new")" = 600 ]
}

@test "make uninstall leaves nothing of ours, but an edited config" {
	mk install
	run mk uninstall
	[ "$status" -eq 0 ]
	[ -z "$(find "$DEST" -type f)" ]
	[ ! -e "$DEST/etc/modwatch" ]
	[ ! -e "$DEST/usr/share/modwatch" ]
	mk install
	echo 'module mydrv' >>"$CONF"
	mk install
	run mk uninstall
	[ "$status" -eq 0 ]
	[[ "$output" == *"kept $CONF, which you edited"* ]]
	[ "$(find "$DEST" -type f)" = "$CONF" ]
	grep -qx 'module mydrv' "$CONF"
}

@test "systemd-analyze verify accepts the installed unit" {
	mk install
	unit=$(verifiable_unit)
	# MANPATH: Documentation=man:modwatch(8) is checked against our page
	MANPATH=$DEST/usr/share/man run systemd-analyze verify "$unit"
	echo "$output"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "the unit is Type=notify with a watchdog and the documented hardening" {
	mk install
	[ "$(unit_value Type)" = notify ]
	[[ "$(unit_value WatchdogSec)" =~ ^[1-9][0-9]*(s|min)?$ ]]
	[ "$(unit_value NoNewPrivileges)" = yes ]
	[ "$(unit_value ProtectSystem)" = strict ]
	[ "$(unit_value ProtectHome)" = yes ]
	[ "$(unit_value UMask)" = 0077 ]
	[ "$(unit_value RuntimeDirectory)" = modwatch ]
	[ "$(unit_value LogsDirectory)" = modwatch ]
	[ "$(unit_value Restart)" = on-failure ]
	[ -n "$(unit_value ExecReload)" ]
	# exactly these capabilities (CAP_SYS_ADMIN for Debian's perf_event_paranoid
	# 3: tests/e2e), in one assignment (a second line would add to the
	# first), and none handed out ambiently
	[ "$(grep -c '^CapabilityBoundingSet=' "$UNIT")" -eq 1 ]
	[ "$(unit_value CapabilityBoundingSet | tr ' ' '\n' | sort | xargs)" = \
		"CAP_BPF CAP_PERFMON CAP_SYSLOG CAP_SYS_ADMIN" ]
	! grep -q '^AmbientCapabilities=' "$UNIT"
	# each would blind it: /lib/modules, kallsyms and /proc/sys, CAP_SYSLOG
	for opt in ProtectKernelModules ProtectKernelTunables ProtectKernelLogs; do
		v=$(unit_value "$opt")
		[ -z "$v" ] || [ "$v" = no ]
	done
}

@test "systemd-analyze security rates the unit no worse than 3.0" {
	mk install
	unit=$(verifiable_unit)
	run systemd-analyze security --offline=yes --threshold=30 "$unit"
	echo "$output" | tail -n 1
	[ "$status" -eq 0 ]
	[[ "$output" == *"Overall exposure level for modwatch.service"* ]]
}

@test "the man page renders without warnings" {
	mk install
	page=$DEST/usr/share/man/man8/modwatch.8
	run groff -man -ww -z "$page"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	LC_ALL=C MANWIDTH=80 man --warnings -l "$page" >"$BATS_TEST_TMPDIR/page" \
		2>"$BATS_TEST_TMPDIR/warnings"
	cat "$BATS_TEST_TMPDIR/warnings"
	[ ! -s "$BATS_TEST_TMPDIR/warnings" ]
	for section in NAME SYNOPSIS DESCRIPTION OPTIONS "CONFIGURATION FILE" SIGNALS FILES \
		"EXIT STATUS" ENVIRONMENT SECURITY "SEE ALSO"; do
		grep -qx "$section" "$BATS_TEST_TMPDIR/page"
	done
	grep -q NOTIFY_SOCKET "$BATS_TEST_TMPDIR/page"
	grep -q JOURNAL_STREAM "$BATS_TEST_TMPDIR/page"
}

@test "the man page documents every long option --help lists" {
	mk install
	"$MODWATCH" --help | long_options >"$BATS_TEST_TMPDIR/help"
	LC_ALL=C MANWIDTH=80 man -l "$DEST/usr/share/man/man8/modwatch.8" 2>/dev/null |
		long_options >"$BATS_TEST_TMPDIR/man"
	# --help lists at least what cli.bats asks of it
	[ "$(wc -l <"$BATS_TEST_TMPDIR/help")" -ge 20 ]
	run comm -23 "$BATS_TEST_TMPDIR/help" "$BATS_TEST_TMPDIR/man"
	echo "in --help, not in the man page: $output"
	[ -z "$output" ]
}

@test "the default config sets only options --help lists" {
	"$MODWATCH" --help | long_options | sed 's/^--//' >"$BATS_TEST_TMPDIR/help"
	# directives, and the commented-out examples ("#key", no space after #)
	sed -nE 's/^#?([[:alnum:]][[:alnum:]-]*)([[:space:]].*)?$/\1/p' \
		"$ROOT/dist/modwatch.conf" | sort -u >"$BATS_TEST_TMPDIR/keys"
	[ "$(wc -l <"$BATS_TEST_TMPDIR/keys")" -ge 10 ]
	run comm -23 "$BATS_TEST_TMPDIR/keys" "$BATS_TEST_TMPDIR/help"
	echo "not options: $output"
	[ -z "$output" ]
	# what the service is documented to do by default
	for line in 'format json' 'output /var/log/modwatch/reports.json' append journal \
		'metrics 127.0.0.1:9464'; do
		grep -qx "$line" "$ROOT/dist/modwatch.conf"
	done
	! grep -q '^module' "$ROOT/dist/modwatch.conf"
}

@test "logrotate accepts the installed rotation" {
	command -v logrotate >/dev/null || skip "logrotate is not installed"
	mk install
	run logrotate --debug --state "$BATS_TEST_TMPDIR/state" "$DEST/etc/logrotate.d/modwatch"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" != *error* ]]
}

# The YAML block after the marker in doc/service.md, "Alert rules".
doc_alert_rules() {
	awk '/<!-- alert-rules: checked by tests\/install.bats -->/ { m = 1; next }
	     m && /^```yaml$/ { y = 1; next }
	     y && /^```$/ { exit }
	     y' "$ROOT/doc/service.md"
}

@test "doc/service.md's Prometheus alert rules pass promtool check rules" {
	doc_alert_rules >"$BATS_TEST_TMPDIR/rules.yml"
	grep -q 'alert: ModwatchViolation' "$BATS_TEST_TMPDIR/rules.yml"
	run promtool check rules "$BATS_TEST_TMPDIR/rules.yml"
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "doc/service.md's alert rules fire on violations, new series too, and a nearly full map" {
	doc_alert_rules >"$BATS_TEST_TMPDIR/rules.yml"
	cat >"$BATS_TEST_TMPDIR/test.yml" <<-'EOT'
	rule_files: [rules.yml]
	evaluation_interval: 1m
	tests:
	  - interval: 1m
	    input_series:
	      - series: 'modwatch_reports_total{instance="h1",job="modwatch",module="mydrv",kind="double_free",severity="violation"}'
	        values: '0 0 1 1 1 1 1 1'
	      - series: 'modwatch_reports_total{instance="h1",job="modwatch",module="mydrv",kind="ioctl_size_mismatch",severity="warning"}'
	        values: '0 5 10 15 20 25 30 35'
	      - series: 'modwatch_reports_total{instance="h1",job="modwatch",module="newdrv",kind="use_after_free",severity="violation"}'
	        values: '_ _ _ 1 1 1 1 1'
	      - series: 'modwatch_map_entries{instance="h1",job="modwatch",map="mw_objects"}'
	        values: '100+5000x20'
	      - series: 'modwatch_map_max_entries{instance="h1",job="modwatch",map="mw_objects"}'
	        values: '32768+0x20'
	      - series: 'modwatch_map_entries{instance="h1",job="modwatch",map="mw_quarantine"}'
	        values: '16384+0x20'
	      - series: 'modwatch_map_max_entries{instance="h1",job="modwatch",map="mw_quarantine"}'
	        values: '16384+0x20'
	    alert_rule_test:
	      - eval_time: 4m
	        alertname: ModwatchViolation
	        exp_alerts:
	          - exp_labels: {severity: critical, instance: h1, module: mydrv, kind: double_free}
	            exp_annotations:
	              summary: "mydrv broke double_free on h1"
	              description: "modwatch reported a double_free violation in module mydrv. journalctl MODWATCH_MODULE=mydrv MODWATCH_KIND=double_free -o json shows it."
	          # a series whose first sample is its first report
	          - exp_labels: {severity: critical, instance: h1, module: newdrv, kind: use_after_free}
	            exp_annotations:
	              summary: "newdrv broke use_after_free on h1"
	              description: "modwatch reported a use_after_free violation in module newdrv. journalctl MODWATCH_MODULE=newdrv MODWATCH_KIND=use_after_free -o json shows it."
	      - eval_time: 20m
	        alertname: ModwatchMapNearlyFull
	        exp_alerts:
	          # mw_quarantine is an LRU, full by design: no alert
	          - exp_labels: {severity: warning, instance: h1, job: modwatch, map: mw_objects}
	            exp_annotations:
	              summary: "modwatch map mw_objects on h1 is over 90% full"
	              description: "Entries past its size are counted, not tracked: raise the option that sizes it (max-objects, quarantine, stack-entries) and restart."
	EOT
	run promtool test rules "$BATS_TEST_TMPDIR/test.yml"
	echo "$output"
	[ "$status" -eq 0 ]
}
