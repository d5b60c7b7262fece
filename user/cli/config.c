// SPDX-License-Identifier: GPL-2.0
/*
 * The configuration file, /etc/modwatch/modwatch.conf by convention: one
 * directive per line, "KEY VALUE", KEY a long option without its "--" (so
 * the file and the command line are one language and --help documents
 * both), a flag alone on its line; '#' starts a comment. And the report
 * policy it sets beside the options: suppressions and severities.
 */
#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <sys/stat.h>
#include "cli/config.h"
#include "lib/error.h"

static char *trim(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

/* "KEY VALUE", "KEY = VALUE" or a flag's "KEY" (@line: trimmed, comment cut) to @fn. */
static int config_directive(char *line, mw_config_fn fn, void *ctx, int nr)
{
	char *key = line, *value = key + strcspn(key, " \t=");

	if (*value) {
		*value++ = '\0';
		value = trim(value);
		if (*value == '=')	/* "key = value" too */
			value = trim(value + 1);
	}
	return fn(ctx, key, *value ? value : NULL, nr);
}

/* Is line @nr (@len bytes, its newline included) one a person could have meant? */
static int config_check_line(const char *path, int nr, const char *line, size_t len)
{
	if (memchr(line, '\0', len)) {
		mw_err("%s:%d: the line has a NUL byte: not a text file?", path, nr);
		return -EINVAL;
	}
	if (len - (line[len - 1] == '\n') > MW_CONFIG_LINE_MAX) {
		mw_err("%s:%d: line longer than %d characters", path, nr, MW_CONFIG_LINE_MAX);
		return -EINVAL;
	}
	return 0;
}

/* The configuration file @path, open for reading: not a folder nor a device. */
static FILE *config_open(const char *path, int *err)
{
	FILE *f = fopen(path, "re");
	struct stat st;

	*err = 0;
	if (f && !fstat(fileno(f), &st) && S_ISDIR(st.st_mode)) {
		fclose(f);
		mw_err("cannot read the configuration file %s: it is a directory", path);
		*err = -EISDIR;
		return NULL;
	}
	if (!f) {
		*err = -errno;
		mw_err("cannot read the configuration file %s: %s", path, strerror(errno));
	}
	return f;
}

/*
 * Hand each directive of @path to @fn(ctx, key, value or NULL, line). A
 * line too long or with a NUL byte, or a directive @fn rejects stops the
 * read: 0 or -errno (said, with the file and line, by whoever found the
 * problem).
 */
int mw_config_read(const char *path, mw_config_fn fn, void *ctx)
{
	char *buf = NULL, *line, *hash;
	size_t cap = 0;
	ssize_t len;
	int nr = 0, err;
	FILE *f = config_open(path, &err);

	if (!f)
		return err;
	errno = 0;
	while (!err && (len = getline(&buf, &cap, f)) > 0) {
		err = config_check_line(path, ++nr, buf, len);
		if (err)
			break;
		hash = strchr(buf, '#');
		if (hash)
			*hash = '\0';
		line = trim(buf);
		if (*line)
			err = config_directive(line, fn, ctx, nr);
	}
	if (!err && ferror(f)) {
		err = errno ? -errno : -EIO;
		mw_err("cannot read the configuration file %s: %s", path, strerror(-err));
	}
	free(buf);
	fclose(f);
	return err;
}
