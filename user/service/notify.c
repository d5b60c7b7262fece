// SPDX-License-Identifier: GPL-2.0
/*
 * Telling systemd how the daemon is doing (READY=1, STATUS=..., WATCHDOG=1),
 * by sd_notify's documented protocol: one datagram per message, to the
 * AF_UNIX socket $NOTIFY_SOCKET names (an abstract one when it starts with
 * '@'). The binary is static, so libsystemd is not linked: the protocol is
 * small enough to speak directly. systemd learns the sender's pid from the
 * kernel (SO_PASSCRED on its side), so no credentials are sent.
 *
 * CI mode runs a command as a child: it must not inherit the variables, or
 * it could notify (and ping the watchdog) as if it were modwatch. After
 * mw_notify_forget_env() the address and the watchdog interval are the ones
 * the environment had then, and the environment is no longer read.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include "service/notify.h"

static struct {
	int fd;			/* -1 until the first message */
	struct sockaddr_un sa;
	socklen_t len;		/* of sa, 0: not under systemd */
	bool frozen;		/* by mw_notify_forget_env(): sa, len and watchdog stay */
	__u64 watchdog;
} nt = { .fd = -1 };

/* @s, all decimal digits, as a number: 0, or -EINVAL (strtoull would take " -1"). */
static int parse_u64(const char *s, unsigned long long *v)
{
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	*v = strtoull(s, &end, 10);
	return errno || *end ? -EINVAL : 0;
}

/* $NOTIFY_SOCKET as an address: a file ('/') or an abstract name ('@'). */
static int notify_addr(const char *path)
{
	size_t n = strlen(path);

	nt.len = 0;
	/* "vsock:CID:PORT" notifies a VM's host: not a place modwatch runs. */
	if (path[0] != '/' && path[0] != '@')
		return -EAFNOSUPPORT;
	if (n >= sizeof(nt.sa.sun_path) || !strcmp(path, "@"))
		return -EINVAL;
	memset(&nt.sa, 0, sizeof(nt.sa));
	nt.sa.sun_family = AF_UNIX;
	memcpy(nt.sa.sun_path, path, n);
	/* An abstract name is its bytes after a NUL, to the address' length: no NUL at its end. */
	if (path[0] == '@')
		nt.sa.sun_path[0] = '\0';
	nt.len = offsetof(struct sockaddr_un, sun_path) + n + (path[0] == '/');
	return 0;
}

/* Where to notify: 1 when under systemd (and the socket is open), 0 when not, or -errno. */
static int notify_target(void)
{
	const char *path = getenv("NOTIFY_SOCKET");
	int err;

	if (!nt.frozen) {
		if (!path) {
			nt.len = 0;
			return 0;
		}
		err = notify_addr(path);
		if (err)
			return err;
	}
	if (!nt.len)
		return 0;
	if (nt.fd < 0) {
		nt.fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (nt.fd < 0)
			return -errno;
	}
	return 1;
}

/*
 * Not connect()ed: each datagram is addressed, so a re-executed systemd,
 * whose socket is a new one at the same name, still gets our messages.
 */
static int notify_send(const char *msg, size_t len)
{
	ssize_t n;

	do
		n = sendto(nt.fd, msg, len, MSG_NOSIGNAL, (struct sockaddr *)&nt.sa, nt.len);
	while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : 0;
}

int mw_notify(const char *fmt, ...)
{
	va_list ap;
	char *msg;
	int err, n;

	err = notify_target();
	if (err <= 0)
		return err;
	va_start(ap, fmt);
	n = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -ENOMEM;
	err = n ? notify_send(msg, n) : -EINVAL;
	free(msg);
	return err;
}

/* $WATCHDOG_USEC, unless $WATCHDOG_PID says the watchdog is another process'. */
static __u64 watchdog_env(void)
{
	const char *usec = getenv("WATCHDOG_USEC"), *pid = getenv("WATCHDOG_PID");
	unsigned long long v, p;

	if (!usec || parse_u64(usec, &v))
		return 0;
	if (pid && (parse_u64(pid, &p) || p != (unsigned long long)getpid()))
		return 0;
	return v;
}

__u64 mw_notify_watchdog_usec(void)
{
	return nt.frozen ? nt.watchdog : watchdog_env();
}

void mw_notify_forget_env(void)
{
	if (!nt.frozen) {
		nt.watchdog = watchdog_env();
		/* Opened now (an unusable address is forgotten as not under systemd). */
		notify_target();
		nt.frozen = true;
	}
	unsetenv("NOTIFY_SOCKET");
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
}

static __u64 mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000ull + ts.tv_nsec / 1000;
}

/*
 * WATCHDOG=1 at half the interval systemd asked for, from wherever the
 * daemon spends time: its event loop, and the loops that attach thousands
 * of probes (a module of 500 call sites takes seconds) so that a slow
 * attach is not mistaken for a hang.
 */
void mw_watchdog_kick(void)
{
	static __u64 interval, last;
	static bool known;
	__u64 now;

	if (!known) {
		interval = mw_notify_watchdog_usec() / 2;
		known = true;
	}
	if (!interval)
		return;
	now = mono_us();
	if (now - last < interval)
		return;
	last = now;
	mw_notify("WATCHDOG=1");
}
