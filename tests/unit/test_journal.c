// SPDX-License-Identifier: GPL-2.0
/*
 * journald's native protocol (journal.c) against a real datagram socket in
 * a temp folder standing in for journald's: entries are read back, byte for
 * byte and parsed as journald would, from the datagram or from the memfd it
 * passes when the entry does not fit.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <stdio.h>
#include "events.h"
#include "probe/module_registry.h"
#include "service/journal.h"
#include "test.h"

#define NAME_LEN 64

struct journald {
	char dir[32];
	char path[64];
	int fd;
};

static char buf[1 << 16];

/* A socket in a new temp folder, and modwatch's journal connected to it. */
static int journald_start(struct journald *j)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	j->fd = -1;
	strcpy(j->dir, "/tmp/mw-journal-XXXXXX");
	if (!mkdtemp(j->dir))
		return -errno;
	snprintf(j->path, sizeof(j->path), "%s/socket", j->dir);
	strcpy(sa.sun_path, j->path);
	j->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (j->fd < 0 || bind(j->fd, (struct sockaddr *)&sa, sizeof(sa)))
		return -errno;
	return mw_journal_open(j->path);
}

static void journald_stop(struct journald *j)
{
	mw_journal_close();
	if (j->fd >= 0)
		close(j->fd);
	unlink(j->path);
	rmdir(j->dir);
}

/* The next datagram into buf, and the fd passed with it into @fd (or -1): its length, or -errno. */
static int journald_recv(struct journald *j, int *fd)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} c;
	struct iovec iov = { buf, sizeof(buf) };
	struct msghdr mh = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = c.buf,
		.msg_controllen = sizeof(c.buf),
	};
	struct cmsghdr *cm;
	ssize_t n = recvmsg(j->fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);

	*fd = -1;
	if (n < 0)
		return -errno;
	if (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC))
		return -EMSGSIZE;
	cm = CMSG_FIRSTHDR(&mh);
	if (cm && cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS)
		memcpy(fd, CMSG_DATA(cm), sizeof(int));
	return n;
}

struct field {
	char name[NAME_LEN + 1];
	const char *value;
	size_t len;
	bool binary;		/* came as KEY\n<le64 size>value\n */
};

/* The binary form's value: after KEY\n, its size (little-endian) and "\n": its end, or NULL. */
static const char *parse_binary(const char *p, const char *end, struct field *f)
{
	const unsigned char *s = (const unsigned char *)p;
	int i;

	if (end - p < 8)
		return NULL;
	for (f->len = 0, i = 7; i >= 0; i--)
		f->len = f->len << 8 | s[i];
	p += 8;
	if ((size_t)(end - p) < f->len + 1 || p[f->len] != '\n')
		return NULL;
	f->value = p;
	f->binary = true;
	return p + f->len + 1;
}

/* An entry back into its fields, as journald reads it: how many, or -1 when malformed. */
static int parse(const char *p, size_t n, struct field *f, int max)
{
	const char *end = p + n, *nl, *eq;
	int i;

	for (i = 0; p < end && i < max; i++) {
		nl = memchr(p, '\n', end - p);
		eq = memchr(p, '=', nl ? nl - p : 0);
		if (!nl || (eq ? eq : nl) - p > NAME_LEN)
			return -1;
		memcpy(f[i].name, p, (eq ? eq : nl) - p);
		f[i].name[(eq ? eq : nl) - p] = '\0';
		if (eq) {
			f[i].value = eq + 1;
			f[i].len = nl - eq - 1;
			f[i].binary = false;
			p = nl + 1;
		} else if (!(p = parse_binary(nl + 1, end, &f[i]))) {
			return -1;
		}
	}
	return p == end ? i : -1;
}

static bool field_is(const struct field *f, const char *name, const char *value, size_t len,
		     bool binary)
{
	return !strcmp(f->name, name) && f->len == len && !memcmp(f->value, value, len) &&
	       f->binary == binary;
}

