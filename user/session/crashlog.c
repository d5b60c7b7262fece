// SPDX-License-Identifier: GPL-2.0
/*
 * Reports that survive a kernel crash. A double free usually runs into
 * SLUB's freelist check (kernel BUG at mm/slub.c) right after modwatch's
 * probe fired; with panic_on_oops the ring buffer, and the report in it,
 * die with the kernel. So the BPF side also writes such reports into the
 * kernel's trace buffer (mw_crash_line() in bpf/common.bpf.h), and while
 * modwatch runs, ftrace_dump_on_oops has the kernel print the oopsing
 * CPU's trace buffer to the console on an oops: to the serial log, pstore
 * or kdump's dmesg. A setting the user made (non-zero) is left alone; ours
 * is undone on exit. A modwatch killed by SIGKILL cannot undo it: a marker
 * in the runtime folder says the setting is ours, and the next modwatch
 * (the instance lock makes it the only one) undoes it when it exits.
 */
#include <stdbool.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "session/crashlog.h"
#include "session/instance.h"

#define DUMP_ON_OOPS "/proc/sys/kernel/ftrace_dump_on_oops"

static bool armed;

/* $RUNTIME_DIRECTORY/crashlog: the knob's 2 is modwatch's, not the user's. */
static void marker_path(char *buf, size_t len)
{
	snprintf(buf, len, "%s/crashlog", mw_runtime_dir());
}

static bool marked(void)
{
	char path[4096];

	marker_path(path, sizeof(path));
	return !access(path, F_OK);
}

static void mark(bool on)
{
	char path[4096];
	int fd;

	marker_path(path, sizeof(path));
	if (!on) {
		unlink(path);
		return;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	if (fd >= 0)
		close(fd);
}

static int write_setting(const char *v)
{
	int fd = open(DUMP_ON_OOPS, O_WRONLY | O_CLOEXEC), err = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, v, 1) != 1)
		err = -errno;
	close(fd);
	return err;
}

int mw_crashlog_arm(void)
{
	FILE *f = fopen(DUMP_ON_OOPS, "re");
	int v = -1, err;

	if (!f)
		return -errno;
	if (fscanf(f, "%d", &v) != 1)
		v = -1;
	fclose(f);
	if (v == 2 && marked()) {	/* set by a modwatch that was killed: ours */
		armed = true;
		return 0;
	}
	if (v)
		return v < 0 ? -EINVAL : 0;	/* the user's own setting stays */
	mark(true);
	err = write_setting("2");		/* 2: the oopsing CPU's buffer only */
	armed = !err;
	if (err)
		mark(false);
	return err;
}

void mw_crashlog_disarm(void)
{
	if (armed && !write_setting("0")) {
		armed = false;
		mark(false);
	}
}
