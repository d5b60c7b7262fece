// SPDX-License-Identifier: GPL-2.0
/*
 * sd_notify's protocol (notify.c) against real sockets standing in for
 * systemd's: a datagram socket bound at a file, or at an abstract name,
 * that $NOTIFY_SOCKET names. What arrives is checked byte for byte.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include <stdio.h>
#include "service/notify.h"
#include "test.h"

struct sock {
	char dir[32];
	char name[128];		/* as $NOTIFY_SOCKET names it */
	int fd;
};

/* systemd's side: a datagram socket at a file in a new folder, or at an abstract name. */
static int sock_bind(struct sock *s, bool abstract)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	socklen_t len;

	s->fd = -1;
	strcpy(s->dir, "/tmp/mw-notify-XXXXXX");
	if (abstract) {
		s->dir[0] = '\0';
		snprintf(s->name, sizeof(s->name), "@mw-notify-test-%d", getpid());
		memcpy(sa.sun_path + 1, s->name + 1, strlen(s->name) - 1);
		len = offsetof(struct sockaddr_un, sun_path) + strlen(s->name);
	} else {
		if (!mkdtemp(s->dir))
			return -errno;
		snprintf(s->name, sizeof(s->name), "%s/notify", s->dir);
		strcpy(sa.sun_path, s->name);
		len = sizeof(sa);
	}
	s->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s->fd < 0 || bind(s->fd, (struct sockaddr *)&sa, len))
		return -errno;
	return setenv("NOTIFY_SOCKET", s->name, 1) ? -errno : 0;
}

static void sock_unbind(struct sock *s)
{
	unsetenv("NOTIFY_SOCKET");
	if (s->fd >= 0)
		close(s->fd);
	if (s->dir[0]) {
		unlink(s->name);
		rmdir(s->dir);
	}
}

/* The next datagram, NUL-terminated in @buf: its length, or -errno (-EAGAIN: none). */
static int sock_recv(struct sock *s, char *buf, size_t size)
{
	ssize_t n = recv(s->fd, buf, size - 1, MSG_DONTWAIT);

	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return n;
}

TEST(notify_sends_the_state_in_one_datagram_to_the_socket_file)
{
	const char *want = "READY=1\nSTATUS=watching 3 modules";
	struct sock s;
	char buf[256];

	ASSERT_OK(sock_bind(&s, false), "bind a socket in a temp folder");
	ASSERT_OK(mw_notify("READY=1\nSTATUS=watching %d modules", 3), "mw_notify()");
	ASSERT_EQ(sock_recv(&s, buf, sizeof(buf)), strlen(want), "one datagram, no NUL at its end");
	ASSERT_TRUE(!strcmp(buf, want), "the state string, as formatted");
	ASSERT_EQ(sock_recv(&s, buf, sizeof(buf)), -EAGAIN, "and nothing else");
	sock_unbind(&s);
}

TEST(notify_reaches_an_abstract_socket_when_the_name_starts_with_at)
{
	struct sock s;
	char buf[256];

	ASSERT_OK(sock_bind(&s, true), "bind an abstract socket");
	ASSERT_OK(mw_notify("WATCHDOG=1"), "mw_notify()");
	ASSERT_EQ(sock_recv(&s, buf, sizeof(buf)), 10, "one datagram");
	ASSERT_TRUE(!strcmp(buf, "WATCHDOG=1"), "the state string");
	sock_unbind(&s);
}

TEST(notify_outside_systemd_succeeds_and_sends_nothing)
{
	struct sock s;
	char buf[256];

	ASSERT_OK(sock_bind(&s, false), "bind a socket in a temp folder");
	ASSERT_OK(mw_notify("READY=1"), "first, under \"systemd\"");
	ASSERT_EQ(sock_recv(&s, buf, sizeof(buf)), 7, "the first message arrives");
	unsetenv("NOTIFY_SOCKET");
	ASSERT_OK(mw_notify("STATUS=alone"), "no $NOTIFY_SOCKET: nothing to do");
	ASSERT_EQ(sock_recv(&s, buf, sizeof(buf)), -EAGAIN, "the last address is not reused");
	sock_unbind(&s);
}

TEST(notify_fails_with_errno_for_addresses_it_cannot_reach)
{
	static const struct {
		const char *addr;
		int err;
	} cases[] = {
		{ "/nonexistent/mw-notify", -ENOENT },
		{ "@", -EINVAL },
		{ "run/relative", -EAFNOSUPPORT },
		{ "vsock:2:1234", -EAFNOSUPPORT },
		{ "", -EAFNOSUPPORT },
		{ "/tmp/an-address-longer-than-sun-path-can-hold/"
		  "............................................................................",
		  -EINVAL },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		setenv("NOTIFY_SOCKET", cases[i].addr, 1);
		ASSERT_EQ(mw_notify("READY=1"), cases[i].err, cases[i].addr);
	}
	unsetenv("NOTIFY_SOCKET");
}