TEST(journal_sends_an_entry_as_one_datagram_plain_and_binary)
{
	static const char stack[] = "kfree+0x1a/0x2c0\nmw_buggy_exit+0x20/0x40 [mw_buggy]";
	static const struct mw_journal_field in[] = {
		{ "MESSAGE", "double_free in mw_buggy", 0 },
		{ "PRIORITY", "3", 0 },
		{ "MW_STACK", stack, 0 },
		{ "MW_PART", "abcdef", 3 },
		{ "MW_EMPTY", "", 0 },
	};
	char want[256], *w = want;
	struct journald j;
	struct field f[8];
	int n, fd;

	w = stpcpy(w, "MESSAGE=double_free in mw_buggy\nPRIORITY=3\nMW_STACK\n");
	memcpy(w, (char[8]){ sizeof(stack) - 1 }, 8);
	w = stpcpy(w + 8, stack);
	w = stpcpy(w, "\nMW_PART=abc\nMW_EMPTY=\n");

	ASSERT_OK(journald_start(&j), "bind a socket and open the journal on it");
	ASSERT_OK(mw_journal_send(in, 5), "mw_journal_send()");
	n = journald_recv(&j, &fd);
	ASSERT_EQ(n, w - want, "one datagram of the entry's size");
	ASSERT_EQ(fd, -1, "no memfd for a small entry");
	ASSERT_TRUE(!memcmp(buf, want, n), "the datagram, byte for byte");
	ASSERT_EQ(parse(buf, n, f, 8), 5, "five fields parsed back");
	ASSERT_TRUE(field_is(&f[0], "MESSAGE", in[0].value, strlen(in[0].value), false),
		    "MESSAGE, plain");
	ASSERT_TRUE(field_is(&f[1], "PRIORITY", "3", 1, false), "PRIORITY, plain");
	ASSERT_TRUE(field_is(&f[2], "MW_STACK", stack, sizeof(stack) - 1, true),
		    "the value with newlines, in the binary form");
	ASSERT_TRUE(field_is(&f[3], "MW_PART", "abc", 3, false), "len: the value's first bytes");
	ASSERT_TRUE(field_is(&f[4], "MW_EMPTY", "", 0, false), "an empty value");
	ASSERT_EQ(journald_recv(&j, &fd), -EAGAIN, "and nothing else");
	journald_stop(&j);
}

/* Bigger than the send buffer (net.core.wmem_default), and 300 KiB at least. */
static size_t too_big(void)
{
	FILE *f = fopen("/proc/sys/net/core/wmem_default", "r");
	unsigned long v = 0;

	if (f) {
		if (fscanf(f, "%lu", &v) != 1)
			v = 0;
		fclose(f);
	}
	return v + 4096 > 300 << 10 ? v + 4096 : 300 << 10;
}

/* The memfd's content into a new buffer of *@len bytes, checking it is sealed: NULL when not. */
static char *read_sealed(int fd, size_t *len)
{
	int seals = fcntl(fd, F_GET_SEALS);
	struct stat st;
	char *p;

	if ((seals & (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)) !=
		    (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) ||
	    fstat(fd, &st) || !(p = malloc(st.st_size)))
		return NULL;
	*len = st.st_size;
	if (pread(fd, p, *len, 0) != (ssize_t)*len) {
		free(p);
		return NULL;
	}
	return p;
}

