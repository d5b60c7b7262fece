// SPDX-License-Identifier: GPL-2.0
/*
 * One watching modwatch per kernel, with the capabilities it needs. Two
 * instances would probe every call twice, report every violation twice
 * and fight over the crash log's sysctl; a missing capability found half
 * way through loading is an obscure EPERM instead of a fix.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/sysmacros.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <linux/capability.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include "lib/error.h"
#include "session/instance.h"

#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif

/*
 * What each capability is for, in the order they are checked. Found by
 * dropping each in the test VM (tests/e2e): without it modwatch cannot
 * run, so none is asked for "just in case".
 */
static const struct {
	int cap;
	const char *name;
	const char *why;
} needed[] = {
	{ CAP_BPF, "CAP_BPF", "BPF programs and maps" },
	{ CAP_PERFMON, "CAP_PERFMON", "kprobes, tracepoints and kernel stacks" },
	{ CAP_SYSLOG, "CAP_SYSLOG", "kernel and module addresses in /proc/kallsyms and /sys/module" },
};

static bool has_cap(const struct __user_cap_data_struct d[2], int cap)
{
	return d[cap / 32].effective & (1u << (cap % 32));
}

/* 0, or -EPERM with the missing capability said. */
int mw_caps_check(void)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2] = {};
	size_t i;

	if (syscall(SYS_capget, &h, d))
		return geteuid() ? -EPERM : 0;
	for (i = 0; i < sizeof(needed) / sizeof(needed[0]); i++) {
		if (has_cap(d, needed[i].cap))
			continue;
		/* Before 5.8 there was no CAP_BPF nor CAP_PERFMON: CAP_SYS_ADMIN was both. */
		if (needed[i].cap >= CAP_PERFMON && has_cap(d, CAP_SYS_ADMIN))
			continue;
		mw_err("missing capability %s (%s): run as root (sudo modwatch), or grant it "
		       "(the unit's CapabilityBoundingSet)", needed[i].name, needed[i].why);
		return -EPERM;
	}
	return 0;
}

/*
 * Can this process open system-wide perf events, as every kprobe is one?
 * Upstream, CAP_PERFMON is enough at any kernel.perf_event_paranoid. Debian
 * and Ubuntu patch the kernel so that a value above 2 (their default is 3)
 * lets only CAP_SYS_ADMIN open any: ask the kernel with a dummy software
 * event rather than guess from the distribution.
 */
int mw_caps_check_perf(void)
{
	struct perf_event_attr attr = {
		.type = PERF_TYPE_SOFTWARE,
		.size = sizeof(attr),
		.config = PERF_COUNT_SW_DUMMY,
	};
	int fd = syscall(SYS_perf_event_open, &attr, -1, 0, -1, PERF_FLAG_FD_CLOEXEC);
	int paranoid = 0;
	FILE *f;

	if (fd >= 0) {
		close(fd);
		return 0;
	}
	if (errno != EACCES && errno != EPERM)
		return 0;	/* not a permission problem: the attach says what it is */
	f = fopen("/proc/sys/kernel/perf_event_paranoid", "re");
	if (f) {
		if (fscanf(f, "%d", &paranoid) != 1)
			paranoid = 0;
		fclose(f);
	}
	mw_err("the kernel will not let modwatch open kprobes (kernel.perf_event_paranoid is %d: "
	       "Debian's and Ubuntu's kernels then ask for CAP_SYS_ADMIN): grant CAP_SYS_ADMIN "
	       "too (the unit does), or set kernel.perf_event_paranoid=2", paranoid);
	return -EPERM;
}

/* Where the lock is: chosen by mw_instance_lock(), from runtime_dirs(). */
static char runtime_dir[4096];

/*
 * The lock's folders, in order: $RUNTIME_DIRECTORY (systemd's
 * RuntimeDirectory=), $MODWATCH_RUNTIME_DIR (the tests' stand-in for /run),
 * /run/modwatch; then, where there is no /run (a CI container) or it is
 * read-only, ${TMPDIR:-/tmp}/modwatch-UID. Returns how many it filled in.
 */
static int runtime_dirs(char dirs[3][4096])
{
	const char *env = getenv("RUNTIME_DIRECTORY"), *tmp = getenv("TMPDIR");
	int n = 0;

	if (env && *env == '/')
		snprintf(dirs[n++], sizeof(dirs[0]), "%s", env);
	env = getenv("MODWATCH_RUNTIME_DIR");
	snprintf(dirs[n++], sizeof(dirs[0]), "%s", env && *env == '/' ? env : "/run/modwatch");
	snprintf(dirs[n++], sizeof(dirs[0]), "%s/modwatch-%u", tmp && *tmp == '/' ? tmp : "/tmp",
		 (unsigned int)geteuid());
	return n;
}

/*
 * The runtime folder: the lock's, once taken; else (modwatch status, which
 * takes none) the first of runtime_dirs() that is a folder, as an instance
 * that made it chose it; else the first.
 */
const char *mw_runtime_dir(void)
{
	char dirs[3][4096];
	struct stat st;
	int i, n;

	if (runtime_dir[0])
		return runtime_dir;
	n = runtime_dirs(dirs);
	for (i = 0; i < n; i++)
		if (!stat(dirs[i], &st) && S_ISDIR(st.st_mode))
			break;
	memcpy(runtime_dir, dirs[i < n ? i : 0], sizeof(runtime_dir));
	return runtime_dir;
}

