// SPDX-License-Identifier: GPL-2.0
/*
 * Where reports go: standard output or a file, behind a stdio stream whose
 * writes never fail. A daemon that stops watching because its disk filled
 * up, or because whoever read its output went away, has stopped doing its
 * job: what cannot be written is kept (up to a bound), retried, and what
 * even that cannot keep is counted, in reports, and said.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <stdio.h>
#include "lib/error.h"
#include "report/output.h"

/* Bytes kept while the output refuses them: a few thousand reports. */
#define BACKLOG_MAX (4u << 20)

/*
 * Never O_TRUNC here: a session that fails to start must leave an existing
 * file as it was. A file this creates is removed again if the session never
 * starts; one that was there is truncated by mw_output_commit(), once the
 * session watches. 0600: reports name kernel addresses and the tasks that
 * made them.
 */
static int open_file(struct mw_output *o, const char *path, bool append)
{
	int flags = O_WRONLY | O_CLOEXEC | O_NOCTTY | (append ? O_APPEND : 0), fd;

	fd = open(path, flags | O_CREAT | O_EXCL, 0600);
	if (fd >= 0) {
		o->created = true;
		return fd;
	}
	if (errno != EEXIST)
		return -1;
	fd = open(path, flags);
	o->truncate = fd >= 0 && !append;
	return fd;
}

static void lines_in(const char *buf, size_t len, __u64 *n)
{
	const char *end = buf + len, *nl;

	for (; buf < end && (nl = memchr(buf, '\n', end - buf)); buf = nl + 1)
		(*n)++;
}

/* Write what the backlog holds; 0 when it is empty, else -errno. */
static int drain_backlog(struct mw_output *o)
{
	ssize_t n;

	while (o->blen) {
		n = o->fd < 0 ? -1 : write(o->fd, o->backlog, o->blen);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return o->fd < 0 ? -EBADF : n < 0 ? -errno : -EIO;
		memmove(o->backlog, o->backlog + n, o->blen - n);
		o->blen -= n;
	}
	return 0;
}

static void say_failed(struct mw_output *o, int err)
{
	if (o->err)
		return;
	o->err = err;
	o->errors++;
	mw_warn("cannot write reports to %s: %s: keeping up to %u KiB of them and retrying; "
		"watching goes on", o->name, strerror(-err), BACKLOG_MAX >> 10);
}

static void say_recovered(struct mw_output *o)
{
	if (!o->err)
		return;
	o->err = 0;
	mw_warn("writing reports to %s again (%llu lines lost while it failed, %llu in all)",
		o->name, (unsigned long long)(o->dropped - o->dropped_said),
		(unsigned long long)o->dropped);
	o->dropped_said = o->dropped;
}

/*
 * Keep @buf for later, or what fits of it: whole lines, so that the file
 * never holds the start of one line glued to the end of another.
 */
static void keep(struct mw_output *o, const char *buf, size_t len)
{
	size_t room = BACKLOG_MAX - o->blen, cut;

	if (o->dropping) {	/* the rest of a line whose start was dropped */
		const char *nl = memchr(buf, '\n', len);

		if (!nl)
			return;
		o->dropping = false;
		len -= nl + 1 - buf;
		buf = nl + 1;
	}
	if (len <= room) {
		memcpy(o->backlog + o->blen, buf, len);
		o->blen += len;
		return;
	}
	for (cut = room; cut && buf[cut - 1] != '\n'; cut--)
		;
	if (!cut)	/* not even the end of the backlog's last line fits */
		while (o->blen && o->backlog[o->blen - 1] != '\n')
			o->blen--;
	lines_in(buf + cut, len - cut, &o->dropped);
	if (buf[len - 1] != '\n') {
		o->dropped++;
		o->dropping = true;
	}
	memcpy(o->backlog + o->blen, buf, cut);
	o->blen += cut;
}

