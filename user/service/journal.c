// SPDX-License-Identifier: GPL-2.0
/*
 * Structured entries to systemd-journald by its documented native protocol,
 * spoken directly because the static binary does not link libsystemd. An
 * entry is one datagram of fields: "KEY=value\n", or, for a value with a
 * newline, "KEY\n", its length as a little-endian 64-bit number, the value
 * and "\n". An entry too big for a datagram goes in a sealed memfd instead,
 * passed (SCM_RIGHTS) in an otherwise empty datagram.
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <stdio.h>
#include "events.h"
#include "probe/module_registry.h"
#include "report/printer.h"
#include "report/rules.h"
#include "service/journal.h"
#include "symbols/ksym.h"
#include "report/print_json.h"
#include "report/print_text.h"

#define JOURNAL_SOCKET	"/run/systemd/journal/socket"
#define NAME_MAX_LEN	64		/* journald drops fields with longer names */
#define FIELD_IOVS	5		/* KEY, '\n', size, value, '\n' */
#define MEMFD_SEALS	(F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL)

static struct {
	int fd;
	struct sockaddr_un sa;
	socklen_t len;
} jn = { .fd = -1 };

int mw_journal_open(const char *path)
{
	size_t n;
	int fd, err;

	path = path ?: JOURNAL_SOCKET;
	n = strlen(path);
	if (n >= sizeof(jn.sa.sun_path))
		return -ENAMETOOLONG;
	mw_journal_close();
	memset(&jn.sa, 0, sizeof(jn.sa));
	jn.sa.sun_family = AF_UNIX;
	memcpy(jn.sa.sun_path, path, n);
	jn.len = offsetof(struct sockaddr_un, sun_path) + n + 1;
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* Only to know now that journald is there: each datagram is addressed anyway. */
	if (connect(fd, (struct sockaddr *)&jn.sa, jn.len)) {
		err = -errno;
		close(fd);
		return err;
	}
	jn.fd = fd;
	return 0;
}

void mw_journal_close(void)
{
	if (jn.fd >= 0)
		close(jn.fd);
	jn.fd = -1;
}

/* journald's rule for fields a client may set: [A-Z0-9_], not starting with '_' or a digit. */
static bool name_valid(const char *name)
{
	int i;

	if (!name || !*name || *name == '_' || (*name >= '0' && *name <= '9'))
		return false;
	for (i = 0; name[i]; i++) {
		char c = name[i];

		if (i == NAME_MAX_LEN)
			return false;
		if (!(c >= 'A' && c <= 'Z') && !(c >= '0' && c <= '9') && c != '_')
			return false;
	}
	return true;
}

static int fields_valid(const struct mw_journal_field *f, int n)
{
	int i;

	if (!f || n <= 0)
		return -EINVAL;
	/* Each field is up to FIELD_IOVS iovecs of one sendmsg(), which takes IOV_MAX. */
	if (n > IOV_MAX / FIELD_IOVS)
		return -E2BIG;
	for (i = 0; i < n; i++)
		if (!name_valid(f[i].name) || !f[i].value)
			return -EINVAL;
	return 0;
}

/* One field's iovecs, with its value's size in @size when a newline needs the binary form. */
static int field_iov(const struct mw_journal_field *f, __u64 *size, struct iovec *iov)
{
	size_t len = f->len ?: strlen(f->value);
	bool binary = memchr(f->value, '\n', len);
	int i = 0;

	iov[i++] = (struct iovec){ (char *)f->name, strlen(f->name) };
	iov[i++] = (struct iovec){ binary ? "\n" : "=", 1 };
	if (binary) {
		*size = htole64(len);
		iov[i++] = (struct iovec){ size, sizeof(*size) };
	}
	iov[i++] = (struct iovec){ (char *)f->value, len };
	iov[i++] = (struct iovec){ "\n", 1 };
	return i;
}

static int send_msg(struct msghdr *mh)
{
	mh->msg_name = &jn.sa;
	mh->msg_namelen = jn.len;
	while (sendmsg(jn.fd, mh, MSG_NOSIGNAL) < 0)
		if (errno != EINTR)
			return -errno;
	return 0;
}

static int write_all(int fd, const struct iovec *iov, int n)
{
	ssize_t w;
	int i;

	for (i = 0; i < n; i++) {
		const char *p = iov[i].iov_base;
		size_t left = iov[i].iov_len;

		while (left) {
			w = write(fd, p, left);
			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0)
				return -errno;
			p += w;
			left -= w;
		}
	}
	return 0;
}

/* journald reads a passed memfd only when it is sealed: nobody can change it as it reads. */
static int send_memfd(const struct iovec *iov, int n)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} c = { 0 };
	struct msghdr mh = { .msg_control = c.buf, .msg_controllen = sizeof(c.buf) };
	int fd = memfd_create("modwatch-journal", MFD_CLOEXEC | MFD_ALLOW_SEALING), err;

	if (fd < 0)
		return -errno;
	err = write_all(fd, iov, n);
	if (!err && fcntl(fd, F_ADD_SEALS, MEMFD_SEALS))
		err = -errno;
	if (!err) {
		c.h.cmsg_level = SOL_SOCKET;
		c.h.cmsg_type = SCM_RIGHTS;
		c.h.cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(&c.h), &fd, sizeof(int));
		err = send_msg(&mh);
	}
	close(fd);
	return err;
}

