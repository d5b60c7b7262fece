// SPDX-License-Identifier: GPL-2.0
/*
 * The report stream: a full disk (/dev/full) or a reader gone away never
 * makes a write fail; what was refused comes out later, in order, whole
 * lines only, and what could not be kept is counted.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <stdio.h>
#include "report/output.h"
#include "test.h"

static char *slurp(const char *path, size_t *len)
{
	static char buf[8 << 20];
	int fd = open(path, O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);

	if (fd >= 0)
		close(fd);
	*len = n > 0 ? n : 0;
	buf[*len] = '\0';
	return buf;
}

static void tmp_path(char *buf, size_t len, const char *what)
{
	snprintf(buf, len, "/tmp/mw-output-%d-%s", getpid(), what);
	unlink(buf);
}

/* Swap the output's descriptor for a file: the disk has room again. */
static void disk_freed(struct mw_output *o, const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	dup2(fd, o->fd);
	close(fd);
}

TEST(output_full_disk_keeps_and_retries)
{
	struct mw_output *o;
	char path[64], *got;
	size_t len;
	int i;

	tmp_path(path, sizeof(path), "full");
	ASSERT_OK(mw_output_open(&o, "/dev/full", true), "open /dev/full");
	for (i = 0; i < 100; i++)
		ASSERT_TRUE(fprintf(o->f, "report %d\n", i) > 0, "fprintf never fails");
	ASSERT_OK(fflush(o->f), "fflush never fails");
	ASSERT_EQ(o->err, -ENOSPC, "the failure is known");
	ASSERT_EQ(o->errors, 1, "and counted once");
	ASSERT_EQ(o->dropped, 0, "nothing lost yet: kept");
	disk_freed(o, path);
	mw_output_retry(o);
	ASSERT_EQ(o->err, 0, "recovered");
	ASSERT_EQ(o->blen, 0, "backlog written");
	fprintf(o->f, "report 100\n");
	ASSERT_EQ(mw_output_close(o), 0, "none lost");
	got = slurp(path, &len);
	ASSERT_TRUE(!strncmp(got, "report 0\nreport 1\n", 18), "in order, from the first");
	ASSERT_TRUE(strstr(got, "report 99\nreport 100\n") != NULL, "and the later ones after");
	unlink(path);
}

/* Past the backlog's bound lines are dropped whole and counted. */
TEST(output_full_disk_drops_whole_lines)
{
	struct mw_output *o;
	char path[64], line[128], *got, *p;
	size_t len;
	int i, n = 60000, lines = 0;
	__u64 dropped;

	tmp_path(path, sizeof(path), "drop");
	ASSERT_OK(mw_output_open(&o, "/dev/full", false), "open /dev/full");
	for (i = 0; i < n; i++) {
		snprintf(line, sizeof(line), "{\"kind\":\"use_after_free\",\"n\":%d,\"pad\":\"%040d\"}\n",
			 i, i);
		fputs(line, o->f);
	}
	fflush(o->f);
	ASSERT_GT(o->dropped, 0, "some lines lost past 4 MiB");
	disk_freed(o, path);
	dropped = mw_output_close(o);
	got = slurp(path, &len);
	ASSERT_GT(len, 0, "the kept lines were written");
	ASSERT_EQ(got[len - 1], '\n', "the file ends with a whole line");
	for (p = got; *p; p = strchr(p, '\n') + 1) {
		ASSERT_TRUE(!strncmp(p, "{\"kind\":", 8), "every line is whole");
		lines++;
	}
	ASSERT_EQ(lines + dropped, n, "written + dropped = made");
	unlink(path);
}

/* A reader that went away (EPIPE) is a failure like any other. */
TEST(output_closed_pipe)
{
	struct mw_output *o;
	int pfd[2], saved = dup(STDOUT_FILENO);
	__u64 dropped;
	void (*old)(int) = signal(SIGPIPE, SIG_IGN);

	ASSERT_OK(pipe(pfd), "pipe");
	close(pfd[0]);
	dup2(pfd[1], STDOUT_FILENO);
	close(pfd[1]);
	ASSERT_OK(mw_output_open(&o, NULL, false), "stdout");
	fputs("one\ntwo\n", o->f);
	ASSERT_OK(fflush(o->f), "fflush never fails");
	ASSERT_EQ(o->err, -EPIPE, "EPIPE known");
	ASSERT_EQ(ferror(o->f), 0, "the stream is not in error");
	dropped = mw_output_close(o);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	signal(SIGPIPE, old);
	ASSERT_EQ(dropped, 2, "both lines counted lost at the end");
}

/* logrotate moved the file: SIGHUP's reopen makes a new one, 0600, appending. */
TEST(output_reopen_after_rotate)
{
	struct mw_output *o;
	char path[64], rotated[80], *got;
	mode_t old = umask(022);
	struct stat st;
	size_t len;

	tmp_path(path, sizeof(path), "rot");
	snprintf(rotated, sizeof(rotated), "%s.1", path);
	ASSERT_OK(mw_output_open(&o, path, false), "open");
	ASSERT_OK(mw_output_commit(o), "the session watches");
	umask(old);
	ASSERT_OK(stat(path, &st), "created");
	ASSERT_EQ(st.st_mode & 0777, 0600, "created 0600 whatever the umask");
	fputs("before\n", o->f);
	fflush(o->f);
	ASSERT_OK(rename(path, rotated), "rotate");
	fputs("late\n", o->f);	/* still buffered: belongs to the old file */
	ASSERT_OK(mw_output_reopen(o), "reopen");
	fputs("after\n", o->f);
	mw_output_close(o);
	got = slurp(rotated, &len);
	ASSERT_TRUE(!strcmp(got, "before\nlate\n"), "the rotated file keeps its lines");
	got = slurp(path, &len);
	ASSERT_TRUE(!strcmp(got, "after\n"), "the new file has the new ones");
	ASSERT_OK(stat(path, &st), "recreated");
	ASSERT_EQ(st.st_mode & 0777, 0600, "recreated 0600");
	unlink(path);
	unlink(rotated);
}

static void write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd >= 0) {
		if (write(fd, text, strlen(text)) < 0)
			perror(path);
		close(fd);
	}
}

/* A session that never starts leaves an existing file as it was, and makes none. */
TEST(output_failed_start_keeps_the_file)
{
	struct mw_output *o;
	char path[64], *got;
	struct stat st;
	size_t len;

	tmp_path(path, sizeof(path), "keep");
	write_file(path, "last night's reports\n");
	ASSERT_OK(mw_output_open(&o, path, false), "open");
	mw_output_close(o);
	got = slurp(path, &len);
	ASSERT_TRUE(!strcmp(got, "last night's reports\n"), "kept byte for byte");
	ASSERT_OK(mw_output_open(&o, path, false), "open again");
	ASSERT_OK(mw_output_commit(o), "the session watches");
	fputs("new\n", o->f);
	mw_output_close(o);
	got = slurp(path, &len);
	ASSERT_TRUE(!strcmp(got, "new\n"), "replaced once the session watches");
	unlink(path);
	ASSERT_OK(mw_output_open(&o, path, true), "open a new one");
	mw_output_close(o);
	ASSERT_TRUE(stat(path, &st) && errno == ENOENT, "no empty file left behind");
}