TEST(journal_passes_an_entry_too_big_for_a_datagram_in_a_sealed_memfd)
{
	size_t i, size = too_big(), len;
	struct mw_journal_field in[2] = { { "MESSAGE", "a big one", 0 }, { "MW_DUMP", NULL, 0 } };
	char *value = malloc(size), *entry = NULL;
	struct journald j;
	struct field f[4];
	int n, fd;

	ASSERT_TRUE(value, "malloc()");
	for (i = 0; i < size; i++)
		value[i] = i % 80 == 79 ? '\n' : 'a' + i % 26;
	in[1].value = value;
	in[1].len = size;
	ASSERT_OK(journald_start(&j), "bind a socket and open the journal on it");
	ASSERT_OK(mw_journal_send(in, 2), "mw_journal_send()");
	n = journald_recv(&j, &fd);
	ASSERT_EQ(n, 0, "an empty datagram");
	ASSERT_TRUE(fd >= 0, "passing a file descriptor");
	entry = read_sealed(fd, &len);
	close(fd);
	ASSERT_TRUE(entry, "a sealed memfd (shrink, grow and write)");
	ASSERT_EQ(parse(entry, len, f, 4), 2, "holding the entry's two fields");
	ASSERT_TRUE(field_is(&f[0], "MESSAGE", "a big one", 9, false), "MESSAGE, plain");
	ASSERT_TRUE(field_is(&f[1], "MW_DUMP", value, size, true), "the big value, binary");
	free(entry);
	free(value);
	journald_stop(&j);
}

TEST(journal_field_names_follow_journalds_rules)
{
	static const char name64[] =
		"A234567890123456789012345678901234567890123456789012345678901234";
	static const char name65[] =
		"A2345678901234567890123456789012345678901234567890123456789012345";
	static const struct {
		const char *name;
		int err;
	} cases[] = {
		{ "MESSAGE", 0 },	{ "MW_KIND_2", 0 },	{ "A", 0 },
		{ name64, 0 },		{ name65, -EINVAL },	{ "", -EINVAL },
		{ NULL, -EINVAL },	{ "message", -EINVAL }, { "Message", -EINVAL },
		{ "_PID", -EINVAL },	{ "2ND", -EINVAL },	{ "MW-KIND", -EINVAL },
		{ "MW KIND", -EINVAL }, { "MW=KIND", -EINVAL }, { "MW\nKIND", -EINVAL },
	};
	struct mw_journal_field fld[2] = { { .name = "MESSAGE", .value = "ok" } };
	struct journald j;
	size_t i;
	int fd;

	ASSERT_OK(journald_start(&j), "bind a socket and open the journal on it");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		fld[1] = (struct mw_journal_field){ .name = cases[i].name, .value = "v" };
		ASSERT_EQ(mw_journal_send(fld, 2), cases[i].err,
			  cases[i].name ? cases[i].name : "(NULL)");
		ASSERT_EQ(journald_recv(&j, &fd) > 0, !cases[i].err,
			  "sent when valid, nothing of the entry when not");
	}
	fld[1] = (struct mw_journal_field){ .name = "MW_NULL" };
	ASSERT_EQ(mw_journal_send(fld, 2), -EINVAL, "a NULL value");
	ASSERT_EQ(mw_journal_send(fld, 0), -EINVAL, "no fields");
	ASSERT_EQ(journald_recv(&j, &fd), -EAGAIN, "nothing sent");
	journald_stop(&j);
}

TEST(journal_open_says_why_journald_cannot_be_reached)
{
	struct mw_journal_field fld = { .name = "MESSAGE", .value = "hello" };
	char path[200];
	struct journald j;

	ASSERT_OK(journald_start(&j), "bind a socket and open the journal on it");
	close(j.fd);
	j.fd = -1;
	ASSERT_EQ(mw_journal_open(j.path), -ECONNREFUSED, "a socket file nobody reads");
	ASSERT_EQ(mw_journal_send(&fld, 1), -ENOTCONN, "then nothing is open");
	snprintf(path, sizeof(path), "%s/none", j.dir);
	ASSERT_EQ(mw_journal_open(path), -ENOENT, "no journald");
	memset(path, 'a', sizeof(path) - 1);
	path[0] = '/';
	path[sizeof(path) - 1] = '\0';
	ASSERT_EQ(mw_journal_open(path), -ENAMETOOLONG, "a path sun_path cannot hold");
	journald_stop(&j);
}

