#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The real-module gate, inside the test VM (busybox sh, as root): load a set
# of Debian's own modules, watch them all with modwatch in CI mode while real
# workloads go through them, unload them, and leave every result in OUT for
# tests/e2e/real.bats to judge. Nothing here is fatal: each failure is
# recorded and the run goes on, so one broken driver cannot hide the others.
#
#   guest-real.sh OUT BUILD [--no-modwatch | MODWATCH-OPTIONS...]
#                                            the whole run (BUILD holds modwatch,
#                                            real-drive and real-tools/)
#   guest-real.sh workload OUT BUILD         the command modwatch runs: the
#                                            workload, then the unloads
#
# The unloads are part of the command on purpose: leak_on_unload and
# lock_held_on_unload are only judged on a module modwatch sees go.
set -u

# Debian's modules under test (names as in /proc/modules), with parameters.
# Dependencies (configfs, jbd2, fat, stp, soundcore...) and modules the
# kernel loads on demand (nls_*) are found by difference and unloaded too.
MODULES="loop null_blk nbd ext4 vfat minix isofs squashfs fuse tun bridge veth dummy dm_mod
	uinput evdev snd snd_timer snd_pcm snd_dummy zram"
params() {
	case $1 in
	null_blk) echo "nr_devices=1 gb=1 memory_backed=1" ;;	# writes are kept
	zram) echo "num_devices=1" ;;
	esac
}

now() { cut -d' ' -f1 /proc/uptime; }
stamp() { now >"$out/t.$1"; }

# Names of the loaded modules, newest first (the order of /proc/modules).
loaded() { cut -d' ' -f1 /proc/modules; }

# The modules this run loaded: all but those loaded before it.
ours() { loaded | grep -vxF -f "$out/modules.base"; }

# --- the workload: one step per driver path, each in its own subshell -------

# Runs step NAME (a function, under set -e): a line "NAME STATUS SECONDS" in
# OUT/steps, its output in OUT/step.NAME.log.
step() { # name function [args]
	name=$1
	shift
	t0=$(now)
	(set -e; "$@") >"$out/step.$name.log" 2>&1
	echo "$name $? $(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }')" \
		>>"$out/steps"
}

# Attaches FILE to a free loop device and prints the device.
loop_attach() { # file [-r]
	dev=$(losetup -f)
	losetup ${2:+"$2"} "$dev" "$1"
	echo "$dev"
}