/* The unbound AF_UNIX datagram sockets here (mw_notify()'s), and how many are close-on-exec. */
static int client_sockets(int *cloexec)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int n = 0;

	*cloexec = 0;
	while (d && (de = readdir(d))) {
		struct sockaddr_un sa;
		socklen_t len = sizeof(sa);
		int fd = atoi(de->d_name), type;
		socklen_t tlen = sizeof(type);

		if (fd == dirfd(d) || getsockname(fd, (struct sockaddr *)&sa, &len) ||
		    sa.sun_family != AF_UNIX || len != sizeof(sa_family_t) ||
		    getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tlen) || type != SOCK_DGRAM)
			continue;
		n++;
		*cloexec += !!(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	}
	if (d)
		closedir(d);
	return n;
}

TEST(notify_keeps_one_close_on_exec_socket)
{
	int i, before, after, cloexec;
	struct sock s;
	char buf[256];

	ASSERT_OK(sock_bind(&s, false), "bind a socket in a temp folder");
	ASSERT_OK(mw_notify("READY=1"), "the first message opens the socket");
	before = client_sockets(&cloexec);
	ASSERT_GT(before, 0, "mw_notify()'s socket is there");
	ASSERT_EQ(cloexec, before, "and close-on-exec");
	for (i = 0; i < 3; i++)
		ASSERT_OK(mw_notify("WATCHDOG=1"), "more messages");
	after = client_sockets(&cloexec);
	ASSERT_EQ(after, before, "sent on the same socket");
	for (i = 0; i < 4; i++)
		ASSERT_GT(sock_recv(&s, buf, sizeof(buf)), 0, "every message arrived");
	sock_unbind(&s);
}

TEST(watchdog_usec_is_for_this_process_only)
{
	static const struct {
		const char *usec;
		int pid;	/* 0: unset, 1: ours, 2: another process', 3: not a number */
		__u64 want;
	} cases[] = {
		{ "30000000", 0, 30000000 },
		{ "30000000", 1, 30000000 },
		{ "30000000", 2, 0 },
		{ "30000000", 3, 0 },
		{ NULL, 0, 0 },
		{ "", 0, 0 },
		{ "12x", 0, 0 },
		{ "-5", 0, 0 },
		{ " 5", 0, 0 },
		{ "99999999999999999999999", 0, 0 },
	};
	char pid[32];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (cases[i].usec)
			setenv("WATCHDOG_USEC", cases[i].usec, 1);
		else
			unsetenv("WATCHDOG_USEC");
		snprintf(pid, sizeof(pid), cases[i].pid == 3 ? "me" : "%d",
			 getpid() + (cases[i].pid == 2));
		if (cases[i].pid)
			setenv("WATCHDOG_PID", pid, 1);
		else
			unsetenv("WATCHDOG_PID");
		ASSERT_EQ(mw_notify_watchdog_usec(), cases[i].want,
			  cases[i].usec ? cases[i].usec : "(unset)");
	}
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
}

/* In a child, as the forgetting is for good: what went wrong, as its exit status. */
static int forget_in_child(void)
{
	char pid[32];

	snprintf(pid, sizeof(pid), "%d", getpid());
	setenv("WATCHDOG_USEC", "5000000", 1);
	setenv("WATCHDOG_PID", pid, 1);
	mw_notify_forget_env();
	if (getenv("NOTIFY_SOCKET") || getenv("WATCHDOG_USEC") || getenv("WATCHDOG_PID"))
		return 1;
	if (mw_notify_watchdog_usec() != 5000000)
		return 2;
	if (mw_notify("STOPPING=1"))
		return 3;
	return 0;
}

TEST(forget_env_hides_the_variables_but_keeps_notifying)
{
	struct sock s;
	char buf[256];
	int status;
	pid_t pid;

	ASSERT_OK(sock_bind(&s, false), "bind a socket in a temp folder");
	pid = fork();
	if (!pid)
		_exit(forget_in_child());
	ASSERT_GT(pid, 0, "fork()");
	ASSERT_EQ(waitpid(pid, &status, 0), pid, "waitpid()");
	ASSERT_TRUE(WIFEXITED(status), "the child exits");
	ASSERT_EQ(WEXITSTATUS(status), 0,
		  "1: variables left, 2: watchdog interval lost, 3: mw_notify() failed");
	ASSERT_EQ(sock_recv(&s, buf, sizeof(buf)), 10, "the message sent after forgetting");
	ASSERT_TRUE(!strcmp(buf, "STOPPING=1"), "arrived");
	sock_unbind(&s);
}