TEST(journal_stream_is_stderr_when_journal_stream_names_it)
{
	struct stat st;
	char v[64];

	ASSERT_OK(fstat(STDERR_FILENO, &st), "fstat(stderr)");
	snprintf(v, sizeof(v), "%llu:%llu", (unsigned long long)st.st_dev,
		 (unsigned long long)st.st_ino);
	setenv("JOURNAL_STREAM", v, 1);
	ASSERT_TRUE(mw_journal_stream(), "stderr's device and inode");
	snprintf(v, sizeof(v), "%llu:%llu", (unsigned long long)st.st_dev,
		 (unsigned long long)st.st_ino + 1);
	setenv("JOURNAL_STREAM", v, 1);
	ASSERT_TRUE(!mw_journal_stream(), "another inode: the variable was inherited");
	snprintf(v, sizeof(v), "%llu:%llu", (unsigned long long)st.st_dev + 1,
		 (unsigned long long)st.st_ino);
	setenv("JOURNAL_STREAM", v, 1);
	ASSERT_TRUE(!mw_journal_stream(), "another device");
	snprintf(v, sizeof(v), "%llu:%llu:0", (unsigned long long)st.st_dev,
		 (unsigned long long)st.st_ino);
	setenv("JOURNAL_STREAM", v, 1);
	ASSERT_TRUE(!mw_journal_stream(), "trailing garbage");
	setenv("JOURNAL_STREAM", "", 1);
	ASSERT_TRUE(!mw_journal_stream(), "empty");
	unsetenv("JOURNAL_STREAM");
	ASSERT_TRUE(!mw_journal_stream(), "unset");
}

/* @name's field among @n of @f, or NULL. */
static const struct field *field_named(const struct field *f, int n, const char *name)
{
	int i;

	for (i = 0; i < n; i++)
		if (!strcmp(f[i].name, name))
			return &f[i];
	return NULL;
}

/*
 * A task named with ESC, BEL and a newline: MODWATCH_COMM carries its raw
 * bytes, in the binary form for the newline; MESSAGE, the text a person
 * reads, shows them escaped (lib/escape.h) and stays one plain line.
 */
TEST(journal_keeps_a_hostile_comm_raw_in_its_field_and_escaped_in_message)
{
	static const char comm[] = "a\x1b]0;pwn\x07" "b\nBUG:";
	static const char shown[] = "comm a\\x1b]0;pwn\\x07b\\nBUG: cpu";
	static struct mw_registry reg;
	struct mw_event e = { .hdr = { .kind = MW_DOUBLE_FREE, .pid = 7, .tid = 7 } };
	const struct field *c, *m, *j_json;
	struct field f[16];
	struct journald j;
	int n, fd;

	memcpy(e.hdr.comm, comm, sizeof(comm));
	ASSERT_OK(journald_start(&j), "bind a socket and open the journal on it");
	ASSERT_OK(mw_journal_report(&reg, &e), "mw_journal_report()");
	n = journald_recv(&j, &fd);
	journald_stop(&j);
	ASSERT_GT(n, 0, "one datagram");
	n = parse(buf, n, f, 16);
	ASSERT_GT(n, 0, "its fields parsed back");
	c = field_named(f, n, "MODWATCH_COMM");
	m = field_named(f, n, "MESSAGE");
	j_json = field_named(f, n, "MODWATCH_JSON");
	ASSERT_TRUE(j_json, "MODWATCH_JSON: the JSON line");
	mw_test_json(j_json->value, j_json->len);	/* checked against the schema after the run */
	ASSERT_TRUE(c && field_is(c, "MODWATCH_COMM", comm, sizeof(comm) - 1, true),
		    "the comm's raw bytes, in the binary form");
	ASSERT_TRUE(m && !m->binary && !memchr(m->value, '\x1b', m->len) &&
		    memmem(m->value, m->len, shown, sizeof(shown) - 1),
		    "MESSAGE: one plain line, the comm escaped");
}