# Real file-system work on a mounted FS: a big file, many small ones, renames,
# deletes, sync; fs_check then verifies it all after a remount.
fs_work() { # dir
	cp "$work/src.bin" "$1/big"
	mkdir "$1/dir"
	i=0
	while [ $i -lt 100 ]; do
		echo "file $i of the modwatch real-module gate" >"$1/dir/f$i"
		i=$((i + 1))
	done
	mv "$1/big" "$1/big2"
	rm "$1"/dir/f1*
	cat "$1"/dir/* >/dev/null
	sync
}

fs_check() { # dir
	cmp "$work/src.bin" "$1/big2"
	[ "$(ls "$1/dir" | wc -l)" = 89 ]
	grep -q 'file 42 of' "$1/dir/f42"
}

# mkfs, mount, work, unmount, mount again, check, unmount, detach.
fs_cycle() { # fstype size-MiB mkfs-command...
	fs=$1 size=$2
	shift 2
	img=$work/$fs.img mnt=$work/mnt/$fs
	mkdir -p "$mnt"
	truncate -s "${size}M" "$img"
	dev=$(loop_attach "$img")
	"$@" "$dev"
	mount -t "$fs" "$dev" "$mnt"
	fs_work "$mnt"
	umount "$mnt"
	mount -t "$fs" "$dev" "$mnt"
	fs_check "$mnt"
	df "$mnt"
	umount "$mnt"
	losetup -d "$dev"
}

w_ext4() { fs_cycle ext4 64 "$tools/mke2fs" -q -F -t ext4; }
w_vfat() { fs_cycle vfat 40 mkdosfs -n MODWATCH; }
w_minix() { fs_cycle minix 16 "$tools/mkfs.minix" -3; }

w_isofs() {
	mkdir -p "$work/iso" "$work/mnt/iso"
	cp "$work/src.bin" "$work/iso/DATA.BIN"
	echo "modwatch real-module gate" >"$work/iso/README.TXT"
	"$drive" mkiso "$work/real.iso" "$work/iso/DATA.BIN" "$work/iso/README.TXT"
	dev=$(loop_attach "$work/real.iso" -r)
	mount -t iso9660 -o ro "$dev" "$work/mnt/iso"
	cmp "$work/src.bin" "$work/mnt/iso/data.bin"
	cmp "$work/iso/README.TXT" "$work/mnt/iso/readme.txt"
	umount "$work/mnt/iso"
	losetup -d "$dev"
}

# null_blk keeps what is written (memory_backed=1): O_DIRECT both ways.
w_null_blk() {
	dd if="$work/src.bin" of=/dev/nullb0 bs=64k seek=16 oflag=direct conv=fsync
	dd if=/dev/nullb0 of="$work/nullb.bin" bs=64k skip=16 count=16 iflag=direct
	cmp "$work/src.bin" "$work/nullb.bin"
	dd if=/dev/nullb0 of=/dev/null bs=1M count=64
}

w_nbd() { "$drive" nbd /dev/nbd0; }

w_dm() {
	truncate -s 16M "$work/dm.img"
	dev=$(loop_attach "$work/dm.img")
	"$drive" dm mwreal0 "$dev"
	losetup -d "$dev"
}

# A bridge with a veth pair (the far end in its own namespace, pinging the
# bridge's address) and a tap whose ARP requests the bridge's address answers.
w_net() {
	brctl addbr mwbr0
	ifconfig mwbr0 10.99.0.1 netmask 255.255.255.0 up
	$ip link add mwveth0 type veth peer name mwveth1
	brctl addif mwbr0 mwveth0
	ifconfig mwveth0 up
	$ip netns add mwreal
	$ip link set mwveth1 netns mwreal
	$ip netns exec mwreal ifconfig mwveth1 10.99.0.2 netmask 255.255.255.0 up
	$ip netns exec mwreal ping -c 3 -i 0.2 -W 2 10.99.0.1
	"$drive" tun mwtap0 16 mwbr0 10.99.0.1
	$ip link del mwveth0
	$ip netns del mwreal
	ifconfig mwbr0 down
	brctl delbr mwbr0
}

# dummy drops what it is given and counts it.
w_dummy() {
	$ip link add mwdummy0 type dummy
	ifconfig mwdummy0 10.98.0.1 netmask 255.255.255.0 up
	ping -c 3 -i 0.2 -W 1 10.98.0.2 || true
	tx=$(cat /sys/class/net/mwdummy0/statistics/tx_packets)
	echo "mwdummy0: $tx packets sent"
	[ "$tx" -ge 3 ]
	$ip link del mwdummy0
}

w_uinput() { "$drive" uinput 64; }
w_snd() { "$drive" snd 0; }

# A compressed RAM disk (zsmalloc; the compressor loads on demand) with ext4 on it.
w_zram() {
	echo 64M >/sys/block/zram0/disksize
	"$tools/mke2fs" -q -F -t ext4 /dev/zram0
	mnt=$work/mnt/zram
	mkdir -p "$mnt"
	mount -t ext4 /dev/zram0 "$mnt"
	fs_work "$mnt"
	umount "$mnt"
	mount -t ext4 /dev/zram0 "$mnt"
	fs_check "$mnt"
	umount "$mnt"
	cat /sys/block/zram0/mm_stat
	echo 1 >/sys/block/zram0/reset
}

# Best effort, after the steps: whatever a failed step left behind would keep
# its module busy and turn one failure into two.
teardown() {
	for m in "$work"/mnt/*; do
		umount "$m" 2>/dev/null
	done
	losetup -a 2>/dev/null | cut -d: -f1 | while read -r d; do
		losetup -d "$d"
	done
	[ ! -e /run/netns/mwreal ] || $ip netns del mwreal
	for l in mwveth0 mwdummy0 mwtap0; do
		[ ! -e "/sys/class/net/$l" ] || $ip link del "$l"
	done
	[ ! -e /sys/class/net/mwbr0 ] || { ifconfig mwbr0 down; brctl delbr mwbr0; }
	[ ! -e /sys/block/zram0/reset ] || echo 1 >/sys/block/zram0/reset
	true
}

# Every module this run loaded, each once nothing uses it any more: newest
# first, and passes until no more can go, so dependencies follow their users.
# A line "NAME STATUS WHEN" in OUT/rmmod per attempt; rmmod's words in
# OUT/rmmod.NAME.err; what stays loaded, with its users, in OUT/modules.left.
unload() { # when
	pass=0
	while [ $pass -lt 8 ] && [ -n "$(ours)" ]; do
		pass=$((pass + 1))
		gone=0
		for m in $(ours); do
			# Still used (by a module that goes first, or a mount): later.
			[ "$(awk -v m="$m" '$1 == m { print $3 }' /proc/modules)" = 0 ] || continue
			rmmod "$m" >"$out/rmmod.$m.err" 2>&1
			rc=$?
			echo "$m $rc $1" >>"$out/rmmod"
			if [ $rc = 0 ]; then
				gone=$((gone + 1))
				rm -f "$out/rmmod.$m.err"
			fi
		done
		[ $gone -gt 0 ] || break
	done
	for m in $(ours); do
		echo "$1: $(grep "^$m " /proc/modules)" >>"$out/modules.left"
	done
}

workload() {
	exec >"$out/workload.out" 2>&1
	echo $$ >"$out/workload.pid"
	stamp workload
	mkdir -p "$work"
	dd if=/dev/urandom of="$work/src.bin" bs=64k count=16 2>/dev/null
	step ext4 w_ext4
	step vfat w_vfat
	step minix w_minix
	step isofs w_isofs
	step null_blk w_null_blk
	step nbd w_nbd
	step dm w_dm
	step net w_net
	step dummy w_dummy
	step uinput w_uinput
	step snd w_snd
	step zram w_zram
	stamp teardown
	teardown
	stamp unload
	unload "after the workload"
	stamp workload.end
	rm -rf "$work"
}

# --- the whole run ------------------------------------------------------------

# A line "NAME STATUS" in OUT/modprobe per module of MODULES; modprobe's words
# in OUT/modprobe.NAME.err; everything that came with them in OUT/modules.loaded.
load_modules() {
	for m in $MODULES; do
		# shellcheck disable=SC2046 # parameters are words
		modprobe "$m" $(params "$m") >"$out/modprobe.$m.err" 2>&1
		echo "$m $?" >>"$out/modprobe"
		[ -s "$out/modprobe.$m.err" ] || rm -f "$out/modprobe.$m.err"
	done
	ours >"$out/modules.loaded"
}

# The time from stamp $1 to stamp $2, in seconds.
span() {
	[ -f "$out/t.$1" ] && [ -f "$out/t.$2" ] || { echo "-"; return; }
	awk -v a="$(cat "$out/t.$1")" -v b="$(cat "$out/t.$2")" 'BEGIN { printf "%.1f", b - a }'
}

# Seconds per phase, from the guest's uptime: boot is the uptime at the start.
report_times() {
	{
		echo "boot $(cat "$out/t.start")"
		echo "load $(span start loaded)"
		if [ "$no_modwatch" = 1 ]; then
			:
		elif [ -f "$out/workload.alone" ]; then
			echo "modwatch $(span session session.end)"
		else
			echo "attach $(span session workload)"
		fi
		echo "workload $(span workload teardown)"
		echo "teardown $(span teardown unload)"
		echo "unload $(span unload workload.end)"
		[ "$no_modwatch" = 1 ] || [ -f "$out/workload.alone" ] ||
			echo "detach $(span workload.end session.end)"
		echo "total $(now)"
	} >"$out/times"
}

run() {
	rm -rf "$out"
	mkdir -p "$out"
	stamp start
	loaded >"$out/modules.base"
	load_modules
	stamp loaded
	stamp session
	if [ "$no_modwatch" = 1 ]; then
		sh "$0" workload "$out" "$build"
		echo "$?" >"$out/workload.rc"
	else
		# shellcheck disable=SC2086 # options are words
		"$build/modwatch" $mw_args --json -o "$out/real.json" -- \
			sh "$0" workload "$out" "$build" >"$out/modwatch.out" 2>"$out/modwatch.err" &
		mwpid=$!
		# A modwatch stuck attaching must not eat the VM's whole timeout:
		# stopped (as Ctrl-C would), it still reports what it saw.
		(
			sleep "$limit"
			kill -0 $mwpid 2>/dev/null || exit
			echo "modwatch still running after $limit s: sent SIGINT" >"$out/modwatch.timeout"
			kill -INT $mwpid
			sleep 30
			kill -KILL $mwpid 2>/dev/null
		) &
		wd=$!
		wait $mwpid
		echo "$?" >"$out/modwatch.rc"
		kill $wd 2>/dev/null
		# modwatch may have ended before its command: let the workload finish.
		pid=$(cat "$out/workload.pid" 2>/dev/null)
		while [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; do
			sleep 1
		done
	fi
	stamp session.end
	if [ ! -f "$out/t.workload" ]; then
		# modwatch never ran it: run it alone, so the workload and unload
		# results still say what the drivers do.
		echo "modwatch did not run the workload; ran without it" >"$out/workload.alone"
		sh "$0" workload "$out" "$build"
		echo "$?" >"$out/workload.rc"
	fi
	# Anything the workload could not unload (or left when cut short).
	unload "after the session"
	report_times
	dmesg >"$out/dmesg"
	echo complete >"$out/complete"
}

mode=${1-}
if [ "$mode" = workload ]; then
	out=$2 build=$3
else
	out=${1:?usage: guest-real.sh OUT BUILD [--no-modwatch | MODWATCH-OPTIONS]} build=${2:?no BUILD}
	shift 2
	no_modwatch=0
	[ "${1-}" != --no-modwatch ] || no_modwatch=1
	mw_args=$*
	# Seconds the modwatch session may take, attach and detach included.
	# Under TCG a kprobe costs ~50 ms to register and ~40 ms to remove, and
	# every module here (~5500 probes) is watched at once: ~8 min for both.
	# --deep on big modules takes longer: REAL_LIMIT (tests/real/deep-gate).
	limit=${REAL_LIMIT:-1200}
fi
drive=$build/real-drive
tools=$build/real-tools
ip=$tools/ip
work=/tmp/real

if [ "$mode" = workload ]; then
	workload
	# The steps' results are in OUT; exit 0 says only that the workload ran
	# to its end, so modwatch's status speaks for modwatch alone.
	exit 0
fi
run