/*
 * A folder in a shared /tmp is only ours if it is a real folder (no
 * symlink), this user's and no one else's to write: else another user could
 * hold or replace the lock. 0 or -errno (said).
 */
static int check_private(const char *dir)
{
	struct stat st;

	if (lstat(dir, &st))
		return -errno;
	if (!S_ISDIR(st.st_mode)) {
		mw_warn("%s is not a folder (a symlink?): not using it for the instance lock", dir);
		return -ENOTDIR;
	}
	if (st.st_uid != geteuid() || (st.st_mode & 0022)) {
		mw_warn("%s belongs to uid %u or others may write to it: not using it for the "
			"instance lock", dir, (unsigned int)st.st_uid);
		return -EPERM;
	}
	return 0;
}

/* The lock file in @dir, made 0700 if missing: its fd, or -errno (not said). */
static int open_lock(const char *dir, bool shared)
{
	char path[4200];
	int err;

	if (mkdir(dir, 0700) && errno != EEXIST)
		return -errno;
	if (shared && (err = check_private(dir)))
		return err;
	if (snprintf(path, sizeof(path), "%s/" MW_LOCK_FILE, dir) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	err = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	return err < 0 ? -errno : err;
}

static void say_other(int fd, const char *path)
{
	char buf[32] = "";
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
	long pid = n > 0 ? strtol(buf, NULL, 10) : 0;

	if (pid > 0)
		mw_err("another modwatch (pid %ld) is already watching this kernel (%s): stop it "
		       "first (systemctl stop modwatch, or kill %ld)", pid, path, pid);
	else
		mw_err("another modwatch is already watching this kernel (%s holds its lock): "
		       "stop it first (systemctl stop modwatch)", path);
}

/* Hold the lock of @fd, in @dir, into *@held: 0 or -errno (said). */
static int take_lock(int fd, const char *dir, int *held)
{
	char path[4200], pid[24];
	int n;

	if (snprintf(path, sizeof(path), "%s/" MW_LOCK_FILE, dir) >= (int)sizeof(path))
		path[0] = '\0';	/* open_lock() made it: it fits */
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		int err = errno == EWOULDBLOCK ? -EBUSY : -errno;

		if (err == -EBUSY)
			say_other(fd, path);
		else
			mw_err("cannot lock %s: %s", path, strerror(-err));
		close(fd);
		return err;
	}
	n = snprintf(pid, sizeof(pid), "%d\n", getpid());
	if (ftruncate(fd, 0) || pwrite(fd, pid, n, 0) != n)
		mw_warn("cannot write this pid to %s: %s", path, strerror(errno));
	*held = fd;
	return 0;
}

/*
 * Take the instance lock, held until exit (the kernel drops it when the
 * process dies, however it dies), in the first of runtime_dirs() that works;
 * a fallback is one note. With nowhere to put it, CI mode (@ci) goes on
 * without one (*@held stays -1): its session ends with its command.
 * 0 or -errno (said).
 */
int mw_instance_lock(bool ci, int *held)
{
	char dirs[3][4096];
	int i, n = runtime_dirs(dirs), fd = -ENOENT, first = 0;

	for (i = 0; i < n; i++) {
		fd = open_lock(dirs[i], i == n - 1);
		if (fd >= 0)
			break;
		if (!i)
			first = fd;
	}
	if (fd < 0 && !ci) {
		mw_err("cannot make %s for the instance lock: %s (nor %s: %s)", dirs[0],
		       strerror(-first), dirs[n - 1], strerror(-fd));
		return fd;
	}
	if (fd < 0) {
		mw_warn("no instance lock: cannot make %s (%s) nor %s (%s); CI mode goes on "
			"without one", dirs[0], strerror(-first), dirs[n - 1], strerror(-fd));
		return 0;
	}
	if (i)
		mw_note("cannot use %s for the instance lock (%s): it is in %s", dirs[0],
			strerror(-first), dirs[i]);
	memcpy(runtime_dir, dirs[i], sizeof(runtime_dir));
	return take_lock(fd, dirs[i], held);
}

/*
 * Who holds the instance lock, read from /proc/locks rather than by trying
 * it: a reader that took the lock, even for a moment, could turn away an
 * instance starting then. 1 if held (*pid its holder, 0 if the kernel
 * shows none in this pid namespace), 0 if not (or there is no lock file),
 * or -errno.
 */
int mw_instance_holder(pid_t *pid)
{
	char path[4200], line[256];
	unsigned int maj, min;
	unsigned long ino;
	struct stat st;
	long holder = 0;
	int held = 0;
	FILE *f;

	*pid = 0;
	snprintf(path, sizeof(path), "%s/" MW_LOCK_FILE, mw_runtime_dir());
	if (stat(path, &st))
		return errno == ENOENT ? 0 : -errno;
	f = fopen("/proc/locks", "re");
	if (!f)
		return -errno;
	/* "1: FLOCK  ADVISORY  WRITE 1234 00:1a:5678 0 EOF"; a waiter's line has "->" first. */
	while (!held && fgets(line, sizeof(line), f))
		held = sscanf(line, "%*s FLOCK %*s %*s %ld %x:%x:%lu", &holder, &maj, &min,
			      &ino) == 4 && ino == st.st_ino && maj == major(st.st_dev) &&
		       min == minor(st.st_dev);
	fclose(f);
	if (held)
		*pid = holder > 0 ? holder : 0;
	return held;
}
