#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# /init of the tools/vm guest: busybox sh as PID 1.
#
# The initramfs is generic (built once per kernel), so everything that changes
# from run to run comes from the host through fw_cfg (opt/modwatch/env, shell
# assignments of MW_SHARE and MW_CMD).  CMD's stdout and stderr go to
# virtio-serial ports that the host relays as they are, and its exit status
# goes to a third port.  The serial console only carries kernel messages.

export PATH=/bin:/usr/sbin:/usr/bin HOME=/root TERM=dumb
# The initramfs holds this file alone (no tools/usage.sh): its usage inline.
case ${1-} in
-h | --help)
	echo "usage: vm-init.sh (the test VM's /init, started by the kernel: tools/vm run)"
	exit 0
	;;
esac

# Nothing can be reported to the host without the ports: say it on the
# console (the host keeps the serial log) and stop.
die() {
	echo "vm-init: $*"
	poweroff -f
	reboot -f
}

mount_pseudo_fs() {
	mount -t proc proc /proc
	mount -t sysfs sysfs /sys
	mount -t devtmpfs devtmpfs /dev
	exec </dev/console >/dev/console 2>&1
	mkdir -p /dev/pts /dev/shm
	mount -t devpts devpts /dev/pts
	mount -t tmpfs -o mode=1777 tmpfs /dev/shm
	mount -t tmpfs -o mode=1777 tmpfs /tmp
	mount -t tmpfs tmpfs /run
	mount -t tracefs tracefs /sys/kernel/tracing
	mount -t debugfs debugfs /sys/kernel/debug
	mount -t bpf bpf /sys/fs/bpf
	mount -t cgroup2 cgroup2 /sys/fs/cgroup
}

# The drivers for the shares and ports; modprobe quietly skips any that the
# kernel has built in (then there is no .ko for it).
load_drivers() {
	for m in virtio_pci virtio_console 9pnet_virtio 9p qemu_fw_cfg; do
		modprobe -q "$m" 2>/dev/null
	done
}

mount_9p() { # tag dir [extra options]
	mkdir -p "$2"
	mount -t 9p -o "trans=virtio,version=9p2000.L,msize=512000${3:+,$3}" "$1" "$2"
}

# The host offers the modules and libs shares only when it has them
# (MW_MODULES, MW_LIBS); they are read-only, so the guest may cache them.
mount_shares() {
	if [ -n "${MW_MODULES-}" ]; then
		mount_9p modules /lib/modules ro,cache=loose || die "cannot mount /lib/modules"
	fi
	# Host libraries let dynamically linked host binaries run here.
	if [ -n "${MW_LIBS-}" ]; then
		mount_9p libs /usr/lib/x86_64-linux-gnu ro,cache=loose || die "cannot mount libs"
	fi
	mount_9p host "$MW_SHARE" || die "cannot mount the share at $MW_SHARE"
}

# Port names arrive from the host shortly after the driver binds.
find_port() {
	n=0
	while [ $((n += 1)) -le 100 ]; do
		for p in /sys/class/virtio-ports/*; do
			[ "$(cat "$p/name" 2>/dev/null)" = "$1" ] && echo "/dev/${p##*/}" && return 0
		done
		sleep 0.05
	done
	return 1
}

main() {
	mount_pseudo_fs
	load_drivers
	env=/sys/firmware/qemu_fw_cfg/by_name/opt/modwatch/env/raw
	[ -r "$env" ] || die "no $env (qemu_fw_cfg missing?)"
	# shellcheck source=/dev/null
	. "$env"
	mount_shares
	out=$(find_port mw.stdout) || die "no mw.stdout port"
	err=$(find_port mw.stderr) || die "no mw.stderr port"
	status=$(find_port mw.status) || die "no mw.status port"
	# shellcheck disable=SC3045 # busybox ash has it
	ulimit -l unlimited
	cd "$MW_SHARE" || die "cannot cd to $MW_SHARE"
	sh -c "$MW_CMD" </dev/null >"$out" 2>"$err"
	echo "$?" >"$status"
	sync
	poweroff -f
	reboot -f
}

main