/* fopencookie's write: never short, never an error, so stdio never gives up. */
static ssize_t cookie_write(void *cookie, const char *buf, size_t len)
{
	struct mw_output *o = cookie;
	ssize_t n = 0;
	int err;

	err = drain_backlog(o);
	while (!err && (size_t)n < len && !o->dropping) {
		ssize_t w = write(o->fd, buf + n, len - n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			err = w < 0 ? -errno : -EIO;
		else
			n += w;
	}
	if (err)
		say_failed(o, err);
	else
		say_recovered(o);
	if ((size_t)n < len)
		keep(o, buf + n, len - n);
	return len;
}

static int cookie_close(void *cookie)
{
	(void)cookie;
	return 0;
}

/*
 * @path NULL: standard output, which is never reopened nor closed. The
 * stream's cookie is the struct itself, so it lives on the heap and never
 * moves: mw_output_close() frees it.
 */
int mw_output_open(struct mw_output **op, const char *path, bool append)
{
	cookie_io_functions_t io = { .write = cookie_write, .close = cookie_close };
	struct mw_output *o = calloc(1, sizeof(*o));
	int err;

	if (!o)
		return -ENOMEM;
	o->fd = path ? open_file(o, path, append) : STDOUT_FILENO;
	o->backlog = o->fd >= 0 ? malloc(BACKLOG_MAX) : NULL;
	o->f = o->backlog ? fopencookie(o, "w", io) : NULL;
	if (!o->f) {
		err = -errno;	/* open(), malloc() or fopencookie() */
		if (o->fd >= 0 && path)
			close(o->fd);
		if (o->created)
			unlink(path);
		free(o->backlog);
		free(o);
		return err;
	}
	snprintf(o->name, sizeof(o->name), "%s", path ? path : "standard output");
	o->path = path ? o->name : NULL;
	o->append = append;
	*op = o;
	return 0;
}

/*
 * The session watches: a file that was there is now replaced (without
 * --append), and a file this made is kept. Nothing is written before this.
 */
int mw_output_commit(struct mw_output *o)
{
	struct stat st;

	o->created = false;
	if (!o->truncate)
		return 0;
	o->truncate = false;
	fflush(o->f);
	if (fstat(o->fd, &st) || !S_ISREG(st.st_mode))
		return 0;	/* /dev/null, a pipe: nothing to truncate */
	if (ftruncate(o->fd, 0) || lseek(o->fd, 0, SEEK_SET) < 0)
		return -errno;
	return 0;
}

/*
 * SIGHUP: logrotate has moved the file away (or truncated it); write a new
 * one at the same path, appending, never truncating what it may hold.
 */
int mw_output_reopen(struct mw_output *o)
{
	int fd;

	if (!o->path)
		return 0;
	fflush(o->f);
	fd = open(o->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOCTTY, 0600);
	if (fd < 0)
		return -errno;
	if (o->fd >= 0)
		close(o->fd);
	o->fd = fd;
	o->created = false;
	mw_output_retry(o);
	return 0;
}

/* From the event loop: write what a failed write left behind. */
void mw_output_retry(struct mw_output *o)
{
	int err;

	if (!o->blen)
		return;
	err = drain_backlog(o);
	if (err)
		say_failed(o, err);
	else
		say_recovered(o);
}

/*
 * What could not be written at the end is lost: counted, then said. @o is
 * freed; returns the report lines lost in all.
 */
__u64 mw_output_close(struct mw_output *o)
{
	__u64 dropped;

	if (!o)
		return 0;
	fflush(o->f);
	fclose(o->f);
	mw_output_retry(o);
	lines_in(o->backlog, o->blen, &o->dropped);
	if (o->dropped > o->dropped_said)
		mw_warn("%llu report lines could not be written to %s",
			(unsigned long long)(o->dropped - o->dropped_said), o->name);
	if (o->path)
		close(o->fd);
	if (o->created)		/* the session never started: leave no empty file */
		unlink(o->path);
	dropped = o->dropped;
	free(o->backlog);
	free(o);
	return dropped;
}