int mw_journal_send(const struct mw_journal_field *f, int n)
{
	struct msghdr mh = { 0 };
	struct iovec *iov;
	__u64 *sizes;
	int i, err;

	err = fields_valid(f, n);
	if (err)
		return err;
	if (jn.fd < 0)
		return -ENOTCONN;
	iov = calloc(n * FIELD_IOVS, sizeof(*iov));
	sizes = calloc(n, sizeof(*sizes));
	err = -ENOMEM;
	if (iov && sizes) {
		for (i = 0; i < n; i++)
			mh.msg_iovlen += field_iov(&f[i], &sizes[i], iov + mh.msg_iovlen);
		mh.msg_iov = iov;
		err = send_msg(&mh);
		/* Bigger than the send buffer (ENOBUFS: than the kernel would allocate at once). */
		if (err == -EMSGSIZE || err == -ENOBUFS)
			err = send_memfd(iov, mh.msg_iovlen);
	}
	free(sizes);
	free(iov);
	return err;
}

/* A decimal number at @s, up to @end: 0, or -EINVAL (strtoull would take " -1"). */
static int parse_u64(const char *s, char **end, unsigned long long *v)
{
	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	*v = strtoull(s, end, 10);
	return errno ? -EINVAL : 0;
}

/*
 * systemd sets $JOURNAL_STREAM to "DEVICE:INODE" of the stream it connects
 * stderr to; children inherit the variable even when their stderr is
 * elsewhere, hence the comparison.
 */
bool mw_journal_stream(void)
{
	const char *env = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;
	char *end;

	if (!env || fstat(STDERR_FILENO, &st))
		return false;
	if (parse_u64(env, &end, &dev) || *end != ':' || parse_u64(end + 1, &end, &ino) || *end)
		return false;
	return dev == st.st_dev && ino == st.st_ino;
}

/* One printer's rendering of @e, as a string without its newline. */
static int render(const struct mw_printer *pr, struct mw_registry *reg, const struct mw_event *e,
		  char *buf, size_t len)
{
	FILE *f = fmemopen(buf, len, "w");
	size_t n;

	if (!f)
		return -errno;
	pr->violation(f, reg, e);
	fclose(f);
	buf[len - 1] = '\0';
	n = strlen(buf);
	while (n && buf[n - 1] == '\n')
		buf[--n] = '\0';
	return n ? 0 : -EIO;
}

/*
 * A report as one structured entry: MESSAGE is its one-line text, the
 * MODWATCH_* fields let journalctl select it (MODWATCH_KIND=use_after_free)
 * and MODWATCH_JSON carries all that the JSON printer says. PRIORITY is
 * err for a violation, warning for a warning.
 */
int mw_journal_report(struct mw_registry *reg, const struct mw_event *e)
{
	static char text[8192], json[1 << 16];
	char site[256], pid[16], func[128] = "";
	bool warn = e->hdr.flags & MW_EV_WARNING;
	const char *id = mw_kind_message_id(e->hdr.kind);
	struct mw_journal_field f[16];
	struct mw_sym sym;
	int n = 0, err;

	err = render(&mw_print_text, reg, e, text, sizeof(text));
	if (!err)
		err = render(&mw_print_json, reg, e, json, sizeof(json));
	if (err)
		return err;
	mw_ksym_format(e->hdr.site, site, sizeof(site));
	if (!mw_ksym_resolve(e->hdr.site, &sym) && sym.name)
		snprintf(func, sizeof(func), "%s", sym.name);
	snprintf(pid, sizeof(pid), "%u", e->hdr.pid);
#define FIELD(k, v) f[n++] = (struct mw_journal_field){ .name = k, .value = v }
	FIELD("MESSAGE", text);
	FIELD("PRIORITY", warn ? "4" : "3");
	FIELD("SYSLOG_IDENTIFIER", "modwatch");
	if (id)
		FIELD("MESSAGE_ID", id);
	FIELD("MODWATCH_KIND", mw_kind_name(e->hdr.kind));
	FIELD("MODWATCH_MODULE", mw_registry_name(reg, e->hdr.module_id));
	FIELD("MODWATCH_SEVERITY", warn ? "warning" : "violation");
	if (*func)
		FIELD("MODWATCH_FUNCTION", func);
	FIELD("MODWATCH_SITE", site);
	if (e->hdr.pid)
		FIELD("MODWATCH_PID", pid);
	FIELD("MODWATCH_COMM", e->hdr.comm);
	FIELD("MODWATCH_JSON", json);
#undef FIELD
	return mw_journal_send(f, n);
}
